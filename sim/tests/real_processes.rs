//! Real mode's processes: `rt::process` outside a simulation starts real children that
//! connect, exit, crash and handle SIGTERM as their spec says, and a real run kills whatever
//! is left. These tests start `sh` children and take tens of milliseconds of wall clock.

use asynclife_sim::real::{self, RealConfig, RealReport};
use asynclife_sim::rt::{self, process};
use asynclife_sim::world::TermBehavior;
use asynclife_sim::world::{ExitStatus, Pid, ProcessError, ProcessSpec, ProcessState, Signal};
use asynclife_sim::ViolationKind;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Runs `main` for real at scale 0.01 (one scaled second is 10 ms).
fn run_real<F, Fut>(main: F) -> RealReport
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    real::run(&RealConfig::default(), main).expect("the default configuration is valid")
}

/// Whether the OS still runs `pid` (a zombie does not count).
fn os_alive(pid: Pid) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z')
        })
        .unwrap_or(false)
}

#[test]
fn an_agent_connects_then_exits_on_sigterm_after_its_delay() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let out = seen.clone();
    let report = run_real(|| async move {
        let pid = process::spawn(ProcessSpec {
            connect_after: Some(secs(2)),
            on_term: TermBehavior::ExitAfter(secs(3)),
            ..ProcessSpec::named("agent")
        });
        assert_eq!(process::state(pid), Some(ProcessState::Starting));
        assert_eq!(process::wait_connected(pid).await, Ok(true));
        process::signal(pid, Signal::Term).unwrap();
        let sent = rt::now();
        // A second SIGTERM neither hastens nor postpones the exit.
        rt::sleep(secs(1)).await;
        process::signal(pid, Signal::Term).unwrap();
        let status = process::wait(pid).await;
        out.lock().unwrap().push((status, rt::now() - sent));
        assert_eq!(
            process::try_wait(pid),
            Err(ProcessError::NoSuchProcess(pid))
        );
        assert_eq!(
            process::signal(pid, Signal::Kill),
            Err(ProcessError::NoSuchProcess(pid))
        );
    });
    assert!(report.passed(), "{:#?}", report.violations);
    let seen = seen.lock().unwrap();
    let (status, took) = &seen[0];
    assert_eq!(*status, Ok(ExitStatus::Signal(Signal::Term)));
    assert!(
        *took >= secs(3) && *took < secs(6),
        "exit 3 scaled seconds after SIGTERM, took {took:?}"
    );
    assert_eq!(report.processes_spawned, 1);
}

#[test]
fn crash_exit_ignore_and_kill_end_as_the_simulated_table_says() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let out = seen.clone();
    let report = run_real(|| async move {
        let crash = process::spawn(ProcessSpec {
            crash_after: Some(secs(1)),
            ..ProcessSpec::named("crasher")
        });
        let exit = process::spawn(ProcessSpec {
            exit_after: Some(secs(1)),
            ..ProcessSpec::named("exiter")
        });
        let stubborn = process::spawn(ProcessSpec {
            on_term: TermBehavior::Ignore,
            ..ProcessSpec::named("stubborn")
        });
        let mut results = vec![process::wait(crash).await, process::wait(exit).await];
        assert_eq!(
            process::wait_connected(exit).await,
            Err(ProcessError::NoSuchProcess(exit))
        );
        process::signal(stubborn, Signal::Term).unwrap();
        let ignored = rt::timeout(secs(2), process::wait(stubborn)).await;
        assert!(ignored.is_err(), "SIGTERM is ignored");
        process::signal(stubborn, Signal::Kill).unwrap();
        results.push(process::wait(stubborn).await);
        out.lock().unwrap().extend(results);
    });
    assert!(report.passed(), "{:#?}", report.violations);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            Ok(ExitStatus::Crashed),
            Ok(ExitStatus::Code(0)),
            Ok(ExitStatus::Signal(Signal::Kill))
        ]
    );
}

#[test]
fn two_waiters_reap_once_and_inspect_sees_the_real_children() {
    let report = run_real(|| async {
        let pid = process::spawn(ProcessSpec {
            exit_after: Some(secs(1)),
            ..ProcessSpec::named("short")
        });
        let name = process::inspect(|table, _| {
            table.iter().map(|p| p.name.to_owned()).collect::<Vec<_>>()
        });
        assert_eq!(name, ["short"]);
        let (a, b) = tokio::join!(process::wait(pid), process::wait(pid));
        let reaped = [a, b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(reaped, 1, "exactly one waiter reaps it");
        let state = process::inspect(|table, _| table.state(pid));
        assert_eq!(state, Some(ProcessState::Reaped(ExitStatus::Code(0))));
    });
    assert!(report.passed(), "{:#?}", report.violations);
}

#[test]
fn children_left_behind_are_orphans_and_are_killed_when_the_run_ends() {
    let pids = Arc::new(Mutex::new(Vec::new()));
    let out = pids.clone();
    let report = run_real(|| async move {
        let stubborn = process::spawn(ProcessSpec {
            on_term: TermBehavior::Ignore,
            ..ProcessSpec::named("left-alive")
        });
        let zombie = process::spawn(ProcessSpec {
            exit_after: Some(Duration::ZERO),
            ..ProcessSpec::named("never-reaped")
        });
        rt::sleep(secs(1)).await;
        assert!(os_alive(stubborn));
        out.lock().unwrap().extend([stubborn, zombie]);
    });
    assert!(report.has(&ViolationKind::OrphanProcess), "{report:#?}");
    let message = &report.violations[0].message;
    assert!(
        message.contains("'left-alive' (starting)")
            && message.contains("'never-reaped' (exited (exit code 0))"),
        "{message}"
    );
    for pid in pids.lock().unwrap().iter() {
        assert!(!os_alive(*pid), "{pid} outlived its run");
    }
}

#[test]
fn blocking_holds_the_event_loop_for_the_scaled_duration() {
    let config = RealConfig {
        blocked_lag_threshold: Duration::from_millis(20),
        ..RealConfig::default()
    };
    let report = real::run(&config, || async {
        rt::sleep(secs(1)).await;
        rt::blocking(secs(5));
        rt::sleep(secs(1)).await;
    })
    .expect("a valid configuration");
    assert!(report.has(&ViolationKind::BlockedExecutor), "{report:#?}");
    let held = report.lag.max;
    assert!(
        // The upper bound is generous so that a loaded machine cannot fail it; what it rules
        // out is the unscaled 5 s.
        held >= Duration::from_millis(45) && held < Duration::from_secs(2),
        "a 5 s block at scale 0.01 holds the loop about 50 ms (well under 5 s): {held:?}"
    );
}

#[test]
fn a_panicking_main_is_a_finding_and_its_children_are_killed_all_the_same() {
    let pids = Arc::new(Mutex::new(Vec::new()));
    let out = pids.clone();
    let report = run_real(|| async move {
        let pid = process::spawn(ProcessSpec {
            on_term: TermBehavior::Ignore,
            ..ProcessSpec::named("left-by-a-panic")
        });
        out.lock().unwrap().push(pid);
        rt::sleep(secs(1)).await;
        panic!("the workload failed");
    });
    assert!(report.has(&ViolationKind::MainPanicked), "{report:#?}");
    assert!(report.has(&ViolationKind::OrphanProcess), "{report:#?}");
    for pid in pids.lock().unwrap().iter() {
        assert!(!os_alive(*pid), "{pid} outlived its run");
    }
}
