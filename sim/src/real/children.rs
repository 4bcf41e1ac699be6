//! Real mode's process table: the child processes `rt::process` started outside a simulation,
//! with the same API and semantics as the simulated table.
//!
//! Each child is `sh -c SCRIPT` (see `script`), the leader of its own process group, with a
//! watcher task that reads its stdout for the connect line and waits for its exit. The
//! registry is process-wide (`rt::process` takes no handle), so real runs are serialised
//! (`RealRun`).
//!
//! Invariants:
//! 1. `Pid` is the OS pid. A child moves `Starting` -> `Connected` -> `Exited` -> `Reaped` as
//!    in the simulated table; `Connected` is recorded before `Exited` when the script printed
//!    its line before it exited.
//! 2. The OS reaps a child as soon as it exits (the watcher's `wait`), so its pid is never a
//!    zombie for long; the registry keeps it `Exited` until the code under test reaps it with
//!    `try_wait` or `wait`, exactly once, as the simulated table does. The orphan check sees
//!    what the code under test did, and the OS confirms which children are still alive.
//! 3. Signals go to the child's pid alone, as kill(2) from an orchestrator would; a child the
//!    registry knows has exited is not signalled, so a recycled pid is never hit.
//! 4. When a child exits, its process group (the script's helpers) is killed; when a real run
//!    ends, every group still registered is killed. No helper outlives its child.

use super::clock;
use super::script::{script, CONNECTED_LINE};
use crate::time::Instant;
use crate::world::{
    ExitStatus, OrphanInfo, Pid, ProcessError, ProcessSpec, ProcessState, ProcessTable, Signal,
};
use nix::sys::signal::{kill, Signal as OsSignal};
use nix::unistd::Pid as OsPid;
use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::{Mutex, MutexGuard};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::watch;

/// One child as the code under test sees it.
struct Child {
    name: String,
    state: ProcessState,
    spawned_at: Instant,
    exited_at: Option<Instant>,
    /// Bumped at every change of state, for `wait` and `wait_connected`.
    changed: watch::Sender<u64>,
}

static CHILDREN: Mutex<BTreeMap<Pid, Child>> = Mutex::new(BTreeMap::new());

fn children() -> MutexGuard<'static, BTreeMap<Pid, Child>> {
    CHILDREN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn os_pid(pid: Pid) -> OsPid {
    OsPid::from_raw(i32::try_from(pid.0).expect("OS pids fit in an i32"))
}

/// Starts `spec` as a real child process.
///
/// # Panics
/// Outside a tokio runtime with IO and time enabled, or if `sh` cannot be started.
pub(crate) fn spawn(spec: ProcessSpec) -> Pid {
    let text = script(&spec, clock::to_real);
    let mut command = tokio::process::Command::new("sh");
    command
        .arg("-c")
        .arg(&text)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("real mode cannot start `sh` for '{}': {e}", spec.name));
    let pid = Pid(child.id().expect("a child that was just spawned has a pid"));
    let stdout = child.stdout.take().expect("stdout is piped");
    children().insert(
        pid,
        Child {
            name: spec.name.clone(),
            state: ProcessState::Starting,
            spawned_at: clock::now(),
            exited_at: None,
            changed: watch::Sender::new(0),
        },
    );
    tracing::debug!(target: "asynclife", pid = pid.0, name = %spec.name, "spawned a real child");
    tokio::spawn(watch_child(pid, child, stdout));
    pid
}

