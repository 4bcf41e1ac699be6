//! Runs the cleanup storm for profiling: `cargo run --release --example storm_profile -- N SEEDS`.

use asynclife::workloads::cleanup_storm;
use asynclife_sim::{Sim, SimConfig};

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number"))
        .collect();
    let sessions = args.first().copied().unwrap_or(100) as u32;
    let seeds = args.get(1).copied().unwrap_or(100);
    if std::env::var("STORM_TOKIO").is_ok() {
        for _ in 0..seeds {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .expect("builds")
                .block_on(cleanup_storm(sessions));
        }
        return;
    }
    let mut steps = 0;
    let mut events = 0;
    for seed in 0..seeds {
        let report = Sim::new(SimConfig::with_seed(seed)).run(move || async move {
            cleanup_storm(sessions).await;
        });
        steps += report.stats.steps;
        events += report.trace.event_count;
    }
    println!(
        "steps/seed {} events/seed {}",
        steps / seeds,
        events / seeds
    );
}
