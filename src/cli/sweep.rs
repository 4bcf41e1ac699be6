//! `asynclife sweep SCENARIO|DIR...`: many seeds per scenario, a progress bar, a summary
//! table, a failure file and a reproduce line for every unexpected outcome.

use super::{report, App, ArgError, Outcome};
use crate::scenario::{self, Expect, Scenario};
use crate::sweep::{sweep, SweepOptions, SweepResult};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::ops::Range;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario files, or directories to search for them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Seeds per scenario (default: each scenario's own `seeds`).
    #[arg(long, value_parser = super::count::<u64>)]
    seeds: Option<u64>,
    /// An explicit seed range `A..B` (B excluded), instead of --seeds.
    #[arg(long, value_parser = parse_range, conflicts_with = "seeds")]
    seed_range: Option<Range<u64>>,
    /// Run shard I of N (`I/N`, 0-based): N machines together cover the seeds exactly once.
    #[arg(long, value_parser = parse_shard)]
    shard: Option<(u64, u64)>,
    /// Worker threads (default: every core).
    #[arg(long, value_parser = super::count::<usize>)]
    jobs: Option<usize>,
    /// Run every seed instead of stopping at the first unexpected outcome.
    #[arg(long)]
    keep_going: bool,
    /// Run this variant instead of each scenario's own (the scenario then expects a pass).
    #[arg(long)]
    variant: Option<String>,
    /// One JSON object per scenario instead of the table.
    #[arg(long)]
    json: bool,
    /// Run every seed twice and compare the traces event by event: a difference is a
    /// `nondeterminism` finding naming the first event that differs.
    #[arg(long)]
    check_determinism: bool,
}

fn parse_range(text: &str) -> Result<Range<u64>, ArgError> {
    let (a, b) = text.split_once("..").ok_or_else(|| ArgError::NotARange {
        text: text.to_string(),
    })?;
    let (start, end) = (ArgError::number(a)?, ArgError::number(b)?);
    if start >= end {
        return Err(ArgError::EmptyRange { start, end });
    }
    Ok(start..end)
}

fn parse_shard(text: &str) -> Result<(u64, u64), ArgError> {
    let (i, n) = text.split_once('/').ok_or_else(|| ArgError::NotAShard {
        text: text.to_string(),
    })?;
    let (index, count) = (ArgError::number(i)?, ArgError::number(n)?);
    if count == 0 || index >= count {
        return Err(ArgError::NoSuchShard { index, count });
    }
    Ok((index, count))
}

/// The seeds of shard `i` of `n` within `range`: contiguous blocks, so that the shards
/// partition the range exactly.
/// The arithmetic is in 128 bits: `len * i` of two 64-bit numbers cannot overflow it, and
/// each bound is at most `range.end`.
pub fn shard_range(range: Range<u64>, shard: Option<(u64, u64)>) -> Range<u64> {
    let Some((i, n)) = shard else { return range };
    let len = u128::from(range.end - range.start);
    let at = |k: u64| {
        let offset = len * u128::from(k) / u128::from(n);
        range.start + u64::try_from(offset).expect("an offset within the range fits")
    };
    at(i)..at(i + 1)
}

/// The seeds `--seeds N` asks of a scenario that starts at `first`: refused, as bad input,
/// when they would run past the last seed, 2^64 - 1.
fn counted_range(first: u64, count: u64, path: &std::path::Path) -> anyhow::Result<Range<u64>> {
    match first.checked_add(count) {
        Some(end) => Ok(first..end),
        None => Err(anyhow::anyhow!(
            "--seeds {count}: {} starts at seed {first}, and {count} seeds from there pass the \
             last seed, {}",
            path.display(),
            u64::MAX
        )),
    }
}

