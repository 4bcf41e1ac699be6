//! The invariants of the tasks subsystem, checked after every step and at the end of a run.
//! Each compares the manager's bookkeeping with the workload's own witness ([`Probe`]).
//!
//! 1. `no-lost-exception`: every error or panic raised by a managed task is recorded exactly
//!    once: its run is FAILED with that message, no other run is FAILED, and the error count
//!    equals the number raised. (Catches `untracked-spawn`.)
//! 2. `legal-transitions`: no status transition outside QUEUED -> RUNNING -> COMPLETED |
//!    FAILED | CANCELLED (and QUEUED -> CANCELLED) was ever attempted.
//! 3. `runs-terminal`: once `wait_all` or `shutdown` has returned, every run is terminal.
//!    (Catches `cancel-not-recorded`: a cancelled run left RUNNING.)
//! 4. `no-task-after-shutdown`: once `shutdown` has returned, no managed future is alive,
//!    nothing is tracked, and the monitor has ended. (The engine's `leaked-task` agrees.)
//! 5. `concurrency-limit`: no more than `max_concurrent` task bodies ever execute at once.
//!    (Catches `warn-only-limit`.)
//! 6. `shutdown-bound`: `shutdown` returns within `drain_timeout + cancel_timeout` of its
//!    call. (Catches `wait-all-no-timeout` and `monitor-lag`.)
//! 7. `tracking-matches-live`: the tracking set's size equals the number of live managed
//!    futures. (Catches `duplicate-id` and `as-documented`'s colliding names.)
//!
//! The checks are pure functions of the state, so that each can be shown to fail.

use crate::manager::TaskManager;
use crate::probe::{Probe, ProbeState};
use crate::registry::{RunRegistry, RunStatus};
use asynclife_sim::check::always;
use asynclife_sim::{rt, Instant};
use std::time::Duration;

/// Invariant 1.
pub const NO_LOST_EXCEPTION: &str = "no-lost-exception";
/// Invariant 2.
pub const LEGAL_TRANSITIONS: &str = "legal-transitions";
/// Invariant 3.
pub const RUNS_TERMINAL: &str = "runs-terminal";
/// Invariant 4.
pub const NO_TASK_AFTER_SHUTDOWN: &str = "no-task-after-shutdown";
/// Invariant 5.
pub const CONCURRENCY_LIMIT: &str = "concurrency-limit";
/// Invariant 6.
pub const SHUTDOWN_BOUND: &str = "shutdown-bound";
/// Invariant 7.
pub const TRACKING_MATCHES_LIVE: &str = "tracking-matches-live";

/// Every invariant's name, in the order of the module docs.
pub const ALL: [&str; 7] = [
    NO_LOST_EXCEPTION,
    LEGAL_TRANSITIONS,
    RUNS_TERMINAL,
    NO_TASK_AFTER_SHUTDOWN,
    CONCURRENCY_LIMIT,
    SHUTDOWN_BOUND,
    TRACKING_MATCHES_LIVE,
];

