//! Replays every failure file in `tests/regressions/`: each must reproduce its recorded trace
//! hash and its recorded violations.

use asynclife::failure::{format_hash, Failure};
use asynclife::reference;
use std::path::Path;

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
        if report.violations != failure.violations {
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
