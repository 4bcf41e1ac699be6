//! Every scenario file of the actions subsystem parses, names this subsystem and a known
//! variant, and expects either a pass (for `fixed`) or its variant's designated invariant.

mod common;

use asynclife_actions::{invariants, Variant, Workload};
use asynclife_sim::subsystem::FIXED;

#[test]
fn every_scenario_file_parses_into_the_workload() {
    let scenarios = common::scenarios();
    assert!(scenarios.len() >= 4, "at least the four base scenarios");
    for scenario in scenarios {
        let (file, path) = (&scenario.file, common::scenario_dir().join(&scenario.name));
        assert_eq!(file.subsystem(), "actions", "{}", path.display());
        assert!(!file.description.is_empty(), "{}", path.display());
        let variant: Variant = file
            .variant()
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        file.faults
            .validate()
            .unwrap_or_else(|e| panic!("{}: faults.{e}", path.display()));
        file.workload
            .options
            .retry
            .validate()
            .unwrap_or_else(|e| panic!("{}: workload.options.retry.{e}", path.display()));
        if file.variant() == FIXED {
            assert_eq!(
                file.expect.verdict.as_deref(),
                Some("pass"),
                "{}",
                path.display()
            );
        } else {
            assert_eq!(
                file.expect.fails.as_deref(),
                Some(variant.info().caught_by),
                "{}",
                path.display()
            );
        }
        if let Some(fails) = &file.expect.fails {
            assert!(invariants::ALL.contains(&fails.as_str()), "{fails}");
        }
    }
}

#[test]
fn a_workload_table_with_an_unknown_field_is_rejected() {
    let err = toml::from_str::<Workload>("sessions = 2\nsesions = 3").unwrap_err();
    assert!(err.to_string().contains("sesions"), "{err}");
    let empty: Workload = toml::from_str("").unwrap();
    assert_eq!(empty, Workload::default());
}
