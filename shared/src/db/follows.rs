//! Who follows whom. A follow is one item in the follower's partition, so
//! "does A follow B" is a key lookup, and a reverse edge in the followee's
//! partition, so "who follows B" (whose feeds B's articles go to) is one
//! query. Both are written and removed in one transaction.

use serde::{Deserialize, Serialize};

use crate::ApiError;

use super::{Db, Expr, keys};

#[derive(Serialize, Deserialize)]
pub(crate) struct Follow {
    pub(crate) follower_id: String,
    pub(crate) followee_id: String,
}

impl Db {
    pub async fn is_following(
        &self,
        follower_id: &str,
        followee_id: &str,
    ) -> Result<bool, ApiError> {
        Ok(self
            .get("get follow", &keys::follow(follower_id, followee_id))
            .await?
            .is_some())
    }

    /// Records the follow (and its reverse edge, in the followee's
    /// partition); following twice is the same as once. Both users must
    /// still exist when the write commits: `Gone` if the followee does not,
    /// 401 if the follower does not.
    pub async fn follow(&self, follower_id: &str, followee_id: &str) -> Result<Followed, ApiError> {
        let follow = Follow {
            follower_id: follower_id.to_owned(),
            followee_id: followee_id.to_owned(),
        };
        let items = vec![
            self.condition_check(&keys::user_counts(followee_id), Expr::exists(keys::PK)),
            self.put(
                keys::follow(follower_id, followee_id).item(&follow)?,
                Some(Expr::not_exists(keys::PK)),
            ),
            self.user_must_exist(follower_id),
            self.put(keys::follower(followee_id, follower_id).to_map(), None),
        ];
        match self.transact("follow", items).await? {
            Ok(()) => Ok(Followed::New),
            Err(cancelled) if cancelled.failed(2) => Err(ApiError::token_invalid()),
            Err(cancelled) if cancelled.failed(0) => Ok(Followed::Gone),
            Err(cancelled) if cancelled.failed(1) => Ok(Followed::Already),
            Err(cancelled) => Err(ApiError::internal(format!("follow: {cancelled:?}"))),
        }
    }

    /// Removes the follow and its reverse edge if there is one, for a
    /// follower that still exists. True if there was a follow.
    pub async fn unfollow(&self, follower_id: &str, followee_id: &str) -> Result<bool, ApiError> {
        let items = vec![
            self.user_must_exist(follower_id),
            self.delete(
                &keys::follow(follower_id, followee_id),
                Some(Expr::exists(keys::PK)),
            ),
            self.delete(&keys::follower(followee_id, follower_id), None),
        ];
        match self.transact("unfollow", items).await? {
            Ok(()) => Ok(true),
            Err(cancelled) if cancelled.failed(0) => Err(ApiError::token_invalid()),
            Err(cancelled) if cancelled.failed(1) => Ok(false),
            Err(cancelled) => Err(ApiError::internal(format!("unfollow: {cancelled:?}"))),
        }
    }
}

/// What a follow request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    New,
    Already,
    /// The followee was removed between the lookup and the write.
    Gone,
}
