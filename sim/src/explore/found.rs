//! `Found`: what a failing check reports, as a value and as the text its panic prints.

use super::files::WriteError;
use super::origin::TestOrigin;
use crate::report::Report;
use crate::runtime::Policy;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// A failing seed of a [`Check`](crate::Check): the run (shrunk when it could be), its
/// failure file, and how to run it again.
#[derive(Debug)]
pub struct Found {
    /// The check's name.
    pub name: String,
    /// The policy the seeds ran under.
    pub policy: Policy,
    /// The seeds the check was to run.
    pub seeds: Range<u64>,
    /// The failing run: after shrinking, the shrunk one (what the failure file replays).
    pub report: Report,
    /// What shrinking achieved, when it ran.
    pub shrunk: Option<ShrinkSummary>,
    /// The failure file, or why it could not be written.
    pub file: Result<PathBuf, WriteError>,
    /// The test it ran in.
    pub origin: TestOrigin,
    /// Set when the run was a replay of a failure file.
    pub replayed: Option<Replayed>,
}

/// Sizes before and after shrinking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShrinkSummary {
    /// Trace events, before and after.
    pub events: (u64, u64),
    /// Scheduling decisions, before and after.
    pub decisions: (usize, usize),
    /// Fault rules, before and after.
    pub fault_rules: (usize, usize),
    /// Candidate runs tried.
    pub runs: u64,
}

/// How a replayed failure compared with its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    /// The trace hash matched the file's.
    pub bit_for_bit: bool,
    /// The hash the file recorded.
    pub recorded_hash: String,
}

impl Found {
    /// The line that replays the failure, when its file was written.
    pub fn reproduce_line(&self) -> Option<String> {
        self.file
            .as_ref()
            .ok()
            .map(|path| self.origin.replay_line(path))
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seed = self.report.seed;
        match &self.replayed {
            None => writeln!(
                f,
                "asynclife: check '{}' failed at seed {seed} (seeds {}..{}, policy {})",
                self.name,
                self.seeds.start,
                self.seeds.end,
                policy_name(&self.policy)
            )?,
            Some(r) if r.bit_for_bit => writeln!(
                f,
                "asynclife: check '{}': replay reproduced seed {seed} bit for bit (trace hash \
                 {}); it still fails",
                self.name, r.recorded_hash
            )?,
            Some(r) => writeln!(
                f,
                "asynclife: check '{}': the replay of seed {seed} still fails, but its trace \
                 hash is {:016x} where the file recorded {}: the code changed since the file \
                 was written, or the test is not deterministic",
                self.name,
                self.report.trace_hash(),
                r.recorded_hash
            )?,
        }
        writeln!(f, "{}", self.report)?;
        if let Some(s) = &self.shrunk {
            writeln!(
                f,
                "shrunk: schedule decisions {} -> {}, fault rules {} -> {}, trace events {} -> \
                 {} ({} runs)",
                s.decisions.0,
                s.decisions.1,
                s.fault_rules.0,
                s.fault_rules.1,
                s.events.0,
                s.events.1,
                s.runs
            )?;
        }
        match &self.file {
            Ok(path) => {
                writeln!(f, "failure file: {}", path.display())?;
                if self.replayed.is_none() {
                    writeln!(f, "the seed alone: {}", self.origin.seed_line(seed))?;
                }
                write!(f, "reproduce: {}", self.origin.replay_line(path))
            }
            Err(e) => write!(
                f,
                "no failure file: {e}\nreproduce: {}",
                self.origin.seed_line(seed)
            ),
        }
    }
}

/// A policy as a person names it.
fn policy_name(policy: &Policy) -> String {
    match policy {
        Policy::Random => "random".to_string(),
        Policy::Pct {
            depth,
            horizon: None,
        } => format!("pct depth {depth}"),
        Policy::Pct {
            depth,
            horizon: Some(h),
        } => format!("pct depth {depth} over {h} decisions"),
        Policy::Fifo => "fifo".to_string(),
        Policy::Replay(s) => format!("replay of {} decisions", s.len()),
    }
}
