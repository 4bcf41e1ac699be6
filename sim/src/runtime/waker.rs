//! Task wakers: a (run, task) pair, with no allocation and no atomic reference count.
//!
//! A simulated task's waker carries its run's id (low 32 bits) and its task id packed in the
//! waker's data word; the data is never dereferenced. Waking pushes the task id onto the
//! kernel's wake list, found through the thread's context; cloning and dropping count the
//! task's live wakers in the kernel (`Kernel::waker_refs`), which is how the never-woken
//! detector knows that nobody can wake a task any more. The executor polls with a waker it does
//! not count (see [`borrowed`]).
//!
//! The simulation runs on one thread and simulated code never starts threads. A waker used on
//! another thread, or after its run, finds no kernel of its run there and does nothing: the
//! run then reports the task as deadlocked or never woken rather than waking it at a
//! nondeterministic moment, and, for a wake during the run, `foreign-wake` (noted in a
//! process-wide list that the run takes at its end: the only shared state a waker touches,
//! and only on this path).

use super::context;
use super::kernel::Kernel;
use crate::trace::TaskId;
use std::mem::ManuallyDrop;
use std::sync::Mutex;
use std::task::{RawWaker, RawWakerVTable, Waker};

/// Wakes of a run's wakers made where that run is not current (another thread, almost
/// always), as (run tag, task): the run reports them at its end as `foreign-wake`. Bounded:
/// wakes of runs that already ended are never taken out, and past the bound are not kept.
static FOREIGN_WAKES: Mutex<Vec<(u32, TaskId)>> = Mutex::new(Vec::new());

/// At most this many foreign wakes are kept, over every run of the process.
const FOREIGN_WAKES_KEPT: usize = 1024;

/// Notes a wake of `task` of run `run` made outside that run.
fn note_foreign_wake(run: u32, task: TaskId) {
    // A poisoned lock only means another thread panicked while noting: keep going.
    let mut wakes = FOREIGN_WAKES.lock().unwrap_or_else(|e| e.into_inner());
    if wakes.len() < FOREIGN_WAKES_KEPT {
        wakes.push((run, task));
    }
}

/// The tasks of run `run` woken from outside it so far, in order; taken out.
pub(crate) fn take_foreign_wakes(run: u32) -> Vec<TaskId> {
    let mut wakes = FOREIGN_WAKES.lock().unwrap_or_else(|e| e.into_inner());
    let mut taken = Vec::new();
    wakes.retain(|&(r, task)| {
        let ours = r == run;
        if ours {
            taken.push(task);
        }
        !ours
    });
    taken
}

#[cfg(not(target_pointer_width = "64"))]
compile_error!("asynclife-sim packs a run id and a task id into a waker's 64-bit data word");

fn pack(run: u32, task: TaskId) -> *const () {
    std::ptr::without_provenance(((run as usize) << 32) | task.0 as usize)
}

fn unpack(data: *const ()) -> (u32, TaskId) {
    let word = data.addr();
    ((word >> 32) as u32, TaskId(word as u32))
}

/// The waker the executor polls `task` with. It is not counted as a live waker, so it is never
/// dropped; clones made from it are counted.
pub(crate) fn borrowed(run: u32, task: TaskId) -> ManuallyDrop<Waker> {
    // SAFETY: VTABLE's functions never dereference the data word, and keep the count of live
    // wakers balanced: the one returned here is not counted and, in `ManuallyDrop`, never
    // releases a count.
    ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(pack(run, task), &VTABLE)) })
}

/// Runs `f` on the kernel of the waker's run, if that run is the thread's current one;
/// whether it was.
fn with_run(data: *const (), f: impl FnOnce(&Kernel, TaskId)) -> bool {
    let (run, task) = unpack(data);
    context::with_current(|kernel| {
        if kernel.run_tag == run {
            f(kernel, task);
            true
        } else {
            false
        }
    })
    .unwrap_or(false)
}

/// Wakes `waker` on behalf of `kernel`, with the state released (a finished task's joiner): a
/// waker of one of this run's tasks is queued directly (what its `wake` would do, without
/// finding the kernel again); any other waker is woken as usual.
#[inline]
pub(crate) fn wake_from_kernel(kernel: &Kernel, waker: Waker) {
    match own_task(kernel, &waker) {
        Some(task) => queue_and_release(kernel, waker, task),
        None => waker.wake(),
    }
}

