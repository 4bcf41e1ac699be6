//! The scenario driver: sessions of a voice assistant issue intents that start voice
//! synthesis, audio playback and timer actions, sometimes cancel them, and the run checks
//! the invariants; then faults heal and everything settles and shuts down.

use crate::context::RetentionPolicy;
use crate::defect::Variant;
use crate::error::ActionError;
use crate::handlers::ActionKind;
use crate::invariants::{self, Probe};
use crate::ledger::Ledger;
use crate::lock::lock;
use crate::manager::ContextManager;
use crate::options::ActionOptions;
use crate::tracker::{ActionKey, ActionRequest, ActionTracker, Observer};
use crate::workflow::Workflow;
use asynclife_sim::rt::{self, fault};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The scenario file's `[workload]` table. Every field has a default; durations are in
/// milliseconds, ranges are inclusive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Conversation sessions running at once.
    pub sessions: u32,
    /// Intents each session issues, one after another; each starts one action.
    pub intents_per_session: u32,
    /// The pause before each intent.
    pub think_min_ms: u64,
    /// See `think_min_ms`.
    pub think_max_ms: u64,
    /// How long an action's work takes (the same for each of its attempts).
    pub work_min_ms: u64,
    /// See `work_min_ms`.
    pub work_max_ms: u64,
    /// How long delivering an intent's response takes.
    pub response_min_ms: u64,
    /// See `response_min_ms`.
    pub response_max_ms: u64,
    /// Chance that an action is started as critical.
    pub critical_probability: f64,
    /// Chance that the user cancels an action after starting it.
    pub cancel_probability: f64,
    /// Chance that the user then also stops everything of the action's domain.
    pub cancel_domain_probability: f64,
    /// How long after the start the user cancels.
    pub cancel_min_ms: u64,
    /// See `cancel_min_ms`.
    pub cancel_max_ms: u64,
    /// After that delay, the cancel waits `0..=cancel_yields_max` turns of the scheduler
    /// (yields): with a delay of 0 it lands in the instant of the start, before or after the
    /// action's first attempt has run. 0 (the default): no turn is waited, nothing drawn.
    pub cancel_yields_max: u32,
    /// Every action's deadline and retry policy.
    pub options: ActionOptions,
    /// How much history each context keeps.
    pub retention: RetentionPolicy,
    /// How often the sweeper applies the retention policy.
    pub sweep_interval_ms: u64,
    /// How long past its timeout an action may take to leave the active set.
    pub grace_ms: u64,
    /// Shut the tracker down at an instant in `[min, max]` ms, while the sessions still run
    /// (their later starts are refused). Unset (the default): after every action settled.
    pub shutdown_under_load_ms: Option<[u64; 2]>,
    /// Swarm mode: each seed draws its own shape within these values ([`Workload::drawn`]).
    pub swarm: bool,
}

