//! The `rt` seam: a small tokio-shaped facade that subsystem code is written against.
//!
//! Every function dispatches at run time: inside a simulation (`Sim::run`) to the engine,
//! otherwise to the tokio runtime the caller is on. No cfg flags in the code under test: the
//! same code runs in a seed sweep, in a real run and in production. Outside a simulation,
//! [`process`] and [`kv`] are real mode's real children and store (feature `real`); without
//! the feature they panic, naming the call and the feature.

/// With the `real` feature: real mode's answer to an `rt` call made outside a simulation.
#[cfg(feature = "real")]
macro_rules! outside_simulation {
    ($call:expr, $real:expr) => {
        $real
    };
}

/// Without the `real` feature: a panic that names the call and the feature it needs.
#[cfg(not(feature = "real"))]
macro_rules! outside_simulation {
    ($call:expr, $real:expr) => {
        $crate::rt::needs_real($call)
    };
}

pub mod fault;
mod join_set;
pub mod kv;
pub mod process;
pub(crate) mod random;
pub mod swarm;
mod task;
mod time;

pub use crate::runtime::panic::panic_message;
pub use join_set::JoinSet;
pub use random::{random_bool, random_range, random_u64, select_start};
pub use task::{spawn, yield_now, AbortHandle, JoinError, JoinHandle};
pub(crate) use time::elapsed;
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
/// Outside a simulation, a real run on this thread (`real::run`, feature `real`) keeps it for
/// its end, where only end-only invariants are checked; outside a real run it is dropped.
///
/// # Panics
/// If the name is one of the built-in detectors'.
pub fn invariant(invariant: impl Invariant) {
    let name = invariant.name().to_string();
    assert!(
        !crate::check::ViolationKind::DETECTORS
            .iter()
            .any(|d| d.name() == name),
        "invariant name '{name}' is taken by a built-in detector"
    );
    match context::try_current() {
        Some(kernel) => kernel.add_invariant(Box::new(invariant)),
        #[cfg(feature = "real")]
        None => crate::real::register_invariant(Box::new(invariant)),
        // Without real mode there is no run outside a simulation to check it at.
        #[cfg(not(feature = "real"))]
        None => drop(invariant),
    }
}

/// The panic of a world call (processes, the store) outside a simulation without real mode.
/// Typed as the call's answer (it never returns) so that the call sites read as with it.
#[cfg(not(feature = "real"))]
#[track_caller]
pub(crate) fn needs_real<T>(call: &str) -> T {
    panic!(
        "asynclife_sim::{call} outside a simulation needs the `real` feature of asynclife-sim \
         (real child processes, the real store); inside `Sim::run` or a `Check` it works as is"
    )
}

/// Sets how many real seconds one second of `rt` time lasts outside a simulation: at 0.01,
/// `rt::sleep(5 s)` and `rt::blocking(5 s)` take 50 ms of wall clock and `rt::now` runs 100
/// times faster than it. Every subsystem is scaled at once, without knowing it. The clock is
/// re-based so that `rt::now` stays continuous. No effect inside a simulation.
///
/// # Panics
/// If `scale` is not finite and positive.
pub fn set_real_time_scale(scale: f64) {
    crate::scaled_clock::set_scale(scale);
}

/// The time scale in force outside a simulation (1 unless changed).
pub fn real_time_scale() -> f64 {
    crate::scaled_clock::scale()
}
