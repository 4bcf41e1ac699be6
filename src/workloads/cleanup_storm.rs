//! The "cleanup storm": N sessions start, each registers itself, then its cleanup waits 5 s
//! and deregisters it, while a health probe ticks every 10 ms. Written against `rt` only, so
//! the same code runs under the engine and on tokio (the benchmark's baseline).

use asynclife_sim::rt;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the main task joins the sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joins {
    /// As each finishes, through a `JoinSet`: the storm of the engine benchmark.
    CompletionOrder,
    /// One handle at a time, in spawn order: less work for the joiner, and the only shape a
    /// runtime without a `JoinSet` can run as is (the madsim peer's second line).
    SpawnOrder,
}

/// Runs the storm with `sessions` sessions, joined in completion order, and returns the
/// number of health-probe ticks.
///
/// # Panics
/// If a session is still registered at the end (the workload's own check).
pub async fn cleanup_storm(sessions: u32) -> u64 {
    cleanup_storm_joined(sessions, Joins::CompletionOrder).await
}

/// [`cleanup_storm`], with the sessions joined as `joins` says.
///
/// # Panics
/// If a session is still registered at the end (the workload's own check).
pub async fn cleanup_storm_joined(sessions: u32, joins: Joins) -> u64 {
    let live = Arc::new(Mutex::new(BTreeSet::new()));
    let ticks = Arc::new(AtomicU64::new(0));
    let counter = ticks.clone();
    let probe = rt::spawn("health-probe", async move {
        let mut every = rt::interval(Duration::from_millis(10));
        loop {
            every.tick().await;
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    match joins {
        Joins::CompletionOrder => {
            let mut set = rt::JoinSet::new();
            for id in 0..sessions {
                set.spawn("session", session(id, live.clone()));
            }
            while let Some(result) = set.join_next().await {
                result.expect("session completes");
            }
        }
        Joins::SpawnOrder => {
            let handles: Vec<_> = (0..sessions)
                .map(|id| rt::spawn("session", session(id, live.clone())))
                .collect();
            for handle in handles {
                handle.await.expect("session completes");
            }
        }
    }
    assert!(live.lock().expect("not poisoned").is_empty());
    probe.abort();
    let _ = probe.await;
    ticks.load(Ordering::Relaxed)
}

/// One session: a random 1..=50 ms start, registration, then a cleanup task that waits 5 s
/// and deregisters it, awaited.
async fn session(id: u32, live: Arc<Mutex<BTreeSet<u32>>>) {
    rt::sleep(Duration::from_millis(rt::random_range(1..=50))).await;
    live.lock().expect("not poisoned").insert(id);
    let live = live.clone();
    rt::spawn("cleanup", async move {
        rt::sleep(Duration::from_secs(5)).await;
        live.lock().expect("not poisoned").remove(&id);
    })
    .await
    .expect("cleanup completes");
}
