//! Who follows whom. A follow is one item in the follower's partition, so
//! "does A follow B" is a key lookup, and a reverse edge in the followee's
//! partition, so "who follows B" (whose feeds B's articles go to) is one
//! query. Both are written and removed in one transaction, and the reader's
//! feed follows: the author's articles go into it (or out of it) as a job,
//! whose first page runs at once.

use crate::ground::{error::ApiError, keys};

use super::{
    Follows,
    jobs::Job,
    records::Follow,
    users::{self, Counter},
};

/// What a follow request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    New,
    Already,
    /// The followee was removed between the lookup and the write.
    Gone,
}

impl Follows<'_> {
    pub async fn is_following(
        self,
        follower_id: &str,
        followee_id: &str,
    ) -> Result<bool, ApiError> {
        self.table()
            .exists("get follow", &keys::follow(follower_id, followee_id))
            .await
    }

    /// Records the follow (and its reverse edge, in the followee's
    /// partition); following twice is the same as once. Both users must
    /// still exist when the write commits: `Gone` if the followee does not,
    /// 401 if the follower does not; and the follower may follow at most
    /// `max` users (422 past it). A new follow brings the followee's
    /// newest articles into the follower's feed at once.
    pub async fn follow(
        self,
        follower_id: &str,
        followee_id: &str,
        max: u64,
    ) -> Result<Followed, ApiError> {
        let follow = Follow {
            follower_id: follower_id.to_owned(),
            followee_id: followee_id.to_owned(),
        };
        let mut tx = self.table().tx("follow");
        let followee = users::must_exist(&mut tx, followee_id);
        let edge = tx.put_new(&keys::follow(follower_id, followee_id), &follow)?;
        let follower = users::count_below(&mut tx, follower_id, Counter::Follows, max);
        tx.put_item(keys::follower(followee_id, follower_id).to_map(), None);
        match tx.commit().await? {
            Ok(()) => {}
            Err(refused) if refused.by(edge) => return Ok(Followed::Already),
            Err(refused) if refused.by(follower) => {
                return match self.store().users().state(follower_id).await? {
                    None => Err(ApiError::token_invalid()),
                    Some(_) => Err(ApiError::field(
                        "profile",
                        format!("can't follow more than {max} users"),
                    )),
                };
            }
            Err(refused) if refused.by(followee) => return Ok(Followed::Gone),
            Err(refused) => return Err(refused.unexpected()),
        }
        let job = Job::Backfill {
            reader: follower_id.to_owned(),
            author: followee_id.to_owned(),
        };
        self.store().jobs().at_once(&job).await;
        Ok(Followed::New)
    }

    /// Removes the follow and its reverse edge if there is one, for a
    /// follower that still exists, and the followee's articles from the
    /// follower's feed (a page at once). True if there was a follow.
    pub async fn unfollow(self, follower_id: &str, followee_id: &str) -> Result<bool, ApiError> {
        let mut tx = self.table().tx("unfollow");
        let follower = users::count(&mut tx, follower_id, Counter::Follows, -1);
        let edge = tx.delete_present(&keys::follow(follower_id, followee_id));
        tx.delete(&keys::follower(followee_id, follower_id));
        match tx.commit().await? {
            Ok(()) => {}
            Err(refused) if refused.by(follower) => return Err(ApiError::token_invalid()),
            Err(refused) if refused.by(edge) => return Ok(false),
            Err(refused) => return Err(refused.unexpected()),
        }
        let job = Job::Purge {
            reader: follower_id.to_owned(),
            author: followee_id.to_owned(),
        };
        self.store().jobs().at_once(&job).await;
        Ok(true)
    }
}
