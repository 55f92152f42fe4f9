//! The table's stream worker. Deleting an article removes, in one transaction,
//! everything a reader can reach; its favorites and comments, which may be
//! too many for any transaction, are removed here from the deletion's stream
//! record (the event source mapping delivers only `REMOVE`s of article items).
//!
//! Records are handled in order. A record whose cleanup fails, or does not
//! finish before the invocation's deadline, is reported as the batch's first
//! failure, so Lambda delivers it (and what follows it) again; every step is
//! idempotent, so the retry picks up where this run stopped. After the
//! template's retry bound the record goes to the dead-letter queue.

use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::{
    dynamodb::{Event, EventRecord},
    streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse},
};
use lambda_runtime::{Error, LambdaEvent};
use shared::{
    db::{Db, cleanup::DeletedArticle},
    telemetry::names,
};

/// Time kept back from the invocation's deadline to answer before it: the
/// deadline is checked between pages, and a page of favorites whose writes
/// meet throttling can take seconds.
const MARGIN: Duration = Duration::from_secs(10);

pub async fn handler(db: &Db, event: LambdaEvent<Event>) -> Result<DynamoDbEventResponse, Error> {
    let deadline = deadline(event.context.deadline());
    Ok(process(db, event.payload.records, deadline).await)
}

/// Cleans up after every deleted article in `records`, in order, stopping at
/// the first that does not finish.
pub async fn process(
    db: &Db,
    records: Vec<EventRecord>,
    deadline: Instant,
) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in records {
        if record.event_name != "REMOVE" {
            continue;
        }
        let Some(article) = DeletedArticle::from_image(record.change.old_image) else {
            continue;
        };
        let outcome = db.clean_up_article(&article, deadline).await;
        match &outcome {
            Ok(done) if done.finished => {
                metrics::counter!(names::RECORDS_CLEANED).increment(1);
                tracing::info!(article = %article.id, favorites = done.favorites, comments = done.comments, "cleaned up deleted article");
                continue;
            }
            Ok(done) => {
                tracing::warn!(article = %article.id, favorites = done.favorites, comments = done.comments, "deadline reached; the record will be delivered again");
            }
            Err(err) => {
                tracing::error!(article = %article.id, error = %err, "cleanup failed; the record will be delivered again");
            }
        }
        metrics::counter!(names::RECORDS_FAILED).increment(1);
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = record.change.sequence_number;
        response.batch_item_failures.push(failure);
        break;
    }
    response
}

/// The instant by which this invocation must have answered.
fn deadline(at: SystemTime) -> Instant {
    let left = at
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(MARGIN);
    Instant::now() + left
}
