//! The invariants of the actions subsystem, checked after every step and at the end of a run.
//!
//! They hold the tracker's records (metrics, the conversation contexts) against what
//! happened: the live table, kept by a guard that lives exactly as long as each action
//! task's future, and the [`Ledger`], written by the action functions themselves and by the
//! workload.
//!
//! 1. `visible-while-running`: every live action task shows in its session's context as
//!    `running`, with its task id.
//! 2. `no-zombie-actions`: every action reaches exactly one terminal status, no attempt
//!    begins after it, no context shows an action `running` whose task ended, and nothing
//!    stays live or active past its start plus its timeout plus a grace. At the end every
//!    started action has its terminal status and nothing is active.
//! 3. `active-bounded-by-tasks`: no session's context holds more active entries than the
//!    session has live action tasks.
//! 4. `failures-conserved`: per domain, started = completed + failed + cancelled +
//!    timed_out + running (live); the failed counter equals the failures recorded; an
//!    action whose last attempt failed for good is recorded `failed` with that kind (or
//!    was cancelled or timed out first), never `completed`; at the end, every critical
//!    failure raised exactly one notification.
//! 5. `metadata-valid`: every metadata `start` returned passes
//!    [`ActionMetadata::validate`](crate::ActionMetadata::validate); at the end every
//!    context's entries do too.
//! 6. `retry-policy`: no attempt follows a permanent failure or a success; no action makes
//!    more than `max_attempts` attempts; each retry waits within the policy's backoff
//!    bounds, and longer than the previous retry; an action recorded `failed` after a
//!    transient failure had used up its attempts.
//! 7. `history-within-retention`: every context keeps at most `max_count` finished actions,
//!    none finished longer than `max_age` plus one sweep interval ago.

use crate::error::ErrorKind;
use crate::ledger::{Ledger, LedgerEvent};
use crate::lock::lock;
use crate::metadata::{validate_info, ActionInfo, ActionStatus};
use crate::tracker::{ActionKey, ActionTracker};
use asynclife_sim::check::{always, Invariant};
use asynclife_sim::{rt, Instant};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Invariant 1.
pub const VISIBLE_WHILE_RUNNING: &str = "visible-while-running";
/// Invariant 2.
pub const NO_ZOMBIE_ACTIONS: &str = "no-zombie-actions";
/// Invariant 3.
pub const ACTIVE_BOUNDED_BY_TASKS: &str = "active-bounded-by-tasks";
/// Invariant 4.
pub const FAILURES_CONSERVED: &str = "failures-conserved";
/// Invariant 5.
pub const METADATA_VALID: &str = "metadata-valid";
/// Invariant 6.
pub const RETRY_POLICY: &str = "retry-policy";
/// Invariant 7.
pub const HISTORY_WITHIN_RETENTION: &str = "history-within-retention";

/// Every invariant's name, in the numbered order.
pub const ALL: [&str; 7] = [
    VISIBLE_WHILE_RUNNING,
    NO_ZOMBIE_ACTIONS,
    ACTIVE_BOUNDED_BY_TASKS,
    FAILURES_CONSERVED,
    METADATA_VALID,
    RETRY_POLICY,
    HISTORY_WITHIN_RETENTION,
];

/// Timing tolerance of the retry oracle: backoff delays are rounded to nanoseconds.
const BACKOFF_TOLERANCE: Duration = Duration::from_millis(1);

/// What the invariants read.
#[derive(Clone)]
pub struct Probe {
    /// The tracker: its live table, metrics and contexts.
    pub tracker: ActionTracker,
    /// What the workload saw.
    pub ledger: Arc<Mutex<Ledger>>,
    /// How long past its timeout an action may take to leave the active set.
    pub grace: Duration,
    /// How often the context sweeper applies the retention policy.
    pub sweep_interval: Duration,
}

/// Registers every invariant for the rest of the run. Must be called from within a
/// simulation.
pub fn register(probe: &Probe) {
    let p = probe.clone();
    rt::invariant(always(VISIBLE_WHILE_RUNNING, move |_| {
        visible_while_running(&p)
    }));
    rt::invariant(Stateful::new(
        NO_ZOMBIE_ACTIONS,
        probe,
        zombies_step,
        zombies_end,
    ));
    let p = probe.clone();
    rt::invariant(always(ACTIVE_BOUNDED_BY_TASKS, move |_| active_bounded(&p)));
    rt::invariant(Stateful::new(
        FAILURES_CONSERVED,
        probe,
        failures_step,
        failures_end,
    ));
    rt::invariant(Stateful::new(
        METADATA_VALID,
        probe,
        metadata_step,
        metadata_end,
    ));
    rt::invariant(Stateful::new(RETRY_POLICY, probe, retry_step, retry_step));
    let p = probe.clone();
    rt::invariant(always(HISTORY_WITHIN_RETENTION, move |now| {
        retention(&p, now)
    }));
}

