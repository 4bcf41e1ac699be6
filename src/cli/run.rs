//! `asynclife run SCENARIO --seed N`: one seed, the verdict, and the trace on request.

use super::{report, Outcome, TraceFormat};
use asynclife::registry;
use asynclife::scenario;
use asynclife::sweep::matches;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file.
    scenario: PathBuf,
    /// The seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Run this variant instead of the scenario's own (`fixed`, `as-documented`, a defect).
    #[arg(long)]
    variant: Option<String>,
    /// Print the trace.
    #[arg(long, value_enum)]
    trace: Option<TraceFormat>,
}

pub fn run(args: RunArgs) -> anyhow::Result<Outcome> {
    let scenario = scenario::load(&args.scenario)?;
    let subsystem = registry::find(&scenario.subsystem).expect("checked when loaded");
    let variant = args.variant.unwrap_or_else(|| scenario.variant.clone());
    subsystem.check_variant(&variant)?;
    let config = scenario.sim_config(args.seed);
    let report = subsystem
        .run(config.clone(), &scenario.workload, &variant)
        .map_err(anyhow::Error::msg)?;
    match args.trace {
        Some(TraceFormat::Text) => print!("{}", report.trace.to_text()),
        Some(TraceFormat::Json) => println!("{}", report.trace.to_json()),
        None => {}
    }
    let expect = if variant == scenario.variant {
        scenario.expect.clone()
    } else {
        asynclife::scenario::Expect::Pass
    };
    if matches(&expect, &report) {
        println!(
            "ok: {} (variant {variant}, seed {}): {:?} as expected, {} events, {} steps",
            scenario.path.display(),
            args.seed,
            report.verdict,
            report.trace.event_count,
            report.stats.steps
        );
        if !report.violations.is_empty() {
            report::print_violations(&report);
        }
        Ok(Outcome::AsExpected)
    } else {
        report::print_finding(&scenario, &variant, &config, &report, "unexpected outcome")?;
        Ok(Outcome::Finding)
    }
}
