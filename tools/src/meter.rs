//! What a request costs in DynamoDB, as the functions themselves report it:
//! their data layer records the capacity every answer says it consumed (see
//! `shared::ground::telemetry`), and [`measure`] catches those records for the
//! requests run inside it, on this thread only, so tests running beside it
//! don't mix in.

use std::{
    future::Future,
    sync::{Arc, Mutex},
};

use metrics::{
    Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use shared::ground::telemetry::names;

/// Capacity units and calls, summed.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Usage {
    pub read_units: f64,
    pub write_units: f64,
    pub calls: u64,
}

#[derive(Default)]
struct Meter(Arc<Mutex<Usage>>);

struct Sink {
    usage: Arc<Mutex<Usage>>,
    name: String,
}

impl CounterFn for Sink {
    fn increment(&self, value: u64) {
        if self.name == names::DYNAMODB_CALLS
            && let Ok(mut usage) = self.usage.lock()
        {
            usage.calls += value;
        }
    }

    fn absolute(&self, _value: u64) {}
}

impl HistogramFn for Sink {
    fn record(&self, value: f64) {
        let Ok(mut usage) = self.usage.lock() else {
            return;
        };
        if self.name == names::READ_UNITS {
            usage.read_units += value;
        } else if self.name == names::WRITE_UNITS {
            usage.write_units += value;
        }
    }
}

impl Meter {
    fn sink(&self, key: &Key) -> Arc<Sink> {
        Arc::new(Sink {
            usage: Arc::clone(&self.0),
            name: key.name().to_owned(),
        })
    }
}

impl Recorder for Meter {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.sink(key))
    }

    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.sink(key))
    }
}

/// Runs `work` and returns what its DynamoDB calls consumed. The work must
/// run on this thread (a current-thread runtime, nothing spawned).
pub async fn measure<F: Future>(work: F) -> (F::Output, Usage) {
    let meter = Meter::default();
    let usage = Arc::clone(&meter.0);
    let output = {
        let _guard = metrics::set_default_local_recorder(&meter);
        work.await
    };
    let usage = *usage.lock().expect("the meter is not poisoned");
    (output, usage)
}
