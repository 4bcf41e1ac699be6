//! Cleanup latency with real child processes: pidclean's own cleanup of N real agents ended at
//! the same instant, on a current-thread tokio runtime, on the wall clock, with a lag probe.
//!
//! Each cell (children kind, N) is one real run ([`asynclife_sim::real::run`]: time scale 1,
//! so `rt` time is tokio's clock; the store in memory) driving a pidclean [`Orchestrator`]
//! (variant `fixed`, grace from [`RealCleanupConfig`]). Its spawn worker starts the agents
//! through `rt::process`'s real side: `sh` scripts that connect at once and then run until
//! stopped, each the leader of its own process group, exiting on SIGTERM or ignoring it
//! (`trap '' TERM`). A round starts N sessions, waits until every agent is ready (connected,
//! its PID stored), then asks for the N ends at once with [`Orchestrator::end_session`]: the
//! reference cleanup (tombstone, PID lookup, SIGTERM, wait for the exit at most the grace,
//! SIGKILL, reap, delete the keys), in-memory store calls of a few microseconds included.
//! `end_session` is the way in because pidclean's cleanup procedure (`Cleaner`) is private
//! to the crate, and it finds the PID where production does.
//!
//! What a round measures:
//! - *cleanup*: each end, from when the N ends were asked for to its return;
//! - *lag*: how late each tick of a sleep loop on the same runtime (one tick per
//!   [`RealCleanupConfig::probe_period`]) woke, for the ticks due from the ask up to the first
//!   one due after the last end returned, so that every round has at least one. tokio's
//!   timer has 1 ms granularity: lags up to about 1 ms are the timer, not the cleanups.
//!
//! After each round every cleaned-up child is checked: reaped in `rt::process`'s table and
//! gone for the OS (`kill(pid, 0)`). Anything else, a cleanup that failed, and a finding of
//! the real run (an orphan) are the row's findings. This module reads the wall clock, through
//! `rt` outside any simulation: it is a benchmark, never simulated code.

use super::stats::{max, ms, percentile};
use asynclife_pidclean::journal::Journal;
use asynclife_pidclean::keys::STATUS_FIELD;
use asynclife_pidclean::{
    Agents, CleanupError, CleanupReport, Orchestrator, OrchestratorConfig, ProcessOutcome,
    SessionId, Variant,
};
use asynclife_sim::real::{self, RealConfig};
use asynclife_sim::rt::{self, kv, process};
use asynclife_sim::world::{Pid, ProcessSpec, ProcessState, TermBehavior};
use asynclife_sim::Instant;
use serde_json::{json, Value};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The numbers of concurrent cleanups of the table.
pub const CHILD_COUNTS: [usize; 3] = [1, 10, 100];

/// How a child answers SIGTERM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChildKind {
    /// Dies of it (the default disposition).
    ExitsOnTerm,
    /// Ignores it (`trap '' TERM`); only the SIGKILL after the grace stops it.
    IgnoresTerm,
}

impl ChildKind {
    /// Both kinds, in the table's order.
    pub const ALL: [ChildKind; 2] = [ChildKind::ExitsOnTerm, ChildKind::IgnoresTerm];

    /// The name in the table and in JSON: `exits` or `ignores`.
    pub fn name(self) -> &'static str {
        match self {
            ChildKind::ExitsOnTerm => "exits",
            ChildKind::IgnoresTerm => "ignores",
        }
    }

    fn on_term(self) -> TermBehavior {
        match self {
            ChildKind::ExitsOnTerm => TermBehavior::ExitAfter(Duration::ZERO),
            ChildKind::IgnoresTerm => TermBehavior::Ignore,
        }
    }
}

impl fmt::Display for ChildKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the real table is measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealCleanupConfig {
    /// How long a cleanup waits for the exit after SIGTERM before SIGKILL. pidclean's default
    /// is 5 s; a short one keeps children that ignore SIGTERM from making the table last
    /// minutes, and what matters for them is the cost above the grace.
    pub grace: Duration,
    /// Rounds per cell are enough to give at least this many cleanups...
    pub min_cleanups: usize,
    /// ...and at least this many rounds.
    pub min_rounds: usize,
    /// The lag probe's period.
    pub probe_period: Duration,
    /// The longest a round waits for its agents to be ready before it gives up.
    pub ready_timeout: Duration,
}

