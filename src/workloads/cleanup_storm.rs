//! The "cleanup storm": N sessions start, each registers itself, then its cleanup waits 5 s
//! and deregisters it, while a health probe ticks every 10 ms. Written against `rt` only, so
//! the same code runs under the engine and on tokio (the benchmark's baseline).

use asynclife_sim::rt;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Runs the storm with `sessions` sessions and returns the number of health-probe ticks.
///
/// # Panics
/// If a session is still registered at the end (the workload's own check).
pub async fn cleanup_storm(sessions: u32) -> u64 {
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
    let mut set = rt::JoinSet::new();
    for id in 0..sessions {
        let live = live.clone();
        set.spawn("session", async move {
            rt::sleep(Duration::from_millis(rt::random_range(1..=50))).await;
            live.lock().expect("not poisoned").insert(id);
            let live = live.clone();
            rt::spawn("cleanup", async move {
                rt::sleep(Duration::from_secs(5)).await;
                live.lock().expect("not poisoned").remove(&id);
            })
            .await
            .expect("cleanup completes");
        });
    }
    while let Some(result) = set.join_next().await {
        result.expect("session completes");
    }
    assert!(live.lock().expect("not poisoned").is_empty());
    probe.abort();
    let _ = probe.await;
    ticks.load(Ordering::Relaxed)
}
