//! `fixed` passes every scenario made for it on every seed of its sweep (at least 1,000),
//! and the scenarios made for a defect on 200 seeds: their invariants stay silent for it.
//! `ASYNCLIFE_SEEDS=n` changes the seed count.

mod common;

use asynclife_sim::Verdict;

fn sweep(ident: &str) {
    let name = ident.replace('_', "-");
    let scenario = common::scenario(&name);
    assert_eq!(
        scenario.variant(),
        "fixed",
        "{name} is not a fixed scenario"
    );
    for seed in 0..common::seed_count(scenario.seeds.unwrap_or(0).max(1_000)) {
        let report = scenario.run("fixed", seed);
        assert_eq!(
            report.verdict,
            Verdict::Pass,
            "scenario {name}, seed {seed}: {:#?}",
            report.violations
        );
    }
}

macro_rules! sweeps {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                sweep(stringify!($name));
            }
        )*

        #[test]
        fn every_fixed_scenario_has_a_sweep() {
            let swept = [$(stringify!($name)),*];
            for name in common::scenarios().into_iter().filter(|s| s.variant() == "fixed").map(|s| s.name) {
                let ident = name.replace('-', "_");
                assert!(swept.contains(&ident.as_str()), "add {ident} to the sweeps");
            }
        }
    };
}

sweeps!(
    burst,
    duplicate_late,
    flapping_agent,
    healthy,
    outage_recovery,
    slow_pipeline,
    swarm,
);

#[test]
fn fixed_passes_the_scenarios_made_for_defects() {
    for scenario in common::scenarios() {
        let name = &scenario.name;
        if scenario.variant() == "fixed" {
            continue;
        }
        for seed in 0..common::seed_count(200).min(200) {
            let report = scenario.run("fixed", seed);
            assert_eq!(
                report.verdict,
                Verdict::Pass,
                "scenario {name} with fixed, seed {seed}: {:#?}",
                report.violations
            );
        }
    }
}
