//! The `asynclife` command line: list, run, sweep and replay scenarios.
//!
//! Exit codes: 0 when every outcome matched its scenario's expectation, 1 for a finding,
//! 2 for bad input (a scenario file, an argument, a failure file).

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::dispatch(args) {
        Ok(cli::Outcome::AsExpected) => ExitCode::SUCCESS,
        Ok(cli::Outcome::Finding) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
