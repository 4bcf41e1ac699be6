//! The scenario driver: a bus, the scenario generator, the `haystack_pipeline` agent and
//! some clients asking for scenarios; a safety phase under the fault plan, then the heal
//! and a liveness phase in which the breaker must recover, then quiescence and shutdown.

use crate::bus::{lock, Bus};
use crate::defect::Variant;
use crate::generator::{GeneratorConfig, ScenarioGenerator, GENERATOR};
use crate::invariants::{self, Bounds, Ledger, GRACE};
use crate::message::{Message, Payload};
use crate::pipeline::{HaystackPipeline, PipelineConfig};
use asynclife_sim::rt::{self, JoinSet};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A scenario file's `[workload]`: every field has a default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Clients asking for scenarios, each in its own task.
    pub clients: u32,
    /// How long the safety phase (faults on) lasts.
    pub safety_ms: u64,
    /// Shortest pause of a client between two requests.
    pub request_gap_min_ms: u64,
    /// Longest pause of a client between two requests.
    pub request_gap_max_ms: u64,
    /// Chance that a request asks for RAG during the safety phase (always after the heal,
    /// so that the breaker gets its probes).
    pub rag_probability: f64,
    /// Shortest liveness phase: clients keep asking this long after the heal, and longer
    /// (at least one timeout plus one sweep, then until the breaker has closed, within its
    /// recovery bound).
    pub settle_ms: u64,
    /// The scenario generator's settings.
    pub generator: GeneratorConfig,
    /// The retrieval agent's settings.
    pub pipeline: PipelineConfig,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            clients: 1,
            safety_ms: 60_000,
            request_gap_min_ms: 500,
            request_gap_max_ms: 2_500,
            rag_probability: 0.85,
            settle_ms: 0,
            generator: GeneratorConfig::default(),
            pipeline: PipelineConfig::default(),
        }
    }
}

/// Longest wait for quiescence after the clients stop.
const QUIESCENCE_LIMIT: Duration = Duration::from_secs(30);

impl Workload {
    /// Checks the values that cannot be expressed in the types.
    pub fn validate(&self) -> Result<(), String> {
        if self.clients == 0 {
            return Err("clients: at least 1".into());
        }
        if self.request_gap_min_ms > self.request_gap_max_ms || self.request_gap_max_ms == 0 {
            return Err("request_gap_min_ms..=request_gap_max_ms: not a range above 0".into());
        }
        if !(0.0..=1.0).contains(&self.rag_probability) {
            return Err("rag_probability: must be within 0..=1".into());
        }
        if self.pipeline.latency_min_ms > self.pipeline.latency_max_ms {
            return Err("pipeline.latency_min_ms must not exceed latency_max_ms".into());
        }
        if self.pipeline.latency_max_ms >= self.generator.request_timeout_ms {
            return Err("pipeline.latency_max_ms: a healthy agent must answer in time".into());
        }
        self.generator
            .validate()
            .map_err(|e| format!("generator.{e}"))
    }

    /// The bounds the invariants check for this workload.
    pub fn bounds(&self) -> Bounds {
        let g = &self.generator;
        Bounds {
            agent: g.rag_agent.clone(),
            breaker: g.breaker.clone(),
            reply_within: g.request_timeout() + g.sweep_interval() + GRACE,
            pending_grace: g.sweep_interval() + GRACE,
            max_pending: g.max_pending,
            recover_within: self.recover_within(),
        }
    }

    /// How long after the heal the breaker may take to close: the requests in flight at
    /// the heal resolve (a timeout and a sweep), the open window passes, the next request
    /// comes (a gap) and probes, the healthy agent answers (its latency), plus a second of
    /// slack for bus delays decided before the heal.
    pub fn recover_within(&self) -> Duration {
        let g = &self.generator;
        g.request_timeout()
            + g.sweep_interval()
            + g.breaker.open_window()
            + Duration::from_millis(self.request_gap_max_ms + self.pipeline.latency_max_ms)
            + Duration::from_secs(1)
    }

    fn gap(&self) -> Duration {
        Duration::from_millis(rt::random_range(
            self.request_gap_min_ms..=self.request_gap_max_ms,
        ))
    }
}

