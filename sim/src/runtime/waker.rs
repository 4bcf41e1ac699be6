//! Task wakers, and the queue they report to.
//!
//! A waker must be `Send + Sync`, so it holds an `Arc` to a mutex-guarded queue rather than a
//! reference to the executor. The executor never starts a thread, so the mutex is never
//! contended; it is there because the `Waker` contract requires thread safety.

use crate::trace::TaskId;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Wake;

/// Tasks woken since the executor last looked, in wake order.
#[derive(Default)]
pub(crate) struct WakeQueue {
    woken: Mutex<Vec<TaskId>>,
    /// Set by every push, cleared by every drain: most drains find nothing and skip the lock.
    pending: AtomicBool,
}

impl WakeQueue {
    fn push(&self, task: TaskId) {
        self.woken
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(task);
        self.pending.store(true, Ordering::Release);
    }

    /// Moves the woken tasks into `into`, keeping their order.
    pub(crate) fn drain_into(&self, into: &mut Vec<TaskId>) {
        if !self.pending.swap(false, Ordering::Acquire) {
            return;
        }
        let mut woken = self
            .woken
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        into.append(&mut woken);
    }
}

/// The waker of one task. The executor keeps one `Arc` of it and one `Waker` made from it;
/// every other strong reference is a waker held by someone who may still wake the task, which
/// is how the never-woken detector counts them.
pub(crate) struct TaskWaker {
    pub(crate) task: TaskId,
    pub(crate) queue: Arc<WakeQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.queue.push(self.task);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.push(self.task);
    }
}

/// Strong references the executor itself holds to each task's waker.
pub(crate) const EXECUTOR_WAKER_REFS: usize = 2;
