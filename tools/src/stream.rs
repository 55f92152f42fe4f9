//! The table's stream, locally. DynamoDB Local keeps a stream for a table
//! created with one, as AWS does; [`StreamReader`] reads it the way Lambda's
//! event source mapping does (every shard from its start, each in order) and
//! turns the records into the very JSON event Lambda delivers, parsed into
//! the worker's event type. [`LocalWorker`] hands them to the real worker
//! handler.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use aws_lambda_events::{
    dynamodb::{Event, EventRecord},
    streams::DynamoDbEventResponse,
};
use aws_sdk_dynamodbstreams::{
    Client,
    config::{BehaviorVersion, Region},
    types::{Record, ShardIteratorType},
};
use serde_json::{Value, json};
use shared::store::Store;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Where each shard has been read to.
enum Position {
    /// Not read yet, or read up to this iterator.
    Open(Option<String>),
    /// Read to its end; a closed shard gets no more records.
    Done,
}

pub struct StreamReader {
    client: Client,
    arn: String,
    region: String,
    shards: BTreeMap<String, Position>,
}

impl StreamReader {
    /// A reader of `table`'s stream in the DynamoDB Local at `endpoint`.
    pub async fn new(
        dynamodb: &aws_sdk_dynamodb::Client,
        endpoint: &str,
        table: &str,
    ) -> Result<Self, Error> {
        let description = dynamodb.describe_table().table_name(table).send().await?;
        let arn = description
            .table()
            .and_then(|t| t.latest_stream_arn())
            .ok_or_else(|| format!("table {table} has no stream"))?
            .to_owned();
        let region = "us-east-1";
        let config = aws_sdk_dynamodbstreams::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region))
            .endpoint_url(endpoint)
            .credentials_provider(crate::table::local_credentials())
            .build();
        Ok(Self {
            client: Client::from_conf(config),
            arn,
            region: region.to_owned(),
            shards: BTreeMap::new(),
        })
    }

    /// Every record written since the last call, each shard's in order.
    pub async fn poll(&mut self) -> Result<Vec<EventRecord>, Error> {
        let mut start = None;
        loop {
            let description = self
                .client
                .describe_stream()
                .stream_arn(&self.arn)
                .set_exclusive_start_shard_id(start)
                .send()
                .await?;
            let Some(stream) = description.stream_description() else {
                break;
            };
            for shard in stream.shards() {
                if let Some(id) = shard.shard_id() {
                    self.shards
                        .entry(id.to_owned())
                        .or_insert(Position::Open(None));
                }
            }
            start = stream.last_evaluated_shard_id().map(str::to_owned);
            if start.is_none() {
                break;
            }
        }
        let mut records = Vec::new();
        let ids: Vec<String> = self.shards.keys().cloned().collect();
        for id in ids {
            let iterator = match self.shards.get(&id) {
                Some(Position::Open(Some(iterator))) => iterator.clone(),
                Some(Position::Open(None)) => self
                    .client
                    .get_shard_iterator()
                    .stream_arn(&self.arn)
                    .shard_id(&id)
                    .shard_iterator_type(ShardIteratorType::TrimHorizon)
                    .send()
                    .await?
                    .shard_iterator()
                    .ok_or("no shard iterator")?
                    .to_owned(),
                _ => continue,
            };
            let mut iterator = Some(iterator);
            // A shard's records come in pages; read until one is empty.
            while let Some(current) = iterator.take() {
                let output = self
                    .client
                    .get_records()
                    .shard_iterator(&current)
                    .send()
                    .await?;
                let page = output.records();
                let empty = page.is_empty();
                for record in page {
                    records.push(self.event_record(record)?);
                }
                match output.next_shard_iterator() {
                    None => {
                        self.shards.insert(id.clone(), Position::Done);
                    }
                    Some(next) if empty => {
                        self.shards
                            .insert(id.clone(), Position::Open(Some(next.to_owned())));
                    }
                    Some(next) => iterator = Some(next.to_owned()),
                }
            }
        }
        Ok(records)
    }

    /// The record as Lambda delivers it: its JSON, parsed by the worker's type.
    fn event_record(&self, record: &Record) -> Result<EventRecord, Error> {
        let change = record.dynamodb().ok_or("record without a change")?;
        let image = |map: Option<&std::collections::HashMap<String, _>>| -> Result<Value, Error> {
            Ok(match map {
                Some(map) => serde_json::to_value(serde_dynamo::Item::from(map.clone()))?,
                None => Value::Null,
            })
        };
        let created = change
            .approximate_creation_date_time()
            .map_or(0.0, |t| t.as_secs_f64());
        let event = json!({
            "Records": [{
                "eventID": record.event_id(),
                "eventName": record.event_name().map(|n| n.as_str()),
                "eventVersion": record.event_version(),
                "eventSource": record.event_source(),
                "awsRegion": record.aws_region().unwrap_or(&self.region),
                "dynamodb": {
                    "ApproximateCreationDateTime": created,
                    "Keys": image(change.keys())?,
                    "NewImage": image(change.new_image())?,
                    "OldImage": image(change.old_image())?,
                    "SequenceNumber": change.sequence_number(),
                    "SizeBytes": change.size_bytes().unwrap_or(0),
                    "StreamViewType": change.stream_view_type().map(|v| v.as_str()),
                },
                "eventSourceARN": self.arn,
            }]
        });
        let mut parsed: Event = serde_json::from_value(event)?;
        parsed.records.pop().ok_or_else(|| "no record".into())
    }
}