impl Default for RealCleanupConfig {
    /// Grace 200 ms, 50 cleanups and 5 rounds at least, a 1 ms probe: about 15 s for the
    /// whole table on a loaded 2-core machine, most of it 50 rounds of one child that
    /// ignores SIGTERM.
    fn default() -> Self {
        RealCleanupConfig {
            grace: Duration::from_millis(200),
            min_cleanups: 50,
            min_rounds: 5,
            probe_period: Duration::from_millis(1),
            ready_timeout: Duration::from_secs(30),
        }
    }
}

impl RealCleanupConfig {
    /// The rounds of the cell with `children` concurrent cleanups.
    pub fn rounds(&self, children: usize) -> usize {
        self.min_cleanups
            .div_ceil(children.max(1))
            .max(self.min_rounds)
            .max(1)
    }

    /// The table's caption, with the grace and the probe's period.
    pub fn caption(&self) -> String {
        format!(
            "pidclean cleanup latency with real child processes, tokio current_thread, wall \
             clock of this machine (grace {} ms; lag probe every {} ms; ms):",
            self.grace.as_millis(),
            self.probe_period.as_millis()
        )
    }
}

/// Why the real table could not be measured (findings are in the rows, not here).
#[derive(Debug)]
#[non_exhaustive]
pub enum RealCleanupError {
    /// `sh` cannot be started: real children are `sh -c` scripts.
    NoShell(String),
    /// The real run could not be set up, or its agents never became ready.
    Run(String),
}

impl fmt::Display for RealCleanupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RealCleanupError::NoShell(why) => write!(
                f,
                "cannot start child processes: `sh -c` failed ({why}); the real-process \
                 table needs a POSIX `sh` on the PATH"
            ),
            RealCleanupError::Run(why) => write!(f, "the real-process cleanups failed: {why}"),
        }
    }
}

impl std::error::Error for RealCleanupError {}

/// Checks that `sh` can be started, as real children need.
pub fn check_shell() -> Result<(), RealCleanupError> {
    let status = std::process::Command::new("sh")
        .args(["-c", "exit 0"])
        .stdin(std::process::Stdio::null())
        .status()
        .map_err(|e| RealCleanupError::NoShell(e.to_string()))?;
    match status.success() {
        true => Ok(()),
        false => Err(RealCleanupError::NoShell(format!(
            "`sh -c 'exit 0'` {status}"
        ))),
    }
}

/// What some rounds of one cell measured; [`RealSamples::absorb`] adds up several runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RealSamples {
    /// Rounds run.
    pub rounds: usize,
    /// Every cleanup's latency, from the ask to its return.
    pub cleanups: Vec<Duration>,
    /// Each round's duration, from the ask to the last return.
    pub batches: Vec<Duration>,
    /// The lag probe's lateness, every tick of every round.
    pub lags: Vec<Duration>,
    /// Cleanups that had to SIGKILL their child.
    pub killed: usize,
    /// What went wrong: failed cleanups, children alive after their cleanup, findings of
    /// the real run.
    pub findings: Vec<String>,
}

impl RealSamples {
    /// Adds `other`'s samples to these.
    pub fn absorb(&mut self, other: RealSamples) {
        self.rounds += other.rounds;
        self.cleanups.extend(other.cleanups);
        self.batches.extend(other.batches);
        self.lags.extend(other.lags);
        self.killed += other.killed;
        self.findings.extend(other.findings);
    }
}

