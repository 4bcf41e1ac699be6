//! The orchestrator's API (seed 001's `main.py`): start a session, end it, the media
//! server's webhook, a health check, and shutdown. Every handler is async and shares the
//! executor with the others, as FastAPI's handlers share the event loop.

use crate::cleanup::{Cleaner, CleanupError, CleanupReport, CleanupSource};
use crate::config::OrchestratorConfig;
use crate::defect::Variant;
use crate::journal::SharedJournal;
use crate::keys::{SessionId, STATUS_FIELD};
use crate::worker::{self, Agents, SpawnJob};
use asynclife_sim::rt::{self, kv, JoinHandle};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// A webhook call from the media server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The event's name: `room_finished` and `participant_left` end the session; any other
    /// is acknowledged and ignored.
    pub event: String,
    /// The session (room) it is about.
    pub session: SessionId,
}

/// The answer of [`Orchestrator::health`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Health {
    /// Cleanups in progress.
    pub active_cleanups: usize,
    /// Sessions started so far.
    pub sessions_started: u64,
}

/// A start that failed: the session's partial state has been cleaned up (or the cleanup
/// failed too, and the client should end the session again later).
#[derive(Debug)]
pub struct StartError {
    /// The session that was being started.
    pub session: SessionId,
    /// The store error that failed the start.
    pub error: kv::Error,
    /// The cleanup after the failed start.
    pub cleanup: Result<CleanupReport, CleanupError>,
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "starting {} failed: {}", self.session, self.error)
    }
}

impl std::error::Error for StartError {}

/// The session orchestrator. Cheap to clone: clones share one orchestrator.
#[derive(Clone)]
pub struct Orchestrator {
    inner: Arc<Inner>,
}

struct Inner {
    cleaner: Arc<Cleaner>,
    queue: Mutex<Option<mpsc::UnboundedSender<SpawnJob>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    next_session: AtomicU64,
}

impl Orchestrator {
    /// Starts an orchestrator and its spawn worker. `journal` receives what it does.
    ///
    /// # Panics
    /// If `config` is invalid (validate configurations read from files first).
    pub fn start(
        config: OrchestratorConfig,
        variant: Variant,
        agents: Arc<dyn Agents>,
        journal: SharedJournal,
    ) -> Orchestrator {
        if let Err(e) = config.validate() {
            panic!("invalid orchestrator config: {e}");
        }
        let cleaner = Cleaner::new(config, variant, journal);
        let (queue, jobs) = mpsc::unbounded_channel();
        let worker = rt::spawn("spawn-worker", worker::run(cleaner.clone(), agents, jobs));
        Orchestrator {
            inner: Arc::new(Inner {
                cleaner,
                queue: Mutex::new(Some(queue)),
                worker: Mutex::new(Some(worker)),
                next_session: AtomicU64::new(1),
            }),
        }
    }

    /// The variant this orchestrator runs.
    pub fn variant(&self) -> Variant {
        self.inner.cleaner.variant
    }

    /// The configuration.
    pub fn config(&self) -> &OrchestratorConfig {
        &self.inner.cleaner.config
    }

    /// The journal this orchestrator writes its cleanup reports into.
    pub fn journal(&self) -> &SharedJournal {
        &self.inner.cleaner.journal
    }

    /// `POST /api/session/start`: writes `session:{id}` (status `starting`, with its TTL) and
    /// queues the spawn job. A store failure fails the start, as in the seed, after cleaning
    /// up what was written.
    pub async fn start_session(&self, user: &str, voice: &str) -> Result<SessionId, StartError> {
        let n = self.inner.next_session.fetch_add(1, Ordering::Relaxed);
        let session = SessionId::numbered(n);
        let key = session.session_key();
        let fields = [
            ("userName", user),
            ("voiceId", voice),
            (STATUS_FIELD, "starting"),
        ];
        let ttl = self.config().session_ttl();
        let written = match kv::hset(&key, &fields).await {
            Ok(_) => kv::expire(&key, ttl).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(error) = written {
            let cleanup = self.cleanup(&session, CleanupSource::FailedStart).await;
            return Err(StartError {
                session,
                error,
                cleanup,
            });
        }
        let queue = self.inner.queue.lock().expect("queue lock").clone();
        let job = SpawnJob {
            session: session.clone(),
        };
        queue
            .expect("start_session called after shutdown")
            .send(job)
            .expect("the spawn worker runs until shutdown");
        Ok(session)
    }

    /// `POST /api/session/end`: cleans the session up and reports how.
    pub async fn end_session(&self, session: &SessionId) -> Result<CleanupReport, CleanupError> {
        self.cleanup(session, CleanupSource::EndSession).await
    }

    /// `POST /webhook`: `room_finished` and `participant_left` end the session (`Some`
    /// report); other events are ignored (`None`).
    pub async fn webhook(
        &self,
        event: WebhookEvent,
    ) -> Result<Option<CleanupReport>, CleanupError> {
        match event.event.as_str() {
            "room_finished" | "participant_left" => self
                .cleanup(&event.session, CleanupSource::Webhook)
                .await
                .map(Some),
            _ => Ok(None),
        }
    }

    /// `GET /health`: answered from memory, on the same executor as everything else.
    pub async fn health(&self) -> Health {
        Health {
            active_cleanups: self.inner.cleaner.active(),
            sessions_started: self.inner.next_session.load(Ordering::Relaxed) - 1,
        }
    }

    /// Stops taking sessions and waits, at most `settle`, for the spawn worker's jobs to
    /// finish (each ends when its agent has been reaped). Jobs still running then are
    /// aborted: their agents are left for the orphan checks to report. Returns whether
    /// everything finished in time.
    pub async fn shutdown(&self, settle: Duration) -> bool {
        drop(self.inner.queue.lock().expect("queue lock").take());
        let Some(mut worker) = self.inner.worker.lock().expect("worker lock").take() else {
            return true;
        };
        match rt::timeout(settle, &mut worker).await {
            Ok(result) => {
                if let Err(e) = result {
                    panic!("the spawn worker failed: {e:?}");
                }
                true
            }
            Err(_) => {
                worker.abort();
                let _ = worker.await;
                false
            }
        }
    }

    async fn cleanup(
        &self,
        session: &SessionId,
        source: CleanupSource,
    ) -> Result<CleanupReport, CleanupError> {
        self.inner.cleaner.cleanup(session, source, None).await
    }
}
