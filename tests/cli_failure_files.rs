//! Failure files as the CLI meets them: an edited file is bad input (exit 2, naming the file
//! and the field) and never a panic; a file of a test's `Check` is rendered from its embedded
//! trace, and `replay` of it says how to replay it in its test.

use asynclife_sim::explore::Check;
use asynclife_sim::rt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn asynclife(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asynclife"))
        // Failure files go where each test looks for them, whatever the caller's environment.
        .env_remove("ASYNCLIFE_FAILURES_DIR")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("asynclife-ff-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A change to a failure file's JSON.
type Edit = fn(&mut serde_json::Value);

/// The regression file with `edit` applied to its JSON, written under `dir`.
fn edited(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let text = std::fs::read_to_string("tests/regressions/pidclean-blocking-cleanup.json").unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut json);
    let path = dir.join("edited.json");
    std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    path
}

#[test]
fn an_edited_failure_file_is_bad_input_naming_the_file_and_the_field() {
    let dir = scratch("edited");
    let cases: [(&str, Edit); 6] = [
        ("sim.max_steps", |j| j["sim"]["max_steps"] = 0.into()),
        ("sim.max_virtual_time_ms", |j| {
            j["sim"]["max_virtual_time_ms"] = 0.into()
        }),
        ("unknown subsystem 'nope'", |j| {
            j["subsystem"] = "nope".into()
        }),
        ("workload", |j| j["workload"]["sessions"] = "many".into()),
        // Before, these ran, and a replay called the changed hash a determinism bug.
        ("field `workload.crash_probability`", |j| {
            j["workload"]["crash_probability"] = 3.0.into()
        }),
        ("field `workload.orchestrator.grace_ms`", |j| {
            j["workload"]["orchestrator"]["grace_ms"] = 0.into()
        }),
    ];
    for (field, edit) in cases {
        let path = edited(&dir, edit);
        for command in ["replay", "shrink", "trace"] {
            let out = asynclife(&[command, path.to_str().unwrap()]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {field}: {stderr}");
            assert!(stderr.contains("edited.json"), "{command}: {stderr}");
            assert!(stderr.contains(field), "{command}: {stderr}");
        }
    }
}

#[test]
fn a_checks_failure_file_is_rendered_from_its_trace_and_replayed_in_its_test() {
    let dir = scratch("check");
    let found = Check::new("always_fails")
        .seeds(1)
        .failures_dir(&dir)
        .try_run(|| async {
            rt::spawn("worker", async {}).await.unwrap();
            panic!("on purpose");
        })
        .expect_err("it panics on every seed");
    let path = found.file.expect("written");
    let path = path.to_str().unwrap();

    let trace = asynclife(&["trace", path]);
    assert_eq!(trace.status.code(), Some(0));
    let text = String::from_utf8_lossy(&trace.stdout);
    assert!(text.contains("worker"), "{text}");
    assert!(text.contains("on purpose"), "{text}");

    let replay = asynclife(&["replay", path]);
    let stderr = String::from_utf8_lossy(&replay.stderr);
    assert_eq!(replay.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("ASYNCLIFE_REPLAY={path}")),
        "{stderr}"
    );
}

/// A seed above 2^63 - 1 cannot start a scenario file (TOML integers are signed 64-bit):
/// `shrink --scenario` refuses it as bad input before shrinking or writing anything, instead
/// of writing a negative `first_seed` that the tool itself then rejects.
#[test]
fn shrink_to_a_scenario_refuses_a_seed_toml_cannot_hold() {
    let dir = scratch("big-seed");
    let path = edited(&dir, |j| j["seed"] = (u64::MAX - 1).into());
    let out = asynclife(&["shrink", path.to_str().unwrap(), "--scenario"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("edited.json") && stderr.contains("TOML"),
        "{stderr}"
    );
    let written: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(written.len(), 1, "only the edited file: {written:?}");
}