impl Workload {
    /// Checks what the types cannot say: ranges in order, probabilities within `0..=1`, at
    /// least one intent, a timeout and a retry policy under which an attempt can run. The
    /// message starts with the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.sessions == 0 || self.intents_per_session == 0 {
            return Err("sessions: at least 1 session of at least 1 intent (intents_per_session), or nothing runs".into());
        }
        let ranges = [
            ("think_min_ms", self.think_min_ms, self.think_max_ms),
            ("work_min_ms", self.work_min_ms, self.work_max_ms),
            (
                "response_min_ms",
                self.response_min_ms,
                self.response_max_ms,
            ),
            ("cancel_min_ms", self.cancel_min_ms, self.cancel_max_ms),
            (
                "shutdown_under_load_ms",
                self.shutdown_under_load_ms.map_or(0, |[min, _]| min),
                self.shutdown_under_load_ms.map_or(0, |[_, max]| max),
            ),
        ];
        for (field, min, max) in ranges {
            if min > max {
                return Err(format!("{field}: {min} is above its max, {max}"));
            }
        }
        let probabilities = [
            ("critical_probability", self.critical_probability),
            ("cancel_probability", self.cancel_probability),
            ("cancel_domain_probability", self.cancel_domain_probability),
        ];
        for (field, p) in probabilities {
            // Written so that NaN fails too.
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{field}: must be within 0..=1, got {p}"));
            }
        }
        if self.options.timeout.is_zero() {
            return Err("options.timeout_ms: at least 1, or no attempt ever runs".into());
        }
        self.options
            .retry
            .validate()
            .map_err(|e| format!("options.retry.{e}"))?;
        if self.sweep_interval_ms == 0 {
            return Err("sweep_interval_ms: at least 1".into());
        }
        Ok(())
    }
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            sessions: 4,
            intents_per_session: 4,
            think_min_ms: 0,
            think_max_ms: 2_000,
            work_min_ms: 0,
            work_max_ms: 3_000,
            response_min_ms: 5,
            response_max_ms: 300,
            critical_probability: 0.2,
            cancel_probability: 0.1,
            cancel_domain_probability: 0.02,
            cancel_min_ms: 0,
            cancel_max_ms: 3_000,
            cancel_yields_max: 0,
            options: ActionOptions::default(),
            retention: RetentionPolicy::default(),
            sweep_interval_ms: 1_000,
            grace_ms: 1_000,
            shutdown_under_load_ms: None,
            swarm: false,
        }
    }
}

impl Workload {
    /// The shape of this seed's run in swarm mode: the counts and the upper ends of the
    /// timings scaled down (or the cancels all at their earliest moment), each probability on
    /// or off and scaled, the shutdown under load on
    /// or off (when the file has one), fewer attempts and a shorter history. The deadlines
    /// and the grace stay: they are the service's settings, which the invariants measure
    /// against. Valid when `self` is; has `swarm = false`.
    pub fn drawn(&self) -> Workload {
        use rt::swarm::{coin, feature, scale, size};
        let upper = |min: u64, max: u64| {
            let max = scale(max).max(min.min(max));
            (min.min(max), max)
        };
        let (think_min_ms, think_max_ms) = upper(self.think_min_ms, self.think_max_ms);
        let (work_min_ms, work_max_ms) = upper(self.work_min_ms, self.work_max_ms);
        let (response_min_ms, response_max_ms) = upper(self.response_min_ms, self.response_max_ms);
        // Half the seeds cancel at the earliest moment only: the instant of the start, where
        // a cancel races the first attempt.
        let (cancel_min_ms, cancel_max_ms) = if coin() {
            (self.cancel_min_ms, self.cancel_min_ms)
        } else {
            upper(self.cancel_min_ms, self.cancel_max_ms)
        };
        let mut options = self.options.clone();
        options.retry.max_attempts = size(options.retry.max_attempts);
        Workload {
            sessions: size(self.sessions),
            intents_per_session: size(self.intents_per_session),
            think_min_ms,
            think_max_ms,
            work_min_ms,
            work_max_ms,
            response_min_ms,
            response_max_ms,
            critical_probability: feature(self.critical_probability),
            cancel_probability: feature(self.cancel_probability),
            cancel_domain_probability: feature(self.cancel_domain_probability),
            cancel_min_ms,
            cancel_max_ms,
            cancel_yields_max: if coin() { self.cancel_yields_max } else { 0 },
            options,
            retention: RetentionPolicy {
                max_count: size(self.retention.max_count),
                ..self.retention.clone()
            },
            sweep_interval_ms: self.sweep_interval_ms,
            grace_ms: self.grace_ms,
            shutdown_under_load_ms: self.shutdown_under_load_ms.filter(|_| coin()),
            swarm: false,
        }
    }

    /// Smaller workloads, smallest first: fewer sessions, then fewer intents.
    pub fn shrink(&self) -> Vec<Workload> {
        let mut smaller = Vec::new();
        for sessions in [1, self.sessions / 2] {
            if sessions >= 1 && sessions < self.sessions {
                smaller.push(Workload {
                    sessions,
                    ..self.clone()
                });
            }
        }
        for intents in [1, self.intents_per_session / 2] {
            if intents >= 1 && intents < self.intents_per_session {
                smaller.push(Workload {
                    intents_per_session: intents,
                    ..self.clone()
                });
            }
        }
        smaller.dedup();
        smaller
    }

