//! Favorites. A favorite is two items written together: one in the article's
//! partition (so "did this user favorite it" is a key lookup and deletion can
//! find them all) and one in the user's partition (the `favorited=` list),
//! plus the two counters, all in one transaction. Both counters must exist
//! (`attribute_exists`): a favorite never outlives its article's deletion,
//! and a token for a missing user never creates a counter.
//!
//! The article's count is kept on two items, summed on read: its head and
//! its all-articles entry (`keys::favorite_counters`). Each favorite adds
//! to one of them at random, so a popular article's favorites take turns on
//! two items rather than one, in two partitions; a page of the all-articles
//! list has the entry's share from its own query, and any other page reads
//! the entry with the head: two keys an article in one batched read. An
//! unfavorite takes from either; only the sum is a count.

use crate::{
    ground::{
        error::ApiError,
        keys::{self, Position},
    },
    table::{Slot, Tx},
};

use super::{
    Favorites,
    records::{ArticleRecord, Favorite},
    users::{self, Counter},
};

/// One of the article's two counters, at random, so concurrent favorites
/// of one article meet on one item half as often.
fn any_counter(position: &Position) -> keys::Key {
    let [head, counter] = keys::favorite_counters(position);
    if uuid::Uuid::new_v4().as_u128().is_multiple_of(2) {
        head
    } else {
        counter
    }
}

/// Whether a change adds a favorite or takes it away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Toggle {
    On,
    Off,
}

/// The slots of a favorite's items in a transaction.
pub(crate) struct Layout {
    /// The favorite itself: absent (on) or present (off), else refused.
    pub(crate) favorite: Slot,
    /// The favoriter's count, when it is changed: the user must exist.
    pub(crate) favoriter: Option<Slot>,
}

/// A favorite of `article_id` (at `position` in every list, by `author_id`) by `user_id`,
/// made or taken away in `tx`: the favorite, the favoriter's list entry,
/// and (with `count`) the favoriter's count. The article's own count is
/// the caller's: a deleted article has none left to change.
pub(crate) fn layout(
    tx: &mut Tx<'_>,
    article_id: &str,
    position: &Position,
    author_id: &str,
    user_id: &str,
    toggle: Toggle,
    count: bool,
) -> Result<Layout, ApiError> {
    let key = keys::favorite(article_id, user_id);
    let list = keys::articles_favorited_by(user_id);
    let entry = list.entry(position);
    let favorite = match toggle {
        Toggle::On => {
            let favorite = Favorite {
                user_id: user_id.to_owned(),
                article_id: article_id.to_owned(),
            };
            let slot = tx.put_new(&key, &favorite)?;
            tx.put_item(list.entry_item(position, author_id), None);
            slot
        }
        Toggle::Off => {
            let slot = tx.delete_present(&key);
            tx.delete(&entry);
            slot
        }
    };
    let delta = if toggle == Toggle::On { 1 } else { -1 };
    let favoriter = count.then(|| users::count(tx, user_id, Counter::Favorites, delta));
    Ok(Layout {
        favorite,
        favoriter,
    })
}

impl Favorites<'_> {
    /// Favorites the article for `user_id`. Favoriting twice changes nothing.
    pub async fn favorite(self, article: &ArticleRecord, user_id: &str) -> Result<(), ApiError> {
        self.toggle(article, user_id, Toggle::On).await
    }

    /// Removes the favorite; unfavoriting what was not favorited changes nothing.
    pub async fn unfavorite(self, article: &ArticleRecord, user_id: &str) -> Result<(), ApiError> {
        self.toggle(article, user_id, Toggle::Off).await
    }

    async fn toggle(
        self,
        article: &ArticleRecord,
        user_id: &str,
        toggle: Toggle,
    ) -> Result<(), ApiError> {
        let mut tx = self.table().tx(match toggle {
            Toggle::On => "favorite",
            Toggle::Off => "unfavorite",
        });
        let position = article.position();
        let made = layout(
            &mut tx,
            &article.id,
            &position,
            &article.author_id,
            user_id,
            toggle,
            true,
        )?;
        // The counter must exist: the article is still there.
        let delta = if toggle == Toggle::On { 1 } else { -1 };
        let shard = tx.bump(&any_counter(&position), keys::FAVORITES, delta);
        match tx.commit().await? {
            Ok(()) => Ok(()),
            Err(refused) if made.favoriter.is_some_and(|s| refused.by(s)) => {
                Err(ApiError::token_invalid())
            }
            Err(refused) if refused.by(shard) => Err(ApiError::NotFound("article")),
            // Already as asked.
            Err(refused) if refused.by(made.favorite) => Ok(()),
            Err(refused) => Err(refused.unexpected()),
        }
    }
}
