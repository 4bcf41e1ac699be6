//! Real mode's children die with the harness however it ends: the CLI is killed with SIGKILL
//! (no cleanup of its own can run) or interrupted with SIGINT in the middle of a real run, and
//! a moment later no process of any child's process group is alive (the parent-death signal
//! reaches each `sh`, whose script kills its whole group: `sim/src/real/children.rs`).

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `(pid, state, ppid, pgrp)` of every process, from `/proc`.
fn processes() -> Vec<(u32, char, u32, u32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // After the command name, which may hold spaces, in parentheses.
        let mut rest = stat.rsplit_once(')')?.1.split_whitespace();
        let state = rest.next()?.chars().next()?;
        let ppid = rest.next()?.parse().ok()?;
        let pgrp = rest.next()?.parse().ok()?;
        Some((pid, state, ppid, pgrp))
    })
    .collect()
}

/// A real run of a scenario with a hundred sessions, slowed so that it lasts seconds.
fn real_run() -> Child {
    Command::new(env!("CARGO_BIN_EXE_asynclife"))
        .args([
            "run",
            "scenarios/pidclean/concurrent-ends-health.toml",
            "--real",
        ])
        .args(["--time-scale", "0.3", "--seed", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs")
}

/// The process groups of the harness's children, once it has a few (waiting for them on the
/// wall clock: this test is about real processes).
fn child_groups(harness: u32) -> BTreeSet<u32> {
    for _ in 0..600 {
        let groups: BTreeSet<u32> = processes()
            .into_iter()
            // Only a child that leads its own group, as real mode makes each: one just forked
            // is still in the harness's group (the test runner's, cargo's) for a moment.
            .filter(|&(pid, state, ppid, pgrp)| ppid == harness && pgrp == pid && state != 'Z')
            .map(|(_, _, _, pgrp)| pgrp)
            .collect();
        if groups.len() >= 3 {
            return groups;
        }
        #[allow(clippy::disallowed_methods)] // a real process's wall clock, not a simulation's
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the real run started no children within 30 s");
}

/// Alive processes (not zombies) of `groups`, polled until none is left or `limit` passes.
fn survivors(groups: &BTreeSet<u32>, limit: Duration) -> Vec<(u32, u32)> {
    let step = Duration::from_millis(50);
    let mut waited = Duration::ZERO;
    loop {
        let alive: Vec<(u32, u32)> = processes()
            .into_iter()
            .filter(|&(_, state, _, pgrp)| groups.contains(&pgrp) && state != 'Z')
            .map(|(pid, _, _, pgrp)| (pid, pgrp))
            .collect();
        if alive.is_empty() || waited >= limit {
            return alive;
        }
        #[allow(clippy::disallowed_methods)] // as above
        std::thread::sleep(step);
        waited += step;
    }
}

fn interrupted_run_leaves_nothing(signal: &str) {
    let mut harness = real_run();
    let groups = child_groups(harness.id());
    let status = Command::new("kill")
        .args([signal, &harness.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    harness.wait().expect("the harness is reaped");
    // A second is the promise; the margin is for a loaded machine.
    let alive = survivors(&groups, Duration::from_secs(5));
    assert!(
        alive.is_empty(),
        "after {signal}, processes of the children's groups still run: {alive:?}"
    );
}

#[test]
fn a_sigkilled_harness_leaves_no_child_running() {
    interrupted_run_leaves_nothing("-KILL");
}

#[test]
fn an_interrupted_harness_leaves_no_child_running() {
    interrupted_run_leaves_nothing("-INT");
}
