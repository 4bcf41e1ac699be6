//! Every scenario file of this crate parses, names this subsystem and a known variant, has a
//! valid workload and fault plan, and expects what its variant implies.

mod common;

use asynclife_sim::subsystem::{Subsystem, FIXED};
use asynclife_tasks::Tasks;

#[test]
fn every_scenario_parses_and_is_consistent() {
    let scenarios = common::scenarios();
    assert!(scenarios.len() >= 5, "expected the five scenarios");
    for s in &scenarios {
        let stem = &s.name;
        assert_eq!(s.subsystem(), Tasks::NAME, "{stem}");
        assert!(!s.description.is_empty(), "{stem}: a description");
        let info = Tasks::variants()
            .iter()
            .find(|v| v.name == s.variant())
            .unwrap_or_else(|| panic!("{stem}: unknown variant {}", s.variant()));
        s.workload
            .validate()
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        s.faults
            .validate()
            .unwrap_or_else(|e| panic!("{stem}: faults: {e:?}"));
        s.sim
            .config(0, &s.faults)
            .validate()
            .unwrap_or_else(|e| panic!("{stem}: sim: {e}"));
        if s.variant() == FIXED {
            assert_eq!(s.expect.verdict.as_deref(), Some("pass"), "{stem}");
        } else {
            assert_eq!(s.expect.fails.as_deref(), Some(info.caught_by), "{stem}");
        }
    }
}

#[test]
fn the_required_situations_each_have_a_scenario() {
    let stems: Vec<String> = common::scenarios().into_iter().map(|s| s.name).collect();
    for required in [
        "steady-load",
        "shutdown-under-load",
        "cancel-storm",
        "duplicate-ids",
        "hung-at-shutdown",
    ] {
        assert!(stems.iter().any(|s| s == required), "missing {required}");
    }
}

#[test]
fn unknown_workload_fields_are_rejected() {
    let err = toml::from_str::<asynclife_tasks::Workload>("responses = 3\nresponse = 4\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("response"), "{err}");
    let err = toml::from_str::<asynclife_tasks::Workload>("[manager]\nmax_concurent = 4\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("max_concurent"), "{err}");
}