/// Registers the seven invariants on the current simulation.
///
/// # Panics
/// Outside a simulation.
pub fn register(manager: &TaskManager, probe: &Probe) {
    let (m, p) = (manager.clone(), probe.clone());
    rt::invariant(always(NO_LOST_EXCEPTION, move |_| {
        let error_count = m.error_count();
        m.with_registry(|r| no_lost_exception(r, error_count, &p.lock()))
    }));
    let m = manager.clone();
    rt::invariant(always(LEGAL_TRANSITIONS, move |_| {
        m.with_registry(legal_transitions)
    }));
    let (m, p) = (manager.clone(), probe.clone());
    rt::invariant(always(RUNS_TERMINAL, move |_| {
        let settled = p.lock().settled;
        m.with_registry(|r| runs_terminal(r, settled))
    }));
    let (m, p) = (manager.clone(), probe.clone());
    rt::invariant(always(NO_TASK_AFTER_SHUTDOWN, move |_| {
        let (tracked, monitor) = (m.tracked_count(), m.monitor_alive());
        no_task_after_shutdown(&p.lock(), tracked, monitor)
    }));
    let (limit, p) = (manager.config().max_concurrent, probe.clone());
    rt::invariant(always(CONCURRENCY_LIMIT, move |_| {
        concurrency_limit(&p.lock(), limit)
    }));
    let (bound, p) = (manager.config().shutdown_bound(), probe.clone());
    rt::invariant(always(SHUTDOWN_BOUND, move |now| {
        shutdown_bound(&p.lock(), now, bound)
    }));
    let (m, p) = (manager.clone(), probe.clone());
    rt::invariant(always(TRACKING_MATCHES_LIVE, move |_| {
        tracking_matches_live(m.tracked_count(), &p.lock())
    }));
}

/// Invariant 1.
pub fn no_lost_exception(
    registry: &RunRegistry,
    error_count: u64,
    probe: &ProbeState,
) -> Result<(), String> {
    if error_count != probe.raised_total {
        return Err(format!(
            "error count is {error_count}, but managed tasks raised {} errors or panics",
            probe.raised_total
        ));
    }
    for (id, messages) in &probe.raised {
        if messages.len() > 1 {
            return Err(format!(
                "run {id} raised {} errors ({messages:?}); one run records one",
                messages.len()
            ));
        }
        let raised = &messages[0];
        let run = registry.get(id);
        let recorded = run.is_some_and(|r| {
            r.status == RunStatus::Failed && r.error.as_ref().is_some_and(|e| e.contains(raised))
        });
        if !recorded {
            return Err(format!(
                "run {id} raised '{raised}' but the registry has {:?}",
                run.map(|r| (r.status, &r.error))
            ));
        }
    }
    let failed = registry.count(RunStatus::Failed);
    if failed != probe.raised.len() {
        return Err(format!(
            "{failed} runs are FAILED but {} runs raised an error or panic",
            probe.raised.len()
        ));
    }
    Ok(())
}

/// Invariant 2.
pub fn legal_transitions(registry: &RunRegistry) -> Result<(), String> {
    match registry.illegal_transitions() {
        [] => Ok(()),
        [first, ..] => Err(format!(
            "{first} (and {} more refused transitions)",
            registry.illegal_transitions().len() - 1
        )),
    }
}

/// Invariant 3.
pub fn runs_terminal(registry: &RunRegistry, settled: bool) -> Result<(), String> {
    if !settled || registry.unfinished() == 0 {
        return Ok(());
    }
    let first = registry
        .runs()
        .find(|r| !r.status.is_terminal())
        .map(|r| format!("{} is {}", r.id, r.status))
        .unwrap_or_default();
    Err(format!(
        "{} runs are not terminal after wait_all/shutdown returned ({first})",
        registry.unfinished()
    ))
}

/// Invariant 4.
pub fn no_task_after_shutdown(
    probe: &ProbeState,
    tracked: usize,
    monitor_alive: bool,
) -> Result<(), String> {
    if probe.shutdown_finished.is_none() || (probe.alive == 0 && tracked == 0 && !monitor_alive) {
        return Ok(());
    }
    Err(format!(
        "after shutdown returned: {} managed futures alive, {tracked} tracked, monitor alive: \
         {monitor_alive}",
        probe.alive
    ))
}

/// Invariant 5.
pub fn concurrency_limit(probe: &ProbeState, limit: usize) -> Result<(), String> {
    if probe.busy <= limit {
        return Ok(());
    }
    Err(format!(
        "{} task bodies execute at once; the limit is {limit}",
        probe.busy
    ))
}

