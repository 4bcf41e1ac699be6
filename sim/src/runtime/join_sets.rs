//! The simulation side of `rt::JoinSet`: each set's list of members that woke, and the waker of
//! whoever awaits the set, kept in the kernel; and member wakers that are (run, member) words,
//! like task wakers (see `waker.rs`): joining a member allocates nothing and locks nothing.
//!
//! A member waker names an entry of the run's member table, which says which set and which key
//! it wakes. Entries are never reused within a run, so a waker that outlives its member can
//! only queue its own stale key, which the set ignores.

use super::context;
use super::kernel::Kernel;
use std::task::{RawWaker, RawWakerVTable, Waker};

/// One set's state.
#[derive(Default)]
struct SetState {
    /// Keys of members whose task woke them, in wake order.
    ready: Vec<u64>,
    /// Whoever awaits `join_next`.
    parent: Option<Waker>,
}

/// Every join set of a run, and the member table their wakers index.
#[derive(Default)]
pub(crate) struct JoinSets {
    sets: Vec<SetState>,
    /// (set, key) of each member waker ever made in the run.
    members: Vec<(u32, u64)>,
}

impl Kernel {
    /// A new, empty set of this run.
    pub(crate) fn new_join_set(&self) -> u32 {
        let mut sets = self.join_sets.borrow_mut();
        sets.sets.push(SetState::default());
        u32::try_from(sets.sets.len() - 1).expect("fewer than 2^32 join sets in one run")
    }

    /// The waker of member `key` of `set`.
    pub(crate) fn member_waker(&self, set: u32, key: u64) -> Waker {
        let index = {
            let mut sets = self.join_sets.borrow_mut();
            sets.members.push((set, key));
            u32::try_from(sets.members.len() - 1).expect("fewer than 2^32 join set members")
        };
        let data = pack(self.run_tag, index);
        // SAFETY: MEMBER_VTABLE's functions never dereference the data word and own nothing.
        unsafe { Waker::from_raw(RawWaker::new(data, &MEMBER_VTABLE)) }
    }

    /// Makes `parent` the set's waiter and moves the keys that woke into `into` (empty).
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

    /// Puts `keys` back at the front of the set's queue, before any that woke since; leaves
    /// `keys` empty.
    pub(crate) fn requeue_front(&self, set: u32, keys: &mut Vec<u64>) {
        let mut sets = self.join_sets.borrow_mut();
        let state = &mut sets.sets[set as usize];
        keys.append(&mut state.ready);
        std::mem::swap(&mut state.ready, keys);
    }

    /// The set is gone: its queue and waiter are released.
    pub(crate) fn drop_join_set(&self, set: u32) {
        let state = std::mem::take(&mut self.join_sets.borrow_mut().sets[set as usize]);
        drop(state);
    }

    fn wake_member(&self, index: u32) {
        let parent = {
            let mut sets = self.join_sets.borrow_mut();
            let (set, key) = sets.members[index as usize];
            let state = &mut sets.sets[set as usize];
            state.ready.push(key);
            state.parent.clone()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

fn pack(run: u32, index: u32) -> *const () {
    std::ptr::without_provenance(((run as usize) << 32) | index as usize)
}

static MEMBER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone, wake_by_ref, wake_by_ref, drop_member);

// Member wakers own nothing, so cloning copies the word and dropping does nothing; waking
// reaches the member's set if the waker's run is the thread's current one.

unsafe fn clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &MEMBER_VTABLE)
}

unsafe fn wake_by_ref(data: *const ()) {
    let word = data.addr();
    let (run, index) = ((word >> 32) as u32, word as u32);
    context::with_current(|kernel| {
        if kernel.run_tag == run {
            kernel.wake_member(index);
        }
    });
}

unsafe fn drop_member(_: *const ()) {}

#[cfg(test)]
mod tests {
    use super::super::waker::run_tag;
    use super::*;

    #[test]
    fn a_member_word_keeps_its_run_and_index() {
        let data = pack(run_tag(0x1_0000_0007), 42);
        assert_eq!(data.addr() >> 32, 7);
        assert_eq!(data.addr() as u32, 42);
    }
}
