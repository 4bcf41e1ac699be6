//! Determinism: the same seed gives the same trace; different seeds explore different orders;
//! a recorded schedule replays the identical trace.

use asynclife_sim::{rt, Policy, Report, Sim, SimConfig, Verdict};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// 60 tasks that sleep seeded-random times, race on a shared log, spawn children, and time
/// out some of their work: many timers, many same-instant wake-ups.
async fn busy_workload() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut set = rt::JoinSet::new();
    for i in 0..60u32 {
        let log = log.clone();
        set.spawn(format!("worker-{i}"), async move {
            let pause = Duration::from_millis(rt::random_range(0..5u64) * 10);
            rt::sleep(pause).await;
            log.lock().unwrap().push(i);
            let child = rt::spawn(format!("child-{i}"), async move {
                rt::sleep(Duration::from_millis(rt::random_range(1..=30))).await;
                i * 2
            });
            let _ = rt::timeout(Duration::from_millis(15), child).await;
            rt::yield_now().await;
        });
    }
    while let Some(result) = set.join_next().await {
        result.unwrap();
    }
    // Children cut off by the timeout are still running: let them finish.
    rt::sleep(Duration::from_millis(50)).await;
}

fn run(config: SimConfig) -> Report {
    Sim::new(config).run(busy_workload)
}

#[test]
fn the_same_seed_gives_the_same_trace_hash_for_200_seeds() {
    for seed in 0..200 {
        let a = run(SimConfig::with_seed(seed));
        let b = run(SimConfig::with_seed(seed));
        assert_eq!(a.verdict, Verdict::Pass, "seed {seed}: {:?}", a.violations);
        assert!(a.stats.tasks_spawned >= 100, "the workload is big enough");
        assert!(a.stats.timers_fired >= 50, "the workload has timers");
        assert_eq!(a.trace_hash(), b.trace_hash(), "seed {seed} diverged");
        assert_eq!(a.schedule, b.schedule, "seed {seed} diverged");
    }
}

#[test]
fn a_trace_without_recorded_events_has_the_same_hash() {
    let full = run(SimConfig::with_seed(9));
    let bare = run(SimConfig {
        record_trace: false,
        ..SimConfig::with_seed(9)
    });
    assert!(bare.trace.events().is_empty());
    assert_eq!(full.trace_hash(), bare.trace_hash());
    assert_eq!(full.trace.event_count, bare.trace.event_count);
}

/// The order in which three tasks woken at the same instant run.
fn same_instant_order(config: SimConfig) -> Vec<u32> {
    let order = Arc::new(Mutex::new(Vec::new()));
    let seen = order.clone();
    Sim::new(config)
        .run(move || async move {
            let mut set = rt::JoinSet::new();
            for i in 0..4u32 {
                let seen = seen.clone();
                set.spawn(format!("t{i}"), async move {
                    rt::sleep(Duration::from_millis(10)).await;
                    seen.lock().unwrap().push(i);
                });
            }
            while set.join_next().await.is_some() {}
        })
        .assert_pass();
    let order = order.lock().unwrap().clone();
    order
}

#[test]
fn different_seeds_give_different_orders_for_same_instant_wake_ups() {
    let distinct: BTreeSet<Vec<u32>> = (0..100)
        .map(|seed| same_instant_order(SimConfig::with_seed(seed)))
        .collect();
    // 4 tasks have 24 orders; 100 uniform draws miss a given one with probability ~1.5%.
    assert!(
        distinct.len() >= 18,
        "only {} distinct orders",
        distinct.len()
    );
}

#[test]
fn fifo_gives_one_order_for_every_seed() {
    let distinct: BTreeSet<Vec<u32>> = (0..20)
        .map(|seed| {
            same_instant_order(SimConfig {
                policy: Policy::Fifo,
                ..SimConfig::with_seed(seed)
            })
        })
        .collect();
    assert_eq!(distinct.len(), 1);
}

#[test]
fn pct_explores_more_than_one_order() {
    let distinct: BTreeSet<Vec<u32>> = (0..100)
        .map(|seed| {
            same_instant_order(SimConfig {
                policy: Policy::pct(3),
                ..SimConfig::with_seed(seed)
            })
        })
        .collect();
    assert!(
        distinct.len() >= 4,
        "only {} distinct orders",
        distinct.len()
    );
}

#[test]
fn replaying_a_recorded_schedule_gives_the_identical_trace() {
    for seed in 0..30 {
        let original = run(SimConfig::with_seed(seed));
        assert!(!original.schedule.is_empty());
        let replayed = run(SimConfig {
            policy: Policy::Replay(original.schedule.clone()),
            ..SimConfig::with_seed(seed)
        });
        assert_eq!(original.trace_hash(), replayed.trace_hash(), "seed {seed}");
        assert_eq!(
            original.trace.events(),
            replayed.trace.events(),
            "seed {seed}"
        );
        assert_eq!(original.schedule, replayed.schedule);
    }
}

#[test]
fn replaying_a_pct_schedule_gives_the_identical_trace() {
    let config = SimConfig {
        policy: Policy::pct(2),
        ..SimConfig::with_seed(4)
    };
    let original = run(config);
    let replayed = run(SimConfig {
        policy: Policy::Replay(original.schedule.clone()),
        ..SimConfig::with_seed(4)
    });
    assert_eq!(original.trace_hash(), replayed.trace_hash());
}

#[test]
fn the_schedule_round_trips_through_json() {
    let original = run(SimConfig::with_seed(11));
    let json = serde_json::to_string(&original.schedule).unwrap();
    let schedule = serde_json::from_str(&json).unwrap();
    let replayed = run(SimConfig {
        policy: Policy::Replay(schedule),
        ..SimConfig::with_seed(11)
    });
    assert_eq!(original.trace_hash(), replayed.trace_hash());
}

/// A pinned run: if this hash changes, either the engine's behaviour changed (update it in
/// the same commit, and say why) or determinism broke across machines or versions.
#[test]
fn a_pinned_seed_gives_the_pinned_trace_hash_on_every_machine() {
    let report = run(SimConfig::with_seed(7));
    assert_eq!(
        format!("{:016x}", report.trace_hash()),
        "49097ddc4dd98752",
        "trace of seed 7 changed"
    );
}
