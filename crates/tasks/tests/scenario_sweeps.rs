//! Sweeps: `fixed` passes every scenario on 1,000 seeds; every defect and `as-documented` is
//! caught by its designated invariant within 100 seeds; a seed replays to the same trace hash.

mod common;

use asynclife_sim::subsystem::{Subsystem, FIXED};
use asynclife_sim::ViolationKind;
use asynclife_tasks::Tasks;

const FIXED_SEEDS: u64 = 1_000;
const DEFECT_SEEDS: u64 = 100;

/// Where each variant shows: the scenario that exercises its path.
const CATCHES: &[(&str, &str)] = &[
    ("as-documented", "shutdown-under-load"),
    ("untracked-spawn", "steady-load"),
    ("cancel-not-recorded", "cancel-storm"),
    ("duplicate-id", "duplicate-ids"),
    ("warn-only-limit", "steady-load"),
    ("wait-all-no-timeout", "hung-at-shutdown"),
    ("monitor-lag", "shutdown-under-load"),
];

#[test]
fn fixed_passes_every_scenario_on_a_thousand_seeds() {
    for scenario in common::scenarios() {
        let stem = &scenario.name;
        if scenario.variant() != FIXED {
            continue;
        }
        let seeds = scenario.seeds.unwrap_or(FIXED_SEEDS).max(FIXED_SEEDS);
        for seed in 0..seeds {
            let report = scenario.run(FIXED, seed);
            assert!(
                report.violations.is_empty(),
                "fixed failed {stem} at seed {seed}:\n{}",
                report
                    .violations
                    .iter()
                    .map(|v| format!("  {v}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

#[test]
fn every_variant_is_caught_by_its_invariant_within_a_hundred_seeds() {
    for info in Tasks::variants().iter().filter(|v| v.name != FIXED) {
        let (_, stem) = CATCHES
            .iter()
            .find(|(v, _)| *v == info.name)
            .unwrap_or_else(|| panic!("no scenario listed for {}", info.name));
        let scenario = common::scenario(stem);
        let kind = ViolationKind::from_name(info.caught_by);
        let caught = (0..DEFECT_SEEDS).find(|&seed| scenario.run(info.name, seed).has(&kind));
        assert!(
            caught.is_some(),
            "{} not caught by {} on {stem} within {DEFECT_SEEDS} seeds",
            info.name,
            info.caught_by
        );
    }
}

#[test]
fn scenarios_made_for_a_variant_fail_as_they_say() {
    for scenario in common::scenarios() {
        let stem = &scenario.name;
        let Some(fails) = &scenario.expect.fails else {
            continue;
        };
        let kind = ViolationKind::from_name(fails);
        let seeds = scenario.seeds.unwrap_or(DEFECT_SEEDS).min(DEFECT_SEEDS);
        assert!(
            (0..seeds).any(|seed| scenario.run(scenario.variant(), seed).has(&kind)),
            "{stem}: {} never failed {fails} in {seeds} seeds",
            scenario.variant()
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_trace_hash() {
    for scenario in common::scenarios() {
        let stem = &scenario.name;
        for variant in [FIXED, "as-documented"] {
            for seed in [0, 1, 17] {
                let a = scenario.run(variant, seed);
                let b = scenario.run(variant, seed);
                assert_eq!(
                    a.trace_hash(),
                    b.trace_hash(),
                    "{stem} {variant} seed {seed} diverged"
                );
                assert_eq!(a.violations, b.violations, "{stem} {variant} seed {seed}");
            }
        }
    }
}

#[test]
fn different_seeds_explore_different_runs() {
    let scenario = common::scenario("shutdown-under-load");
    let hashes: std::collections::BTreeSet<u64> = (0..10)
        .map(|seed| scenario.run(FIXED, seed).trace_hash())
        .collect();
    assert!(hashes.len() > 5, "seeds barely change the run: {hashes:?}");
}
