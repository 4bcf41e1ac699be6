//! The tracker's shared state: the [`ActionTracker`] handle and the tables behind it (running
//! actions, metrics, live tasks) that its start, supervision and completion paths share.

use crate::defect::Variant;
use crate::event::Observer;
use crate::manager::ContextManager;
use crate::metadata::ActionInfo;
use crate::metrics::{Metrics, Notification};
use crate::options::ActionOptions;
use crate::request::ActionKey;
use crate::watched::Watched;
use asynclife_sim::rt;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Notify};

/// Starts and tracks fire-and-forget actions. Cheap to clone: clones share the tracker.
///
/// Invariant: an action is in the running table from its spawn until its one terminal
/// status is recorded, and whoever removes it from the table (completion, timeout, cancel,
/// shutdown) records that status; so each action gets exactly one.
#[derive(Clone)]
pub struct ActionTracker {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) variant: Variant,
    pub(crate) contexts: ContextManager,
    pub(crate) observer: Option<Observer>,
    pub(crate) state: Watched<State>,
    /// Tasks alive, by key: entered at spawn, left when the task's future is dropped.
    pub(crate) live: Watched<BTreeMap<ActionKey, LiveTask>>,
    /// Attempt tasks whose future exists (spawned, not dropped yet); `shutdown` waits for
    /// none to be left, since an attempt aborted with its action task is dropped at its own
    /// next turn, after that task.
    pub(crate) attempts_alive: AtomicUsize,
    /// Notified when the last attempt alive is dropped.
    pub(crate) no_attempt_alive: Notify,
    pub(crate) notifications: Mutex<Option<mpsc::UnboundedReceiver<Notification>>>,
}

/// A live action task, as the live table holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveTask {
    /// The tracker's id of the task.
    pub task_id: u64,
    /// The action's domain.
    pub domain: String,
    /// Cancelled and aborted, but not stopped yet: as on tokio, an aborted task's future is
    /// dropped at its next turn, so it outlives the cancel that the tracker already recorded.
    pub stopping: bool,
}

pub(crate) struct State {
    pub(crate) running: BTreeMap<ActionKey, Running>,
    pub(crate) metrics: Metrics,
    pub(crate) notify: Option<mpsc::UnboundedSender<Notification>>,
    /// Tasks aborted by a cancel that may not have stopped yet: on tokio an abort takes
    /// effect at the task's next poll. Shutdown waits for them; finished ones are dropped.
    pub(crate) stopping: Vec<rt::JoinHandle<()>>,
    pub(crate) next_task_id: u64,
    pub(crate) closed: bool,
}

pub(crate) struct Running {
    pub(crate) info: ActionInfo,
    pub(crate) options: ActionOptions,
    pub(crate) handle: Option<rt::JoinHandle<()>>,
    /// The attempt task running now, aborted with the action's task on a cancel: the
    /// supervisor's abort takes effect at its next turn, and an attempt spawned just before
    /// it would otherwise still begin.
    pub(crate) attempt: Option<rt::AbortHandle>,
}
