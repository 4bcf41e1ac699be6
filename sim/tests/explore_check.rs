//! `Check` as a user meets it: many seeds, the smallest failing one, a failure file, a report
//! that names the violation and ends in a reproduce line, and that line reproducing the run
//! bit for bit in another process.

use asynclife_sim::explore::{Check, Failure, Found};
use asynclife_sim::{rt, Policy, ViolationKind};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// A lost update: two workers read a counter, yield, and write it back plus one. Most
/// orders give 2; an interleaving of the two read-yield-write sequences gives 1.
async fn lost_update() {
    let counter = Arc::new(AtomicU32::new(0));
    let mut workers = Vec::new();
    for name in ["w1", "w2"] {
        let counter = counter.clone();
        workers.push(rt::spawn(name, async move {
            let seen = counter.load(Relaxed);
            rt::yield_now().await;
            counter.store(seen + 1, Relaxed);
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    assert_eq!(counter.load(Relaxed), 2, "an update was lost");
}

/// The same workers, with the read and the write in one step: no order loses an update.
async fn no_lost_update() {
    let counter = Arc::new(AtomicU32::new(0));
    let mut workers = Vec::new();
    for name in ["w1", "w2"] {
        let counter = counter.clone();
        workers.push(rt::spawn(name, async move {
            rt::yield_now().await;
            counter.fetch_add(1, Relaxed);
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    assert_eq!(counter.load(Relaxed), 2, "an update was lost");
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("asynclife-explore-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_correct_code_passes_every_seed() {
    let passed = Check::new("no_lost_update")
        .seeds(500)
        .failures_dir(scratch("pass"))
        .run(no_lost_update);
    assert_eq!(passed.seeds, 0..500);
}

fn find_lost_update(jobs: usize, dir: &std::path::Path) -> Box<Found> {
    Check::new("lost_update")
        .seeds(200)
        .jobs(jobs)
        .failures_dir(dir)
        .try_run(lost_update)
        .expect_err("some order loses an update")
}

#[test]
fn the_bug_is_found_at_the_same_smallest_seed_on_one_thread_and_on_several() {
    let one = find_lost_update(1, &scratch("one"));
    let four = find_lost_update(4, &scratch("four"));
    assert_eq!(one.report.seed, four.report.seed);
    assert_eq!(one.report.trace_hash(), four.report.trace_hash());
    assert!(one.report.has(&ViolationKind::MainPanicked));
}

#[test]
fn the_report_names_seed_violation_and_file_and_ends_with_the_reproduce_line() {
    let dir = scratch("report");
    let found = find_lost_update(2, &dir);
    let text = found.to_string();
    let seed = found.report.seed;
    assert!(
        text.starts_with(&format!(
            "asynclife: check 'lost_update' failed at seed {seed}"
        )),
        "{text}"
    );
    assert!(text.contains("[main-panicked]"), "{text}");
    assert!(text.contains("an update was lost"), "{text}");
    assert!(text.contains("last events before it"), "{text}");
    let path = found.file.as_ref().expect("the file was written");
    assert!(path.starts_with(&dir), "{}", path.display());
    assert_eq!(
        path.file_name().unwrap(),
        format!("lost_update-seed{seed}.json").as_str()
    );
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("reproduce: ASYNCLIFE_REPLAY="), "{last}");
    assert!(last.contains("-- --exact --include-ignored"), "{last}");

    let failure = Failure::read(path).expect("a valid failure file");
    assert_eq!(failure.seed, seed);
    assert_eq!(failure.test.as_ref().unwrap().name, "lost_update");
    assert_eq!(
        failure.trace.as_ref().unwrap().hash(),
        found.report.trace_hash(),
        "the file embeds the (shrunk) run's trace"
    );
    assert!(failure.schedule.len() <= found.report.schedule.len());
}

#[test]
fn a_failed_check_panics_with_its_report() {
    let dir = scratch("panics");
    let payload = std::panic::catch_unwind(|| {
        Check::new("lost_update")
            .seeds(200)
            .failures_dir(&dir)
            .run(lost_update)
    })
    .expect_err("the check panics");
    let message = payload
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(
        message.contains("reproduce: ASYNCLIFE_REPLAY="),
        "{message}"
    );
}

#[test]
fn fifo_finds_it_at_once_and_pct_gives_the_same_answer_twice() {
    let dir = scratch("fifo");
    // A yield sends w1 behind w2, which reads the counter before w1 writes it.
    let fifo = Check::new("fifo")
        .seeds(20)
        .policy(Policy::Fifo)
        .failures_dir(&dir)
        .try_run(lost_update)
        .expect_err("first runnable first interleaves the two");
    assert_eq!(fifo.report.seed, 0);
    let pct = || {
        Check::new("pct")
            .seeds(300)
            .policy(Policy::pct(3))
            .shrink(false)
            .failures_dir(&dir)
            .try_run(lost_update)
            .map_err(|found| (found.report.seed, found.report.trace_hash()))
    };
    assert_eq!(pct(), pct());
}

#[test]
fn a_closure_that_is_not_sync_runs_on_one_thread() {
    let local = std::rc::Rc::new(());
    let passed = Check::new("local")
        .seeds(10)
        .failures_dir(scratch("local"))
        .run_local(|| {
            let _keep = local.clone();
            async { rt::sleep(Duration::from_millis(1)).await }
        });
    assert_eq!(passed.seeds, 0..10);
}

/// The test the cross-process test runs in a child: it does nothing unless asked to.
#[test]
fn child_lost_update() {
    if std::env::var_os("EXPLORE_CHILD").is_none() {
        return;
    }
    Check::new("child_lost_update").seeds(200).run(lost_update);
}

fn child(envs: &[(&str, &str)]) -> String {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "child_lost_update",
            "--exact",
            "--nocapture",
            "--test-threads",
            "2",
        ])
        .env("EXPLORE_CHILD", "1")
        .env_remove("ASYNCLIFE_SEED")
        .env_remove("ASYNCLIFE_SEEDS")
        .envs(envs.iter().copied())
        .output()
        .expect("the test binary runs");
    assert!(!out.status.success(), "the child's check fails");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn the_reproduce_line_reproduces_the_failure_bit_for_bit_in_another_process() {
    let dir = scratch("child");
    let dir_text = dir.display().to_string();
    let first = child(&[("ASYNCLIFE_FAILURES_DIR", &dir_text)]);
    let line = first
        .lines()
        .find(|l| l.starts_with("reproduce: "))
        .unwrap_or_else(|| panic!("no reproduce line in:\n{first}"));
    assert!(
        line.ends_with(
            "cargo test -p asynclife-sim --test explore_check child_lost_update -- --exact \
             --include-ignored"
        ),
        "{line}"
    );
    let file = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("ASYNCLIFE_REPLAY="))
        .expect("the line sets ASYNCLIFE_REPLAY");
    let failure = Failure::read(file.as_ref()).expect("the file the line names");
    let again = child(&[("ASYNCLIFE_REPLAY", file)]);
    let expected = format!(
        "replay reproduced seed {} bit for bit (trace hash {})",
        failure.seed, failure.trace_hash
    );
    assert!(again.contains(&expected), "{expected}\nnot in:\n{again}");

    let seed = failure.seed.to_string();
    let alone = child(&[
        ("ASYNCLIFE_SEED", &seed),
        ("ASYNCLIFE_FAILURES_DIR", &dir_text),
    ]);
    assert!(
        alone.contains(&format!("failed at seed {seed} (seeds {seed}..")),
        "{alone}"
    );
}

#[test]
fn a_replay_of_fixed_code_passes_and_says_so() {
    let dir = scratch("fixed");
    let found = Check::new("lost_update")
        .seeds(200)
        .failures_dir(&dir)
        .try_run(lost_update)
        .expect_err("the bug shows");
    let path = found.file.unwrap();
    let passed = asynclife_sim::replay(no_lost_update, &path).expect("a readable file");
    assert_eq!(passed.replayed.as_deref(), Some(path.as_path()));
}
