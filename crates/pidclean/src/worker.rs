//! The spawn worker (seed 001's Celery task `spawn_voice_agent`): takes spawn jobs after a
//! queue delay, spawns the agent, stores its PID, waits for it to connect, marks the session
//! ready, and then stays its parent: it reaps the agent when it exits.
//!
//! Invariants upheld here (the reference variant):
//! 1. The PID is written to `agent:{id}:pid` (with its TTL) and to `session:{id}` in the
//!    same step that spawns the agent, before anything else is awaited.
//! 2. Every write of session state is followed by a tombstone check; a session found ended
//!    is cleaned up by the worker itself, with the PID it knows. So an end that came before
//!    the PID was stored still leaves no orphan, and a write that recreated keys an end had
//!    just deleted is undone.
//! 3. An agent whose PID cannot be stored, or that does not connect in time, is stopped at
//!    once: no agent outlives a start that failed.
//! 4. While the agent lives, its keys are refreshed every third of the shorter TTL (and the
//!    tombstone checked): the seed's 2 h TTLs bound the keys of dead sessions, never those
//!    of a live one, however long it lives.

use crate::cleanup::{Cleaner, CleanupSource};
use crate::defect::Defect;
use crate::journal::SharedJournal;
use crate::keys::{SessionId, PID_FIELD, STATUS_FIELD};
use crate::store::StoreCalls;
use asynclife_sim::rt::{self, kv, process};
use asynclife_sim::world::{Pid, ProcessSpec};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Where agents come from: the queue's delay and each agent's behaviour. The workload
/// provides it; production would launch the real agent binary.
pub trait Agents: Send + Sync + 'static {
    /// How long `session`'s spawn job waits in the queue before a worker takes it.
    fn queue_delay(&self, session: &SessionId) -> Duration;

    /// The agent process to spawn for `session`. Its name must be
    /// [`SessionId::agent_name`], so that the process table can be read per session.
    fn spec(&self, session: &SessionId) -> ProcessSpec;
}

/// A request to spawn a session's agent.
#[derive(Clone, Debug)]
pub(crate) struct SpawnJob {
    pub(crate) session: SessionId,
}

/// Takes jobs until the queue closes, runs each in its own task, then waits for them all.
pub(crate) async fn run(
    cleaner: Arc<Cleaner>,
    agents: Arc<dyn Agents>,
    mut queue: mpsc::UnboundedReceiver<SpawnJob>,
) {
    let mut jobs = rt::JoinSet::new();
    while let Some(job) = queue.recv().await {
        let job = Job {
            cleaner: cleaner.clone(),
            agents: agents.clone(),
            session: job.session,
        };
        jobs.spawn(format!("spawn-{}", job.session), job.run());
    }
    while let Some(result) = jobs.join_next().await {
        if let Some(message) = result.as_ref().err().and_then(|e| e.panic_message()) {
            // A job's panic is a bug of the reference code: make it the worker's, visibly.
            panic!("a spawn job panicked: {message}");
        }
    }
}

/// One session's spawn job, from the queue to the agent's exit.
struct Job {
    cleaner: Arc<Cleaner>,
    agents: Arc<dyn Agents>,
    session: SessionId,
}

impl Job {
    async fn run(self) {
        rt::sleep(self.agents.queue_delay(&self.session)).await;
        let mut calls = self.cleaner.store_calls();
        let tombstones = &self.cleaner.tombstones;
        if tombstones.is_marked(&self.session, &mut calls).await == Ok(true) {
            rt::event(format!(
                "{}: ended while queued, nothing spawned",
                self.session
            ));
            return;
        }
        let pid = self.spawn();
        // seed 001 #1, before the fix: tasks.py wrote the PID into the session only once the
        // agent printed "Connected to", 15 to 30 s later; an end before that found no PID.
        let register_now = !self.cleaner.variant.has(Defect::PidStoredLate);
        if register_now && !self.register(pid).await {
            return;
        }
        self.journal()
            .lock()
            .expect("journal lock")
            .pid_write_finished(&self.session);
        let connected = if register_now {
            match self.keeping_alive(pid, self.connected(pid)).await {
                Some(connected) => connected,
                // Ended while connecting: the refresh found the tombstone and stopped it.
                None => return,
            }
        } else {
            self.connected(pid).await
        };
        if !connected {
            self.start_failed(pid).await;
            return;
        }
        if !register_now && !self.register(pid).await {
            return;
        }
        let mut calls = self.cleaner.store_calls();
        // The status is informative: if the store fails us, the session runs on unmarked.
        let _ = self
            .write_session(&[(STATUS_FIELD, "ready")], &mut calls)
            .await;
        if self.still_running(pid, &mut calls).await {
            self.supervise(pid).await;
        }
    }

    fn journal(&self) -> &SharedJournal {
        &self.cleaner.journal
    }

    /// Spawns the agent. The journal notes that its PID is not stored yet.
    fn spawn(&self) -> Pid {
        self.journal()
            .lock()
            .expect("journal lock")
            .pid_write_started(&self.session);
        let pid = process::spawn(self.agents.spec(&self.session));
        rt::event(format!("{}: spawned agent {pid}", self.session));
        pid
    }

