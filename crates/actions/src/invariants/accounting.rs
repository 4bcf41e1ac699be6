//! Invariants 4 and 5: every failure is recorded exactly once (and critical ones notified),
//! and metadata keeps to the unified schema.

use super::{new_events, Clean, Probe};
use crate::error::ErrorKind;
use crate::ledger::{Ledger, LedgerEvent};
use crate::lock::lock;
use crate::metadata::{validate_info, ActionInfo, ActionStatus};
use crate::metrics::Metrics;
use crate::tracker::{ActionKey, LiveTask};
use asynclife_sim::Instant;
use std::collections::{BTreeMap, BTreeSet};

/// What invariant 4 remembers.
#[derive(Default)]
pub(super) struct Failures {
    pub(super) cursor: usize,
    /// Each action's latest attempt and, once it returned, its result.
    pub(super) last_attempt: BTreeMap<ActionKey, (u32, Option<Result<(), ErrorKind>>)>,
    pub(super) failed_per_domain: BTreeMap<String, u64>,
    pub(super) critical: BTreeSet<ActionKey>,
    pub(super) notified: BTreeMap<ActionKey, usize>,
    /// Shutdown began (it ends the notifications): later critical failures raise none.
    pub(super) shut_down: bool,
    /// The last clean count (it does not depend on time; it also needs the ledger not to
    /// have grown).
    pub(super) clean: Clean,
}

/// Invariant 4, after every step.
pub(super) fn failures_step(probe: &Probe, st: &mut Failures, now: Instant) -> Result<(), String> {
    let ledger = lock(&probe.ledger);
    let cursor = st.cursor;
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
            LedgerEvent::ShutdownBegan(_) => st.shut_down = true,
            LedgerEvent::Notified(n) => {
                *st.notified
                    .entry(ActionKey::new(&n.session, &n.action))
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    drop(ledger);
    let changes = probe.tracker.changes();
    if st.cursor == cursor && st.clean.holds(changes, now) {
        debug_assert_eq!(count_per_domain(probe, st).err(), None);
        return Ok(());
    }
    count_per_domain(probe, st)?;
    st.clean.mark(changes, None);
    Ok(())
}

/// Per domain: started = finished + running, and the failed counter against the failures
/// recorded.
fn count_per_domain(probe: &Probe, st: &Failures) -> Result<(), String> {
    probe
        .tracker
        .with_metrics(|metrics| probe.tracker.with_live(|live| count(metrics, live, st)))
}

fn count(
    metrics: &Metrics,
    live: &BTreeMap<ActionKey, LiveTask>,
    st: &Failures,
) -> Result<(), String> {
    let mut live_per_domain: BTreeMap<&str, u64> = BTreeMap::new();
    // A cancelled task that has not stopped yet is counted cancelled already.
    for task in live.values().filter(|t| !t.stopping) {
        *live_per_domain.entry(&task.domain).or_default() += 1;
    }
    let domains: BTreeSet<&str> = metrics
        .keys()
        .map(String::as_str)
        .chain(live_per_domain.keys().copied())
        .chain(st.failed_per_domain.keys().map(String::as_str))
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
        if critical && !st.shut_down {
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
pub(super) fn failures_end(probe: &Probe, st: &mut Failures, now: Instant) -> Result<(), String> {
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
pub(super) struct Metadata {
    pub(super) cursor: usize,
}

/// Invariant 5, after every step: every new metadata.
pub(super) fn metadata_step(probe: &Probe, st: &mut Metadata, _now: Instant) -> Result<(), String> {
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
pub(super) fn metadata_end(probe: &Probe, st: &mut Metadata, now: Instant) -> Result<(), String> {
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
