//! The simulated process table: spawn, connect, signal, crash, exit and reap, in virtual time.
//!
//! It models the agent processes a session orchestrator starts: spawned at once, connecting
//! some seconds later (or never), stopped with SIGTERM, a grace period and SIGKILL, and left as
//! zombies until someone reaps them. The table is a pure state machine: it never reads a clock,
//! every method that changes it takes the current virtual [`Instant`], and the engine wraps it
//! with async waiting, timers and trace events.
//!
//! # Scheduled transitions are applied by `advance`, never lazily
//!
//! Transitions that happen by themselves (connect, exit after SIGTERM, `crash_after`,
//! `exit_after`) are applied only by [`ProcessTable::advance`]; queries never apply them. That
//! way every such transition appears in the list `advance` returns, with its own instant, and
//! the engine can trace each one. The engine calls `advance(now)` before it lets anyone observe
//! or act on the table. The methods that act (`spawn`, `signal`, `crash`, `try_wait`) assert
//! that it did, so a stale state is never acted upon silently: forgetting `advance` is a bug in
//! the harness and panics with a message saying so.
//!
//! # Invariants
//!
//! 1. PIDs are handed out in spawn order from [`Pid::FIRST`] and never reused, so a run's PIDs
//!    depend only on its sequence of spawns.
//! 2. A process only moves forward: `Starting` -> `Connected` -> `Exited` -> `Reaped`, where
//!    `Connected` may be skipped. A process that exited never connects.
//! 3. `Reaped(s)` is reached only from `Exited(s)`, only by [`ProcessTable::try_wait`], and
//!    keeps the same status.
//! 4. Only alive processes have scheduled transitions; exiting cancels all the others.
//! 5. The instants passed in never go backwards, and `advance` applies due transitions in
//!    order of (instant, pid, kind), so what it returns is a function of the calls made.
//! 6. After `advance(now)`, nothing due at or before `now` is pending: `next_deadline() > now`.
//! 7. [`ProcessTable::orphans`] is exactly the processes that are alive or exited and unreaped.

use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

/// A simulated process id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pid(pub u32);

impl Pid {
    /// The PID of the first process a table spawns. Far from 1 so that a PID is never mistaken
    /// for a count or an index in a trace.
    pub const FIRST: Pid = Pid(1000);
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The signals a simulated process can be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// SIGTERM: a request to stop, which the process handles as its [`TermBehavior`] says.
    Term,
    /// SIGKILL: stops the process at once; it cannot be handled or ignored.
    Kill,
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signal::Term => "SIGTERM",
            Signal::Kill => "SIGKILL",
        })
    }
}

/// What a process does when it receives SIGTERM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermBehavior {
    /// Exit this long after the first SIGTERM, with status [`ExitStatus::Signal`]`(Term)`.
    /// `Duration::ZERO` is the default disposition of SIGTERM.
    ExitAfter(Duration),
    /// Keep running; only SIGKILL (or a crash) stops it.
    Ignore,
}

impl Default for TermBehavior {
    fn default() -> Self {
        TermBehavior::ExitAfter(Duration::ZERO)
    }
}

/// How a simulated process behaves by itself. Plain data: it may come from a scenario file,
/// so check it with [`ProcessSpec::validate`] before use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProcessSpec {
    /// Name shown in traces and reports (an agent kind, a session id). Must not be empty.
    pub name: String,
    /// Time from spawn until the process connects; `None`: it never connects.
    pub connect_after: Option<Duration>,
    /// What the process does on SIGTERM.
    pub on_term: TermBehavior,
    /// Time from spawn until the process crashes by itself; `None`: it does not.
    pub crash_after: Option<Duration>,
    /// Time from spawn until the process exits by itself with code 0; `None`: it does not.
    pub exit_after: Option<Duration>,
}

impl Default for ProcessSpec {
    fn default() -> Self {
        ProcessSpec::named("process")
    }
}

impl ProcessSpec {
    /// A process called `name` that never connects, crashes or exits by itself, and exits at
    /// once on SIGTERM.
    pub fn named(name: impl Into<String>) -> ProcessSpec {
        ProcessSpec {
            name: name.into(),
            connect_after: None,
            on_term: TermBehavior::default(),
            crash_after: None,
            exit_after: None,
        }
    }

    /// Checks what the types cannot: a non-empty name, and delays that fit in virtual time
    /// (a longer one would silently saturate into "never").
    pub fn validate(&self) -> Result<(), ProcessError> {
        let invalid = |field, reason| ProcessError::InvalidSpec {
            name: self.name.clone(),
            field,
            reason,
        };
        if self.name.is_empty() {
            return Err(invalid("name", "must not be empty"));
        }
        let term_after = match self.on_term {
            TermBehavior::ExitAfter(delay) => Some(delay),
            TermBehavior::Ignore => None,
        };
        let delays = [
            ("connect_after", self.connect_after),
            ("on_term", term_after),
            ("crash_after", self.crash_after),
            ("exit_after", self.exit_after),
        ];
        for (field, delay) in delays {
            if delay.is_some_and(|d| u64::try_from(d.as_nanos()).is_err()) {
                return Err(invalid(field, "is longer than virtual time can represent"));
            }
        }
        Ok(())
    }
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitStatus {
    /// It exited by itself with this code.
    Code(i32),
    /// It ended because of this signal (after its grace period, for SIGTERM).
    Signal(Signal),
    /// It crashed, by itself (`crash_after`) or through fault injection.
    Crashed,
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitStatus::Code(code) => write!(f, "exit code {code}"),
            ExitStatus::Signal(signal) => write!(f, "{signal}"),
            ExitStatus::Crashed => f.write_str("crashed"),
        }
    }
}

