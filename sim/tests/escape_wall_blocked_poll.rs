//! `wall-blocked-poll`: a `std::thread::sleep` inside a task takes no virtual time, so the
//! `blocked-executor` detector cannot see it; the engine times each poll on the wall clock and
//! reports a poll over the threshold as a warning beside the verdict, never in the trace, the
//! hash or the verdict, unless the configuration makes it a finding. The same code waiting
//! with `rt::sleep` gets no warning.
//!
//! Each test sleeps at least twice its threshold: load only lengthens the sleep, so a busy
//! machine cannot turn one of these outcomes into the other, except the silent side, which
//! keeps the default 1 s threshold for polls that take microseconds.

use asynclife_sim::{rt, Sim, SimConfig, Verdict, ViolationKind};
use std::time::Duration;

fn config(threshold_ms: u64) -> SimConfig {
    SimConfig {
        wall_poll_threshold: Duration::from_millis(threshold_ms),
        ..SimConfig::with_seed(5)
    }
}

async fn thread_sleep_in_a_task() {
    let worker = rt::spawn("flusher", async {
        // Blocks the simulation's only thread; virtual time does not move. The escape on
        // purpose, that the clippy lint forbids.
        #[allow(clippy::disallowed_methods)]
        std::thread::sleep(Duration::from_millis(60));
    });
    worker.await.unwrap();
}

#[test]
fn a_thread_sleep_inside_a_task_is_a_warning_naming_the_task_and_the_run_still_passes() {
    let report = Sim::new(config(25)).run(thread_sleep_in_a_task);
    assert_eq!(report.verdict, Verdict::Pass, "a warning decides nothing");
    let w = report
        .warnings
        .iter()
        .find(|w| w.kind == ViolationKind::WallBlockedPoll)
        .expect("the 60 ms poll is over the 25 ms threshold");
    assert_eq!(w.task.as_ref().map(|t| t.name.as_str()), Some("flusher"));
    assert!(w.message.contains("threshold 25 ms"), "{}", w.message);
    assert!(w.message.contains("rt::sleep"), "{}", w.message);
    assert_eq!(report.stats.wall_blocked_polls, 1);
    assert!(report.to_string().contains("warning [wall-blocked-poll]"));
}

#[test]
fn the_warning_never_reaches_the_trace_or_its_hash() {
    let warned = Sim::new(config(25)).run(thread_sleep_in_a_task);
    let unwatched = Sim::new(config(0)).run(thread_sleep_in_a_task);
    assert_eq!(warned.warnings.len(), 1);
    assert!(
        unwatched.warnings.is_empty(),
        "a zero threshold turns it off"
    );
    assert_eq!(warned.trace_hash(), unwatched.trace_hash());
    assert_eq!(warned.trace.events(), unwatched.trace.events());
}

#[test]
fn made_a_finding_it_fails_the_run() {
    let report = Sim::new(SimConfig {
        wall_poll_is_finding: true,
        ..config(25)
    })
    .run(thread_sleep_in_a_task);
    assert!(report.has(&ViolationKind::WallBlockedPoll), "{report}");
    assert!(report.warnings.is_empty());
}

#[test]
fn the_same_wait_on_rt_sleep_gets_no_warning() {
    let report = Sim::new(SimConfig::with_seed(5)).run(|| async {
        let worker = rt::spawn("flusher", async {
            rt::sleep(Duration::from_millis(60)).await;
        });
        worker.await.unwrap();
    });
    report.assert_pass();
    assert!(report.warnings.is_empty(), "{report}");
    assert_eq!(report.stats.wall_blocked_polls, 0);
}

#[test]
fn a_check_passes_with_its_warned_seeds_counted() {
    let passed = asynclife_sim::Check::new("wall-warned")
        .seeds(2)
        .wall_poll_threshold(Duration::from_millis(25))
        .run_local(thread_sleep_in_a_task);
    assert_eq!(passed.seeds_with_warnings, 2);
}

#[asynclife_sim::test(seeds = 2, wall_poll_threshold_ms = 25, wall_poll_is_finding = true)]
#[should_panic(expected = "[wall-blocked-poll]")]
async fn the_test_attribute_takes_the_wall_settings() {
    thread_sleep_in_a_task().await;
}
