//! `asynclife list`: what can be run.

use super::{App, Outcome};
use crate::scenario;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Where the scenario files are.
    #[arg(long, default_value = "scenarios")]
    scenarios: PathBuf,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: ListArgs, app: &App<'_>) -> anyhow::Result<Outcome> {
    for subsystem in app.registry.all() {
        for v in subsystem.variants() {
            if args.json {
                println!(
                    "{}",
                    json!({"kind": "variant", "subsystem": subsystem.name(), "variant": v.name,
                           "seed": v.seed_ref, "caught_by": v.caught_by, "summary": v.summary})
                );
            } else {
                println!(
                    "{:<9} {:<26} {:<14} {:<28} {}",
                    subsystem.name(),
                    v.name,
                    v.seed_ref,
                    v.caught_by,
                    v.summary
                );
            }
        }
    }
    let scenarios = if args.scenarios.exists() {
        scenario::load_dir(&args.scenarios, app.registry)?
    } else {
        Vec::new()
    };
    for s in scenarios {
        if args.json {
            println!(
                "{}",
                json!({"kind": "scenario", "path": s.path, "subsystem": s.subsystem,
                       "variant": s.variant, "seeds": s.seeds, "expect": s.expect,
                       "description": s.description})
            );
        } else {
            println!(
                "{:<44} {:<9} {:<24} {}",
                s.path.display(),
                s.subsystem,
                s.variant,
                s.description
            );
        }
    }
    Ok(Outcome::AsExpected)
}
