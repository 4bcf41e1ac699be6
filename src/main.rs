//! The `asynclife` command line: list, run, sweep and replay scenarios.
//!
//! Exit codes: 0 when every outcome matched its scenario's expectation, 1 for a finding,
//! 2 for bad input (a scenario file, an argument, a failure file). Output cut short by its
//! reader (`asynclife list | head`) ends the process quietly, as it does any Unix tool.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    restore_default_sigpipe();
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

/// Rust ignores SIGPIPE, so a write to a closed pipe fails and `println!` panics with a
/// message and, under `RUST_BACKTRACE`, a backtrace. The default action ends the process
/// quietly instead. Nothing is left half-done by it: output and file writes happen one after
/// the other on this thread (sweep workers neither print nor write), so a failure file is
/// either written whole or not begun.
fn restore_default_sigpipe() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: no other thread exists yet, and the default action installs no handler code.
    if let Err(e) = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) } {
        eprintln!("warning: cannot restore the default SIGPIPE action: {e}");
    }
}
