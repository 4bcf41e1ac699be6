//! The dispatcher as an asynclife subsystem: a workload (deliveries arriving, a flaky
//! endpoint, a shutdown under load), its variants (correct, and the planted bug), and the
//! invariant that no accepted delivery is lost. The harness binary sweeps scenario files of it.

use crate::dispatcher::{Bug, Config, Delivery, Dispatcher, Endpoint};
use asynclife_sim::check;
use asynclife_sim::rt;
use asynclife_sim::subsystem::{Subsystem, VariantInfo, FIXED};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// The invariant: after shutdown, every accepted delivery was delivered or dead-lettered.
pub const SETTLED: &str = "every-delivery-settled";

/// The planted bug's variant name.
pub const LOSE_IN_FLIGHT: &str = "lose-in-flight";

/// Which dispatcher a run drives: as written, or with the planted bug. The harness parses it
/// once from the scenario file's `variant` (or `--variant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The dispatcher as written.
    Fixed,
    /// With [`Bug::LoseInFlightOnShutdown`].
    LoseInFlight,
}

/// Every variant, in the catalogue's order.
const ALL: [Variant; 2] = [Variant::Fixed, Variant::LoseInFlight];

// `info()`, `name()`, `Display` and `FromStr` from the catalogue (`VARIANTS`, below).
asynclife_sim::variant_catalogue!(Variant, subsystem: Webhooks::NAME, all: ALL, catalogue: &VARIANTS);

/// One run's shape, as a scenario file's `[workload]` gives it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Deliveries offered.
    pub deliveries: u64,
    /// The longest gap between two arrivals, in ms (each gap is drawn up to it).
    pub arrival_gap_max_ms: u64,
    /// Worker tasks.
    pub workers: usize,
    /// Queue capacity.
    pub queue_capacity: usize,
    /// Attempts per delivery.
    pub max_attempts: u32,
    /// The probability that one attempt fails.
    pub failure_probability: f64,
    /// The endpoint's latency is drawn from 1 ms up to this.
    pub latency_max_ms: u64,
    /// One attempt's bound, in ms.
    pub attempt_timeout_ms: u64,
    /// The shutdown starts this long after the first arrival, in ms.
    pub shutdown_after_ms: u64,
    /// The shutdown's grace, in ms.
    pub grace_ms: u64,
}

impl Default for Workload {
    fn default() -> Workload {
        Workload {
            deliveries: 40,
            arrival_gap_max_ms: 10,
            workers: 3,
            queue_capacity: 16,
            max_attempts: 4,
            failure_probability: 0.2,
            latency_max_ms: 80,
            attempt_timeout_ms: 60,
            shutdown_after_ms: 300,
            grace_ms: 100,
        }
    }
}

impl Workload {
    /// The values that make no sense, with the field that holds them.
    pub fn problem(&self) -> Option<String> {
        if !(0.0..=1.0).contains(&self.failure_probability) {
            return Some("failure_probability: must be within [0, 1]".into());
        }
        if self.workers == 0 || self.queue_capacity == 0 || self.max_attempts == 0 {
            return Some("workers, queue_capacity, max_attempts: must be at least 1".into());
        }
        if self.latency_max_ms == 0 || self.attempt_timeout_ms == 0 {
            return Some("latency_max_ms, attempt_timeout_ms: must be at least 1".into());
        }
        None
    }
}

/// The dispatcher under a workload.
pub struct Webhooks;

static VARIANTS: [VariantInfo; 2] = [
    VariantInfo {
        name: FIXED,
        seed_ref: "",
        summary: "the dispatcher as written: a late shutdown dead-letters what it held",
        caught_by: "",
    },
    VariantInfo {
        name: LOSE_IN_FLIGHT,
        seed_ref: "planted",
        summary: "a late shutdown forgets the deliveries its aborted workers held",
        caught_by: SETTLED,
    },
];

impl Subsystem for Webhooks {
    const NAME: &'static str = "webhooks";
    type Workload = Workload;
    type Variant = Variant;

    fn variants() -> &'static [VariantInfo] {
        &VARIANTS
    }

    fn main(workload: Workload, variant: Variant) -> Pin<Box<dyn Future<Output = ()>>> {
        let bug = (variant == Variant::LoseInFlight).then_some(Bug::LoseInFlightOnShutdown);
        Box::pin(run(workload, bug))
    }

    fn shrink_workload(workload: &Workload) -> Vec<Workload> {
        let mut smaller = Vec::new();
        for deliveries in [1, 2, 5, 10, workload.deliveries / 2] {
            if deliveries < workload.deliveries {
                smaller.push(Workload {
                    deliveries,
                    ..workload.clone()
                });
            }
        }
        smaller
    }
}

/// A flaky endpoint: random latency, random failures, both from the run's seed.
pub fn flaky_endpoint(latency_max_ms: u64, failure_probability: f64) -> Endpoint {
    Arc::new(move |_delivery: Delivery| {
        Box::pin(async move {
            let latency = rt::random_range(1..=latency_max_ms);
            rt::sleep(Duration::from_millis(latency)).await;
            match rt::random_bool(failure_probability) {
                true => Err("503 from the endpoint".to_string()),
                false => Ok(()),
            }
        })
    })
}

/// One run: deliveries arrive, the shutdown starts under load, the invariant checks the end.
pub async fn run(workload: Workload, bug: Option<Bug>) {
    if let Some(problem) = workload.problem() {
        panic!("invalid workload: {problem}");
    }
    let config = Config {
        workers: workload.workers,
        queue_capacity: workload.queue_capacity,
        max_attempts: workload.max_attempts,
        attempt_timeout: Duration::from_millis(workload.attempt_timeout_ms),
        bug,
        ..Config::default()
    };
    let endpoint = flaky_endpoint(workload.latency_max_ms, workload.failure_probability);
    let dispatcher = Dispatcher::start(config, endpoint);
    let ledger = dispatcher.ledger();
    rt::invariant(check::at_end(SETTLED, move |_| {
        ledger.lock().unwrap().check_settled()
    }));
    let shutdown_at = rt::now() + Duration::from_millis(workload.shutdown_after_ms);
    for id in 0..workload.deliveries {
        if rt::now() >= shutdown_at {
            break;
        }
        dispatcher.enqueue(Delivery {
            id,
            url: format!("https://hooks.example/{}", id % 4),
        });
        let gap = rt::random_range(0..=workload.arrival_gap_max_ms);
        rt::sleep(Duration::from_millis(gap)).await;
    }
    rt::sleep_until(shutdown_at).await;
    dispatcher
        .shutdown(Duration::from_millis(workload.grace_ms))
        .await;
}