/// The main future of one run.
pub async fn run(workload: Workload, variant: Variant) {
    let ledger = Ledger::shared();
    let observer = Ledger::observer(&ledger);
    let bus = Bus::start(observer.clone());
    let generator = Arc::new(ScenarioGenerator::start(
        &bus,
        workload.generator.clone(),
        variant,
        observer,
    ));
    invariants::register(&ledger, &generator, &workload.bounds());
    let pipeline = HaystackPipeline::start(&bus, workload.pipeline.clone());

    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = JoinSet::new();
    for index in 0..workload.clients {
        let name = format!("client-{index}");
        bus.register(&name, |_: &Message, _: &Bus| -> Option<Payload> { None });
        let task = client(bus.clone(), name.clone(), workload.clone(), stop.clone());
        clients.spawn(name, task);
    }

    rt::sleep(Duration::from_millis(workload.safety_ms)).await;
    rt::fault::heal();
    lock(&ledger).mark_healed(rt::now());
    settle(&workload, &generator).await;

    stop.store(true, Ordering::Relaxed);
    while let Some(joined) = clients.join_next().await {
        if let Err(e) = joined {
            panic!("a client failed: {e}");
        }
    }
    quiesce(&bus, &generator, &pipeline).await;
    rt::event(format!("generator {:?}", generator.stats()));
    rt::event(format!("pipeline {:?}", pipeline.stats()));
    rt::event(format!("bus {:?}", bus.stats()));
    generator.shutdown().await;
    pipeline.shutdown().await;
    bus.shutdown().await;
}

/// One client: asks for a scenario after every gap until told to stop.
async fn client(bus: Bus, name: String, workload: Workload, stop: Arc<AtomicBool>) {
    for n in 1.. {
        rt::sleep(workload.gap()).await;
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let use_rag = rt::fault::is_healed() || rt::random_bool(workload.rag_probability);
        let payload = Payload::GenerateScenario {
            query: format!("{name} encounter {n}"),
            use_rag,
        };
        bus.post(bus.message(&name, GENERATOR, payload));
    }
}

/// The liveness phase: traffic goes on until the requests of the safety phase have all
/// resolved, and then until the breaker has closed (or its recovery bound has passed).
async fn settle(workload: &Workload, generator: &ScenarioGenerator) {
    let g = &workload.generator;
    let healed_at = rt::now();
    let settled_at = healed_at
        + Duration::from_millis(workload.settle_ms)
            .max(g.request_timeout() + g.sweep_interval() + Duration::from_secs(1));
    let give_up_at = healed_at + workload.recover_within() + Duration::from_secs(1);
    rt::sleep_until(settled_at).await;
    while rt::now() < give_up_at {
        if generator
            .breaker_state(&g.rag_agent)
            .is_some_and(|s| s.is_closed())
        {
            return;
        }
        rt::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits until nothing is pending or moving, for a bounded time.
async fn quiesce(bus: &Bus, generator: &ScenarioGenerator, pipeline: &HaystackPipeline) {
    let give_up_at = rt::now() + QUIESCENCE_LIMIT;
    while rt::now() < give_up_at {
        if generator.is_idle() && pipeline.is_idle() && bus.in_flight() == 0 {
            return;
        }
        rt::sleep(Duration::from_millis(100)).await;
    }
}

/// Smaller workloads that may fail the same way, smallest first.
pub fn shrink(workload: &Workload) -> Vec<Workload> {
    let mut smaller = Vec::new();
    if workload.clients > 1 {
        smaller.push(Workload {
            clients: 1,
            ..workload.clone()
        });
    }
    if workload.safety_ms > 10_000 {
        smaller.push(Workload {
            safety_ms: workload.safety_ms / 2,
            ..workload.clone()
        });
    }
    if workload.clients > 2 {
        smaller.push(Workload {
            clients: workload.clients / 2,
            ..workload.clone()
        });
    }
    smaller
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_valid_and_its_recovery_bound_covers_the_open_window() {
        let w = Workload::default();
        assert_eq!(w.validate(), Ok(()));
        assert!(w.recover_within() > Duration::from_secs(70));
        assert!(w.recover_within() < Duration::from_secs(80));
    }

    #[test]
    fn shrinking_makes_smaller_workloads() {
        let w = Workload {
            clients: 4,
            safety_ms: 100_000,
            ..Workload::default()
        };
        let smaller = shrink(&w);
        assert_eq!(smaller[0].clients, 1);
        assert!(smaller
            .iter()
            .all(|s| s.clients <= w.clients && s.safety_ms <= w.safety_ms));
        assert!(shrink(&Workload::default())
            .iter()
            .all(|s| s.safety_ms < 60_000));
    }
}
