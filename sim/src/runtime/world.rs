//! The engine's side of the simulated world: moving the process table forward in virtual
//! time, timed process crashes, and waking tasks that wait on a process.

use super::kernel::State;
use crate::fault::{Pattern, TimedCrash};
use crate::time::Instant;
use crate::trace::EventKind;
use crate::world::{KvStore, Pid, ProcessState, ProcessTable, ProcessTransition};
use std::collections::{BTreeMap, VecDeque};
use std::task::Waker;

#[derive(Default)]
pub(crate) struct WorldState {
    pub(crate) processes: ProcessTable,
    pub(crate) kv: KvStore,
    /// Tasks waiting for a process to change state.
    waiters: BTreeMap<Pid, Vec<Waker>>,
    /// Waiters whose process changed, for whoever holds the state to wake (a waker may be
    /// code that is not the kernel's: see `speedups/fast/state_cell.rs`).
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

    fn wake(&mut self, pid: Pid) {
        if let Some(wakers) = self.waiters.remove(&pid) {
            self.to_wake.extend(wakers);
        }
    }

    /// The waiters that process changes left to wake, in the order the changes happened.
    pub(crate) fn take_waiters_to_wake(&mut self) -> Vec<Waker> {
        std::mem::take(&mut self.to_wake)
    }
}

fn state_name(state: ProcessState) -> String {
    match state {
        ProcessState::Starting => "starting".into(),
        ProcessState::Connected => "connected".into(),
        ProcessState::Exited(status) => format!("exited ({status:?})"),
        ProcessState::Reaped(status) => format!("reaped ({status:?})"),
    }
}

impl State {
    /// Applies every world change due now, traces it, and leaves the tasks waiting on it to
    /// be woken (`WorldState::take_waiters_to_wake`). Called at every step and before any task
    /// touches the world, so nobody sees a stale process table. True if anything changed.
    #[inline]
    pub(crate) fn sync_world(&mut self) -> bool {
        let now = self.now;
        if self
            .world
            .next_deadline(self.faults.healed)
            .is_none_or(|due| due > now)
        {
            return false; // the common case: nothing in the world is due
        }
        self.apply_world_changes();
        true
    }

    #[cold]
    fn apply_world_changes(&mut self) {
        let now = self.now;
        let transitions = self.world.processes.advance(now);
        self.trace_transitions(&transitions);
        while !self.faults.healed
            && self
                .world
                .timed_crashes
                .front()
                .is_some_and(|c| c.at <= now)
        {
            let crash = self
                .world
                .timed_crashes
                .pop_front()
                .expect("checked non-empty");
            self.recorder.push(
                now,
                None,
                EventKind::Fault {
                    point: format!("rules[{}]", crash.rule_index),
                    outcome: format!("crash process {}", crash.process),
                },
            );
            self.crash_processes(&crash.process);
        }
    }

    /// Crashes every live process whose name matches.
    pub(crate) fn crash_processes(&mut self, pattern: &Pattern) {
        let now = self.now;
        let victims: Vec<Pid> = self
            .world
            .processes
            .iter()
            .filter(|p| p.state.is_alive() && pattern.matches(p.name))
            .map(|p| p.pid)
            .collect();
        for pid in victims {
            self.change_process(pid, |table| table.crash(pid, now))
                .expect("a live process can always be crashed");
        }
    }

    /// Runs a mutation of one process and traces and wakes on the state change it made.
    pub(crate) fn change_process<R>(
        &mut self,
        pid: Pid,
        mutate: impl FnOnce(&mut ProcessTable) -> R,
    ) -> R {
        self.sync_world();
        let before = self.world.processes.state(pid);
        let result = mutate(&mut self.world.processes);
        let after = self.world.processes.state(pid);
        if let (Some(from), Some(to)) = (before, after) {
            if from != to {
                let name = self
                    .world
                    .processes
                    .iter()
                    .find(|p| p.pid == pid)
                    .map(|p| p.name.to_string())
                    .unwrap_or_default();
                let transition = ProcessTransition {
                    pid,
                    name,
                    from,
                    to,
                    at: self.now,
                };
                self.trace_transitions(std::slice::from_ref(&transition));
            }
        }
        result
    }

    fn trace_transitions(&mut self, transitions: &[ProcessTransition]) {
        for t in transitions {
            let change = format!("{} -> {}", state_name(t.from), state_name(t.to));
            let task = self.current;
            self.recorder.push(
                t.at,
                task,
                EventKind::Process {
                    pid: t.pid.0,
                    change,
                },
            );
            self.world.wake(t.pid);
        }
    }
}
