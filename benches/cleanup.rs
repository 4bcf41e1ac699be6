//! Cleanup latency: pidclean's concurrent ends in virtual time, and pidclean's cleanup of real
//! child processes on tokio, with the tables printed after criterion's report.
//!
//! `cargo bench --bench cleanup -- --warm-up-time 1 --measurement-time 3`
//!
//! - `cleanup_virtual/<variant>/<N>`: the wall-clock time the simulation takes to compute one
//!   row of the virtual-time table (`asynclife bench cleanup` prints the same rows).
//! - `cleanup_real/<exits|ignores>/<N>`: one round of `asynclife::bench::real_cleanup`: N
//!   real agents (`sh` children of pidclean's spawn worker, through `rt::process`) ended at
//!   the same instant on a current-thread tokio runtime, each cleaned up by pidclean's own
//!   procedure (SIGTERM, wait for the exit at most the grace, SIGKILL, reap). Criterion times
//!   the round, from the ask to the last return; the table after the report gives each
//!   cleanup's p50 and p99 over every round criterion ran (warm-up included), and the lag a
//!   probe task on the same runtime measured meanwhile, as `asynclife bench cleanup` does.

use asynclife::bench::cleanup::{self as virtual_table, CleanupRow, SESSION_COUNTS, VARIANTS};
use asynclife::bench::real_cleanup::{
    self, ChildKind, RealCleanupConfig, RealCleanupRow, RealSamples, CHILD_COUNTS,
};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use std::collections::BTreeMap;

fn real_cleanups(c: &mut Criterion, config: &RealCleanupConfig) -> Vec<RealCleanupRow> {
    let mut results: BTreeMap<(ChildKind, usize), RealSamples> = BTreeMap::new();
    let mut group = c.benchmark_group("cleanup_real");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for kind in ChildKind::ALL {
        for n in CHILD_COUNTS {
            let samples = results.entry((kind, n)).or_default();
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(BenchmarkId::new(kind.name(), n), |b| {
                b.iter_custom(|rounds| {
                    let rounds = usize::try_from(rounds).expect("criterion's counts fit");
                    let measured = real_cleanup::run_rounds(kind, n, rounds, config)
                        .unwrap_or_else(|e| panic!("{e}"));
                    let total = measured.batches.iter().sum();
                    samples.absorb(measured);
                    total
                })
            });
        }
    }
    group.finish();
    results
        .into_iter()
        .filter(|(_, samples)| samples.rounds > 0)
        .map(|((kind, n), samples)| RealCleanupRow::of(kind, n, config.grace, &samples))
        .collect()
}

fn virtual_rows(c: &mut Criterion) -> Vec<CleanupRow> {
    let mut rows = BTreeMap::new();
    let mut group = c.benchmark_group("cleanup_virtual");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for n in SESSION_COUNTS {
        for variant in VARIANTS {
            group.bench_function(BenchmarkId::new(variant.name(), n), |b| {
                b.iter(|| {
                    let row = virtual_table::measure(variant, n, virtual_table::SEED);
                    rows.insert((n, variant), row);
                })
            });
        }
    }
    group.finish();
    rows.into_values().collect()
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let rows = virtual_rows(&mut criterion);
    let config = RealCleanupConfig::default();
    let real = real_cleanups(&mut criterion, &config);
    criterion.final_summary();
    if !rows.is_empty() {
        println!(
            "\npidclean cleanup latency, virtual time (seed {}; ms):\n",
            virtual_table::SEED
        );
        print!("{}", virtual_table::markdown(&rows));
    }
    if !real.is_empty() {
        println!("\n{}\n", config.caption());
        print!("{}", real_cleanup::markdown(&real));
    }
}
