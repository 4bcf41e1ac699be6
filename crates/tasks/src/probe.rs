//! The workload's own witness of what really happened, kept apart from the manager's
//! bookkeeping so that the invariants compare two independent accounts: which managed futures
//! are alive, which are executing their body, which errors and panics were raised, and when
//! shutdown began and ended.

use crate::registry::RunId;
use asynclife_sim::Instant;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// What the workload saw. Shared by clones.
#[derive(Clone, Default)]
pub struct Probe {
    state: Arc<Mutex<ProbeState>>,
}

/// The witness's counters.
#[derive(Clone, Debug, Default)]
pub struct ProbeState {
    /// Managed futures that exist: created, not yet dropped (whether spawned, queued,
    /// running, or detached by a defect).
    pub alive: usize,
    /// Managed futures executing their body: first polled, not yet finished or dropped.
    pub busy: usize,
    /// The most `busy` ever was.
    pub max_busy: usize,
    /// Errors and panics raised by managed futures, by run id, with their messages.
    pub raised: BTreeMap<RunId, Vec<String>>,
    /// How many were raised in all.
    pub raised_total: u64,
    /// When the workload called `shutdown`.
    pub shutdown_started: Option<Instant>,
    /// When `shutdown` returned.
    pub shutdown_finished: Option<Instant>,
    /// `wait_all` or `shutdown` has returned, and no task was accepted since: every run
    /// must be terminal from now on.
    pub settled: bool,
}

/// Which counter a [`Token`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Counter {
    Alive,
    Busy,
}

/// One unit of a counter, given back on drop: a future's life or its body's execution.
#[must_use = "the counter goes down when the token is dropped"]
pub struct Token {
    probe: Probe,
    counter: Counter,
}

impl Drop for Token {
    fn drop(&mut self) {
        let mut st = self.probe.lock();
        match self.counter {
            Counter::Alive => st.alive -= 1,
            Counter::Busy => st.busy -= 1,
        }
    }
}

impl Probe {
    /// A fresh witness.
    pub fn new() -> Probe {
        Probe::default()
    }

    /// The counters.
    pub fn lock(&self) -> MutexGuard<'_, ProbeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a managed future alive until the token is dropped. Create it before the future
    /// is handed to the manager and move it inside.
    pub fn alive(&self) -> Token {
        self.lock().alive += 1;
        Token {
            probe: self.clone(),
            counter: Counter::Alive,
        }
    }

    /// Counts a body executing until the token is dropped. Create it inside the body.
    pub fn busy(&self) -> Token {
        let mut st = self.lock();
        st.busy += 1;
        st.max_busy = st.max_busy.max(st.busy);
        Token {
            probe: self.clone(),
            counter: Counter::Busy,
        }
    }

    /// Records an error or panic about to be raised by run `id`'s future.
    pub fn raised(&self, id: &RunId, message: &str) {
        let mut st = self.lock();
        st.raised
            .entry(id.clone())
            .or_default()
            .push(message.to_string());
        st.raised_total += 1;
    }

    /// Shutdown begins now.
    pub fn shutdown_started(&self, now: Instant) {
        self.lock().shutdown_started = Some(now);
    }

    /// Shutdown returned now; every run must be terminal from now on.
    pub fn shutdown_finished(&self, now: Instant) {
        let mut st = self.lock();
        st.shutdown_finished = Some(now);
        st.settled = true;
    }

    /// `wait_all` returned and nothing will be spawned before shutdown.
    pub fn settled(&self) {
        self.lock().settled = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_count_up_and_down_and_keep_the_peak() {
        let probe = Probe::new();
        let a = probe.alive();
        let b1 = probe.busy();
        let b2 = probe.busy();
        let counts = {
            let st = probe.lock();
            (st.alive, st.busy)
        };
        assert_eq!(counts, (1, 2));
        drop(b1);
        drop(b2);
        drop(a);
        let st = probe.lock();
        assert_eq!((st.alive, st.busy, st.max_busy), (0, 0, 2));
    }

    #[test]
    fn raised_errors_are_kept_by_run() {
        let probe = Probe::new();
        probe.raised(&RunId::from("r"), "boom");
        probe.raised(&RunId::from("r"), "again");
        let st = probe.lock();
        assert_eq!(st.raised_total, 2);
        assert_eq!(st.raised[&RunId::from("r")], vec!["boom", "again"]);
    }
}
