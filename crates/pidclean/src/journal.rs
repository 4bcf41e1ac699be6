//! The journal: what a run observed, for the invariants and the workload's report.
//!
//! The orchestrator writes the cleanup reports it returns and the window in which its spawn
//! worker is writing a PID; the workload's clients write what they asked for and what they
//! got back (ends, their results, health-probe latencies). Everything else the invariants
//! need they read from the simulated world itself (the process table and the store).

use crate::keys::SessionId;
use crate::report::CleanupReport;
use asynclife_sim::Instant;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The journal shared by the orchestrator, the clients and the invariants. Never locked
/// across an `.await`.
pub type SharedJournal = Arc<Mutex<Journal>>;

/// A session's end, as its client saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndRecord {
    /// When the first end request was sent (or the start failed).
    pub requested_at: Instant,
    /// Whether the session's agent had already exited when the end was first requested.
    pub agent_already_dead: bool,
    /// Requests sent so far (a retry after the faults healed counts).
    pub attempts: u32,
    /// Whether the last request succeeded; `None` while none has returned.
    pub last_ok: Option<bool>,
}

/// What a run observed. See the module docs.
#[derive(Debug, Default)]
pub struct Journal {
    cleanups: Vec<CleanupReport>,
    health_latencies: Vec<Duration>,
    probe_due: Option<Instant>,
    end_latencies: Vec<Duration>,
    storing_pid: BTreeSet<SessionId>,
    ends: BTreeMap<SessionId, EndRecord>,
}

impl Journal {
    /// An empty journal, shared.
    pub fn shared() -> SharedJournal {
        Arc::new(Mutex::new(Journal::default()))
    }

    /// Records a finished cleanup (successful or not).
    pub fn record_cleanup(&mut self, report: CleanupReport) {
        self.cleanups.push(report);
    }

    /// Every finished cleanup, in the order they finished.
    pub fn cleanups(&self) -> &[CleanupReport] {
        &self.cleanups
    }

    /// The next health probe is due (sent) at `due`; it is pending until answered.
    pub fn probe_due(&mut self, due: Instant) {
        self.probe_due = Some(due);
    }

    /// The prober stops: no probe is pending any more.
    pub fn stop_probing(&mut self) {
        self.probe_due = None;
    }

    /// The pending probe was answered after `latency`.
    pub fn record_health_latency(&mut self, latency: Duration) {
        self.probe_due = None;
        self.health_latencies.push(latency);
    }

    /// When the probe not yet answered was sent, if there is one: a probe that never gets
    /// the executor never records a latency, so its wait must be visible as it grows.
    pub fn pending_probe(&self) -> Option<Instant> {
        self.probe_due
    }

    /// Every health probe's latency, in order.
    pub fn health_latencies(&self) -> &[Duration] {
        &self.health_latencies
    }

    /// The spawn worker is about to spawn `session`'s agent and write its PID.
    pub fn pid_write_started(&mut self, session: &SessionId) {
        self.storing_pid.insert(session.clone());
    }

    /// The spawn worker has written `session`'s PID, or given up and reaped the agent.
    pub fn pid_write_finished(&mut self, session: &SessionId) {
        self.storing_pid.remove(session);
    }

    /// Whether the spawn worker is between spawning `session`'s agent and the store's
    /// acknowledgement of its PID.
    pub fn is_writing_pid(&self, session: &SessionId) -> bool {
        self.storing_pid.contains(session)
    }

    /// A client asked to end `session` (or its start failed, which ends it too). Only the
    /// first request sets the time and the agent's state.
    pub fn end_requested(&mut self, session: &SessionId, at: Instant, agent_already_dead: bool) {
        let record = self.ends.entry(session.clone()).or_insert(EndRecord {
            requested_at: at,
            agent_already_dead,
            attempts: 0,
            last_ok: None,
        });
        record.attempts += 1;
    }

    /// An end request for `session` returned.
    pub fn end_returned(&mut self, session: &SessionId, ok: bool) {
        if let Some(record) = self.ends.get_mut(session) {
            record.last_ok = Some(ok);
        }
    }

    /// A client's end request returned `latency` after it was due (sent).
    pub fn record_end_latency(&mut self, latency: Duration) {
        self.end_latencies.push(latency);
    }

    /// Every end request's latency as its client saw it, in the order they returned.
    pub fn end_latencies(&self) -> &[Duration] {
        &self.end_latencies
    }

    /// Whether an end of `session` was requested.
    pub fn is_ended(&self, session: &SessionId) -> bool {
        self.ends.contains_key(session)
    }

    /// Every ended session, in id order.
    pub fn ends(&self) -> &BTreeMap<SessionId, EndRecord> {
        &self.ends
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_end_request_sets_time_and_state_and_the_last_result_wins() {
        let mut journal = Journal::default();
        let id = SessionId::numbered(1);
        assert!(!journal.is_ended(&id));
        journal.end_requested(&id, Instant::from_millis(5), true);
        journal.end_returned(&id, false);
        journal.end_requested(&id, Instant::from_millis(9), false);
        journal.end_returned(&id, true);
        let record = &journal.ends()[&id];
        assert_eq!(record.requested_at, Instant::from_millis(5));
        assert!(record.agent_already_dead);
        assert_eq!((record.attempts, record.last_ok), (2, Some(true)));
    }

    #[test]
    fn the_pid_write_window_opens_and_closes() {
        let mut journal = Journal::default();
        let id = SessionId::numbered(2);
        journal.pid_write_started(&id);
        assert!(journal.is_writing_pid(&id));
        journal.pid_write_finished(&id);
        assert!(!journal.is_writing_pid(&id));
    }
}
