//! `Check`: many seeds of a test's simulation, the smallest failing one shrunk, written to a
//! failure file, and reported with the line that replays it.

use super::determinism;
use super::failure::{format_hash, Failure, FailureFileError};
use super::files;
use super::found::{Found, Replayed, ShrinkSummary};
use super::origin::TestOrigin;
use super::pct_horizon::measure_pct_horizon;
use super::seeds;
use super::shrink::{self, Candidates};
use super::warned::Warned;
use crate::check::ViolationKind;
use crate::config::SimConfig;
use crate::env::{
    self, ASYNCLIFE_CHECK_DETERMINISM, ASYNCLIFE_REPLAY, ASYNCLIFE_SEED, ASYNCLIFE_SEEDS,
};
use crate::fault::FaultPlan;
use crate::report::Report;
use crate::runtime::{Policy, Sim};
use std::future::Future;
use std::ops::Range;
use std::panic::Location;
use std::path::PathBuf;
use std::time::Duration;

/// How many seeds a check runs unless told otherwise.
pub const DEFAULT_SEEDS: u64 = 100;

/// Explores many seeds of a simulation from a test.
///
/// Each seed is one [`Sim`] run of the closure's future under the check's policy and faults.
/// The check stops at the smallest failing seed, shrinks its schedule and fault plan, writes
/// a failure file (atomically) and panics with the report: the seed, every violation with its
/// task and spawn location, the last events before the first one, and a `reproduce:` line.
///
/// ```
/// use asynclife_sim::{rt, Check, Policy};
/// use std::time::Duration;
///
/// Check::new("two_workers_finish")
///     .seeds(200)
///     .policy(Policy::pct(2))
///     .run(|| async {
///         let a = rt::spawn("a", rt::sleep(Duration::from_millis(5)));
///         let b = rt::spawn("b", rt::sleep(Duration::from_millis(7)));
///         a.await.unwrap();
///         b.await.unwrap();
///     });
/// ```
///
/// The environment steers it without code changes (see [`crate::env`]): `ASYNCLIFE_SEED=N`
/// runs seed N alone, `ASYNCLIFE_SEEDS=N` runs N seeds, `ASYNCLIFE_REPLAY=FILE` replays a
/// failure file bit for bit and checks its trace hash.
#[derive(Clone, Debug)]
pub struct Check {
    name: String,
    seeds: u64,
    first_seed: u64,
    config: SimConfig,
    jobs: Option<usize>,
    shrink: bool,
    check_determinism: bool,
    failures_dir: Option<PathBuf>,
}

/// What a passing check ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passed {
    /// The seeds run (all passed).
    pub seeds: Range<u64>,
    /// Set when the check replayed a failure file (`ASYNCLIFE_REPLAY`) that now passes.
    pub replayed: Option<PathBuf>,
    /// Seeds that passed with a warning beside the verdict (`wall-blocked-poll`,
    /// `replay-divergence`); the check prints the first.
    pub seeds_with_warnings: u64,
}

