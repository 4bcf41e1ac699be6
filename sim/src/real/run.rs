//! One real run: a current-thread tokio runtime, the main future on it, the lag probe beside
//! it, then the end checks; every child killed and the store forgotten afterwards.

use super::config::RealConfig;
use super::lag::LagProbe;
use super::report::RealReport;
use super::store::{self, StoreKind};
use super::{children, invariants};
use crate::check::{Violation, ViolationKind};
use crate::config::ConfigError;
use crate::runtime::panic::panic_message;
use crate::scaled_clock as clock;
use pin_project_lite::pin_project;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};
use tokio::time::Instant as WallInstant;

/// Held for the whole of a real run: the children's registry, the store and the time scale
/// are process-wide, so real runs in one process (tests) take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The process-wide state of a real run, set up when it begins and torn down on drop, even
/// when the run panics: every child still alive is killed with its helpers, the store is
/// forgotten, the time scale restored.
#[must_use = "the real run's children are killed when the guard is dropped"]
struct RealRun {
    store: StoreKind,
    previous_scale: f64,
    was_subreaper: bool,
    _turn: MutexGuard<'static, ()>,
}

impl RealRun {
    fn begin(config: &RealConfig) -> Result<RealRun, ConfigError> {
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A run that died without its guard (an abort) may have left children behind.
        children::kill_all();
        let store = store::select(config.redis_url.as_deref())
            .map_err(|message| ConfigError::new("redis_url", &message))?;
        let previous_scale = clock::scale();
        clock::set_scale(config.time_scale);
        invariants::begin();
        crate::outside_rng::reseed(config.seed);
        let was_subreaper = children::set_subreaper(true);
        Ok(RealRun {
            store,
            previous_scale,
            was_subreaper,
            _turn: turn,
        })
    }
}

impl Drop for RealRun {
    fn drop(&mut self) {
        let killed = children::kill_all();
        if killed > 0 {
            tracing::debug!(target: "asynclife", "killed {killed} children at the end of a real run");
        }
        store::reset();
        invariants::check_end(clock::now());
        clock::set_scale(self.previous_scale);
        children::set_subreaper(self.was_subreaper);
    }
}

pin_project! {
    /// A future whose panic is its output, so a panicking main still gets its end checks.
    struct CatchUnwind<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.project().future;
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(payload) => Poll::Ready(Err(panic_message(payload.as_ref()))),
        }
    }
}

/// Runs `main` on a fresh current-thread tokio runtime in real time scaled by
/// `config.time_scale`, then checks what real mode can check (see [`RealReport`]).
///
/// `rt::invariant` calls made on this thread during the run are collected for its end.
/// Returns an error for an invalid configuration or a Redis URL that cannot be used.
///
/// # Panics
/// If the tokio runtime cannot be built.
pub fn run<F, Fut>(config: &RealConfig, main: F) -> Result<RealReport, ConfigError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    config.validate()?;
    let run = RealRun::begin(config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime can be built");
    let report = runtime.block_on(drive(config, run.store.clone(), main));
    // The runtime goes first, with its watchers; then the guard kills and reaps what is left.
    drop(runtime);
    drop(run);
    Ok(report)
}

async fn drive<F, Fut>(config: &RealConfig, store: StoreKind, main: F) -> RealReport
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    let wall_start = WallInstant::now();
    let scaled_start = clock::now();
    let probe = LagProbe::start(config.lag_probe_period);
    let outcome = CatchUnwind { future: main() }.await;
    // Wall clock on purpose: the watchers must see the exits the OS already reported.
    tokio::time::sleep(config.settle).await;
    let lag = probe.stop();
    let now = clock::now();
    let checks = invariants::check_end(now);
    let mut findings = Findings {
        now,
        list: Vec::new(),
    };
    if let Err(message) = outcome {
        findings.push(ViolationKind::MainPanicked, message);
    }
    if lag.max > config.blocked_lag_threshold {
        let message = format!(
            "the event loop was held: the lag probe woke {:.1} ms late on the wall clock \
             (threshold {} ms)",
            lag.max.as_secs_f64() * 1e3,
            config.blocked_lag_threshold.as_millis()
        );
        findings.push(ViolationKind::BlockedExecutor, message);
    }
    for (name, message) in checks.failed {
        findings.push(ViolationKind::Invariant(name), message);
    }
    let orphans: Vec<String> = children::orphans()
        .iter()
        .map(|o| format!("{} '{}' ({})", o.pid, o.name, o.state))
        .collect();
    if !orphans.is_empty() {
        let message = format!("children never reaped at the end: {}", orphans.join(", "));
        findings.push(ViolationKind::OrphanProcess, message);
    }
    let keys_left =
        store::inspect(|kv, now| kv.entries(now).map(|(k, _, _)| k.to_owned()).collect());
    RealReport {
        time_scale: config.time_scale,
        store,
        violations: findings.list,
        unchecked: checks.unchecked,
        lag,
        blocked_lag_threshold: config.blocked_lag_threshold,
        processes_spawned: children::spawned(),
        keys_left,
        wall_time: WallInstant::now() - wall_start,
        scaled_time: clock::now() - scaled_start,
    }
}

/// The violations of a real run, all found at its end.
struct Findings {
    now: crate::time::Instant,
    list: Vec<Violation>,
}

impl Findings {
    fn push(&mut self, kind: ViolationKind, message: String) {
        self.list.push(Violation {
            kind,
            task: None,
            at: self.now,
            message,
            after_cut_short: false,
        });
    }
}
