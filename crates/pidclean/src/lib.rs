//! asynclife-pidclean: the session orchestrator with agent PID cleanup of seed 001.
//!
//! A voice-assistant orchestrator starts one agent process per session. `start_session`
//! writes `session:{id}` and queues a spawn job; a spawn worker spawns the agent, stores its
//! PID at once (in `agent:{id}:pid`, TTL 7200 s, and in `session:{id}`'s `agentPid`), waits
//! for it to connect and marks the session ready. Ending a session (`end_session`, the
//! webhook, or a failed start) looks the PID up, sends SIGTERM, waits for the exit at most a
//! 5 s grace, sends SIGKILL if needed, reaps the agent and deletes the session's keys,
//! without ever blocking the executor.
//!
//! The reference goes beyond the seed's fix: it waits for the exit instead of sleeping 5 s,
//! and a tombstone closes the race of an end that arrives before the PID is stored.
//!
//! # Module map
//! - [`orchestrator`]: the API (`start_session`, `end_session`, `webhook`, `health`);
//! - [`cleanup`]: the cleanup procedure; `report`, what one cleanup did (re-exported by
//!   [`cleanup`]);
//! - [`worker`]: the spawn worker, parent of the agents;
//! - `tombstone`: the end marker against the end-before-spawn race;
//! - [`store`]: store calls with bounded retries and their time account;
//! - [`keys`]: session ids, store keys, agent names;
//! - [`config`]: the orchestrator's configuration;
//! - [`journal`]: what a run observed, for invariants and reports;
//! - [`invariants`]: the properties checked on every run (numbered there), and `view`,
//!   their per-step view of the agents;
//! - [`defect`]: the variants and the catalogue;
//! - [`workload`]: the scenario driver, its report, and the benchmark entry.
//!
//! # Example
//! ```
//! use asynclife_pidclean::{bench, Variant};
//!
//! // Ten sessions ended at the same instant: each cleanup takes at most the 5 s grace.
//! let run = bench(10, Variant::Fixed, 1);
//! assert!(run.report.violations.is_empty(), "{:#?}", run.report.violations);
//! assert_eq!(run.workload.cleanup_durations.len(), 10);
//! assert!(run.workload.cleanup_durations.iter().all(|d| d.as_secs() <= 5));
//! ```
//!
//! # Reproducing a failure
//! A failing run is determined by the scenario file, the variant and the seed. Re-run it
//! with `asynclife run scenarios/pidclean/<file>.toml --seed <N>`, or in a test with
//! `asynclife_sim::subsystem::run::<PidClean>(SimConfig { seed: N, faults, .. }, &workload,
//! "<variant>")`: the same seed gives the same trace, bit for bit
//! (`Report::trace_hash`).

pub mod cleanup;
pub mod config;
pub mod defect;
pub mod invariants;
pub mod journal;
pub mod keys;
pub mod orchestrator;
mod report;
pub mod store;
mod tombstone;
mod view;
pub mod worker;
pub mod workload;

pub use cleanup::{
    CleanupError, CleanupErrorKind, CleanupReport, CleanupSource, PidSource, ProcessOutcome,
};
pub use config::{OrchestratorConfig, RetryPolicy};
pub use defect::{Defect, Variant, CATALOGUE};
pub use keys::SessionId;
pub use orchestrator::{Health, Orchestrator, StartError, WebhookEvent};
pub use worker::Agents;
pub use workload::{bench, run_workload, BenchRun, Workload, WorkloadReport};

use asynclife_sim::subsystem::{Subsystem, VariantInfo};
use std::future::Future;
use std::pin::Pin;

/// The pidclean subsystem, as the harness runs it.
pub struct PidClean;

impl Subsystem for PidClean {
    const NAME: &'static str = "pidclean";
    type Workload = Workload;
    type Variant = Variant;

    fn variants() -> &'static [VariantInfo] {
        CATALOGUE
    }

    fn main(workload: Workload, variant: Variant) -> Pin<Box<dyn Future<Output = ()>>> {
        Box::pin(async move {
            run_workload(workload, variant).await;
        })
    }

    /// Fewer sessions first, then the same count without duplicate ends and crashes.
    fn validate_workload(workload: &Workload) -> Result<(), String> {
        workload.validate().map_err(|e| e.to_string())
    }

    fn shrink_workload(workload: &Workload) -> Vec<Workload> {
        let n = workload.sessions;
        let mut smaller: Vec<Workload> = [1, n / 4, n / 2, n.saturating_sub(1)]
            .into_iter()
            .filter(|&count| count >= 1 && count < n)
            .map(|sessions| Workload {
                sessions,
                ..workload.clone()
            })
            .collect();
        smaller.dedup_by_key(|w| w.sessions);
        let simpler = Workload {
            duplicate_end_probability: 0.0,
            crash_probability: 0.0,
            never_connect_probability: 0.0,
            ..workload.clone()
        };
        if simpler != *workload {
            smaller.push(simpler);
        }
        smaller
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_offers_smaller_counts_first_and_never_the_same_workload() {
        let workload = Workload {
            sessions: 8,
            ..Workload::default()
        };
        let counts: Vec<usize> = PidClean::shrink_workload(&workload)
            .iter()
            .map(|w| w.sessions)
            .collect();
        assert_eq!(counts, [1, 2, 4, 7, 8]);
        let last = PidClean::shrink_workload(&workload).pop().unwrap();
        assert_eq!(last.duplicate_end_probability, 0.0);
        let one = Workload {
            sessions: 1,
            duplicate_end_probability: 0.0,
            crash_probability: 0.0,
            ..Workload::default()
        };
        assert!(PidClean::shrink_workload(&one).is_empty());
    }
}
