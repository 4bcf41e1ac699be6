//! What exploring seeds from a test costs: `Check` per seed on a trivial closure, against the
//! bare engine running the same closure (the baseline, measured in the same run), and a
//! 1,000-seed `check_random`-style search of a 50-task test on one core.
//!
//! `cargo bench --bench explore`. The targets: under 10 us of `Check` overhead per
//! seed, and the 1,000 seeds of the 50-task test under 0.5 s.

use asynclife_sim::explore::Check;
use asynclife_sim::{rt, Sim, SimConfig};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

/// Seeds per measured iteration.
const SEEDS: u64 = 1_000;

/// Fifty tasks that sleep, yield and join: a small service's worth of lifecycle per seed.
async fn fifty_tasks() {
    let mut set = rt::JoinSet::new();
    for i in 0..50u64 {
        set.spawn("worker", async move {
            rt::sleep(Duration::from_millis(1 + i % 7)).await;
            rt::yield_now().await;
        });
    }
    while let Some(joined) = set.join_next().await {
        joined.expect("a worker completes");
    }
}

fn one_core(name: &str) -> Check {
    Check::new(name).seeds(SEEDS).jobs(1).shrink(false)
}

fn per_seed(c: &mut Criterion) {
    let mut group = c.benchmark_group("per-seed");
    group.throughput(Throughput::Elements(SEEDS));
    group.bench_function("bare-engine/trivial", |b| {
        b.iter(|| {
            for seed in 0..SEEDS {
                Sim::new(SimConfig::with_seed(seed))
                    .run(|| async {})
                    .assert_pass();
            }
        })
    });
    group.bench_function("check/trivial", |b| {
        b.iter(|| one_core("trivial").run(|| async {}))
    });
    group.finish();
}

fn fifty_task_search(c: &mut Criterion) {
    let mut group = c.benchmark_group("1000-seeds");
    group.sample_size(10);
    group.throughput(Throughput::Elements(SEEDS));
    group.bench_function("bare-engine/50-tasks", |b| {
        b.iter(|| {
            for seed in 0..SEEDS {
                Sim::new(SimConfig::with_seed(seed))
                    .run(fifty_tasks)
                    .assert_pass();
            }
        })
    });
    group.bench_function("check/50-tasks", |b| {
        b.iter(|| one_core("fifty").run(fifty_tasks))
    });
    group.finish();
}

criterion_group!(benches, per_seed, fifty_task_search);
criterion_main!(benches);
