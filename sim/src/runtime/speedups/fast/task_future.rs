//! A task's future, type-erased, in memory that this thread recycles from task to task.
//!
//! A run spawns its tasks in waves (a hundred sessions, then a hundred cleanups) and frees them
//! in waves. The system allocator keeps only a few freed blocks of each size at hand, so most
//! spawns went the long way through it (a tenth of the cleanup storm's instructions). Here a
//! freed future's block goes to a per-thread list of blocks of its size class, and the next
//! spawn of a future of that class takes it back. Blocks hold no state between uses: the
//! future is written into the block at spawn and dropped in place before the block returns to
//! its list. A generic pool crate would not help: they pool one type, and futures differ.

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

/// Blocks come in multiples of this size, aligned to it.
const GRAIN: usize = 16;
/// Futures larger than this (or aligned more than `GRAIN`) use the allocator directly.
const LARGEST_POOLED: usize = 4096;
/// Bytes of freed blocks a thread keeps at most; more go back to the allocator. A cleanup storm
/// of 1,000 sessions keeps under 1 MiB.
const KEPT_BYTES: usize = 16 << 20;

/// An owned, pinned future of a task. It never moves once written: its block is freed (or
/// recycled) only after the future has been dropped in place.
pub(crate) struct TaskFuture {
    future: NonNull<dyn Future<Output = ()>>,
}

impl TaskFuture {
    pub(crate) fn new<F: Future<Output = ()> + 'static>(future: F) -> TaskFuture {
        let layout = Layout::new::<F>();
        let block = match class_of(layout) {
            _ if layout.size() == 0 => NonNull::<F>::dangling().cast::<u8>(),
            Some(class) => POOL.with_borrow_mut(|pool| pool.take(class)),
            None => {
                // SAFETY: the layout's size is not zero (checked above).
                let raw = unsafe { alloc(layout) };
                NonNull::new(raw).unwrap_or_else(|| handle_alloc_error(layout))
            }
        };
        let typed = block.cast::<F>();
        // SAFETY: `block` is valid for writes of `F` and aligned for it (a pool block is
        // `GRAIN`-aligned and `F`'s alignment is at most `GRAIN`; a zero-sized `F` needs no
        // memory), and nothing else refers to it.
        unsafe { typed.as_ptr().write(future) };
        let future: NonNull<dyn Future<Output = ()>> = typed;
        TaskFuture { future }
    }

    /// Polls the future in place.
    #[cfg(test)]
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: this `TaskFuture` is alive and borrowed mutably for the call.
        unsafe { self.poll_handle().poll(cx) }
    }

    /// A handle that polls the future where it is, while this `TaskFuture` stays where it is
    /// kept (the step loop leaves it in its task's slot, so that a panic unwinding out of the
    /// poll does not drop it on the way).
    #[inline]
    pub(crate) fn poll_handle(&self) -> PollHandle {
        PollHandle {
            future: self.future,
        }
    }
}

/// Polls a [`TaskFuture`] in place; see [`TaskFuture::poll_handle`].
pub(crate) struct PollHandle {
    future: NonNull<dyn Future<Output = ()>>,
}

impl PollHandle {
    /// # Safety
    /// The `TaskFuture` this handle came from is alive, and nothing else polls it or drops it
    /// until this returns.
    #[inline]
    pub(crate) unsafe fn poll(mut self, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the future was written at `TaskFuture::new` and is dropped only in its
        // `drop`, which the caller rules out meanwhile; it never moves, so it may be pinned
        // where it is; and the caller rules out any other reference to it during the call.
        unsafe { Pin::new_unchecked(self.future.as_mut()) }.poll(cx)
    }
}

impl Drop for TaskFuture {
    fn drop(&mut self) {
        // SAFETY: the future is live (written at `new`, dropped only here).
        let layout = Layout::for_value(unsafe { self.future.as_ref() });
        // SAFETY: as above; it is not used again after this.
        unsafe { self.future.as_ptr().drop_in_place() };
        let block = self.future.cast::<u8>();
        match class_of(layout) {
            _ if layout.size() == 0 => {}
            // The pool may be gone at thread exit: the block then goes back to the allocator.
            Some(class) => {
                if POOL
                    .try_with(|pool| pool.borrow_mut().put(class, block))
                    .is_err()
                {
                    // SAFETY: the block was allocated with its class's layout.
                    unsafe { dealloc(block.as_ptr(), class_layout(class)) };
                }
            }
            // SAFETY: the block was allocated with exactly this layout.
            None => unsafe { dealloc(block.as_ptr(), layout) },
        }
    }
}

