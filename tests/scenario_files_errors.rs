//! Malformed scenario files: each gets an error that names the file, the line and the field,
//! and nothing runs (the CLI exits with code 2).

use asynclife::reference;
use asynclife::scenario::{self, ScenarioError};
use std::path::PathBuf;
use std::process::Command;

const GOOD: &str = r#"subsystem = "actions"
description = "A small steady mix."
seeds = 3

[workload]
sessions = 2
intents_per_session = 2

[faults]
swarm = false

[[faults.rules]]
point = "action.*"
kind = "delay"
min_ms = 10
max_ms = 50
probability = 0.5

[expect]
verdict = "pass"
"#;

/// Writes `text` to a fresh file and loads it.
fn load(name: &str, text: &str) -> (PathBuf, Result<scenario::Scenario, ScenarioError>) {
    let dir = std::env::temp_dir().join(format!("asynclife-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    let result = scenario::load(&path, reference::registry());
    (path, result)
}

fn error(name: &str, text: &str) -> ScenarioError {
    let (path, result) = load(name, text);
    let e = result.expect_err("a malformed file must be rejected");
    assert_eq!(e.path, path, "the error names the file");
    assert!(e.to_string().starts_with(&path.display().to_string()));
    e
}

#[test]
fn the_good_file_loads() {
    let (_, result) = load("good", GOOD);
    let s = result.unwrap();
    assert_eq!(s.subsystem, "actions");
    assert_eq!(s.variant, "fixed");
    assert_eq!(s.workload["sessions"], 2);
}

#[test]
fn an_unknown_top_level_field_is_named_with_its_line() {
    let e = error(
        "unknown-field",
        &GOOD.replace("seeds = 3", "seeds = 3\nsedes = 4"),
    );
    assert_eq!(e.line, Some(4), "{e}");
    assert_eq!(e.field.as_deref(), Some("sedes"), "{e}");
}

#[test]
fn an_unknown_workload_field_is_named_with_its_line() {
    let e = error(
        "unknown-workload-field",
        &GOOD.replace("sessions = 2", "sesions = 2"),
    );
    assert_eq!(e.field.as_deref(), Some("workload.sesions"), "{e}");
    assert_eq!(e.line, Some(6), "{e}");
}

#[test]
fn a_wrong_type_is_named_with_its_line() {
    let e = error(
        "wrong-type",
        &GOOD.replace("seeds = 3", "seeds = \"three\""),
    );
    assert_eq!(e.line, Some(3), "{e}");
    assert_eq!(e.field.as_deref(), Some("seeds"), "{e}");
    assert!(e.message.contains("invalid type"), "{e}");
    let e = error(
        "wrong-workload-type",
        &GOOD.replace("sessions = 2", "sessions = \"two\""),
    );
    assert_eq!(e.line, Some(6), "{e}");
    assert_eq!(e.field.as_deref(), Some("workload.sessions"), "{e}");
    let e = error(
        "wrong-rule-type",
        &GOOD.replace("min_ms = 10", "min_ms = \"ten\""),
    );
    assert_eq!(e.line, Some(15), "{e}");
    assert_eq!(e.field.as_deref(), Some("faults.rules[0].min_ms"), "{e}");
}

#[test]
fn an_expect_that_is_not_a_table_says_what_it_should_be() {
    let text = GOOD
        .replace("seeds = 3", "seeds = 3\nexpect = 3")
        .replace("[expect]\nverdict = \"pass\"\n", "");
    let e = error("expect-not-a-table", &text);
    assert_eq!(e.field.as_deref(), Some("expect"), "{e}");
    assert_eq!(e.line, Some(4), "{e}");
    assert!(
        e.message
            .contains("expected an [expect] table: verdict = \"pass\", or fails = \"<check>\""),
        "{e}"
    );
}

#[test]
fn zero_seeds_is_named_with_its_line() {
    let e = error("zero-seeds", &GOOD.replace("seeds = 3", "seeds = 0"));
    assert_eq!(e.field.as_deref(), Some("seeds"), "{e}");
    assert_eq!(e.line, Some(3), "{e}");
}

#[test]
fn an_unknown_subsystem_is_named_with_the_known_ones() {
    let e = error(
        "unknown-subsystem",
        &GOOD.replace("\"actions\"", "\"action\""),
    );
    assert_eq!(e.field.as_deref(), Some("subsystem"));
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("unknown subsystem 'action'"), "{e}");
    assert!(e.message.contains("actions"), "{e}");
}

#[test]
fn an_unknown_variant_is_named_with_the_known_ones() {
    let text = GOOD.replace("seeds = 3", "variant = \"no-clenup\"\nseeds = 3");
    let e = error("unknown-variant", &text);
    assert_eq!(e.field.as_deref(), Some("variant"));
    assert_eq!(e.line, Some(3));
    assert!(
        e.message.contains("no-cleanup"),
        "lists the known variants: {e}"
    );
}

#[test]
fn an_invalid_fault_rule_is_named_with_its_rule_and_line() {
    let e = error(
        "bad-probability",
        &GOOD.replace("probability = 0.5", "probability = 1.5"),
    );
    assert_eq!(
        e.field.as_deref(),
        Some("faults.rules[0].probability"),
        "{e}"
    );
    assert_eq!(e.line, Some(12), "{e}");
    let e = error("bad-range", &GOOD.replace("max_ms = 50", "max_ms = 5"));
    assert_eq!(e.field.as_deref(), Some("faults.rules[0].max_ms"), "{e}");
    let e = error(
        "bad-kind",
        &GOOD.replace("kind = \"delay\"", "kind = \"explode\""),
    );
    assert!(e.message.contains("explode"), "{e}");
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn an_expectation_must_be_exactly_one_of_pass_or_fails() {
    let e = error(
        "bad-verdict",
        &GOOD.replace("verdict = \"pass\"", "verdict = \"fail\""),
    );
    assert_eq!(e.field.as_deref(), Some("expect.verdict"), "{e}");
    let e = error(
        "both",
        &GOOD.replace("verdict = \"pass\"", "verdict = \"pass\"\nfails = \"x\""),
    );
    assert_eq!(e.field.as_deref(), Some("expect"), "{e}");
}

#[test]
fn the_cli_rejects_zero_seeds_and_zero_jobs_with_exit_code_2() {
    let (good, _) = load("cli-zero", GOOD);
    let good = good.display().to_string();
    for args in [
        vec!["sweep", &good, "--seeds", "0"],
        vec!["sweep", &good, "--jobs", "0"],
        vec!["zoo", "--seeds", "0"],
        vec!["bench", "sweep", "--seeds", "0"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_asynclife"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("must be at least 1"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "nothing ran: {args:?}");
    }
}

#[test]
fn the_cli_exits_2_and_runs_nothing_when_one_file_of_several_is_bad() {
    let (good, _) = load("cli-good", GOOD);
    let (bad, _) = load("cli-bad", &GOOD.replace("seeds = 3", "seeds = -1"));
    let out = Command::new(env!("CARGO_BIN_EXE_asynclife"))
        .args(["sweep"])
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&bad.display().to_string()), "{stderr}");
    assert!(stderr.contains(":3"), "names the line: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.is_empty(), "nothing ran: {stdout}");
}

/// A value each subsystem refuses, in a workload that parses: named with its file, line and
/// field when the file is loaded, before anything runs. Before, these ran: some as a
/// `main-panicked` finding, rag's and actions' as a pass that tested nothing.
#[test]
fn workload_values_a_subsystem_refuses_are_named_with_their_line() {
    let cases = [
        // (subsystem, the [workload] lines, the field, its line in the file)
        (
            "actions",
            "cancel_probability = 3.0",
            "workload.cancel_probability",
            5,
        ),
        (
            "actions",
            "think_min_ms = 900\nthink_max_ms = 10",
            "workload.think_min_ms",
            5,
        ),
        (
            "actions",
            "[workload.options]\ntimeout_ms = 0",
            "workload.options.timeout_ms",
            6,
        ),
        ("rag", "clients = 0", "workload.clients", 5),
        (
            "pidclean",
            "connect_ms = [900, 10]",
            "workload.connect_ms",
            5,
        ),
        (
            "tasks",
            "cancel_probability = 7.5",
            "workload.cancel_probability",
            5,
        ),
        // Before, these three were clamped in silence, and a run without responses passed.
        ("tasks", "burst_max = 0", "workload.burst_max", 5),
        ("tasks", "responses = 0", "workload.responses", 5),
        (
            "tasks",
            "step_min_ms = 50\nstep_max_ms = 5",
            "workload.step_min_ms",
            5,
        ),
        // Before, a shutdown that waited 0 ms for its aborts failed `fixed` on every seed.
        (
            "tasks",
            "[workload.manager]\ncancel_timeout_ms = 0",
            "workload.manager.cancel_timeout_ms",
            6,
        ),
        (
            "pidclean",
            "[workload.orchestrator]\ngrace_ms = 0",
            "workload.orchestrator.grace_ms",
            6,
        ),
        // Before: "workload: invalid type: null, expected f64", no line, field `workload`.
        (
            "tasks",
            "responses = 3\nunnamed_probability = nan",
            "workload.unnamed_probability",
            6,
        ),
        (
            "actions",
            "cancel_probability = -inf",
            "workload.cancel_probability",
            5,
        ),
    ];
    for (subsystem, lines, field, line) in cases {
        let text = format!(
            "subsystem = \"{subsystem}\"\ndescription = \"x\"\n\n[workload]\n{lines}\n\n[expect]\nverdict = \"pass\"\n"
        );
        let e = error(&format!("refused-{subsystem}-{line}"), &text);
        assert_eq!(e.field.as_deref(), Some(field), "{subsystem}: {e}");
        assert_eq!(e.line, Some(line), "{subsystem}: {e}");
    }
}

/// A control character where TOML allows none: the parser gives no reason of its own (before,
/// the error read `file.toml:3: ` and stopped), so the error names the character.
#[test]
fn a_nul_in_a_comment_is_named() {
    let e = error(
        "nul-in-comment",
        &GOOD.replace("seeds = 3", "seeds = 3\n# a comment \u{0} here"),
    );
    assert_eq!(e.line, Some(4), "{e}");
    assert!(e.message.contains("U+0000"), "{e}");
}

/// An unknown field in a nested workload table is named with its table: before, it read
/// `workload.latency_ms` for a key of `[workload.pipeline]`.
#[test]
fn an_unknown_field_of_a_nested_workload_table_is_named_with_its_table() {
    let text = "subsystem = \"rag\"\ndescription = \"x\"\n\n[workload]\nclients = 1\n\n[workload.pipeline]\nlatency_ms = 5\n\n[expect]\nverdict = \"pass\"\n";
    let e = error("nested-unknown", text);
    assert_eq!(
        e.field.as_deref(),
        Some("workload.pipeline.latency_ms"),
        "{e}"
    );
    assert_eq!(e.line, Some(8), "{e}");
}
