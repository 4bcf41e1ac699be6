//! A simulated process's [`ProcessSpec`] as a real program: a POSIX `sh` script that does by
//! itself what the spec says, on the wall clock.
//!
//! The script prints `connected` on its stdout when it connects, ends with `kill -SEGV $$`
//! when it crashes and `exit 0` when it exits, and handles SIGTERM as `on_term` says: the
//! default disposition (exit at once, killed by SIGTERM), `trap '' TERM` (ignore), or exit by
//! SIGTERM after a delay.
//!
//! Invariants:
//! 1. Its scheduled steps run in the simulated table's order: by time, then connect, crash,
//!    exit; nothing runs after the first step that ends it.
//! 2. Every wait is a background `sleep` and a `wait` that a signal interrupts, so SIGTERM is
//!    handled when it arrives, not when the current sleep ends; an interrupted wait waits
//!    again for the same sleep, so a handled signal does not shorten a step.
//! 3. Helpers (the background `sleep`s and the delayed exit) never hold the stdout pipe, so it
//!    reaches its end when the script exits; they stay in the script's process group, which
//!    the watcher kills when the script exits, so none outlives it.
//! 4. A delayed exit after SIGTERM is armed once: later SIGTERMs neither postpone nor hasten
//!    it (`trap : TERM`), as in the simulated table, and the script then dies of SIGTERM.
//! 5. SIGHUP kills the script's whole process group (`trap 'kill -KILL 0' HUP PIPE`): it is
//!    the signal the kernel sends the script when the harness dies, however it dies (the
//!    parent-death signal, `children.rs`), and the spec's behaviours never use it. SIGPIPE
//!    does the same: a script writing `connected` when the harness dies would otherwise die
//!    of it before its HUP trap runs, leaving its background `sleep` behind.

use crate::world::{ProcessSpec, TermBehavior};
use std::fmt::Write;
use std::time::Duration;

/// The line the script prints when it connects.
pub(crate) const CONNECTED_LINE: &str = "connected";

/// The steps a process takes by itself, in the simulated table's tie order (invariant 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Connect,
    Crash,
    Exit,
}

/// A shell duration: seconds with nanosecond digits, as GNU and busybox `sleep` accept.
fn seconds(duration: Duration) -> String {
    format!("{}.{:09}", duration.as_secs(), duration.subsec_nanos())
}

/// The script for `spec`, its delays turned into wall-clock durations by `to_real`.
pub(crate) fn script(spec: &ProcessSpec, to_real: impl Fn(Duration) -> Duration) -> String {
    let mut steps: Vec<(Duration, Step)> = [
        (spec.connect_after, Step::Connect),
        (spec.crash_after, Step::Crash),
        (spec.exit_after, Step::Exit),
    ]
    .into_iter()
    .filter_map(|(delay, step)| delay.map(|d| (d, step)))
    .collect();
    steps.sort();
    if let Some(end) = steps.iter().position(|(_, step)| *step != Step::Connect) {
        steps.truncate(end + 1);
    }

    // Invariant 5, then no core file for the crash, then `nap` (invariant 2).
    let mut text = String::from(
        "trap 'kill -KILL 0' HUP PIPE\n\
         ulimit -c 0 2>/dev/null\n\
         nap() { sleep \"$1\" >/dev/null 2>&1 & p=$!; \
         while kill -0 \"$p\" 2>/dev/null; do wait \"$p\"; done; }\n",
    );
    match spec.on_term {
        TermBehavior::Ignore => text.push_str("trap '' TERM\n"),
        TermBehavior::ExitAfter(delay) if delay.is_zero() => {}
        TermBehavior::ExitAfter(delay) => {
            // Invariant 4: USR1 from the helper restores SIGTERM's default and dies of it.
            let _ = writeln!(
                text,
                "trap 'trap - TERM; kill -TERM $$' USR1\n\
                 trap 'trap : TERM; (sleep {}; kill -USR1 $$) >/dev/null 2>&1 &' TERM",
                seconds(to_real(delay))
            );
        }
    }
    let mut elapsed = Duration::ZERO;
    let mut ends = false;
    for (at, step) in steps {
        let _ = writeln!(text, "nap {}", seconds(to_real(at - elapsed)));
        elapsed = at;
        match step {
            Step::Connect => {
                let _ = writeln!(text, "echo {CONNECTED_LINE}");
            }
            Step::Crash => text.push_str("kill -SEGV $$\n"),
            Step::Exit => text.push_str("exit 0\n"),
        }
        ends |= step != Step::Connect;
    }
    if !ends {
        text.push_str("while :; do nap 3600; done\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    fn same(d: Duration) -> Duration {
        d
    }

    #[test]
    fn an_agent_that_connects_and_runs_until_stopped() {
        let spec = ProcessSpec {
            connect_after: Some(ms(15_000)),
            on_term: TermBehavior::ExitAfter(ms(2_000)),
            ..ProcessSpec::named("agent")
        };
        let text = script(&spec, |d| d / 100);
        let body: Vec<&str> = text.lines().skip(3).collect();
        assert_eq!(
            body,
            [
                "trap 'trap - TERM; kill -TERM $$' USR1",
                "trap 'trap : TERM; (sleep 0.020000000; kill -USR1 $$) >/dev/null 2>&1 &' TERM",
                "nap 0.150000000",
                "echo connected",
                "while :; do nap 3600; done",
            ]
        );
    }

    #[test]
    fn steps_after_the_first_end_are_dropped_and_ties_connect_first() {
        let spec = ProcessSpec {
            connect_after: Some(ms(10)),
            crash_after: Some(ms(10)),
            exit_after: Some(ms(5)),
            on_term: TermBehavior::Ignore,
            ..ProcessSpec::named("agent")
        };
        let text = script(&spec, same);
        let body: Vec<&str> = text.lines().skip(3).collect();
        assert_eq!(body, ["trap '' TERM", "nap 0.005000000", "exit 0"]);

        let tie = ProcessSpec {
            exit_after: None,
            ..spec
        };
        let text = script(&tie, same);
        let body: Vec<&str> = text.lines().skip(4).collect();
        assert_eq!(
            body,
            [
                "nap 0.010000000",
                "echo connected",
                "nap 0.000000000",
                "kill -SEGV $$"
            ]
        );
    }

    #[test]
    fn default_sigterm_needs_no_trap() {
        let text = script(&ProcessSpec::named("agent"), same);
        assert!(!text.contains("TERM"), "{text}");
        assert!(text.starts_with("trap 'kill -KILL 0' HUP PIPE\n"), "{text}");
        assert!(text.ends_with("while :; do nap 3600; done\n"), "{text}");
    }
}
