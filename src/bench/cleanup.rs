//! Cleanup latency in virtual time: N sessions of the pidclean orchestrator ended at the same
//! instant, per variant, measured exactly by the simulation (`asynclife_pidclean::bench`).
//!
//! The numbers are virtual time, so they are exact and the same on every machine: what a
//! variant's design costs, not how fast this machine is. Each row is one simulation of
//! [`Workload::concurrent_ends`] (half the agents ignore SIGTERM, the others exit 100 ms to
//! 2 s after it; a health request every 100 ms).

use super::stats::{max, ms, percentile};
use asynclife_pidclean::{run_workload, Variant, Workload};
use asynclife_sim::{rt, Instant, Sim, SimConfig};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The variants of the table: the reference, the seed's own fix, and the two defects that
/// change how long cleanups take.
pub const VARIANTS: [Variant; 4] = [
    Variant::Fixed,
    Variant::AsDocumented,
    Variant::BlockingCleanup,
    Variant::SerialCleanup,
];

/// The numbers of concurrent session ends of the table.
pub const SESSION_COUNTS: [usize; 4] = [1, 10, 100, 1000];

/// The seed of every row (any seed gives the same shape; this one is the table's).
pub const SEED: u64 = 1;

/// One row: one variant, one number of concurrent ends, one simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct CleanupRow {
    /// The orchestrator's variant.
    pub variant: Variant,
    /// Sessions ended at the same instant.
    pub sessions: usize,
    /// The simulation's seed.
    pub seed: u64,
    /// From the first cleanup asked for to the last one returned.
    pub total: Duration,
    /// Median duration of one cleanup, from when it was asked for to its return.
    pub cleanup_p50: Duration,
    /// 99th percentile of the same.
    pub cleanup_p99: Duration,
    /// The longest a client waited for its end request (the cleanup, plus whatever kept its
    /// handler from starting: a held executor, a lock).
    pub end_max: Duration,
    /// Median latency of the API requests due during the cleanups (from the first cleanup
    /// asked for to the last one returned), one every 100 ms: how long a request waited for
    /// the executor.
    pub health_p50: Duration,
    /// The worst of them.
    pub health_max: Duration,
    /// The names of the violations the run found, sorted, without repeats (the defects'
    /// own detectors fire here: `blocked-executor` for `blocking-cleanup`).
    pub findings: Vec<String>,
}

impl CleanupRow {
    /// The row as JSON: `total_ms`, `cleanup_p50_ms`, `cleanup_p99_ms`, `health_p50_ms`,
    /// `health_max_ms`, plus the variant, the count, the seed, `end_max_ms`, the findings,
    /// and `table` ("virtual": `bench cleanup --json` prints the real table's rows too).
    pub fn to_json(&self) -> Value {
        json!({
            "table": "virtual",
            "variant": self.variant.name(),
            "sessions": self.sessions,
            "seed": self.seed,
            "total_ms": ms(self.total),
            "cleanup_p50_ms": ms(self.cleanup_p50),
            "cleanup_p99_ms": ms(self.cleanup_p99),
            "end_max_ms": ms(self.end_max),
            "health_p50_ms": ms(self.health_p50),
            "health_max_ms": ms(self.health_max),
            "findings": self.findings,
        })
    }
}

