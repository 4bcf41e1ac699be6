//! Replays every failure file in `tests/regressions/`: each must reproduce its recorded trace
//! hash and its recorded violations (all but the spawn's source line, which moves with any
//! edit of the file the task was spawned in).

use asynclife::failure::{format_hash, Failure};
use asynclife::reference;
use asynclife_sim::Violation;
use std::path::Path;

/// The violations with each task's spawn location reduced to its file.
fn without_lines(violations: &[Violation]) -> Vec<Violation> {
    let mut violations = violations.to_vec();
    for task in violations.iter_mut().filter_map(|v| v.task.as_mut()) {
        if let Some((file, _line)) = task.location.rsplit_once(':') {
            task.location = file.to_string();
        }
    }
    violations
}

#[test]
fn every_regression_failure_file_replays_bit_for_bit() {
    let mut files: Vec<_> = std::fs::read_dir(Path::new("tests/regressions"))
        .expect("the regressions directory exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut problems = Vec::new();
    for path in &files {
        let failure = Failure::read(path).unwrap_or_else(|e| panic!("{e}"));
        let subsystem = failure
            .subsystem
            .as_deref()
            .and_then(|name| reference::registry().find(name))
            .unwrap_or_else(|| panic!("{}: unknown subsystem", path.display()));
        let variant = failure
            .variant
            .as_deref()
            .expect("a scenario's failure has a variant");
        let report = subsystem
            .run(failure.replay_config(), &failure.workload, variant)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let hash = format_hash(report.trace_hash());
        if hash != failure.trace_hash {
            problems.push(format!(
                "{}: trace hash {hash}, recorded {}",
                path.display(),
                failure.trace_hash
            ));
        }
        if without_lines(&report.violations) != without_lines(&failure.violations) {
            problems.push(format!(
                "{}: violations {:?}, recorded {:?}",
                path.display(),
                report.violations,
                failure.violations
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
