//! Sweeps: one scenario over many seeds, on several worker threads (each seed is its own
//! single-threaded simulation), with deterministic results whatever the thread count.
//!
//! Invariant: the reported first failing seed is the smallest failing seed in the range,
//! never merely the first found in time; a worker that finds a failure stops the seeds above
//! it, not the ones below.

use crate::registry::{Registered, RegistryError};
use crate::scenario::{Expect, Scenario};
use asynclife_sim::explore::compare_runs;
use asynclife_sim::subsystem::UnknownVariant;
use asynclife_sim::{Report, SimConfig, Violation};
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// How a sweep runs.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// The seeds.
    pub seeds: Range<u64>,
    /// Worker threads.
    pub jobs: usize,
    /// Run every seed instead of stopping at the first unexpected outcome.
    pub keep_going: bool,
    /// The variant (the scenario's own when `None`).
    pub variant: Option<String>,
    /// Run every seed twice and compare the traces: a difference is a `nondeterminism`
    /// finding (a bug of the subsystem or of the engine).
    pub check_determinism: bool,
}

/// The outcome of one seed, against the scenario's expectation.
#[derive(Clone, Debug)]
pub struct SeedOutcome {
    /// The seed.
    pub seed: u64,
    /// Whether the outcome is what the scenario expects.
    pub as_expected: bool,
    /// The configuration it ran with.
    pub config: SimConfig,
    /// The report; its trace is kept only for unexpected outcomes.
    pub report: Report,
}

/// What a sweep found.
#[derive(Clone, Debug, Default)]
pub struct SweepResult {
    /// Seeds run.
    pub seeds_run: u64,
    /// Seeds whose outcome matched the expectation.
    pub as_expected: u64,
    /// Unexpected outcomes, by seed.
    pub unexpected: Vec<SeedOutcome>,
    /// The smallest seed on which any violation fired (expected or not).
    pub first_failing: Option<SeedOutcome>,
    /// Seeds whose report carries a warning beside its verdict (`wall-blocked-poll`,
    /// `replay-divergence`).
    pub seeds_with_warnings: u64,
    /// The first warning of each of the first [`WARNED_SEEDS_KEPT`] of them, by seed.
    pub warned: Vec<(u64, Violation)>,
}

/// Why a sweep could not run. Its text is the wrapped error's; [`source`](std::error::Error::source)
/// gives the wrapped error.
#[derive(Debug)]
pub enum SweepError {
    /// The variant asked for is not one of the subsystem's (checked before any seed runs).
    UnknownVariant(UnknownVariant),
    /// A seed could not run: the subsystem refused the scenario's workload.
    Run {
        /// The seed.
        seed: u64,
        /// What the subsystem said.
        source: RegistryError,
    },
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepError::UnknownVariant(e) => e.fmt(f),
            SweepError::Run { source, .. } => source.fmt(f),
        }
    }
}

impl std::error::Error for SweepError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SweepError::UnknownVariant(e) => Some(e),
            SweepError::Run { source, .. } => Some(source),
        }
    }
}

/// How many warned seeds a sweep result names.
pub const WARNED_SEEDS_KEPT: usize = 5;

/// Whether `report` is what `expect` asks for. An expected failure is met by a run where the
/// named invariant (or one listed in `also`) fires (a defect often trips others too,
/// downstream of it); a run where nothing fires is also accepted (a defect does not show on
/// every seed); but a run where only something else fires is a finding: the designated check
/// missed.
pub fn matches(expect: &Expect, report: &Report) -> bool {
    match expect {
        Expect::Pass => report.violations.is_empty(),
        Expect::Fails { .. } => {
            report.violations.is_empty()
                || report
                    .violations
                    .iter()
                    .any(|v| expect.accepts(v.kind.name()))
        }
    }
}