/// One row: one children kind, one number of concurrent cleanups, every round of it.
#[derive(Clone, Debug, PartialEq)]
pub struct RealCleanupRow {
    /// How the children answer SIGTERM.
    pub kind: ChildKind,
    /// Children cleaned up at the same instant.
    pub children: usize,
    /// The grace of the cleanups.
    pub grace: Duration,
    /// Rounds measured.
    pub rounds: usize,
    /// Cleanups measured.
    pub cleanups: usize,
    /// Cleanups that had to SIGKILL their child.
    pub killed: usize,
    /// Median cleanup latency.
    pub cleanup_p50: Duration,
    /// 99th percentile of the same.
    pub cleanup_p99: Duration,
    /// Median lateness of the lag probe.
    pub lag_p50: Duration,
    /// The worst of it.
    pub lag_max: Duration,
    /// What went wrong (empty when every cleanup stopped and reaped its child).
    pub findings: Vec<String>,
}

impl RealCleanupRow {
    /// The row of `samples`, measured with `grace`.
    pub fn of(
        kind: ChildKind,
        children: usize,
        grace: Duration,
        samples: &RealSamples,
    ) -> RealCleanupRow {
        RealCleanupRow {
            kind,
            children,
            grace,
            rounds: samples.rounds,
            cleanups: samples.cleanups.len(),
            killed: samples.killed,
            cleanup_p50: percentile(&samples.cleanups, 0.50),
            cleanup_p99: percentile(&samples.cleanups, 0.99),
            lag_p50: percentile(&samples.lags, 0.50),
            lag_max: max(&samples.lags),
            findings: samples.findings.clone(),
        }
    }

    /// The row as JSON: `table` ("real"), `kind`, `n`, `cleanup_p50_ms`, `cleanup_p99_ms`,
    /// `lag_p50_ms`, `lag_max_ms`, plus `grace_ms`, `rounds`, `cleanups`, `killed` and the
    /// findings.
    pub fn to_json(&self) -> Value {
        json!({
            "table": "real",
            "kind": self.kind.name(),
            "n": self.children,
            "grace_ms": ms(self.grace),
            "rounds": self.rounds,
            "cleanups": self.cleanups,
            "killed": self.killed,
            "cleanup_p50_ms": ms(self.cleanup_p50),
            "cleanup_p99_ms": ms(self.cleanup_p99),
            "lag_p50_ms": ms(self.lag_p50),
            "lag_max_ms": ms(self.lag_max),
            "findings": self.findings,
        })
    }
}

/// The table as Markdown, one row per entry of `rows`, in their order.
pub fn markdown(rows: &[RealCleanupRow]) -> String {
    let mut out = String::from(
        "| children | N | rounds | cleanups | killed | cleanup p50 ms | cleanup p99 ms \
         | lag p50 ms | lag max ms | findings |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for r in rows {
        let findings = match r.findings.is_empty() {
            true => "-".to_string(),
            false => r.findings.join("; "),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} |\n",
            r.kind,
            r.children,
            r.rounds,
            r.cleanups,
            r.killed,
            ms(r.cleanup_p50),
            ms(r.cleanup_p99),
            ms(r.lag_p50),
            ms(r.lag_max),
            findings
        ));
    }
    out
}

/// Measures one row: [`RealCleanupConfig::rounds`] rounds of `children` concurrent cleanups.
pub fn measure(
    kind: ChildKind,
    children: usize,
    config: &RealCleanupConfig,
) -> Result<RealCleanupRow, RealCleanupError> {
    let samples = run_rounds(kind, children, config.rounds(children), config)?;
    Ok(RealCleanupRow::of(kind, children, config.grace, &samples))
}