impl Check {
    /// A check called `name` (it names the failure file): [`DEFAULT_SEEDS`] seeds from 0,
    /// the random policy, no faults, the engine's default bounds.
    pub fn new(name: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            seeds: DEFAULT_SEEDS,
            first_seed: 0,
            config: SimConfig::default(),
            jobs: None,
            shrink: true,
            check_determinism: false,
            failures_dir: None,
        }
    }

    /// Runs this many seeds (`ASYNCLIFE_SEEDS` overrides it).
    pub fn seeds(mut self, count: u64) -> Check {
        self.seeds = count;
        self
    }

    /// Starts at this seed instead of 0.
    pub fn first_seed(mut self, seed: u64) -> Check {
        self.first_seed = seed;
        self
    }

    /// The scheduling policy of every seed.
    pub fn policy(mut self, policy: Policy) -> Check {
        self.config.policy = policy;
        self
    }

    /// The faults to inject (in swarm mode, each seed draws its own plan from it).
    pub fn faults(mut self, plan: FaultPlan) -> Check {
        self.config.faults = plan;
        self
    }

    /// Every engine setting at once (its `seed` is ignored: the check sets it per run).
    pub fn config(mut self, config: SimConfig) -> Check {
        self.config = config;
        self
    }

    /// The step bound of each run.
    pub fn max_steps(mut self, steps: u64) -> Check {
        self.config.max_steps = steps;
        self
    }

    /// The event budget of each run (default [`crate::DEFAULT_MAX_EVENTS`]): a run that
    /// records more events stops with a `budget` violation.
    pub fn max_events(mut self, events: u64) -> Check {
        self.config.max_events = events;
        self
    }

    /// The virtual-time bound of each run.
    pub fn max_virtual_time(mut self, bound: Duration) -> Check {
        self.config.max_virtual_time = bound;
        self
    }

    /// The blocked-executor threshold.
    pub fn blocked_poll_threshold(mut self, threshold: Duration) -> Check {
        self.config.blocked_poll_threshold = threshold;
        self
    }

    /// The wall-clock threshold of the `wall-blocked-poll` warning (1 s by default; zero
    /// turns it off).
    pub fn wall_poll_threshold(mut self, threshold: Duration) -> Check {
        self.config.wall_poll_threshold = threshold;
        self
    }

    /// Make a wall-blocked poll fail the seed instead of warning. The outcome then depends
    /// on the machine's load: keep the threshold generous.
    pub fn wall_poll_is_finding(mut self, is_finding: bool) -> Check {
        self.config.wall_poll_is_finding = is_finding;
        self
    }

    /// Threads to run seeds on (default: the machine's cores). [`Check::run_local`] always
    /// uses one.
    pub fn jobs(mut self, jobs: usize) -> Check {
        self.jobs = Some(jobs.max(1));
        self
    }

    /// Whether to shrink the failing seed's schedule and fault plan (default: yes).
    pub fn shrink(mut self, shrink: bool) -> Check {
        self.shrink = shrink;
        self
    }

    /// Runs every seed twice and compares the traces event by event: a difference is a
    /// `nondeterminism` finding naming the first event that differs (default: off, or on
    /// when `ASYNCLIFE_CHECK_DETERMINISM=1`).
    pub fn check_determinism(mut self, on: bool) -> Check {
        self.check_determinism = on;
        self
    }

    /// Where failure files go (default: `ASYNCLIFE_FAILURES_DIR`, else
    /// `target/asynclife/failures/`).
    pub fn failures_dir(mut self, dir: impl Into<PathBuf>) -> Check {
        self.failures_dir = Some(dir.into());
        self
    }

    /// Runs the seeds on every core; panics with the failure report at the smallest failing
    /// seed. The closure makes one run's main future; it is called once per seed, on the
    /// seed's thread.
    #[track_caller]
    pub fn run<F, Fut>(&self, test: F) -> Passed
    where
        F: Fn() -> Fut + Sync,
        Fut: Future<Output = ()> + 'static,
    {
        match self.try_run(test) {
            Ok(passed) => passed,
            Err(found) => panic!("{found}"),
        }
    }

    /// As [`Check::run`], for a closure that cannot be shared between threads: one thread.
    #[track_caller]
    pub fn run_local<F, Fut>(&self, test: F) -> Passed
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        match self.try_run_local(test) {
            Ok(passed) => passed,
            Err(found) => panic!("{found}"),
        }
    }

    /// As [`Check::run`], returning the failure instead of panicking.
    #[track_caller]
    pub fn try_run<F, Fut>(&self, test: F) -> Result<Passed, Box<Found>>
    where
        F: Fn() -> Fut + Sync,
        Fut: Future<Output = ()> + 'static,
    {
        let caller = Location::caller();
        let run = |config: SimConfig| Sim::new(config).run_at(caller, &test);
        let jobs = self.jobs.unwrap_or_else(default_jobs);
        let twice = self.runs_twice();
        let warned = Warned::default();
        self.explore(&run, &warned, |range| {
            seeds::first_failing(range, jobs, |seed| {
                self.run_seed(&run, seed, twice, &warned)
            })
        })
    }

    /// As [`Check::run_local`], returning the failure instead of panicking.
    #[track_caller]
    pub fn try_run_local<F, Fut>(&self, test: F) -> Result<Passed, Box<Found>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        let caller = Location::caller();
        let run = |config: SimConfig| Sim::new(config).run_at(caller, &test);
        let twice = self.runs_twice();
        let warned = Warned::default();
        self.explore(&run, &warned, |range| {
            seeds::first_failing_here(range, |seed| self.run_seed(&run, seed, twice, &warned))
        })
    }

    /// Whether every seed runs twice (the determinism check), read once per check.
    fn runs_twice(&self) -> bool {
        self.check_determinism || env::switch(ASYNCLIFE_CHECK_DETERMINISM)
    }

    /// One seed's run; `twice`, compared, under the determinism check.
    fn run_seed(
        &self,
        run: &dyn Fn(SimConfig) -> Report,
        seed: u64,
        twice: bool,
        warned: &Warned,
    ) -> Report {
        let config = measure_pct_horizon(run, self.seed_config(seed));
        let report = if twice {
            determinism::run_twice(run, config)
        } else {
            run(config)
        };
        warned.note(&report);
        report
    }

    /// The configuration of one seed.
    fn seed_config(&self, seed: u64) -> SimConfig {
        SimConfig {
            seed,
            ..self.config.clone()
        }
    }

    /// The seeds to run: `ASYNCLIFE_SEED` alone, else `ASYNCLIFE_SEEDS` or the check's count.
    fn seed_range(&self) -> Range<u64> {
        let fail = |e: String| -> ! { panic!("check '{}': {e}", self.name) };
        if let Some(seed) = env::parsed::<u64>(ASYNCLIFE_SEED).unwrap_or_else(|e| fail(e)) {
            return seed..seed.saturating_add(1);
        }
        let count = env::parsed::<u64>(ASYNCLIFE_SEEDS)
            .unwrap_or_else(|e| fail(e))
            .unwrap_or(self.seeds);
        let end = self.first_seed.checked_add(count).unwrap_or_else(|| {
            fail(format!(
                "{count} seeds from seed {} pass the last seed, {}",
                self.first_seed,
                u64::MAX
            ))
        });
        self.first_seed..end
    }

    /// Replays `ASYNCLIFE_REPLAY`, or searches the seeds with `search`; shrinks and files
    /// what fails.
    fn explore(
        &self,
        run: &dyn Fn(SimConfig) -> Report,
        warned: &Warned,
        search: impl FnOnce(Range<u64>) -> Option<Report>,
    ) -> Result<Passed, Box<Found>> {
        if let Err(e) = self.config.validate() {
            panic!("check '{}': invalid configuration: {e}", self.name);
        }
        let origin = TestOrigin::current(&self.name);
        if let Some(path) = std::env::var_os(ASYNCLIFE_REPLAY) {
            let path = PathBuf::from(path);
            let failure =
                Failure::read(&path).unwrap_or_else(|e| panic!("{ASYNCLIFE_REPLAY}: {e}"));
            if failure.test.as_ref().is_some_and(|t| t.name == self.name) {
                return self.replay(run, origin, path, failure);
            }
            eprintln!(
                "check '{}': {ASYNCLIFE_REPLAY} is a failure of '{}', not of this check: \
                 running this check's seeds as usual",
                self.name,
                failure.name()
            );
        }
        let range = self.seed_range();
        match search(range.clone()) {
            None => {
                if let Some(line) = warned.summary(&self.name) {
                    eprintln!("{line}");
                }
                Ok(Passed {
                    seeds: range,
                    replayed: None,
                    seeds_with_warnings: warned.seeds(),
                })
            }
            Some(report) => Err(Box::new(self.file(run, origin, range, report))),
        }
    }

    /// Shrinks a failing seed's run and writes its failure file.
    fn file(
        &self,
        run: &dyn Fn(SimConfig) -> Report,
        origin: TestOrigin,
        seeds: Range<u64>,
        report: Report,
    ) -> Found {
        let seed = report.seed;
        // The horizon the seed ran with, so that the shrink's runs keep its change points.
        let mut config = measure_pct_horizon(run, self.seed_config(seed));
        config.faults = FaultPlan {
            swarm: false,
            ..report.fault_plan.clone()
        };
        // A run that is not deterministic cannot be shrunk: its candidates would not be either.
        let deterministic = !report.has(&ViolationKind::Nondeterminism);
        let (config, report, shrunk) = match report.violations.first() {
            Some(first) if self.shrink && deterministic => {
                let target = first.kind.clone();
                let mut run_mut = |c: SimConfig| run(c);
                let mut candidates = Candidates::new(target, &mut run_mut);
                let rules_before = config.faults.len();
                let (events_before, decisions_before) =
                    (report.trace.event_count, report.schedule.len());
                let (config, best) = shrink::shrink_faults(&mut candidates, config, report);
                // The shrunk schedule is a prefix: replayed, then first runnable first past
                // its end, it gives `best` (whose own record also lists the choices after it).
                let (schedule, best) = shrink::shrink_schedule(&mut candidates, &config, best);
                let summary = ShrinkSummary {
                    events: (events_before, best.trace.event_count),
                    decisions: (decisions_before, schedule.len()),
                    fault_rules: (rules_before, config.faults.len()),
                    runs: candidates.runs,
                };
                (config, best, Some((summary, schedule)))
            }
            _ => (config, report, None),
        };
        let mut failure = Failure::of_run(&config, &report);
        let shrunk = shrunk.map(|(summary, schedule)| {
            failure.schedule = schedule;
            summary
        });
        failure.test = Some(origin.clone());
        failure.trace = Some(report.trace.clone());
        let dir = self
            .failures_dir
            .clone()
            .unwrap_or_else(files::failures_dir);
        let file = failure.write(&dir);
        Found {
            name: self.name.clone(),
            policy: self.config.policy.clone(),
            seeds,
            report,
            shrunk,
            file,
            origin,
            replayed: None,
        }
    }

    /// Replays a failure file of this check: passes if the bug is gone, else the report.
    fn replay(
        &self,
        run: &dyn Fn(SimConfig) -> Report,
        origin: TestOrigin,
        path: PathBuf,
        failure: Failure,
    ) -> Result<Passed, Box<Found>> {
        let report = run(failure.replay_config());
        let hash = format_hash(report.trace_hash());
        if report.passed() {
            eprintln!(
                "check '{}': {} now passes: the bug is fixed (trace hash {hash}, the file \
                 recorded {})",
                self.name,
                path.display(),
                failure.trace_hash
            );
            for warning in &report.warnings {
                // A fix usually changes the schedule: the replay then tested a different run.
                eprintln!("  warning {warning}");
            }
            return Ok(Passed {
                seeds: failure.seed..failure.seed.saturating_add(1),
                replayed: Some(path),
                seeds_with_warnings: u64::from(!report.warnings.is_empty()),
            });
        }
        Err(Box::new(Found {
            name: self.name.clone(),
            policy: failure.sim.policy.clone(),
            seeds: failure.seed..failure.seed.saturating_add(1),
            replayed: Some(Replayed {
                bit_for_bit: hash == failure.trace_hash,
                recorded_hash: failure.trace_hash.clone(),
            }),
            report,
            shrunk: None,
            file: Ok(path),
            origin,
        }))
    }
}

