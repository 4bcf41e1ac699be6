//! The scenario driver: responses arrive in bursts and are processed in the background, some
//! are redelivered (duplicate ids), some get unnamed follow-up tasks, storms of cancellations
//! hit running tasks, and the service shuts down at a random moment or after the load.
//!
//! Phases: the load runs with the fault plan on (safety); then faults are healed, and the
//! manager drains and shuts down (liveness). Under `random` shutdown, shutdown itself comes in
//! the middle of the load, with faults still on, and faults are healed after it.

use crate::config::ManagerConfig;
use crate::defect::Variant;
use crate::invariants;
use crate::manager::TaskManager;
use crate::probe::Probe;
use crate::service::{LlmService, Response};
use asynclife_sim::rt;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// When the service shuts down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShutdownMode {
    /// After every response was submitted: `wait_all`, then `shutdown`.
    #[default]
    AfterDrain,
    /// After every response was submitted: `shutdown` at once (it drains by itself).
    AfterLoad,
    /// At a random moment in `shutdown_min_ms..=shutdown_max_ms`, under load and faults.
    Random,
}

/// The `[workload]` table of a tasks scenario. Every field has a default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Responses submitted in all.
    pub responses: u32,
    /// Each burst brings `1..=burst_max` responses in the same instant.
    pub burst_max: u32,
    /// Bursts are `0..=gap_max_ms` apart.
    pub gap_max_ms: u64,
    /// Each processing step takes `step_min_ms..=step_max_ms`, before injected delays.
    pub step_min_ms: u64,
    /// See `step_min_ms`.
    pub step_max_ms: u64,
    /// Chance that a response is a redelivery of an earlier one (same id).
    pub duplicate_probability: f64,
    /// Chance that a response also gets an unnamed follow-up task.
    pub unnamed_probability: f64,
    /// Chance, after each burst, of a cancel storm.
    pub cancel_probability: f64,
    /// A storm cancels `1..=cancel_storm_max` tracked tasks, picked at random.
    pub cancel_storm_max: u32,
    /// When the service shuts down.
    pub shutdown: ShutdownMode,
    /// Earliest random shutdown.
    pub shutdown_min_ms: u64,
    /// Latest random shutdown.
    pub shutdown_max_ms: u64,
    /// The manager's settings; fields missing here take [`ManagerConfig`]'s defaults.
    pub manager: ManagerConfig,
    /// Swarm mode: each seed draws its own shape within these values ([`Workload::drawn`]).
    pub swarm: bool,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            responses: 30,
            burst_max: 3,
            gap_max_ms: 100,
            step_min_ms: 1,
            step_max_ms: 40,
            duplicate_probability: 0.0,
            unnamed_probability: 0.0,
            cancel_probability: 0.0,
            cancel_storm_max: 1,
            shutdown: ShutdownMode::AfterDrain,
            shutdown_min_ms: 0,
            shutdown_max_ms: 2_000,
            manager: ManagerConfig {
                max_concurrent: 4,
                drain_timeout_ms: 5_000,
                cancel_timeout_ms: 1_000,
                ..ManagerConfig::default()
            },
            swarm: false,
        }
    }
}

impl Workload {
    /// Checks what the types cannot say.
    pub fn validate(&self) -> Result<(), String> {
        self.manager
            .validate()
            .map_err(|e| format!("manager.{e}"))?;
        let probabilities = [
            ("duplicate_probability", self.duplicate_probability),
            ("unnamed_probability", self.unnamed_probability),
            ("cancel_probability", self.cancel_probability),
        ];
        for (field, p) in probabilities {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{field}: {p} is not within 0..=1"));
            }
        }
        let at_least_one = [
            (
                "responses",
                self.responses,
                "a run without responses tests nothing",
            ),
            (
                "burst_max",
                self.burst_max,
                "a burst brings 1..=burst_max responses",
            ),
            (
                "cancel_storm_max",
                self.cancel_storm_max,
                "a storm cancels 1..=cancel_storm_max tasks",
            ),
        ];
        for (field, value, why) in at_least_one {
            if value == 0 {
                return Err(format!("{field}: must be at least 1: {why}"));
            }
        }
        if self.step_min_ms > self.step_max_ms {
            return Err(format!(
                "step_min_ms: {} is greater than step_max_ms ({})",
                self.step_min_ms, self.step_max_ms
            ));
        }
        if self.shutdown_min_ms > self.shutdown_max_ms {
            return Err("shutdown_min_ms: greater than shutdown_max_ms".into());
        }
        Ok(())
    }

    /// The shape of this seed's run in swarm mode: each probability on or off and scaled, each
    /// size and timing scaled down, the shutdown moment picked from the three modes; the limits
    /// and timeouts of the manager scaled too (the monitor interval stays: it is a setting of
    /// the service, not of the load). Valid when `self` is; has `swarm = false`.
    pub fn drawn(&self) -> Workload {
        use rt::swarm::{feature, pick, scale, size};
        let step_max_ms = scale(self.step_max_ms);
        Workload {
            responses: size(self.responses),
            burst_max: size(self.burst_max),
            gap_max_ms: scale(self.gap_max_ms),
            step_min_ms: self.step_min_ms.min(step_max_ms),
            step_max_ms,
            duplicate_probability: feature(self.duplicate_probability),
            unnamed_probability: feature(self.unnamed_probability),
            cancel_probability: feature(self.cancel_probability),
            cancel_storm_max: size(self.cancel_storm_max),
            shutdown: pick(&[
                ShutdownMode::AfterDrain,
                ShutdownMode::AfterLoad,
                ShutdownMode::Random,
            ]),
            shutdown_min_ms: self.shutdown_min_ms,
            shutdown_max_ms: self.shutdown_max_ms,
            manager: ManagerConfig {
                max_concurrent: size(self.manager.max_concurrent),
                drain_timeout_ms: scale(self.manager.drain_timeout_ms),
                cancel_timeout_ms: scale(self.manager.cancel_timeout_ms),
                ..self.manager.clone()
            },
            swarm: false,
        }
    }

    /// Smaller workloads that might fail the same way, smallest first.
    pub fn shrink(&self) -> Vec<Workload> {
        let mut smaller = Vec::new();
        if self.responses > 1 {
            smaller.push(Workload {
                responses: self.responses / 2,
                ..self.clone()
            });
        }
        if self.burst_max > 1 {
            smaller.push(Workload {
                burst_max: self.burst_max / 2,
                ..self.clone()
            });
        }
        if self.cancel_storm_max > 1 {
            smaller.push(Workload {
                cancel_storm_max: self.cancel_storm_max / 2,
                ..self.clone()
            });
        }
        if self.responses > 1 {
            smaller.push(Workload {
                responses: self.responses - 1,
                ..self.clone()
            });
        }
        smaller
    }
}

