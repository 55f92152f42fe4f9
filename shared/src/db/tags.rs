//! Tags in use, most used first, from the `tags-by-use` index: its partition
//! holds one item per tag ever used, sorted by use count. Tags no article uses
//! any more have a count of 0 and fall outside the key condition `uses > 0`,
//! so they are never read.

use aws_sdk_dynamodb::types::ReturnConsumedCapacity;

use crate::ApiError;

use super::{Access, Db, Expr, consumed, keys, sdk_error};

impl Db {
    pub async fn popular_tags(&self, limit: usize) -> Result<Vec<String>, ApiError> {
        let mut condition = Expr::new();
        let pk = condition.name(keys::TAGS_INDEX_PK);
        let partition = condition.string(keys::TAGS_INDEX_PARTITION);
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
            .filter_map(|item| item.get(keys::PK)?.as_s().ok())
            .filter_map(|pk| keys::tag_of_counter(pk))
            .map(str::to_owned)
            .collect())
    }
}
