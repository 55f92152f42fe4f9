//! The JSON documents of the API, as the RealWorld spec shapes them.

use serde::Serialize;

use crate::db::users::UserRecord;

#[derive(Debug, Serialize)]
pub struct UserBody {
    pub user: User,
}

#[derive(Debug, Serialize)]
pub struct User {
    pub email: String,
    pub token: String,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

impl UserBody {
    pub fn new(record: UserRecord, token: String) -> Self {
        Self {
            user: User {
                email: record.email,
                token,
                username: record.username,
                bio: record.bio,
                image: record.image,
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ProfileBody {
    pub profile: Profile,
}

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: bool,
}

impl Profile {
    pub fn new(record: &UserRecord, following: bool) -> Self {
        Self {
            username: record.username.clone(),
            bio: record.bio.clone(),
            image: record.image.clone(),
            following,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Only single-article responses carry the body; lists leave it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub tag_list: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub favorited: bool,
    pub favorites_count: u64,
    pub author: Profile,
}

#[derive(Debug, Serialize)]
pub struct ArticleBody {
    pub article: Article,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleList {
    pub articles: Vec<Article>,
    pub articles_count: u64,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: u64,
    pub created_at: String,
    pub updated_at: String,
    pub body: String,
    pub author: Profile,
}

#[derive(Debug, Serialize)]
pub struct CommentBody {
    pub comment: Comment,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentList {
    pub comments: Vec<Comment>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TagList {
    pub tags: Vec<String>,
}

/// The current time as the API writes it: RFC 3339, UTC, milliseconds.
/// Fixed width, so these strings also sort chronologically as keys.
pub fn now() -> String {
    format_time(time::OffsetDateTime::now_utc())
}

/// Now, or a millisecond after `previous` if the clock has not moved past it,
/// so an edit always changes `updatedAt`.
pub fn later_than(previous: &str) -> String {
    let now = now();
    if now.as_str() > previous {
        return now;
    }
    time::OffsetDateTime::parse(previous, &time::format_description::well_known::Rfc3339)
        .map(|t| format_time(t + time::Duration::milliseconds(1)))
        .unwrap_or(now)
}

/// Whether the API timestamp `at` lies within `window` before now.
pub fn is_within(at: &str, window: std::time::Duration) -> bool {
    let Ok(at) = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
    else {
        return false;
    };
    let age = time::OffsetDateTime::now_utc() - at;
    age >= time::Duration::ZERO && age <= window
}

pub fn format_time(t: time::OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::FormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_fixed_width_utc_millis() {
        let t = time::macros::datetime!(2016-02-18 03:22:56.637 UTC);
        assert_eq!(super::format_time(t), "2016-02-18T03:22:56.637Z");
        let t = time::macros::datetime!(2016-02-18 03:22:56 UTC);
        assert_eq!(super::format_time(t), "2016-02-18T03:22:56.000Z");
        assert_eq!(super::now().len(), 24);
    }

    #[test]
    fn later_than_always_moves_forward() {
        let future = "2999-01-01T00:00:00.000Z";
        assert_eq!(super::later_than(future), "2999-01-01T00:00:00.001Z");
        let past = "2001-01-01T00:00:00.000Z";
        assert!(super::later_than(past).as_str() > past);
    }
}
