//! The simulation side of `rt::JoinSet`: each set's list of members that finished, and the
//! waker of whoever awaits the set, kept in the kernel. A member is a task whose join state
//! names its set and key (`JoinState::member_of`), so finishing it queues its key here
//! directly: joining a member allocates nothing, locks nothing, and needs no waker of its own.
//!
//! A key is queued once, when the member's task finishes (completes, panics or is aborted),
//! in the order tasks finish: tokio's `JoinSet` order, where each member's join waker is
//! registered when it is spawned. The queues themselves are in `join_set_queues.rs`.

use super::kernel::Kernel;
use super::waker;
use crate::trace::TaskId;
use std::task::Waker;

impl Kernel {
    /// A new, empty set of this run.
    pub(crate) fn new_join_set(&self) -> u32 {
        self.join_sets.borrow_mut().new_set()
    }

    /// Makes `task`, just spawned, member `key` of `set`: its key is queued when it finishes.
    pub(crate) fn add_join_set_member(&self, set: u32, key: u64, task: TaskId) {
        self.state.borrow_mut().set_member_of(task, set, key);
    }

    /// Makes `parent` the set's waiter and moves the keys that finished into `into` (empty).
    pub(crate) fn take_ready(&self, set: u32, parent: &Waker, into: &mut Vec<u64>) {
        let previous = self.join_sets.borrow_mut().take_ready(set, parent, into);
        drop(previous);
    }

    /// Puts `keys` back at the front of the set's queue, before any that finished since;
    /// leaves `keys` empty.
    pub(crate) fn requeue_front(&self, set: u32, keys: &mut Vec<u64>) {
        self.join_sets.borrow_mut().requeue_front(set, keys);
    }

    /// The set is gone: its queue and waiter are released.
    pub(crate) fn drop_join_set(&self, set: u32) {
        let state = self.join_sets.borrow_mut().drop_set(set);
        drop(state);
    }

    /// Member `key` of `set` finished (the state is released): its key is queued and the
    /// set's waiter woken.
    pub(crate) fn join_set_member_finished(&self, set: u32, key: u64) {
        let mut sets = self.join_sets.borrow_mut();
        let Some(parent) = sets.member_finished(set, key) else {
            return;
        };
        // One of this run's tasks (the common case) is woken by reference, with no clone; a
        // foreign waker is cloned, and runs with nothing of the kernel borrowed.
        let parent = waker::own_task(self, parent).ok_or_else(|| parent.clone());
        drop(sets);
        match parent {
            Ok(task) => waker::wake_own_by_ref(self, task),
            Err(foreign) => foreign.wake(),
        }
    }
}
