//! The buffers a finished run leaves to the next run on the same thread (through
//! `speedups::kept`, which on the plain side keeps nothing).
//!
//! A sweep runs thousands of seeds per thread, each growing a task table, a run queue, timer
//! heaps and wake lists from empty. Handing the (emptied) buffers of one run to the next skips
//! those allocations and regrowths. Nothing of a run survives in them: each is empty when it
//! is handed over, so the next run's behaviour cannot depend on the previous one.

use super::join_state::JoinState;
use super::run_queue::RunQueue;
use super::speedups::kept;
use super::task_slot::TaskSlot;
use super::timers::Timers;
use crate::trace::TaskId;

pub(crate) struct Spare {
    /// Tasks and trace events of the last run: the next run's trace starts with room for a
    /// quarter more (a sweep's runs are alike, give or take).
    pub(crate) last_tasks: usize,
    pub(crate) last_events: usize,
    pub(crate) tasks: Vec<TaskSlot>,
    pub(crate) joins: Vec<JoinState>,
    pub(crate) runnable: RunQueue,
    pub(crate) timers: Timers,
    pub(crate) woken: Vec<TaskId>,
    pub(crate) waker_refs: Vec<u32>,
}

impl Spare {
    /// The buffers the last run on this thread left, or new ones.
    pub(crate) fn take() -> Spare {
        kept::take().unwrap_or_else(|| Spare {
            last_tasks: 64,
            last_events: 1024,
            tasks: Vec::with_capacity(64),
            joins: Vec::with_capacity(64),
            runnable: RunQueue::with_capacity(64),
            timers: Timers::default(),
            woken: Vec::with_capacity(64),
            waker_refs: Vec::with_capacity(64),
        })
    }

    /// Empties the buffers and leaves them to the next run on this thread. Called once the run
    /// has left the thread's context: dropping what the task table still holds (results
    /// nobody took) cannot reach the kernel.
    pub(crate) fn put(mut self) {
        self.tasks.clear();
        self.joins.clear();
        self.runnable.clear();
        self.timers.reset();
        self.woken.clear();
        self.waker_refs.clear();
        kept::keep(self);
    }
}
