//! How findings are printed: the violations, the last trace events, the reproduce line.

use asynclife::failure::{format_hash, Failure};
use asynclife::scenario::Scenario;
use asynclife_sim::{Report, SimConfig};
use std::path::Path;

/// How many trace events before the first violation a finding shows.
const CONTEXT_EVENTS: usize = 12;

/// Prints a finding and writes its failure file; returns the file's path.
pub fn print_finding(
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
    let failure = Failure::new(scenario, variant, config, report);
    let path = failure
        .write(&super::failures_dir())
        .map_err(anyhow::Error::msg)?;
    println!("failure file: {}", path.display());
    println!("reproduce: {}", reproduce_line(&path));
    Ok(path)
}

/// The one command line that replays a failure file.
pub fn reproduce_line(failure: &Path) -> String {
    format!("cargo run --release -- replay {}", failure.display())
}

/// The violations, and the trace events leading up to the first one.
pub fn print_violations(report: &Report) {
    for v in &report.violations {
        println!("  violation {v}");
    }
    let events = report.trace.events();
    let first = events
        .iter()
        .position(|e| matches!(e.kind, asynclife_sim::trace::EventKind::Violation { .. }))
        .unwrap_or(events.len());
    let from = first.saturating_sub(CONTEXT_EVENTS);
    if first > 0 {
        let context = asynclife_sim::Trace::from_events(
            report.trace.tasks.clone(),
            events[from..first].to_vec(),
        );
        println!("  last events before it (virtual time, task, event):");
        for line in context.to_text().lines() {
            println!("    {line}");
        }
    }
    println!(
        "  trace: {} events, hash {}; virtual time {:?}; {} steps",
        report.trace.event_count,
        format_hash(report.trace_hash()),
        report.stats.virtual_time(),
        report.stats.steps
    );
}
