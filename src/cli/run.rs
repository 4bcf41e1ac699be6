//! `asynclife run SCENARIO --seed N`: one seed, the verdict, and the trace on request.
//! `asynclife run SCENARIO --real`: the same workload once on real tokio, in real time scaled
//! by `--time-scale`, with real child processes and the store in memory or on Redis
//! (`ASYNCLIFE_REDIS_URL`); what real mode can check is checked at the end.

use super::{report, App, Outcome, TraceFormat};
use crate::registry::Registered;
use crate::scenario::{self, Expect, Scenario};
use crate::sweep::matches;
use asynclife_sim::env::ASYNCLIFE_REDIS_URL;
use asynclife_sim::real::{RealConfig, RealReport, StoreKind};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Run on real tokio in real time, with real child processes, instead of simulating.
    #[arg(long, conflicts_with = "trace")]
    real: bool,
    /// With --real: real seconds per second of the scenario (0.01: a 5 s grace takes 50 ms).
    #[arg(long, requires = "real", value_name = "SCALE")]
    time_scale: Option<f64>,
}

pub fn run(args: RunArgs, app: &App<'_>) -> anyhow::Result<Outcome> {
    let scenario = scenario::load(&args.scenario, app.registry)?;
    let subsystem = app
        .registry
        .find(&scenario.subsystem)
        .expect("checked when loaded");
    let variant = args
        .variant
        .clone()
        .unwrap_or_else(|| scenario.variant.clone());
    subsystem.check_variant(&variant)?;
    if args.real {
        return run_real(&args, app, &scenario, subsystem, &variant);
    }
    let config = scenario.sim_config(args.seed);
    let report = subsystem.run(config.clone(), &scenario.workload, &variant)?;
    match args.trace {
        Some(TraceFormat::Text) => print!("{}", report.trace.to_text()),
        Some(TraceFormat::Json) => println!("{}", report.trace.to_json()),
        None => {}
    }
    let expect = if variant == scenario.variant {
        scenario.expect.clone()
    } else {
        crate::scenario::Expect::Pass
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
        report::print_finding(
            app,
            &scenario,
            &variant,
            &config,
            &report,
            "unexpected outcome",
        )?;
        Ok(Outcome::Finding)
    }
}

/// `--real`: one real run of the scenario's workload, checked and reported.
fn run_real(
    args: &RunArgs,
    app: &App<'_>,
    scenario: &Scenario,
    subsystem: &dyn Registered,
    variant: &str,
) -> anyhow::Result<Outcome> {
    let config = RealConfig {
        seed: args.seed,
        time_scale: args.time_scale.unwrap_or(RealConfig::default().time_scale),
        ..RealConfig::from_env()
    };
    config
        .validate()
        .map_err(|e| anyhow::anyhow!("--time-scale: {}", e.message))?;
    let grace = Duration::from_secs(5).mul_f64(config.time_scale);
    println!(
        "real mode: time scaled by {} (a 5 s grace takes {})",
        config.time_scale,
        human(grace)
    );
    if !scenario.faults.rules.is_empty() {
        println!(
            "real mode: the scenario's fault plan is not injected (faults are simulated only)"
        );
    }
    let report = subsystem.run_real(&config, &scenario.workload, variant)?;
    print_real_summary(&report);
    let expect = match variant == scenario.variant {
        true => scenario.expect.clone(),
        false => Expect::Pass,
    };
    let as_expected = match &expect {
        Expect::Pass => report.passed(),
        Expect::Fails { .. } => report
            .violations
            .iter()
            .any(|v| expect.accepts(v.kind.name())),
    };
    if as_expected {
        println!(
            "ok: {} (variant {variant}, real): {} as expected",
            scenario.path.display(),
            verdict(&report)
        );
        for v in &report.violations {
            println!("  violation {v}");
        }
        return Ok(Outcome::AsExpected);
    }
    print_real_finding(app, scenario, variant, &config, &expect, &report);
    Ok(Outcome::Finding)
}

/// An unexpected real outcome: the violations, and the command that runs it again.
fn print_real_finding(
    app: &App<'_>,
    scenario: &Scenario,
    variant: &str,
    config: &RealConfig,
    expect: &Expect,
    report: &RealReport,
) {
    println!(
        "FINDING in {} (variant {variant}, real): unexpected outcome ({})",
        scenario.path.display(),
        verdict(report)
    );
    for v in &report.violations {
        println!("  violation {v}");
    }
    if let Expect::Fails { name, .. } = expect {
        if report.unchecked.iter().any(|n| n == name) {
            println!("  note: real mode does not check '{name}' (it has step checks)");
        }
    }
    let args = format!(
        "run {} --real --time-scale {} --seed {} --variant {variant}",
        scenario.path.display(),
        config.time_scale,
        config.seed
    );
    println!("reproduce: {}", app.command(&args));
}

fn verdict(report: &RealReport) -> &'static str {
    match report.passed() {
        true => "pass",
        false => "violations",
    }
}

/// What the run used and measured, and what it did not check.
fn print_real_summary(report: &RealReport) {
    let store = match &report.store {
        StoreKind::Memory => format!("in memory (set {ASYNCLIFE_REDIS_URL} to use Redis)"),
        other => other.to_string(),
    };
    println!("  store: {store}");
    println!(
        "  {} child processes; wall clock {}, scaled time {}",
        report.processes_spawned,
        human(report.wall_time),
        human(report.scaled_time)
    );
    let lag = &report.lag;
    println!(
        "  event-loop lag (wall clock, {} samples): p50 {}, p99 {}, max {} (blocked above {})",
        lag.samples,
        human(lag.p50),
        human(lag.p99),
        human(lag.max),
        human(report.blocked_lag_threshold)
    );
    println!("  keys left in the store: {}", report.keys_left.len());
    if !report.unchecked.is_empty() {
        println!(
            "  not checked in real mode (step invariants, bounds in scaled time): {}",
            report.unchecked.join(", ")
        );
    }
}

/// A duration for people: milliseconds below 10 s, seconds above.
fn human(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
