//! The run's simulated world as the kernel keeps it: the process table, the store, who waits
//! on which process, and the fault plan's timed crashes. A leaf: moving it forward in virtual
//! time and tracing that is the kernel's glue, in `world.rs`.

use crate::fault::TimedCrash;
use crate::time::Instant;
use crate::world::{KvStore, Pid, ProcessTable};
use std::collections::{BTreeMap, VecDeque};
use std::task::Waker;

#[derive(Default)]
pub(crate) struct WorldState {
    pub(crate) processes: ProcessTable,
    pub(crate) kv: KvStore,
    /// Tasks waiting for a process to change state.
    waiters: BTreeMap<Pid, Vec<Waker>>,
    /// Waiters whose process changed, for whoever holds the state to wake (a waker may be
    /// code that is not the kernel's: see `state_cell.rs`).
    to_wake: Vec<Waker>,
    /// Time-triggered process crashes of the fault plan, earliest first.
    pub(crate) timed_crashes: VecDeque<TimedCrash>,
}

impl WorldState {
    pub(crate) fn new(mut timed_crashes: Vec<TimedCrash>) -> WorldState {
        timed_crashes.sort_by_key(|c| (c.at, c.rule_index));
        WorldState {
            timed_crashes: timed_crashes.into(),
            ..WorldState::default()
        }
    }

    /// The earliest instant at which the world changes by itself.
    #[inline]
    pub(crate) fn next_deadline(&self, healed: bool) -> Option<Instant> {
        let crash = if healed {
            None
        } else {
            self.timed_crashes.front().map(|c| c.at)
        };
        match (self.processes.next_deadline(), crash) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub(crate) fn add_waiter(&mut self, pid: Pid, waker: &Waker) {
        let list = self.waiters.entry(pid).or_default();
        if !list.iter().any(|w| w.will_wake(waker)) {
            list.push(waker.clone());
        }
    }

    /// Leaves the tasks waiting on `pid` to be woken.
    pub(crate) fn wake(&mut self, pid: Pid) {
        if let Some(wakers) = self.waiters.remove(&pid) {
            self.to_wake.extend(wakers);
        }
    }

    /// The waiters that process changes left to wake, in the order the changes happened.
    pub(crate) fn take_waiters_to_wake(&mut self) -> Vec<Waker> {
        std::mem::take(&mut self.to_wake)
    }
}