/// Follows one child: its connect line, then its exit (invariants 1, 2 and 4).
async fn watch_child(
    pid: Pid,
    mut child: tokio::process::Child,
    stdout: tokio::process::ChildStdout,
) {
    let mut lines = BufReader::new(stdout).lines();
    let mut reading = true;
    // Both futures are cancel-safe, as `select!` needs.
    let status = loop {
        tokio::select! {
            line = lines.next_line(), if reading => match line {
                Ok(Some(line)) => note_line(pid, &line),
                Ok(None) | Err(_) => reading = false,
            },
            status = child.wait() => break status,
        }
    };
    kill_group(pid);
    // The script has exited and its helpers never held stdout: the rest is buffered.
    while reading {
        match lines.next_line().await {
            Ok(Some(line)) => note_line(pid, &line),
            Ok(None) | Err(_) => reading = false,
        }
    }
    let status = match status {
        Ok(status) => exit_status(status),
        Err(e) => {
            tracing::warn!(target: "asynclife", pid = pid.0, "waiting for a real child failed: {e}");
            ExitStatus::Crashed
        }
    };
    update(pid, |child| {
        if child.state.is_alive() {
            child.state = ProcessState::Exited(status);
            child.exited_at = Some(clock::now());
        }
    });
}

fn note_line(pid: Pid, line: &str) {
    if line.trim() == CONNECTED_LINE {
        update(pid, |child| {
            if child.state == ProcessState::Starting {
                child.state = ProcessState::Connected;
            }
        });
    }
}

/// Changes a child's entry and wakes its waiters; nothing if the run has ended.
fn update(pid: Pid, change: impl FnOnce(&mut Child)) {
    if let Some(child) = children().get_mut(&pid) {
        change(child);
        child.changed.send_modify(|version| *version += 1);
    }
}

/// How the OS says a child ended, in the simulated table's terms.
fn exit_status(status: std::process::ExitStatus) -> ExitStatus {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => ExitStatus::Code(code),
        (None, Some(signal)) if signal == OsSignal::SIGTERM as i32 => {
            ExitStatus::Signal(Signal::Term)
        }
        (None, Some(signal)) if signal == OsSignal::SIGKILL as i32 => {
            ExitStatus::Signal(Signal::Kill)
        }
        _ => ExitStatus::Crashed,
    }
}

/// Kills the process group `pid` leads: the script's helpers (invariant 4). The group's id
/// cannot be reused while a member lives; an empty group is simply not found.
fn kill_group(pid: Pid) {
    let _ = kill(OsPid::from_raw(-os_pid(pid).as_raw()), OsSignal::SIGKILL);
}

/// kill(2): `Err(NoSuchProcess)` for an unknown or reaped child (invariant 3).
pub(crate) fn signal(pid: Pid, signal: Signal) -> Result<(), ProcessError> {
    let children = children();
    let child = children
        .get(&pid)
        .filter(|c| !matches!(c.state, ProcessState::Reaped(_)))
        .ok_or(ProcessError::NoSuchProcess(pid))?;
    if child.state.is_alive() {
        let os_signal = match signal {
            Signal::Term => OsSignal::SIGTERM,
            Signal::Kill => OsSignal::SIGKILL,
        };
        // ESRCH: it exited and the watcher has not recorded it yet; a zombie takes signals.
        if let Err(e) = kill(os_pid(pid), os_signal) {
            tracing::debug!(target: "asynclife", pid = pid.0, "kill({signal}) failed: {e}");
        }
    }
    Ok(())
}

/// Reaps `pid` if it has exited: `Ok(Some(status))` once, then `Err(NoSuchProcess)`.
pub(crate) fn try_wait(pid: Pid) -> Result<Option<ExitStatus>, ProcessError> {
    let mut children = children();
    let child = children
        .get_mut(&pid)
        .ok_or(ProcessError::NoSuchProcess(pid))?;
    match child.state {
        ProcessState::Starting | ProcessState::Connected => Ok(None),
        ProcessState::Exited(status) => {
            child.state = ProcessState::Reaped(status);
            child.changed.send_modify(|version| *version += 1);
            Ok(Some(status))
        }
        ProcessState::Reaped(_) => Err(ProcessError::NoSuchProcess(pid)),
    }
}

/// The child's state, `None` for a pid real mode never spawned.
pub(crate) fn state(pid: Pid) -> Option<ProcessState> {
    children().get(&pid).map(|c| c.state)
}

