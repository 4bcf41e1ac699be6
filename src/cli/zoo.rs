//! `asynclife zoo`: is every defect caught, and is `fixed` free of false alarms?

use super::{App, Outcome};
use crate::{scenario, zoo};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ZooArgs {
    /// Seeds per (variant, scenario).
    #[arg(long, default_value_t = 100, value_parser = super::count::<u64>)]
    seeds: u64,
    /// Seeds of each subsystem's swarm scenario (`swarm.toml`) a defect may take to be caught
    /// there; a defect not caught within them is a finding.
    #[arg(long, default_value_t = 200, value_parser = super::count::<u64>)]
    swarm_seeds: u64,
    /// Where the scenario files are.
    #[arg(long, default_value = "scenarios")]
    scenarios: PathBuf,
    /// One JSON object per row.
    #[arg(long)]
    json: bool,
}

pub fn run(args: ZooArgs, app: &App<'_>) -> anyhow::Result<Outcome> {
    let scenarios = scenario::load_dir(&args.scenarios, app.registry)?;
    let rows = zoo::run(app.registry, &scenarios, args.seeds, args.swarm_seeds);
    if args.json {
        for row in &rows {
            println!("{}", serde_json::to_string(row)?);
        }
    } else {
        println!(
            "{:<9} {:<26} {:<9} {:<28} {:<26} {:>6} {:>7} {:>6} {:>6}",
            "subsystem",
            "variant",
            "detected",
            "invariant",
            "scenario",
            "seed",
            "tried",
            "false",
            "swarm"
        );
        for r in &rows {
            println!(
                "{:<9} {:<26} {:<9} {:<28} {:<26} {:>6} {:>7} {:>6} {:>6}{}",
                r.subsystem,
                r.variant,
                if r.variant == "fixed" {
                    "-"
                } else if r.detected {
                    "yes"
                } else {
                    "NO"
                },
                r.invariant,
                r.scenario.as_deref().unwrap_or("-"),
                r.first_seed.map_or("-".into(), |s| s.to_string()),
                r.seeds_tried,
                r.false_alarms,
                swarm_cell(r, args.swarm_seeds),
                if r.ok() { "" } else { "  <-- FINDING" }
            );
        }
    }
    if !args.json {
        println!(
            "swarm: seeds the defect took to be caught on its subsystem's swarm.toml \
             (\">{}\": not within them)",
            args.swarm_seeds
        );
    }
    let escaped: Vec<&zoo::ZooRow> = rows.iter().filter(|r| !r.ok()).collect();
    if escaped.is_empty() {
        Ok(Outcome::AsExpected)
    } else {
        for r in escaped {
            let args = if let (true, Some(swarm)) = (r.detected, &r.swarm_scenario) {
                format!(
                    "sweep {swarm} --variant {} --seeds {}",
                    r.variant, args.swarm_seeds
                )
            } else {
                format!(
                    "sweep {}/{} --variant {} --seeds {}",
                    args.scenarios.display(),
                    r.subsystem,
                    r.variant,
                    args.seeds
                )
            };
            println!("reproduce: {}", app.command(&args));
        }
        Ok(Outcome::Finding)
    }
}

/// The swarm column: seeds to detect, `>N` when not within the budget, `-` for `fixed` and
/// for a subsystem without a swarm scenario.
fn swarm_cell(row: &zoo::ZooRow, swarm_seeds: u64) -> String {
    match (&row.swarm_scenario, row.swarm_seeds_to_detect) {
        (None, _) => "-".into(),
        (Some(_), Some(n)) => n.to_string(),
        (Some(_), None) => format!(">{swarm_seeds}"),
    }
}