type Check<S> = fn(&Probe, &mut S, Instant) -> Result<(), String>;

/// An invariant with its own memory (a cursor into the ledger, what it learnt so far).
struct Stateful<S> {
    name: &'static str,
    probe: Probe,
    state: S,
    step: Check<S>,
    end: Check<S>,
}

impl<S: Default + 'static> Stateful<S> {
    fn new(name: &'static str, probe: &Probe, step: Check<S>, end: Check<S>) -> Stateful<S> {
        Stateful {
            name,
            probe: probe.clone(),
            state: S::default(),
            step,
            end,
        }
    }
}

impl<S: 'static> Invariant for Stateful<S> {
    fn name(&self) -> &str {
        self.name
    }
    fn check_step(&mut self, now: Instant) -> Result<(), String> {
        (self.step)(&self.probe, &mut self.state, now)
    }
    fn check_end(&mut self, now: Instant) -> Result<(), String> {
        (self.end)(&self.probe, &mut self.state, now)
    }
}

/// The events recorded since `cursor`, moving the cursor past them.
fn new_events<'a>(ledger: &'a Ledger, cursor: &mut usize) -> &'a [LedgerEvent] {
    let events = &ledger.events()[*cursor..];
    *cursor = ledger.events().len();
    events
}

/// Invariant 1.
fn visible_while_running(probe: &Probe) -> Result<(), String> {
    probe.tracker.with_live(|live| {
        probe.tracker.with_contexts(|contexts| {
            for (key, task) in live {
                let shown = contexts
                    .get(&key.session)
                    .and_then(|c| c.active_actions().get(&key.action));
                match shown {
                    Some(info)
                        if info.status == ActionStatus::Running
                            && info.task_id == Some(task.task_id) => {}
                    Some(info) => {
                        return Err(format!(
                            "action {key} (task {}) is running, but its session's context shows it {} (task {:?})",
                            task.task_id, info.status, info.task_id
                        ))
                    }
                    None => {
                        return Err(format!(
                            "action {key} (task {}) is running, but its session's context does not show it",
                            task.task_id
                        ))
                    }
                }
            }
            Ok(())
        })
    })
}

/// What invariant 2 remembers.
#[derive(Default)]
struct Zombies {
    cursor: usize,
    started: BTreeSet<ActionKey>,
    terminal: BTreeMap<ActionKey, (ActionStatus, Instant)>,
}

/// The bound on how long after its start `key` may still be live or active.
fn deadline_of(probe: &Probe, ledger: &Ledger, key: &ActionKey) -> Option<Instant> {
    let timeout = ledger.request(key)?.options.timeout;
    Some(ledger.started_at(key)? + timeout + probe.grace)
}

/// Invariant 2, after every step.
fn zombies_step(probe: &Probe, st: &mut Zombies, now: Instant) -> Result<(), String> {
    let ledger = lock(&probe.ledger);
    for event in new_events(&ledger, &mut st.cursor) {
        match event {
            LedgerEvent::Started(info) => {
                st.started.insert(ActionKey::of(info));
            }
            LedgerEvent::Finished(info) => record_terminal(probe, &ledger, st, info)?,
            LedgerEvent::AttemptBegan { key, attempt, .. } => {
                if let Some((status, at)) = st.terminal.get(key) {
                    return Err(format!(
                        "attempt {attempt} of {key} began after its terminal status {status} at {at}"
                    ));
                }
            }
            _ => {}
        }
    }
    probe.tracker.with_live(|live| {
        for key in live.keys() {
            if deadline_of(probe, &ledger, key).is_some_and(|d| now > d) {
                return Err(overdue(&ledger, key, now, "its task is still alive"));
            }
        }
        probe.tracker.with_contexts(|contexts| {
            for (key, info) in active_entries(contexts) {
                let task_alive = live.get(&key).map(|t| Some(t.task_id)) == Some(info.task_id);
                if info.status == ActionStatus::Running && !task_alive {
                    let known = st
                        .terminal
                        .get(&key)
                        .map(|(s, at)| format!(" ({s} at {at})"));
                    return Err(format!(
                        "action {key} shows running in its context, but its task ended{}",
                        known.unwrap_or_default()
                    ));
                }
                if deadline_of(probe, &ledger, &key).is_some_and(|d| now > d) {
                    return Err(overdue(&ledger, &key, now, "it is still in the active set"));
                }
            }
            Ok(())
        })
    })
}

