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
//! 4. When a child exits, its process group (the script's helpers) is killed and reaped; when
//!    a real run ends, every group still registered is. No helper outlives its child, and
//!    none is left a zombie: during a real run this process is the helpers' subreaper (they
//!    come back to it when their script dies), because the machine's init may not reap.
//! 5. A pid the OS has reaped is never signalled again (`os_reaped` is set in the same poll
//!    as the reaping wait), so a recycled pid is never hit.

use super::parent_death::die_with_parent;
use super::script::{script, CONNECTED_LINE};
use crate::scaled_clock as clock;
use crate::time::Instant;
use crate::world::{
    ExitStatus, OrphanInfo, Pid, ProcessError, ProcessSpec, ProcessState, ProcessTable, Signal,
};
use nix::sys::prctl::{get_child_subreaper, set_child_subreaper};
use nix::sys::signal::{kill, Signal as OsSignal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid as OsPid;
use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::watch;

/// One child as the code under test sees it.
struct Child {
    name: String,
    state: ProcessState,
    spawned_at: Instant,
    exited_at: Option<Instant>,
    /// Whether the OS has reaped it (its pid may be anyone's now): invariant 5.
    os_reaped: bool,
    /// Bumped at every change of state, for `wait` and `wait_connected`.
    changed: watch::Sender<u64>,
}

static CHILDREN: Mutex<BTreeMap<Pid, Child>> = Mutex::new(BTreeMap::new());

/// Wall-clock time spent inside `spawn` since the process started, in nanoseconds.
static SPAWNING_NANOS: AtomicU64 = AtomicU64::new(0);

/// Wall-clock time the thread has spent starting children so far (fork and exec hold the
/// caller until the child runs `sh`: tens of milliseconds for a burst of them on a busy
/// machine). The lag probe leaves it out: it is the harness's cost, not the code's, whose
/// production counterpart spawns from another process.
pub(crate) fn spawning_time() -> std::time::Duration {
    std::time::Duration::from_nanos(SPAWNING_NANOS.load(Ordering::Relaxed))
}

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
    // SIGHUP, on which the script kills its whole process group (`script.rs`, invariant 5).
    // The run's own thread starts every child and outlives them all.
    die_with_parent(command.as_std_mut(), nix::sys::signal::Signal::SIGHUP);
    let started = tokio::time::Instant::now();
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("real mode cannot start `sh` for '{}': {e}", spec.name));
    let took = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    SPAWNING_NANOS.fetch_add(took, Ordering::Relaxed);
    let pid = Pid(child.id().expect("a child that was just spawned has a pid"));
    let stdout = child.stdout.take().expect("stdout is piped");
    children().insert(
        pid,
        Child {
            name: spec.name.clone(),
            state: ProcessState::Starting,
            spawned_at: clock::now(),
            exited_at: None,
            os_reaped: false,
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
    // In the poll that reaped it (invariant 5), without waking anyone: its state comes below.
    if let Some(child) = children().get_mut(&pid) {
        child.os_reaped = true;
    }
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
    reap_group(pid).await;
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

fn group_of(pid: Pid) -> OsPid {
    OsPid::from_raw(-os_pid(pid).as_raw())
}

/// Kills the process group `pid` leads (invariant 4). The group's id cannot be reused while
/// a member lives; an empty group is simply not found.
fn kill_group(pid: Pid) {
    let _ = kill(group_of(pid), OsSignal::SIGKILL);
}

/// Reaps the killed members of `pid`'s group that are this process's children, without
/// blocking: a killed helper takes a moment to die on a busy machine, and a blocking wait
/// here would hold the event loop the lag probe measures.
async fn reap_group(pid: Pid) {
    const POLL: std::time::Duration = std::time::Duration::from_millis(1);
    const ROUNDS: u32 = 1_000;
    for _ in 0..ROUNDS {
        match waitpid(group_of(pid), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => tokio::time::sleep(POLL).await,
            Ok(_) => {}
            // ECHILD: none of the group is (any longer) a child of ours.
            Err(_) => return,
        }
    }
}

/// Reaps the group's members that are this process's children, waiting for them: for the
/// end of a run, when nothing else runs. SIGKILL cannot be caught, so this ends as soon as
/// the killed members are dead, and at once when none is a child of ours.
fn reap_group_now(pid: Pid) {
    while waitpid(group_of(pid), None).is_ok() {}
}

/// Makes this process the subreaper of its descendants, or stops it; returns what it was.
pub(crate) fn set_subreaper(on: bool) -> bool {
    let was = get_child_subreaper().unwrap_or(false);
    if let Err(e) = set_child_subreaper(on) {
        tracing::debug!(target: "asynclife", "cannot set the child subreaper attribute: {e}");
    }
    was
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

/// Kills every child the OS has not reaped, with its group, reaps them, and forgets them all
/// (invariants 4 and 5); returns how many there were. Call it once the runtime is gone: its
/// watchers would otherwise race this wait for the same children.
pub(crate) fn kill_all() -> usize {
    let mut children = children();
    let mut killed = 0;
    for (&pid, child) in children.iter() {
        if !child.os_reaped {
            // Not reaped, so the pid is still this child's: alive, or a zombie of ours.
            let _ = kill(os_pid(pid), OsSignal::SIGKILL);
            kill_group(pid);
            killed += 1;
        }
        // Helpers of a child whose watcher was dropped before it reaped them.
        reap_group_now(pid);
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
