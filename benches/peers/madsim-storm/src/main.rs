//! The cleanup storm of `src/workloads/cleanup_storm.rs` on madsim, in seeds per second:
//! `RUSTFLAGS="--cfg madsim" cargo run --release -- N SEEDS` (what `benches/peers.sh` does).
//!
//! The same work as ours: a health probe on a 10 ms interval; N sessions that each sleep
//! 1..=50 ms (from the runtime's seeded generator), register themselves, then spawn their
//! cleanup, which sleeps 5 s and deregisters them, and await it; the main task joins every
//! session, checks that none is left, and stops the probe. One runtime per seed.
//!
//! Two ways of joining, one line each: `madsim` joins in completion order, as our `JoinSet`
//! and tokio's do, through `FuturesUnordered` (madsim has no `JoinSet`; this is the usual
//! stand-in); `madsim-spawn-order` awaits the handles one by one in spawn order, which is
//! less work, and is compared with our engine joining the same way.

use futures_util::stream::{FuturesUnordered, StreamExt};
use madsim::rand::{thread_rng, Rng};
use madsim::runtime::Runtime;
use madsim::time::{interval, sleep};
use madsim::Config;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the main task joins the sessions.
#[derive(Clone, Copy)]
enum Joins {
    /// As each finishes (`FuturesUnordered`), like a `JoinSet`.
    CompletionOrder,
    /// One by one, in the order they were spawned.
    SpawnOrder,
}

/// Runs the storm with `sessions` sessions and returns the number of health-probe ticks.
async fn cleanup_storm(sessions: u32, joins: Joins) -> u64 {
    let live = Arc::new(Mutex::new(BTreeSet::new()));
    let ticks = Arc::new(AtomicU64::new(0));
    let counter = ticks.clone();
    let probe = madsim::task::spawn(async move {
        let mut every = interval(Duration::from_millis(10));
        loop {
            every.tick().await;
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let mut set = Vec::with_capacity(sessions as usize);
    for id in 0..sessions {
        let live = live.clone();
        set.push(madsim::task::spawn(async move {
            let delay_ms = thread_rng().gen_range(1..=50);
            sleep(Duration::from_millis(delay_ms)).await;
            live.lock().expect("not poisoned").insert(id);
            let live = live.clone();
            madsim::task::spawn(async move {
                sleep(Duration::from_secs(5)).await;
                live.lock().expect("not poisoned").remove(&id);
            })
            .await
            .expect("cleanup completes");
        }));
    }
    match joins {
        Joins::CompletionOrder => {
            let mut set: FuturesUnordered<_> = set.into_iter().collect();
            while let Some(result) = set.next().await {
                result.expect("session completes");
            }
        }
        Joins::SpawnOrder => {
            for session in set {
                session.await.expect("session completes");
            }
        }
    }
    assert!(live.lock().expect("not poisoned").is_empty());
    probe.abort();
    let _ = probe.await;
    ticks.load(Ordering::Relaxed)
}

fn run_seed(sessions: u32, joins: Joins, seed: u64) {
    let runtime = Runtime::with_seed_and_config(seed, Config::default());
    let ticks = runtime.block_on(cleanup_storm(sessions, joins));
    assert!(ticks > 0, "the probe ticked");
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("usage: madsim-storm [SESSIONS] [SEEDS]"))
        .collect();
    let sessions = u32::try_from(args.first().copied().unwrap_or(100)).expect("SESSIONS fits");
    let seeds = args.get(1).copied().unwrap_or(100).max(1);
    for (name, joins) in [
        ("madsim", Joins::CompletionOrder),
        ("madsim-spawn-order", Joins::SpawnOrder),
    ] {
        // Warm-up: one seed outside the measured range. Outside any madsim runtime, madsim's
        // clock is the system's.
        run_seed(sessions, joins, 1_000_000);
        let started = std::time::Instant::now();
        for seed in 0..seeds {
            run_seed(sessions, joins, seed);
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "runtime={name} sessions={sessions} seeds={seeds} seconds={seconds:.3} seeds_per_second={:.1}",
            seeds as f64 / seconds
        );
    }
}
