//! Task wakers, and the queues they report to.
//!
//! A waker must be `Send + Sync`, so it holds an `Arc` to the run's [`WakeQueue`] rather than
//! a reference to the executor. A wake on the simulation's own thread (every wake, since
//! simulated code never starts threads) goes to the kernel's local queue, found through the
//! thread's context: no lock. A wake from any other thread goes to the queue's mutex-guarded
//! remote list, which the executor drains after the local one.
//!
//! The waker is our own `RawWaker` over `Arc<TaskWaker>`, so that the executor can poll a task
//! with a *borrowed* waker (no reference count traffic per poll) and so that the strong count
//! of the `Arc` is exactly the executor's one reference plus every waker held by someone who
//! may still wake the task, which is how the never-woken detector counts them.

use super::context;
use crate::trace::TaskId;
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{RawWaker, RawWakerVTable, Waker};

/// Where the wakers of one run report: identifies the run, and holds wakes from other threads.
#[derive(Default)]
pub(crate) struct WakeQueue {
    remote: Mutex<Vec<TaskId>>,
    /// Set by every remote push, cleared by every drain: most drains skip the lock.
    remote_pending: AtomicBool,
}

impl WakeQueue {
    fn push_remote(&self, task: TaskId) {
        self.remote
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(task);
        self.remote_pending.store(true, Ordering::Release);
    }

    /// Moves tasks woken from other threads into `into`, keeping their order.
    #[inline]
    pub(crate) fn drain_remote_into(&self, into: &mut Vec<TaskId>) {
        if self.remote_pending.load(Ordering::Relaxed) {
            self.drain_remote_slow(into);
        }
    }

    #[cold]
    fn drain_remote_slow(&self, into: &mut Vec<TaskId>) {
        if !self.remote_pending.swap(false, Ordering::Acquire) {
            return;
        }
        let mut woken = self
            .remote
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        into.append(&mut woken);
    }
}

/// The waker of one task. The executor keeps one `Arc` of it; every other strong reference is
/// a waker held by someone who may still wake the task.
pub(crate) struct TaskWaker {
    pub(crate) task: TaskId,
    pub(crate) queue: Arc<WakeQueue>,
}

/// Strong references the executor itself holds to each task's waker.
pub(crate) const EXECUTOR_WAKER_REFS: usize = 1;

impl TaskWaker {
    fn wake_by_ref(&self) {
        let local = context::with_current(|kernel| {
            if Arc::ptr_eq(&kernel.wake_queue, &self.queue) {
                kernel.woken.borrow_mut().push(self.task);
                true
            } else {
                false
            }
        });
        if local != Some(true) {
            self.queue.push_remote(self.task);
        }
    }

    /// A waker that borrows the `TaskWaker` at `this`: no reference is taken, and none must
    /// be released, so it is never dropped. Clones made from it take their own references.
    ///
    /// # Safety
    /// `this` must be `Arc::as_ptr` of an `Arc<TaskWaker>` that stays alive for as long as the
    /// returned waker is used. The executor polls with it while the task's slot keeps its
    /// `Arc`.
    pub(crate) unsafe fn borrowed(this: *const TaskWaker) -> ManuallyDrop<Waker> {
        // SAFETY: the caller keeps the `Arc` alive; `ManuallyDrop` keeps the waker from
        // releasing a reference it does not own.
        ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(this.cast::<()>(), &VTABLE)) })
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

// The four functions below receive only pointers made by `TaskWaker::borrowed` or `clone`,
// each pointing to the `TaskWaker` inside a live `Arc`.

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is a live `Arc<TaskWaker>` pointer (see above); the new waker owns the
    // reference taken here.
    unsafe { Arc::increment_strong_count(data.cast::<TaskWaker>()) };
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: an owned waker's pointer carries one strong reference, released here.
    let this = unsafe { Arc::from_raw(data.cast::<TaskWaker>()) };
    this.wake_by_ref();
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: `data` is a live `Arc<TaskWaker>` pointer (see above).
    unsafe { &*data.cast::<TaskWaker>() }.wake_by_ref();
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: an owned waker's pointer carries one strong reference, released here.
    unsafe { Arc::decrement_strong_count(data.cast::<TaskWaker>()) };
}
