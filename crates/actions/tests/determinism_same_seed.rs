//! The same seed twice gives the same run, for every scenario and every variant.

mod common;

use asynclife_actions::Variant;

#[test]
fn the_same_seed_gives_the_same_trace_hash() {
    for scenario in common::scenarios() {
        for seed in [0, 1, 42] {
            let a = scenario.run_traced(scenario.file.variant(), seed);
            let b = scenario.run_traced(scenario.file.variant(), seed);
            assert_eq!(
                a.trace_hash(),
                b.trace_hash(),
                "scenario {} seed {seed} diverged",
                scenario.name
            );
            assert_eq!(a.trace.to_text(), b.trace.to_text());
            assert_eq!(a.violations, b.violations);
        }
    }
}

#[test]
fn different_seeds_and_variants_give_different_runs() {
    let steady = common::scenarios()
        .into_iter()
        .find(|s| s.name == "steady-mix")
        .expect("the steady mix scenario");
    let hash = |seed, variant: Variant| steady.run(variant.name(), seed).trace_hash();
    assert_ne!(hash(0, Variant::Fixed), hash(1, Variant::Fixed));
    assert_ne!(hash(0, Variant::Fixed), hash(0, Variant::NoCleanup));
}
