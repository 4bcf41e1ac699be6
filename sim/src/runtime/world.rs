//! The engine's side of the simulated world: moving the process table forward in virtual
//! time, timed process crashes, and waking tasks that wait on a process. The world's state
//! itself is in `world_state.rs`.

use super::kernel::{Kernel, State};
use super::waker;
use crate::fault::Pattern;
use crate::trace::EventKind;
use crate::world::{Pid, ProcessState, ProcessTable, ProcessTransition};

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
            .next_deadline(self.faults.is_healed())
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
        while !self.faults.is_healed()
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

impl Kernel {
    /// Wakes the tasks whose process changed since the last call, with the state held.
    pub(crate) fn wake_world_waiters(&self, st: &mut State) {
        for waker in st.world.take_waiters_to_wake() {
            waker::wake_under_state(self, waker);
        }
    }
}
