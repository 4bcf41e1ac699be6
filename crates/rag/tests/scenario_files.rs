//! Every scenario file of rag parses into the harness's shape, names this subsystem and one
//! of its variants, and carries a valid workload and fault plan; every defect has a scenario.

mod common;

use asynclife_rag::defect::VARIANTS;
use asynclife_rag::Rag;
use asynclife_sim::subsystem::{check_variant, Subsystem};

#[test]
fn every_scenario_file_parses_and_is_valid() {
    let scenarios = common::scenarios();
    assert!(
        scenarios.len() >= 5,
        "at least the five scenarios of the issue"
    );
    for s in &scenarios {
        let name = &s.name;
        assert_eq!(s.subsystem(), Rag::NAME, "{name}");
        assert!(!s.description.is_empty(), "{name}: a description");
        check_variant::<Rag>(s.variant()).unwrap_or_else(|e| panic!("{name}: {e}"));
        s.workload
            .validate()
            .unwrap_or_else(|e| panic!("{name}: workload.{e}"));
        s.config(0)
            .validate()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        match (&s.expect.verdict, &s.expect.fails) {
            (Some(v), None) => {
                assert_eq!(v, "pass", "{name}");
                assert_eq!(
                    s.variant(),
                    "fixed",
                    "{name}: only fixed is expected to pass"
                );
            }
            (None, Some(fails)) => {
                let info = VARIANTS.iter().find(|v| v.name == s.variant()).unwrap();
                assert_eq!(
                    fails, info.caught_by,
                    "{name}: expects the catalogue's catcher"
                );
            }
            other => panic!("{name}: [expect] needs one of verdict, fails: {other:?}"),
        }
    }
}

#[test]
fn the_workload_rejects_unknown_fields() {
    let err = toml::from_str::<asynclife_rag::Workload>("clientz = 3").unwrap_err();
    assert!(err.to_string().contains("clientz"), "{err}");
    let err = toml::from_str::<asynclife_rag::Workload>("[generator]\ntimeout_ms = 3").unwrap_err();
    assert!(err.to_string().contains("timeout_ms"), "{err}");
}

#[test]
fn every_defect_and_as_documented_has_a_scenario_of_its_own() {
    let scenarios = common::scenarios();
    for info in &VARIANTS[1..] {
        assert!(
            scenarios.iter().any(|s| s.variant() == info.name),
            "no scenario for {}",
            info.name
        );
    }
}
