//! What the manager reports: a status snapshot, and the outcomes of waiting, cancelling and
//! shutting down.

use crate::registry::{RunId, RunStatus};
use asynclife_sim::Instant;
use serde::Serialize;
use std::time::Duration;

/// The manager's state at one instant, taken under one lock: the counts agree with the list.
///
/// Unlike seed 002's `get_task_status`, which asked a running task for its `exception()` and
/// raised `InvalidStateError`, a snapshot reads only the registry and the tracking set, and
/// never fails whatever state the tasks are in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusSnapshot {
    /// When it was taken.
    pub at: Instant,
    /// Managed tasks alive (tracked), queued and running together.
    pub active_tasks: usize,
    /// Of those, how many wait for a slot.
    pub queued: usize,
    /// Of those, how many run.
    pub running: usize,
    /// The concurrency limit.
    pub max_concurrent: usize,
    /// Managed tasks that failed or panicked so far.
    pub error_count: u64,
    /// Whether new tasks are accepted (false once shutdown began).
    pub accepting: bool,
    /// Every tracked task, by run id.
    pub tasks: Vec<TaskStatus>,
}

/// One tracked task in a [`StatusSnapshot`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaskStatus {
    /// Its run.
    pub id: RunId,
    /// The run's name.
    pub name: String,
    /// The run's status.
    pub status: RunStatus,
    /// When it started running.
    pub started_at: Option<Instant>,
    /// Whether the task itself has ended (its run is then being finalised).
    pub finished: bool,
}

/// What [`TaskManager::wait_all`](crate::TaskManager::wait_all) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WaitReport {
    /// Every task finished on its own within the timeout.
    pub drained: bool,
    /// Tasks cancelled after the timeout.
    pub cancelled: usize,
    /// Tasks still alive when it returned (0 unless cancellation itself timed out).
    pub remaining: usize,
}

/// What [`TaskManager::cancel_all`](crate::TaskManager::cancel_all) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CancelReport {
    /// Tasks it cancelled.
    pub cancelled: usize,
    /// Tasks still alive when it returned (their cancellation did not complete in time).
    pub remaining: usize,
}

/// What [`TaskManager::shutdown`](crate::TaskManager::shutdown) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ShutdownReport {
    /// Draining, then cancelling.
    pub wait: WaitReport,
    /// The monitor stopped by itself (false: it had to be aborted, or none was running).
    pub monitor_stopped: bool,
    /// How long shutdown took.
    pub elapsed: Duration,
}
