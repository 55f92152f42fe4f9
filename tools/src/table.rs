//! The table definition, read from `template.yaml`.

use std::path::{Path, PathBuf};

use aws_sdk_dynamodb::{
    Client,
    types::{
        AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
        KeyType, Projection, ProjectionType, ScalarAttributeType, StreamSpecification,
        StreamViewType,
    },
};
use serde_norway::Value;
use shared::ground::keys;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// DynamoDB Local's address, as `make test` exports it.
pub fn endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT")
        .expect("DYNAMODB_ENDPOINT is not set: run through `make test` or `make bench`, which start DynamoDB Local")
}

/// A configuration for a local table (tests, the benchmark). The signing
/// secret is random per call: nothing depends on a known key, and no key
/// lives in the repository.
pub fn config(endpoint: &str, table: &str) -> shared::ground::config::Config {
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let values = [
        ("TABLE_NAME", table.to_owned()),
        ("JWT_SECRET", secret),
        ("DYNAMODB_ENDPOINT", endpoint.to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ];
    let mut config = shared::ground::config::Config::from_lookup(|name| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
    .expect("test configuration is valid");
    // DynamoDB Local on a shared two-core machine, under race tests, answers
    // far slower than the service; the deployed bound is the template's.
    config.db_timeout = std::time::Duration::from_secs(10);
    config.request_deadline = std::time::Duration::from_secs(30);
    config
}

/// The static credentials for DynamoDB Local, which checks none: the SDK then
/// never goes looking for real ones.
pub fn local_credentials() -> aws_sdk_dynamodb::config::Credentials {
    aws_sdk_dynamodb::config::Credentials::new("local", "local", None, None, "dynamodb-local")
}

/// `template.yaml` at the workspace root.
pub fn template_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml")
}

/// The key schema, attributes and indexes of the template's table.
#[derive(Debug, Clone)]
pub struct TableDefinition {
    pub attributes: Vec<AttributeDefinition>,
    pub key_schema: Vec<KeySchemaElement>,
    pub indexes: Vec<GlobalSecondaryIndex>,
    /// The stream's view type, when the table has a stream.
    pub stream: Option<StreamViewType>,
}

impl TableDefinition {
    pub fn from_template(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_template_str(&text)
    }

    pub fn from_template_str(text: &str) -> Result<Self, Error> {
        let template: Value = serde_norway::from_str(text)?;
        let resources = template
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or("template has no Resources")?;
        let tables: Vec<&Value> = resources
            .values()
            .filter(|r| r.get("Type").and_then(Value::as_str) == Some("AWS::DynamoDB::Table"))
            .collect();
        let [table] = tables.as_slice() else {
            return Err(format!(
                "expected exactly one AWS::DynamoDB::Table, found {}",
                tables.len()
            )
            .into());
        };
        let props = table.get("Properties").ok_or("table has no Properties")?;
        let attributes = list(props, "AttributeDefinitions")?
            .iter()
            .map(|a| {
                Ok(AttributeDefinition::builder()
                    .attribute_name(string(a, "AttributeName")?)
                    .attribute_type(ScalarAttributeType::from(string(a, "AttributeType")?))
                    .build()?)
            })
            .collect::<Result<_, Error>>()?;
        let table_keys = key_schema(props)?;
        let indexes = match props.get("GlobalSecondaryIndexes") {
            None => Vec::new(),
            Some(_) => list(props, "GlobalSecondaryIndexes")?
                .iter()
                .map(|index| {
                    let projection = index.get("Projection").ok_or("index has no Projection")?;
                    let mut p = Projection::builder().projection_type(ProjectionType::from(
                        string(projection, "ProjectionType")?,
                    ));
                    if let Some(attrs) = projection
                        .get("NonKeyAttributes")
                        .and_then(Value::as_sequence)
                    {
                        for attr in attrs {
                            p = p.non_key_attributes(
                                attr.as_str().ok_or("non-key attribute is not a string")?,
                            );
                        }
                    }
                    Ok(GlobalSecondaryIndex::builder()
                        .index_name(string(index, "IndexName")?)
                        .set_key_schema(Some(key_schema(index)?))
                        .projection(p.build())
                        .build()?)
                })
                .collect::<Result<_, Error>>()?,
        };
        let stream = props
            .get("StreamSpecification")
            .map(|spec| string(spec, "StreamViewType").map(StreamViewType::from))
            .transpose()?;
        Ok(Self {
            attributes,
            key_schema: table_keys,
            indexes,
            stream,
        })
    }

    /// Creates the table (on-demand) unless it exists, marked with the layout
    /// of its items; true if it was created. A table that exists must hold
    /// this layout (else the error says how to start anew); one without the
    /// stream gets it.
    pub async fn create(&self, client: &Client, name: &str) -> Result<bool, Error> {
        let result = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(self.attributes.clone()))
            .set_key_schema(Some(self.key_schema.clone()))
            .set_global_secondary_indexes(Some(self.indexes.clone()).filter(|i| !i.is_empty()))
            .set_stream_specification(
                self.stream
                    .clone()
                    .map(|view| {
                        StreamSpecification::builder()
                            .stream_enabled(true)
                            .stream_view_type(view)
                            .build()
                    })
                    .transpose()?,
            )
            .send()
            .await;
        match result {
            Ok(_) => {
                mark_layout(client, name).await?;
                Ok(true)
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) =>
            {
                check_layout(client, name).await?;
                self.add_stream(client, name).await?;
                Ok(false)
            }
            Err(err) => Err(aws_sdk_dynamodb::error::DisplayErrorContext(err)
                .to_string()
                .into()),
        }
    }
}

