//! `asynclife replay FAILURE.json`: re-run a failure bit for bit and check its trace hash.

use super::failure_input;
use super::{report, App, Outcome, TraceFormat};
use crate::failure::format_hash;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The failure file (written by `sweep` or `run` under target/asynclife/failures/).
    failure: PathBuf,
    /// Print the trace.
    #[arg(long, value_enum)]
    trace: Option<TraceFormat>,
}

pub fn run(args: ReplayArgs, app: &App<'_>) -> anyhow::Result<Outcome> {
    let (failure, subsystem) = failure_input::read_scenario(&args.failure, app, "replay")?;
    let variant = failure.variant.as_deref().unwrap_or_default();
    let report = subsystem
        .run(failure.replay_config(), &failure.workload, variant)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.failure.display()))?;
    match args.trace {
        Some(TraceFormat::Text) => print!("{}", report.trace.to_text()),
        Some(TraceFormat::Json) => println!("{}", report.trace.to_json()),
        None => {}
    }
    let hash = format_hash(report.trace_hash());
    if report.violations.is_empty() {
        println!(
            "{} now passes: the bug is fixed (trace hash {hash}, the file recorded {})",
            args.failure.display(),
            failure.trace_hash
        );
        for warning in &report.warnings {
            // A fix usually changes the schedule: the replay then tested a different run.
            println!("  warning {warning}");
        }
        return Ok(Outcome::AsExpected);
    }
    if hash == failure.trace_hash {
        println!(
            "reproduced {} bit for bit (trace hash {hash}, {} events); it still fails:",
            args.failure.display(),
            report.trace.event_count
        );
    } else {
        println!(
            "DETERMINISM BUG? replaying {} gave trace hash {hash}, the file recorded {}.",
            args.failure.display(),
            failure.trace_hash
        );
        println!(
            "Unless the code changed since the file was written, the same seed and schedule \
             must give the same trace. It still fails:"
        );
    }
    report::print_violations(&report);
    println!("reproduce: {}", report::reproduce_line(app, &args.failure));
    Ok(Outcome::Finding)
}
