//! The task manager (seed 002's tracked background tasks, seed 003's `BackgroundTaskManager`):
//! spawns managed tasks, tracks them by run id, limits how many run at once, cancels, waits,
//! reports, and shuts down in bounded time.
//!
//! Invariants (of `fixed`):
//! 1. Every accepted task is tracked from its spawn until its end, and only then: the
//!    tracking set's size is the number of live managed tasks. Its end (completion, error,
//!    panic, or its future dropped by an abort) removes it, in the wrapper's done path.
//! 2. A run id is never tracked twice and never overwritten: a duplicate is rejected.
//! 3. At most `max_concurrent` managed tasks run at once: later ones wait, QUEUED, for a
//!    slot of a FIFO semaphore, and more than `max_queued` waiting is rejected. (Queueing
//!    was chosen over rejecting at the limit because bursts of responses are normal for an
//!    LLM service; the queue bound keeps a flood from growing memory without limit.)
//! 4. Every managed task's outcome is recorded once, in the registry and in the error count.
//! 5. `shutdown` returns within `drain_timeout + cancel_timeout`, with no managed task and no
//!    monitor alive.
//!
//! The state lock is never held across an `.await`, nor while aborting a task: an abort drops
//! the task's future at once (in the simulation), and its done path takes the lock.

use crate::config::ManagerConfig;
use crate::defect::{Defect, Variant};
use crate::monitor::{Monitor, Monitored};
use crate::registry::{Run, RunId, RunRegistry, RunStatus};
use crate::state::{Inner, Shared, Tracked};
use crate::status::{CancelReport, ShutdownReport, StatusSnapshot, TaskStatus, WaitReport};
use crate::wrapper::{self, DoneGuard};
use asynclife_sim::rt::{self, JoinHandle};
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};

/// Why a task was not spawned. Its future is dropped unpolled.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpawnError {
    /// A run with this id is already registered (live or finished).
    DuplicateId(RunId),
    /// `max_concurrent` tasks run and `max_queued` wait already.
    QueueFull {
        /// The run refused.
        id: RunId,
        /// How many tasks were tracked.
        tracked: usize,
    },
    /// Shutdown has begun.
    ShuttingDown(RunId),
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::DuplicateId(id) => write!(f, "run {id} already exists"),
            SpawnError::QueueFull { id, tracked } => {
                write!(f, "run {id} refused: {tracked} tasks running or queued")
            }
            SpawnError::ShuttingDown(id) => write!(f, "run {id} refused: shutting down"),
        }
    }
}

impl std::error::Error for SpawnError {}

/// Managed background tasks with a run registry. Cheap to clone: clones share one manager.
///
/// ```
/// use asynclife_sim::{rt, Sim, SimConfig, Verdict};
/// use asynclife_tasks::{ManagerConfig, Run, RunStatus, TaskManager};
/// use std::time::Duration;
///
/// let report = Sim::new(SimConfig::with_seed(1)).run(|| async {
///     let manager = TaskManager::new(ManagerConfig::default());
///     let id = manager
///         .spawn(Run::new("r1", "work"), async {
///             rt::sleep(Duration::from_millis(5)).await;
///             Err::<(), _>("boom")
///         })
///         .unwrap();
///     manager.shutdown().await;
///     let status = manager.with_registry(|r| r.get(&id).unwrap().status);
///     assert_eq!(status, RunStatus::Failed);
///     assert_eq!(manager.error_count(), 1);
/// });
/// assert_eq!(report.verdict, Verdict::Pass);
/// ```
#[derive(Clone)]
pub struct TaskManager {
    pub(crate) inner: Arc<Inner>,
}

impl TaskManager {
    /// The reference manager.
    ///
    /// # Panics
    /// If `config` is invalid; check configurations read from files with
    /// [`ManagerConfig::validate`] first.
    pub fn new(config: ManagerConfig) -> TaskManager {
        TaskManager::with_variant(config, Variant::Fixed)
    }