/// Runs `rounds` rounds of `children` concurrent cleanups in one real run.
pub fn run_rounds(
    kind: ChildKind,
    children: usize,
    rounds: usize,
    config: &RealCleanupConfig,
) -> Result<RealSamples, RealCleanupError> {
    check_shell()?;
    let orchestrator_config = OrchestratorConfig {
        grace_ms: u64::try_from(config.grace.as_millis()).unwrap_or(u64::MAX),
        ..OrchestratorConfig::default()
    };
    orchestrator_config
        .validate()
        .map_err(|e| RealCleanupError::Run(format!("invalid grace: {e}")))?;
    let real_config = RealConfig {
        time_scale: 1.0,
        // The run's own probe would tick beside ours all the time: ours covers the cleanups.
        lag_probe_period: Duration::from_secs(3600),
        ..RealConfig::default()
    };
    let slot = Arc::new(Mutex::new(None));
    let out = slot.clone();
    let config = config.clone();
    let report = real::run(&real_config, move || async move {
        let measured = run_cell(kind, children, rounds, orchestrator_config, &config).await;
        *out.lock().expect("result slot") = Some(measured);
    })
    .map_err(|e| RealCleanupError::Run(e.to_string()))?;
    let measured = slot.lock().expect("result slot").take();
    let mut samples = match measured {
        Some(result) => result.map_err(RealCleanupError::Run)?,
        None => {
            let why: Vec<String> = report.violations.iter().map(|v| v.to_string()).collect();
            return Err(RealCleanupError::Run(why.join("; ")));
        }
    };
    samples
        .findings
        .extend(report.violations.iter().map(|v| v.to_string()));
    Ok(samples)
}

/// The agents of the bench: ready at once, then running until stopped.
struct BenchAgents(ChildKind);

impl Agents for BenchAgents {
    fn queue_delay(&self, _: &SessionId) -> Duration {
        Duration::ZERO
    }

    fn spec(&self, session: &SessionId) -> ProcessSpec {
        ProcessSpec {
            connect_after: Some(Duration::ZERO),
            on_term: self.0.on_term(),
            ..ProcessSpec::named(session.agent_name())
        }
    }
}

/// The rounds of one cell, on one orchestrator, inside a real run.
async fn run_cell(
    kind: ChildKind,
    children: usize,
    rounds: usize,
    orchestrator_config: OrchestratorConfig,
    config: &RealCleanupConfig,
) -> Result<RealSamples, String> {
    let agents = Arc::new(BenchAgents(kind));
    let orchestrator = Orchestrator::start(
        orchestrator_config,
        Variant::Fixed,
        agents,
        Journal::shared(),
    );
    let mut samples = RealSamples::default();
    for round in 0..rounds {
        let sessions = start_ready(&orchestrator, children, config).await?;
        let measured = end_all(&orchestrator, sessions, config.probe_period).await;
        samples.absorb(measured.into_samples(round));
    }
    if !orchestrator.shutdown(config.ready_timeout).await {
        samples
            .findings
            .push("the spawn worker did not finish after the last round".into());
    }
    Ok(samples)
}

/// Starts `children` sessions and waits until each one's agent is ready.
async fn start_ready(
    orchestrator: &Orchestrator,
    children: usize,
    config: &RealCleanupConfig,
) -> Result<Vec<SessionId>, String> {
    let mut sessions = Vec::with_capacity(children);
    for index in 0..children {
        let user = format!("bench-{index}");
        let session = orchestrator
            .start_session(&user, "bench")
            .await
            .map_err(|e| e.to_string())?;
        sessions.push(session);
    }
    const POLL: Duration = Duration::from_millis(1);
    let polls = config.ready_timeout.as_millis().max(1);
    let mut waiting: Vec<&SessionId> = sessions.iter().collect();
    for _ in 0..polls {
        let mut still = Vec::with_capacity(waiting.len());
        for session in waiting {
            let status = kv::hget(&session.session_key(), STATUS_FIELD).await;
            if !matches!(status.as_ref().map(Option::as_deref), Ok(Some("ready"))) {
                still.push(session);
            }
        }
        waiting = still;
        if waiting.is_empty() {
            return Ok(sessions);
        }
        rt::sleep(POLL).await;
    }
    Err(format!(
        "{} of {children} agents were not ready after {} ms (does `sh` run scripts?)",
        waiting.len(),
        config.ready_timeout.as_millis()
    ))
}

/// What one round measured, before it is checked.
struct Round {
    /// Each end's result and latency.
    ends: Vec<(Result<CleanupReport, CleanupError>, Duration)>,
    /// From the ask to the last return.
    batch: Duration,
    /// The probe's ticks: when each was due, and how late it woke.
    ticks: Vec<(Instant, Duration)>,
    /// When the last end returned.
    returned: Instant,
}

