//! Users and the claims that keep usernames and emails unique.
//!
//! Uniqueness is enforced by the write itself: registering puts the user and
//! one claim item per unique value in a single transaction, each claim with
//! `attribute_not_exists`. Two racing registrations cannot both commit, and no
//! read happens before the write.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::{
    ground::{clock, error::ApiError, keys, precondition::IfMatch},
    table::{Expr, Slot, Tx, UpdateExpr, Walk, from_item},
};

use super::{
    Store, Users,
    pages::Viewer,
    records::{CountOf, UserCounts, UserRecord},
    requests::CreateRequest,
};

/// A claim on a unique value: which user holds it.
#[derive(Serialize, Deserialize)]
struct Claim {
    user_id: String,
}

pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password_hash: String,
    /// The registration's `Idempotency-Key`, if its client sent one: a
    /// resend with the key gets the user the first attempt made.
    pub idempotency_key: Option<String>,
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
    /// Ends every session of the user but this one, with the change.
    pub end_sessions_but: Option<String>,
}

/// How often an update is re-read and retried when another update of the same
/// user committed between the read and the write.
const UPDATE_ATTEMPTS: usize = 3;

/// A counter on a user's counts item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Articles,
    Favorites,
    Feed,
    Follows,
}

impl Counter {
    /// Where user `id`'s count is kept, for a page's read.
    pub(crate) fn of(self, id: &str) -> CountOf {
        CountOf {
            keys: vec![keys::user_counts(id)],
            attr: self.attr(),
        }
    }

    fn attr(self) -> &'static str {
        match self {
            Self::Articles => "articles_count",
            Self::Favorites => "favorites_count",
            Self::Feed => "feed_count",
            Self::Follows => "follows_count",
        }
    }
}

/// The transaction item that makes a write by user `id` land only while
/// the user exists, so no write ever acts for (or creates) a missing user.
/// It checks the counts item, whose size (not the profile's) the check is
/// billed at.
pub(crate) fn must_exist(tx: &mut Tx<'_>, id: &str) -> Slot {
    tx.must_exist(&keys::user_counts(id))
}

/// Moves user `id`'s `counter` by `delta` in `tx`; the user must exist.
pub(crate) fn count(tx: &mut Tx<'_>, id: &str, counter: Counter, delta: i64) -> Slot {
    tx.bump(&keys::user_counts(id), counter.attr(), delta)
}

/// Adds one to user `id`'s `counter` in `tx`, while the user exists and
/// the counter is below `max` (a counter never written counts as 0).
pub(crate) fn count_below(tx: &mut Tx<'_>, id: &str, counter: Counter, max: u64) -> Slot {
    let update = UpdateExpr::new().add(counter.attr(), 1).condition(|c| {
        c.and_exists(keys::PK);
        let name = c.name(counter.attr());
        let max = c.number(i64::try_from(max).unwrap_or(i64::MAX));
        c.and(format!("(attribute_not_exists({name}) OR {name} < {max})"));
    });
    tx.update(&keys::user_counts(id), update)
}

/// The update that ends a user's sessions signed in until now, but `keep`.
fn end_sessions(keep: Option<&str>) -> UpdateExpr {
    let now = AttributeValue::N(clock::epoch_millis().to_string());
    UpdateExpr::new()
        .set("sessions_ended_at", now)
        .set_or_remove("session_kept", keep.map(str::to_owned))
}

