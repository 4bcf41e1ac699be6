//! The simulated world's calls as the `rt` facade makes them (processes and the store): each
//! brings the world up to date first and traces itself, so that `rt` only dispatches between
//! the engine and the real side.

use super::kernel::State;
use crate::time::Instant;
use crate::trace::EventKind;
use crate::world::{
    ExitStatus, KvStore, Pid, ProcessError, ProcessSpec, ProcessState, ProcessTable, Signal,
};
use std::task::{Poll, Waker};

impl State {
    /// Starts a simulated process and traces it.
    pub(crate) fn spawn_process(&mut self, spec: ProcessSpec) -> Pid {
        self.sync_world();
        let now = self.now;
        let name = spec.name.clone();
        let pid = self.world.processes.spawn(spec, now);
        let task = self.current;
        self.recorder.push(
            now,
            task,
            EventKind::Process {
                pid: pid.0,
                change: format!("spawn '{name}'"),
            },
        );
        pid
    }

    /// Traces a signal, then delivers it.
    pub(crate) fn signal_process(&mut self, pid: Pid, signal: Signal) -> Result<(), ProcessError> {
        let (now, task) = (self.now, self.current);
        self.recorder.push(
            now,
            task,
            EventKind::Process {
                pid: pid.0,
                change: format!("{signal}"),
            },
        );
        self.change_process(pid, |table| table.signal(pid, signal, now))
    }

    /// Reaps the process if it has exited.
    pub(crate) fn try_wait_process(
        &mut self,
        pid: Pid,
    ) -> Result<Option<ExitStatus>, ProcessError> {
        let now = self.now;
        self.change_process(pid, |table| table.try_wait(pid, now))
    }

    /// The process's state now.
    pub(crate) fn process_state(&mut self, pid: Pid) -> Option<ProcessState> {
        self.sync_world();
        self.world.processes.state(pid)
    }

    /// One poll of a wait for the process's exit: reaped and ready once it has exited, else
    /// `waker` waits on it.
    pub(crate) fn poll_process_exit(
        &mut self,
        pid: Pid,
        waker: &Waker,
    ) -> Poll<Result<ExitStatus, ProcessError>> {
        match self.try_wait_process(pid) {
            Ok(Some(status)) => Poll::Ready(Ok(status)),
            Ok(None) => {
                self.world.add_waiter(pid, waker);
                Poll::Pending
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// One poll of a wait for the process to connect (`true`) or exit first (`false`).
    pub(crate) fn poll_process_connected(
        &mut self,
        pid: Pid,
        waker: &Waker,
    ) -> Poll<Result<bool, ProcessError>> {
        match self.process_state(pid) {
            Some(ProcessState::Connected) => Poll::Ready(Ok(true)),
            Some(ProcessState::Starting) => {
                self.world.add_waiter(pid, waker);
                Poll::Pending
            }
            Some(ProcessState::Exited(_)) => Poll::Ready(Ok(false)),
            Some(ProcessState::Reaped(_)) | None => {
                Poll::Ready(Err(ProcessError::NoSuchProcess(pid)))
            }
        }
    }

    /// Reads the process table as it is now.
    pub(crate) fn inspect_processes<R>(
        &mut self,
        f: impl FnOnce(&ProcessTable, Instant) -> R,
    ) -> R {
        self.sync_world();
        f(&self.world.processes, self.now)
    }

    /// Traces a store command (`label` is the command and its key), then runs it.
    pub(crate) fn kv_command<R>(
        &mut self,
        label: String,
        run: impl FnOnce(&mut KvStore, Instant) -> R,
    ) -> R {
        let (now, task) = (self.now, self.current);
        self.recorder
            .push(now, task, EventKind::Kv { command: label });
        run(&mut self.world.kv, now)
    }

    /// Reads the store as it is now.
    pub(crate) fn inspect_kv<R>(&self, f: impl FnOnce(&KvStore, Instant) -> R) -> R {
        f(&self.world.kv, self.now)
    }
}