    /// A manager with the defects of `variant` switched on.
    ///
    /// # Panics
    /// If `config` is invalid.
    pub fn with_variant(config: ManagerConfig, variant: Variant) -> TaskManager {
        if let Err(e) = config.validate() {
            panic!("invalid ManagerConfig: {e}");
        }
        let permits = Arc::new(Semaphore::new(config.max_concurrent));
        TaskManager {
            inner: Arc::new(Inner {
                config,
                variant,
                state: Mutex::new(Shared {
                    registry: RunRegistry::new(),
                    tracked: BTreeMap::new(),
                    error_count: 0,
                    accepting: true,
                    next_seq: 0,
                }),
                tracked_tx: watch::Sender::new(0),
                permits,
                monitor: Mutex::new(None),
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> &ManagerConfig {
        &self.inner.config
    }

    /// The variant.
    pub fn variant(&self) -> Variant {
        self.inner.variant
    }

    /// A run for a background task named `name`, or, without a name, a fresh unique one
    /// (`bg_task_<n>`), as seed 002's `create_background_task(coro, name=None)`.
    pub fn background_run(&self, name: Option<&str>) -> Run {
        if let Some(name) = name {
            return Run::new(name, name);
        }
        let id = if self.inner.variant.has(Defect::TimestampNames) {
            // seed 002 #1: `name or f"bg_task_{datetime.now().timestamp()}"`: two tasks started
            // in the same instant (microsecond resolution) get the same name.
            let micros = rt::now().as_nanos() / 1_000;
            format!("bg_task_{}.{:06}", micros / 1_000_000, micros % 1_000_000)
        } else {
            let mut shared = self.inner.lock();
            shared.next_seq += 1;
            format!("bg_task_{}", shared.next_seq)
        };
        Run::new(id, "bg_task")
    }

    /// Registers `run` as QUEUED and spawns `future` as its managed task; returns the run id.
    ///
    /// The task waits for a concurrency slot, becomes RUNNING, and ends COMPLETED, FAILED
    /// (an error or a panic, with its message, counted in [`TaskManager::error_count`]) or
    /// CANCELLED (aborted, at any point). A duplicate id, a full queue or a shutdown in
    /// progress is refused, and the future dropped unpolled.
    pub fn spawn<F, E>(&self, run: Run, future: F) -> Result<RunId, SpawnError>
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display + Send + 'static,
    {
        let inner = &self.inner;
        let id = run.id.clone();
        let task_name = id.to_string();
        let mut shared = inner.lock();
        if !shared.accepting {
            return Err(SpawnError::ShuttingDown(id));
        }
        let permits = self.admit(&shared, &id)?;
        if shared.registry.insert(run, rt::now()).is_err() {
            if inner.variant.has(Defect::DuplicateId) {
                // seed 003 `start_task`: `self.tasks[run.run_id] = task`: the second task
                // shares the first's record, and the insert below overwrites the first's
                // tracking entry: the first task runs on, untracked.
                tracing::debug!("run {id} exists; its tracking entry is overwritten");
            } else {
                return Err(SpawnError::DuplicateId(id));
            }
        }
        if inner.variant.has(Defect::UntrackedSpawn) {
            // seed 002, the bug itself: `asyncio.create_task(self._process_response_details(
            // response))`: no wrapper, never tracked, never awaited; the run stays QUEUED.
            drop(rt::spawn(task_name, future));
            return Ok(id);
        }
        // The guard exists before the task: a task aborted before its first poll still has
        // its done path.
        let guard = DoneGuard::new(inner.clone(), id.clone());
        let handle = rt::spawn(task_name, wrapper::managed(guard, permits, future));
        shared.tracked.insert(
            id.clone(),
            Tracked {
                handle: Arc::new(handle),
            },
        );
        inner.tracked_tx.send_replace(shared.tracked.len());
        Ok(id)
    }

    /// The concurrency gate for a new task, or the refusal (invariant 3).
    fn admit(&self, shared: &Shared, id: &RunId) -> Result<Option<Arc<Semaphore>>, SpawnError> {
        let config = &self.inner.config;
        let tracked = shared.tracked.len();
        if self.inner.variant.has(Defect::WarnOnlyLimit) {
            // seed 002 #1: `if len(self._background_tasks) >= self._max_concurrent_tasks:
            // logger.warning(...)`, and the task starts anyway.
            if tracked >= config.max_concurrent {
                tracing::warn!(
                    "maximum concurrent tasks ({}) reached",
                    config.max_concurrent
                );
            }
            return Ok(None);
        }
        if tracked >= config.max_concurrent.saturating_add(config.max_queued) {
            return Err(SpawnError::QueueFull {
                id: id.clone(),
                tracked,
            });
        }
        Ok(Some(self.inner.permits.clone()))
    }

    /// Cancels run `id`'s task: it is aborted and its run becomes CANCELLED (at once in the
    /// simulation; on tokio when the task is dropped, at its next await point). False if no
    /// such task is tracked (unknown, or already ended).
    pub fn cancel(&self, id: &RunId) -> bool {
        let handle = self.inner.lock().tracked.get(id).map(|t| t.handle.clone());
        match handle {
            Some(handle) => {
                // Without the lock: the task's done path takes it when the abort takes effect.
                handle.abort();
                true
            }
            None => false,
        }
    }

    /// Cancels every tracked task and waits at most `timeout` for them to end.
    pub async fn cancel_all(&self, timeout: Duration) -> CancelReport {
        let handles: Vec<Arc<JoinHandle<()>>> = self
            .inner
            .lock()
            .tracked
            .values()
            .map(|t| t.handle.clone())
            .collect();
        for handle in &handles {
            handle.abort();
        }
        let cancelled = handles.len();
        drop(handles);
        let _ = rt::timeout(timeout, self.until_untracked()).await;
        CancelReport {
            cancelled,
            remaining: self.tracked_count(),
        }
    }

    /// Waits at most `timeout` for every tracked task to end, then cancels what remains
    /// (waiting at most `cancel_timeout` for that).
    pub async fn wait_all(&self, timeout: Duration) -> WaitReport {
        if self.inner.variant.has(Defect::WaitAllNoTimeout) {
            // seed 003 `wait_all()`: gather every task with no deadline: one hung task and
            // shutdown never ends.
            self.until_untracked().await;
            return WaitReport {
                drained: true,
                cancelled: 0,
                remaining: 0,
            };
        }
        if rt::timeout(timeout, self.until_untracked()).await.is_ok() {
            return WaitReport {
                drained: true,
                cancelled: 0,
                remaining: 0,
            };
        }
        tracing::warn!("timeout waiting for tasks to complete; cancelling the rest");
        let cancel = self.cancel_all(self.inner.config.cancel_timeout()).await;
        WaitReport {
            drained: false,
            cancelled: cancel.cancelled,
            remaining: cancel.remaining,
        }
    }

    async fn until_untracked(&self) {
        let mut rx = self.inner.tracked_tx.subscribe();
        // The sender lives in `inner`, which `self` keeps alive: this never errs.
        let _ = rx.wait_for(|&n| n == 0).await;
    }

    /// Stops accepting tasks, drains them for `drain_timeout`, cancels the rest, and stops the
    /// monitor; returns within `drain_timeout + cancel_timeout` (invariant 5).
    pub async fn shutdown(&self) -> ShutdownReport {
        let started = rt::now();
        self.inner.lock().accepting = false;
        let wait = self.wait_all(self.inner.config.drain_timeout()).await;
        let deadline = started + self.inner.config.shutdown_bound();
        let monitor = self
            .inner
            .monitor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let monitor_stopped = match monitor {
            Some(m) => m.stop(self.inner.variant, deadline).await,
            None => false,
        };
        ShutdownReport {
            wait,
            monitor_stopped,
            elapsed: rt::now() - started,
        }
    }

    /// Starts the periodic monitor (once; later calls do nothing).
    pub fn start_monitor(&self) {
        let mut slot = self.inner.monitor.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() && self.is_accepting() {
            *slot = Some(Monitor::start(self.clone()));
        }
    }

    /// Whether the monitor task is alive.
    pub fn monitor_alive(&self) -> bool {
        let slot = self.inner.monitor.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref().is_some_and(|m| !m.is_finished())
    }

    /// A consistent snapshot of the manager; never fails, whatever the tasks' states.
    pub fn status(&self) -> StatusSnapshot {
        let shared = self.inner.lock();
        let tasks: Vec<TaskStatus> = shared
            .tracked
            .iter()
            .filter_map(|(id, t)| {
                let run = shared.registry.get(id)?;
                Some(TaskStatus {
                    id: id.clone(),
                    name: run.name.clone(),
                    status: run.status,
                    started_at: run.started_at,
                    finished: t.handle.is_finished(),
                })
            })
            .collect();
        let count = |s: RunStatus| tasks.iter().filter(|t| t.status == s).count();
        StatusSnapshot {
            at: rt::now(),
            active_tasks: shared.tracked.len(),
            queued: count(RunStatus::Queued),
            running: count(RunStatus::Running),
            max_concurrent: self.inner.config.max_concurrent,
            error_count: shared.error_count,
            accepting: shared.accepting,
            tasks,
        }
    }

    /// Whether new tasks are accepted.
    pub fn is_accepting(&self) -> bool {
        self.inner.lock().accepting
    }

    /// How many tasks are tracked.
    pub fn tracked_count(&self) -> usize {
        self.inner.lock().tracked.len()
    }

    /// The ids of the tracked tasks, in order.
    pub fn tracked_ids(&self) -> Vec<RunId> {
        self.inner.lock().tracked.keys().cloned().collect()
    }

    /// How many managed tasks failed or panicked.
    pub fn error_count(&self) -> u64 {
        self.inner.lock().error_count
    }

    /// Reads the registry under the manager's lock.
    pub fn with_registry<R>(&self, f: impl FnOnce(&RunRegistry) -> R) -> R {
        f(&self.inner.lock().registry)
    }
}

/// The monitor reads the manager through this, so that it does not depend on the manager.
impl Monitored for TaskManager {
    fn config(&self) -> &ManagerConfig {
        TaskManager::config(self)
    }

    fn is_accepting(&self) -> bool {
        TaskManager::is_accepting(self)
    }

    fn status(&self) -> StatusSnapshot {
        TaskManager::status(self)
    }
}
