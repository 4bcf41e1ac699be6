//! The engine's cost per primitive: 1,000 yields, 1,000 sleeps, or 1,000 spawn-and-join of an
//! empty task in one run, ours against tokio's current-thread runtime with paused time running
//! the same `rt` code, in the same run.
//!
//! `yield/asynclife-unwatched` is the same yields with the wall-clock poll timer off
//! (`wall_poll_threshold` zero): yields are one poll each, so their ratio is the most the
//! `wall-blocked-poll` warning can cost.
//!
//! `cargo bench --bench primitives`. The cleanup storm (`benches/engine.rs`) mixes these; this
//! tells which of them a change to the engine moved, and where we stand against tokio on each.

use asynclife_sim::real::paused_runtime;
use asynclife_sim::{rt, Sim, SimConfig, Verdict};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::future::Future;
use std::time::Duration;

/// Operations per run: enough that the runtime's own set-up is a small part.
const OPS: u64 = 1_000;

async fn yields() {
    for _ in 0..OPS {
        rt::yield_now().await;
    }
}

async fn sleeps() {
    for _ in 0..OPS {
        rt::sleep(Duration::from_millis(1)).await;
    }
}

async fn spawn_joins() {
    for _ in 0..OPS {
        rt::spawn("empty", async {})
            .await
            .expect("an empty task completes");
    }
}

fn on_engine<F: Future<Output = ()> + 'static>(main: fn() -> F) {
    on_engine_with(SimConfig::with_seed(1), main);
}

fn on_engine_with<F: Future<Output = ()> + 'static>(config: SimConfig, main: fn() -> F) {
    let report = Sim::new(config).run(main);
    assert_eq!(report.verdict, Verdict::Pass);
}

fn on_tokio<F: Future<Output = ()>>(main: fn() -> F) {
    paused_runtime().block_on(main());
}

fn primitives(c: &mut Criterion) {
    let mut group = c.benchmark_group("primitives");
    group.throughput(Throughput::Elements(OPS));
    group.bench_function("yield/asynclife", |b| b.iter(|| on_engine(yields)));
    group.bench_function("yield/asynclife-unwatched", |b| {
        let unwatched = SimConfig {
            wall_poll_threshold: Duration::ZERO,
            ..SimConfig::with_seed(1)
        };
        b.iter(|| on_engine_with(unwatched.clone(), yields))
    });
    group.bench_function("yield/tokio-paused", |b| b.iter(|| on_tokio(yields)));
    group.bench_function("sleep/asynclife", |b| b.iter(|| on_engine(sleeps)));
    group.bench_function("sleep/tokio-paused", |b| b.iter(|| on_tokio(sleeps)));
    group.bench_function("spawn-join/asynclife", |b| {
        b.iter(|| on_engine(spawn_joins))
    });
    group.bench_function("spawn-join/tokio-paused", |b| {
        b.iter(|| on_tokio(spawn_joins))
    });
    group.finish();
}

criterion_group!(benches, primitives);
criterion_main!(benches);