/// One run: registers the invariants, runs the load, shuts down, heals, returns.
///
/// # Panics
/// If the workload is invalid (the harness validates scenario files before running them).
pub async fn drive(workload: Workload, variant: Variant) {
    if let Err(e) = workload.validate() {
        panic!("invalid tasks workload: {e}");
    }
    let workload = rt::swarm::drawn_if(workload.swarm, workload, Workload::drawn);
    let probe = Probe::new();
    let manager = TaskManager::with_variant(workload.manager.clone(), variant);
    invariants::register(&manager, &probe);
    manager.start_monitor();
    let service = LlmService::new(
        manager.clone(),
        probe.clone(),
        workload.step_min_ms,
        workload.step_max_ms,
    );
    let producer = rt::spawn(
        "responses",
        produce(service, manager.clone(), workload.clone()),
    );
    // The producer still running when shutdown begins (random shutdown only).
    let mut unfinished = None;
    match workload.shutdown {
        ShutdownMode::Random => {
            let at_ms = rt::random_range(workload.shutdown_min_ms..=workload.shutdown_max_ms);
            rt::sleep(Duration::from_millis(at_ms)).await;
            unfinished = Some(producer);
        }
        ShutdownMode::AfterLoad => {
            let _ = producer.await;
            rt::fault::heal();
        }
        ShutdownMode::AfterDrain => {
            let _ = producer.await;
            rt::fault::heal();
            manager.wait_all(manager.config().drain_timeout()).await;
            probe.settled();
        }
    }
    probe.shutdown_started(rt::now());
    let report = manager.shutdown().await;
    probe.shutdown_finished(rt::now());
    rt::event(format!("shutdown: {report:?}"));
    if let Some(producer) = unfinished {
        // Its spawns are refused from now on; it has nothing left worth finishing.
        producer.abort();
        let _ = producer.await;
    }
    rt::fault::heal();
}

/// Submits the responses in bursts, with redeliveries, follow-ups and cancel storms.
async fn produce(service: LlmService, manager: TaskManager, w: Workload) {
    let mut next_id = 0u64;
    let mut submitted = 0u32;
    while submitted < w.responses {
        rt::sleep(Duration::from_millis(rt::random_range(0..=w.gap_max_ms))).await;
        let burst = rt::random_range(1..=w.burst_max).min(w.responses - submitted);
        for _ in 0..burst {
            let id = if next_id > 0 && rt::random_bool(w.duplicate_probability) {
                rt::random_range(0..next_id)
            } else {
                next_id += 1;
                next_id - 1
            };
            if let Err(e) = service.process_response_async(Response::new(id)) {
                rt::event(format!("refused: {e}"));
            }
            if rt::random_bool(w.unnamed_probability) {
                if let Err(e) = service.log_usage_async() {
                    rt::event(format!("refused: {e}"));
                }
            }
            submitted += 1;
        }
        if rt::random_bool(w.cancel_probability) {
            cancel_storm(&manager, rt::random_range(1..=w.cancel_storm_max));
        }
    }
}

/// Cancels `count` tracked tasks picked at random (the same one may be picked twice).
fn cancel_storm(manager: &TaskManager, count: u32) {
    let ids = manager.tracked_ids();
    if ids.is_empty() {
        return;
    }
    for _ in 0..count {
        let id = &ids[rt::random_range(0..ids.len())];
        manager.cancel(id);
    }
}
