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
//! 8. `nothing-live-after-shutdown`: when `shutdown` returns, no action task and no attempt
//!    is left: neither in the live table nor among the attempt functions begun and not yet
//!    dropped (their own count). Critical failures recorded after shutdown began need no
//!    notification (invariant 4): shutdown ends the notifications.
//!
//! Code map: this module holds the list of names (defined in [`defect`](crate::defect),
//! whose catalogue cites them), the [`Probe`], registration and invariant 7;
//! `lifecycle` holds 1 to 3, `accounting` 4 and 5, `retries` 6.

mod accounting;
mod lifecycle;
mod retries;
#[cfg(test)]
mod tests;

use crate::ledger::{Ledger, LedgerEvent};
use crate::tracker::ActionTracker;
use asynclife_sim::check::{always, Invariant};
use asynclife_sim::{rt, Instant};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::defect::{
    ACTIVE_BOUNDED_BY_TASKS, FAILURES_CONSERVED, HISTORY_WITHIN_RETENTION, METADATA_VALID,
    NOTHING_LIVE_AFTER_SHUTDOWN, NO_ZOMBIE_ACTIONS, RETRY_POLICY, VISIBLE_WHILE_RUNNING,
};

/// Every invariant's name, in the numbered order.
pub const ALL: [&str; 8] = [
    VISIBLE_WHILE_RUNNING,
    NO_ZOMBIE_ACTIONS,
    ACTIVE_BOUNDED_BY_TASKS,
    FAILURES_CONSERVED,
    METADATA_VALID,
    RETRY_POLICY,
    HISTORY_WITHIN_RETENTION,
    NOTHING_LIVE_AFTER_SHUTDOWN,
];

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
    rt::invariant(always(
        VISIBLE_WHILE_RUNNING,
        on_change(probe, |p, _| {
            lifecycle::visible_while_running(p).map(|()| None)
        }),
    ));
    rt::invariant(Stateful::new(
        NO_ZOMBIE_ACTIONS,
        probe,
        lifecycle::zombies_step,
        lifecycle::zombies_end,
    ));
    rt::invariant(always(
        ACTIVE_BOUNDED_BY_TASKS,
        on_change(probe, |p, _| lifecycle::active_bounded(p).map(|()| None)),
    ));
    rt::invariant(Stateful::new(
        FAILURES_CONSERVED,
        probe,
        accounting::failures_step,
        accounting::failures_end,
    ));
    rt::invariant(Stateful::new(
        METADATA_VALID,
        probe,
        accounting::metadata_step,
        accounting::metadata_end,
    ));
    rt::invariant(Stateful::new(
        RETRY_POLICY,
        probe,
        retries::retry_step,
        retries::retry_step,
    ));
    rt::invariant(always(
        HISTORY_WITHIN_RETENTION,
        on_change(probe, retention),
    ));
    rt::invariant(always(
        NOTHING_LIVE_AFTER_SHUTDOWN,
        nothing_live_after_shutdown(probe),
    ));
}

/// Invariant 8: each `shutdown` return the ledger has not looked at yet.
fn nothing_live_after_shutdown(probe: &Probe) -> impl FnMut(Instant) -> Result<(), String> {
    let ledger = probe.ledger.clone();
    let mut cursor = 0;
    move |_| {
        let ledger = crate::lock::lock(&ledger);
        for event in &ledger.events()[cursor..] {
            if let LedgerEvent::ShutdownReturned {
                at,
                attempts_alive,
                live_tasks,
            } = event
            {
                if *attempts_alive > 0 || *live_tasks > 0 {
                    return Err(format!(
                        "shutdown returned at {at} with {live_tasks} action task(s) and \
                         {attempts_alive} attempt(s) still alive"
                    ));
                }
            }
        }
        cursor = ledger.events().len();
        Ok(())
    }
}

/// A check of the tracker's state alone (and of the time): it returns, when it passes, the
/// instant after which it could fail with nothing else changed (`None`: never).
type TrackerCheck = fn(&Probe, Instant) -> Result<Option<Instant>, String>;

/// Runs `check` after a step only if the tracker changed since its last clean run, or that
/// run's instant passed: otherwise it would find what that run found. Debug builds (the
/// tests) run it anyway, and fail if skipping it would have hidden a failure.
fn on_change(probe: &Probe, check: TrackerCheck) -> impl FnMut(Instant) -> Result<(), String> {
    let probe = probe.clone();
    let mut clean = Clean::default();
    move |now| {
        let changes = probe.tracker.changes();
        if clean.holds(changes, now) {
            debug_assert_eq!(check(&probe, now).err(), None);
            return Ok(());
        }
        clean.mark(changes, check(&probe, now)?);
        Ok(())
    }
}

/// When a check last came out clean: the tracker's write count then, and the instant after
/// which it could fail with nothing else changed (`None`: never). While both hold, checking
/// again would find the same.
#[derive(Clone, Copy, Default)]
pub(super) struct Clean(Option<(u64, Option<Instant>)>);

impl Clean {
    /// Whether the last clean result still stands: the tracker has the same write count,
    /// and `now` is not past the instant.
    pub(super) fn holds(&self, changes: u64, now: Instant) -> bool {
        self.0.is_some_and(|(clean, until)| {
            clean == changes && until.is_none_or(|until| now <= until)
        })
    }

    /// Records a clean result.
    pub(super) fn mark(&mut self, changes: u64, until: Option<Instant>) {
        self.0 = Some((changes, until));
    }
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
pub(super) fn new_events<'a>(ledger: &'a Ledger, cursor: &mut usize) -> &'a [LedgerEvent] {
    let events = &ledger.events()[*cursor..];
    *cursor = ledger.events().len();
    events
}

/// Invariant 7. Passing, it returns when the oldest kept entry becomes too old.
fn retention(probe: &Probe, now: Instant) -> Result<Option<Instant>, String> {
    let policy = probe.tracker.contexts().retention().clone();
    let bound = policy.max_age + probe.sweep_interval;
    let mut earliest: Option<Instant> = None;
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
            let finished = oldest.finished_at.unwrap_or(oldest.started_at);
            let too_old_after = finished + bound;
            earliest = Some(earliest.map_or(too_old_after, |e| e.min(too_old_after)));
            let age = now - finished;
            if age > bound {
                return Err(format!(
                    "session {session} keeps {}, finished {} ms ago: max_age {} ms, swept every {} ms",
                    oldest.action,
                    age.as_millis(),
                    policy.max_age.as_millis(),
                    probe.sweep_interval.as_millis()
                ));
            }
        }
        Ok(earliest)
    })
}
