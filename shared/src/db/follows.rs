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

    /// Records the follow; following twice is the same as once. The followee
    /// must still exist when the write commits. Returns false if it does not.
    pub async fn follow(&self, follower_id: &str, followee_id: &str) -> Result<bool, ApiError> {
        let follow = Follow {
            follower_id: follower_id.to_owned(),
            followee_id: followee_id.to_owned(),
        };
        let items = vec![
            self.condition_check(&keys::user(followee_id), Expr::exists(keys::PK)),
            self.put(keys::follow(follower_id, followee_id).item(&follow)?, None),
        ];
        Ok(self.transact("follow", items).await?.is_ok())
    }

    /// Removes the follow if there is one.
    pub async fn unfollow(&self, follower_id: &str, followee_id: &str) -> Result<(), ApiError> {
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(keys::follow(follower_id, followee_id).to_map()))
            .send()
            .await
            .map_err(|err| super::sdk_error("unfollow", err))?;
        Ok(())
    }
}
