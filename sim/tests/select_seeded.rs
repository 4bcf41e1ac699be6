//! `asynclife_sim::select!` against tokio's unbiased `select!` under the determinism check:
//! tokio's draws its branch order from the OS and the check catches it; ours draws it from
//! the seed, explores both orders across seeds, and passes the check on every seed.

// The point of one test is tokio's unbiased `select!`, which the workspace's clippy forbids
// (the lint reaches into the macro's own expansion, where no narrower `allow` applies).
#![allow(clippy::disallowed_macros)]

use asynclife_sim::explore::Check;
use asynclife_sim::{rt, ViolationKind};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// Two branches ready at once: which runs is the select's choice alone. Branch `a` then
/// sleeps 1 ms and `b` does not, so that the choice shows in the trace.
async fn both_ready_ours(first: Arc<AtomicU32>) {
    let a_won = asynclife_sim::select! {
        _ = std::future::ready(()) => true,
        _ = std::future::ready(()) => false,
    };
    if a_won {
        first.fetch_add(1, Relaxed);
        rt::sleep(Duration::from_millis(1)).await;
    }
}

async fn both_ready_tokio() {
    let a_won = tokio::select! {
        _ = std::future::ready(()) => true,
        _ = std::future::ready(()) => false,
    };
    if a_won {
        rt::sleep(Duration::from_millis(1)).await;
    }
}

#[test]
fn the_determinism_check_catches_tokios_unbiased_select_within_20_seeds() {
    let found = Check::new("tokio_select")
        .seeds(20)
        .check_determinism(true)
        .failures_dir(std::env::temp_dir().join("asynclife-select-tokio"))
        .try_run(both_ready_tokio)
        .expect_err("tokio's order comes from the OS, so two runs of a seed differ");
    let v = found
        .report
        .first(&ViolationKind::Nondeterminism)
        .expect("a nondeterminism finding");
    assert!(v.message.contains("first differ at event"), "{}", v.message);
}

#[test]
fn the_seeded_select_passes_the_determinism_check_on_1000_seeds_and_explores_both_orders() {
    let first = Arc::new(AtomicU32::new(0));
    let counted = first.clone();
    Check::new("seeded_select")
        .seeds(1000)
        .check_determinism(true)
        .failures_dir(std::env::temp_dir().join("asynclife-select-ours"))
        .run(move || both_ready_ours(counted.clone()));
    // 2,000 runs (each seed twice): both branches won on some seeds.
    let a = first.load(Relaxed);
    assert!(a > 100 && a < 1900, "branch a won {a} of 2000 runs");
}

#[test]
fn guards_else_and_biased_keep_tokios_meaning() {
    asynclife_sim::Sim::new(asynclife_sim::SimConfig::with_seed(5))
        .run(|| async {
            let off = false;
            let got = asynclife_sim::select! {
                _ = rt::sleep(Duration::from_millis(5)), if off => 1,
                _ = rt::sleep(Duration::from_millis(9)) => 2,
            };
            assert_eq!(got, 2, "a branch whose guard is false is not polled");
            let got = asynclife_sim::select! {
                _ = std::future::pending::<()>(), if off => 1,
                else => 3,
            };
            assert_eq!(got, 3, "every branch disabled: else");
            let got = asynclife_sim::select! {
                biased;
                v = async { 10 } => v,
                v = async { 20 } => v,
            };
            assert_eq!(got, 10, "biased polls in written order");
            let mut rx = {
                let (tx, rx) = tokio::sync::mpsc::channel::<u32>(1);
                tx.send(7).await.unwrap();
                rx
            };
            let got = asynclife_sim::select! {
                Some(v) = rx.recv() => v,
                _ = rt::sleep(Duration::from_secs(1)) => 0,
            };
            assert_eq!(got, 7, "patterns bind");
        })
        .assert_pass();
}

#[test]
fn outside_a_simulation_it_works_on_tokio_as_tokios_does() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let got = rt.block_on(async {
        asynclife_sim::select! {
            _ = tokio::time::sleep(Duration::from_millis(50)) => 1,
            v = async { 2 } => v,
        }
    });
    assert_eq!(got, 2);
}
