//! Users and the claims that keep usernames and emails unique.
//!
//! Uniqueness is enforced by the write itself: registering puts the user and
//! one claim item per unique value in a single transaction, each claim with
//! `attribute_not_exists`. Two racing registrations cannot both commit, and no
//! read happens before the write.

use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::ApiError;

use super::{Db, Expr, UpdateExpr, from_item, keys};

#[derive(Clone, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub created_at: String,
    /// Bumped by every profile update, which is conditioned on the version it
    /// read: two updates racing can't undo each other (optimistic locking).
    #[serde(default)]
    pub version: u64,
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A user's counters, an item of their own beside the profile: kept by the
/// transactions that change what they count, only ever with `ADD`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UserCounts {
    /// Articles the user wrote.
    #[serde(default)]
    pub articles_count: i64,
    /// Articles the user favorited.
    #[serde(default)]
    pub favorites_count: i64,
    /// Entries in the user's feed.
    #[serde(default)]
    pub feed_count: i64,
}

impl UserCounts {
    pub fn articles(&self) -> u64 {
        u64::try_from(self.articles_count).unwrap_or(0)
    }

    pub fn favorites(&self) -> u64 {
        u64::try_from(self.favorites_count).unwrap_or(0)
    }

    pub fn feed(&self) -> u64 {
        u64::try_from(self.feed_count).unwrap_or(0)
    }
}

/// A claim on a unique value: which user holds it.
#[derive(Serialize, Deserialize)]
struct Claim {
    user_id: String,
}

pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password_hash: String,
}

/// A change to a user; `None` leaves a field as it is. For `bio` and `image`,
/// `Some(None)` clears the field.
#[derive(Default)]
pub struct UserChanges {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub bio: Option<Option<String>>,
    pub image: Option<Option<String>>,
}

/// How often an update is re-read and retried when another update of the same
/// user committed between the read and the write.
const UPDATE_ATTEMPTS: usize = 3;

impl Db {
    pub async fn create_user(&self, new: NewUser) -> Result<UserRecord, ApiError> {
        let user = UserRecord {
            id: uuid::Uuid::now_v7().to_string(),
            username: new.username,
            email: new.email,
            password_hash: new.password_hash,
            bio: None,
            image: None,
            created_at: crate::model::now(),
            version: 0,
        };
        let claim = Claim {
            user_id: user.id.clone(),
        };
        let items = vec![
            self.put(
                keys::user(&user.id).item(&user)?,
                Some(Expr::not_exists(keys::PK)),
            ),
            self.put(
                keys::username(&user.username).item(&claim)?,
                Some(Expr::not_exists(keys::PK)),
            ),
            self.put(
                keys::email(&user.email).item(&claim)?,
                Some(Expr::not_exists(keys::PK)),
            ),
            self.put(
                keys::user_counts(&user.id).item(&UserCounts::default())?,
                Some(Expr::not_exists(keys::PK)),
            ),
        ];
        match self.transact("register user", items).await? {
            Ok(()) => Ok(user),
            Err(cancelled) => {
                let mut taken = Vec::new();
                if cancelled.failed(1) {
                    taken.push("username");
                }
                if cancelled.failed(2) {
                    taken.push("email");
                }
                if taken.is_empty() {
                    return Err(ApiError::internal(format!(
                        "user id collision: {cancelled:?}"
                    )));
                }
                Err(ApiError::Conflict(taken))
            }
        }
    }