fn record_terminal(
    probe: &Probe,
    ledger: &Ledger,
    st: &mut Zombies,
    info: &ActionInfo,
) -> Result<(), String> {
    let key = ActionKey::of(info);
    let at = info.finished_at.unwrap_or(info.started_at);
    if let Some((first, first_at)) = st.terminal.get(&key) {
        return Err(format!(
            "action {key} reached a second terminal status: {first} at {first_at}, then {} at {at}",
            info.status
        ));
    }
    st.terminal.insert(key.clone(), (info.status, at));
    if info.task_id.is_some() && deadline_of(probe, ledger, &key).is_some_and(|d| at > d) {
        return Err(overdue(
            ledger,
            &key,
            at,
            "it only now reached its terminal status",
        ));
    }
    Ok(())
}

fn overdue(ledger: &Ledger, key: &ActionKey, now: Instant, what: &str) -> String {
    let started = ledger.started_at(key).unwrap_or_default();
    let timeout = ledger.request(key).map(|r| r.options.timeout.as_millis());
    format!(
        "action {key} started at {started} with a timeout of {} ms; {} ms later {what}",
        timeout.unwrap_or_default(),
        (now - started).as_millis()
    )
}

fn active_entries(
    contexts: &BTreeMap<String, crate::ConversationContext>,
) -> impl Iterator<Item = (ActionKey, &ActionInfo)> {
    contexts.iter().flat_map(|(session, ctx)| {
        ctx.active_actions()
            .iter()
            .map(move |(action, info)| (ActionKey::new(session, action), info))
    })
}

/// Invariant 2, at the end: the step checks, then nothing left open.
fn zombies_end(probe: &Probe, st: &mut Zombies, now: Instant) -> Result<(), String> {
    zombies_step(probe, st, now)?;
    if let Some(key) = st.started.iter().find(|k| !st.terminal.contains_key(k)) {
        return Err(format!("action {key} never reached a terminal status"));
    }
    if let Some(key) = probe.tracker.with_live(|live| live.keys().next().cloned()) {
        return Err(format!("action {key}'s task is alive at the end"));
    }
    probe
        .tracker
        .with_contexts(|contexts| match active_entries(contexts).next() {
            Some((key, info)) => Err(format!(
                "action {key} is still in the active set ({}) at the end",
                info.status
            )),
            None => Ok(()),
        })
}

/// Invariant 3.
fn active_bounded(probe: &Probe) -> Result<(), String> {
    probe.tracker.with_live(|live| {
        let mut live_per_session: BTreeMap<&str, usize> = BTreeMap::new();
        for key in live.keys() {
            *live_per_session.entry(&key.session).or_default() += 1;
        }
        probe.tracker.with_contexts(|contexts| {
            for (session, ctx) in contexts {
                let active = ctx.active_actions().len();
                let alive = live_per_session.get(session.as_str()).copied().unwrap_or(0);
                if active > alive {
                    let names: Vec<String> = ctx
                        .active_actions()
                        .values()
                        .map(|i| format!("{} ({})", i.action, i.status))
                        .collect();
                    return Err(format!(
                        "session {session} holds {active} active actions but has {alive} live action tasks: {}",
                        names.join(", ")
                    ));
                }
            }
            Ok(())
        })
    })
}

/// What invariant 4 remembers.
#[derive(Default)]
struct Failures {
    cursor: usize,
    /// Each action's latest attempt and, once it returned, its result.
    last_attempt: BTreeMap<ActionKey, (u32, Option<Result<(), ErrorKind>>)>,
    failed_per_domain: BTreeMap<String, u64>,
    critical: BTreeSet<ActionKey>,
    notified: BTreeMap<ActionKey, usize>,
}

