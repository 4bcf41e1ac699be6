//! tokio's shape: the paths and signatures a tokio service uses, on the engine inside a
//! simulation and on tokio outside one, so that a service is ported by its imports alone.
//!
//! ```
//! use asynclife_sim::tokio; // where the service said `use tokio;` (or nothing)
//! use std::time::Duration;
//!
//! async fn service() -> u32 {
//!     let worker = tokio::spawn(async {
//!         tokio::time::sleep(Duration::from_secs(5)).await;
//!         42
//!     });
//!     worker.await.unwrap()
//! }
//!
//! // Inside a simulation: virtual time, a seeded schedule, the trace.
//! asynclife_sim::Sim::new(asynclife_sim::SimConfig::with_seed(1))
//!     .run(|| async { assert_eq!(service().await, 42) })
//!     .assert_pass();
//! ```
//!
//! What it offers: [`spawn`] (the task named after its future's function), [`task`]
//! (`JoinHandle`, `JoinSet`, `JoinError`, `AbortHandle`, `yield_now`, `spawn_blocking`,
//! `Builder` for a chosen name), [`time`] (`sleep`, `sleep_until`, `timeout`, `timeout_at`,
//! `interval`, `interval_at`, `Instant`, `Sleep`, `Interval`, `MissedTickBehavior`,
//! `error::Elapsed`), [`sync`] (tokio's own primitives: they need no runtime), [`select!`]
//! (the seeded one: its branch order is drawn from the run's seed), [`join!`], [`try_join!`]
//! and [`pin!`] (tokio's, which are deterministic), and the [`test`] and [`main`] attributes.
//!
//! [`runtime`] is tokio's, for running the service for real.
//!
//! What it does not: tokio's `net`, `fs`, `io`, `process` and `signal` (the world is modelled
//! by [`crate::rt::process`] and [`crate::rt::kv`] instead), `runtime::Handle`,
//! `task::LocalSet` and `spawn_local`. A third-party crate that calls tokio itself (a client
//! library with its own timers) still reaches real tokio inside a simulation: the
//! `foreign-runtime` detector names the call when it does.

pub mod task;
pub mod time;

pub use task::spawn;

/// tokio's synchronization primitives, which need no runtime and so run unchanged inside a
/// simulation: `mpsc`, `oneshot`, `broadcast`, `watch`, `Mutex`, `RwLock`, `Semaphore`,
/// `Notify`, `Barrier`, `OnceCell`. Their `*_timeout` methods use tokio's timer, which is not
/// the simulation's: wrap the plain call in [`time::timeout`] instead.
pub mod sync {
    pub use ::tokio::sync::*;
}

/// Waits on several futures at once and runs the branch of the first that completes, with
/// tokio's syntax (`biased;`, `if` guards, `else`); inside a simulation the branch polled first
/// is drawn from the run's seed, so every order is explored and a seed replays exactly.
pub use asynclife_sim_macros::select;

/// Runs an `async fn` as a test: many seeds under the engine, with tokio's test options
/// (`flavor`, `worker_threads`, `start_paused`) accepted and ignored (a simulation is one
/// thread with virtual time) beside the engine's own (`seeds`, `policy`, ... as
/// [`crate::test`] takes them).
pub use asynclife_sim_macros::tokio_test as test;

/// Runs `async fn main` on a current-thread tokio runtime with time enabled: the production
/// binary runs on tokio, its tests under the engine.
pub use asynclife_sim_macros::tokio_main as main;

pub use ::tokio::{join, pin, try_join};

/// tokio's runtime, for where the service runs for real (its `main`, a test of the real
/// thing): `Builder::new_current_thread().enable_time().build()`. Inside a simulation there
/// is no tokio runtime to build or reach (`Handle::current()` there panics, and the
/// `foreign-runtime` detector names it).
pub mod runtime {
    pub use ::tokio::runtime::{Builder, Runtime};
}

/// The runtime that [`main`] builds: tokio's current-thread runtime, with its timer.
#[doc(hidden)]
pub fn __main_runtime() -> runtime::Runtime {
    runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread tokio runtime builds")
}
