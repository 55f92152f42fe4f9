//! The table's stream worker: the jobs a write leaves that can be too large
//! for one request (see `shared::store::jobs`). A write's record starts its
//! job; each record of a job's own state runs the job's next page. So every
//! record is about a page of work, whatever the job, and no job holds the
//! records behind it longer than that.
//!
//! A page that fails is saved as an attempt and tried again from the saved
//! state; only a record whose state cannot be saved is reported failed, so
//! Lambda delivers it again (and, after the template's retries, sends its
//! position to the dead-letter queue: the job's state stays in the table,
//! for `conduit-admin redrive`).

use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::{
    dynamodb::{Event, EventRecord},
    streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse},
};
use lambda_runtime::{Error, LambdaEvent};
use shared::{
    App,
    ground::telemetry::names,
    store::{
        Store,
        jobs::{Stepped, Work},
    },
};

/// Time kept back from the invocation's deadline: a page takes about a
/// second, and one whose writes meet throttling a few more.
const MARGIN: Duration = Duration::from_secs(10);

pub async fn handler(app: &App, event: LambdaEvent<Event>) -> Result<DynamoDbEventResponse, Error> {
    let deadline = deadline(event.context.deadline());
    Ok(process(&app.store, event.payload.records, deadline).await)
}

/// Does the work of every record in `records`, in order, stopping at the
/// first whose outcome could not be saved, or at `deadline`.
pub async fn process(
    store: &Store,
    records: Vec<EventRecord>,
    deadline: Instant,
) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in records {
        let change = record.change;
        let Some(work) = Work::of(
            &record.event_name,
            change.keys,
            change.new_image,
            change.old_image,
        ) else {
            continue;
        };
        let outcome = if Instant::now() >= deadline {
            Err("the invocation's deadline is near".to_owned())
        } else {
            let sequence = change.sequence_number.clone().unwrap_or_default();
            let jobs = store.jobs();
            match &work {
                Work::Start(job) => jobs.start(job, &sequence).await.map(|()| {
                    tracing::info!(?job, "job started");
                }),
                Work::Step(state) => jobs.step(state).await.map(|stepped| {
                    let job = &state.job;
                    match stepped {
                        Stepped::Finished(done) => {
                            metrics::counter!(names::JOBS_FINISHED).increment(1);
                            tracing::info!(?job, ?done, "job finished");
                        }
                        Stepped::Failed => metrics::counter!(names::JOBS_FAILED).increment(1),
                        Stepped::Advanced(_) | Stepped::Retrying | Stepped::Stale => {}
                    }
                }),
            }
            .map_err(|err| err.to_string())
        };
        match outcome {
            Ok(()) => {
                metrics::counter!(names::RECORDS_APPLIED).increment(1);
                continue;
            }
            Err(err) => {
                tracing::error!(?work, error = %err, "record left for its next delivery");
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