/// As `wake_from_kernel`, with the state held (a timer firing): any other waker is woken with
/// the state lent (see `state_cell.rs`).
#[inline]
pub(crate) fn wake_under_state(kernel: &Kernel, waker: Waker) {
    match own_task(kernel, &waker) {
        Some(task) => queue_and_release(kernel, waker, task),
        None => lend_to_foreign(kernel, || waker.wake()),
    }
}

/// Clones `waker` with the state held: for a waker of one of this run's tasks the count is
/// taken directly (what its `clone` would do, without finding the kernel again); any other
/// waker is cloned with the state lent.
#[inline]
pub(crate) fn clone_under_state(kernel: &Kernel, waker: &Waker) -> Waker {
    match own_task(kernel, waker) {
        Some(task) => {
            kernel.waker_refs.with(|refs| refs[task.index()] += 1);
            // SAFETY: as in `borrowed`; the count this waker releases was just taken.
            unsafe { Waker::from_raw(RawWaker::new(waker.data(), &VTABLE)) }
        }
        None => lend_to_foreign(kernel, || waker.clone()),
    }
}

/// Replaces `slot` with a clone of `waker`, with the state held: the old waker is dropped, and
/// either is handled as `clone_under_state` does.
#[cold]
pub(crate) fn replace_under_state(kernel: &Kernel, slot: &mut Waker, waker: &Waker) {
    let previous = std::mem::replace(slot, clone_under_state(kernel, waker));
    match own_task(kernel, &previous) {
        Some(task) => {
            std::mem::forget(previous);
            release(kernel, task);
        }
        None => lend_to_foreign(kernel, || drop(previous)),
    }
}

/// Runs a foreign waker's code with the kernel's state lent.
#[cold]
#[inline(never)]
fn lend_to_foreign<R>(kernel: &Kernel, f: impl FnOnce() -> R) -> R {
    kernel.state.lend(f)
}

/// The task of a waker of one of `kernel`'s tasks; `None` for any other waker.
#[inline]
pub(crate) fn own_task(kernel: &Kernel, waker: &Waker) -> Option<TaskId> {
    if !std::ptr::eq(waker.vtable(), &VTABLE) {
        return None;
    }
    let (run, task) = unpack(waker.data());
    (run == kernel.run_tag).then_some(task)
}

/// Consumes a waker of `task` (as `own_task` found it) without waking it: the caller
/// schedules the task itself.
#[inline]
pub(crate) fn release_own(kernel: &Kernel, waker: Waker, task: TaskId) {
    debug_assert_eq!(own_task(kernel, &waker), Some(task));
    // The waker's count is released here, so it must not be dropped as well.
    std::mem::forget(waker);
    release(kernel, task);
}

/// Wakes one of `kernel`'s tasks (as `own_task` found it) by reference: what its waker's
/// `wake_by_ref` would do, without finding the kernel again.
#[inline]
pub(crate) fn wake_own_by_ref(kernel: &Kernel, task: TaskId) {
    kernel.woken.with(|woken| woken.push(task));
}

fn queue_and_release(kernel: &Kernel, waker: Waker, task: TaskId) {
    wake_own_by_ref(kernel, task);
    release_own(kernel, waker, task);
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

// The four functions below only unpack the data word; they are `unsafe fn` because the
// `RawWakerVTable` signature requires it.

unsafe fn clone(data: *const ()) -> RawWaker {
    let _ = with_run(data, |kernel, task| {
        kernel.waker_refs.with(|refs| refs[task.index()] += 1);
    });
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    let woken = with_run(data, |kernel, task| {
        wake_own_by_ref(kernel, task);
        release(kernel, task);
    });
    if !woken {
        let (run, task) = unpack(data);
        note_foreign_wake(run, task);
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    if !with_run(data, wake_own_by_ref) {
        let (run, task) = unpack(data);
        note_foreign_wake(run, task);
    }
}

unsafe fn drop_waker(data: *const ()) {
    let _ = with_run(data, release);
}

/// One live waker fewer. Saturating: a waker cloned where its run was not current (another
/// thread) was never counted.
fn release(kernel: &Kernel, task: TaskId) {
    kernel.waker_refs.with(|refs| {
        refs[task.index()] = refs[task.index()].saturating_sub(1);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_keeps_run_and_task() {
        let data = pack(0xdead_beef, TaskId(0x1234_5678));
        assert_eq!(unpack(data), (0xdead_beef, TaskId(0x1234_5678)));
    }
}