/// The machine's cores, or one when that cannot be told.
fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `seeds` random-policy seeds of `test` and panics at the first failure, as
/// [`Check::run`] does (shuttle's `check_random`). The check is named after the test.
#[track_caller]
pub fn check_random<F, Fut>(test: F, seeds: u64) -> Passed
where
    F: Fn() -> Fut + Sync,
    Fut: Future<Output = ()> + 'static,
{
    Check::new(current_test_name()).seeds(seeds).run(test)
}

/// Runs `seeds` PCT seeds of depth `depth` of `test` and panics at the first failure, as
/// [`Check::run`] does (shuttle's `check_pct`). The check is named after the test.
#[track_caller]
pub fn check_pct<F, Fut>(test: F, seeds: u64, depth: u32) -> Passed
where
    F: Fn() -> Fut + Sync,
    Fut: Future<Output = ()> + 'static,
{
    Check::new(current_test_name())
        .seeds(seeds)
        .policy(Policy::pct(depth))
        .run(test)
}

/// Replays a failure file of any check (shuttle's `replay`): its seed, schedule and faults,
/// and panics with the report unless the run passes now. The file's trace hash is compared.
#[track_caller]
pub fn replay<F, Fut>(test: F, failure_file: impl Into<PathBuf>) -> Result<Passed, FailureFileError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let path = failure_file.into();
    let failure = Failure::read(&path)?;
    let check = Check::new(failure.name());
    let caller = Location::caller();
    let run = |config: SimConfig| Sim::new(config).run_at(caller, &test);
    let origin = failure
        .test
        .clone()
        .unwrap_or_else(|| TestOrigin::current(&check.name));
    match check.replay(&run, origin, path, failure) {
        Ok(passed) => Ok(passed),
        Err(found) => panic!("{found}"),
    }
}

/// The test running on this thread (libtest names its threads after the tests), or `check`.
fn current_test_name() -> String {
    let thread = std::thread::current();
    match thread.name() {
        Some(name) if name != "main" => name.rsplit("::").next().unwrap_or(name).to_string(),
        _ => "check".to_string(),
    }
}
