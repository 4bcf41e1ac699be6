//! The engine's speed-ups, fenced in one module: the recyclers and unchecked pointers of the
//! hot path, each with a plain twin that feature `plain-engine` runs instead.
//!
//! | piece | fast (`fast/`) | plain (`plain/`) |
//! |---|---|---|
//! | [`TaskFuture`] | a block recycled by size class, polled in place | `Rc<RefCell<Pin<Box<..>>>>` |
//! | [`kept`] | buffers handed from one run to the next on a thread | nothing kept |
//! | [`push_in_place`] | written into the vector's spare capacity | `Vec::push` |
//! | [`current`] | a raw pointer to the running kernel | `RefCell<Option<Rc<Kernel>>>` |
//!
//! The rest of the engine sees one interface and cannot tell which it got, except by speed:
//! the plain side holds no state between runs and makes no choice of its own, so both give
//! every seed the same trace. `tests/engine_fast_vs_plain.rs` in the workspace checks that on
//! every scenario's first seeds, and CI runs it both ways; the contract tests below run both
//! sides in every build. Both sides are compiled in every build, so the plain one cannot rot.
//!
//! Each stays because the storm bench shows it pays (`benches/README.md`, "The speed-ups, fast
//! against plain"). The kernel's state cell and its word lists were unchecked cells here
//! too, until that bench showed no difference: they are `RefCell`s now (`state_cell.rs`,
//! `word_list.rs`), in every build.
//!
//! What stays outside, and why: `waker.rs` builds `RawWaker`s (a waker that is a (run, task)
//! word has no safe constructor), `join.rs` casts a task's output back to its type (checked by
//! `TypeId`; `downcast` would need `T: 'static` where tokio asks none), and the step loop calls
//! `PollHandle::poll`, whose contract is the step loop's to keep.

#[cfg_attr(feature = "plain-engine", allow(dead_code))]
mod fast;
#[cfg_attr(not(feature = "plain-engine"), allow(dead_code))]
mod plain;

#[cfg(not(feature = "plain-engine"))]
use fast as chosen;
#[cfg(feature = "plain-engine")]
use plain as chosen;

pub(crate) use chosen::current;
pub(crate) use chosen::kept;
pub(crate) use chosen::push_in_place::push_in_place;
pub(crate) use chosen::task_future::TaskFuture;

/// Whether this build runs the engine's plain side (feature `plain-engine`) instead of its
/// speed-ups.
pub const PLAIN_ENGINE: bool = cfg!(feature = "plain-engine");

#[cfg(test)]
mod contract_tests;
