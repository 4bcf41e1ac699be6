//! The executor's state and the operations `rt` performs on it: spawn, timers, abort, blocking,
//! randomness, trace and violations. The step loop that drives it is in `sim.rs`.
//!
//! Invariants:
//! 1. The state is never borrowed while a task's future is polled or dropped: both may call
//!    back into the kernel (spawn, timers, a dropped handle reporting a lost panic). Nor is it
//!    borrowed twice: other code that runs under a borrow runs with it lent (`state_cell.rs`).
//! 2. Task ids are the spawn order; they are never reused within a run.
//! 3. A task is in `runnable` at most once (`scheduled` says whether it is).

use super::fault_state::FaultState;
use super::join_set_queues::JoinSets;
use super::join_state::JoinState;
use super::policy::Scheduler;
use super::run_queue::RunQueue;
use super::spare::Spare;
use super::speedups::push_in_place;
use super::state_cell::StateCell;
use super::task_slot::TaskSlot;
use super::timers::Timers;
use super::wall::WallWatch;
use super::word_list::WordList;
use super::world_state::WorldState;
use crate::check::Invariant;
use crate::check::{TaskRef, Violation, ViolationKind};
use crate::config::SimConfig;
use crate::report::{Stats, MAX_WARNINGS};
use crate::time::Instant;
use crate::trace::{EventKind, TaskId, TaskInfo, Trace, TraceHasher};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub(crate) use super::speedups::TaskFuture;

/// Independent random streams of one seed, so that one consumer drawing more or less never
/// shifts another's draws (a replayed schedule leaves the workload's draws unchanged).
#[derive(Clone, Copy)]
pub(crate) enum Stream {
    Scheduler = 0,
    Workload = 1,
    Faults = 2,
    Swarm = 3,
    /// The branch order of `asynclife_sim::select!`: its own, so that a `select!` added or
    /// removed shifts no other draw, and a replayed schedule leaves it unchanged.
    Select = 4,
    /// PCT's change points: apart from the priorities, so that a run with the points off
    /// is the same run up to the first point (see `policy.rs`).
    ChangePoints = 5,
}

/// The low 32 bits of a run id, as the run's wakers carry it (`waker.rs`): enough to tell a
/// stale waker from the current run's.
fn run_tag(run_id: u64) -> u32 {
    run_id as u32
}

pub(crate) fn stream_rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// Records events and folds them into the hash.
pub(crate) struct Recorder {
    pub(super) trace: Trace,
    hasher: TraceHasher,
    record: bool,
}

impl Recorder {
    // Always inlined: at most call sites `kind` is a constant, and the event is then built in
    // place and hashed without a match.
    #[inline(always)]
    pub(crate) fn push(&mut self, at: Instant, task: Option<TaskId>, kind: EventKind) {
        self.hasher.parts(at, task, &kind);
        self.trace.event_count += 1;
        if self.record {
            self.trace.record(at, task, kind);
        }
    }

    pub(crate) fn finish(mut self) -> Trace {
        self.trace.set_hash(self.hasher.finish());
        self.trace
    }
}

pub(crate) struct State {
    pub(super) config: SimConfig,
    pub(super) now: Instant,
    pub(super) tasks: Vec<TaskSlot>,
    /// Each task's result and its handle's state, by task index.
    pub(super) joins: Vec<JoinState>,
    pub(super) runnable: RunQueue,
    pub(super) timers: Timers,
    /// The task being polled.
    pub(super) current: Option<TaskId>,
    /// When the current poll began (for the step loop, should the poll panic).
    pub(super) poll_started: Instant,
    /// The task being polled aborted itself.
    pub(super) abort_current: bool,
    /// Times polls on the wall clock, for the `wall-blocked-poll` warning.
    pub(super) wall: WallWatch,
    pub(super) scheduler: Scheduler,
    pub(super) scheduler_rng: ChaCha8Rng,
    pub(super) workload_rng: ChaCha8Rng,
    pub(super) select_rng: ChaCha8Rng,
    pub(super) fault_rng: ChaCha8Rng,
    pub(super) recorder: Recorder,
    pub(super) violations: Vec<Violation>,
    /// Warnings: beside the verdict, never in the trace (see `Report::warnings`).
    pub(super) warnings: Vec<Violation>,
    /// Tasks that returned Pending with no waker left, and when: judged at the end of the
    /// run (an abort may still end them).
    pub(super) never_woken: Vec<(TaskId, Instant)>,
    pub(super) decisions: Vec<TaskId>,
    pub(super) stats: Stats,
    pub(super) world: WorldState,
    pub(super) faults: FaultState,
    /// Registered invariants, and whether each has fired (then it is not checked again).
    pub(super) invariants: Vec<(Box<dyn Invariant>, bool)>,
    /// Teardown has begun: late reports (from handles dropped with their tasks) are ignored.
    pub(super) closed: bool,
}

