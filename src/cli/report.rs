//! How findings are printed: the violations, the last trace events, the reproduce line.

use super::App;
use crate::failure;
use crate::scenario::Scenario;
use asynclife_sim::{Report, SimConfig};
use std::io::Write;
use std::path::Path;

/// Prints a finding and writes its failure file; returns the file's path, or `None` when the
/// file could not be written (then the line that runs the seed again is printed instead: a
/// folder that cannot be written does not hide the finding).
pub fn print_finding(
    app: &App<'_>,
    scenario: &Scenario,
    variant: &str,
    config: &SimConfig,
    report: &Report,
    why: &str,
) -> anyhow::Result<Option<std::path::PathBuf>> {
    write_finding(
        &mut std::io::stdout().lock(),
        app,
        scenario,
        variant,
        config,
        report,
        why,
    )
}

/// As [`print_finding`], to `out` (standard error, when standard output carries JSON).
pub fn write_finding(
    out: &mut dyn Write,
    app: &App<'_>,
    scenario: &Scenario,
    variant: &str,
    config: &SimConfig,
    report: &Report,
    why: &str,
) -> anyhow::Result<Option<std::path::PathBuf>> {
    writeln!(
        out,
        "FINDING in {} (variant {variant}, seed {}): {why}",
        scenario.path.display(),
        report.seed
    )?;
    for line in report.to_string().lines().skip(1) {
        writeln!(out, "{line}")?;
    }
    let failure = failure::of_scenario(scenario, variant, config, report);
    match failure.write(&super::failures_dir()) {
        Ok(path) => {
            writeln!(out, "failure file: {}", path.display())?;
            writeln!(out, "reproduce: {}", reproduce_line(app, &path))?;
            Ok(Some(path))
        }
        Err(e) => {
            writeln!(out, "no failure file: {e}")?;
            let args = format!(
                "run {} --seed {} --variant {variant}",
                scenario.path.display(),
                report.seed
            );
            writeln!(out, "reproduce: {}", app.command(&args))?;
            Ok(None)
        }
    }
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
