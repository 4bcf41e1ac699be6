//! `asynclife shrink FAILURE.json`: the smallest fault plan, workload and schedule that still
//! fail the same way.

use super::Outcome;
use asynclife::failure::Failure;
use asynclife::registry;
use asynclife::shrink::shrink;
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

pub fn run(args: ShrinkArgs) -> anyhow::Result<Outcome> {
    let failure = Failure::read(&args.failure).map_err(anyhow::Error::msg)?;
    let subsystem = registry::find(&failure.subsystem)
        .ok_or_else(|| anyhow::anyhow!("unknown subsystem '{}'", failure.subsystem))?;
    let shrunk = shrink(&failure, subsystem).map_err(anyhow::Error::msg)?;
    let out = args
        .out
        .unwrap_or_else(|| args.failure.with_extension("min.json"));
    let json = serde_json::to_string_pretty(&shrunk.failure)?;
    std::fs::write(&out, json + "\n")?;
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
        let text =
            asynclife::scenario::from_failure(&shrunk.failure).map_err(anyhow::Error::msg)?;
        std::fs::write(&path, text)?;
        println!("wrote {}", path.display());
    }
    println!("reproduce: cargo run --release -- replay {}", out.display());
    Ok(Outcome::Finding)
}