/// Where a process is in its life. Variants are in the only order a process goes through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessState {
    /// Spawned, not yet connected.
    Starting,
    /// Connected and running.
    Connected,
    /// Exited and not yet reaped: a zombie. It still holds its PID.
    Exited(ExitStatus),
    /// Exited and reaped by `try_wait`: its PID is gone for the rest of the world.
    Reaped(ExitStatus),
}

impl ProcessState {
    /// Whether the process is running (`Starting` or `Connected`).
    pub fn is_alive(self) -> bool {
        matches!(self, ProcessState::Starting | ProcessState::Connected)
    }

    /// How the process ended, once it has.
    pub fn exit_status(self) -> Option<ExitStatus> {
        match self {
            ProcessState::Exited(status) | ProcessState::Reaped(status) => Some(status),
            ProcessState::Starting | ProcessState::Connected => None,
        }
    }

    /// Position in the life cycle; it only ever grows (invariant 2).
    fn rank(self) -> u8 {
        match self {
            ProcessState::Starting => 0,
            ProcessState::Connected => 1,
            ProcessState::Exited(_) => 2,
            ProcessState::Reaped(_) => 3,
        }
    }
}

impl fmt::Display for ProcessState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessState::Starting => f.write_str("starting"),
            ProcessState::Connected => f.write_str("connected"),
            ProcessState::Exited(status) => write!(f, "exited ({status})"),
            ProcessState::Reaped(status) => write!(f, "reaped ({status})"),
        }
    }
}

/// One change of state, as [`ProcessTable::advance`] reports it for the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessTransition {
    /// The process that changed.
    pub pid: Pid,
    /// Its [`ProcessSpec::name`].
    pub name: String,
    /// Its state before.
    pub from: ProcessState,
    /// Its state after.
    pub to: ProcessState,
    /// When the change happened (its scheduled instant, at or before the `now` given).
    pub at: Instant,
}

/// A process that outlived its run: alive, or exited and never reaped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrphanInfo {
    /// Its PID.
    pub pid: Pid,
    /// Its [`ProcessSpec::name`].
    pub name: String,
    /// Its state: alive, or [`ProcessState::Exited`].
    pub state: ProcessState,
}

/// A view of one process, for invariants and reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessInfo<'a> {
    /// Its PID.
    pub pid: Pid,
    /// Its [`ProcessSpec::name`].
    pub name: &'a str,
    /// Its current state.
    pub state: ProcessState,
    /// When it was spawned.
    pub spawned_at: Instant,
    /// When it exited, if it has.
    pub exited_at: Option<Instant>,
    /// When it was first sent SIGTERM, if it was (whether it honours SIGTERM or not).
    pub first_term_at: Option<Instant>,
    /// SIGKILLs sent after it had exited: to a zombie (harmless, but the sender did not know
    /// it was gone) or once reaped (refused with `NoSuchProcess` here; on a real machine
    /// the PID may be anyone's by then).
    pub kills_after_exit: u32,
}

/// What went wrong in a call to the process table or a spec check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProcessError {
    /// No process has this PID, or it has been reaped (`ESRCH` from kill(2) or waitpid(2)).
    NoSuchProcess(Pid),
    /// A field of a [`ProcessSpec`] is invalid.
    InvalidSpec {
        /// The spec's name, to find it in its file.
        name: String,
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::NoSuchProcess(pid) => write!(f, "no such process: {pid}"),
            ProcessError::InvalidSpec {
                name,
                field,
                reason,
            } => write!(f, "process spec {name:?}: `{field}` {reason}"),
        }
    }
}

impl std::error::Error for ProcessError {}

/// Kinds of scheduled transitions. The variant order breaks ties between transitions of one
/// process due at the same instant: connecting first, so a process that connects and dies at
/// once is seen to have connected; then the most abnormal exit, so a crash is never masked by
/// a coincident clean exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    Connect,
    Crash,
    TermExit,
    Exit,
}

/// A pending transition. Field order is the application order (invariant 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Scheduled {
    at: Instant,
    pid: Pid,
    due: Due,
}

#[derive(Clone, Debug)]
struct Process {
    spec: ProcessSpec,
    state: ProcessState,
    spawned_at: Instant,
    exited_at: Option<Instant>,
    /// Set by the first SIGTERM that schedules an exit, so that later ones cannot postpone it.
    term_exit_scheduled: bool,
    /// See [`ProcessInfo::first_term_at`].
    first_term_at: Option<Instant>,
    /// See [`ProcessInfo::kills_after_exit`].
    kills_after_exit: u32,
}