/// The size class of a future of this layout, if it is pooled: its size in grains.
#[inline]
fn class_of(layout: Layout) -> Option<usize> {
    (layout.size() <= LARGEST_POOLED && layout.align() <= GRAIN)
        .then(|| layout.size().div_ceil(GRAIN))
}

fn class_layout(class: usize) -> Layout {
    Layout::from_size_align(class * GRAIN, GRAIN).expect("a class's size is small")
}

/// Freed blocks by size class.
struct Pool {
    free: Vec<Vec<NonNull<u8>>>,
    /// The bytes of all the blocks in `free`.
    kept: usize,
}

impl Pool {
    fn take(&mut self, class: usize) -> NonNull<u8> {
        if let Some(block) = self.free.get_mut(class).and_then(Vec::pop) {
            self.kept -= class * GRAIN;
            return block;
        }
        let layout = class_layout(class);
        // SAFETY: the class of a non-zero size is at least 1: the layout is not empty.
        let raw = unsafe { alloc(layout) };
        NonNull::new(raw).unwrap_or_else(|| handle_alloc_error(layout))
    }

    fn put(&mut self, class: usize, block: NonNull<u8>) {
        if self.free.len() <= class {
            self.free.resize_with(class + 1, Vec::new);
        }
        if self.kept + class * GRAIN <= KEPT_BYTES {
            self.free[class].push(block);
            self.kept += class * GRAIN;
        } else {
            // SAFETY: the block was allocated with its class's layout.
            unsafe { dealloc(block.as_ptr(), class_layout(class)) };
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        for (class, list) in self.free.iter().enumerate() {
            for block in list {
                // SAFETY: every pooled block was allocated with its class's layout.
                unsafe { dealloc(block.as_ptr(), class_layout(class)) };
            }
        }
    }
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool {
            free: Vec::new(),
            kept: 0,
        })
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    /// A future that counts its drops and holds `N` bytes.
    struct Probe<const N: usize> {
        drops: Rc<std::cell::Cell<u32>>,
        bytes: [u8; N],
    }

    impl<const N: usize> Future for Probe<N> {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            assert!(self.bytes.iter().all(|&b| b == 7), "the future is intact");
            Poll::Ready(())
        }
    }

    impl<const N: usize> Drop for Probe<N> {
        fn drop(&mut self) {
            self.drops.set(self.drops.get() + 1);
        }
    }

    fn probe<const N: usize>(drops: &Rc<std::cell::Cell<u32>>) -> TaskFuture {
        TaskFuture::new(Probe::<N> {
            drops: drops.clone(),
            bytes: [7; N],
        })
    }

    #[test]
    fn a_freed_block_is_reused_by_the_next_future_of_its_class() {
        let drops = Rc::new(std::cell::Cell::new(0));
        let first = probe::<36>(&drops);
        let address = first.future.cast::<u8>();
        drop(first);
        let second = probe::<40>(&drops); // 36 and 40 bytes (plus the Rc) share a class
        assert_eq!(second.future.cast::<u8>(), address);
        let third = probe::<40>(&drops);
        assert_ne!(
            third.future.cast::<u8>(),
            address,
            "a block in use is not handed out"
        );
    }

    #[test]
    fn the_pool_keeps_a_bounded_number_of_bytes() {
        let drops = Rc::new(std::cell::Cell::new(0));
        // Twice the bound's worth of 4 KiB futures, all freed at once.
        let many: Vec<_> = (0..2 * KEPT_BYTES / 4096)
            .map(|_| probe::<4080>(&drops))
            .collect();
        drop(many);
        let kept = POOL.with_borrow(|pool| pool.kept);
        assert!(kept <= KEPT_BYTES, "kept {kept} bytes");
        assert!(
            kept > KEPT_BYTES / 2,
            "the pool keeps what fits: {kept} bytes"
        );
        let counted: usize = POOL.with_borrow(|pool| {
            pool.free
                .iter()
                .enumerate()
                .map(|(c, l)| c * GRAIN * l.len())
                .sum()
        });
        assert_eq!(counted, kept);
    }
}
