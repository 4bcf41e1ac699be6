//! The event budget (`SimConfig::max_events`) bounds a run's memory and time whatever its
//! workload's size, as `budget`; and what the end checks find after a run that a bound cut
//! short is marked as following from the cut, not reported as the code's own fault.

use asynclife_sim::check::{always, at_end};
use asynclife_sim::{rt, Report, Sim, SimConfig, Verdict};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

fn kinds(report: &Report) -> Vec<&str> {
    report.violations.iter().map(|v| v.kind.name()).collect()
}

/// Ten workers that each sleep and yield a few times.
async fn ten_workers() {
    let mut set = rt::JoinSet::new();
    for i in 0..10 {
        set.spawn(format!("worker-{i}"), async {
            for _ in 0..5 {
                rt::sleep(Duration::from_millis(3)).await;
                rt::yield_now().await;
            }
        });
    }
    while let Some(done) = set.join_next().await {
        done.unwrap();
    }
}

fn with_budget(max_events: u64) -> SimConfig {
    SimConfig {
        max_events,
        ..SimConfig::with_seed(3)
    }
}

#[test]
fn the_budget_is_exact_a_run_of_e_events_passes_with_e_plus_one_and_not_with_e() {
    let full = Sim::new(SimConfig::with_seed(3)).run(ten_workers);
    assert_eq!(full.verdict, Verdict::Pass);
    let events = full.trace.event_count;
    assert!(
        events > 100,
        "the workload makes a few hundred events: {events}"
    );

    let enough = Sim::new(with_budget(events + 1)).run(ten_workers);
    assert_eq!(enough.verdict, Verdict::Pass, "{enough}");
    assert_eq!(
        enough.trace_hash(),
        full.trace_hash(),
        "the budget changes nothing"
    );

    let short = Sim::new(with_budget(events)).run(ten_workers);
    assert_eq!(kinds(&short), ["budget"], "{short}");
    assert!(
        short.violations[0]
            .message
            .contains(&format!("event budget of {events} events")),
        "{}",
        short.violations[0].message
    );
}

#[test]
fn a_workload_that_spawns_past_the_budget_in_one_poll_is_stopped_its_futures_dropped() {
    const SPAWNS: u64 = 8_000;
    let dropped = Arc::new(AtomicU64::new(0));
    let polled = Arc::new(AtomicU64::new(0));
    let (d, p) = (dropped.clone(), polled.clone());
    let report = Sim::new(with_budget(1_000)).run(move || async move {
        struct CountDrop(Arc<AtomicU64>);
        impl Drop for CountDrop {
            fn drop(&mut self) {
                self.0.fetch_add(1, Relaxed);
            }
        }
        let mut handles = Vec::new();
        // All in one poll: the loop never awaits, so only the spawn can refuse.
        for i in 0..SPAWNS {
            let guard = CountDrop(d.clone());
            let polled = p.clone();
            handles.push(rt::spawn(format!("session-{i}"), async move {
                let _guard = guard;
                polled.fetch_add(1, Relaxed);
            }));
        }
        let last = handles.pop().expect("spawned");
        let err = last.await.expect_err("a refused spawn never runs");
        assert!(err.is_cancelled(), "its handle says cancelled: {err}");
    });
    assert_eq!(kinds(&report), ["budget"], "{report}");
    let refused = report.stats.spawns_refused;
    assert!(refused > SPAWNS - 1_000, "refused {refused}");
    assert!(
        report.violations[0]
            .message
            .contains(&format!("{refused} spawn(s) past it were refused")),
        "{}",
        report.violations[0].message
    );
    assert_eq!(
        polled.load(Relaxed),
        0,
        "the main task's poll spent the budget: no task ran"
    );
    assert_eq!(
        dropped.load(Relaxed),
        SPAWNS,
        "every future is dropped, refused or not"
    );
    assert!(
        report.trace.event_count < 2_000,
        "no events past the poll that spent the budget: {}",
        report.trace.event_count
    );
}

/// A poll that spawns for ever never returns, and nothing can preempt it: past 10,000 refused
/// spawns the spawn panics in it, which ends the run as a budget finding. (Refusing alone,
/// this test never finished.)
#[test]
fn a_poll_that_spawns_for_ever_is_stopped_by_its_spawn() {
    let report = Sim::new(with_budget(1_000)).run(|| async {
        loop {
            drop(rt::spawn("worker", async {}));
        }
    });
    assert_eq!(kinds(&report), ["main-panicked", "budget"], "{report}");
    assert_eq!(report.stats.spawns_refused, 10_000);
    let panicked = &report.violations[0].message;
    assert!(
        panicked.contains("went on spawning: 10000 spawns refused"),
        "{panicked}"
    );
}

