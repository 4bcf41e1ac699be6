//! Real mode: the `rt` seam on real tokio, in real time scaled by a time scale, with real
//! child processes and an in-memory or Redis store; and [`run()`], which runs a subsystem's
//! main that way and checks what can be checked there.
//!
//! What `rt` does outside a simulation:
//! - time (`now`, `sleep`, `timeout`, `interval`) is tokio's clock scaled by the process-wide
//!   time scale ([`crate::rt::set_real_time_scale`]): at 0.01 a 5 s grace takes 50 ms;
//!   `blocking` is a real `std::thread::sleep` of the scaled duration, which holds the thread;
//! - `process` starts `sh` scripts that connect, crash, exit and handle SIGTERM as their
//!   `ProcessSpec` says (`script`), follows them (`children`), signals them with kill(2);
//! - `kv` is an in-memory store on scaled time, or Redis when `ASYNCLIFE_REDIS_URL` (or the
//!   run's configuration) names a server (`store`, `redis`);
//! - `invariant` keeps the invariant for the end of the real run on this thread.
//!
//! What a real run checks, at its end: the end-only invariants (`at_end`), children never
//! reaped (confirmed with the OS), the event loop's lag on the wall clock (`lag`), and a
//! panic of the main future. Invariants with step checks are not checked: their bounds are
//! in scaled time, where the OS's scheduling noise is magnified by the inverse of the scale.
//!
//! Real runs in one process take turns: the children's registry, the store and the time
//! scale are process-wide, because `rt`'s functions take no handle.
//!
//! ```no_run
//! use asynclife_sim::real::{self, RealConfig};
//! use asynclife_sim::rt;
//! use std::time::Duration;
//!
//! let report = real::run(&RealConfig::default(), || async {
//!     rt::blocking(Duration::from_secs(5)); // holds the thread 50 ms at scale 0.01
//! })
//! .expect("a valid configuration");
//! assert!(report.lag.max >= Duration::from_millis(40));
//! ```

mod children;
mod config;
mod invariants;
mod lag;
mod parent_death;
mod paused;
mod redis;
mod redis_server;
mod report;
mod run;
mod script;
pub(crate) mod store;

pub use config::RealConfig;
pub use lag::Lag;
pub use paused::paused_runtime;
pub use redis_server::RedisServer;
pub use report::RealReport;
pub use run::run;
pub use store::StoreKind;

pub(crate) use children::{
    signal, spawn, state, table as process_table, try_wait, wait, wait_connected,
};
pub(crate) use invariants::register as register_invariant;
pub(crate) use redis::{RedisFailure, RedisStore};