    fn grace(&self) -> Duration {
        Duration::from_millis(self.grace_ms)
    }

    fn sweep_interval(&self) -> Duration {
        Duration::from_millis(self.sweep_interval_ms.max(1))
    }
}

/// A draw in `min..=max` milliseconds (`min` if the range is empty).
fn draw_ms(min: u64, max: u64) -> Duration {
    Duration::from_millis(if max > min {
        rt::random_range(min..=max)
    } else {
        min
    })
}

/// One run: registers the invariants, runs the sessions with faults, heals, lets every
/// action finish (or time out), shuts down, and returns with nothing left running.
/// Must be called from within a simulation.
pub async fn run(workload: Workload, variant: Variant) {
    let workload = rt::swarm::drawn_if(workload.swarm, workload, Workload::drawn);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let contexts = ContextManager::new(workload.retention.clone());
    let observer: Observer = {
        let ledger = ledger.clone();
        Arc::new(move |event| lock(&ledger).observe(event))
    };
    let tracker = ActionTracker::build(contexts.clone(), variant, Some(observer));
    invariants::register(&Probe {
        tracker: tracker.clone(),
        ledger: ledger.clone(),
        grace: workload.grace(),
        sweep_interval: workload.sweep_interval(),
    });
    let sweeper = contexts.spawn_sweeper(workload.sweep_interval());
    let notifier = spawn_notification_reader(&tracker, &ledger);
    let workflow = Workflow::new(tracker.clone());
    let early_shutdown = workload.shutdown_under_load_ms.map(|[min, max]| {
        let (tracker, ledger) = (tracker.clone(), ledger.clone());
        rt::spawn("shutdown under load", async move {
            rt::sleep(draw_ms(min, max)).await;
            shut_down(&tracker, &ledger).await;
        })
    });

    // Safety phase: the sessions, with faults.
    let mut sessions = rt::JoinSet::new();
    for index in 0..workload.sessions {
        let session = Session {
            name: format!("s{index}"),
            workload: workload.clone(),
            workflow: workflow.clone(),
            ledger: ledger.clone(),
        };
        sessions.spawn(format!("session s{index}"), session.run());
    }
    while let Some(result) = sessions.join_next().await {
        // A crash injected into a session's own path cancels it; a panic is a bug.
        if let Err(e) = result {
            assert!(!e.is_panic(), "a session panicked: {e}");
        }
    }

    // Liveness phase: faults healed, every action must end within its timeout + grace.
    fault::heal();
    settle(&tracker, &workload).await;
    if let Some(early) = early_shutdown {
        early
            .await
            .expect("the shutdown task neither panics nor is aborted");
    }
    shut_down(&tracker, &ledger).await;
    sweeper.abort();
    let _ = sweeper.await;
    let _ = notifier.await;
}

/// Shuts the tracker down, recording in the ledger when, and what was still alive when it
/// returned (invariant 8).
async fn shut_down(tracker: &ActionTracker, ledger: &Arc<Mutex<Ledger>>) {
    lock(ledger).shutdown_began(rt::now());
    tracker.shutdown().await;
    let live_tasks = tracker.with_live(|live| live.len());
    lock(ledger).shutdown_returned(rt::now(), live_tasks);
}

/// Waits until no action runs, or until every action started so far is past its
/// deadline and grace, ticking each second so the invariants look in between.
async fn settle(tracker: &ActionTracker, workload: &Workload) {
    let tick = Duration::from_secs(1);
    let until = rt::now() + workload.options.timeout + workload.grace() + tick * 2;
    while tracker.running_count() > 0 && rt::now() < until {
        rt::sleep(tick).await;
    }
}