/// Ends every session at once, the lag probe running, and waits for every end.
async fn end_all(orchestrator: &Orchestrator, sessions: Vec<SessionId>, period: Duration) -> Round {
    let ticks = Arc::new(Mutex::new(Vec::new()));
    let probe = rt::spawn("lag-probe", lag_probe(period, ticks.clone()));
    // Lets the probe arm its first tick before the ends are asked for.
    rt::yield_now().await;
    let asked = rt::now();
    let handles: Vec<_> = sessions
        .into_iter()
        .map(|session| {
            let orchestrator = orchestrator.clone();
            rt::spawn("end", async move {
                let result = orchestrator.end_session(&session).await;
                (result, rt::now() - asked)
            })
        })
        .collect();
    let mut ends = Vec::with_capacity(handles.len());
    for handle in handles {
        ends.push(handle.await.expect("an end does not panic"));
    }
    let returned = rt::now();
    // Bounded: the probe ticks every period unless the loop is held, and nothing holds it now.
    for _ in 0..10_000 {
        let done = ticks
            .lock()
            .expect("lag ticks")
            .last()
            .is_some_and(|&(due, _)| due >= returned);
        if done {
            break;
        }
        rt::sleep(period).await;
    }
    probe.abort();
    let _ = probe.await;
    let ticks = std::mem::take(&mut *ticks.lock().expect("lag ticks"));
    Round {
        ends,
        batch: returned - asked,
        ticks,
        returned,
    }
}

/// Records when each tick was due and how late it woke, until aborted. A late tick is not
/// made up in a burst: each one measures one hold of the loop.
async fn lag_probe(period: Duration, ticks: Arc<Mutex<Vec<(Instant, Duration)>>>) {
    let mut due = rt::now() + period;
    loop {
        rt::sleep_until(due).await;
        let woke = rt::now();
        ticks.lock().expect("lag ticks").push((due, woke - due));
        due = woke + period;
    }
}

impl Round {
    /// The round's samples, with what went wrong in it (`round` numbers the findings).
    fn into_samples(self, round: usize) -> RealSamples {
        let mut samples = RealSamples {
            rounds: 1,
            batches: vec![self.batch],
            ..RealSamples::default()
        };
        // The ticks due during the cleanups, and the first one due after them.
        let mut ticks = self.ticks.into_iter();
        for (due, late) in ticks.by_ref() {
            samples.lags.push(late);
            if due >= self.returned {
                break;
            }
        }
        let mut failed = Vec::new();
        let mut alive = Vec::new();
        for (result, latency) in self.ends {
            samples.cleanups.push(latency);
            match result {
                Ok(report) => {
                    samples.killed += usize::from(report.outcome == ProcessOutcome::Killed);
                    match report.pid {
                        Some(pid) if is_left_alive(pid) => alive.push(pid.to_string()),
                        Some(_) => {}
                        None => failed.push(format!("{}: no agent PID found", report.session)),
                    }
                }
                Err(e) => failed.push(e.to_string()),
            }
        }
        if !failed.is_empty() {
            let n = failed.len();
            let first = &failed[0];
            samples.findings.push(format!(
                "round {round}: {n} cleanups failed (first: {first})"
            ));
        }
        if !alive.is_empty() {
            samples.findings.push(format!(
                "round {round}: children alive or unreaped after their cleanup: {}",
                alive.join(", ")
            ));
        }
        samples
    }
}

