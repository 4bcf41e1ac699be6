//! `fixed` passes every scenario of the actions subsystem, on 1,000 seeds each.

mod common;

use asynclife_sim::Verdict;

const SEEDS: u64 = 1_000;

#[test]
fn fixed_passes_every_scenario_on_a_thousand_seeds() {
    for scenario in common::scenarios() {
        for seed in 0..SEEDS {
            let report = scenario.run("fixed", seed);
            assert_eq!(
                report.verdict,
                Verdict::Pass,
                "scenario {} seed {seed} failed for fixed:\n{}",
                scenario.name,
                common::violation_names(&report).join("\n")
            );
        }
    }
}
