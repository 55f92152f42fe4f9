//! `make dev` keeps its table across restarts; a table written by a release
//! with another item layout is refused with a message, never misread.

use aws_sdk_dynamodb::types::AttributeValue;
use conduit_tests::harness;
use conduit_tools::table::{TableDefinition, template_path};
use shared::ground::keys;

#[tokio::test]
async fn a_kept_table_of_another_layout_is_refused_and_an_empty_one_is_taken() {
    let app = harness::app().await;
    let (client, table) = (app.store.table().client(), app.store.table().name());
    let definition = TableDefinition::from_template(&template_path()).unwrap();
    // Created and marked: found again as it is.
    assert!(!definition.create(client, table).await.unwrap());

    let unmark = || async {
        client
            .delete_item()
            .table_name(table)
            .set_key(Some(keys::layout().to_map()))
            .send()
            .await
            .unwrap();
    };

    // An unmarked table with nothing in it holds no earlier layout.
    unmark().await;
    assert!(!definition.create(client, table).await.unwrap());

    // One holding an item of the first layout (and no marker) is refused.
    unmark().await;
    let mut old = keys::Key {
        pk: "STATS".to_owned(),
        sk: "ARTICLES".to_owned(),
    }
    .to_map();
    old.insert("count".to_owned(), AttributeValue::N("3".to_owned()));
    client
        .put_item()
        .table_name(table)
        .set_item(Some(old))
        .send()
        .await
        .unwrap();
    let refused = definition.create(client, table).await.unwrap_err();
    assert!(
        refused.to_string().contains("remove .local/data"),
        "{refused}"
    );
}
