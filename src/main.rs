//! The `asynclife` command line over the four reference subsystems: list, run, sweep, replay,
//! shrink, zoo, trace and bench.
//!
//! Exit codes: 0 when every outcome matched its scenario's expectation, 1 for a finding,
//! 2 for bad input (a scenario file, an argument, a failure file). Output cut short by its
//! reader (`asynclife list | head`) ends the process quietly, as it does any Unix tool.

fn main() -> std::process::ExitCode {
    asynclife::cli::main(asynclife::reference::SUBSYSTEMS)
}
