//! Creates the table described by `template.yaml` in DynamoDB Local, if missing.
//!
//! Usage: `create-table` with `DYNAMODB_ENDPOINT` and `TABLE_NAME` set.

use aws_sdk_dynamodb::{
    Client,
    config::{BehaviorVersion, Region},
};
use conduit_tools::table::{Error, TableDefinition, local_credentials, template_path};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let endpoint =
        std::env::var("DYNAMODB_ENDPOINT").map_err(|_| "DYNAMODB_ENDPOINT is not set")?;
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set")?;
    let client = local_client(&endpoint);
    let created = TableDefinition::from_template(&template_path())?
        .create(&client, &table)
        .await?;
    println!(
        "table {table} {}",
        if created { "created" } else { "already exists" }
    );
    Ok(())
}

fn local_client(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(local_credentials())
        .build();
    Client::from_conf(config)
}