pub fn run(args: SweepArgs, app: &App<'_>) -> anyhow::Result<Outcome> {
    // Every file is read and checked before anything runs.
    let mut scenarios = Vec::new();
    for path in &args.paths {
        if path.is_dir() {
            scenarios.extend(scenario::load_dir(path, app.registry)?);
        } else {
            scenarios.push(scenario::load(path, app.registry)?);
        }
    }
    if scenarios.is_empty() {
        anyhow::bail!("no scenario files found in {:?}", args.paths);
    }
    if let Some(v) = &args.variant {
        for s in &scenarios {
            app.registry
                .find(&s.subsystem)
                .expect("checked when loaded")
                .check_variant(v)?;
        }
    }
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let mut all_as_expected = true;
    let mut rows = Vec::new();
    for scenario in &scenarios {
        let range = match (&args.seed_range, args.seeds) {
            (Some(range), _) => range.clone(),
            (None, Some(n)) => counted_range(scenario.first_seed, n, &scenario.path)?,
            (None, None) => scenario.default_seeds(),
        };
        let seeds = shard_range(range, args.shard);
        let (ok, row) = sweep_one(app, scenario, &args, seeds, jobs)?;
        all_as_expected &= ok;
        rows.push(row);
    }
    if !args.json {
        print_table(&rows);
    }
    Ok(if all_as_expected {
        Outcome::AsExpected
    } else {
        Outcome::Finding
    })
}

struct Row {
    name: String,
    variant: String,
    seeds_run: u64,
    failed: u64,
    first_failing: Option<u64>,
    seeds_per_second: f64,
    verdict: &'static str,
}

fn sweep_one(
    app: &App<'_>,
    scenario: &Scenario,
    args: &SweepArgs,
    seeds: Range<u64>,
    jobs: usize,
) -> anyhow::Result<(bool, Row)> {
    let subsystem = app
        .registry
        .find(&scenario.subsystem)
        .expect("checked when loaded");
    let variant = args
        .variant
        .clone()
        .unwrap_or_else(|| scenario.variant.clone());
    // Another variant than the scenario's own is held to `fixed`'s standard: no violation.
    let mut scenario = scenario.clone();
    if variant != scenario.variant {
        scenario.expect = Expect::Pass;
    }
    let bar = progress_bar(&scenario, &variant, seeds.end - seeds.start, args.json);
    let options = SweepOptions {
        seeds: seeds.clone(),
        jobs,
        keep_going: args.keep_going,
        variant: Some(variant.clone()),
        check_determinism: args.check_determinism,
    };
    // Wall-clock time of the sweep itself, outside any simulation, for the seeds-per-second
    // figure only.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let result = sweep(&scenario, subsystem, &options, &|done, bad| {
        bar.set_position(done);
        bar.set_message(format!("{bad} unexpected"));
    })?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    let (ok, failure_files) = judge(app, &scenario, &variant, &result, &seeds, args.json)?;
    if !args.json {
        print_warnings(&scenario, &variant, &result);
    }
    let row = Row {
        name: scenario.name(),
        variant,
        seeds_run: result.seeds_run,
        failed: result.seeds_run - result.as_expected,
        first_failing: result.first_failing.as_ref().map(|o| o.seed),
        seeds_per_second: result.seeds_run as f64 / seconds,
        verdict: if ok { "ok" } else { "FINDING" },
    };
    if args.json {
        println!(
            "{}",
            json!({"scenario": scenario.path, "variant": row.variant, "seeds_run": row.seeds_run,
                   "passed": result.as_expected, "failed": row.failed,
                   "first_failing_seed": row.first_failing,
                   "seeds_with_warnings": result.seeds_with_warnings,
                   "unexpected_seeds": result.unexpected.iter().map(|o| o.seed).collect::<Vec<_>>(),
                   "failure_files": failure_files,
                   "seeds_per_second": (row.seeds_per_second * 10.0).round() / 10.0,
                   "as_expected": ok})
        );
    }
    Ok((ok, row))
}

/// Prints the findings of one scenario's sweep (to standard error when standard output is
/// JSON); whether everything was as expected, and the failure files written.
fn judge(
    app: &App<'_>,
    scenario: &Scenario,
    variant: &str,
    result: &SweepResult,
    seeds: &Range<u64>,
    json: bool,
) -> anyhow::Result<(bool, Vec<PathBuf>)> {
    let mut out: Box<dyn Write> = if json {
        Box::new(std::io::stderr().lock())
    } else {
        Box::new(std::io::stdout().lock())
    };
    let mut files = Vec::new();
    for outcome in &result.unexpected {
        files.extend(report::write_finding(
            &mut out,
            app,
            scenario,
            variant,
            &outcome.config,
            &outcome.report,
            "unexpected outcome",
        )?);
    }
    // An empty shard ran nothing: it cannot have missed anything.
    if let (Expect::Fails { name, .. }, false) = (&scenario.expect, seeds.is_empty()) {
        if result.first_failing.is_none() && result.unexpected.is_empty() {
            writeln!(
                out,
                "FINDING in {} (variant {variant}): expected `{name}` to fire within seeds \
                 {}..{}; it never did",
                scenario.path.display(),
                seeds.start,
                seeds.end
            )?;
            let args = format!(
                "sweep {} --seed-range {}..{}",
                scenario.path.display(),
                seeds.start,
                seeds.end
            );
            writeln!(out, "reproduce: {}", app.command(&args))?;
            return Ok((false, files));
        }
    }
    Ok((result.unexpected.is_empty(), files))
}

