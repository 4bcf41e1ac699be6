//! The same seed twice gives the same run: identical trace hash, verdict and violations,
//! for every scenario and for a defect that fails.

mod common;

use asynclife_sim::Report;

fn twice(name: &str, variant: &str, seed: u64) -> (Report, Report) {
    let scenario = common::scenario(name);
    (
        scenario.run_traced(variant, seed),
        scenario.run_traced(variant, seed),
    )
}

#[test]
fn every_scenario_replays_bit_for_bit() {
    for name in common::scenarios().into_iter().map(|s| s.name) {
        let mut hashes = Vec::new();
        for seed in [0, 7, 4242] {
            let (a, b) = twice(&name, "fixed", seed);
            assert_eq!(a.trace_hash(), b.trace_hash(), "{name} seed {seed}");
            assert_eq!(a.violations, b.violations, "{name} seed {seed}");
            assert_eq!(a.trace.to_text(), b.trace.to_text(), "{name} seed {seed}");
            hashes.push(a.trace_hash());
        }
        hashes.dedup();
        assert_eq!(hashes.len(), 3, "{name}: different seeds gave the same run");
    }
}

#[test]
fn a_failing_run_replays_bit_for_bit() {
    let (a, b) = twice("end-during-spawn", "as-documented", 3);
    assert!(!a.violations.is_empty());
    assert_eq!(a.trace_hash(), b.trace_hash());
    assert_eq!(a.violations, b.violations);
}