/// Whether `pid` outlived its cleanup: not reaped in `rt::process`'s table, or still there
/// for the OS (`kill(pid, 0)`; the table says reaped only once the OS has reaped it, so its
/// pid cannot have been reused this soon but by a rare wrap-around).
fn is_left_alive(pid: Pid) -> bool {
    let reaped = matches!(process::state(pid), Some(ProcessState::Reaped(_)));
    let os_pid = nix::unistd::Pid::from_raw(i32::try_from(pid.0).expect("OS pids fit in i32"));
    let os_alive = nix::sys::signal::kill(os_pid, None).is_ok();
    !reaped || os_alive
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn row(kind: ChildKind, children: usize) -> RealCleanupRow {
        RealCleanupRow {
            kind,
            children,
            grace: ms(200),
            rounds: 3,
            cleanups: 3 * children,
            killed: 0,
            cleanup_p50: Duration::from_micros(1_234),
            cleanup_p99: Duration::from_micros(2_500),
            lag_p50: Duration::from_micros(1_050),
            lag_max: ms(18),
            findings: Vec::new(),
        }
    }

    #[test]
    fn the_table_prints_one_line_per_row_with_two_decimals() {
        let mut ignores = row(ChildKind::IgnoresTerm, 10);
        ignores.killed = 30;
        ignores.cleanup_p50 = Duration::from_micros(201_510);
        ignores.findings = vec!["round 1: 1 cleanups failed (first: x)".into()];
        let table = markdown(&[row(ChildKind::ExitsOnTerm, 1), ignores]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines,
            [
                "| children | N | rounds | cleanups | killed | cleanup p50 ms | cleanup p99 ms \
                 | lag p50 ms | lag max ms | findings |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
                "| exits | 1 | 3 | 3 | 0 | 1.23 | 2.50 | 1.05 | 18.00 | - |",
                "| ignores | 10 | 3 | 30 | 30 | 201.51 | 2.50 | 1.05 | 18.00 \
                 | round 1: 1 cleanups failed (first: x) |",
            ]
        );
    }

    #[test]
    fn a_row_in_json_names_its_table_and_keeps_the_microseconds() {
        let json = row(ChildKind::ExitsOnTerm, 100).to_json();
        assert_eq!(
            json,
            json!({
                "table": "real",
                "kind": "exits",
                "n": 100,
                "grace_ms": 200.0,
                "rounds": 3,
                "cleanups": 300,
                "killed": 0,
                "cleanup_p50_ms": 1.234,
                "cleanup_p99_ms": 2.5,
                "lag_p50_ms": 1.05,
                "lag_max_ms": 18.0,
                "findings": [],
            })
        );
    }

    #[test]
    fn rounds_give_enough_cleanups_and_a_few_rounds_at_least() {
        let config = RealCleanupConfig::default();
        assert_eq!(config.rounds(1), 50);
        assert_eq!(config.rounds(10), 5);
        assert_eq!(config.rounds(100), 5);
        let once = RealCleanupConfig {
            min_cleanups: 1,
            min_rounds: 1,
            ..config
        };
        assert_eq!(once.rounds(2), 1);
        assert!(
            once.caption().contains("grace 200 ms"),
            "{}",
            once.caption()
        );
    }

    #[test]
    fn real_children_are_all_stopped_and_reaped_and_ignoring_term_costs_the_grace() {
        let config = RealCleanupConfig {
            min_cleanups: 1,
            min_rounds: 1,
            ..RealCleanupConfig::default()
        };
        for kind in ChildKind::ALL {
            for children in [1, 2] {
                let row = measure(kind, children, &config).expect("sh runs here");
                // A cleanup that failed, a child still there for the OS (`kill(pid, 0)`) or
                // not reaped in rt::process's table after its cleanup, or an orphan at the
                // end of the run, would each be a finding.
                assert!(row.findings.is_empty(), "{row:?}");
                assert_eq!((row.rounds, row.cleanups), (1, children), "{row:?}");
                match kind {
                    ChildKind::ExitsOnTerm => {
                        assert_eq!(row.killed, 0, "{row:?}");
                        assert!(row.cleanup_p99 < config.grace, "{row:?}");
                    }
                    ChildKind::IgnoresTerm => {
                        assert_eq!(row.killed, children, "{row:?}");
                        // With one or two samples the median is the quickest cleanup.
                        assert!(row.cleanup_p50 >= config.grace, "{row:?}");
                    }
                }
            }
        }
    }
}