    pub async fn get_user(&self, id: &str) -> Result<Option<UserRecord>, ApiError> {
        self.get("get user", &keys::user(id))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Whether user `id` exists: a token names a user, but only this says the
    /// user is still there. The counts item is read: it exists exactly when
    /// the profile does, and is small whatever the profile holds.
    pub async fn user_exists(&self, id: &str) -> Result<bool, ApiError> {
        Ok(self
            .get("get user", &keys::user_counts(id))
            .await?
            .is_some())
    }

    /// The user's counters; zeros for a user that does not exist.
    pub async fn user_counts(&self, id: &str) -> Result<UserCounts, ApiError> {
        self.get("get user counts", &keys::user_counts(id))
            .await?
            .map(from_item)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// The transaction item that makes a write by user `id` land only while
    /// the user exists, so no write ever acts for (or creates) a missing
    /// user. It checks the counts item, whose size (not the profile's) the
    /// check is billed at.
    pub(crate) fn user_must_exist(&self, id: &str) -> aws_sdk_dynamodb::types::TransactWriteItem {
        self.condition_check(&keys::user_counts(id), Expr::exists(keys::PK))
    }

    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>, ApiError> {
        self.find_by_claim(&keys::email(email)).await
    }

    pub async fn find_user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<UserRecord>, ApiError> {
        self.find_by_claim(&keys::username(username)).await
    }

    /// The user a profile route names; 404 `profile: not found` otherwise.
    pub async fn profile_owner(&self, username: &str) -> Result<UserRecord, ApiError> {
        self.find_user_by_username(username)
            .await?
            .ok_or(ApiError::NotFound("profile"))
    }

    async fn find_by_claim(&self, claim: &keys::Key) -> Result<Option<UserRecord>, ApiError> {
        let Some(item) = self.get("get claim", claim).await? else {
            return Ok(None);
        };
        let claim: Claim = from_item(item)?;
        self.get_user(&claim.user_id).await
    }

    /// Applies `changes` to user `id` in one transaction: the user item and, for
    /// a new username or email, the old claim's release and the new claim.
    /// Returns the updated user; `None` if there is no such user.
    pub async fn update_user(
        &self,
        id: &str,
        changes: UserChanges,
    ) -> Result<Option<UserRecord>, ApiError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let Some(current) = self.get_user(id).await? else {
                return Ok(None);
            };
            match self.try_update_user(&current, &changes).await? {
                Some(updated) => return Ok(Some(updated)),
                None => continue,
            }
        }
        Err(ApiError::Unavailable(format!(
            "user {id} kept changing during update"
        )))
    }

    /// `Ok(None)` when `current` is stale (another update won the race).
    async fn try_update_user(
        &self,
        current: &UserRecord,
        changes: &UserChanges,
    ) -> Result<Option<UserRecord>, ApiError> {
        let mut updated = current.clone();
        if let Some(username) = &changes.username {
            updated.username = username.clone();
        }
        if let Some(email) = &changes.email {
            updated.email = email.clone();
        }
        if let Some(hash) = &changes.password_hash {
            updated.password_hash = hash.clone();
        }
        if let Some(bio) = &changes.bio {
            updated.bio = bio.clone();
        }
        if let Some(image) = &changes.image {
            updated.image = image.clone();
        }

        // The write only lands on the version that was read, so it neither
        // moves claims that already moved nor reverts a newer change.
        updated.version = current.version + 1;
        let update = UpdateExpr::new()
            .set("username", AttributeValue::S(updated.username.clone()))
            .set("email", AttributeValue::S(updated.email.clone()))
            .set(
                "password_hash",
                AttributeValue::S(updated.password_hash.clone()),
            )
            .set_or_remove("bio", updated.bio.clone())
            .set_or_remove("image", updated.image.clone())
            .set("version", AttributeValue::N(updated.version.to_string()))
            .condition(|c| {
                c.and_equals("version", AttributeValue::N(current.version.to_string()));
            });
        let mut items = vec![self.update(&keys::user(&current.id), update)];
        let claim = Claim {
            user_id: current.id.clone(),
        };
        let claim_index = |old: keys::Key,
                           new: keys::Key,
                           items: &mut Vec<_>|
         -> Result<Option<usize>, ApiError> {
            if old == new {
                return Ok(None);
            }
            let held = Expr::equals("user_id", AttributeValue::S(current.id.clone()));
            items.push(self.delete(&old, Some(held)));
            items.push(self.put(new.item(&claim)?, Some(Expr::not_exists(keys::PK))));
            Ok(Some(items.len() - 1))
        };
        let username_claim = claim_index(
            keys::username(&current.username),
            keys::username(&updated.username),
            &mut items,
        )?;
        let email_claim = claim_index(
            keys::email(&current.email),
            keys::email(&updated.email),
            &mut items,
        )?;

        match self.transact("update user", items).await? {
            Ok(()) => Ok(Some(updated)),
            Err(cancelled) => {
                let mut taken = Vec::new();
                if username_claim.is_some_and(|i| cancelled.failed(i)) {
                    taken.push("username");
                }
                if email_claim.is_some_and(|i| cancelled.failed(i)) {
                    taken.push("email");
                }
                if taken.is_empty() {
                    Ok(None)
                } else {
                    Err(ApiError::Conflict(taken))
                }
            }
        }
    }
}
