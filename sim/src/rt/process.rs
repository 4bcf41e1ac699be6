//! Simulated processes: spawn, signal, wait, reap. Every call must be made from within a
//! simulation; the real-process side arrives with real mode.

use crate::runtime::context;
use crate::time::Instant;
use crate::trace::EventKind;
use crate::world::{
    ExitStatus, Pid, ProcessError, ProcessSpec, ProcessState, ProcessTable, Signal,
};
use std::future::poll_fn;
use std::task::Poll;

/// Starts a process; it connects, exits or crashes as its spec says, in virtual time.
///
/// # Panics
/// Outside a simulation.
pub fn spawn(spec: ProcessSpec) -> Pid {
    let kernel = context::current();
    kernel.with_state(|st| {
        st.sync_world();
        let now = st.now;
        let name = spec.name.clone();
        let pid = st.world.processes.spawn(spec, now);
        let task = st.current;
        st.recorder.push(
            now,
            task,
            EventKind::Process {
                pid: pid.0,
                change: format!("spawn '{name}'"),
            },
        );
        pid
    })
}

/// Sends a signal. `Err(NoSuchProcess)` for an unknown or reaped PID, as kill(2) gives ESRCH.
///
/// # Panics
/// Outside a simulation.
pub fn signal(pid: Pid, signal: Signal) -> Result<(), ProcessError> {
    let kernel = context::current();
    kernel.with_state(|st| {
        let now = st.now;
        let task = st.current;
        st.recorder.push(
            now,
            task,
            EventKind::Process {
                pid: pid.0,
                change: format!("{signal}"),
            },
        );
        st.change_process(pid, |table| table.signal(pid, signal, now))
    })
}

/// Reaps the process if it has exited: `Ok(Some(status))` once, then `Err(NoSuchProcess)`.
///
/// # Panics
/// Outside a simulation.
pub fn try_wait(pid: Pid) -> Result<Option<ExitStatus>, ProcessError> {
    let kernel = context::current();
    kernel.with_state(|st| {
        let now = st.now;
        st.change_process(pid, |table| table.try_wait(pid, now))
    })
}

/// The process's state now (`None` for a PID never spawned).
///
/// # Panics
/// Outside a simulation.
pub fn state(pid: Pid) -> Option<ProcessState> {
    context::current().with_state(|st| {
        st.sync_world();
        st.world.processes.state(pid)
    })
}

/// Waits until the process exits, then reaps it and returns how it exited.
///
/// # Panics
/// Outside a simulation.
pub async fn wait(pid: Pid) -> Result<ExitStatus, ProcessError> {
    poll_fn(|cx| {
        let kernel = context::current();
        kernel.with_state(|st| {
            let now = st.now;
            match st.change_process(pid, |table| table.try_wait(pid, now)) {
                Ok(Some(status)) => Poll::Ready(Ok(status)),
                Ok(None) => {
                    st.world.add_waiter(pid, cx.waker());
                    Poll::Pending
                }
                Err(e) => Poll::Ready(Err(e)),
            }
        })
    })
    .await
}

/// Waits until the process has connected (`Ok(true)`) or exited without connecting
/// (`Ok(false)`; it is not reaped).
///
/// # Panics
/// Outside a simulation.
pub async fn wait_connected(pid: Pid) -> Result<bool, ProcessError> {
    poll_fn(|cx| {
        let kernel = context::current();
        kernel.with_state(|st| {
            st.sync_world();
            match st.world.processes.state(pid) {
                Some(ProcessState::Connected) => Poll::Ready(Ok(true)),
                Some(ProcessState::Starting) => {
                    st.world.add_waiter(pid, cx.waker());
                    Poll::Pending
                }
                Some(ProcessState::Exited(_)) => Poll::Ready(Ok(false)),
                Some(ProcessState::Reaped(_)) | None => {
                    Poll::Ready(Err(ProcessError::NoSuchProcess(pid)))
                }
            }
        })
    })
    .await
}

/// Reads the process table (for invariants and reports), as it is now.
///
/// # Panics
/// Outside a simulation.
pub fn inspect<R>(f: impl FnOnce(&ProcessTable, Instant) -> R) -> R {
    context::current().with_state(|st| {
        st.sync_world();
        f(&st.world.processes, st.now)
    })
}
