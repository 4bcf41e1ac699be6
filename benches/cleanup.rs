//! Cleanup latency: pidclean's concurrent ends in virtual time, and real child processes
//! cleaned up on tokio, with the tables printed after criterion's report.
//!
//! `cargo bench --bench cleanup -- --warm-up-time 1 --measurement-time 3`
//!
//! - `cleanup_virtual/<variant>/<N>`: the wall-clock time the simulation takes to compute one
//!   row of the virtual-time table (`asynclife bench cleanup` prints the same rows).
//! - `cleanup_real/<exits|ignores>/<N>`: N real children (`sh` exec'ing `sleep 600`, ready
//!   once they said so on a pipe) cleaned up at the same instant on a current-thread tokio
//!   runtime with the reference procedure: SIGTERM, wait for the exit at most the grace,
//!   SIGKILL, reap. Criterion times the whole batch; the table after the report gives each
//!   cleanup's p50 and p99 over every batch criterion ran (warm-up included), and the lag a
//!   probe task on the same runtime measured meanwhile.
//!
//! The real side is written on `tokio::process` directly: `rt::process` has no real-process
//! side yet.

use asynclife::bench::cleanup::{self as virtual_table, CleanupRow, SESSION_COUNTS, VARIANTS};
use asynclife::bench::stats::{max, ms, percentile};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use std::collections::BTreeMap;
use std::io::Read;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How long a real cleanup waits for the exit after SIGTERM before SIGKILL. pidclean's grace
/// is 5 s; a shorter one keeps the children that ignore SIGTERM from making the bench last
/// minutes, and what is measured is the cost above the grace.
const GRACE: Duration = Duration::from_millis(200);

/// The period of the event-loop lag probe.
const PROBE_PERIOD: Duration = Duration::from_millis(1);

/// Concurrent cleanups of the real-process table.
const REAL_COUNTS: [usize; 3] = [1, 10, 100];

/// How a child answers SIGTERM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Dies of it (the default action).
    Exits,
    /// Ignores it (inherited across `exec`); only SIGKILL stops it.
    Ignores,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Exits => "exits",
            Kind::Ignores => "ignores",
        }
    }

    fn script(self) -> &'static str {
        match self {
            Kind::Exits => "echo ready; exec sleep 600",
            Kind::Ignores => "trap '' TERM; echo ready; exec sleep 600",
        }
    }
}

extern "C" {
    /// kill(2), from the C library std already links.
    fn kill(pid: i32, signal: i32) -> i32;
}

const SIGTERM: i32 = 15;

/// Sends SIGTERM to `pid`.
fn terminate(pid: u32) {
    let pid = i32::try_from(pid).expect("PIDs fit in pid_t");
    // SAFETY: kill(2) takes two integers and touches no memory of ours; the PID is our own
    // unreaped child, so it cannot have been reused.
    let status = unsafe { kill(pid, SIGTERM) };
    assert_eq!(status, 0, "SIGTERM to our own live child {pid}");
}

/// Starts a child of `kind` and returns once it is ready (its trap, if any, is set).
fn start_child(kind: Kind) -> Child {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(kind.script())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("sh starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut pipe = std::fs::File::from(stdout.into_owned_fd().expect("a pipe"));
    let mut ready = [0u8; 6];
    pipe.read_exact(&mut ready)
        .expect("the child says it is ready");
    assert_eq!(&ready, b"ready\n");
    child
}

/// The reference cleanup: SIGTERM, wait at most the grace, SIGKILL, reap. Returns how long
/// it took.
async fn clean_up(mut child: Child) -> Duration {
    let started = Instant::now();
    terminate(child.id().expect("not reaped yet"));
    if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
        child.start_kill().expect("SIGKILL to our own child");
        child.wait().await.expect("the killed child is reaped");
    }
    started.elapsed()
}

