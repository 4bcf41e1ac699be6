//! Engine throughput: the cleanup storm in seeds per second, our engine against tokio's
//! current-thread runtime with paused time, in the same run.
//!
//! `cargo bench --bench engine`; criterion prints time per seed for each; the ratio of a
//! tokio time to ours is our speed-up. Two tokio baselines: `tokio-paused` runs the very same
//! code (written against `rt`) on tokio; `tokio-native` runs the storm written directly
//! against tokio, without the facade's own cost there.

use asynclife::workloads::{cleanup_storm, cleanup_storm_tokio};
use asynclife_sim::real::paused_runtime;
use asynclife_sim::{Sim, SimConfig, Verdict};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;

fn run_engine(seed: u64, sessions: u32, record_trace: bool) {
    let config = SimConfig {
        record_trace,
        ..SimConfig::with_seed(seed)
    };
    let report = Sim::new(config).run(move || async move {
        cleanup_storm(sessions).await;
    });
    assert_eq!(report.verdict, Verdict::Pass);
}

fn run_tokio_paused(sessions: u32) {
    paused_runtime().block_on(cleanup_storm(sessions));
}

fn run_tokio_native(sessions: u32) {
    paused_runtime().block_on(cleanup_storm_tokio(sessions));
}

fn cleanup_storm_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("cleanup_storm");
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(30);
    group.throughput(Throughput::Elements(1));
    for sessions in [10u32, 100, 1000] {
        let mut seed = 0;
        group.bench_with_input(
            BenchmarkId::new("asynclife", sessions),
            &sessions,
            |b, &n| {
                b.iter(|| {
                    seed += 1;
                    run_engine(seed, n, true)
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("asynclife-hash-only", sessions),
            &sessions,
            |b, &n| {
                b.iter(|| {
                    seed += 1;
                    run_engine(seed, n, false)
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("tokio-paused", sessions),
            &sessions,
            |b, &n| b.iter(|| run_tokio_paused(n)),
        );
        group.bench_with_input(
            BenchmarkId::new("tokio-native", sessions),
            &sessions,
            |b, &n| b.iter(|| run_tokio_native(n)),
        );
    }
    group.finish();
}

criterion_group!(benches, cleanup_storm_bench);
criterion_main!(benches);