/// Spawns past the event budget after which the next one panics in its caller: enough for a
/// poll that ends to finish it, far too few to let a poll that never ends run on.
pub(crate) const REFUSED_SPAWNS_BEFORE_PANIC: u64 = 10_000;

/// One simulation's executor state, shared by the step loop and `rt` through the thread-local
/// context.
pub(crate) struct Kernel {
    pub(super) run_id: u64,
    pub(super) state: StateCell<State>,
    /// `run_id`'s low bits, as this run's wakers carry them.
    pub(super) run_tag: u32,
    /// `State::now`, mirrored where `rt` reads it without borrowing the state (every sleep's
    /// poll, every `now()`). Written only with it, in `set_now`.
    pub(super) clock: Cell<Instant>,
    /// Tasks woken since the executor last looked, in wake order. Outside `state` so that a
    /// waker can push while the state is borrowed (a timer firing).
    pub(super) woken: WordList<TaskId>,
    /// Live wakers of each task, by task index (see `waker.rs`).
    pub(super) waker_refs: WordList<u32>,
    /// Whether any invariant is registered: the step loop skips the check otherwise.
    pub(super) has_invariants: Cell<bool>,
    /// The run's join sets (see `join_sets.rs`).
    pub(super) join_sets: RefCell<JoinSets>,
}

static NEXT_RUN_ID: AtomicU64 = AtomicU64::new(1);

impl Kernel {
    pub(crate) fn new(config: SimConfig) -> Kernel {
        let scheduler_rng = stream_rng(config.seed, Stream::Scheduler);
        let scheduler = Scheduler::new(
            config.policy.clone(),
            &mut stream_rng(config.seed, Stream::ChangePoints),
        );
        let record = config.record_trace;
        let plan = config
            .faults
            .draw_swarm(&mut stream_rng(config.seed, Stream::Swarm));
        let world = WorldState::new(plan.timed_process_crashes());
        // Identity only, never simulated state: it keeps a handle or waker that outlives its
        // run from reaching a later run on the same thread.
        let run_id = NEXT_RUN_ID.fetch_add(1, Ordering::Relaxed);
        let spare = Spare::take();
        Kernel {
            run_id,
            run_tag: run_tag(run_id),
            clock: Cell::new(Instant::ZERO),
            state: StateCell::new(State {
                now: Instant::ZERO,
                tasks: spare.tasks,
                joins: spare.joins,
                runnable: spare.runnable,
                timers: spare.timers,
                current: None,
                poll_started: Instant::ZERO,
                abort_current: false,
                wall: WallWatch::new(config.wall_poll_threshold),
                scheduler,
                scheduler_rng,
                workload_rng: stream_rng(config.seed, Stream::Workload),
                select_rng: stream_rng(config.seed, Stream::Select),
                fault_rng: stream_rng(config.seed, Stream::Faults),
                recorder: Recorder {
                    trace: Trace::with_room(
                        spare.last_tasks + spare.last_tasks / 4,
                        if record {
                            spare.last_events + spare.last_events / 4
                        } else {
                            0
                        },
                    ),
                    hasher: TraceHasher::default(),
                    record,
                },
                violations: Vec::new(),
                warnings: Vec::new(),
                never_woken: Vec::new(),
                decisions: Vec::with_capacity(256),
                stats: Stats::default(),
                world,
                faults: FaultState::new(plan),
                invariants: Vec::new(),
                closed: false,
                config,
            }),
            woken: WordList::new(spare.woken),
            waker_refs: WordList::new(spare.waker_refs),
            has_invariants: Cell::new(false),
            join_sets: RefCell::default(),
        }
    }

