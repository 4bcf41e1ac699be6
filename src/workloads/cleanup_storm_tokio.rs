//! The cleanup storm written directly against tokio, without the `rt` facade: the strictest
//! tokio baseline of the engine benchmark (the facade's own cost on tokio, a boxed sleep and
//! a clock lookup per call, is left out). Same work as [`super::cleanup_storm()`], except that
//! the session delays (1..=50 ms) come from a fixed linear congruential sequence instead of a
//! simulation's generator.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Runs the storm with `sessions` sessions on the current tokio runtime and returns the number
/// of health-probe ticks.
///
/// # Panics
/// If a session is still registered at the end (the workload's own check).
pub async fn cleanup_storm_tokio(sessions: u32) -> u64 {
    let live = Arc::new(Mutex::new(BTreeSet::new()));
    let ticks = Arc::new(AtomicU64::new(0));
    let counter = ticks.clone();
    let probe = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_millis(10));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let mut set = tokio::task::JoinSet::new();
    let mut draw = 0x9e37_79b9_7f4a_7c15u64;
    for id in 0..sessions {
        let live = live.clone();
        draw = draw
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let delay = Duration::from_millis(1 + (draw >> 33) % 50);
        set.spawn(async move {
            tokio::time::sleep(delay).await;
            live.lock().expect("not poisoned").insert(id);
            let live = live.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(5)).await;
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
