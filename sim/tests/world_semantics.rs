//! The simulated world through `rt`: processes in virtual time, the key-value store with TTLs,
//! and the orphan-process detector both ways.

use asynclife_sim::rt::{self, kv, process};
use asynclife_sim::world::{ExitStatus, ProcessError, ProcessSpec, Signal, TermBehavior, Ttl};
use asynclife_sim::{Instant, Report, Sim, SimConfig, Verdict, ViolationKind};
use std::time::Duration;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn run<F, Fut>(main: F) -> Report
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()> + 'static,
{
    Sim::new(SimConfig::with_seed(2)).run(main)
}

fn agent(term_after: Option<Duration>) -> ProcessSpec {
    ProcessSpec {
        connect_after: Some(secs(15)),
        on_term: term_after.map_or(TermBehavior::Ignore, TermBehavior::ExitAfter),
        ..ProcessSpec::named("agent")
    }
}

#[test]
fn a_process_connects_exits_on_term_and_is_reaped() {
    let report = run(|| async {
        let pid = process::spawn(agent(Some(Duration::from_millis(300))));
        assert!(process::wait_connected(pid).await.unwrap());
        assert_eq!(rt::now(), Instant::from_millis(15_000));
        process::signal(pid, Signal::Term).unwrap();
        let status = process::wait(pid).await.unwrap();
        assert_eq!(status, ExitStatus::Signal(Signal::Term));
        assert_eq!(rt::now(), Instant::from_millis(15_300));
        assert_eq!(
            process::signal(pid, Signal::Kill),
            Err(ProcessError::NoSuchProcess(pid))
        );
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
    assert!(report.trace.to_text().contains("starting -> connected"));
}

#[test]
fn orphan_process_fires_when_an_agent_ignores_term_and_nobody_kills_it() {
    let report = run(|| async {
        let pid = process::spawn(agent(None));
        process::signal(pid, Signal::Term).unwrap();
        let _ = rt::timeout(secs(5), process::wait(pid)).await;
    });
    assert_eq!(report.violations.len(), 1, "{:#?}", report.violations);
    assert_eq!(report.violations[0].kind, ViolationKind::OrphanProcess);
}

#[test]
fn orphan_process_is_silent_when_term_is_followed_by_kill_and_reap() {
    let report = run(|| async {
        let pid = process::spawn(agent(None));
        process::signal(pid, Signal::Term).unwrap();
        if rt::timeout(secs(5), process::wait(pid)).await.is_err() {
            process::signal(pid, Signal::Kill).unwrap();
            process::wait(pid).await.unwrap();
        }
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

#[test]
fn an_exited_but_unreaped_process_is_an_orphan_too() {
    let report = run(|| async {
        let pid = process::spawn(agent(Some(Duration::ZERO)));
        process::signal(pid, Signal::Kill).unwrap();
    });
    assert!(report.has(&ViolationKind::OrphanProcess));
}

#[test]
fn kv_ttls_expire_in_virtual_time() {
    let report = run(|| async {
        kv::set("agent:s1:pid", "1000", Some(secs(7200)))
            .await
            .unwrap();
        kv::hset("session:s1", &[("agentPid", "1000")])
            .await
            .unwrap();
        kv::expire("session:s1", secs(7200)).await.unwrap();
        rt::sleep(secs(7199)).await;
        assert_eq!(
            kv::ttl("agent:s1:pid").await.unwrap(),
            Ttl::ExpiresIn(secs(1))
        );
        assert_eq!(
            kv::hget("session:s1", "agentPid").await.unwrap().as_deref(),
            Some("1000")
        );
        rt::sleep(secs(1)).await;
        assert_eq!(kv::get("agent:s1:pid").await.unwrap(), None);
        assert!(kv::hgetall("session:s1").await.unwrap().is_empty());
        assert_eq!(kv::keys("").await.unwrap(), Vec::<String>::new());
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}