/// The simulated process table. See the module docs for how time and transitions work.
#[derive(Clone, Debug)]
pub struct ProcessTable {
    processes: BTreeMap<Pid, Process>,
    schedule: BTreeSet<Scheduled>,
    next_pid: Pid,
    /// The latest instant passed in, to catch time going backwards.
    now: Instant,
    /// Calls that may have changed the table (see [`ProcessTable::writes`]).
    writes: u64,
}

impl Default for ProcessTable {
    fn default() -> Self {
        ProcessTable::new()
    }
}

impl ProcessTable {
    /// An empty table; its first spawn gets [`Pid::FIRST`].
    pub fn new() -> ProcessTable {
        ProcessTable {
            processes: BTreeMap::new(),
            schedule: BTreeSet::new(),
            next_pid: Pid::FIRST,
            now: Instant::ZERO,
            writes: 0,
        }
    }

    /// How many calls that may change the table have been made (spawns, signals, crashes,
    /// reaps, time advancing). While it stays the same, so does every process's state.
    pub fn writes(&self) -> u64 {
        self.writes
    }

    /// Starts a process at `now`, in state `Starting`, and schedules what its spec says it
    /// does by itself. Even a zero delay takes effect only at the next `advance(now)`.
    ///
    /// The spec is not validated here: an invalid one still runs deterministically.
    pub fn spawn(&mut self, spec: ProcessSpec, now: Instant) -> Pid {
        self.writes += 1;
        self.observe(now);
        let pid = self.next_pid;
        let next = pid
            .0
            .checked_add(1)
            .expect("a run spawns fewer than 2^32 processes");
        self.next_pid = Pid(next);
        let delays = [
            (Due::Connect, spec.connect_after),
            (Due::Crash, spec.crash_after),
            (Due::Exit, spec.exit_after),
        ];
        for (due, delay) in delays {
            if let Some(delay) = delay {
                let at = now + delay;
                self.schedule.insert(Scheduled { at, pid, due });
            }
        }
        let process = Process {
            spec,
            state: ProcessState::Starting,
            spawned_at: now,
            exited_at: None,
            term_exit_scheduled: false,
            first_term_at: None,
            kills_after_exit: 0,
        };
        self.processes.insert(pid, process);
        pid
    }

    /// Sends `signal` to `pid`, as kill(2) does.
    ///
    /// SIGKILL ends an alive process at once. SIGTERM schedules its exit after the spec's
    /// delay (applied by `advance`, even for a zero delay), or does nothing if it ignores
    /// SIGTERM; a second SIGTERM does not postpone an exit already scheduled. A zombie accepts
    /// any signal and stays as it is. Fails with `NoSuchProcess` for an unknown or reaped PID.
    ///
    /// Panics if `advance(now)` was not called first (see the module docs).
    pub fn signal(&mut self, pid: Pid, signal: Signal, now: Instant) -> Result<(), ProcessError> {
        self.writes += 1;
        self.assert_advanced(now);
        if let Some(reaped) = self.processes.get_mut(&pid) {
            if signal == Signal::Kill && matches!(reaped.state, ProcessState::Reaped(_)) {
                // ESRCH here; on a real machine the PID may be someone else's by now.
                reaped.kills_after_exit += 1;
            }
        }
        let process = self.unreaped(pid)?;
        if signal == Signal::Term && process.first_term_at.is_none() {
            process.first_term_at = Some(now);
        }
        if !process.state.is_alive() {
            if signal == Signal::Kill {
                process.kills_after_exit += 1;
            }
            return Ok(());
        }
        match (signal, process.spec.on_term) {
            (Signal::Kill, _) => {
                self.apply(
                    pid,
                    ProcessState::Exited(ExitStatus::Signal(Signal::Kill)),
                    now,
                );
            }
            (Signal::Term, TermBehavior::Ignore) => {}
            (Signal::Term, TermBehavior::ExitAfter(_)) if process.term_exit_scheduled => {}
            (Signal::Term, TermBehavior::ExitAfter(delay)) => {
                process.term_exit_scheduled = true;
                let at = now + delay;
                let due = Due::TermExit;
                self.schedule.insert(Scheduled { at, pid, due });
            }
        }
        Ok(())
    }

    /// Fault injection: `pid` crashes at once, with status [`ExitStatus::Crashed`]. Succeeds
    /// and does nothing on a zombie; fails with `NoSuchProcess` for an unknown or reaped PID.
    ///
    /// Panics if `advance(now)` was not called first (see the module docs).
    pub fn crash(&mut self, pid: Pid, now: Instant) -> Result<(), ProcessError> {
        self.writes += 1;
        self.assert_advanced(now);
        if self.unreaped(pid)?.state.is_alive() {
            self.apply(pid, ProcessState::Exited(ExitStatus::Crashed), now);
        }
        Ok(())
    }

