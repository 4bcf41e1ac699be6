//! `Sim`: builds a kernel, runs the main future to completion under it, and reports.
//!
//! The step loop, in order, each iteration:
//! 1. fire every timer due at the current instant (their wakers run);
//! 2. move woken tasks to the runnable set, in wake order;
//! 3. if nothing is runnable: the run ends if the main task is done (drained), else the clock
//!    jumps to the next timer, else it is a deadlock;
//! 4. the policy picks one runnable task (recorded when there was a choice) and polls it.

use super::context;
use super::kernel::{Kernel, State, TaskFuture};
use super::panic;
use super::policy::Schedule;
use super::spare::Spare;
use super::waker;
use crate::check::ViolationKind;
use crate::config::{ConfigError, SimConfig};
use crate::report::{Report, Verdict};
use crate::time::Instant;
use crate::trace::{EventKind, TaskId};
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location};
use std::rc::Rc;
use std::task::{Context, Poll};

/// A deterministic simulation: one seed, one schedule, one report.
///
/// ```
/// use asynclife_sim::{rt, Sim, SimConfig, Verdict};
/// use std::time::Duration;
///
/// let report = Sim::new(SimConfig::with_seed(7)).run(|| async {
///     let worker = rt::spawn("worker", async {
///         rt::sleep(Duration::from_secs(5)).await;
///         42
///     });
///     assert_eq!(worker.await.unwrap(), 42);
///     assert_eq!(rt::now().since_start(), Duration::from_secs(5));
/// });
/// assert_eq!(report.verdict, Verdict::Pass);
/// ```
pub struct Sim {
    config: SimConfig,
}

/// Why the step loop stopped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// The main task returned and nothing is runnable any more.
    Drained,
    /// A bound was hit or nothing can ever run again.
    Stopped,
}

impl Sim {
    /// A simulation with this configuration.
    ///
    /// # Panics
    /// If the configuration is invalid; see [`Sim::try_new`] for configurations read from
    /// files.
    pub fn new(config: SimConfig) -> Sim {
        Sim::try_new(config).unwrap_or_else(|e| panic!("invalid SimConfig: {e}"))
    }

    /// A simulation with this configuration, or the field that is out of range.
    pub fn try_new(config: SimConfig) -> Result<Sim, ConfigError> {
        config.validate()?;
        Ok(Sim { config })
    }

    /// Runs `main` as the main task until it returns and every task runnable at that instant
    /// has run, or until a bound, a deadlock or nothing left to run. Never panics because the
    /// code under test panicked: that becomes a violation.
    /// The report is `#[must_use]`: a run that failed does not panic.
    #[track_caller]
    pub fn run<F, Fut>(self, main: F) -> Report
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        self.run_at(Location::caller(), main)
    }

    /// As [`Sim::run`], with the main task's spawn location given (a check's caller).
    pub(crate) fn run_at<F, Fut>(self, location: &'static Location<'static>, main: F) -> Report
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        panic::install_quiet_hook();
        let seed = self.config.seed;
        let kernel = Rc::new(Kernel::new(self.config));
        let entered = context::enter(kernel.clone());
        let future = main();
        // The main task has no handle: its end is its slot's `done`, a panic in it a violation.
        let wrapped = TaskFuture::new(future);
        kernel.spawn("main".into(), location, wrapped);
        let end = drive(&kernel);
        end_checks(&kernel, end);
        teardown(&kernel);
        drop(entered);
        let kernel = Rc::try_unwrap(kernel)
            .ok()
            .expect("the context was the only other owner, and it has been left");
        let mut state = kernel.state.into_inner();
        Spare {
            last_tasks: state.tasks.len(),
            last_events: state.recorder.trace.event_count.try_into().unwrap_or(0),
            tasks: std::mem::take(&mut state.tasks),
            joins: std::mem::take(&mut state.joins),
            runnable: std::mem::take(&mut state.runnable),
            timers: std::mem::take(&mut state.timers),
            woken: kernel.woken.into_inner(),
            waker_refs: kernel.waker_refs.into_inner(),
        }
        .put();
        build_report(seed, state)
    }
}

const MAIN: TaskId = TaskId(0);

