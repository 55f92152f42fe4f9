//! Who follows whom. A follow is one item in the follower's partition, so
//! "does A follow B" is a key lookup and "whom does A follow" one query.

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

    /// Records the follow; following twice is the same as once. Both users
    /// must still exist when the write commits: false if the followee does
    /// not, 401 if the follower does not.
    pub async fn follow(&self, follower_id: &str, followee_id: &str) -> Result<bool, ApiError> {
        let follow = Follow {
            follower_id: follower_id.to_owned(),
            followee_id: followee_id.to_owned(),
        };
        let items = vec![
            self.condition_check(&keys::user(followee_id), Expr::exists(keys::PK)),
            self.put(keys::follow(follower_id, followee_id).item(&follow)?, None),
            self.user_must_exist(follower_id),
        ];
        match self.transact("follow", items).await? {
            Ok(()) => Ok(true),
            Err(cancelled) if cancelled.failed(2) => Err(ApiError::token_invalid()),
            Err(_) => Ok(false),
        }
    }

    /// Removes the follow if there is one, for a follower that still exists.
    pub async fn unfollow(&self, follower_id: &str, followee_id: &str) -> Result<(), ApiError> {
        let items = vec![
            self.user_must_exist(follower_id),
            self.delete(&keys::follow(follower_id, followee_id), None),
        ];
        match self.transact("unfollow", items).await? {
            Ok(()) => Ok(()),
            Err(_) => Err(ApiError::token_invalid()),
        }
    }
}
