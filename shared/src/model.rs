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

/// The current time as the API writes it: RFC 3339, UTC, milliseconds.
/// Fixed width, so these strings also sort chronologically as keys.
pub fn now() -> String {
    format_time(time::OffsetDateTime::now_utc())
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
}