    /// Reaps `pid` if it has exited and returns how it ended, as `waitpid(pid, WNOHANG)` does;
    /// `Ok(None)` while it is alive. Fails with `NoSuchProcess` for an unknown or reaped PID,
    /// so a process is reaped at most once.
    ///
    /// Panics if `advance(now)` was not called first (see the module docs).
    pub fn try_wait(&mut self, pid: Pid, now: Instant) -> Result<Option<ExitStatus>, ProcessError> {
        self.writes += 1;
        self.assert_advanced(now);
        match self.unreaped(pid)?.state {
            ProcessState::Exited(status) => {
                self.apply(pid, ProcessState::Reaped(status), now);
                Ok(Some(status))
            }
            ProcessState::Starting | ProcessState::Connected => Ok(None),
            ProcessState::Reaped(_) => unreachable!("unreaped() rejects reaped processes"),
        }
    }

    /// Applies every scheduled transition due at or before `now`, in order of (instant, pid,
    /// kind), and returns them in that order. Transitions a process cannot make any more (it
    /// exited first) were cancelled when it exited and do not appear.
    ///
    /// Panics if `now` is earlier than an instant passed before.
    pub fn advance(&mut self, now: Instant) -> Vec<ProcessTransition> {
        self.writes += 1;
        self.observe(now);
        let mut applied = Vec::new();
        while self.schedule.first().is_some_and(|next| next.at <= now) {
            let next = self.schedule.pop_first().expect("first() was just Some");
            let to = match next.due {
                Due::Connect => ProcessState::Connected,
                Due::Crash => ProcessState::Exited(ExitStatus::Crashed),
                Due::TermExit => ProcessState::Exited(ExitStatus::Signal(Signal::Term)),
                Due::Exit => ProcessState::Exited(ExitStatus::Code(0)),
            };
            applied.push(self.apply(next.pid, to, next.at));
        }
        applied
    }

    /// The earliest instant at which a scheduled transition is pending, for the engine's timer.
    #[inline]
    pub fn next_deadline(&self) -> Option<Instant> {
        self.schedule.first().map(|next| next.at)
    }

    /// The state of `pid` as of the last `advance`, or `None` if no process ever had this PID.
    pub fn state(&self, pid: Pid) -> Option<ProcessState> {
        self.processes.get(&pid).map(|process| process.state)
    }

    /// Whether `pid` is running (`Starting` or `Connected`) as of the last `advance`.
    pub fn is_alive(&self, pid: Pid) -> bool {
        self.state(pid).is_some_and(ProcessState::is_alive)
    }

    /// Every process still alive, or exited and never reaped, in PID order: what the
    /// end-of-run orphan detector reports.
    pub fn orphans(&self) -> Vec<OrphanInfo> {
        self.iter()
            .filter(|info| !matches!(info.state, ProcessState::Reaped(_)))
            .map(|info| OrphanInfo {
                pid: info.pid,
                name: info.name.to_owned(),
                state: info.state,
            })
            .collect()
    }

    /// Every process ever spawned, reaped ones included, in PID order.
    pub fn iter(&self) -> impl Iterator<Item = ProcessInfo<'_>> + '_ {
        self.processes.iter().map(|(&pid, process)| ProcessInfo {
            pid,
            name: &process.spec.name,
            state: process.state,
            spawned_at: process.spawned_at,
            exited_at: process.exited_at,
            first_term_at: process.first_term_at,
            kills_after_exit: process.kills_after_exit,
        })
    }

    /// Records a process observed elsewhere (a real child), as it is: real mode builds a
    /// table of its children this way, for readers written against the simulated one
    /// (`rt::process::inspect`). Nothing is scheduled, so such a table never changes by
    /// itself; its PIDs are the OS's, so invariant 1 does not hold for it.
    #[cfg(feature = "real")]
    pub(crate) fn insert_observed(
        &mut self,
        pid: Pid,
        name: &str,
        state: ProcessState,
        spawned_at: Instant,
        exited_at: Option<Instant>,
    ) {
        let process = Process {
            spec: ProcessSpec::named(name),
            state,
            spawned_at,
            exited_at,
            term_exit_scheduled: false,
            first_term_at: None,
            kills_after_exit: 0,
        };
        self.processes.insert(pid, process);
        if pid >= self.next_pid {
            self.next_pid = Pid(pid.0.saturating_add(1));
        }
    }

    /// The process behind `pid`, unless there is none or it was reaped, as kill(2) sees it.
    fn unreaped(&mut self, pid: Pid) -> Result<&mut Process, ProcessError> {
        match self.processes.get_mut(&pid) {
            Some(process) if !matches!(process.state, ProcessState::Reaped(_)) => Ok(process),
            _ => Err(ProcessError::NoSuchProcess(pid)),
        }
    }

    /// The one place a state changes, so invariants 2 to 4 are upheld here.
    fn apply(&mut self, pid: Pid, to: ProcessState, at: Instant) -> ProcessTransition {
        let process = self
            .processes
            .get_mut(&pid)
            .expect("transitions are for spawned processes");
        let from = process.state;
        let forward = match (from, to) {
            (ProcessState::Exited(before), ProcessState::Reaped(after)) => before == after,
            (_, ProcessState::Reaped(_)) => false,
            _ => from.rank() < to.rank(),
        };
        assert!(forward, "process {pid} cannot go from {from} to {to}");
        process.state = to;
        if let ProcessState::Exited(_) = to {
            process.exited_at = Some(at);
            self.schedule.retain(|pending| pending.pid != pid);
        }
        ProcessTransition {
            pid,
            name: process.spec.name.clone(),
            from,
            to,
            at,
        }
    }

