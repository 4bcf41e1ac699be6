//! Every scenario file of pidclean parses into the harness's shape and this crate's
//! `Workload`, with valid values, and the scenarios the issue asks for exist.

mod common;

use asynclife_pidclean::{PidClean, Variant, CATALOGUE};
use asynclife_sim::subsystem::Subsystem;

#[test]
fn every_scenario_file_parses_and_is_valid() {
    let scenarios = common::scenarios();
    assert!(scenarios.len() >= 6, "scenarios: {}", scenarios.len());
    for scenario in scenarios {
        let file = format!("{}.toml", scenario.name);
        assert_eq!(scenario.subsystem(), PidClean::NAME, "{file}");
        assert!(!scenario.description.is_empty(), "{file}: no description");
        let variant: Variant = scenario
            .variant()
            .parse()
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        if let Err(e) = scenario.workload.validate() {
            panic!("{file}: workload.{e}");
        }
        if let Err(e) = scenario.config(0).validate() {
            panic!("{file}: {e}");
        }
        match (&scenario.expect.verdict, &scenario.expect.fails) {
            (Some(verdict), None) => {
                assert_eq!(verdict, "pass", "{file}");
                assert_eq!(
                    variant,
                    Variant::Fixed,
                    "{file}: only fixed is expected to pass"
                );
            }
            (None, Some(fails)) => {
                assert_eq!(fails, variant.info().caught_by, "{file}");
            }
            other => panic!("{file}: [expect] needs verdict or fails, not {other:?}"),
        }
    }
}

#[test]
fn the_scenarios_the_issue_asks_for_exist() {
    for name in [
        "end-before-connect",
        "end-during-spawn",
        "ignore-sigterm",
        "agents-crash",
        "concurrent-ends-health",
        "store-faults",
    ] {
        assert!(
            common::scenario_dir().join(format!("{name}.toml")).exists(),
            "{name}.toml is missing"
        );
    }
    assert_eq!(
        common::scenario("concurrent-ends-health").workload.sessions,
        100
    );
}

#[test]
fn unknown_workload_fields_are_rejected_with_their_name() {
    let err = toml::from_str::<asynclife_pidclean::Workload>("sesions = 3").unwrap_err();
    assert!(err.to_string().contains("sesions"), "{err}");
    let err =
        toml::from_str::<asynclife_pidclean::Workload>("[orchestrator]\ngrace = 1").unwrap_err();
    assert!(err.to_string().contains("grace"), "{err}");
}

#[test]
fn invalid_values_name_their_field() {
    let workload: asynclife_pidclean::Workload =
        toml::from_str("connect_ms = [30000, 15000]\n[orchestrator]\ngrace_ms = 5000")
            .expect("well-formed");
    assert_eq!(workload.validate().unwrap_err().field, "connect_ms");
    let workload: asynclife_pidclean::Workload =
        toml::from_str("[orchestrator.store_retry]\nattempts = 0").expect("well-formed");
    assert_eq!(
        workload.validate().unwrap_err().field,
        "orchestrator.store_retry.attempts"
    );
}

#[test]
fn the_catalogue_names_every_variant_with_its_catcher() {
    let names: Vec<&str> = CATALOGUE.iter().map(|v| v.name).collect();
    assert_eq!(
        names,
        [
            "fixed",
            "as-documented",
            "pid-stored-late",
            "blocking-cleanup",
            "no-ttl",
            "dead-process-error",
            "serial-cleanup"
        ]
    );
    assert_eq!(PidClean::variants(), CATALOGUE);
}
