//! How findings are printed: the violations, the last trace events, the reproduce line.

use super::App;
use crate::failure;
use crate::scenario::Scenario;
use asynclife_sim::{Report, SimConfig};
use std::path::Path;

/// Prints a finding and writes its failure file; returns the file's path.
pub fn print_finding(
    app: &App<'_>,
    scenario: &Scenario,
    variant: &str,
    config: &SimConfig,
    report: &Report,
    why: &str,
) -> anyhow::Result<std::path::PathBuf> {
    println!(
        "FINDING in {} (variant {variant}, seed {}): {why}",
        scenario.path.display(),
        report.seed
    );
    print_violations(report);
    let failure = failure::of_scenario(scenario, variant, config, report);
    let path = failure
        .write(&super::failures_dir())
        .map_err(anyhow::Error::msg)?;
    println!("failure file: {}", path.display());
    println!("reproduce: {}", reproduce_line(app, &path));
    Ok(path)
}

/// The one command line that replays a failure file.
pub fn reproduce_line(app: &App<'_>, failure: &Path) -> String {
    app.command(&format!("replay {}", failure.display()))
}

/// The violations, the trace events leading up to the first one, and the trace's size: the
/// report's own text without its first line (the caller says what the run was).
pub fn print_violations(report: &Report) {
    for line in report.to_string().lines().skip(1) {
        println!("{line}");
    }
}
