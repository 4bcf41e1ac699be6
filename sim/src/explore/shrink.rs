//! Shrinking a failing run: fewer fault rules, then a shorter schedule, while the same
//! violation still fires. Any code can be shrunk this way: a candidate is one run of a
//! configuration, through the caller's `still_fails`.
//!
//! Each candidate is one deterministic run, so a shrink is itself reproducible. The harness
//! shrinks a scenario's workload between the two steps (`Subsystem::shrink_workload`).

use crate::check::ViolationKind;
use crate::config::SimConfig;
use crate::report::Report;
use crate::runtime::{Policy, Schedule};

/// Runs candidates, counting them, and keeps those that still fail with the target violation.
pub struct Candidates<'a> {
    target: ViolationKind,
    run: &'a mut dyn FnMut(SimConfig) -> Report,
    /// Candidate runs so far.
    pub runs: u64,
}

impl<'a> Candidates<'a> {
    /// Candidates of a failure whose violation is `target`, each run by `run`.
    pub fn new(target: ViolationKind, run: &'a mut dyn FnMut(SimConfig) -> Report) -> Self {
        Candidates {
            target,
            run,
            runs: 0,
        }
    }

    /// Runs a candidate: `Some(report)` when it still fails with the target violation.
    pub fn still_fails(&mut self, config: SimConfig) -> Option<Report> {
        self.runs += 1;
        let report = (self.run)(config);
        report.has(&self.target).then_some(report)
    }
}

/// The smallest fault plan of `config` that still fails: rules dropped one at a time.
/// `best` is the report of `config`; returns the smaller configuration and its report.
pub fn shrink_faults(
    candidates: &mut Candidates<'_>,
    mut config: SimConfig,
    mut best: Report,
) -> (SimConfig, Report) {
    let mut i = 0;
    while i < config.faults.len() {
        let candidate = SimConfig {
            faults: config.faults.without_rule(i),
            ..config.clone()
        };
        match candidates.still_fails(candidate.clone()) {
            Some(report) => {
                config = candidate;
                best = report;
            }
            None => i += 1,
        }
    }
    (config, best)
}

/// The shortest prefix of `best`'s schedule that, replayed and then continued first runnable
/// first, still fails (binary search: it assumes a failing prefix stays failing when
/// lengthened; whatever it returns was checked by a run). Gives the schedule and its run's
/// report; `best`'s own when no shorter prefix fails.
pub fn shrink_schedule(
    candidates: &mut Candidates<'_>,
    config: &SimConfig,
    best: Report,
) -> (Schedule, Report) {
    let full = best.schedule.clone();
    let mut run_prefix = |len: usize| {
        let candidate = SimConfig {
            policy: Policy::Replay(Schedule {
                decisions: full.decisions[..len].to_vec(),
            }),
            ..config.clone()
        };
        candidates.still_fails(candidate)
    };
    let (mut lo, mut hi) = (0, full.len());
    let mut found = None;
    while lo < hi {
        let mid = (lo + hi) / 2;
        match run_prefix(mid) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{rt, Sim};

    /// Two tasks race to set a flag; the bug needs `b` to finish before `a` starts.
    async fn race() {
        use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
        let flag = std::sync::Arc::new(AtomicU32::new(0));
        let (fa, fb) = (flag.clone(), flag.clone());
        let a = rt::spawn("a", async move {
            rt::yield_now().await;
            fa.store(fa.load(Relaxed) * 10 + 1, Relaxed);
        });
        let b = rt::spawn("b", async move {
            fb.store(fb.load(Relaxed) * 10 + 2, Relaxed);
        });
        a.await.unwrap();
        b.await.unwrap();
        assert_ne!(flag.load(Relaxed), 21, "b ran before a");
    }

    #[test]
    fn a_shrunk_schedule_is_no_longer_and_still_fails() {
        let mut run = |config: SimConfig| Sim::new(config).run(race);
        let failing = (0..100)
            .map(|seed| run(SimConfig::with_seed(seed)))
            .find(|r| !r.passed())
            .expect("some seed orders b first");
        let config = SimConfig::with_seed(failing.seed);
        let before = failing.schedule.len();
        let mut candidates = Candidates::new(ViolationKind::MainPanicked, &mut run);
        let (schedule, report) = shrink_schedule(&mut candidates, &config, failing);
        assert!(schedule.len() <= before);
        assert!(report.has(&ViolationKind::MainPanicked));
        let replayed = Sim::new(SimConfig {
            policy: Policy::Replay(schedule),
            ..config
        })
        .run(race);
        assert_eq!(replayed.trace_hash(), report.trace_hash());
    }
}
