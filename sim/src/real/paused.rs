//! tokio's current-thread runtime with paused time: how `rt` code runs on tokio without waiting
//! out its sleeps, in the tests that run one function both ways and in the benchmarks' tokio
//! baselines.

/// A current-thread tokio runtime with time enabled and paused (it auto-advances to the next
/// timer when idle).
///
/// # Panics
/// If tokio cannot build the runtime.
pub fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime builds")
}