/// Invariant 4, after every step.
fn failures_step(probe: &Probe, st: &mut Failures, _now: Instant) -> Result<(), String> {
    let ledger = lock(&probe.ledger);
    for event in new_events(&ledger, &mut st.cursor) {
        match event {
            LedgerEvent::AttemptBegan { key, attempt, .. } => {
                st.last_attempt.insert(key.clone(), (*attempt, None));
            }
            LedgerEvent::AttemptEnded {
                key,
                attempt,
                result,
                ..
            } => {
                st.last_attempt
                    .insert(key.clone(), (*attempt, Some(*result)));
            }
            LedgerEvent::Finished(info) => check_failure_recorded(&ledger, st, info)?,
            LedgerEvent::Notified(n) => {
                *st.notified
                    .entry(ActionKey::new(&n.session, &n.action))
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    drop(ledger);
    let metrics = probe.tracker.metrics();
    let mut live_per_domain: BTreeMap<String, u64> = BTreeMap::new();
    probe.tracker.with_live(|live| {
        for task in live.values() {
            *live_per_domain.entry(task.domain.clone()).or_default() += 1;
        }
    });
    let domains: BTreeSet<&String> = metrics
        .keys()
        .chain(live_per_domain.keys())
        .chain(st.failed_per_domain.keys())
        .collect();
    for domain in domains {
        let m = metrics.get(domain).copied().unwrap_or_default();
        let running = live_per_domain.get(domain).copied().unwrap_or(0);
        if m.started != m.finished() + running {
            return Err(format!(
                "domain {domain}: started {} != completed {} + failed {} + cancelled {} + timed out {} + running {running}",
                m.started, m.completed, m.failed, m.cancelled, m.timed_out
            ));
        }
        let recorded = st.failed_per_domain.get(domain).copied().unwrap_or(0);
        if m.failed != recorded {
            return Err(format!(
                "domain {domain} counts {} failures, but {recorded} actions were recorded failed",
                m.failed
            ));
        }
    }
    Ok(())
}

/// An action's terminal status against its last attempt's result.
fn check_failure_recorded(
    ledger: &Ledger,
    st: &mut Failures,
    info: &ActionInfo,
) -> Result<(), String> {
    let key = ActionKey::of(info);
    let options = ledger.request(&key).map(|r| r.options.clone());
    if info.status == ActionStatus::Failed {
        *st.failed_per_domain.entry(info.domain.clone()).or_default() += 1;
        let critical = options.as_ref().is_some_and(|o| o.critical)
            || info.error_kind.is_some_and(ErrorKind::is_critical);
        if critical {
            st.critical.insert(key.clone());
        }
    }
    let (Some(options), Some((attempt, Some(result)))) = (options, st.last_attempt.get(&key))
    else {
        return Ok(());
    };
    match result {
        Err(kind) if !options.retry.should_retry(*kind, *attempt) => match info.status {
            ActionStatus::Failed if info.error_kind == Some(*kind) => Ok(()),
            ActionStatus::Cancelled | ActionStatus::TimedOut => Ok(()),
            status => Err(format!(
                "action {key}'s attempt {attempt} failed for good ({kind}), but it was recorded {status} (kind {:?}): the failure was lost",
                info.error_kind
            )),
        },
        Ok(()) if info.status == ActionStatus::Failed => Err(format!(
            "action {key}'s attempt {attempt} succeeded, but it was recorded failed"
        )),
        _ => Ok(()),
    }
}

/// Invariant 4, at the end: the step checks, then one notification per critical failure.
fn failures_end(probe: &Probe, st: &mut Failures, now: Instant) -> Result<(), String> {
    failures_step(probe, st, now)?;
    if let Some(key) = st.critical.iter().find(|k| !st.notified.contains_key(k)) {
        return Err(format!("critical failure of {key} raised no notification"));
    }
    match st
        .notified
        .iter()
        .find(|(k, n)| **n != 1 || !st.critical.contains(k))
    {
        Some((key, n)) => Err(format!(
            "{n} notifications for {key}, which had {} critical failure",
            usize::from(st.critical.contains(key))
        )),
        None => Ok(()),
    }
}

/// What invariant 5 remembers.
#[derive(Default)]
struct Metadata {
    cursor: usize,
}

/// Invariant 5, after every step: every new metadata.
fn metadata_step(probe: &Probe, st: &mut Metadata, _now: Instant) -> Result<(), String> {
    let ledger = lock(&probe.ledger);
    for event in new_events(&ledger, &mut st.cursor) {
        if let LedgerEvent::Metadata(metadata) = event {
            if let Err(e) = metadata.validate() {
                let names: Vec<&String> = metadata
                    .active_actions
                    .keys()
                    .chain(metadata.recent_actions.iter().map(|i| &i.action))
                    .collect();
                return Err(format!(
                    "metadata returned for {names:?} breaks the unified schema: {e}"
                ));
            }
        }
    }
    Ok(())
}

/// Invariant 5, at the end: the step check, then every context's entries.
fn metadata_end(probe: &Probe, st: &mut Metadata, now: Instant) -> Result<(), String> {
    metadata_step(probe, st, now)?;
    probe.tracker.with_contexts(|contexts| {
        for ctx in contexts.values() {
            let entries = ctx.active_actions().iter();
            let history = ctx.recent_actions().iter().map(|i| (&i.action, i));
            for (name, info) in entries.chain(history) {
                validate_info(name, info)
                    .map_err(|rule| format!("session {}: action {name}: {rule}", ctx.session()))?;
            }
        }
        Ok(())
    })
}

/// What invariant 6 remembers of an action.
#[derive(Default)]
struct AttemptTrack {
    last: u32,
    last_end: Option<(Instant, Result<(), ErrorKind>)>,
    last_delay: Option<Duration>,
}

/// What invariant 6 remembers.
#[derive(Default)]
struct Retries {
    cursor: usize,
    actions: BTreeMap<ActionKey, AttemptTrack>,
}

/// Invariant 6: every new attempt against the one before it.
fn retry_step(probe: &Probe, st: &mut Retries, _now: Instant) -> Result<(), String> {
    let ledger = lock(&probe.ledger);
    for event in new_events(&ledger, &mut st.cursor) {
        match event {
            LedgerEvent::AttemptBegan { key, attempt, at } => {
                let Some(request) = ledger.request(key) else {
                    continue;
                };
                let track = st.actions.entry(key.clone()).or_default();
                check_attempt(&request.options.retry, key, *attempt, *at, track)?;
            }
            LedgerEvent::AttemptEnded {
                key, at, result, ..
            } => {
                st.actions.entry(key.clone()).or_default().last_end = Some((*at, *result));
            }
            LedgerEvent::Finished(info) if info.status == ActionStatus::Failed => {
                let key = ActionKey::of(info);
                let (Some(track), Some(request)) = (st.actions.get(&key), ledger.request(&key))
                else {
                    continue;
                };
                let max = request.options.retry.max_attempts;
                if let Some((_, Err(kind))) = track.last_end {
                    if kind.is_transient() && track.last < max {
                        return Err(format!(
                            "action {key} failed with a transient {kind} error on attempt {} of {max}, and was not retried",
                            track.last
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_attempt(
    policy: &crate::RetryPolicy,
    key: &ActionKey,
    attempt: u32,
    at: Instant,
    track: &mut AttemptTrack,
) -> Result<(), String> {
    if attempt > policy.max_attempts {
        return Err(format!(
            "attempt {attempt} of {key} exceeds max_attempts {}",
            policy.max_attempts
        ));
    }
    let previous = track.last_end.take();
    track.last = attempt;
    // A retry of an attempt that crashed (no result) has nothing to check against.
    let Some((ended, result)) = previous.filter(|_| attempt > 1) else {
        return Ok(());
    };
    let kind = match result {
        Ok(()) => return Err(format!("{key} made attempt {attempt} after a success")),
        Err(kind) if !kind.is_transient() => {
            return Err(format!(
                "{key} retried (attempt {attempt}) after a permanent {kind} failure"
            ))
        }
        Err(kind) => kind,
    };
    let delay = at - ended;
    let (shortest, longest) = policy.backoff_bounds(attempt - 1);
    if delay + BACKOFF_TOLERANCE < shortest || delay > longest + BACKOFF_TOLERANCE {
        return Err(format!(
            "{key} retried a {kind} failure after {} ms; the policy allows {}..={} ms",
            delay.as_millis(),
            shortest.as_millis(),
            longest.as_millis()
        ));
    }
    if track.last_delay.is_some_and(|d| delay < d) {
        return Err(format!(
            "{key}'s retry delays shrink: {} ms after {} ms",
            delay.as_millis(),
            track.last_delay.unwrap_or_default().as_millis()
        ));
    }
    track.last_delay = Some(delay);
    Ok(())
}

/// Invariant 7.
fn retention(probe: &Probe, now: Instant) -> Result<(), String> {
    let policy = probe.tracker.contexts().retention().clone();
    probe.tracker.with_contexts(|contexts| {
        for (session, ctx) in contexts {
            let kept = ctx.recent_actions().len();
            if kept > policy.max_count {
                return Err(format!(
                    "session {session} keeps {kept} finished actions, max_count is {}",
                    policy.max_count
                ));
            }
            let Some(oldest) = ctx.recent_actions().front() else {
                continue;
            };
            let age = now - oldest.finished_at.unwrap_or(oldest.started_at);
            if age > policy.max_age + probe.sweep_interval {
                return Err(format!(
                    "session {session} keeps {}, finished {} ms ago: max_age {} ms, swept every {} ms",
                    oldest.action,
                    age.as_millis(),
                    policy.max_age.as_millis(),
                    probe.sweep_interval.as_millis()
                ));
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::RetentionPolicy;
    use crate::manager::ContextManager;
    use crate::metadata::ActionMetadata;
    use crate::options::{ActionOptions, RetryPolicy};
    use crate::supervisor::LiveGuard;
    use crate::tracker::{ActionEvent, ActionRequest};

    fn probe(retention: RetentionPolicy) -> Probe {
        Probe {
            tracker: ActionTracker::new(ContextManager::new(retention)),
            ledger: Arc::new(Mutex::new(Ledger::default())),
            grace: Duration::from_millis(100),
            sweep_interval: Duration::from_millis(100),
        }
    }

    fn info(action: &str, status: ActionStatus, task_id: u64) -> ActionInfo {
        ActionInfo {
            handler: "TimerHandler".into(),
            action: action.into(),
            domain: "timer".into(),
            session: "s".into(),
            started_at: Instant::ZERO,
            task_id: Some(task_id),
            status,
            attempts: 1,
            error_kind: (status == ActionStatus::Failed).then_some(ErrorKind::Network),
            error_message: (status == ActionStatus::Failed).then(|| "reset".to_string()),
            finished_at: status.is_terminal().then_some(Instant::from_millis(5)),
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            factor: 2.0,
            jitter: 0.5,
        }
    }

    #[test]
    fn a_live_task_missing_from_its_context_is_invisible() {
        let p = probe(RetentionPolicy::default());
        assert_eq!(visible_while_running(&p), Ok(()));
        let guard = LiveGuard::enter(p.tracker.clone(), ActionKey::new("s", "a"), 7, "timer");
        assert!(visible_while_running(&p)
            .unwrap_err()
            .contains("does not show it"));
        p.tracker
            .contexts()
            .add_active_action(info("a", ActionStatus::Running, 7));
        assert_eq!(visible_while_running(&p), Ok(()));
        assert_eq!(active_bounded(&p), Ok(()));
        drop(guard);
        assert!(active_bounded(&p)
            .unwrap_err()
            .contains("0 live action tasks"));
        let err = zombies_step(&p, &mut Zombies::default(), Instant::ZERO).unwrap_err();
        assert!(
            err.contains("shows running in its context, but its task ended"),
            "{err}"
        );
    }

    #[test]
    fn a_second_terminal_status_and_an_overdue_action_are_zombies() {
        let p = probe(RetentionPolicy::default());
        let request = ActionRequest {
            session: "s".into(),
            handler: "TimerHandler".into(),
            action: "a".into(),
            domain: "timer".into(),
            options: ActionOptions {
                timeout: Duration::from_millis(1_000),
                ..ActionOptions::default()
            },
        };
        let mut st = Zombies::default();
        {
            let mut ledger = lock(&p.ledger);
            ledger.requested(&request);
            ledger.observe(&ActionEvent::Started(info("a", ActionStatus::Running, 1)));
        }
        p.tracker
            .contexts()
            .add_active_action(info("a", ActionStatus::Completed, 1));
        assert_eq!(
            zombies_step(&p, &mut st, Instant::from_millis(1_100)),
            Ok(())
        );
        let err = zombies_step(&p, &mut st, Instant::from_millis(1_101)).unwrap_err();
        assert!(err.contains("still in the active set"), "{err}");
        let mut st = Zombies::default();
        let done = ActionEvent::Finished(info("a", ActionStatus::Completed, 1));
        lock(&p.ledger).observe(&done);
        lock(&p.ledger).observe(&done);
        let err = zombies_step(&p, &mut st, Instant::ZERO).unwrap_err();
        assert!(err.contains("second terminal status"), "{err}");
    }

    #[test]
    fn a_lost_failure_and_an_unbalanced_count_break_conservation() {
        let p = probe(RetentionPolicy::default());
        let mut st = Failures::default();
        {
            let mut ledger = lock(&p.ledger);
            ledger.requested(&ActionRequest {
                session: "s".into(),
                handler: "TimerHandler".into(),
                action: "a".into(),
                domain: "timer".into(),
                options: ActionOptions::default(),
            });
            let key = ActionKey::new("s", "a");
            ledger.attempt_began(&key, 1, Instant::ZERO);
            ledger.attempt_ended(&key, 1, Instant::ZERO, Err(ErrorKind::Permission));
            ledger.observe(&ActionEvent::Finished(info(
                "a",
                ActionStatus::Completed,
                1,
            )));
        }
        let err = failures_step(&p, &mut st, Instant::ZERO).unwrap_err();
        assert!(err.contains("the failure was lost"), "{err}");
        let mut st = Failures {
            cursor: lock(&p.ledger).events().len(),
            ..Failures::default()
        };
        st.failed_per_domain.insert("timer".into(), 1);
        let err = failures_step(&p, &mut st, Instant::ZERO).unwrap_err();
        assert!(err.contains("counts 0 failures, but 1"), "{err}");
    }

    #[test]
    fn legacy_metadata_breaks_the_schema() {
        let p = probe(RetentionPolicy::default());
        let mut st = Metadata::default();
        lock(&p.ledger).metadata(ActionMetadata::single(info("a", ActionStatus::Running, 1)));
        assert_eq!(metadata_step(&p, &mut st, Instant::ZERO), Ok(()));
        lock(&p.ledger).metadata(ActionMetadata {
            active_actions: BTreeMap::new(),
            recent_actions: vec![info("b", ActionStatus::Failed, 2)],
        });
        let err = metadata_step(&p, &mut st, Instant::ZERO).unwrap_err();
        assert!(err.contains("recent_actions"), "{err}");
    }

    #[test]
    fn the_retry_oracle_accepts_the_policy_and_rejects_the_rest() {
        let key = ActionKey::new("s", "a");
        let at = Instant::from_millis;
        let mut good = AttemptTrack::default();
        assert_eq!(check_attempt(&policy(), &key, 1, at(0), &mut good), Ok(()));
        good.last_end = Some((at(10), Err(ErrorKind::Network)));
        assert_eq!(
            check_attempt(&policy(), &key, 2, at(130), &mut good),
            Ok(())
        );
        good.last_end = Some((at(140), Err(ErrorKind::Timeout)));
        assert_eq!(
            check_attempt(&policy(), &key, 3, at(390), &mut good),
            Ok(())
        );
        assert!(check_attempt(&policy(), &key, 4, at(900), &mut good).is_err());

        let mut permanent = AttemptTrack {
            last: 1,
            last_end: Some((at(10), Err(ErrorKind::Permission))),
            last_delay: None,
        };
        let err = check_attempt(&policy(), &key, 2, at(150), &mut permanent).unwrap_err();
        assert!(err.contains("permanent permission"), "{err}");
        let mut hasty = AttemptTrack {
            last: 1,
            last_end: Some((at(10), Err(ErrorKind::Network))),
            last_delay: None,
        };
        let err = check_attempt(&policy(), &key, 2, at(60), &mut hasty).unwrap_err();
        assert!(err.contains("allows 100..=150 ms"), "{err}");
    }

    #[test]
    fn history_beyond_its_age_fails_retention() {
        let retention = RetentionPolicy {
            max_count: 5,
            max_age: Duration::from_millis(1_000),
        };
        let p = probe(retention.clone());
        p.tracker.contexts().with_context("s", |ctx| {
            ctx.record_finished(
                info("a", ActionStatus::Completed, 1),
                &retention,
                Instant::ZERO,
            );
        });
        assert_eq!(retention_check(&p, Instant::from_millis(1_105)), Ok(()));
        let err = retention_check(&p, Instant::from_millis(1_106)).unwrap_err();
        assert!(err.contains("max_age 1000 ms"), "{err}");
    }

    fn retention_check(p: &Probe, now: Instant) -> Result<(), String> {
        retention(p, now)
    }
}
