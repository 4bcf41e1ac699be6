//! The outcome of one run: verdict, violations, trace, schedule and counters.

use crate::check::{Violation, ViolationKind};
use crate::fault::FaultPlan;
use crate::runtime::Schedule;
use crate::trace::Trace;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Pass, or fail with at least one violation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No detector and no invariant fired.
    Pass,
    /// At least one violation; see [`Report::violations`].
    Fail,
}

/// Counters of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Scheduling steps taken (one poll each).
    pub steps: u64,
    /// Tasks spawned, the main task included.
    pub tasks_spawned: u64,
    /// Timers that fired.
    pub timers_fired: u64,
    /// Scheduling decisions with more than one runnable task (the schedule's length).
    pub decisions: u64,
    /// Virtual time at the end of the run.
    pub virtual_time_ns: u64,
    /// The longest any single poll held the executor.
    pub max_poll_hold_ns: u64,
}

impl Stats {
    /// Virtual time at the end of the run.
    pub fn virtual_time(&self) -> Duration {
        Duration::from_nanos(self.virtual_time_ns)
    }
}

/// Everything a run produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// The seed of the run.
    pub seed: u64,
    /// Pass or fail.
    pub verdict: Verdict,
    /// What fired, in the order it fired.
    pub violations: Vec<Violation>,
    /// Every event.
    pub trace: Trace,
    /// Every scheduling decision: replaying it gives the identical trace.
    pub schedule: Schedule,
    /// The concrete fault plan of the run (in swarm mode, the one this seed drew).
    pub fault_plan: FaultPlan,
    /// Counters.
    pub stats: Stats,
}

impl Report {
    /// The order-sensitive hash of the trace.
    pub fn trace_hash(&self) -> u64 {
        self.trace.hash()
    }

    /// Whether a violation of this kind was found.
    pub fn has(&self, kind: &ViolationKind) -> bool {
        self.violations.iter().any(|v| &v.kind == kind)
    }

    /// The first violation of this kind.
    pub fn first(&self, kind: &ViolationKind) -> Option<&Violation> {
        self.violations.iter().find(|v| &v.kind == kind)
    }
}
