//! A deadlock that a ticker keeps alive: the step or time bound ends the run, and the `hang`
//! finding lists the tasks that had stopped being polled, with where they were spawned. A
//! hang where every task keeps running lists none.

use asynclife_sim::{rt, Sim, SimConfig, ViolationKind};
use std::sync::Arc;
use std::time::Duration;

/// Two tasks take two locks in opposite orders (a lock-order deadlock), while a heartbeat
/// ticks every 50 ms forever.
async fn deadlock_behind_a_ticker() {
    let a = Arc::new(tokio::sync::Mutex::new(()));
    let b = Arc::new(tokio::sync::Mutex::new(()));
    let (a1, b1, a2, b2) = (a.clone(), b.clone(), a, b);
    let first = rt::spawn("takes-a-then-b", async move {
        let _a = a1.lock().await;
        rt::sleep(Duration::from_millis(1)).await;
        let _b = b1.lock().await;
    });
    let second = rt::spawn("takes-b-then-a", async move {
        let _b = b2.lock().await;
        rt::sleep(Duration::from_millis(1)).await;
        let _a = a2.lock().await;
    });
    let _heartbeat = rt::spawn("heartbeat", async {
        let mut tick = rt::interval(Duration::from_millis(50));
        loop {
            tick.tick().await;
        }
    });
    first.await.unwrap();
    second.await.unwrap();
}

fn bounded(seed: u64) -> SimConfig {
    SimConfig {
        max_virtual_time: Duration::from_secs(60),
        ..SimConfig::with_seed(seed)
    }
}

#[test]
fn the_hang_lists_the_tasks_stuck_behind_the_ticker() {
    let report = Sim::new(bounded(3)).run(deadlock_behind_a_ticker);
    let hang = report
        .first(&ViolationKind::Hang)
        .expect("the time bound ends it");
    for task in ["takes-a-then-b", "takes-b-then-a", "'main'"] {
        assert!(hang.message.contains(task), "{task} in: {}", hang.message);
    }
    assert!(
        hang.message.contains("engine_stuck_behind_timer.rs"),
        "{}",
        hang.message
    );
    assert!(
        !hang.message.contains("heartbeat"),
        "the ticker is not stuck: {}",
        hang.message
    );
}

#[test]
fn a_hang_where_every_task_keeps_running_lists_none() {
    let report = Sim::new(bounded(3)).run(|| async {
        let mut tick = rt::interval(Duration::from_millis(50));
        loop {
            tick.tick().await;
        }
    });
    let hang = report
        .first(&ViolationKind::Hang)
        .expect("the time bound ends it");
    assert!(!hang.message.contains("not polled"), "{}", hang.message);
}