/// How long one local invocation may run, as the template's timeout allows.
pub const INVOCATION: Duration = Duration::from_secs(10);

/// The event source mapping, locally: delivers the stream's records to the
/// real worker handler in order, and a failed record (with what follows it)
/// again in the next round.
pub struct LocalWorker {
    reader: StreamReader,
    pending: Vec<EventRecord>,
    /// Rounds the first pending record has failed in a row.
    failures: usize,
}

/// Rounds a record may fail before it is set aside, as Lambda sends a record
/// to the dead-letter queue after its retries.
const ATTEMPTS: usize = 20;

impl LocalWorker {
    pub fn new(reader: StreamReader) -> Self {
        Self {
            reader,
            pending: Vec::new(),
            failures: 0,
        }
    }

    /// One invocation with every record not yet handled; `None` if there was none.
    pub async fn round(&mut self, store: &Store) -> Result<Option<DynamoDbEventResponse>, Error> {
        self.pending.extend(self.reader.poll().await?);
        if self.pending.is_empty() {
            return Ok(None);
        }
        let records = std::mem::take(&mut self.pending);
        let work = stream_worker::process(store, records.clone(), Instant::now() + INVOCATION);
        let response = crate::actions::as_function("stream-worker", work).await;
        if let Some(sequence) = response
            .batch_item_failures
            .first()
            .and_then(|f| f.item_identifier.clone())
        {
            self.pending = records
                .into_iter()
                .skip_while(|r| r.change.sequence_number.as_deref() != Some(sequence.as_str()))
                .collect();
            self.failures += 1;
            if self.failures >= ATTEMPTS && !self.pending.is_empty() {
                eprintln!("stream worker: giving up on record {sequence}");
                self.pending.remove(0);
                self.failures = 0;
            }
        } else {
            self.failures = 0;
        }
        Ok(Some(response))
    }

    /// Passes over every record written so far, unhandled: for a test whose
    /// set-up leaves jobs it has no use for.
    pub async fn skip(&mut self) -> Result<usize, Error> {
        let skipped = self.reader.poll().await?.len() + self.pending.len();
        self.pending.clear();
        Ok(skipped)
    }

    /// Rounds until there is nothing left (at most `rounds`); every answer.
    pub async fn drain(
        &mut self,
        store: &Store,
        rounds: usize,
    ) -> Result<Vec<DynamoDbEventResponse>, Error> {
        let mut answers = Vec::new();
        for _ in 0..rounds {
            match self.round(store).await? {
                Some(answer) => answers.push(answer),
                None => break,
            }
        }
        Ok(answers)
    }
}