/// One seed's run; twice, compared, under the determinism check.
fn run_seed(
    subsystem: &dyn Registered,
    scenario: &Scenario,
    variant: &str,
    config: &SimConfig,
    options: &SweepOptions,
) -> Result<Report, SweepError> {
    let run = || {
        subsystem
            .run(config.clone(), &scenario.workload, variant)
            .map_err(|source| SweepError::Run {
                seed: config.seed,
                source,
            })
    };
    let first = run()?;
    if !options.check_determinism {
        return Ok(first);
    }
    let second = run()?;
    Ok(compare_runs(first, &second))
}

/// Runs the sweep, calling `progress(seeds_done, unexpected_so_far)` as seeds finish.
///
/// Without `keep_going`, it stops at the first unexpected outcome. A scenario that expects a
/// failure runs every seed too: a seed where something else fires instead is a finding.
pub fn sweep(
    scenario: &Scenario,
    subsystem: &dyn Registered,
    options: &SweepOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<SweepResult, SweepError> {
    let variant = options.variant.as_deref().unwrap_or(&scenario.variant);
    subsystem
        .check_variant(variant)
        .map_err(SweepError::UnknownVariant)?;
    let next = AtomicU64::new(options.seeds.start);
    let stop_above = AtomicU64::new(u64::MAX);
    let done = AtomicU64::new(0);
    let bad = AtomicU64::new(0);
    let outcomes = Mutex::new(Vec::new());
    let error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= options.seeds.end || seed > stop_above.load(Ordering::Relaxed) {
                    return;
                }
                let config = scenario.sim_config(seed);
                let report = match run_seed(subsystem, scenario, variant, &config, options) {
                    Ok(report) => report,
                    Err(e) => {
                        *error.lock().expect("not poisoned") = Some(e);
                        stop_above.store(0, Ordering::Relaxed);
                        return;
                    }
                };
                let as_expected = matches(&scenario.expect, &report);
                if !as_expected {
                    bad.fetch_add(1, Ordering::Relaxed);
                }
                // An expected failure does not stop the sweep: a later seed where something
                // else fires is a finding too.
                if !options.keep_going && !as_expected {
                    stop_above.fetch_min(seed, Ordering::Relaxed);
                }
                let outcome = SeedOutcome {
                    seed,
                    as_expected,
                    config,
                    // Only unexpected outcomes need their trace (for the failure file):
                    // keep memory flat on long sweeps, expected failures included.
                    report: if !as_expected {
                        report
                    } else {
                        Report {
                            trace: Default::default(),
                            ..report
                        }
                    },
                };
                outcomes.lock().expect("not poisoned").push(outcome);
                progress(
                    done.fetch_add(1, Ordering::Relaxed) + 1,
                    bad.load(Ordering::Relaxed),
                );
            });
        }
    });
    if let Some(e) = error.into_inner().expect("not poisoned") {
        return Err(e);
    }
    let mut outcomes = outcomes.into_inner().expect("not poisoned");
    outcomes.sort_by_key(|o| o.seed);
    if !options.keep_going {
        // Seeds above the stopping one may have finished before the stop was seen: drop
        // them, so that the result does not depend on the number of threads.
        let stop = stop_above.load(Ordering::Relaxed);
        outcomes.retain(|o| o.seed <= stop);
    }
    let mut result = SweepResult {
        seeds_run: outcomes.len() as u64,
        ..SweepResult::default()
    };
    for outcome in outcomes {
        if let Some(warning) = outcome.report.warnings.first() {
            result.seeds_with_warnings += 1;
            if result.warned.len() < WARNED_SEEDS_KEPT {
                result.warned.push((outcome.seed, warning.clone()));
            }
        }
        if outcome.as_expected {
            result.as_expected += 1;
        }
        if result.first_failing.is_none() && !outcome.report.violations.is_empty() {
            result.first_failing = Some(outcome.clone());
        }
        if !outcome.as_expected {
            result.unexpected.push(outcome);
        }
    }
    Ok(result)
}