    fn observe(&mut self, now: Instant) {
        assert!(
            now >= self.now,
            "virtual time went backwards: {now} after {}",
            self.now
        );
        self.now = now;
    }

    fn assert_advanced(&mut self, now: Instant) {
        self.observe(now);
        if let Some(due) = self.next_deadline() {
            assert!(
                due > now,
                "process table is stale: a transition is due at {due} and now is {now}; \
                 the engine must call advance(now) first"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn at(s: u64) -> Instant {
        Instant::ZERO + secs(s)
    }

    fn agent(connect_after: Option<Duration>, on_term: TermBehavior) -> ProcessSpec {
        ProcessSpec {
            connect_after,
            on_term,
            ..ProcessSpec::named("agent")
        }
    }

    fn exited(status: ExitStatus) -> ProcessState {
        ProcessState::Exited(status)
    }

    const KILLED: ExitStatus = ExitStatus::Signal(Signal::Kill);
    const TERMINATED: ExitStatus = ExitStatus::Signal(Signal::Term);

    #[test]
    fn pids_start_at_1000_and_are_never_reused() {
        let mut table = ProcessTable::new();
        let pids: Vec<Pid> = (0..3)
            .map(|_| table.spawn(ProcessSpec::default(), Instant::ZERO))
            .collect();
        assert_eq!(pids, [Pid(1000), Pid(1001), Pid(1002)]);
        table.signal(Pid(1001), Signal::Kill, at(1)).unwrap();
        assert_eq!(table.try_wait(Pid(1001), at(1)), Ok(Some(KILLED)));
        assert_eq!(table.spawn(ProcessSpec::default(), at(2)), Pid(1003));
        assert_eq!(Pid(1003).to_string(), "1003");
    }

    /// What an invariant needs to judge a stop: when the first SIGTERM came (ignored or
    /// not, later ones not counted), and SIGKILLs that found the process already gone.
    #[test]
    fn the_first_sigterm_and_kills_after_the_exit_are_recorded() {
        let mut table = ProcessTable::new();
        let stubborn = table.spawn(agent(None, TermBehavior::Ignore), at(0));
        let polite = table.spawn(agent(None, TermBehavior::ExitAfter(secs(1))), at(0));
        let info = |table: &ProcessTable, pid: Pid| {
            let p = table.iter().find(|p| p.pid == pid).unwrap();
            (p.first_term_at, p.kills_after_exit)
        };
        assert_eq!(info(&table, stubborn), (None, 0));
        table.advance(at(2));
        table.signal(stubborn, Signal::Term, at(2)).unwrap();
        table.signal(polite, Signal::Term, at(2)).unwrap();
        table.advance(at(3));
        table.signal(stubborn, Signal::Term, at(3)).unwrap();
        table.signal(stubborn, Signal::Kill, at(3)).unwrap();
        assert_eq!(info(&table, stubborn), (Some(at(2)), 0));
        // The polite one exited at 3 s: a SIGKILL now finds a zombie; once reaped, nothing.
        table.signal(polite, Signal::Kill, at(3)).unwrap();
        assert_eq!(info(&table, polite), (Some(at(2)), 1));
        table.try_wait(polite, at(3)).unwrap();
        let refused = table.signal(polite, Signal::Kill, at(3));
        assert_eq!(refused, Err(ProcessError::NoSuchProcess(polite)));
        assert_eq!(info(&table, polite), (Some(at(2)), 2));
    }

    #[test]
    fn connects_after_its_delay() {
        let mut table = ProcessTable::new();
        let pid = table.spawn(agent(Some(secs(15)), TermBehavior::default()), at(1));
        assert_eq!(table.next_deadline(), Some(at(16)));
        assert_eq!(
            table.advance(Instant::from_nanos(at(16).as_nanos() - 1)),
            []
        );
        assert_eq!(table.state(pid), Some(ProcessState::Starting));
        let transitions = table.advance(at(30));
        let connect = ProcessTransition {
            pid,
            name: "agent".into(),
            from: ProcessState::Starting,
            to: ProcessState::Connected,
            at: at(16),
        };
        assert_eq!(transitions, [connect]);
        assert_eq!(table.state(pid), Some(ProcessState::Connected));
        assert!(table.is_alive(pid));
    }

    #[test]
    fn without_connect_after_it_never_connects() {
        let mut table = ProcessTable::new();
        let pid = table.spawn(agent(None, TermBehavior::default()), Instant::ZERO);
        assert_eq!(table.next_deadline(), None);
        assert_eq!(table.advance(at(3600)), []);
        assert_eq!(table.state(pid), Some(ProcessState::Starting));
    }

    #[test]
    fn term_exits_exactly_after_its_delay_and_a_second_term_does_not_postpone() {
        let mut table = ProcessTable::new();
        let pid = table.spawn(
            agent(Some(secs(15)), TermBehavior::ExitAfter(secs(5))),
            at(0),
        );
        table.advance(at(20));
        table.signal(pid, Signal::Term, at(20)).unwrap();
        assert_eq!(table.next_deadline(), Some(at(25)));
        table.advance(at(23));
        table.signal(pid, Signal::Term, at(23)).unwrap();
        assert_eq!(table.next_deadline(), Some(at(25)));
        assert_eq!(
            table.advance(Instant::from_nanos(at(25).as_nanos() - 1)),
            []
        );
        assert!(table.is_alive(pid));
        let transitions = table.advance(at(25));
        assert_eq!(transitions.len(), 1);
        assert_eq!(transitions[0].from, ProcessState::Connected);
        assert_eq!(transitions[0].to, exited(TERMINATED));
        assert_eq!(transitions[0].at, at(25));
        assert_eq!(table.iter().next().unwrap().exited_at, Some(at(25)));
    }

    #[test]
    fn ignored_term_then_kill_ends_it_at_once() {
        let mut table = ProcessTable::new();
        let pid = table.spawn(agent(None, TermBehavior::Ignore), at(0));
        table.signal(pid, Signal::Term, at(1)).unwrap();
        assert_eq!(table.next_deadline(), None);
        assert_eq!(table.advance(at(100)), []);
        assert!(table.is_alive(pid));
        table.signal(pid, Signal::Kill, at(100)).unwrap();
        assert_eq!(table.state(pid), Some(exited(KILLED)));
        assert_eq!(table.iter().next().unwrap().exited_at, Some(at(100)));
    }

    #[test]
    fn a_process_killed_before_connecting_never_connects() {
        let mut table = ProcessTable::new();
        let pid = table.spawn(agent(Some(secs(30)), TermBehavior::Ignore), at(0));
        table.signal(pid, Signal::Kill, at(10)).unwrap();
        assert_eq!(table.next_deadline(), None);
        assert_eq!(table.advance(at(60)), []);
        assert_eq!(table.state(pid), Some(exited(KILLED)));
    }

    #[test]
    fn signals_to_a_zombie_succeed_and_change_nothing() {
        let mut table = ProcessTable::new();
        let pid = table.spawn(agent(None, TermBehavior::ExitAfter(secs(1))), at(0));
        table.crash(pid, at(1)).unwrap();
        table.signal(pid, Signal::Term, at(2)).unwrap();
        table.signal(pid, Signal::Kill, at(2)).unwrap();
        table.crash(pid, at(2)).unwrap();
        assert_eq!(table.next_deadline(), None);
        assert_eq!(table.state(pid), Some(exited(ExitStatus::Crashed)));
    }

    #[test]
    fn reaped_and_unknown_pids_are_no_such_process() {
        let mut table = ProcessTable::new();
        let pid = table.spawn(ProcessSpec::default(), at(0));
        table.signal(pid, Signal::Kill, at(1)).unwrap();
        table.try_wait(pid, at(1)).unwrap();
        for gone in [pid, Pid(1), Pid(1001)] {
            let err = Err(ProcessError::NoSuchProcess(gone));
            assert_eq!(table.signal(gone, Signal::Term, at(2)), err);
            assert_eq!(table.signal(gone, Signal::Kill, at(2)), err);
            assert_eq!(table.crash(gone, at(2)), err);
            assert_eq!(table.try_wait(gone, at(2)), err.map(|()| None));
        }
        let message = ProcessError::NoSuchProcess(Pid(1)).to_string();
        assert_eq!(message, "no such process: 1");
    }

    #[test]
    fn try_wait_returns_the_status_then_no_such_process() {
        let mut table = ProcessTable::new();
        let pid = table.spawn(ProcessSpec::default(), at(0));
        assert_eq!(table.try_wait(pid, at(1)), Ok(None));
        table.signal(pid, Signal::Term, at(1)).unwrap();
        table.advance(at(1));
        assert_eq!(table.try_wait(pid, at(1)), Ok(Some(TERMINATED)));
        assert_eq!(table.state(pid), Some(ProcessState::Reaped(TERMINATED)));
        let err = Err(ProcessError::NoSuchProcess(pid));
        assert_eq!(table.try_wait(pid, at(2)), err);
    }

    #[test]
    fn crash_after_and_exit_after_end_it_by_themselves() {
        let mut table = ProcessTable::new();
        let crashes = ProcessSpec {
            crash_after: Some(secs(10)),
            exit_after: Some(secs(20)),
            ..agent(Some(secs(15)), TermBehavior::Ignore)
        };
        let crashing = table.spawn(crashes, at(0));
        let exits = ProcessSpec {
            exit_after: Some(secs(5)),
            ..agent(Some(secs(1)), TermBehavior::Ignore)
        };
        let exiting = table.spawn(exits, at(0));
        let ends: Vec<_> = table
            .advance(at(60))
            .into_iter()
            .map(|t| (t.pid, t.to, t.at))
            .collect();
        let expected = [
            (exiting, ProcessState::Connected, at(1)),
            (exiting, exited(ExitStatus::Code(0)), at(5)),
            (crashing, exited(ExitStatus::Crashed), at(10)),
        ];
        assert_eq!(ends, expected);
        assert_eq!(table.next_deadline(), None);
    }

    #[test]
    fn crash_by_fault_ends_it_at_once() {
        let mut table = ProcessTable::new();
        let pid = table.spawn(agent(Some(secs(1)), TermBehavior::Ignore), at(0));
        table.advance(at(2));
        table.crash(pid, at(2)).unwrap();
        assert_eq!(table.state(pid), Some(exited(ExitStatus::Crashed)));
        assert_eq!(table.iter().next().unwrap().exited_at, Some(at(2)));
    }

    #[test]
    fn orphans_are_alive_or_unreaped_processes_in_pid_order() {
        let mut table = ProcessTable::new();
        let starting = table.spawn(agent(None, TermBehavior::Ignore), at(0));
        let reaped = table.spawn(agent(None, TermBehavior::Ignore), at(0));
        let connected = table.spawn(agent(Some(secs(1)), TermBehavior::Ignore), at(0));
        let zombie = table.spawn(agent(None, TermBehavior::Ignore), at(0));
        table.advance(at(1));
        table.signal(reaped, Signal::Kill, at(1)).unwrap();
        table.signal(zombie, Signal::Kill, at(1)).unwrap();
        table.try_wait(reaped, at(1)).unwrap();
        let orphans: Vec<_> = table
            .orphans()
            .into_iter()
            .map(|o| (o.pid, o.state))
            .collect();
        let expected = [
            (starting, ProcessState::Starting),
            (connected, ProcessState::Connected),
            (zombie, exited(KILLED)),
        ];
        assert_eq!(orphans, expected);
    }

    #[test]
    fn advance_orders_by_time_then_pid_then_kind() {
        let mut table = ProcessTable::new();
        let both = ProcessSpec {
            crash_after: Some(secs(10)),
            ..agent(Some(secs(10)), TermBehavior::Ignore)
        };
        let first = table.spawn(both, at(0));
        let early = table.spawn(agent(Some(secs(5)), TermBehavior::Ignore), at(0));
        let tied = table.spawn(agent(Some(secs(10)), TermBehavior::Ignore), at(0));
        let order: Vec<_> = table
            .advance(at(20))
            .into_iter()
            .map(|t| (t.at, t.pid, t.to))
            .collect();
        let expected = [
            (at(5), early, ProcessState::Connected),
            (at(10), first, ProcessState::Connected),
            (at(10), first, exited(ExitStatus::Crashed)),
            (at(10), tied, ProcessState::Connected),
        ];
        assert_eq!(order, expected);
    }

    #[test]
    fn next_deadline_is_the_earliest_pending_transition() {
        let mut table = ProcessTable::new();
        assert_eq!(table.next_deadline(), None);
        let slow = table.spawn(agent(Some(secs(30)), TermBehavior::Ignore), at(0));
        let fast = table.spawn(agent(Some(secs(15)), TermBehavior::Ignore), at(0));
        assert_eq!(table.next_deadline(), Some(at(15)));
        table.signal(fast, Signal::Kill, at(1)).unwrap();
        assert_eq!(table.next_deadline(), Some(at(30)));
        table.advance(at(30));
        assert!(table.is_alive(slow));
        assert_eq!(table.next_deadline(), None);
    }

    #[test]
    #[should_panic(expected = "must call advance(now) first")]
    fn acting_on_a_stale_table_is_a_harness_bug() {
        let mut table = ProcessTable::new();
        let pid = table.spawn(agent(Some(secs(1)), TermBehavior::default()), at(0));
        let _ = table.signal(pid, Signal::Kill, at(2));
    }

    #[test]
    fn specs_validate_and_read_from_json_with_defaults() {
        assert_eq!(ProcessSpec::default().validate(), Ok(()));
        let err = ProcessSpec::named("").validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "process spec \"\": `name` must not be empty"
        );
        let forever = ProcessSpec {
            crash_after: Some(Duration::MAX),
            ..ProcessSpec::named("agent")
        };
        assert!(matches!(
            forever.validate(),
            Err(ProcessError::InvalidSpec {
                field: "crash_after",
                ..
            })
        ));
        let json = r#"{"name": "agent", "connect_after": {"secs": 15, "nanos": 0},
                       "on_term": "ignore"}"#;
        let spec: ProcessSpec = serde_json::from_str(json).unwrap();
        assert_eq!(spec, agent(Some(secs(15)), TermBehavior::Ignore));
    }

    #[derive(Clone, Debug)]
    enum Op {
        Spawn(ProcessSpec),
        Signal(u32, Signal),
        Crash(u32),
        TryWait(u32),
        Advance,
    }

    fn delay() -> impl Strategy<Value = Option<Duration>> {
        proptest::option::of((0u64..4_000).prop_map(Duration::from_millis))
    }

    fn spec() -> impl Strategy<Value = ProcessSpec> {
        let on_term = prop_oneof![
            (0u64..3_000).prop_map(|ms| TermBehavior::ExitAfter(Duration::from_millis(ms))),
            Just(TermBehavior::Ignore),
        ];
        (delay(), on_term, delay(), delay()).prop_map(|(connect, on_term, crash, exit)| {
            ProcessSpec {
                connect_after: connect,
                on_term,
                crash_after: crash,
                exit_after: exit,
                ..ProcessSpec::named("p")
            }
        })
    }

    fn op() -> impl Strategy<Value = Op> {
        // Indices past the spawned processes stand for unknown PIDs.
        let pid = 0u32..8;
        let signal = prop_oneof![Just(Signal::Term), Just(Signal::Kill)];
        prop_oneof![
            2 => spec().prop_map(Op::Spawn),
            2 => (pid.clone(), signal).prop_map(|(i, s)| Op::Signal(i, s)),
            1 => pid.clone().prop_map(Op::Crash),
            2 => pid.prop_map(Op::TryWait),
            1 => Just(Op::Advance),
        ]
    }

    type Snapshot = BTreeMap<Pid, ProcessState>;

    fn snapshot(table: &ProcessTable) -> Snapshot {
        table.iter().map(|info| (info.pid, info.state)).collect()
    }

    /// Invariants 2 and 3 between two snapshots; `by_try_wait` says whether reaping may happen.
    fn check_forward(before: &Snapshot, after: &Snapshot, by_try_wait: bool) {
        for (pid, &old) in before {
            let new = after[pid];
            assert!(new.rank() >= old.rank(), "{pid}: {old} -> {new}");
            if let Some(status) = old.exit_status() {
                assert_eq!(new.exit_status(), Some(status), "{pid}: status changed");
            }
            if matches!(new, ProcessState::Reaped(_)) && !matches!(old, ProcessState::Reaped(_)) {
                assert!(by_try_wait, "{pid} reaped by something other than try_wait");
                assert!(
                    matches!(old, ProcessState::Exited(_)),
                    "{pid} reaped from {old}"
                );
            }
        }
    }

    fn check_table(table: &ProcessTable, now: Instant, spawned: u32) {
        let pids: Vec<Pid> = table.iter().map(|info| info.pid).collect();
        let expected: Vec<Pid> = (0..spawned).map(|i| Pid(Pid::FIRST.0 + i)).collect();
        assert_eq!(pids, expected, "PIDs are sequential from 1000");
        for info in table.iter() {
            assert_eq!(info.exited_at.is_some(), info.state.exit_status().is_some());
            if let Some(exited_at) = info.exited_at {
                assert!(info.spawned_at <= exited_at && exited_at <= now);
            }
            assert_eq!(table.is_alive(info.pid), info.state.is_alive());
        }
        let orphans: Vec<Pid> = table.orphans().iter().map(|o| o.pid).collect();
        let unreaped: Vec<Pid> = table
            .iter()
            .filter(|i| i.state.is_alive() || matches!(i.state, ProcessState::Exited(_)))
            .map(|i| i.pid)
            .collect();
        assert_eq!(orphans, unreaped, "orphans == alive ∪ unreaped zombies");
    }

    proptest! {
        #[test]
        fn random_operations_keep_the_invariants(
            steps in proptest::collection::vec((0u64..2_000, op()), 1..60)
        ) {
            let mut table = ProcessTable::new();
            let mut now = Instant::ZERO;
            let mut spawned = 0u32;
            for (step_ms, op) in steps {
                let previous = now;
                now += Duration::from_millis(step_ms);
                let before = snapshot(&table);
                let mut running = before.clone();
                let transitions = table.advance(now);
                let keys: Vec<_> = transitions.iter().map(|t| (t.at, t.pid)).collect();
                prop_assert!(keys.windows(2).all(|w| w[0] <= w[1]), "time then pid order");
                for t in &transitions {
                    prop_assert!(previous <= t.at && t.at <= now);
                    prop_assert_eq!(running[&t.pid], t.from);
                    running.insert(t.pid, t.to);
                }
                let advanced = snapshot(&table);
                prop_assert_eq!(&running, &advanced);
                check_forward(&before, &advanced, false);
                if let Some(deadline) = table.next_deadline() {
                    prop_assert!(deadline > now, "nothing due is left pending");
                }

                let pid_of = |i: u32| Pid(Pid::FIRST.0 + i);
                let gone = |pid| matches!(advanced.get(&pid), None | Some(ProcessState::Reaped(_)));
                match op {
                    Op::Spawn(spec) => {
                        prop_assert_eq!(table.spawn(spec, now), pid_of(spawned));
                        spawned += 1;
                    }
                    Op::Signal(i, signal) => {
                        let result = table.signal(pid_of(i), signal, now);
                        prop_assert_eq!(result.is_err(), gone(pid_of(i)));
                    }
                    Op::Crash(i) => {
                        let result = table.crash(pid_of(i), now);
                        prop_assert_eq!(result.is_err(), gone(pid_of(i)));
                    }
                    Op::TryWait(i) => {
                        let pid = pid_of(i);
                        let expected = if gone(pid) {
                            Err(ProcessError::NoSuchProcess(pid))
                        } else {
                            Ok(advanced[&pid].exit_status())
                        };
                        prop_assert_eq!(table.try_wait(pid, now), expected);
                    }
                    Op::Advance => {}
                }
                check_forward(&advanced, &snapshot(&table), true);
                check_table(&table, now, spawned);
            }
        }
    }
}
