//! Command-line arguments and dispatch to one module per command.

mod bench;
mod list;
mod replay;
mod report;
mod run;
mod shrink;
mod sweep;
mod trace;
mod zoo;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Deterministic simulation testing for async lifecycle bugs.
///
/// Runs the reference subsystems (actions, pidclean, tasks, rag) and their documented defects
/// under a deterministic scheduler with injected faults, and checks lifecycle invariants.
#[derive(Debug, Parser)]
#[command(name = "asynclife", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the scenarios, subsystems, variants and defects.
    List(list::ListArgs),
    /// Run one seed of a scenario and show the verdict (and the trace, if asked).
    Run(run::RunArgs),
    /// Run scenarios over many seeds; write a failure file for every unexpected outcome.
    Sweep(sweep::SweepArgs),
    /// Re-run a failure file bit for bit and check that its trace hash is reproduced.
    Replay(replay::ReplayArgs),
    /// Minimise a failure: fault rules, workload size and schedule, same violation.
    Shrink(shrink::ShrinkArgs),
    /// Every defect against its scenarios (detected?) and `fixed` (false alarms?).
    Zoo(zoo::ZooArgs),
    /// Render one run's trace: text, JSON, Chrome/Perfetto timeline, or SVG picture.
    Trace(trace::TraceArgs),
    /// Benchmarks: cleanup latency tables (`bench cleanup`).
    Bench(bench::BenchArgs),
}

/// How a trace is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TraceFormat {
    /// One event per line, virtual time first.
    Text,
    /// The whole trace as JSON.
    Json,
}

/// Whether every outcome was as expected.
pub enum Outcome {
    /// Exit 0.
    AsExpected,
    /// Exit 1: something fired that the scenario did not expect, or an expected failure
    /// never showed.
    Finding,
}

/// Where failure files go.
pub fn failures_dir() -> PathBuf {
    PathBuf::from("target/asynclife/failures")
}

/// Runs the command.
pub fn dispatch(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::List(args) => list::run(args),
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Shrink(args) => shrink::run(args),
        Command::Zoo(args) => zoo::run(args),
        Command::Trace(args) => trace::run(args),
        Command::Bench(args) => bench::run(args),
    }
}

/// A count of seeds or of worker threads: zero would run nothing and report on nothing, so it
/// is bad input (exit code 2), as an empty `--seed-range` is.
fn count<T>(text: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialEq + From<u8>,
    T::Err: std::fmt::Display,
{
    let n: T = text.parse().map_err(|e| format!("'{text}': {e}"))?;
    if n == T::from(0) {
        return Err("must be at least 1".to_string());
    }
    Ok(n)
}
