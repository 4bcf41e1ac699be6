//! Replays every failure file in `tests/regressions/`: each must reproduce its recorded trace
//! hash and its recorded violations.

use asynclife::failure::{format_hash, Failure};
use asynclife::registry;
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
        let subsystem = registry::find(&failure.subsystem)
            .unwrap_or_else(|| panic!("{}: unknown subsystem", path.display()));
        let report = subsystem
            .run(failure.replay_config(), &failure.workload, &failure.variant)
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
