//! Shrinking a failure: the smallest fault plan, workload and schedule that still fail with
//! the same violation.
//!
//! Order: drop fault rules one at a time; then take the subsystem's smaller workloads while
//! they still fail; then cut the recorded schedule to the shortest prefix that, followed by
//! first-runnable-first choices, still fails. Each candidate is one deterministic run, so a
//! shrink is itself reproducible.

use crate::failure::{format_hash, Failure};
use crate::registry::Registered;
use asynclife_sim::{Policy, Report, Schedule, SimConfig, ViolationKind};

/// What a shrink produced.
#[derive(Debug)]
pub struct Shrunk {
    /// The minimal failure.
    pub failure: Failure,
    /// Trace events before and after.
    pub events_before: u64,
    /// Trace events of the minimal failure.
    pub events_after: u64,
    /// Fault rules before and after.
    pub rules_before: usize,
    /// Fault rules of the minimal failure.
    pub rules_after: usize,
    /// Schedule decisions before and after.
    pub decisions_before: usize,
    /// Schedule decisions of the minimal failure.
    pub decisions_after: usize,
    /// Candidate runs tried.
    pub runs: u64,
}

struct Shrinker<'a> {
    subsystem: &'a dyn Registered,
    target: ViolationKind,
    variant: String,
    runs: u64,
}

impl Shrinker<'_> {
    /// Runs a candidate; `Some(report)` when it still fails with the target violation.
    fn still_fails(&mut self, config: SimConfig, workload: &serde_json::Value) -> Option<Report> {
        self.runs += 1;
        let report = self.subsystem.run(config, workload, &self.variant).ok()?;
        report.has(&self.target).then_some(report)
    }
}

/// Shrinks `failure`. The failure must reproduce (its replay must show its first violation).
pub fn shrink(failure: &Failure, subsystem: &dyn Registered) -> Result<Shrunk, String> {
    let target = failure
        .violations
        .first()
        .map(|v| v.kind.clone())
        .ok_or("the failure file records no violation: nothing to shrink")?;
    let mut s = Shrinker {
        subsystem,
        target,
        variant: failure.variant.clone(),
        runs: 0,
    };
    let original = s
        .still_fails(failure.replay_config(), &failure.workload)
        .ok_or("the failure does not reproduce: replay it to see why")?;
    // Candidates run from the seed with the run's own policy, recording a new schedule; if
    // the seed alone does not fail (the file came from a replay), the schedule stays pinned.
    let mut config = failure.sim.clone();
    let mut workload = failure.workload.clone();
    let mut best = match s.still_fails(config.clone(), &workload) {
        Some(report) => report,
        None => {
            config.policy = failure.replay_config().policy;
            original.clone()
        }
    };

    let mut i = 0;
    while i < config.faults.len() {
        let candidate = SimConfig {
            faults: config.faults.without_rule(i),
            ..config.clone()
        };
        match s.still_fails(candidate.clone(), &workload) {
            Some(report) => {
                config = candidate;
                best = report;
            }
            None => i += 1,
        }
    }

    'smaller: loop {
        for candidate in subsystem.shrink_workload(&workload) {
            if let Some(report) = s.still_fails(config.clone(), &candidate) {
                workload = candidate;
                best = report;
                continue 'smaller;
            }
        }
        break;
    }

    let (schedule, report) = shrink_schedule(&mut s, &config, &workload, best);
    let mut shrunk = failure.clone();
    shrunk.sim = config;
    shrunk.workload = workload;
    shrunk.schedule = schedule;
    shrunk.violations = report.violations.clone();
    shrunk.trace_hash = format_hash(report.trace_hash());
    shrunk.trace_events = report.trace.event_count;
    Ok(Shrunk {
        events_before: original.trace.event_count,
        events_after: report.trace.event_count,
        rules_before: failure.sim.faults.len(),
        rules_after: shrunk.sim.faults.len(),
        decisions_before: failure.schedule.len(),
        decisions_after: shrunk.schedule.len(),
        runs: s.runs,
        failure: shrunk,
    })
}

/// The shortest prefix of the run's schedule that, replayed and then continued first
/// runnable first, still fails (binary search: it assumes a failing prefix stays failing when
/// lengthened; whatever it returns was checked by a run).
fn shrink_schedule(
    s: &mut Shrinker<'_>,
    config: &SimConfig,
    workload: &serde_json::Value,
    best: Report,
) -> (Schedule, Report) {
    let full = best.schedule.clone();
    let run_prefix = |s: &mut Shrinker<'_>, len: usize| {
        let prefix = Schedule {
            decisions: full.decisions[..len].to_vec(),
        };
        let candidate = SimConfig {
            policy: Policy::Replay(prefix),
            ..config.clone()
        };
        s.still_fails(candidate, workload)
    };
    let (mut lo, mut hi) = (0, full.len());
    let mut found = None;
    while lo < hi {
        let mid = (lo + hi) / 2;
        match run_prefix(s, mid) {
            Some(report) => {
                hi = mid;
                found = Some(report);
            }
            None => lo = mid + 1,
        }
    }
    match found {
        // Replaying the prefix, then first-runnable-first past its end, reproduces the
        // report exactly: the prefix is the schedule.
        Some(report) => (
            Schedule {
                decisions: full.decisions[..hi].to_vec(),
            },
            report,
        ),
        None => (full, best),
    }
}
