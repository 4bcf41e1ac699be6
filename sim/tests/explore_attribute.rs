//! `#[asynclife_sim::test]`: the one-line form of a `Check`, with each of its options.

use asynclife_sim::rt;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

thread_local! {
    /// Runs of the body below on this thread (with `jobs = 1`, the test's own thread).
    static RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[asynclife_sim::test(seeds = 250, jobs = 1)]
async fn a_passing_body_runs_once_per_seed() {
    RUNS.set(RUNS.get() + 1);
    let worker = rt::spawn("worker", async {
        rt::sleep(Duration::from_millis(3)).await
    });
    worker.await.unwrap();
}

#[asynclife_sim::test(seeds = 50, policy = "pct", depth = 2, max_steps = 10_000, jobs = 1)]
async fn pct_with_a_depth_and_bounds() {
    let a = rt::spawn("a", rt::yield_now());
    let b = rt::spawn("b", rt::yield_now());
    a.await.unwrap();
    b.await.unwrap();
}

#[asynclife_sim::test(seeds = 10, policy = "fifo", local = true, max_virtual_time_ms = 1_000)]
async fn fifo_on_one_thread_within_a_time_bound() {
    let local = std::rc::Rc::new(3);
    rt::sleep(Duration::from_millis(*local)).await;
}

/// The lost update of `explore_check.rs`: some order of the two workers loses one.
#[asynclife_sim::test(seeds = 200, shrink = false)]
#[should_panic(expected = "reproduce: ASYNCLIFE_REPLAY=")]
async fn a_failing_body_panics_with_the_reproduce_line() {
    let counter = Arc::new(AtomicU32::new(0));
    let mut workers = Vec::new();
    for name in ["w1", "w2"] {
        let counter = counter.clone();
        workers.push(rt::spawn(name, async move {
            let seen = counter.load(Relaxed);
            rt::yield_now().await;
            counter.store(seen + 1, Relaxed);
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    assert_eq!(counter.load(Relaxed), 2, "an update was lost");
}

#[test]
fn the_passing_test_ran_every_seed() {
    use asynclife_sim::env::{parsed, ASYNCLIFE_SEED, ASYNCLIFE_SEEDS};
    let expected = match parsed::<u64>(ASYNCLIFE_SEED).unwrap() {
        Some(_) => 1,
        None => parsed::<u64>(ASYNCLIFE_SEEDS).unwrap().unwrap_or(250),
    };
    a_passing_body_runs_once_per_seed();
    assert_eq!(RUNS.get(), expected);
}
