//! The run's join sets as the kernel keeps them: each set's keys of members that finished,
//! in the order they finished, and the waker of whoever awaits it. A leaf: waking that waiter
//! is the kernel's glue, in `join_sets.rs`.

use std::task::Waker;

/// One set's state.
#[derive(Default)]
pub(crate) struct SetState {
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

impl JoinSets {
    /// A new, empty set.
    pub(crate) fn new_set(&mut self) -> u32 {
        self.sets.push(SetState::default());
        u32::try_from(self.sets.len() - 1).expect("fewer than 2^32 join sets in one run")
    }

    /// Makes `parent` the set's waiter and moves the keys that finished into `into` (empty);
    /// returns the waiter it replaced, to drop with the sets released.
    pub(crate) fn take_ready(
        &mut self,
        set: u32,
        parent: &Waker,
        into: &mut Vec<u64>,
    ) -> Option<Waker> {
        let state = &mut self.sets[set as usize];
        std::mem::swap(&mut state.ready, into);
        if state.parent.as_ref().is_some_and(|w| w.will_wake(parent)) {
            None
        } else {
            state.parent.replace(parent.clone())
        }
    }

    /// Puts `keys` back at the front of the set's queue, before any that finished since;
    /// leaves `keys` empty.
    pub(crate) fn requeue_front(&mut self, set: u32, keys: &mut Vec<u64>) {
        let state = &mut self.sets[set as usize];
        keys.append(&mut state.ready);
        std::mem::swap(&mut state.ready, keys);
    }

    /// The set is gone: returns its queue and waiter, to drop with the sets released.
    pub(crate) fn drop_set(&mut self, set: u32) -> SetState {
        std::mem::replace(
            &mut self.sets[set as usize],
            SetState {
                dropped: true,
                ..SetState::default()
            },
        )
    }

    /// Member `key` of `set` finished: its key is queued, and the set's waiter, if any, is
    /// whom to wake (nobody, once the set is dropped).
    pub(crate) fn member_finished(&mut self, set: u32, key: u64) -> Option<&Waker> {
        let state = &mut self.sets[set as usize];
        if state.dropped {
            return None;
        }
        state.ready.push(key);
        state.parent.as_ref()
    }
}
