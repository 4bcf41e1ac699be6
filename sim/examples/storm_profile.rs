//! Runs the cleanup storm under the engine for profiling (callgrind, perf) without building the
//! root crate: `cargo run --release -p asynclife-sim --example storm_profile -- N SEEDS`; with
//! `STORM_TOKIO=1` the same workload runs on tokio's current-thread runtime with paused time;
//! with `STORM_NATIVE=1` the storm written directly against tokio runs there; with
//! `STORM_HASH_ONLY=1` the engine keeps only the trace's hash; with `STORM_SPAWN_ORDER=1` the
//! engine runs the storm that joins its sessions in spawn order.

#[path = "../../src/workloads/cleanup_storm.rs"]
mod cleanup_storm;

#[path = "../../src/workloads/cleanup_storm_tokio.rs"]
mod native;

use asynclife_sim::real::paused_runtime;
use asynclife_sim::{Sim, SimConfig, Verdict};
use cleanup_storm::{cleanup_storm, cleanup_storm_joined, Joins};

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("usage: storm_profile [SESSIONS] [SEEDS]"))
        .collect();
    let sessions = u32::try_from(args.first().copied().unwrap_or(100)).expect("SESSIONS fits");
    let seeds = args.get(1).copied().unwrap_or(100);
    if std::env::var_os("STORM_NATIVE").is_some() {
        for _ in 0..seeds {
            paused_runtime().block_on(native::cleanup_storm_tokio(sessions));
        }
        return;
    }
    if std::env::var_os("STORM_TOKIO").is_some() {
        for _ in 0..seeds {
            paused_runtime().block_on(cleanup_storm(sessions));
        }
        return;
    }
    let record_trace = std::env::var_os("STORM_HASH_ONLY").is_none();
    let joins = if std::env::var_os("STORM_SPAWN_ORDER").is_some() {
        Joins::SpawnOrder
    } else {
        Joins::CompletionOrder
    };
    let (mut steps, mut events, mut hash) = (0, 0, 0u64);
    for seed in 0..seeds {
        let config = SimConfig {
            record_trace,
            ..SimConfig::with_seed(seed)
        };
        let report = Sim::new(config).run(move || async move {
            cleanup_storm_joined(sessions, joins).await;
        });
        assert_eq!(report.verdict, Verdict::Pass, "seed {seed}");
        steps += report.stats.steps;
        events += report.trace.event_count;
        hash = hash.rotate_left(7) ^ report.trace_hash();
    }
    println!(
        "steps/seed {} events/seed {} combined-hash {hash:016x}",
        steps / seeds.max(1),
        events / seeds.max(1)
    );
}