async fn mark_layout(client: &Client, name: &str) -> Result<(), Error> {
    let mut item = keys::layout().to_map();
    item.insert(
        "version".to_owned(),
        AttributeValue::N(keys::LAYOUT_VERSION.to_string()),
    );
    client
        .put_item()
        .table_name(name)
        .set_item(Some(item))
        .send()
        .await?;
    Ok(())
}

/// Refuses a table whose items are of another layout.
async fn check_layout(client: &Client, name: &str) -> Result<(), Error> {
    let layout = keys::layout().to_map();
    loop {
        let found = client
            .get_item()
            .table_name(name)
            .set_key(Some(layout.clone()))
            .consistent_read(true)
            .send()
            .await?;
        let version = found
            .item()
            .and_then(|item| item.get("version")?.as_n().ok()?.parse::<u64>().ok());
        if version == Some(keys::LAYOUT_VERSION) {
            return Ok(());
        }
        if version.is_none() {
            // Unmarked: created a moment ago by someone else (tests sharing a
            // table), who marks it next, or never written to. An empty table
            // holds nothing of an earlier layout; one whose only item is the
            // marker was marked meanwhile.
            let any = client.scan().table_name(name).limit(1).send().await?;
            match any.items().first() {
                None => return mark_layout(client, name).await,
                Some(item) if keys::Key::of(item).as_ref() == Some(&keys::layout()) => continue,
                Some(_) => {}
            }
        }
        return Err(format!(
            "table {name} holds items of an earlier layout (version {}, this release reads {}): \
             remove .local/data (make dev's table) or choose another TABLE_NAME to start anew",
            version.map_or("1".to_owned(), |v| v.to_string()),
            keys::LAYOUT_VERSION
        )
        .into());
    }
}

impl TableDefinition {
    async fn add_stream(&self, client: &Client, name: &str) -> Result<(), Error> {
        let Some(view) = &self.stream else {
            return Ok(());
        };
        let table = client.describe_table().table_name(name).send().await?;
        let enabled = table
            .table()
            .and_then(|t| t.stream_specification())
            .is_some_and(|s| s.stream_enabled());
        if !enabled {
            let spec = StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(view.clone())
                .build()?;
            client
                .update_table()
                .table_name(name)
                .stream_specification(spec)
                .send()
                .await?;
        }
        Ok(())
    }
}

fn list<'a>(value: &'a Value, field: &str) -> Result<&'a Vec<Value>, Error> {
    value
        .get(field)
        .and_then(Value::as_sequence)
        .ok_or_else(|| format!("{field} is not a list").into())
}

fn string<'a>(value: &'a Value, field: &str) -> Result<&'a str, Error> {
    value
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{field} is not a string").into())
}

fn key_schema(value: &Value) -> Result<Vec<KeySchemaElement>, Error> {
    list(value, "KeySchema")?
        .iter()
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(string(k, "AttributeName")?)
                .key_type(KeyType::from(string(k, "KeyType")?))
                .build()?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_projects_template() {
        let def = TableDefinition::from_template(&template_path()).unwrap();
        let keys: Vec<_> = def
            .key_schema
            .iter()
            .map(|k| (k.attribute_name(), k.key_type().clone()))
            .collect();
        assert_eq!(keys, [("pk", KeyType::Hash), ("sk", KeyType::Range)]);
        for index in &def.indexes {
            for key in index.key_schema() {
                assert!(
                    def.attributes
                        .iter()
                        .any(|a| a.attribute_name() == key.attribute_name()),
                    "index key {} has an attribute definition",
                    key.attribute_name()
                );
            }
        }
    }

    #[test]
    fn refuses_a_template_without_exactly_one_table() {
        assert!(TableDefinition::from_template_str("Resources: {}").is_err());
    }
}
