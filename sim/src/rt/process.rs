//! Processes: spawn, signal, wait, reap. Inside a simulation they are the engine's simulated
//! processes, in virtual time; outside one they are real children (`sh` scripts that behave
//! as their spec says, on the scaled wall clock: real mode, feature `real`), and a PID is the
//! OS's. Without the feature, a call outside a simulation panics saying so.

#[cfg(feature = "real")]
use crate::real;
use crate::runtime::context;
use crate::time::Instant;
use crate::world::{
    ExitStatus, Pid, ProcessError, ProcessSpec, ProcessState, ProcessTable, Signal,
};
use std::future::poll_fn;

/// Starts a process; it connects, exits or crashes as its spec says, in virtual time (in
/// scaled real time outside a simulation).
///
/// # Panics
/// Outside both a simulation and a tokio runtime (with IO and time enabled).
pub fn spawn(spec: ProcessSpec) -> Pid {
    let Some(kernel) = context::try_current() else {
        return outside_simulation!("rt::process::spawn", real::spawn(spec));
    };
    kernel.with_state(|st| st.spawn_process(spec))
}

/// Sends a signal. `Err(NoSuchProcess)` for an unknown or reaped PID, as kill(2) gives ESRCH.
pub fn signal(pid: Pid, signal: Signal) -> Result<(), ProcessError> {
    let Some(kernel) = context::try_current() else {
        return outside_simulation!("rt::process::signal", real::signal(pid, signal));
    };
    kernel.with_state(|st| st.signal_process(pid, signal))
}

/// Reaps the process if it has exited: `Ok(Some(status))` once, then `Err(NoSuchProcess)`.
pub fn try_wait(pid: Pid) -> Result<Option<ExitStatus>, ProcessError> {
    let Some(kernel) = context::try_current() else {
        return outside_simulation!("rt::process::try_wait", real::try_wait(pid));
    };
    kernel.with_state(|st| st.try_wait_process(pid))
}

/// The process's state now (`None` for a PID never spawned).
pub fn state(pid: Pid) -> Option<ProcessState> {
    let Some(kernel) = context::try_current() else {
        return outside_simulation!("rt::process::state", real::state(pid));
    };
    kernel.with_state(|st| st.process_state(pid))
}

/// Waits until the process exits, then reaps it and returns how it exited.
pub async fn wait(pid: Pid) -> Result<ExitStatus, ProcessError> {
    if !context::in_simulation() {
        return outside_simulation!("rt::process::wait", real::wait(pid).await);
    }
    poll_fn(|cx| context::current().with_state(|st| st.poll_process_exit(pid, cx.waker()))).await
}

/// Waits until the process has connected (`Ok(true)`) or exited without connecting
/// (`Ok(false)`; it is not reaped).
pub async fn wait_connected(pid: Pid) -> Result<bool, ProcessError> {
    if !context::in_simulation() {
        return outside_simulation!(
            "rt::process::wait_connected",
            real::wait_connected(pid).await
        );
    }
    poll_fn(|cx| context::current().with_state(|st| st.poll_process_connected(pid, cx.waker())))
        .await
}

/// Reads the process table (for invariants and reports), as it is now. Outside a
/// simulation it is a snapshot of the real children, PIDs and instants as real mode has them.
pub fn inspect<R>(f: impl FnOnce(&ProcessTable, Instant) -> R) -> R {
    let Some(kernel) = context::try_current() else {
        let table = outside_simulation!("rt::process::inspect", real::process_table());
        return f(&table, crate::scaled_clock::now());
    };
    kernel.with_state(|st| st.inspect_processes(f))
}