/// Simulates `sessions` concurrent ends against `variant` with `seed` and measures them.
///
/// The run is `asynclife_pidclean::bench`'s (the same workload and engine configuration),
/// with one more task: an API probe that sends a request every `health_interval_ms` at fixed
/// times and notes when the executor serves it (`api_probe` below).
///
/// # Panics
/// If the run did not clean up every session (the workload is built so that all succeed).
pub fn measure(variant: Variant, sessions: usize, seed: u64) -> CleanupRow {
    let workload = Workload::concurrent_ends(sessions);
    let interval = Duration::from_millis(workload.health_interval_ms);
    let measured = Arc::new(Mutex::new(None));
    let probes = Arc::new(Mutex::new(Vec::new()));
    let (slot, samples) = (measured.clone(), probes.clone());
    let config = SimConfig {
        record_trace: false,
        ..SimConfig::with_seed(seed)
    };
    let report = Sim::new(config).run(move || async move {
        let probe = rt::spawn("api-probe", api_probe(interval, samples));
        let result = run_workload(workload, variant).await;
        probe.abort();
        let _ = probe.await;
        *slot.lock().expect("bench slot") = Some(result);
    });
    let measured = measured
        .lock()
        .expect("bench slot")
        .take()
        .expect("the workload returns before the run ends");
    assert_eq!(
        measured.cleanups.len(),
        sessions,
        "{variant} with {sessions} ends, seed {seed}: every session is cleaned up once"
    );
    let started = measured.cleanups.iter().map(|c| c.started_at).min();
    let finished = measured.cleanups.iter().map(|c| c.finished_at).max();
    let (Some(started), Some(finished)) = (started, finished) else {
        panic!("at least one session is ended");
    };
    let health: Vec<Duration> = probes
        .lock()
        .expect("probe samples")
        .iter()
        .filter(|(due, _)| *due >= started && *due < finished)
        .map(|&(_, latency)| latency)
        .collect();
    let mut findings: Vec<String> = report
        .violations
        .iter()
        .map(|v| v.kind.name().to_string())
        .collect();
    findings.sort();
    findings.dedup();
    CleanupRow {
        variant,
        sessions,
        seed,
        total: finished - started,
        cleanup_p50: percentile(&measured.cleanup_durations, 0.50),
        cleanup_p99: percentile(&measured.cleanup_durations, 0.99),
        end_max: max(&measured.end_latencies),
        health_p50: percentile(&health, 0.50),
        health_max: max(&health),
        findings,
    }
}

/// Sends an API request every `interval` at fixed times, from the start of the run, and
/// records each one's due time and latency (from due to served). A request is served in the
/// first poll of the probe after its due time: when the executor is held, every request due
/// meanwhile waits for it, each as its own client would.
///
/// The workload's own health probe skips the requests it missed (and loses the one pending
/// when it is stopped), which suits its invariant; this one counts every client.
async fn api_probe(interval: Duration, samples: Arc<Mutex<Vec<(Instant, Duration)>>>) {
    let mut due = rt::now();
    loop {
        rt::sleep_until(due).await;
        let now = rt::now();
        let mut samples = samples.lock().expect("probe samples");
        while due <= now {
            samples.push((due, now - due));
            due += interval;
        }
    }
}

/// The table as Markdown, one row per entry of `rows`, in their order.
pub fn markdown(rows: &[CleanupRow]) -> String {
    let mut out = String::from(
        "| variant | N | total ms | cleanup p50 ms | cleanup p99 ms | client max ms \
         | health p50 ms | health max ms | findings |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for r in rows {
        let findings = match r.findings.is_empty() {
            true => "-".to_string(),
            false => r.findings.join(", "),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.variant,
            r.sessions,
            fmt_ms(r.total),
            fmt_ms(r.cleanup_p50),
            fmt_ms(r.cleanup_p99),
            fmt_ms(r.end_max),
            fmt_ms(r.health_p50),
            fmt_ms(r.health_max),
            findings
        ));
    }
    out
}

/// Milliseconds with a thousands separator, and the fraction only when there is one.
pub fn fmt_ms(duration: Duration) -> String {
    let micros = duration.as_micros();
    let whole = group_thousands(micros / 1000);
    match micros % 1000 {
        0 => whole,
        fraction => format!("{whole}.{:03}", fraction)
            .trim_end_matches('0')
            .to_string(),
    }
}

fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn milliseconds_print_with_separators_and_only_needed_decimals() {
        assert_eq!(fmt_ms(ms(5_000)), "5,000");
        assert_eq!(fmt_ms(ms(1_234_567)), "1,234,567");
        assert_eq!(fmt_ms(Duration::from_micros(1_500)), "1.5");
        assert_eq!(fmt_ms(Duration::ZERO), "0");
    }

    #[test]
    fn the_blocking_cleanup_holds_every_probe_and_adds_up() {
        let row = measure(Variant::BlockingCleanup, 3, SEED);
        assert_eq!(row.total, ms(15_000));
        assert_eq!(row.cleanup_p99, ms(5_000));
        assert_eq!(row.end_max, ms(15_000));
        assert!(row.health_max >= ms(5_000), "{row:?}");
        assert!(row.findings.iter().any(|f| f == "blocked-executor"));
    }

    #[test]
    fn the_reference_answers_every_probe_at_once() {
        let row = measure(Variant::Fixed, 10, SEED);
        assert!(row.findings.is_empty(), "{row:?}");
        assert_eq!(row.health_max, Duration::ZERO);
        assert!(row.total <= ms(5_000), "{row:?}");
        assert!(row.cleanup_p50 < ms(5_000), "{row:?}");
    }
}