/// Reads the critical-failure notifications into the ledger until the tracker shuts down.
fn spawn_notification_reader(
    tracker: &ActionTracker,
    ledger: &Arc<Mutex<Ledger>>,
) -> rt::JoinHandle<()> {
    let mut notifications = tracker
        .take_notifications()
        .expect("a new tracker still has its notifications");
    let ledger = ledger.clone();
    rt::spawn("notification reader", async move {
        while let Some(notification) = notifications.recv().await {
            lock(&ledger).notified(notification);
        }
    })
}

/// One attempt of an instrumented action function.
type AttemptFuture = Pin<Box<dyn Future<Output = Result<(), ActionError>> + Send>>;

/// One conversation session: its intents, one after another.
struct Session {
    name: String,
    workload: Workload,
    workflow: Workflow,
    ledger: Arc<Mutex<Ledger>>,
}

impl Session {
    async fn run(self) {
        let w = &self.workload;
        for n in 0..w.intents_per_session {
            rt::sleep(draw_ms(w.think_min_ms, w.think_max_ms)).await;
            let kind = ActionKind::ALL[rt::random_range(0..ActionKind::ALL.len())];
            let request = ActionRequest {
                session: self.name.clone(),
                handler: kind.handler().to_string(),
                action: format!("{}-{n}", kind.prefix()),
                domain: kind.domain().to_string(),
                options: ActionOptions {
                    critical: rt::random_bool(w.critical_probability),
                    ..w.options.clone()
                },
            };
            let work = draw_ms(w.work_min_ms, w.work_max_ms);
            let response = draw_ms(w.response_min_ms, w.response_max_ms);
            lock(&self.ledger).requested(&request);
            let action_fn = self.action_fn(kind, request.key(), work);
            let metadata = self
                .workflow
                .handle_intent(request, response, action_fn)
                .await;
            lock(&self.ledger).metadata(metadata);
            self.maybe_cancel(kind, n).await;
        }
    }

    /// The action's function, recording each attempt's beginning and result in the ledger.
    fn action_fn(
        &self,
        kind: ActionKind,
        key: ActionKey,
        work: Duration,
    ) -> impl Fn(u32) -> AttemptFuture + Send + Sync + 'static {
        let ledger = self.ledger.clone();
        move |attempt| {
            let ledger = ledger.clone();
            let key = key.clone();
            Box::pin(async move {
                let _alive = AttemptAlive::enter(&ledger);
                lock(&ledger).attempt_began(&key, attempt, rt::now());
                let result = kind.run(work).await;
                let outcome = result.as_ref().map(|_| ()).map_err(|e| e.kind);
                lock(&ledger).attempt_ended(&key, attempt, rt::now(), outcome);
                result
            })
        }
    }

    /// Sometimes the user says "stop" after a while: this action, and maybe its domain.
    async fn maybe_cancel(&self, kind: ActionKind, n: u32) {
        let w = &self.workload;
        if !rt::random_bool(w.cancel_probability) {
            return;
        }
        rt::sleep(draw_ms(w.cancel_min_ms, w.cancel_max_ms)).await;
        if w.cancel_yields_max > 0 {
            for _ in 0..rt::random_range(0..=w.cancel_yields_max) {
                rt::yield_now().await;
            }
        }
        let tracker = self.workflow.tracker();
        tracker.cancel(&self.name, &format!("{}-{n}", kind.prefix()));
        if rt::random_bool(w.cancel_domain_probability) {
            tracker.cancel_domain(kind.domain());
        }
    }
}

/// Counts an attempt function among those alive in the ledger, from its first poll until its
/// future is dropped (it returned, or its task was aborted).
struct AttemptAlive(Arc<Mutex<Ledger>>);

impl AttemptAlive {
    fn enter(ledger: &Arc<Mutex<Ledger>>) -> AttemptAlive {
        lock(ledger).attempt_alive();
        AttemptAlive(ledger.clone())
    }
}

impl Drop for AttemptAlive {
    fn drop(&mut self) {
        lock(&self.0).attempt_dropped();
    }
}
