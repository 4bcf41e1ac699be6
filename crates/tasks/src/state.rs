//! The manager's shared state: the tracking set, the registry and the counters behind its
//! lock, and what every clone of a manager shares (configuration, permits, monitor slot),
//! read by the manager and by the managed-task wrapper.

use crate::config::ManagerConfig;
use crate::defect::Variant;
use crate::monitor::Monitor;
use crate::registry::{RunId, RunRegistry};
use asynclife_sim::rt::JoinHandle;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{watch, Semaphore};

/// The state behind the lock.
pub(crate) struct Shared {
    pub(crate) registry: RunRegistry,
    pub(crate) tracked: BTreeMap<RunId, Tracked>,
    pub(crate) error_count: u64,
    pub(crate) accepting: bool,
    pub(crate) next_seq: u64,
}

/// A tracked task: its handle, shared so that it can be aborted without the lock.
pub(crate) struct Tracked {
    pub(crate) handle: Arc<JoinHandle<()>>,
}

/// What every clone of a manager shares.
pub(crate) struct Inner {
    pub(crate) config: ManagerConfig,
    pub(crate) variant: Variant,
    pub(crate) state: Mutex<Shared>,
    /// The tracking set's size, for waiters.
    pub(crate) tracked_tx: watch::Sender<usize>,
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) monitor: Mutex<Option<Monitor>>,
}

impl Inner {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Shared> {
        // A poisoned lock means a panic elsewhere already reported; the data stays usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Removes run `id`'s task from tracking and tells the waiters.
    pub(crate) fn untrack(&self, shared: &mut Shared, id: &RunId) {
        let handle = shared.tracked.remove(id);
        self.tracked_tx.send_replace(shared.tracked.len());
        // The handle's last owner may be here; it goes after the bookkeeping.
        drop(handle);
    }
}
