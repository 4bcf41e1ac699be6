//! `asynclife bench cleanup|sweep`: the benchmark tables of `benches/README.md`, computed on
//! this machine.
//!
//! `bench cleanup` prints the virtual-time table (exact, the same everywhere), then the
//! real-process table (pidclean's cleanup of real `sh` children on tokio, this machine's wall
//! clock; `--no-real` skips it); `bench sweep` measures this machine's wall clock. Engine
//! throughput against tokio and madsim is a criterion bench and `benches/peers.sh` (see
//! `benches/README.md`).

use super::Outcome;
use crate::bench::cleanup::{self, CleanupRow};
use crate::bench::real_cleanup::{self, ChildKind, RealCleanupConfig, RealCleanupRow};
use crate::bench::sweep::{self as sweep_table, SweepRow, MAIN_SCENARIOS};
use crate::scenario;
use crate::sweep::{sweep, SweepOptions};
use asynclife_pidclean::Variant;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    table: Table,
}

#[derive(Debug, Subcommand)]
enum Table {
    /// pidclean's cleanup latency: N concurrent session ends per variant in virtual time,
    /// then N real child processes cleaned up at once on tokio (wall clock).
    Cleanup(CleanupArgs),
    /// Seeds per second of a sweep of each subsystem's main scenario, 1 job and all cores.
    Sweep(SweepArgs),
}

#[derive(Debug, Args)]
struct CleanupArgs {
    /// One JSON object per row instead of the tables: per (variant, N) of the virtual table
    /// (`"table": "virtual"`), then per (children, N) of the real one (`"table": "real"`).
    #[arg(long)]
    json: bool,
    /// Leave out the rows with more concurrent ends than this, in both tables (virtual: 1,
    /// 10, 100 and 1000; real: 1, 10 and 100).
    #[arg(long, default_value_t = 1000)]
    max_n: usize,
    /// Skip the real-process table (real `sh` children started and cleaned up on this
    /// machine, about 15 s of wall clock); print only the virtual-time table.
    #[arg(long)]
    no_real: bool,
    /// Only these variants (default: fixed, as-documented, blocking-cleanup,
    /// serial-cleanup).
    #[arg(long = "variant")]
    variants: Vec<String>,
    /// The seed of the virtual-time table's simulations.
    #[arg(long, default_value_t = cleanup::SEED)]
    seed: u64,
}

#[derive(Debug, Args)]
struct SweepArgs {
    /// Scenario files (default: each subsystem's main scenario).
    paths: Vec<PathBuf>,
    /// Seeds per sweep.
    #[arg(long, default_value_t = 2000, value_parser = super::count::<u64>)]
    seeds: u64,
    /// Worker threads of the second sweep (default: every core).
    #[arg(long, value_parser = super::count::<usize>)]
    jobs: Option<usize>,
    /// One JSON object per scenario instead of the table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: BenchArgs) -> anyhow::Result<Outcome> {
    match args.table {
        Table::Cleanup(args) => run_cleanup(args),
        Table::Sweep(args) => run_sweep(args),
    }
}

fn run_cleanup(args: CleanupArgs) -> anyhow::Result<Outcome> {
    let variants: Vec<Variant> = match args.variants.is_empty() {
        true => cleanup::VARIANTS.to_vec(),
        false => args
            .variants
            .iter()
            .map(|name| name.parse())
            .collect::<Result<_, _>>()?,
    };
    if !args.no_real {
        // Bad input is found before anything is measured or printed.
        real_cleanup::check_shell()
            .map_err(|e| anyhow::anyhow!("{e} (--no-real skips the real-process table)"))?;
    }
    print_virtual_table(&args, &variants);
    if args.no_real {
        return Ok(Outcome::AsExpected);
    }
    let rows = print_real_table(&args)?;
    // A finding in the real table is a cleanup that failed or left a child behind.
    Ok(match rows.iter().all(|r| r.findings.is_empty()) {
        true => Outcome::AsExpected,
        false => Outcome::Finding,
    })
}

