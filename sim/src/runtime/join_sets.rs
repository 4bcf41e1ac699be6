//! The simulation side of `rt::JoinSet`: each set's list of members that finished, and the
//! waker of whoever awaits the set, kept in the kernel. A member is a task whose join state
//! names its set and key (`JoinState::member_of`), so finishing it queues its key here
//! directly: joining a member allocates nothing, locks nothing, and needs no waker of its own.
//!
//! A key is queued once, when the member's task finishes (completes, panics or is aborted),
//! in the order tasks finish: tokio's `JoinSet` order, where each member's join waker is
//! registered when it is spawned.

use super::kernel::Kernel;
use super::waker;
use crate::trace::TaskId;
use std::task::Waker;

/// One set's state.
#[derive(Default)]
struct SetState {
    /// Keys of members whose task finished, in the order they finished.
    ready: Vec<u64>,
    /// Whoever awaits `join_next`.
    parent: Option<Waker>,
    /// The set was dropped: members that finish later have nowhere to go.
    dropped: bool,
}

/// Every join set of a run.
#[derive(Default)]
pub(crate) struct JoinSets {
    sets: Vec<SetState>,
}

impl Kernel {
    /// A new, empty set of this run.
    pub(crate) fn new_join_set(&self) -> u32 {
        let mut sets = self.join_sets.borrow_mut();
        sets.sets.push(SetState::default());
        u32::try_from(sets.sets.len() - 1).expect("fewer than 2^32 join sets in one run")
    }

    /// Makes `task`, just spawned, member `key` of `set`: its key is queued when it finishes.
    pub(crate) fn add_join_set_member(&self, set: u32, key: u64, task: TaskId) {
        self.state.borrow_mut().set_member_of(task, set, key);
    }

    /// Makes `parent` the set's waiter and moves the keys that finished into `into` (empty).
    pub(crate) fn take_ready(&self, set: u32, parent: &Waker, into: &mut Vec<u64>) {
        let previous = {
            let mut sets = self.join_sets.borrow_mut();
            let state = &mut sets.sets[set as usize];
            std::mem::swap(&mut state.ready, into);
            if state.parent.as_ref().is_some_and(|w| w.will_wake(parent)) {
                None
            } else {
                state.parent.replace(parent.clone())
            }
        };
        drop(previous);
    }

    /// Puts `keys` back at the front of the set's queue, before any that finished since;
    /// leaves `keys` empty.
    pub(crate) fn requeue_front(&self, set: u32, keys: &mut Vec<u64>) {
        let mut sets = self.join_sets.borrow_mut();
        let state = &mut sets.sets[set as usize];
        keys.append(&mut state.ready);
        std::mem::swap(&mut state.ready, keys);
    }

    /// The set is gone: its queue and waiter are released.
    pub(crate) fn drop_join_set(&self, set: u32) {
        let state = std::mem::replace(
            &mut self.join_sets.borrow_mut().sets[set as usize],
            SetState {
                dropped: true,
                ..SetState::default()
            },
        );
        drop(state);
    }

    /// Member `key` of `set` finished (the state is released): its key is queued and the
    /// set's waiter woken.
    pub(crate) fn join_set_member_finished(&self, set: u32, key: u64) {
        let mut sets = self.join_sets.borrow_mut();
        let state = &mut sets.sets[set as usize];
        if state.dropped {
            return;
        }
        state.ready.push(key);
        let Some(parent) = &state.parent else {
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