#[test]
fn the_budget_is_a_scenario_setting_and_zero_is_refused() {
    let section: asynclife_sim::SimSection = toml_section("max_events = 5000");
    let config = section.config(1, &Default::default());
    assert_eq!(config.max_events, 5_000);
    let zero = SimConfig {
        max_events: 0,
        ..SimConfig::default()
    };
    assert_eq!(
        Sim::try_new(zero).err().map(|e| e.field),
        Some("max_events".into())
    );
    assert_eq!(
        SimConfig::default().max_events,
        asynclife_sim::DEFAULT_MAX_EVENTS
    );
}

fn toml_section(text: &str) -> asynclife_sim::SimSection {
    toml::from_str(text).expect("a [sim] section")
}

/// A subsystem whose end check needs its work finished, and whose work a ticker stretches
/// past the step bound: the end check fires because the run was cut short.
async fn work_cut_short(done: Rc<Cell<bool>>) {
    let flag = done.clone();
    rt::invariant(at_end("work-finished", move |_| match flag.get() {
        true => Ok(()),
        false => Err("the work never finished".into()),
    }));
    for _ in 0..1_000 {
        rt::sleep(Duration::from_millis(1)).await;
    }
    done.set(true);
}

#[test]
fn end_checks_after_a_hang_are_marked_as_following_from_it() {
    let config = SimConfig {
        max_steps: 100,
        ..SimConfig::with_seed(1)
    };
    let report = Sim::new(config).run(|| work_cut_short(Rc::new(Cell::new(false))));
    assert_eq!(kinds(&report), ["hang", "work-finished"], "{report}");
    assert!(
        !report.violations[0].after_cut_short,
        "the hang is the finding"
    );
    let follows = &report.violations[1];
    assert!(follows.after_cut_short);
    let shown = follows.to_string();
    assert!(
        shown.contains("after the run was cut short"),
        "the display says so: {shown}"
    );
    let json = serde_json::to_string(follows).unwrap();
    assert!(json.contains("\"after_cut_short\":true"), "{json}");
    let back: asynclife_sim::Violation = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, follows);
}

#[test]
fn an_end_check_that_fails_on_a_run_that_finished_is_not_marked() {
    let report = Sim::new(SimConfig::with_seed(1)).run(|| async {
        rt::invariant(at_end("work-finished", |_| Err("never".into())));
    });
    assert_eq!(kinds(&report), ["work-finished"]);
    assert!(!report.violations[0].after_cut_short);
    let json = serde_json::to_string(&report.violations[0]).unwrap();
    assert!(
        !json.contains("after_cut_short"),
        "absent when false: {json}"
    );
}

#[test]
fn a_step_invariant_that_fired_before_the_cut_is_not_marked() {
    let config = SimConfig {
        max_steps: 100,
        ..SimConfig::with_seed(1)
    };
    let report = Sim::new(config).run(|| async {
        let steps = Rc::new(Cell::new(0u32));
        rt::invariant(always("under-fifty-steps", move |_| {
            steps.set(steps.get() + 1);
            match steps.get() < 50 {
                true => Ok(()),
                false => Err("fifty steps".into()),
            }
        }));
        for _ in 0..1_000 {
            rt::sleep(Duration::from_millis(1)).await;
        }
    });
    assert_eq!(kinds(&report), ["under-fifty-steps", "hang"], "{report}");
    assert!(report.violations.iter().all(|v| !v.after_cut_short));
}

/// PCT with a depth of a million over a run longer than its default horizon (2,000 decisions), so
/// that every change point is reached: the points are walked once, by a cursor, and the run costs
/// the depth plus its steps. Removing each point as its step came scanned and shifted the
/// million per demotion: this run took about a minute that way (release test profile).
#[test]
fn a_pct_depth_of_a_million_costs_its_depth_not_its_square() {
    let config = SimConfig {
        policy: asynclife_sim::Policy::pct(1_000_000),
        ..SimConfig::with_seed(5)
    };
    let report = Sim::new(config).run(|| async {
        let mut set = rt::JoinSet::new();
        for i in 0..4 {
            set.spawn(format!("yielder-{i}"), async {
                for _ in 0..1_000 {
                    rt::yield_now().await;
                }
            });
        }
        while let Some(done) = set.join_next().await {
            done.unwrap();
        }
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", kinds(&report));
    assert!(report.stats.steps > 4_000, "{} steps", report.stats.steps);
}
