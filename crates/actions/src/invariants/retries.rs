//! Invariant 6: the retry oracle. Permanent errors are never retried; transient ones are,
//! while attempts remain, after delays within the policy's growing backoff bounds.

use super::{new_events, Probe};
use crate::error::ErrorKind;
use crate::ledger::LedgerEvent;
use crate::lock::lock;
use crate::metadata::ActionStatus;
use crate::options::RetryPolicy;
use crate::tracker::ActionKey;
use asynclife_sim::Instant;
use std::collections::BTreeMap;
use std::time::Duration;

/// Timing tolerance of the retry oracle: backoff delays are rounded to nanoseconds.
const BACKOFF_TOLERANCE: Duration = Duration::from_millis(1);

/// What invariant 6 remembers of an action.
#[derive(Default)]
pub(super) struct AttemptTrack {
    pub(super) last: u32,
    pub(super) last_end: Option<(Instant, Result<(), ErrorKind>)>,
    pub(super) last_delay: Option<Duration>,
}

/// What invariant 6 remembers.
#[derive(Default)]
pub(super) struct Retries {
    pub(super) cursor: usize,
    pub(super) actions: BTreeMap<ActionKey, AttemptTrack>,
}

/// Invariant 6: every new attempt against the one before it.
pub(super) fn retry_step(probe: &Probe, st: &mut Retries, _now: Instant) -> Result<(), String> {
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

pub(super) fn check_attempt(
    policy: &RetryPolicy,
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