fn print_virtual_table(args: &CleanupArgs, variants: &[Variant]) {
    let counts = cleanup::SESSION_COUNTS.iter().filter(|&&n| n <= args.max_n);
    let mut rows: Vec<CleanupRow> = Vec::new();
    for &n in counts {
        for &variant in variants {
            let (row, seconds) = timed(|| cleanup::measure(variant, n, args.seed));
            // Wall clock of the simulation, for whoever wonders why N = 1000 takes a while.
            eprintln!("{variant} N={n}: simulated in {seconds:.2} s");
            if args.json {
                println!("{}", row.to_json());
            }
            rows.push(row);
        }
    }
    if !args.json {
        println!(
            "pidclean cleanup latency, virtual time (seed {}; ms):\n",
            args.seed
        );
        print!("{}", cleanup::markdown(&rows));
    }
}

/// Measures and prints the real-process table; an error when a child cannot be started.
fn print_real_table(args: &CleanupArgs) -> anyhow::Result<Vec<RealCleanupRow>> {
    let config = RealCleanupConfig::default();
    let mut rows = Vec::new();
    for kind in ChildKind::ALL {
        for n in real_cleanup::CHILD_COUNTS
            .into_iter()
            .filter(|&n| n <= args.max_n)
        {
            let (row, seconds) = timed(|| real_cleanup::measure(kind, n, &config));
            let row = row?;
            eprintln!("real {kind} N={n}: measured in {seconds:.2} s");
            if args.json {
                println!("{}", row.to_json());
            }
            rows.push(row);
        }
    }
    if !args.json {
        println!("\n{}\n", config.caption());
        print!("{}", real_cleanup::markdown(&rows));
    }
    Ok(rows)
}

fn run_sweep(args: SweepArgs) -> anyhow::Result<Outcome> {
    let paths: Vec<PathBuf> = match args.paths.is_empty() {
        true => MAIN_SCENARIOS.iter().map(PathBuf::from).collect(),
        false => args.paths.clone(),
    };
    let scenarios = paths
        .iter()
        .map(|p| scenario::load(p, crate::reference::registry()))
        .collect::<Result<Vec<_>, _>>()?;
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let mut rows = Vec::new();
    for scenario in &scenarios {
        let subsystem = crate::reference::registry()
            .find(&scenario.subsystem)
            .expect("checked when loaded");
        let rate = |jobs: usize| -> anyhow::Result<(f64, u64)> {
            let options = SweepOptions {
                seeds: scenario.first_seed..scenario.first_seed + args.seeds,
                jobs,
                keep_going: true,
                variant: None,
                check_determinism: false,
            };
            let (result, seconds) = timed(|| sweep(scenario, subsystem, &options, &|_, _| {}));
            let result = result?;
            let unexpected = result.seeds_run - result.as_expected;
            Ok((result.seeds_run as f64 / seconds.max(1e-9), unexpected))
        };
        let (one_job_per_second, bad_one) = rate(1)?;
        let (all_jobs_per_second, bad_all) = rate(jobs)?;
        let row = SweepRow {
            subsystem: scenario.subsystem.clone(),
            scenario: scenario.name(),
            seeds: args.seeds,
            one_job_per_second,
            jobs,
            all_jobs_per_second,
            unexpected: bad_one.max(bad_all),
        };
        if args.json {
            println!("{}", row.to_json());
        }
        rows.push(row);
    }
    if !args.json {
        println!(
            "sweep throughput, {} seeds per sweep (wall clock of this machine):\n",
            args.seeds
        );
        print!("{}", sweep_table::markdown(&rows));
    }
    let all_as_expected = rows.iter().all(|r| r.unexpected == 0);
    Ok(match all_as_expected {
        true => Outcome::AsExpected,
        false => Outcome::Finding,
    })
}

/// Runs `f` and returns its result and the wall-clock seconds it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    // Wall clock around whole simulations and sweeps, outside any simulation: only the
    // rates and timings printed read it.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let value = f();
    (value, started.elapsed().as_secs_f64())
}