    /// The run's identity: a handle or waker of another run does nothing in this one.
    #[inline]
    pub(crate) fn run_id(&self) -> u64 {
        self.run_id
    }

    #[inline]
    pub(crate) fn now(&self) -> Instant {
        self.clock.get()
    }

    /// Adds a task, runnable at once.
    pub(crate) fn spawn(
        &self,
        name: Cow<'static, str>,
        location: &'static Location<'static>,
        future: TaskFuture,
    ) -> TaskId {
        let mut guard = self.state.borrow_mut();
        let st = &mut *guard;
        if st.recorder.trace.event_count >= st.config.max_events {
            drop(guard);
            return self.refuse_spawn(name, location, future);
        }
        let id = TaskId(u32::try_from(st.tasks.len()).expect("fewer than 2^32 tasks"));
        push_in_place(&mut st.tasks, || TaskSlot {
            future: Some(future),
            done: false,
            scheduled: true,
            never_woken: false,
            abort_requested: false,
        });
        push_in_place(&mut st.joins, JoinState::default);
        st.runnable.push_back(id);
        self.waker_refs.with(|refs| refs.push(0));
        st.scheduler.on_spawn(id, &mut st.scheduler_rng);
        st.stats.tasks_spawned += 1;
        push_in_place(&mut st.recorder.trace.tasks, || TaskInfo {
            id,
            name,
            file: Cow::Borrowed(location.file()),
            line: location.line(),
            parent: st.current,
        });
        let now = st.now;
        st.recorder.push(now, Some(id), EventKind::Spawn);
        id
    }

    /// A spawn past the event budget: the task gets an id, a name and a handle (which gives a
    /// cancellation), but its future is dropped unpolled, with the state released, and it
    /// never runs. The step loop stops the run with a `budget` violation after the current
    /// poll, so nothing can wait on it for long; meanwhile a workload spawning in a loop
    /// costs a few words per spawn, not its futures. A poll that goes on spawning
    /// ([`REFUSED_SPAWNS_BEFORE_PANIC`] refused) would never return, and the engine cannot
    /// preempt it: the spawn panics there, which ends the spawning task's poll.
    #[cold]
    fn refuse_spawn(
        &self,
        name: Cow<'static, str>,
        location: &'static Location<'static>,
        future: TaskFuture,
    ) -> TaskId {
        let id = {
            let mut guard = self.state.borrow_mut();
            let st = &mut *guard;
            let id = TaskId(u32::try_from(st.tasks.len()).expect("fewer than 2^32 tasks"));
            st.tasks.push(TaskSlot {
                future: None,
                done: true,
                scheduled: false,
                never_woken: false,
                abort_requested: false,
            });
            st.joins.push(JoinState::default());
            self.waker_refs.with(|refs| refs.push(0));
            st.scheduler.on_spawn(id, &mut st.scheduler_rng);
            st.stats.spawns_refused += 1;
            st.recorder.trace.tasks.push(TaskInfo {
                id,
                name,
                file: Cow::Borrowed(location.file()),
                line: location.line(),
                parent: st.current,
            });
            id
        };
        drop(future);
        // Its handle gives a cancellation, as an abort's would.
        self.cancel_task(id);
        let (refused, budget) = {
            let st = self.state.borrow_mut();
            (st.stats.spawns_refused, st.config.max_events)
        };
        if refused >= REFUSED_SPAWNS_BEFORE_PANIC {
            panic!(
                "the event budget of {budget} events (max_events) is spent, and this task \
                 went on spawning: {refused} spawns refused in one run, the last at {}:{}. \
                 Stopped here, since a poll that never returns cannot be preempted",
                location.file(),
                location.line()
            );
        }
        id
    }

    /// A synchronous call inside a poll: the clock moves, and nothing else runs meanwhile.
    pub(crate) fn block(&self, duration: Duration) {
        let mut st = self.state.borrow_mut();
        let now = st.now + duration;
        self.set_now(&mut st, now);
        let task = st.current;
        let duration_ns = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        st.recorder
            .push(now, task, EventKind::Blocked { duration_ns });
    }

