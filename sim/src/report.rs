//! The outcome of one run: verdict, violations, trace, schedule and counters.

use crate::check::{Violation, ViolationKind};
use crate::fault::FaultPlan;
use crate::runtime::Schedule;
use crate::trace::{EventKind, Trace};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// How many trace events before the first violation a report shows.
pub(crate) const CONTEXT_EVENTS: usize = 12;

/// How many warnings a report keeps.
pub const MAX_WARNINGS: usize = 16;

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
    /// Replay decisions that named a task that was not runnable (0 outside a replay).
    #[serde(default)]
    pub divergences: u64,
    /// Polls that took longer than the wall-clock threshold (`wall-blocked-poll`).
    #[serde(default)]
    pub wall_blocked_polls: u64,
    /// Spawns refused because the run had spent its event budget (`budget`).
    #[serde(default)]
    pub spawns_refused: u64,
}

impl Stats {
    /// Virtual time at the end of the run.
    pub fn virtual_time(&self) -> Duration {
        Duration::from_nanos(self.virtual_time_ns)
    }
}

/// Everything a run produced.
///
/// A failing run does not panic: look at the verdict, or call [`Report::assert_pass`], which
/// panics with the whole report (seed, violations, the events before the first one).
/// `Display` renders that report.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[must_use = "a run's failures are in its report: check it, e.g. with `assert_pass()`"]
pub struct Report {
    /// The seed of the run.
    pub seed: u64,
    /// Pass or fail.
    pub verdict: Verdict,
    /// What fired, in the order it fired.
    pub violations: Vec<Violation>,
    /// What a detector noticed that does not decide the verdict, and is in neither the trace
    /// nor its hash: a poll slow on the wall clock (`wall-blocked-poll`), a replay that left
    /// its schedule (`replay-divergence`). At most 16 (`MAX_WARNINGS`) are kept; `stats` counts
    /// them all.
    #[serde(default)]
    pub warnings: Vec<Violation>,
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

    /// Whether nothing fired.
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Pass
    }

    /// Panics with the whole report unless the run passed.
    ///
    /// ```should_panic
    /// use asynclife_sim::{rt, Sim, SimConfig};
    ///
    /// Sim::new(SimConfig::with_seed(3))
    ///     .run(|| async { assert_eq!(1 + 1, 3, "arithmetic") })
    ///     .assert_pass(); // panics: "seed 3 failed ... [main-panicked] ... arithmetic"
    /// ```
    #[track_caller]
    pub fn assert_pass(&self) {
        if !self.passed() {
            panic!("{self}");
        }
    }

    /// The trace events that led to the first violation (at most 12), as a
    /// trace of their own; empty when the trace was not recorded or nothing fired.
    pub fn events_before_first_violation(&self) -> Trace {
        let events = self.trace.events();
        let first = events
            .iter()
            .position(|e| matches!(e.kind, EventKind::Violation { .. }))
            .unwrap_or(events.len());
        let from = first.saturating_sub(CONTEXT_EVENTS);
        Trace::from_events(self.trace.tasks.clone(), events[from..first].to_vec())
    }
}

/// The report a person reads: the outcome, every violation (with its task and where it was
/// spawned), the events before the first one, and the trace's size and hash.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.verdict {
            Verdict::Pass => writeln!(f, "seed {} passed", self.seed)?,
            Verdict::Fail => writeln!(
                f,
                "seed {} failed with {} violation{}:",
                self.seed,
                self.violations.len(),
                if self.violations.len() == 1 { "" } else { "s" }
            )?,
        }
        for v in &self.violations {
            writeln!(f, "  violation {v}")?;
        }
        for w in &self.warnings {
            writeln!(f, "  warning {w}")?;
        }
        let context = self.events_before_first_violation();
        if context.event_count > 0 {
            writeln!(f, "  last events before it (virtual time, task, event):")?;
            for line in context.to_text().lines() {
                writeln!(f, "    {line}")?;
            }
        }
        write!(
            f,
            "  trace: {} events, hash {:016x}; virtual time {:?}; {} steps",
            self.trace.event_count,
            self.trace_hash(),
            self.stats.virtual_time(),
            self.stats.steps
        )
    }
}
