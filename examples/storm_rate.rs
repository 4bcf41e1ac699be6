//! Seeds per second of the cleanup storm on our engine and on tokio with paused time, in the
//! same run: `cargo run --release --example storm_rate -- N SEEDS`.
//!
//! Prints one line per runtime, `runtime=<name> sessions=<N> seeds=<SEEDS> seconds=<s>
//! seeds_per_second=<rate>`, which `benches/peers.sh` reads. `asynclife` records the full
//! trace (what a sweep does), `asynclife-hash-only` only its hash, `tokio-paused` is
//! `current_thread` with `start_paused(true)` running the same code, `tokio-native` the same
//! runtime running the storm written directly against tokio; one runtime per seed for all.
//! `asynclife-spawn-order` is our engine running the storm that joins its sessions in spawn
//! order instead of through a `JoinSet` (the shape of madsim's second line in `peers.sh`).

use asynclife::workloads::{cleanup_storm, cleanup_storm_joined, cleanup_storm_tokio, Joins};
use asynclife_sim::real::paused_runtime;
use asynclife_sim::{Sim, SimConfig, Verdict};
use std::time::Duration;

fn engine(sessions: u32, seed: u64, record_trace: bool, joins: Joins) {
    let config = SimConfig {
        record_trace,
        ..SimConfig::with_seed(seed)
    };
    let report = Sim::new(config).run(move || async move {
        cleanup_storm_joined(sessions, joins).await;
    });
    assert_eq!(report.verdict, Verdict::Pass, "seed {seed}");
}

fn tokio_paused(sessions: u32) {
    paused_runtime().block_on(cleanup_storm(sessions));
}

fn tokio_native(sessions: u32) {
    paused_runtime().block_on(cleanup_storm_tokio(sessions));
}

/// Runs `one_seed` for seeds `0..seeds` and returns the wall-clock time.
fn timed(seeds: u64, mut one_seed: impl FnMut(u64)) -> Duration {
    // Wall clock around whole runs, outside any simulation: this example measures rates.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    for seed in 0..seeds {
        one_seed(seed);
    }
    started.elapsed()
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("usage: storm_rate [SESSIONS] [SEEDS]"))
        .collect();
    let sessions = u32::try_from(args.first().copied().unwrap_or(100)).expect("SESSIONS fits");
    let seeds = args.get(1).copied().unwrap_or(100).max(1);
    let runs: [(&str, &dyn Fn(u64)); 5] = [
        ("asynclife", &|seed| {
            engine(sessions, seed, true, Joins::CompletionOrder);
        }),
        ("asynclife-hash-only", &|seed| {
            engine(sessions, seed, false, Joins::CompletionOrder);
        }),
        ("asynclife-spawn-order", &|seed| {
            engine(sessions, seed, true, Joins::SpawnOrder);
        }),
        ("tokio-paused", &|_| tokio_paused(sessions)),
        ("tokio-native", &|_| tokio_native(sessions)),
    ];
    for (name, run) in runs {
        run(1_000_000); // warm-up: one seed outside the measured range
        let elapsed = timed(seeds, run);
        let seconds = elapsed.as_secs_f64();
        println!(
            "runtime={name} sessions={sessions} seeds={seeds} seconds={seconds:.3} seeds_per_second={:.1}",
            seeds as f64 / seconds
        );
    }
}
