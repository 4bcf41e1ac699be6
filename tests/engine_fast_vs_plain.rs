//! The engine's speed-ups change no trace: the trace hashes of every scenario's first seeds
//! are pinned in one snapshot, which the fast engine (the default) and the plain one (the
//! same code with `runtime/speedups/`'s plain twins) must both match. CI runs it both ways:
//!
//! ```sh
//! cargo test --test engine_fast_vs_plain
//! cargo test --test engine_fast_vs_plain --features asynclife-sim/plain-engine
//! ```
//!
//! A change that moves a trace on purpose moves the fast side's hashes with it; review the
//! new snapshot (`cargo insta review`) and then run the plain side against it.

use asynclife::failure::format_hash;
use asynclife::reference;
use asynclife::scenario;
use asynclife_sim::PLAIN_ENGINE;
use std::fmt::Write;
use std::path::Path;

/// Seeds per scenario, from its first.
const SEEDS: u64 = 8;

#[test]
fn every_scenario_s_first_seeds_have_the_pinned_trace_hashes_on_this_engine() {
    let engine = if PLAIN_ENGINE { "plain" } else { "fast" };
    eprintln!("engine: {engine} (feature asynclife-sim/plain-engine picks the plain one)");
    let scenarios = scenario::load_dir(Path::new("scenarios"), reference::registry())
        .expect("every scenario file loads");
    let mut hashes = String::new();
    for s in &scenarios {
        let subsystem = reference::registry()
            .find(&s.subsystem)
            .expect("checked when loaded");
        for seed in s.first_seed..s.first_seed + SEEDS {
            let report = subsystem
                .run(s.sim_config(seed), &s.workload, &s.variant)
                .expect("the scenario's own variant runs");
            writeln!(
                hashes,
                "{}/{} seed {seed}: {} ({} events, {} violations)",
                s.subsystem,
                s.name(),
                format_hash(report.trace_hash()),
                report.trace.event_count,
                report.violations.len(),
            )
            .expect("writing to a String");
        }
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("engine__first_seeds_trace_hashes", hashes));
}