/// Records how late each wake-up of a 1 ms sleep loop comes, until aborted.
async fn lag_probe(lags: std::sync::Arc<std::sync::Mutex<Vec<Duration>>>) {
    let mut due = Instant::now() + PROBE_PERIOD;
    loop {
        tokio::time::sleep_until(due).await;
        let now = Instant::now();
        lags.lock().expect("lag samples").push(now - due);
        due = now + PROBE_PERIOD;
    }
}

/// What the real-process batches measured.
#[derive(Default)]
struct RealSamples {
    cleanups: Vec<Duration>,
    lags: Vec<Duration>,
    batches: usize,
}

/// Starts `n` children of `kind`, then cleans them all up at once with the lag probe
/// running; returns the batch's duration.
async fn batch(kind: Kind, n: usize, samples: &mut RealSamples) -> Duration {
    let children: Vec<Child> = (0..n).map(|_| start_child(kind)).collect();
    let lags = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let probe = tokio::spawn(lag_probe(lags.clone()));
    tokio::task::yield_now().await;
    let started = Instant::now();
    let mut cleanups = JoinSet::new();
    for child in children {
        cleanups.spawn(clean_up(child));
    }
    while let Some(took) = cleanups.join_next().await {
        samples
            .cleanups
            .push(took.expect("a cleanup does not panic"));
    }
    let elapsed = started.elapsed();
    probe.abort();
    let _ = probe.await;
    samples
        .lags
        .extend(lags.lock().expect("lag samples").iter());
    samples.batches += 1;
    elapsed
}

fn real_cleanups(c: &mut Criterion) -> BTreeMap<(Kind, usize), RealSamples> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds");
    let mut results = BTreeMap::new();
    let mut group = c.benchmark_group("cleanup_real");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for kind in [Kind::Exits, Kind::Ignores] {
        for n in REAL_COUNTS {
            let samples: &mut RealSamples = results.entry((kind, n)).or_default();
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(BenchmarkId::new(kind.name(), n), |b| {
                b.iter_custom(|iters| {
                    runtime.block_on(async {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            total += batch(kind, n, samples).await;
                        }
                        total
                    })
                })
            });
        }
    }
    group.finish();
    results.retain(|_, s| s.batches > 0);
    results
}

fn virtual_rows(c: &mut Criterion) -> Vec<CleanupRow> {
    let mut rows = BTreeMap::new();
    let mut group = c.benchmark_group("cleanup_virtual");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for n in SESSION_COUNTS {
        for variant in VARIANTS {
            group.bench_function(BenchmarkId::new(variant.name(), n), |b| {
                b.iter(|| {
                    let row = virtual_table::measure(variant, n, virtual_table::SEED);
                    rows.insert((n, variant), row);
                })
            });
        }
    }
    group.finish();
    rows.into_values().collect()
}

fn print_real_table(results: &BTreeMap<(Kind, usize), RealSamples>) {
    println!(
        "\nReal child processes on tokio current_thread (grace {} ms; lag probe every {} ms; ms):\n",
        GRACE.as_millis(),
        PROBE_PERIOD.as_millis()
    );
    println!(
        "| children | N | batches | cleanup p50 | cleanup p99 | lag p50 | lag p99 | lag max |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for ((kind, n), s) in results {
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.3} | {:.3} | {:.3} |",
            kind.name(),
            n,
            s.batches,
            ms(percentile(&s.cleanups, 0.50)),
            ms(percentile(&s.cleanups, 0.99)),
            ms(percentile(&s.lags, 0.50)),
            ms(percentile(&s.lags, 0.99)),
            ms(max(&s.lags)),
        );
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let rows = virtual_rows(&mut criterion);
    let real = real_cleanups(&mut criterion);
    criterion.final_summary();
    if !rows.is_empty() {
        println!(
            "\npidclean cleanup latency, virtual time (seed {}; ms):\n",
            virtual_table::SEED
        );
        print!("{}", virtual_table::markdown(&rows));
    }
    if !real.is_empty() {
        print_real_table(&real);
    }
}