/// Waits until `check` decides, re-checking at every change of the child's state. The
/// subscription is taken under the lock that `check` reads under, so no change is missed.
async fn wait_until<R>(
    pid: Pid,
    mut check: impl FnMut(&mut Child) -> Option<Result<R, ProcessError>>,
) -> Result<R, ProcessError> {
    loop {
        let mut changed = {
            let mut children = children();
            let child = children
                .get_mut(&pid)
                .ok_or(ProcessError::NoSuchProcess(pid))?;
            if let Some(result) = check(child) {
                return result;
            }
            child.changed.subscribe()
        };
        if changed.changed().await.is_err() {
            // The run ended and its children were killed and forgotten.
            return Err(ProcessError::NoSuchProcess(pid));
        }
    }
}

/// Waits until `pid` exits, then reaps it.
pub(crate) async fn wait(pid: Pid) -> Result<ExitStatus, ProcessError> {
    wait_until(pid, |child| match child.state {
        ProcessState::Starting | ProcessState::Connected => None,
        ProcessState::Exited(status) => {
            child.state = ProcessState::Reaped(status);
            child.changed.send_modify(|version| *version += 1);
            Some(Ok(status))
        }
        ProcessState::Reaped(_) => Some(Err(ProcessError::NoSuchProcess(pid))),
    })
    .await
}

/// Waits until `pid` connects (`true`) or exits without connecting (`false`).
pub(crate) async fn wait_connected(pid: Pid) -> Result<bool, ProcessError> {
    wait_until(pid, |child| match child.state {
        ProcessState::Starting => None,
        ProcessState::Connected => Some(Ok(true)),
        ProcessState::Exited(_) => Some(Ok(false)),
        ProcessState::Reaped(_) => Some(Err(ProcessError::NoSuchProcess(pid))),
    })
    .await
}

/// The children as a process table, for readers written against the simulated one.
pub(crate) fn table() -> ProcessTable {
    let mut table = ProcessTable::new();
    for (&pid, child) in children().iter() {
        table.insert_observed(
            pid,
            &child.name,
            child.state,
            child.spawned_at,
            child.exited_at,
        );
    }
    table
}

/// How many children this run spawned.
pub(crate) fn spawned() -> usize {
    children().len()
}

/// Children the code under test never reaped: alive, or exited and never waited for. An alive
/// one is confirmed with the OS (`kill(pid, 0)`): one that is gone there is reported as
/// exited, since nobody reaped it.
pub(crate) fn orphans() -> Vec<OrphanInfo> {
    children()
        .iter()
        .filter(|(_, child)| !matches!(child.state, ProcessState::Reaped(_)))
        .map(|(&pid, child)| {
            let os_alive = kill(os_pid(pid), None).is_ok();
            let state = match child.state {
                alive if alive.is_alive() && !os_alive => ProcessState::Exited(ExitStatus::Crashed),
                state => state,
            };
            OrphanInfo {
                pid,
                name: child.name.clone(),
                state,
            }
        })
        .collect()
}

/// Kills every child still alive, with its group, and forgets them all (invariant 4);
/// returns how many were alive.
pub(crate) fn kill_all() -> usize {
    let mut children = children();
    let mut killed = 0;
    for (&pid, child) in children.iter() {
        if child.state.is_alive() {
            let _ = kill(os_pid(pid), OsSignal::SIGKILL);
            kill_group(pid);
            killed += 1;
        }
    }
    children.clear();
    killed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn exit_statuses_map_to_the_simulated_ones() {
        let code = |c: i32| std::process::ExitStatus::from_raw(c << 8);
        let signalled = |s: OsSignal| std::process::ExitStatus::from_raw(s as i32);
        assert_eq!(exit_status(code(0)), ExitStatus::Code(0));
        assert_eq!(exit_status(code(3)), ExitStatus::Code(3));
        assert_eq!(
            exit_status(signalled(OsSignal::SIGTERM)),
            ExitStatus::Signal(Signal::Term)
        );
        assert_eq!(
            exit_status(signalled(OsSignal::SIGKILL)),
            ExitStatus::Signal(Signal::Kill)
        );
        assert_eq!(
            exit_status(signalled(OsSignal::SIGSEGV)),
            ExitStatus::Crashed
        );
    }
}
