//! `asynclife shrink FAILURE.json`: the smallest fault plan, workload and schedule that still
//! fail the same way.

use super::failure_input;
use super::{report, App, Outcome};
use crate::shrink::shrink;
use asynclife_sim::explore::write_atomically;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ShrinkArgs {
    /// The failure file.
    failure: PathBuf,
    /// Where to write the shrunk failure file (default: next to the input, `.min.json`).
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    /// Also write an equivalent scenario file (`.toml` next to the output).
    #[arg(long)]
    scenario: bool,
}

pub fn run(args: ShrinkArgs, app: &App<'_>) -> anyhow::Result<Outcome> {
    // A check shrinks its failing seed itself before it writes the file.
    let (failure, subsystem) = failure_input::read_scenario(&args.failure, app, "shrink")?;
    if args.scenario {
        // Refused before anything is shrunk or written: nothing half-done.
        crate::scenario::from_failure(&failure)
            .map_err(|e| anyhow::anyhow!("{}: --scenario: {e}", args.failure.display()))?;
    }
    let shrunk = shrink(&failure, subsystem)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.failure.display()))?;
    let out = args
        .out
        .unwrap_or_else(|| args.failure.with_extension("min.json"));
    let json = serde_json::to_string_pretty(&shrunk.failure)?;
    write_atomically(&out, (json + "\n").as_bytes())?;
    println!(
        "shrunk in {} runs: trace events {} -> {}, fault rules {} -> {}, schedule decisions {} -> {}",
        shrunk.runs,
        shrunk.events_before,
        shrunk.events_after,
        shrunk.rules_before,
        shrunk.rules_after,
        shrunk.decisions_before,
        shrunk.decisions_after
    );
    for v in &shrunk.failure.violations {
        println!("  violation {v}");
    }
    println!("wrote {}", out.display());
    if args.scenario {
        let path = out.with_extension("toml");
        let text = crate::scenario::from_failure(&shrunk.failure)?;
        write_atomically(&path, text.as_bytes())?;
        println!("wrote {}", path.display());
    }
    println!("reproduce: {}", report::reproduce_line(app, &out));
    Ok(Outcome::Finding)
}
