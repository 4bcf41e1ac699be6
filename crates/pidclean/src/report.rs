//! A cleanup's report: who asked for it, where it found the PID, what happened to the
//! agent, and how long it took; returned to the caller and kept in the journal.

use crate::keys::SessionId;
use asynclife_sim::world::{ExitStatus, Pid, Signal};
use asynclife_sim::Instant;
use std::time::Duration;

/// Who asked for a cleanup: the seed's three entry points, and the spawn worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CleanupSource {
    /// `POST /api/session/end`.
    EndSession,
    /// The media server's webhook (`room_finished`, `participant_left`).
    Webhook,
    /// A start that failed: in `start_session`, or the agent never connected.
    FailedStart,
    /// The spawn worker found the session's tombstone after spawning its agent.
    SpawnTombstone,
}

/// Where the cleanup found the PID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PidSource {
    /// The `agentPid` field of `session:{id}`.
    SessionHash,
    /// The standalone key `agent:{id}:pid` (the fallback).
    StandaloneKey,
    /// The caller knew it (the spawn worker, which spawned the agent).
    Known,
    /// Nowhere: no agent was spawned yet, or it was already cleaned up.
    NotFound,
    /// The lookup failed: the store did not answer.
    LookupFailed,
}

/// What happened to the agent process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessOutcome {
    /// There was no PID to stop.
    NoProcess,
    /// The process was already gone (reaped) when the cleanup signalled it.
    AlreadyGone,
    /// It exited after SIGTERM, within the grace period (or had exited already).
    Terminated,
    /// It outlived the grace period and was killed.
    Killed,
    /// It was not stopped (the cleanup failed before).
    NotStopped,
}

/// What one cleanup did, returned to the caller and kept in the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CleanupReport {
    /// The session cleaned up.
    pub session: SessionId,
    /// Who asked.
    pub source: CleanupSource,
    /// The agent's PID, when found.
    pub pid: Option<Pid>,
    /// Where the PID was found.
    pub found_in: PidSource,
    /// The signals sent, in order.
    pub signals: Vec<Signal>,
    /// How long the cleanup waited for the agent to exit after SIGTERM.
    pub waited: Duration,
    /// What happened to the agent.
    pub outcome: ProcessOutcome,
    /// How the agent ended, when this cleanup reaped it.
    pub exit_status: Option<ExitStatus>,
    /// Whether the session's keys were deleted.
    pub keys_deleted: bool,
    /// When the cleanup was asked for.
    pub started_at: Instant,
    /// When it returned.
    pub finished_at: Instant,
    /// Time spent in store calls, retries and backoff included.
    pub store_time: Duration,
    /// Store call attempts that failed.
    pub store_failures: u32,
    /// Whether it succeeded.
    pub ok: bool,
}

impl CleanupReport {
    pub(crate) fn new(
        session: &SessionId,
        source: CleanupSource,
        started_at: Instant,
    ) -> CleanupReport {
        CleanupReport {
            session: session.clone(),
            source,
            pid: None,
            found_in: PidSource::NotFound,
            signals: Vec::new(),
            waited: Duration::ZERO,
            outcome: ProcessOutcome::NotStopped,
            exit_status: None,
            keys_deleted: false,
            started_at,
            finished_at: started_at,
            store_time: Duration::ZERO,
            store_failures: 0,
            ok: false,
        }
    }

    /// The cleanup's virtual duration, from request to return.
    pub fn duration(&self) -> Duration {
        self.finished_at - self.started_at
    }
}
