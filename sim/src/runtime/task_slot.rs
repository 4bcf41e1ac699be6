//! A task's slot in the kernel's task table: its future and the flags the step loop reads.

use super::speedups::TaskFuture;

/// What the step loop touches of a task: small, so that many share a cache line. The task's
/// result and its handle's state are in `State::joins`, at the same index.
pub(crate) struct TaskSlot {
    pub(crate) future: Option<TaskFuture>,
    pub(crate) done: bool,
    pub(crate) scheduled: bool,
    /// Reported as never-woken; not reported again as leaked.
    pub(crate) never_woken: bool,
    /// Aborted: at its next turn the future is dropped instead of polled.
    pub(crate) abort_requested: bool,
}