/// Invariant 6.
pub fn shutdown_bound(probe: &ProbeState, now: Instant, bound: Duration) -> Result<(), String> {
    let Some(started) = probe.shutdown_started else {
        return Ok(());
    };
    let end = probe.shutdown_finished.unwrap_or(now);
    let took = end - started;
    if took <= bound {
        return Ok(());
    }
    let state = if probe.shutdown_finished.is_some() {
        "took"
    } else {
        "has been running for"
    };
    Err(format!(
        "shutdown called at {started} {state} {} ms; the bound is {} ms",
        took.as_millis(),
        bound.as_millis()
    ))
}

/// Invariant 7.
pub fn tracking_matches_live(tracked: usize, probe: &ProbeState) -> Result<(), String> {
    if tracked == probe.alive {
        return Ok(());
    }
    Err(format!(
        "{tracked} tasks tracked, but {} managed futures are alive",
        probe.alive
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Run, RunId};

    fn failed_registry(id: &str, error: &str) -> RunRegistry {
        let mut r = RunRegistry::new();
        let run = RunId::from(id);
        r.insert(Run::new(id, "job"), Instant::ZERO).unwrap();
        r.transition(&run, RunStatus::Running, None, Instant::ZERO)
            .unwrap();
        r.transition(&run, RunStatus::Failed, Some(error.into()), Instant::ZERO)
            .unwrap();
        r
    }

    fn raised(id: &str, message: &str) -> ProbeState {
        let mut p = ProbeState::default();
        p.raised.insert(RunId::from(id), vec![message.to_string()]);
        p.raised_total = 1;
        p
    }

    #[test]
    fn a_recorded_and_counted_error_holds_and_a_lost_one_fails() {
        let registry = failed_registry("r", "panicked: boom in r");
        assert!(no_lost_exception(&registry, 1, &raised("r", "boom in r")).is_ok());
        let err = no_lost_exception(&registry, 0, &raised("r", "boom in r")).unwrap_err();
        assert!(err.contains("error count is 0"), "{err}");
        let err = no_lost_exception(&RunRegistry::new(), 1, &raised("r", "boom")).unwrap_err();
        assert!(err.contains("run r raised 'boom'"), "{err}");
        let err = no_lost_exception(&registry, 0, &ProbeState::default()).unwrap_err();
        assert!(err.contains("1 runs are FAILED"), "{err}");
    }

    #[test]
    fn runs_must_be_terminal_only_once_settled() {
        let mut registry = RunRegistry::new();
        registry
            .insert(Run::new("q", "job"), Instant::ZERO)
            .unwrap();
        assert!(runs_terminal(&registry, false).is_ok());
        let err = runs_terminal(&registry, true).unwrap_err();
        assert!(err.contains("q is QUEUED"), "{err}");
    }

    #[test]
    fn shutdown_bound_counts_an_unfinished_shutdown_too() {
        let bound = Duration::from_millis(100);
        let mut p = ProbeState {
            shutdown_started: Some(Instant::from_millis(10)),
            ..ProbeState::default()
        };
        assert!(shutdown_bound(&p, Instant::from_millis(110), bound).is_ok());
        assert!(shutdown_bound(&p, Instant::from_millis(111), bound).is_err());
        p.shutdown_finished = Some(Instant::from_millis(50));
        assert!(shutdown_bound(&p, Instant::from_millis(10_000), bound).is_ok());
    }

    #[test]
    fn counters_are_compared_exactly() {
        let p = ProbeState {
            alive: 2,
            busy: 3,
            shutdown_finished: Some(Instant::ZERO),
            ..ProbeState::default()
        };
        assert!(tracking_matches_live(2, &p).is_ok());
        assert!(tracking_matches_live(1, &p).is_err());
        assert!(concurrency_limit(&p, 3).is_ok());
        assert!(concurrency_limit(&p, 2).is_err());
        assert!(no_task_after_shutdown(&p, 0, false).is_err());
        assert!(no_task_after_shutdown(&ProbeState::default(), 5, true).is_ok());
    }
}