    /// Aborts the task being polled (a `crash` fault at its point), if there is one.
    pub(crate) fn abort_current(&self) {
        if let Some(task) = self.with_state(|st| st.current) {
            self.abort(task);
        }
    }

    /// Registers an invariant, checked after every step from now on.
    pub(crate) fn add_invariant(&self, invariant: Box<dyn Invariant>) {
        self.with_state(|st| st.invariants.push((invariant, false)));
        self.has_invariants.set(true);
    }

    /// Requests a task's abort, as tokio does: the task is scheduled, and instead of being
    /// polled its future is dropped; only then does its handle yield a cancellation. So an
    /// `abort` called under a lock the task's drop path takes cannot deadlock, and a handle
    /// that reports "cancelled" means the future is gone.
    pub(crate) fn abort(&self, task: TaskId) {
        let mut guard = self.state.borrow_mut();
        let st = &mut *guard;
        let slot = &mut st.tasks[task.index()];
        if slot.done {
            return;
        }
        if st.current == Some(task) {
            st.abort_current = true;
            return;
        }
        slot.abort_requested = true;
        if !slot.scheduled {
            slot.scheduled = true;
            st.runnable.push_back(task);
        }
    }

    /// Appends a user event to the trace.
    pub(crate) fn event(&self, kind: EventKind) {
        let mut st = self.state.borrow_mut();
        let (now, task) = (st.now, st.current);
        st.recorder.push(now, task, kind);
    }

    /// Records a violation, and a trace event for it.
    pub(crate) fn report(&self, kind: ViolationKind, task: Option<TaskId>, message: String) {
        let mut st = self.state.borrow_mut();
        st.push_violation(kind, task, message);
    }

    /// Runs `f` on the state, lent: `f` may run code that is not the kernel's (a waker's
    /// clone, an inspection closure), and if that code reaches into the kernel it panics.
    /// `f` must not poll or drop futures (invariant 1). Process waiters it left to wake are
    /// woken after it, still lent.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut st = self.state.borrow_mut();
        self.state.lend(|| {
            let result = f(&mut st);
            self.wake_world_waiters(&mut st);
            result
        })
    }

    /// Moves the clock: `State::now` and its mirror `clock` together.
    #[inline]
    pub(crate) fn set_now(&self, st: &mut State, now: Instant) {
        st.now = now;
        self.clock.set(now);
    }

    pub(crate) fn with_workload_rng<R>(&self, f: impl FnOnce(&mut ChaCha8Rng) -> R) -> R {
        f(&mut self.state.borrow_mut().workload_rng)
    }

    pub(crate) fn with_select_rng<R>(&self, f: impl FnOnce(&mut ChaCha8Rng) -> R) -> R {
        f(&mut self.state.borrow_mut().select_rng)
    }
}

impl State {
    pub(crate) fn task_ref(&self, id: TaskId) -> Option<TaskRef> {
        self.recorder.trace.tasks.get(id.index()).map(TaskRef::of)
    }

    /// Files a warning: kept in the report (the first `MAX_WARNINGS`), never in the trace.
    pub(crate) fn push_warning(
        &mut self,
        kind: ViolationKind,
        task: Option<TaskId>,
        message: String,
    ) {
        if self.warnings.len() >= MAX_WARNINGS {
            return;
        }
        let task = task.and_then(|id| self.task_ref(id));
        let at = self.now;
        self.warnings.push(Violation {
            kind,
            task,
            at,
            message,
            after_cut_short: false,
        });
    }

    pub(crate) fn push_violation(
        &mut self,
        kind: ViolationKind,
        task: Option<TaskId>,
        message: String,
    ) {
        if self.closed {
            return;
        }
        let now = self.now;
        self.recorder.push(
            now,
            task,
            EventKind::Violation {
                kind: kind.name().to_string(),
                message: message.clone(),
            },
        );
        let task = task.and_then(|id| self.task_ref(id));
        self.violations.push(Violation {
            kind,
            task,
            at: now,
            message,
            after_cut_short: false,
        });
    }
}
