//! The same seed gives the same trace hash, for every scenario and variant; different seeds
//! give different runs.

mod common;

#[test]
fn the_same_seed_gives_the_same_trace_for_every_scenario() {
    for scenario in common::scenarios() {
        let name = &scenario.name;
        for seed in 0..3 {
            let a = scenario.run(scenario.variant(), seed);
            let b = scenario.run(scenario.variant(), seed);
            assert_eq!(a.trace_hash(), b.trace_hash(), "{name}, seed {seed}");
            assert_eq!(a.schedule, b.schedule, "{name}, seed {seed}");
            assert_eq!(a.violations, b.violations, "{name}, seed {seed}");
        }
        let (a, b) = (scenario.run("fixed", 0), scenario.run("fixed", 1));
        assert_ne!(a.trace_hash(), b.trace_hash(), "{name}: seeds 0 and 1");
    }
}

#[test]
fn recording_the_trace_does_not_change_the_run() {
    let scenario = common::scenarios().into_iter().next().unwrap();
    let bare = scenario.run("fixed", 7);
    let mut config = scenario.config(7);
    config.record_trace = true;
    let full =
        asynclife_sim::subsystem::run::<asynclife_rag::Rag>(config, &scenario.workload, "fixed")
            .unwrap();
    assert!(!full.trace.events().is_empty());
    assert_eq!(bare.trace_hash(), full.trace_hash());
}
