//! Every defect of seed 000 and the `as-documented` variant is caught by its designated
//! invariant within 100 seeds, on the scenario made for it (whose `fixed` run stays silent:
//! see `scenarios_fixed_pass.rs`).

mod common;

use asynclife_actions::{Variant, VARIANTS};
use asynclife_sim::subsystem::FIXED;

const SEEDS: u64 = 100;

#[test]
fn every_variant_but_fixed_has_a_scenario_expecting_its_invariant() {
    let scenarios = common::scenarios();
    for info in VARIANTS.iter().filter(|v| v.name != FIXED) {
        let made_for_it: Vec<_> = scenarios
            .iter()
            .filter(|s| s.file.variant() == info.name)
            .collect();
        assert!(!made_for_it.is_empty(), "no scenario for {}", info.name);
        for s in made_for_it {
            assert_eq!(
                s.file.expect.fails.as_deref(),
                Some(info.caught_by),
                "{}",
                s.name
            );
        }
    }
}

#[test]
fn every_defect_and_as_documented_is_caught_within_a_hundred_seeds() {
    let scenarios = common::scenarios();
    for variant in Variant::ALL.into_iter().filter(|v| *v != Variant::Fixed) {
        let expected = variant.info().caught_by;
        for s in scenarios
            .iter()
            .filter(|s| s.file.variant() == variant.name())
        {
            let caught = s.first_seed_caught(variant.name(), expected, 0..SEEDS);
            assert!(
                caught.is_some(),
                "{variant} not caught by {expected} on scenario {} within {SEEDS} seeds",
                s.name
            );
        }
    }
}

#[test]
fn the_base_scenarios_catch_every_defect_too() {
    // The zoo runs every defect against every scenario; the steady mix alone finds them all.
    let steady = common::scenarios()
        .into_iter()
        .find(|s| s.name == "steady-mix")
        .expect("the steady mix scenario");
    for variant in Variant::ALL.into_iter().filter(|v| *v != Variant::Fixed) {
        let expected = variant.info().caught_by;
        assert!(
            steady
                .first_seed_caught(variant.name(), expected, 0..SEEDS)
                .is_some(),
            "{variant} not caught by {expected} on the steady mix within {SEEDS} seeds"
        );
    }
}
