//! The command line as a library: [`main`] gives any crate's binary `list`, `run`, `sweep`,
//! `replay`, `shrink`, `zoo` and `trace` over the subsystems it registers, one module per
//! command.
//!
//! ```no_run
//! // src/bin/my-harness.rs of a user's crate (`asynclife` with `default-features = false`):
//! # use asynclife_sim::subsystem::{Subsystem, VariantInfo};
//! # struct MyService;
//! # impl Subsystem for MyService {
//! #     const NAME: &'static str = "mine";
//! #     type Workload = ();
//! #     type Variant = String;
//! #     fn variants() -> &'static [VariantInfo] { &[] }
//! #     fn main(_: (), _: String) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> {
//! #         Box::pin(async {})
//! #     }
//! # }
//! fn main() -> std::process::ExitCode {
//!     asynclife::cli::main(&[asynclife::register::<MyService>()])
//! }
//! ```

mod arg_error;
#[cfg(feature = "reference")]
mod bench;
mod failure_input;
mod list;
mod replay;
mod report;
mod run;
mod shrink;
mod sweep;
mod trace;
mod zoo;

use crate::registry::{Registered, Registry};
pub use arg_error::ArgError;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Deterministic simulation testing for async lifecycle bugs.
///
/// Runs the registered subsystems and their variants under a deterministic scheduler with
/// injected faults, and checks lifecycle invariants.
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
    #[cfg(feature = "reference")]
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

/// What every command knows: the subsystems, and how this program is run again.
pub struct App<'a> {
    /// The subsystems scenario and failure files may name.
    pub registry: Registry<'a>,
    /// The start of a command line that runs this program (`cargo run --release --`).
    pub program: String,
}

impl App<'_> {
    /// The command line that runs this program with `args`.
    pub fn command(&self, args: &str) -> String {
        format!("{} {args}", self.program)
    }
}

/// Where failure files go: `ASYNCLIFE_FAILURES_DIR`, as for checks, else
/// `target/asynclife/failures` under the current directory.
pub fn failures_dir() -> PathBuf {
    std::env::var_os(asynclife_sim::env::ASYNCLIFE_FAILURES_DIR)
        .map_or_else(|| PathBuf::from("target/asynclife/failures"), PathBuf::from)
}

/// The whole command line over `subsystems`: parses the arguments, runs the command, and
/// gives the exit code (0 as expected, 1 a finding, 2 bad input). The `asynclife` binary is
/// `main(asynclife::reference::SUBSYSTEMS)`; a user's binary registers its own.
pub fn main(subsystems: &[&'static dyn Registered]) -> ExitCode {
    restore_default_sigpipe();
    let program = program_name();
    let matches = Cli::command()
        .name(program.clone())
        .bin_name(program.clone())
        .get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let app = App {
        registry: Registry::new(subsystems),
        program: if program == "asynclife" {
            "cargo run --release --".to_string()
        } else {
            format!("cargo run --release --bin {program} --")
        },
    };
    match dispatch(cli, &app) {
        Ok(Outcome::AsExpected) => ExitCode::SUCCESS,
        Ok(Outcome::Finding) => ExitCode::from(1),
        Err(e) => {
            // Not `{e:#}`: our errors' text already includes what they wrap (their
            // `source()`), which the alternate form would print a second time.
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The running binary's name, as cargo built it.
fn program_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|a| {
            Path::new(&a)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "asynclife".to_string())
}

/// Runs the command.
pub fn dispatch(cli: Cli, app: &App<'_>) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::List(args) => list::run(args, app),
        Command::Run(args) => run::run(args, app),
        Command::Sweep(args) => sweep::run(args, app),
        Command::Replay(args) => replay::run(args, app),
        Command::Shrink(args) => shrink::run(args, app),
        Command::Zoo(args) => zoo::run(args, app),
        Command::Trace(args) => trace::run(args, app),
        #[cfg(feature = "reference")]
        Command::Bench(args) => bench::run(args),
    }
}

/// Rust ignores SIGPIPE, so a write to a closed pipe fails and `println!` panics with a
/// message and, under `RUST_BACKTRACE`, a backtrace. The default action ends the process
/// quietly instead. Nothing is left half-done by it: output and file writes happen one after
/// the other on this thread (sweep workers neither print nor write), and files are renamed
/// into place whole.
fn restore_default_sigpipe() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: called first thing in `main`, before the program starts any thread, and the
    // default action installs no handler code.
    if let Err(e) = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) } {
        eprintln!("warning: cannot restore the default SIGPIPE action: {e}");
    }
}

/// A count of seeds or of worker threads: zero would run nothing and report on nothing, so it
/// is bad input (exit code 2), as an empty `--seed-range` is.
fn count<T>(text: &str) -> Result<T, ArgError>
where
    T: std::str::FromStr<Err = std::num::ParseIntError> + PartialEq + From<u8>,
{
    let n: T = ArgError::number(text)?;
    if n == T::from(0) {
        return Err(ArgError::Zero);
    }
    Ok(n)
}
