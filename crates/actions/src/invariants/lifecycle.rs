//! Invariants 1 to 3: what is running shows as running, every action ends exactly once and
//! in time, and the active set never outgrows the live tasks.

use super::{new_events, Clean, Probe};
use crate::ledger::{Ledger, LedgerEvent};
use crate::lock::lock;
use crate::metadata::{ActionInfo, ActionStatus};
use crate::tracker::ActionKey;
use crate::ConversationContext;
use asynclife_sim::Instant;
use std::cmp::Ordering;
use std::collections::{btree_map, BTreeMap, BTreeSet};
use std::iter::Peekable;

/// Invariant 1.
pub(super) fn visible_while_running(probe: &Probe) -> Result<(), String> {
    probe.tracker.with_live(|live| {
        probe.tracker.with_contexts(|contexts| {
            for (key, task) in live.iter().filter(|(_, t)| !t.stopping) {
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
pub(super) struct Zombies {
    pub(super) cursor: usize,
    pub(super) started: BTreeSet<ActionKey>,
    pub(super) terminal: BTreeMap<ActionKey, (ActionStatus, Instant)>,
    /// The last clean scan, until the earliest deadline it saw (a scan also needs the
    /// ledger not to have grown).
    pub(super) clean: Clean,
    /// [`deadline_of`] every key the ledger has a request and a start for, kept current from
    /// its events, in key order: the scan merges it with the live table and the contexts
    /// rather than looking each key up twice.
    pub(super) deadlines: BTreeMap<ActionKey, Instant>,
}

/// The bound on how long after its start `key` may still be live or active.
fn deadline_of(probe: &Probe, ledger: &Ledger, key: &ActionKey) -> Option<Instant> {
    let timeout = ledger.request(key)?.options.timeout;
    Some(ledger.started_at(key)? + timeout + probe.grace)
}

/// Brings `key`'s entry in the deadline cache up to date with the ledger.
fn refresh_deadline(probe: &Probe, ledger: &Ledger, st: &mut Zombies, key: &ActionKey) {
    match deadline_of(probe, ledger, key) {
        Some(deadline) => st.deadlines.insert(key.clone(), deadline),
        None => st.deadlines.remove(key),
    };
}

/// Moves `entries`, in key order, up to `(session, action)`, and returns the entry of that key
/// if there is one (left in place: the next key sought is larger).
fn seek<'a, V>(
    entries: &mut Peekable<btree_map::Iter<'a, ActionKey, V>>,
    session: &str,
    action: &str,
) -> Option<&'a V> {
    while let Some((key, value)) = entries.peek() {
        match (key.session.as_str(), key.action.as_str()).cmp(&(session, action)) {
            Ordering::Less => {
                entries.next();
            }
            Ordering::Equal => return Some(*value),
            Ordering::Greater => return None,
        }
    }
    None
}

/// Invariant 2, after every step.
pub(super) fn zombies_step(probe: &Probe, st: &mut Zombies, now: Instant) -> Result<(), String> {
    let ledger = lock(&probe.ledger);
    let cursor = st.cursor;
    for event in new_events(&ledger, &mut st.cursor) {
        match event {
            LedgerEvent::Requested(key) => refresh_deadline(probe, &ledger, st, key),
            LedgerEvent::Started(info) => {
                let key = ActionKey::of(info);
                refresh_deadline(probe, &ledger, st, &key);
                st.started.insert(key);
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
    let changes = probe.tracker.changes();
    if st.cursor == cursor && st.clean.holds(changes, now) {
        debug_assert_eq!(zombies_scan(probe, st, &ledger, now).err(), None);
        return Ok(());
    }
    let until = zombies_scan(probe, st, &ledger, now)?;
    st.clean.mark(changes, until);
    Ok(())
}

/// The live table and the active entries against the ledger: nothing shows running whose task
/// ended, nothing is overdue. Returns the earliest deadline it saw.
fn zombies_scan(
    probe: &Probe,
    st: &Zombies,
    ledger: &Ledger,
    now: Instant,
) -> Result<Option<Instant>, String> {
    let mut earliest: Option<Instant> = None;
    let mut due = |deadline: Option<Instant>| {
        if let Some(d) = deadline {
            earliest = Some(earliest.map_or(d, |e| e.min(d)));
        }
        deadline.is_some_and(|d| now > d)
    };
    // The live table, the contexts (by session, then action) and the deadline cache are all
    // in key order: each pass walks them side by side.
    probe.tracker.with_live(|live| {
        let mut deadlines = st.deadlines.iter().peekable();
        for key in live.keys() {
            let deadline = seek(&mut deadlines, &key.session, &key.action).copied();
            debug_assert_eq!(deadline, deadline_of(probe, ledger, key));
            if due(deadline) {
                return Err(overdue(ledger, key, now, "its task is still alive"));
            }
        }
        probe.tracker.with_contexts(|contexts| {
            let mut tasks = live.iter().peekable();
            let mut deadlines = st.deadlines.iter().peekable();
            for (session, ctx) in contexts {
                for (action, info) in ctx.active_actions() {
                    let task = seek(&mut tasks, session, action);
                    let task_alive = task.map(|t| Some(t.task_id)) == Some(info.task_id);
                    if info.status == ActionStatus::Running && !task_alive {
                        let key = ActionKey::new(session, action);
                        let known = st
                            .terminal
                            .get(&key)
                            .map(|(s, at)| format!(" ({s} at {at})"));
                        return Err(format!(
                            "action {key} shows running in its context, but its task ended{}",
                            known.unwrap_or_default()
                        ));
                    }
                    let deadline = seek(&mut deadlines, session, action).copied();
                    debug_assert_eq!(
                        deadline,
                        deadline_of(probe, ledger, &ActionKey::new(session, action))
                    );
                    if due(deadline) {
                        let key = ActionKey::new(session, action);
                        return Err(overdue(ledger, &key, now, "it is still in the active set"));
                    }
                }
            }
            Ok(())
        })
    })?;
    Ok(earliest)
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
    contexts: &BTreeMap<String, ConversationContext>,
) -> impl Iterator<Item = (ActionKey, &ActionInfo)> {
    contexts.iter().flat_map(|(session, ctx)| {
        ctx.active_actions()
            .iter()
            .map(move |(action, info)| (ActionKey::new(session, action), info))
    })
}

/// Invariant 2, at the end: the step checks, then nothing left open.
pub(super) fn zombies_end(probe: &Probe, st: &mut Zombies, now: Instant) -> Result<(), String> {
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
pub(super) fn active_bounded(probe: &Probe) -> Result<(), String> {
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