impl Users<'_> {
    pub async fn create(self, new: NewUser) -> Result<UserRecord, ApiError> {
        let request = new
            .idempotency_key
            .as_deref()
            .map(|key| CreateRequest::keyed("REGISTER", "USER", key, &[&new.username, &new.email]));
        let user = UserRecord {
            id: uuid::Uuid::now_v7().to_string(),
            username: new.username,
            email: new.email,
            password_hash: new.password_hash,
            bio: None,
            image: None,
            created_at: clock::now(),
            version: 0,
        };
        let claim = Claim {
            user_id: user.id.clone(),
        };
        let mut tx = self.table().tx("register user");
        let profile = tx.put_new(&keys::user(&user.id), &user)?;
        let username = tx.put_new(&keys::username(&user.username), &claim)?;
        let email = tx.put_new(&keys::email(&user.email), &claim)?;
        tx.put_new(&keys::user_counts(&user.id), &UserCounts::default())?;
        let claim = match &request {
            Some(request) => Some(request.claim(&mut tx, &user.id)?),
            None => None,
        };
        match tx.commit().await? {
            Ok(()) => Ok(user),
            Err(refused) if claim.is_some_and(|slot| refused.by(slot)) => {
                let made = match request.as_ref() {
                    Some(request) => request.claimed(self.table()).await?,
                    None => None,
                };
                match made {
                    Some(id) => self
                        .get(&id)
                        .await?
                        .ok_or(ApiError::Conflict(vec!["username", "email"])),
                    None => Err(ApiError::Changed("user")),
                }
            }
            Err(refused) => {
                let taken: Vec<&'static str> = [(username, "username"), (email, "email")]
                    .into_iter()
                    .filter(|(slot, _)| refused.by(*slot))
                    .map(|(_, field)| field)
                    .collect();
                if taken.is_empty() || refused.by(profile) {
                    return Err(refused.unexpected());
                }
                Err(ApiError::Conflict(taken))
            }
        }
    }

    pub async fn get(self, id: &str) -> Result<Option<UserRecord>, ApiError> {
        self.table()
            .get("get user", &keys::user(id))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Whether user `id` exists: a token names a user, but only this says the
    /// user is still there. The counts item is read: it exists exactly when
    /// the profile does, and is small whatever the profile holds.
    pub async fn exists(self, id: &str) -> Result<bool, ApiError> {
        self.table()
            .exists("get user", &keys::user_counts(id))
            .await
    }

    /// The user's counts and session state; `None` for a user that does
    /// not exist. What every authenticated request reads.
    pub async fn state(self, id: &str) -> Result<Option<UserCounts>, ApiError> {
        self.table()
            .get("get user", &keys::user_counts(id))
            .await?
            .map(from_item)
            .transpose()
    }

    /// The user's profile and state, in one read of their partition.
    pub async fn profile_and_state(
        self,
        id: &str,
    ) -> Result<(Option<UserRecord>, Option<UserCounts>), ApiError> {
        let (pk, prefix) = keys::user_with_counts(id);
        let items = Walk::new(pk, prefix)
            .next(self.table(), "get user", 2)
            .await?;
        let (mut profile, mut state) = (None, None);
        for item in items {
            let Some(key) = keys::Key::of(&item) else {
                continue;
            };
            if keys::is_user_counts(&key.sk) {
                state = Some(from_item(item)?);
            } else {
                profile = Some(from_item(item)?);
            }
        }
        Ok((profile, state))
    }

    /// Ends every session of user `id` signed in until now, but `keep`
    /// (a session id) if given. 401 for a user that does not exist.
    pub async fn end_sessions(self, id: &str, keep: Option<&str>) -> Result<(), ApiError> {
        let update = end_sessions(keep).condition(|c| {
            c.and_exists(keys::PK);
        });
        match self
            .table()
            .update("end sessions", &keys::user_counts(id), update)
            .await?
        {
            Ok(_) => Ok(()),
            Err(_) => Err(ApiError::token_invalid()),
        }
    }

    /// Sets user `id`'s `counter` to `to` if it still holds `from` (a
    /// counter never written holds 0): the repair of a counter a fault left
    /// unequal to what it counts. False when it moved meanwhile, or the user
    /// is gone.
    pub(crate) async fn recount(
        self,
        id: &str,
        counter: Counter,
        from: i64,
        to: i64,
    ) -> Result<bool, ApiError> {
        let update = UpdateExpr::new()
            .set(counter.attr(), AttributeValue::N(to.to_string()))
            .condition(|c| {
                c.and_exists(keys::PK);
                let name = c.name(counter.attr());
                let from_value = c.number(from);
                if from == 0 {
                    c.and(format!(
                        "(attribute_not_exists({name}) OR {name} = {from_value})"
                    ));
                } else {
                    c.and(format!("{name} = {from_value}"));
                }
            });
        Ok(self
            .table()
            .update("recount", &keys::user_counts(id), update)
            .await?
            .is_ok())
    }

    /// The user's counters; zeros for a user that does not exist.
    pub async fn counts(self, id: &str) -> Result<UserCounts, ApiError> {
        self.table()
            .get("get user counts", &keys::user_counts(id))
            .await?
            .map(from_item)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    pub async fn by_email(self, email: &str) -> Result<Option<UserRecord>, ApiError> {
        self.by_claim(&keys::email(email)).await
    }

    /// The id of the user with this username, from its claim alone.
    pub async fn id_of(self, username: &str) -> Result<Option<String>, ApiError> {
        let item = self
            .table()
            .get("get claim", &keys::username(username))
            .await?;
        Ok(item
            .map(from_item::<Claim>)
            .transpose()?
            .map(|claim| claim.user_id))
    }

    pub async fn by_username(self, username: &str) -> Result<Option<UserRecord>, ApiError> {
        self.by_claim(&keys::username(username)).await
    }

    /// The user a profile route names, and whether `viewer` follows them:
    /// the username's claim, then one read of the profile and the follow;
    /// 404 `profile: not found` otherwise.
    pub async fn profile_seen_by(
        self,
        username: &str,
        viewer: Option<&Viewer>,
    ) -> Result<(UserRecord, bool), ApiError> {
        let id = self
            .id_of(username)
            .await?
            .ok_or(ApiError::NotFound("profile"))?;
        let context = self.0.context(viewer, std::slice::from_ref(&id)).await?;
        let user = context
            .author(&id)
            .cloned()
            .ok_or(ApiError::NotFound("profile"))?;
        Ok((user, context.follows(&id)))
    }

    /// The user a profile route names; 404 `profile: not found` otherwise.
    pub async fn profile_owner(self, username: &str) -> Result<UserRecord, ApiError> {
        self.by_username(username)
            .await?
            .ok_or(ApiError::NotFound("profile"))
    }

    async fn by_claim(self, claim: &keys::Key) -> Result<Option<UserRecord>, ApiError> {
        let Some(item) = self.table().get("get claim", claim).await? else {
            return Ok(None);
        };
        let claim: Claim = from_item(item)?;
        self.get(&claim.user_id).await
    }

    /// Applies `changes` to user `id` in one transaction: the user item and, for
    /// a new username or email, the old claim's release and the new claim.
    /// Returns the updated user; `None` if there is no such user.
    pub async fn update(
        self,
        id: &str,
        changes: UserChanges,
        expected: Option<&IfMatch>,
    ) -> Result<Option<UserRecord>, ApiError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let Some(current) = self.get(id).await? else {
                return Ok(None);
            };
            // Checked on every attempt: an update that lands between the
            // client's read and this one fails the precondition.
            if expected.is_some_and(|expected| !expected.holds(current.version)) {
                return Err(ApiError::PreconditionFailed("user"));
            }
            match self.try_update(&current, &changes).await? {
                Some(updated) => return Ok(Some(updated)),
                None => continue,
            }
        }
        Err(ApiError::Unavailable(format!(
            "user {id} kept changing during update"
        )))
    }

    /// `Ok(None)` when `current` is stale (another update won the race).
    async fn try_update(
        self,
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
        let mut tx = self.table().tx("update user");
        tx.update(&keys::user(&current.id), update);
        if let Some(keep) = &changes.end_sessions_but {
            let ended = end_sessions(Some(keep)).condition(|c| {
                c.and_exists(keys::PK);
            });
            tx.update(&keys::user_counts(&current.id), ended);
        }
        let claim = Claim {
            user_id: current.id.clone(),
        };
        let mut move_claim = |old: keys::Key, new: keys::Key| -> Result<Option<Slot>, ApiError> {
            if old == new {
                return Ok(None);
            }
            let held = Expr::equals("user_id", AttributeValue::S(current.id.clone()));
            tx.delete_if(&old, Some(held));
            tx.put_new(&new, &claim).map(Some)
        };
        let username = move_claim(
            keys::username(&current.username),
            keys::username(&updated.username),
        )?;
        let email = move_claim(keys::email(&current.email), keys::email(&updated.email))?;

        match tx.commit().await? {
            Ok(()) => Ok(Some(updated)),
            Err(refused) => {
                let taken: Vec<&'static str> = [(username, "username"), (email, "email")]
                    .into_iter()
                    .filter(|(slot, _)| slot.is_some_and(|s| refused.by(s)))
                    .map(|(_, field)| field)
                    .collect();
                if taken.is_empty() {
                    Ok(None)
                } else {
                    Err(ApiError::Conflict(taken))
                }
            }
        }
    }
}

impl Store {
    /// The users these ids name (profiles), in one batched read.
    pub async fn users_by_ids(&self, ids: &[String]) -> Result<Vec<UserRecord>, ApiError> {
        let keys = ids.iter().map(|id| keys::user(id)).collect();
        self.table
            .batch_get("get users", keys)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }
}