/// The warnings beside the verdicts: they decide nothing, but a person should see them.
fn print_warnings(scenario: &Scenario, variant: &str, result: &SweepResult) {
    if result.seeds_with_warnings == 0 {
        return;
    }
    println!(
        "warning in {} (variant {variant}): {} seed(s) carry a warning beside the verdict \
         (nothing failed because of it):",
        scenario.path.display(),
        result.seeds_with_warnings
    );
    for (seed, warning) in &result.warned {
        println!("  seed {seed}: {warning}");
    }
}

fn progress_bar(scenario: &Scenario, variant: &str, seeds: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(seeds);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:30} [{bar:30}] {pos}/{len} seeds {per_sec} {msg} eta {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(format!("{} ({variant})", scenario.name()));
    bar
}

fn print_table(rows: &[Row]) {
    println!(
        "\n{:<32} {:<24} {:>7} {:>10} {:>11} {:>9}  verdict",
        "scenario", "variant", "seeds", "unexpected", "first fail", "seeds/s"
    );
    for r in rows {
        println!(
            "{:<32} {:<24} {:>7} {:>10} {:>11} {:>9.0}  {}",
            r.name,
            r.variant,
            r.seeds_run,
            r.failed,
            r.first_failing.map_or("-".to_string(), |s| s.to_string()),
            r.seeds_per_second,
            r.verdict
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_range_exactly() {
        for n in 1..7 {
            let mut covered = Vec::new();
            for i in 0..n {
                covered.extend(shard_range(10..1010, Some((i, n))));
            }
            assert_eq!(covered, (10..1010).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn shards_of_ranges_near_the_top_of_u64_neither_overflow_nor_lose_seeds() {
        // Once `len * i` overflowed 64 bits here, and the shard ran 0 seeds.
        let range = 0..9_223_372_036_854_775_810;
        let halves = [
            shard_range(range.clone(), Some((0, 2))),
            shard_range(range.clone(), Some((1, 2))),
        ];
        assert_eq!(halves[0].start, 0);
        assert_eq!(halves[0].end, halves[1].start);
        assert_eq!(halves[1].end, range.end);
        assert_eq!(halves[1].end - halves[1].start, 4_611_686_018_427_387_905);
        let top = u64::MAX - 7..u64::MAX;
        let mut covered = Vec::new();
        for i in 0..7 {
            covered.extend(shard_range(top.clone(), Some((i, 7))));
        }
        assert_eq!(covered, top.collect::<Vec<_>>());
    }

    #[test]
    fn seeds_past_the_last_one_are_refused_naming_the_file() {
        let path = std::path::Path::new("scenarios/x.toml");
        assert_eq!(counted_range(5, 10, path).unwrap(), 5..15);
        let e = counted_range(1, u64::MAX, path).unwrap_err().to_string();
        assert!(
            e.contains("scenarios/x.toml") && e.contains("--seeds"),
            "{e}"
        );
        assert_eq!(counted_range(0, u64::MAX, path).unwrap(), 0..u64::MAX);
    }

    #[test]
    fn ranges_and_shards_are_parsed_strictly() {
        assert_eq!(parse_range("5..9"), Ok(5..9));
        assert_eq!(
            parse_range("9..5"),
            Err(ArgError::EmptyRange { start: 9, end: 5 })
        );
        assert!(parse_range("9").is_err());
        assert!(matches!(
            parse_range("5..x"),
            Err(ArgError::NotANumber { text, .. }) if text == "x"
        ));
        assert_eq!(parse_shard("1/4"), Ok((1, 4)));
        assert_eq!(
            parse_shard("4/4"),
            Err(ArgError::NoSuchShard { index: 4, count: 4 })
        );
        assert!(parse_shard("0/0").is_err());
        assert_eq!(
            parse_shard("0/0").unwrap_err().to_string(),
            "shard 0/0: need 0 <= I < N"
        );
    }
}