/// Runs the step loop to its end. A panic in a task's poll unwinds out of `steps` to here,
/// which files it as the task's result and goes on with the next step: one `catch_unwind` per
/// run, not one per poll (3% of the cleanup storm). A panic anywhere else (the kernel's own
/// code, dropping a future, an invariant) goes on unwinding, as it always did.
fn drive(kernel: &Kernel) -> End {
    loop {
        match std::panic::catch_unwind(AssertUnwindSafe(|| steps(kernel))) {
            Ok(end) => return end,
            Err(payload) if panic::leave_poll() => poll_panicked(kernel, panic::caught(payload)),
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
}

/// The step loop. It holds the state from one poll to the next, and releases it only to poll
/// or drop a future and to run code that may call back into the kernel (invariant 1).
fn steps(kernel: &Kernel) -> End {
    let mut guard = kernel.state.borrow_mut();
    let max_virtual_nanos =
        u64::try_from(guard.config.max_virtual_time.as_nanos()).unwrap_or(u64::MAX);
    loop {
        let st = &mut *guard;
        // Before anything else, so that a main task that returns in the poll that spent the
        // budget does not end the run as drained.
        if st.recorder.trace.event_count >= st.config.max_events {
            budget_spent(st);
            return End::Stopped;
        }
        if let Some(end) = until_runnable(kernel, st, max_virtual_nanos) {
            return end;
        }
        if st.stats.steps >= st.config.max_steps {
            let message = format!(
                "the step bound of {} was hit{}",
                st.config.max_steps,
                stuck_tasks(st)
            );
            st.push_violation(ViolationKind::Hang, None, message);
            return End::Stopped;
        }
        let task = pick(st);
        let slot = &mut st.tasks[task.index()];
        if slot.abort_requested {
            drop(guard);
            finish_abort(kernel, task);
        } else {
            slot.scheduled = false;
            // The future stays in its slot while it is polled: a panic that unwinds out of
            // the poll leaves it there for `poll_panicked`.
            let future = slot
                .future
                .as_ref()
                .expect("a runnable task has its future")
                .poll_handle();
            st.current = Some(task);
            st.stats.steps += 1;
            let started = st.now;
            st.poll_started = started;
            debug_assert_eq!(kernel.clock.get(), started, "the clock's mirror is current");
            st.recorder.push(started, Some(task), EventKind::Poll);
            st.wall.start();
            drop(guard);

            let waker = waker::borrowed(kernel.run_tag, task);
            panic::enter_poll();
            // SAFETY: the future's owner is the task's slot, and nothing drops or polls a
            // task's future during its own poll: the step loop is the only poller, and it
            // drops futures only outside polls (an abort of the running task is deferred).
            let polled = unsafe { future.poll(&mut Context::from_waker(&waker)) };
            panic::leave_poll();

            guard = kernel.state.borrow_mut();
            let st = &mut *guard;
            st.current = None;
            check_poll_hold(st, task, started);
            check_wall_hold(st, task);
            let aborted = std::mem::take(&mut st.abort_current);
            match polled {
                Poll::Pending if !aborted => {
                    collect_woken(kernel, st);
                    check_never_woken(kernel, st, task);
                    if !kernel.has_invariants.get() {
                        continue; // the common case: the state stays held for the next step
                    }
                    drop(guard);
                }
                Poll::Ready(()) => {
                    let slot = &mut st.tasks[task.index()];
                    slot.done = true;
                    let future = slot.future.take();
                    let now = st.now;
                    st.recorder.push(now, Some(task), EventKind::Complete);
                    drop(guard);
                    drop(future);
                }
                Poll::Pending => {
                    let future = take_future(st, task);
                    drop(guard);
                    aborted_itself(kernel, task, future);
                }
            }
        }
        if kernel.has_invariants.get() {
            check_invariants(kernel, Phase::Step);
        }
        guard = kernel.state.borrow_mut();
    }
}

/// The run has produced its event budget: it stops here, as at the step bound.
#[cold]
fn budget_spent(st: &mut State) {
    let refused = match st.stats.spawns_refused {
        0 => String::new(),
        n => format!(", and {n} spawn(s) past it were refused"),
    };
    let message = format!(
        "the event budget of {} events (max_events) was spent at step {} with {} task(s) \
         spawned{refused}. The run stopped there, to bound its memory and time: make the \
         workload smaller, or raise `max_events` under [sim] (SimConfig::max_events)",
        st.config.max_events, st.stats.steps, st.stats.tasks_spawned
    );
    st.push_violation(ViolationKind::Budget, None, message);
}

fn take_future(st: &mut State, task: TaskId) -> TaskFuture {
    st.tasks[task.index()]
        .future
        .take()
        .expect("a task's future stays in its slot through its poll")
}

/// The rest of a step whose poll panicked: the panic becomes the task's result.
#[cold]
fn poll_panicked(kernel: &Kernel, caught: panic::CaughtPanic) {
    let (task, future) = {
        let mut guard = kernel.state.borrow_mut();
        let st = &mut *guard;
        let task = st.current.take().expect("a task's poll was under way");
        let started = st.poll_started;
        check_poll_hold(st, task, started);
        check_wall_hold(st, task);
        st.abort_current = false;
        (task, take_future(st, task))
    };
    panicked(kernel, task, future, caught);
    if kernel.has_invariants.get() {
        check_invariants(kernel, Phase::Step);
    }
}

/// Fires what is due and collects what woke until something is runnable, moving the clock to
/// the next timer when nothing is; or the reason the run ends.
#[inline(always)]
fn until_runnable(kernel: &Kernel, st: &mut State, max_virtual_nanos: u64) -> Option<End> {
    loop {
        if st.sync_world() {
            kernel.wake_world_waiters(st);
        }
        fire_due_timers(kernel, st);
        collect_woken(kernel, st);
        if !st.runnable.is_empty() {
            return None;
        }
        if st.tasks[MAIN.index()].done {
            return Some(End::Drained);
        }
        let healed = st.faults.is_healed();
        let next = match (st.timers.next_deadline(), st.world.next_deadline(healed)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match next {
            Some(deadline) if deadline.as_nanos() > max_virtual_nanos => {
                let message = format!(
                    "virtual time would pass the bound of {:?} (next timer at {deadline}){}",
                    st.config.max_virtual_time,
                    stuck_tasks(st)
                );
                st.push_violation(ViolationKind::Hang, None, message);
                return Some(End::Stopped);
            }
            Some(deadline) => kernel.set_now(st, deadline),
            None => {
                let message = deadlock_message(st);
                st.push_violation(ViolationKind::Deadlock, None, message);
                return Some(End::Stopped);
            }
        }
    }
}

fn fire_due_timers(kernel: &Kernel, st: &mut State) {
    while let Some(entry) = st.timers.pop_due(st.now) {
        st.stats.timers_fired += 1;
        let now = st.now;
        st.recorder.push(now, entry.task, EventKind::TimerFired);
        // The common case: the only timer due, waking one of this run's tasks, with nothing
        // else woken yet. The task is scheduled here, which is what the wake list would do
        // next, in the same order, so the trace is the same either way.
        match waker::own_task(kernel, &entry.waker) {
            Some(task) if !st.timers.any_due(now) && kernel.woken.with(|w| w.is_empty()) => {
                waker::release_own(kernel, entry.waker, task);
                schedule(st, task, now);
            }
            _ => waker::wake_under_state(kernel, entry.waker),
        }
    }
}

/// Moves the tasks woken since the last look to the runnable set, in wake order.
#[inline(always)]
fn collect_woken(kernel: &Kernel, st: &mut State) {
    // Scheduling touches only the state, never a waker: it cannot reach the wake list again.
    kernel.woken.with(|woken| {
        if !woken.is_empty() {
            schedule_woken(st, woken);
        }
    });
}

/// Schedules the woken tasks and empties `woken`.
fn schedule_woken(st: &mut State, woken: &mut Vec<TaskId>) {
    let now = st.now;
    for &id in woken.iter() {
        schedule(st, id, now);
    }
    woken.clear();
}

/// Makes a woken task runnable, unless it is finished or runnable already.
#[inline(always)]
fn schedule(st: &mut State, id: TaskId, now: Instant) {
    let slot = &mut st.tasks[id.index()];
    if slot.done || slot.scheduled {
        return;
    }
    slot.scheduled = true;
    st.runnable.push_back(id);
    st.recorder.push(now, Some(id), EventKind::Wake);
}

fn pick(st: &mut State) -> TaskId {
    let had_choice = st.runnable.len() > 1;
    let step = st.stats.steps;
    let task = st
        .scheduler
        .pick(&mut st.runnable, step, &mut st.scheduler_rng);
    if had_choice {
        st.decisions.push(task);
    }
    task
}

/// The task aborted itself during its poll: its future is dropped now.
#[cold]
fn aborted_itself(kernel: &Kernel, task: TaskId, future: TaskFuture) {
    kernel.with_state(|st| {
        st.tasks[task.index()].done = true;
        let now = st.now;
        st.recorder.push(now, Some(task), EventKind::Abort);
    });
    drop_aborted(kernel, task, Some(future));
}

/// The task panicked during its poll: the panic becomes its result, and a violation if nobody
/// can observe it.
#[cold]
fn panicked(kernel: &Kernel, task: TaskId, future: TaskFuture, caught: panic::CaughtPanic) {
    let (message, string_payload) = (caught.message, caught.string_payload);
    kernel.with_state(|st| {
        st.tasks[task.index()].done = true;
        let now = st.now;
        st.recorder.push(
            now,
            Some(task),
            EventKind::Panic {
                message: message.clone(),
            },
        );
    });
    drop(future);
    let at = caught
        .location
        .map(|l| format!(" at {l}"))
        .unwrap_or_default();
    if is_foreign_runtime(&message) {
        kernel.report(
            ViolationKind::ForeignRuntime,
            Some(task),
            format!(
                "the task called tokio's runtime, which does not run inside a simulation{at}: \
                 {message}. Use the `rt::` call instead: tokio::time::sleep -> rt::sleep, \
                 timeout -> rt::timeout, interval -> rt::interval, Instant::now -> rt::now, \
                 tokio::spawn -> rt::spawn, spawn_blocking -> rt::blocking"
            ),
        );
    }
    if task == MAIN {
        kernel.report(
            ViolationKind::MainPanicked,
            Some(task),
            format!("the main task panicked{at}: {message}"),
        );
    } else if kernel.fail_with_panic(task, message.clone(), string_payload) {
        kernel.report(
            ViolationKind::UnobservedPanic,
            Some(task),
            format!("detached task panicked{at} and nobody can observe it: {message}"),
        );
    }
}

/// Whether a panic's message is tokio's for a call made outside its runtime (or inside one
/// without its time or IO driver): the code under test reached for tokio instead of `rt`.
fn is_foreign_runtime(message: &str) -> bool {
    message.contains("Tokio 1.x runtime") || message.contains("Tokio 1.x context was found")
}

/// An aborted task's turn: its future is dropped (with the state released), then its handle
/// learns of the cancellation.
fn finish_abort(kernel: &Kernel, task: TaskId) {
    let future = {
        let mut guard = kernel.state.borrow_mut();
        let st = &mut *guard;
        let slot = &mut st.tasks[task.index()];
        slot.scheduled = false;
        slot.done = true;
        let future = slot.future.take();
        st.stats.steps += 1;
        let now = st.now;
        st.recorder.push(now, Some(task), EventKind::Abort);
        future
    };
    drop_aborted(kernel, task, future);
}

/// Drops an aborted task's future, with the state released. A panic in its destructor becomes
/// the task's result, as on tokio (its handle gives a panic `JoinError`), and an
/// `unobserved-panic` if nobody can observe it; otherwise the result is cancellation.
fn drop_aborted(kernel: &Kernel, task: TaskId, future: Option<TaskFuture>) {
    // Marked as a poll, so that the panic hook stays quiet: this panic is the task's.
    panic::enter_poll();
    let dropped = std::panic::catch_unwind(AssertUnwindSafe(|| drop(future)));
    panic::leave_poll();
    match dropped {
        Ok(()) => kernel.cancel_task(task),
        Err(payload) => panicked_in_drop(kernel, task, panic::caught(payload)),
    }
}

#[cold]
fn panicked_in_drop(kernel: &Kernel, task: TaskId, caught: panic::CaughtPanic) {
    let message = caught.message;
    kernel.with_state(|st| {
        let now = st.now;
        let event = EventKind::Panic {
            message: message.clone(),
        };
        st.recorder.push(now, Some(task), event);
    });
    if kernel.fail_with_panic(task, message.clone(), caught.string_payload) {
        let at = caught
            .location
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        kernel.report(
            ViolationKind::UnobservedPanic,
            Some(task),
            format!(
                "aborted task panicked while its future was dropped{at}, and nobody can observe \
                 it: {message}"
            ),
        );
    }
}

#[inline]
fn check_poll_hold(st: &mut State, task: TaskId, started: Instant) {
    if st.now == started {
        return; // the poll did not move the clock: the common case
    }
    let held = st.now - started;
    let held_ns = u64::try_from(held.as_nanos()).unwrap_or(u64::MAX);
    st.stats.max_poll_hold_ns = st.stats.max_poll_hold_ns.max(held_ns);
    if held > st.config.blocked_poll_threshold {
        let message = format!(
            "one poll held the executor for {} ms (threshold {} ms): nothing else ran meanwhile",
            held.as_millis(),
            st.config.blocked_poll_threshold.as_millis()
        );
        st.push_violation(ViolationKind::BlockedExecutor, Some(task), message);
    }
}

/// A poll that took longer than the wall-clock threshold: a warning, or a finding when the
/// configuration says so.
#[inline(always)]
fn check_wall_hold(st: &mut State, task: TaskId) {
    if let Some(took) = st.wall.stop() {
        wall_blocked(st, task, took);
    }
}

#[cold]
fn wall_blocked(st: &mut State, task: TaskId, took: std::time::Duration) {
    st.stats.wall_blocked_polls += 1;
    let threshold = st.wall.threshold().unwrap_or_default();
    let message = format!(
        "one poll took {} ms of real time (threshold {} ms): a \
         std::thread::sleep, a blocking lock or a heavy synchronous call inside async code? \
         Model a wait with rt::sleep, and work that holds the executor with rt::blocking",
        took.as_millis(),
        threshold.as_millis()
    );
    if st.config.wall_poll_is_finding {
        st.push_violation(ViolationKind::WallBlockedPoll, Some(task), message);
    } else {
        st.push_warning(ViolationKind::WallBlockedPoll, Some(task), message);
    }
}

/// A pending task that is not runnable and whose waker nobody holds can never run again.
#[inline(always)]
fn check_never_woken(kernel: &Kernel, st: &mut State, task: TaskId) {
    if st.tasks[task.index()].scheduled || kernel.waker_refs.with(|refs| refs[task.index()] > 0) {
        return;
    }
    never_woken(st, task);
}

/// Notes the task: the verdict waits for the end of the run, since an abort can still end it
/// (`JoinSet::abort_all` over tasks parked on `pending()`, as tokio's own tests do).
#[cold]
fn never_woken(st: &mut State, task: TaskId) {
    let slot = &mut st.tasks[task.index()];
    if !slot.never_woken {
        slot.never_woken = true;
        let now = st.now;
        st.never_woken.push((task, now));
    }
}

/// The tasks that returned Pending with no waker left and were still alive at the end.
fn report_never_woken(st: &mut State) {
    let stuck: Vec<(TaskId, Instant)> = std::mem::take(&mut st.never_woken)
        .into_iter()
        .filter(|(task, _)| !st.tasks[task.index()].done)
        .collect();
    for (task, at) in stuck {
        st.push_violation(
            ViolationKind::NeverWoken,
            Some(task),
            format!(
                "the task returned Pending at {at} and no waker for it exists: it can never run \
                 again"
            ),
        );
    }
}

fn deadlock_message(st: &State) -> String {
    let pending: Vec<String> = pending_tasks(st)
        .map(|id| format!("{id} '{}'", st.recorder.trace.task_name(id)))
        .collect();
    format!(
        "nothing is runnable and no timer is set, but {} task(s) are pending: {}",
        pending.len(),
        pending.join(", ")
    )
}

/// For a run stopped by a bound: the tasks pending, not runnable, that have not been polled
/// for the latter half of the run or more (a deadlock that a ticker keeps from looking like
/// one), with where they were spawned; empty when there are none or no trace was recorded.
fn stuck_tasks(st: &State) -> String {
    let now = st.now;
    let mut last_turn = vec![None; st.tasks.len()];
    for event in st.recorder.trace.events_so_far() {
        if let (Some(task), EventKind::Poll | EventKind::Spawn) = (event.task, &event.kind) {
            if let Some(turn) = last_turn.get_mut(task.index()) {
                *turn = Some(event.at);
            }
        }
    }
    let half = Instant::from_nanos(now.as_nanos() / 2);
    let stuck: Vec<String> = pending_tasks(st)
        .filter(|id| !st.tasks[id.index()].scheduled)
        .filter_map(|id| {
            let last = last_turn.get(id.index()).copied().flatten()?;
            (last <= half && now > Instant::ZERO).then(|| {
                let info = &st.recorder.trace.tasks[id.index()];
                format!(
                    "{id} '{}' spawned at {}, not polled since {last}",
                    info.name,
                    info.location()
                )
            })
        })
        .collect();
    if stuck.is_empty() {
        return String::new();
    }
    format!(
        "; {} task(s) pending and not polled for the latter half of the run or more (a \
         deadlock kept alive by a timer?): {}",
        stuck.len(),
        stuck.join(", ")
    )
}

fn pending_tasks(st: &State) -> impl Iterator<Item = TaskId> + '_ {
    st.tasks
        .iter()
        .enumerate()
        .filter(|(_, slot)| !slot.done)
        .map(|(i, _)| TaskId(i as u32))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Step,
    End,
}

/// Runs the registered invariants with the state released: they may lock the subsystem's
/// state, and nothing they do re-enters the kernel.
fn check_invariants(kernel: &Kernel, phase: Phase) {
    let mut invariants = {
        let mut st = kernel.state.borrow_mut();
        if st.invariants.is_empty() {
            return;
        }
        std::mem::take(&mut st.invariants)
    };
    let now = kernel.now();
    let mut failures = Vec::new();
    for (invariant, fired) in invariants.iter_mut().filter(|(_, fired)| !*fired) {
        let result = match phase {
            Phase::Step => invariant.check_step(now),
            Phase::End => invariant.check_end(now),
        };
        if let Err(message) = result {
            *fired = true;
            failures.push((
                ViolationKind::Invariant(invariant.name().to_string()),
                message,
            ));
        }
    }
    let mut st = kernel.state.borrow_mut();
    // Invariants registered during this check (none should be) go after the existing ones.
    invariants.append(&mut st.invariants);
    st.invariants = invariants;
    for (kind, message) in failures {
        st.push_violation(kind, None, message);
    }
}

/// A replay that left its schedule, as a warning: where it first named a task that was not
/// runnable, or how many of its decisions the run never reached. A replay of fixed code may
/// diverge on purpose; on unchanged code it means the code is not deterministic.
fn replay_divergence(st: &mut State) {
    let Some(len) = st.scheduler.replayed_len() else {
        return;
    };
    st.stats.divergences = st.scheduler.divergences;
    let name = |st: &State, id: TaskId| format!("{id} '{}'", st.recorder.trace.task_name(id));
    if let Some(d) = st.scheduler.first_divergence.clone() {
        let runnable: Vec<String> = d.runnable.iter().map(|&id| name(st, id)).collect();
        let wanted = if d.wanted.index() < st.recorder.trace.tasks.len() {
            name(st, d.wanted)
        } else {
            format!("{} (never spawned in this run)", d.wanted)
        };
        let message = format!(
            "the replay left its schedule at step {}: decision {} of {len} names task {wanted}, \
             which was not runnable (runnable: {}); {} decision(s) diverged in all. The code \
             changed since the schedule was recorded, or it is not deterministic",
            d.step,
            d.decision + 1,
            runnable.join(", "),
            st.scheduler.divergences
        );
        st.push_warning(ViolationKind::ReplayDivergence, None, message);
    }
    let unused = st.scheduler.unused_decisions();
    if unused > 0 {
        let message = format!(
            "the run ended with {unused} of the schedule's {len} decisions unused: it made \
             fewer choices than the recorded run. The code changed since the schedule was \
             recorded, or it is not deterministic"
        );
        st.push_warning(ViolationKind::ReplayDivergence, None, message);
    }
}

/// The end-of-run detectors: leaked tasks (after a normal end), panics never awaited,
/// orphan processes; then the invariants' end checks.
///
/// After a run cut short (a bound, the budget, a deadlock), what the end invariants and the
/// orphan-process check find is marked [`after_cut_short`](crate::Violation::after_cut_short):
/// the subsystem never got to finish, so an end left undone is no fault of its own.
fn end_checks(kernel: &Kernel, end: End) {
    let before = kernel.state.borrow_mut().violations.len();
    end_detectors(kernel, end);
    let invariants_from = kernel.state.borrow_mut().violations.len();
    check_invariants(kernel, Phase::End);
    if end == End::Stopped {
        let mut st = kernel.state.borrow_mut();
        let (earlier, found_at_end) = st.violations.split_at_mut(before);
        if !earlier.is_empty() {
            for (i, v) in found_at_end.iter_mut().enumerate() {
                let from_invariant = before + i >= invariants_from;
                if from_invariant || v.kind == ViolationKind::OrphanProcess {
                    v.after_cut_short = true;
                }
            }
        }
    }
}

fn end_detectors(kernel: &Kernel, end: End) {
    let mut guard = kernel.state.borrow_mut();
    let st = &mut *guard;
    let mut foreign = waker::take_foreign_wakes(kernel.run_tag);
    foreign.dedup();
    for task in foreign {
        st.push_violation(
            ViolationKind::ForeignWake,
            Some(task),
            "woken from another thread (or outside its run): the wake was ignored, and the \
             run cannot be deterministic. Keep the code under test on the simulation's \
             thread, or model the other side with rt::spawn and rt::blocking"
                .into(),
        );
    }
    replay_divergence(st);
    report_never_woken(st);
    if st.sync_world() {
        kernel.wake_world_waiters(st);
    }
    for orphan in st.world.processes.orphans() {
        st.push_violation(
            ViolationKind::OrphanProcess,
            None,
            format!(
                "process {} '{}' is {:?} at the end of the run: nobody killed and reaped it",
                orphan.pid, orphan.name, orphan.state
            ),
        );
    }
    if end == End::Drained {
        let leaked: Vec<TaskId> = pending_tasks(st)
            .filter(|id| !st.tasks[id.index()].never_woken)
            .collect();
        for id in leaked {
            st.push_violation(
                ViolationKind::LeakedTask,
                Some(id),
                "still alive after the main task returned and the engine drained".into(),
            );
        }
    }
    let unobserved: Vec<(TaskId, String)> = st
        .joins
        .iter()
        .enumerate()
        .skip(1)
        .filter_map(|(i, join)| join.unobserved_panic().map(|m| (TaskId(i as u32), m)))
        .collect();
    for (id, message) in unobserved {
        st.push_violation(
            ViolationKind::UnobservedPanic,
            Some(id),
            format!("task panicked and its handle was never awaited: {message}"),
        );
    }
}

/// Drops every remaining future and timer with the state released, and with reports switched
/// off: what the end checks found is already filed.
fn teardown(kernel: &Kernel) {
    let (futures, timers) = {
        let mut st = kernel.state.borrow_mut();
        st.closed = true;
        let futures: Vec<_> = st
            .tasks
            .iter_mut()
            .filter_map(|s| s.future.take())
            .collect();
        (futures, st.timers.clear())
    };
    drop(futures);
    drop(timers);
}

fn build_report(seed: u64, state: State) -> Report {
    let fault_plan = state.faults.plan;
    let mut stats = state.stats;
    stats.virtual_time_ns = state.now.as_nanos();
    stats.decisions = state.decisions.len() as u64;
    let verdict = if state.violations.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    Report {
        seed,
        verdict,
        violations: state.violations,
        warnings: state.warnings,
        trace: state.recorder.finish(),
        schedule: Schedule {
            decisions: state.decisions,
        },
        fault_plan,
        stats,
    }
}
