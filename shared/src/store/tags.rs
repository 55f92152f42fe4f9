//! Tags in use, most used first, from the `tags-by-use` index. Each tag's
//! counter is listed in one of `keys::TAG_SHARDS` index partitions (by the
//! tag's hash), sorted by use count, so the counter updates of every article
//! write are spread over several partitions rather than one. A read takes
//! the top of each partition and merges them. Tags no article uses any more
//! have a count of 0 and fall outside the key condition `uses > 0`, so they
//! are never read.

use crate::{
    ground::{error::ApiError, keys},
    table::{Expr, number},
};

use super::Tags;

impl Tags<'_> {
    pub async fn popular(self, limit: usize) -> Result<Vec<String>, ApiError> {
        let reads = (0..keys::TAG_SHARDS).map(|shard| self.top(shard, limit));
        let mut tags: Vec<(i64, String)> = futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect();
        // Most used first; equal counts in name order, so the answer is stable.
        tags.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        Ok(tags.into_iter().take(limit).map(|(_, tag)| tag).collect())
    }

    /// The `limit` most used tags of one index partition, with their counts.
    async fn top(self, shard: u32, limit: usize) -> Result<Vec<(i64, String)>, ApiError> {
        let mut condition = Expr::new();
        let pk = condition.name(keys::TAGS_INDEX_PK);
        let partition = condition.string(keys::tags_index_partition(shard));
        let uses = condition.name(keys::TAGS_INDEX_SK);
        let zero = condition.number(0);
        condition.and(format!("{pk} = {partition}"));
        condition.and(format!("{uses} > {zero}"));
        let items = self
            .table()
            .query_index("list tags", keys::TAGS_INDEX, condition, limit)
            .await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let tag = keys::tag_of_counter(item.get(keys::PK)?.as_s().ok()?)?;
                Some((number(item, keys::TAGS_INDEX_SK)?, tag.to_owned()))
            })
            .collect())
    }
}
