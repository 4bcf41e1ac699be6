//! The `rt` seam: a small tokio-shaped facade that subsystem code is written against.
//!
//! Every function dispatches at run time: inside a simulation (`Sim::run`) to the engine,
//! otherwise to the tokio runtime the caller is on. No cfg flags, one build: the same code runs
//! in a seed sweep and in production.

pub mod fault;
mod join_set;
pub mod kv;
pub mod process;
mod random;
mod task;
mod time;

pub use join_set::JoinSet;
pub use random::{random_bool, random_range, random_u64};
pub use task::{spawn, yield_now, JoinError, JoinHandle};
pub use time::{
    blocking, interval, now, sleep, sleep_until, timeout, Elapsed, Interval, Sleep, Timeout,
};

use crate::check::Invariant;
use crate::runtime::context;
use crate::trace::EventKind;

/// Whether the calling thread is inside a simulation.
pub fn in_simulation() -> bool {
    context::in_simulation()
}

/// Records an event of the code under test: in the trace inside a simulation, as a tracing
/// event otherwise.
pub fn event(message: impl Into<String>) {
    let message = message.into();
    match context::try_current() {
        Some(kernel) => kernel.event(EventKind::User { message }),
        None => tracing::info!(target: "asynclife", "{message}"),
    }
}

/// Registers an invariant for the rest of the run: checked after every step and at the end.
///
/// # Panics
/// Outside a simulation, or if the name is one of the built-in detectors'.
pub fn invariant(invariant: impl Invariant) {
    let name = invariant.name().to_string();
    assert!(
        !crate::check::ViolationKind::DETECTORS
            .iter()
            .any(|d| d.name() == name),
        "invariant name '{name}' is taken by a built-in detector"
    );
    context::current().with_state(|st| st.invariants.push((Box::new(invariant), false)));
}
