//! `asynclife trace FAILURE.json | SCENARIO --seed N --format ...`: one run's trace as text,
//! JSON, a Chrome/Perfetto timeline, or an SVG picture.

use super::Outcome;
use asynclife::failure::Failure;
use asynclife::registry;
use asynclife::scenario;
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

pub fn run(args: TraceArgs) -> anyhow::Result<Outcome> {
    let is_failure = args.input.extension().is_some_and(|e| e == "json");
    let report = if is_failure {
        let failure = Failure::read(&args.input).map_err(anyhow::Error::msg)?;
        let subsystem = registry::find(&failure.subsystem)
            .ok_or_else(|| anyhow::anyhow!("unknown subsystem '{}'", failure.subsystem))?;
        subsystem
            .run(failure.replay_config(), &failure.workload, &failure.variant)
            .map_err(anyhow::Error::msg)?
    } else {
        let scenario = scenario::load(&args.input)?;
        let subsystem = registry::find(&scenario.subsystem).expect("checked when loaded");
        let variant = args.variant.unwrap_or_else(|| scenario.variant.clone());
        subsystem.check_variant(&variant)?;
        subsystem
            .run(scenario.sim_config(args.seed), &scenario.workload, &variant)
            .map_err(anyhow::Error::msg)?
    };
    let rendered = match args.format {
        Format::Text => report.trace.to_text(),
        Format::Json => report.trace.to_json(),
        Format::Chrome => report.trace.to_chrome_json(),
        Format::Svg => report.trace.to_svg(),
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, rendered)
                .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
            eprintln!(
                "wrote {} ({} events, {} violations)",
                path.display(),
                report.trace.event_count,
                report.violations.len()
            );
        }
        None => print!("{rendered}"),
    }
    Ok(Outcome::AsExpected)
}
