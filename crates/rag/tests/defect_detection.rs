//! Every defect, and `as-documented`, is caught by its catalogue invariant (that exact
//! violation kind) within 100 seeds: on the scenario made for it (where, as the harness's
//! sweep requires, nothing else fires on its first failing seed), and on at least one of the
//! scenarios made for `fixed` (as the harness's zoo runs them).

mod common;

use asynclife_rag::defect::VARIANTS;
use asynclife_sim::ViolationKind;

const SEEDS: u64 = 100;

/// The first seed below [`SEEDS`] on which `variant` fires `kind` in `scenario`.
fn first_catch(scenario: &common::Scenario, variant: &str, kind: &ViolationKind) -> Option<u64> {
    (0..SEEDS).find(|&seed| scenario.run(variant, seed).has(kind))
}

#[test]
fn every_defect_scenario_fails_with_its_expected_invariant_only() {
    for scenario in common::scenarios() {
        let name = &scenario.name;
        let Some(fails) = &scenario.expect.fails else {
            continue;
        };
        let kind = ViolationKind::from_name(fails);
        let seeds = {
            let first = scenario.first_seed.unwrap_or(0);
            first..first + SEEDS.min(scenario.seeds.unwrap_or(SEEDS))
        };
        // As the harness's sweep: the first seed with a violation must have only the
        // expected one.
        let first = seeds
            .map(|seed| (seed, scenario.run(scenario.variant(), seed)))
            .find(|(_, report)| !report.violations.is_empty());
        let (seed, report) = first.unwrap_or_else(|| {
            panic!("{name}: {} not caught in {SEEDS} seeds", scenario.variant())
        });
        let others: Vec<String> = report
            .violations
            .iter()
            .filter(|v| v.kind != kind)
            .map(|v| v.to_string())
            .collect();
        assert!(
            others.is_empty(),
            "{name}, seed {seed}: besides {fails}: {others:#?}"
        );
        for seed in scenario.first_seed.unwrap_or(0)..=seed {
            let report = scenario.run("fixed", seed);
            assert!(
                !report.has(&kind),
                "{name}: {fails} fires for fixed too, seed {seed}: {:#?}",
                report.violations
            );
        }
    }
}

#[test]
fn every_defect_is_caught_on_some_fixed_scenario() {
    let scenarios: Vec<_> = common::scenarios()
        .into_iter()
        .filter(|s| s.variant() == "fixed")
        .collect();
    for info in &VARIANTS[1..] {
        let kind = ViolationKind::from_name(info.caught_by);
        let caught = scenarios
            .iter()
            .any(|s| first_catch(s, info.name, &kind).is_some());
        assert!(
            caught,
            "{} is caught by {} on no fixed scenario within {SEEDS} seeds",
            info.name, info.caught_by
        );
    }
}
