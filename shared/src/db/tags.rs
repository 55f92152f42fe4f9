//! Tags in use, most used first, from the `tags-by-use` index. Each tag's
//! counter is listed in one of `keys::TAG_SHARDS` index partitions (by the
//! tag's hash), sorted by use count, so the counter updates of every article
//! write are spread over several partitions rather than one. A read takes
//! the top of each partition and merges them. Tags no article uses any more
//! have a count of 0 and fall outside the key condition `uses > 0`, so they
//! are never read.

use aws_sdk_dynamodb::types::ReturnConsumedCapacity;

use crate::ApiError;

use super::{Access, Db, Expr, consumed, keys, sdk_error};

impl Db {
    pub async fn popular_tags(&self, limit: usize) -> Result<Vec<String>, ApiError> {
        let reads = (0..keys::TAG_SHARDS).map(|shard| self.top_tags(shard, limit));
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
    async fn top_tags(&self, shard: u32, limit: usize) -> Result<Vec<(i64, String)>, ApiError> {
        let mut condition = Expr::new();
        let pk = condition.name(keys::TAGS_INDEX_PK);
        let partition = condition.string(keys::tags_index_partition(shard));
        let uses = condition.name(keys::TAGS_INDEX_SK);
        let zero = condition.number(0);
        condition.and(format!("{pk} = {partition}"));
        condition.and(format!("{uses} > {zero}"));
        let (expression, names, values) = condition.into_maps();
        let output = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(keys::TAGS_INDEX)
            .key_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|err| sdk_error("list tags", err))?;
        consumed(Access::Read, &output.consumed_capacity);
        Ok(output
            .items
            .unwrap_or_default()
            .iter()
            .filter_map(|item| {
                let tag = keys::tag_of_counter(item.get(keys::PK)?.as_s().ok()?)?;
                let uses = item.get(keys::TAGS_INDEX_SK)?.as_n().ok()?.parse().ok()?;
                Some((uses, tag.to_owned()))
            })
            .collect())
    }
}
