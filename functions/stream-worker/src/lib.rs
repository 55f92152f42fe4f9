//! The table's stream worker: the jobs a write leaves that can be too large
//! for one request (see `shared::store::jobs`). A new article reaches its
//! author's followers' feeds; a deleted one leaves them, and its favorites
//! and comments are removed; a follow or unfollow adds or takes out the
//! followee's articles in the follower's feed. The event source mapping
//! delivers only inserts and removals of article heads and follows.
//!
//! Records are handled in order. A record whose job fails, or does not
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
    App,
    ground::telemetry::names,
    store::{Store, jobs::Job},
};

/// Time kept back from the invocation's deadline to answer before it: the
/// deadline is checked between pages, and a page of favorites whose writes
/// meet throttling can take seconds.
const MARGIN: Duration = Duration::from_secs(10);

pub async fn handler(app: &App, event: LambdaEvent<Event>) -> Result<DynamoDbEventResponse, Error> {
    let deadline = deadline(event.context.deadline());
    Ok(process(&app.store, event.payload.records, deadline).await)
}

/// Does the job of every record in `records`, in order, stopping at the
/// first that does not finish.
pub async fn process(
    store: &Store,
    records: Vec<EventRecord>,
    deadline: Instant,
) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in records {
        let change = record.change;
        let Some(job) = Job::of(
            &record.event_name,
            change.keys,
            change.new_image,
            change.old_image,
        ) else {
            continue;
        };
        let sequence = change.sequence_number.clone().unwrap_or_default();
        match store.jobs().apply(&job, deadline, &sequence).await {
            Ok(done) if done.finished => {
                metrics::counter!(names::RECORDS_APPLIED).increment(1);
                tracing::info!(
                    ?job,
                    feed_entries = done.feed_entries,
                    favorites = done.favorites,
                    comments = done.comments,
                    "job done"
                );
                continue;
            }
            Ok(done) => {
                tracing::warn!(
                    ?job,
                    feed_entries = done.feed_entries,
                    favorites = done.favorites,
                    comments = done.comments,
                    "deadline reached; the record will be delivered again"
                );
            }
            Err(err) => {
                tracing::error!(?job, error = %err, "job failed; the record will be delivered again");
            }
        }
        metrics::counter!(names::RECORDS_FAILED).increment(1);
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = change.sequence_number;
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
