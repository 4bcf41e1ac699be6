//! `asynclife trace FAILURE.json | SCENARIO --seed N --format ...`: one run's trace as text,
//! JSON, a Chrome/Perfetto timeline, or an SVG picture.

use super::failure_input::{self, Source};
use super::{App, Outcome};
use crate::scenario;
use asynclife_sim::explore::write_atomically;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// A failure file (replayed with its schedule), or a scenario file (with --seed).
    input: PathBuf,
    /// The seed, for a scenario file.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The variant, for a scenario file (default: the scenario's own).
    #[arg(long)]
    variant: Option<String>,
    /// How to render it.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
}

/// Trace renderings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One event per line, virtual time first.
    Text,
    /// The whole trace as JSON.
    Json,
    /// Chrome trace-event JSON: open it in ui.perfetto.dev or chrome://tracing.
    Chrome,
    /// A self-contained SVG timeline: task lanes, blocked polls, faults, violations in red.
    Svg,
}

pub fn run(args: TraceArgs, app: &App<'_>) -> anyhow::Result<Outcome> {
    let is_failure = args.input.extension().is_some_and(|e| e == "json");
    let (trace, violations) = if is_failure {
        let (failure, source) = failure_input::read(&args.input, app)?;
        match source {
            Source::Scenario(subsystem) => {
                let variant = failure.variant.as_deref().unwrap_or_default();
                let report = subsystem
                    .run(failure.replay_config(), &failure.workload, variant)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", args.input.display()))?;
                (report.trace, report.violations.len())
            }
            // A check's failure file carries its run's trace: nothing to run.
            Source::Test(line) => match failure.trace {
                Some(trace) => (trace, failure.violations.len()),
                None => {
                    return Err(failure_input::needs_its_test(&args.input, "trace", &line));
                }
            },
        }
    } else {
        let scenario = scenario::load(&args.input, app.registry)?;
        let subsystem = app
            .registry
            .find(&scenario.subsystem)
            .expect("checked when loaded");
        let variant = args.variant.unwrap_or_else(|| scenario.variant.clone());
        subsystem.check_variant(&variant)?;
        let report = subsystem.run(scenario.sim_config(args.seed), &scenario.workload, &variant)?;
        (report.trace, report.violations.len())
    };
    let rendered = match args.format {
        Format::Text => trace.to_text(),
        Format::Json => trace.to_json(),
        Format::Chrome => trace.to_chrome_json(),
        Format::Svg => trace.to_svg(),
    };
    match &args.out {
        Some(path) => {
            write_atomically(path, rendered.as_bytes())?;
            eprintln!(
                "wrote {} ({} events, {violations} violations)",
                path.display(),
                trace.event_count,
            );
        }
        None => print!("{rendered}"),
    }
    Ok(Outcome::AsExpected)
}