    /// Stores the PID, then checks the tombstone; false when the agent had to be stopped.
    async fn register(&self, pid: Pid) -> bool {
        let mut calls = self.cleaner.store_calls();
        let stored = self.store_pid(pid, &mut calls).await;
        if stored.is_err() {
            // Nobody could find this agent: stop it while we still know its PID.
            self.stop(pid, CleanupSource::FailedStart).await;
        }
        self.journal()
            .lock()
            .expect("journal lock")
            .pid_write_finished(&self.session);
        stored.is_ok() && self.still_running(pid, &mut calls).await
    }

    async fn store_pid(&self, pid: Pid, calls: &mut StoreCalls) -> Result<(), kv::Error> {
        let (key, value) = (self.session.pid_key(), pid.to_string());
        // seed 001, "TTL Added": before the fix agent:{id}:pid was set without an expiry.
        let ttl = if self.cleaner.variant.has(Defect::NoTtl) {
            None
        } else {
            Some(self.cleaner.config.pid_ttl())
        };
        calls.run(|| kv::set(&key, &value, ttl)).await?;
        // The hash copy serves the session-hash-first lookup; if the store fails us here,
        // the standalone key already holds the PID.
        let _ = self.write_session(&[(PID_FIELD, &value)], calls).await;
        Ok(())
    }

    /// HSET, then EXPIRE: the hash may have been deleted by an end (HSET then creates it
    /// afresh, without a TTL), and a session key never lives unbounded.
    async fn write_session(
        &self,
        fields: &[(&str, &str)],
        calls: &mut StoreCalls,
    ) -> Result<(), kv::Error> {
        let key = self.session.session_key();
        let ttl = self.cleaner.config.session_ttl();
        calls.run(|| kv::hset(&key, fields)).await?;
        calls.run(|| kv::expire(&key, ttl)).await.map(|_| ())
    }

    /// Whether the session is still running; if it ended, stops the agent (which also
    /// deletes whatever keys our last write recreated). A tombstone that cannot be read
    /// counts as an end: an agent nobody may be able to stop is worse than a failed start.
    async fn still_running(&self, pid: Pid, calls: &mut StoreCalls) -> bool {
        let tombstones = &self.cleaner.tombstones;
        let ended = tombstones
            .is_marked(&self.session, calls)
            .await
            .unwrap_or(true);
        if ended {
            self.stop(pid, CleanupSource::SpawnTombstone).await;
        }
        !ended
    }

    /// Waits for the agent to connect, at most the connect timeout.
    async fn connected(&self, pid: Pid) -> bool {
        let timeout = self.cleaner.config.connect_timeout();
        matches!(
            rt::timeout(timeout, process::wait_connected(pid)).await,
            Ok(Ok(true))
        )
    }

    /// The agent exited before connecting, or did not connect in time. If the session was
    /// ended meanwhile, that end found the PID (it was stored before our last tombstone
    /// check) and stops the agent itself; otherwise this is a failed start.
    async fn start_failed(&self, pid: Pid) {
        let mut calls = self.cleaner.store_calls();
        let tombstones = &self.cleaner.tombstones;
        if tombstones.is_marked(&self.session, &mut calls).await != Ok(true) {
            self.stop(pid, CleanupSource::FailedStart).await;
        }
    }

    /// As the agent's parent, reaps it when it exits: by itself (a crash), or stopped by a
    /// cleanup. After an exit of its own the session is marked, and stays until it ends.
    async fn supervise(&self, pid: Pid) {
        if self.keeping_alive(pid, process::wait(pid)).await.is_none() {
            return;
        }
        let mut calls = self.cleaner.store_calls();
        let tombstones = &self.cleaner.tombstones;
        if tombstones.is_marked(&self.session, &mut calls).await != Ok(false) {
            // Ended (or unknown): the end's cleanup owns the session's keys.
            return;
        }
        rt::event(format!("{}: agent {pid} exited by itself", self.session));
        let _ = self
            .write_session(&[(STATUS_FIELD, "agent_exited")], &mut calls)
            .await;
        self.still_running(pid, &mut calls).await;
    }

    /// Runs `wait` and keeps the session's keys alive meanwhile: every refresh interval (a
    /// third of the shorter TTL) the PID is stored again with its TTLs and the tombstone is
    /// checked. So a live agent's keys never expire, however long its session lives, and a
    /// session found ended has its agent stopped here with the PID the worker knows, even if
    /// the end's own lookup came up empty. `None` when the session was found ended.
    async fn keeping_alive<T>(&self, pid: Pid, wait: impl Future<Output = T>) -> Option<T> {
        if self.cleaner.variant.has(Defect::NoKeyRefresh) {
            // The seed's code sets the TTLs once: a session that outlives them loses its keys.
            return Some(wait.await);
        }
        let mut wait = std::pin::pin!(wait);
        loop {
            match rt::timeout(self.cleaner.config.refresh_interval(), &mut wait).await {
                Ok(output) => return Some(output),
                Err(_elapsed) => {
                    let mut calls = self.cleaner.store_calls();
                    // A refresh the store refuses leaves the keys to their TTL, which covers
                    // two more refreshes.
                    let _ = self.store_pid(pid, &mut calls).await;
                    if !self.still_running(pid, &mut calls).await {
                        return None;
                    }
                }
            }
        }
    }

    /// Stops the agent with the PID we know, and cleans the session up.
    async fn stop(&self, pid: Pid, source: CleanupSource) {
        // The report is in the journal; an error leaves the keys to the client's retry.
        let _ = self.cleaner.cleanup(&self.session, source, Some(pid)).await;
    }
}
