//! Shrinking a scenario's failure: the smallest fault plan, workload and schedule that still
//! fail with the same violation.
//!
//! Order: drop fault rules one at a time (the engine's [`shrink::shrink_faults`]); then take
//! the subsystem's smaller workloads while they still fail; then cut the recorded schedule to
//! the shortest prefix that, followed by first-runnable-first choices, still fails
//! ([`shrink::shrink_schedule`]). Each candidate is one deterministic run, so a shrink is
//! itself reproducible.

use crate::failure::{format_hash, Failure};
use crate::registry::{Registered, RegistryError};
use asynclife_sim::explore::shrink::{self, Candidates};
use asynclife_sim::SimConfig;
use std::cell::RefCell;
use std::fmt;

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

/// Why a failure cannot be shrunk.
#[derive(Debug)]
pub enum ShrinkError {
    /// The failure records no violation: there is nothing to keep while shrinking.
    NoViolation,
    /// The file's own run does not show its first violation.
    DoesNotReproduce,
    /// The subsystem refuses the file's workload or variant (an edited file).
    Run(RegistryError),
}

impl fmt::Display for ShrinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShrinkError::NoViolation => {
                f.write_str("the failure file records no violation: nothing to shrink")
            }
            ShrinkError::DoesNotReproduce => {
                f.write_str("the failure does not reproduce: replay it to see why")
            }
            ShrinkError::Run(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ShrinkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ShrinkError::Run(e) => Some(e),
            ShrinkError::NoViolation | ShrinkError::DoesNotReproduce => None,
        }
    }
}

/// Shrinks `failure`, a failure of `subsystem`. The failure must reproduce (its replay must
/// show its first violation).
pub fn shrink(failure: &Failure, subsystem: &dyn Registered) -> Result<Shrunk, ShrinkError> {
    let target = failure
        .violations
        .first()
        .map(|v| v.kind.clone())
        .ok_or(ShrinkError::NoViolation)?;
    let variant = failure.variant.clone().unwrap_or_default();
    // The file's own run first: a workload or variant the subsystem refuses (an edited file)
    // is bad input, said here, before any candidate runs.
    let original = subsystem
        .run(failure.replay_config(), &failure.workload, &variant)
        .map_err(ShrinkError::Run)?;
    if !original.has(&target) {
        return Err(ShrinkError::DoesNotReproduce);
    }
    // The workload the candidates run: the shrinker's second step changes it. Every
    // candidate is the subsystem's own smaller workload or the one that just ran.
    let workload = RefCell::new(failure.workload.clone());
    let mut run = |config: SimConfig| {
        subsystem
            .run(config, &workload.borrow(), &variant)
            .expect("a workload the subsystem made or ran before runs")
    };
    let mut candidates = Candidates::new(target, &mut run);
    // Candidates run from the seed with the run's own policy, recording a new schedule; if
    // the seed alone does not fail (the file came from a replay), the schedule stays pinned.
    let mut config = failure.sim.clone();
    let best = match candidates.still_fails(config.clone()) {
        Some(report) => report,
        None => {
            config.policy = failure.replay_config().policy;
            original.clone()
        }
    };
    let (config, mut best) = shrink::shrink_faults(&mut candidates, config, best);
    'smaller: loop {
        let current = workload.borrow().clone();
        for candidate in subsystem.shrink_workload(&current) {
            let previous = workload.replace(candidate);
            if let Some(report) = candidates.still_fails(config.clone()) {
                best = report;
                continue 'smaller;
            }
            workload.replace(previous);
        }
        break;
    }
    let (schedule, report) = shrink::shrink_schedule(&mut candidates, &config, best);
    let runs = candidates.runs + 1;
    let mut shrunk = failure.clone();
    shrunk.sim = config;
    shrunk.workload = workload.into_inner();
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
        runs,
        failure: shrunk,
    })
}
