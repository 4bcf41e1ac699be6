//! The scenario driver: clients that start sessions and end them (through `end_session`, the
//! webhook, or both at once), agents that connect, exit, ignore SIGTERM or crash as the
//! workload says, and a health probe; then the liveness phase and the report.
//!
//! The run has the two phases of every subsystem: the workload with the scenario's faults,
//! then `fault::heal`, the clients' retries of ends that failed, and shutdown.

use crate::config::{ConfigError, OrchestratorConfig};
use crate::defect::Variant;
use crate::invariants;
use crate::journal::{Journal, SharedJournal};
use crate::keys::SessionId;
use crate::orchestrator::{Orchestrator, WebhookEvent};
use crate::worker::Agents;
use crate::CleanupReport;
use asynclife_sim::rt::{self, fault, process};
use asynclife_sim::world::{ProcessSpec, TermBehavior};
use asynclife_sim::{Report, Sim, SimConfig};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A scenario's `[workload]` table. Ranges are `[min, max]` in milliseconds, inclusive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Sessions started, one client each.
    pub sessions: usize,
    /// Clients start their session at a uniform time in `0..=start_window_ms`.
    pub start_window_ms: u64,
    /// How long a spawn job waits in the queue before the worker takes it.
    pub queue_delay_ms: [u64; 2],
    /// When an agent connects, after its spawn.
    pub connect_ms: [u64; 2],
    /// Chance that an agent never connects (the start then fails on the connect timeout).
    pub never_connect_probability: f64,
    /// Chance that an agent ignores SIGTERM (only SIGKILL stops it).
    pub ignore_term_probability: f64,
    /// How long an agent that honours SIGTERM takes to exit.
    pub term_exit_ms: [u64; 2],
    /// Chance that an agent crashes by itself.
    pub crash_probability: f64,
    /// When a crashing agent crashes, after its spawn.
    pub crash_after_ms: [u64; 2],
    /// When a client ends its session, after its start returned.
    pub end_after_ms: [u64; 2],
    /// Chance that the end comes through the webhook instead of `end_session`.
    pub webhook_probability: f64,
    /// Chance that the end comes through both at once (a client's end and the webhook).
    pub duplicate_end_probability: f64,
    /// The health probe's period.
    pub health_interval_ms: u64,
    /// How long shutdown waits for the spawn worker's jobs in the liveness phase.
    pub settle_ms: u64,
    /// The orchestrator's configuration.
    pub orchestrator: OrchestratorConfig,
    /// Swarm mode: each seed draws its own shape within these values ([`Workload::drawn`]).
    pub swarm: bool,
}

impl Default for Workload {
    /// The seed's default workload: agents connect 15 to 30 s after their spawn.
    fn default() -> Self {
        Workload {
            sessions: 20,
            start_window_ms: 2_000,
            queue_delay_ms: [100, 500],
            connect_ms: [15_000, 30_000],
            never_connect_probability: 0.0,
            ignore_term_probability: 0.2,
            term_exit_ms: [0, 3_000],
            crash_probability: 0.0,
            crash_after_ms: [16_000, 40_000],
            end_after_ms: [0, 60_000],
            webhook_probability: 0.3,
            duplicate_end_probability: 0.1,
            health_interval_ms: 100,
            settle_ms: 120_000,
            orchestrator: OrchestratorConfig::default(),
            swarm: false,
        }
    }
}

impl Workload {
    /// `n` sessions started together whose ends all arrive at the same instant, 40 s later
    /// (every agent has connected); half the agents ignore SIGTERM. The benchmark's load.
    pub fn concurrent_ends(n: usize) -> Workload {
        Workload {
            sessions: n,
            start_window_ms: 0,
            end_after_ms: [40_000, 40_000],
            ignore_term_probability: 0.5,
            term_exit_ms: [100, 2_000],
            webhook_probability: 0.0,
            duplicate_end_probability: 0.0,
            ..Workload::default()
        }
    }

    /// The shape of this seed's run in swarm mode: fewer sessions in a shorter window, the
    /// upper ends of the queue, exit, crash and end times scaled down, each probability on or
    /// off and scaled. The connect times and the orchestrator's settings stay: they are the
    /// agents' and the service's, which the invariants measure against. Valid when `self` is;
    /// has `swarm = false`.
    pub fn drawn(&self) -> Workload {
        use rt::swarm::{feature, scale, size};
        let upper = |[min, max]: [u64; 2]| [min, scale(max).max(min)];
        Workload {
            sessions: size(self.sessions),
            start_window_ms: scale(self.start_window_ms),
            queue_delay_ms: upper(self.queue_delay_ms),
            connect_ms: self.connect_ms,
            never_connect_probability: feature(self.never_connect_probability),
            ignore_term_probability: feature(self.ignore_term_probability),
            term_exit_ms: upper(self.term_exit_ms),
            crash_probability: feature(self.crash_probability),
            crash_after_ms: upper(self.crash_after_ms),
            end_after_ms: upper(self.end_after_ms),
            webhook_probability: feature(self.webhook_probability),
            duplicate_end_probability: feature(self.duplicate_end_probability),
            health_interval_ms: self.health_interval_ms,
            settle_ms: self.settle_ms,
            orchestrator: self.orchestrator.clone(),
            swarm: false,
        }
    }

    /// Checks the values the types cannot: ranges in order, probabilities in `0..=1`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let ranges = [
            ("queue_delay_ms", self.queue_delay_ms),
            ("connect_ms", self.connect_ms),
            ("term_exit_ms", self.term_exit_ms),
            ("crash_after_ms", self.crash_after_ms),
            ("end_after_ms", self.end_after_ms),
        ];
        for (field, [min, max]) in ranges {
            if min > max {
                return Err(ConfigError::new(field, "min must not exceed max"));
            }
        }
        let probabilities = [
            ("never_connect_probability", self.never_connect_probability),
            ("ignore_term_probability", self.ignore_term_probability),
            ("crash_probability", self.crash_probability),
            ("webhook_probability", self.webhook_probability),
            ("duplicate_end_probability", self.duplicate_end_probability),
        ];
        for (field, p) in probabilities {
            if !(0.0..=1.0).contains(&p) {
                return Err(ConfigError::new(field, "must be within 0..=1"));
            }
        }
        if self.health_interval_ms == 0 {
            return Err(ConfigError::new("health_interval_ms", "must be at least 1"));
        }
        self.orchestrator.validate().map_err(|e| ConfigError {
            field: format!("orchestrator.{}", e.field),
            message: e.message,
        })
    }
}

/// What a workload measured, in virtual time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkloadReport {
    /// Every cleanup's duration, in the order they finished.
    pub cleanup_durations: Vec<Duration>,
    /// Every health probe's latency, in order.
    pub health_latencies: Vec<Duration>,
    /// Every client's end request, from when it was sent to its answer: the cleanup plus
    /// whatever kept the handler from starting (a held executor, a lock).
    pub end_latencies: Vec<Duration>,
    /// The whole workload, both phases.
    pub total: Duration,
    /// Every cleanup's report.
    pub cleanups: Vec<CleanupReport>,
    /// Whether the spawn worker finished within the settle time at shutdown.
    pub settled: bool,
}

/// Draws each agent's behaviour from the workload, with the run's seeded generator.
struct WorkloadAgents(Workload);

fn draw_ms([min, max]: [u64; 2]) -> Duration {
    Duration::from_millis(rt::random_range(min..=max))
}

impl Agents for WorkloadAgents {
    fn queue_delay(&self, _: &SessionId) -> Duration {
        draw_ms(self.0.queue_delay_ms)
    }

    fn spec(&self, session: &SessionId) -> ProcessSpec {
        let w = &self.0;
        let connect_after =
            (!rt::random_bool(w.never_connect_probability)).then(|| draw_ms(w.connect_ms));
        let on_term = match rt::random_bool(w.ignore_term_probability) {
            true => TermBehavior::Ignore,
            false => TermBehavior::ExitAfter(draw_ms(w.term_exit_ms)),
        };
        let crash_after = rt::random_bool(w.crash_probability).then(|| draw_ms(w.crash_after_ms));
        ProcessSpec {
            connect_after,
            on_term,
            crash_after,
            ..ProcessSpec::named(session.agent_name())
        }
    }
}

/// Runs `workload` against `variant` inside the current simulation: registers the
/// invariants, runs both phases, and reports what it measured.
///
/// # Panics
/// Outside a simulation, or if the workload is invalid (validate files first).
pub async fn run_workload(workload: Workload, variant: Variant) -> WorkloadReport {
    if let Err(e) = workload.validate() {
        panic!("invalid pidclean workload: {e}");
    }
    let workload = rt::swarm::drawn_if(workload.swarm, workload, Workload::drawn);
    let started = rt::now();
    let journal = Journal::shared();
    invariants::register(&journal, &workload.orchestrator);
    let agents = Arc::new(WorkloadAgents(workload.clone()));
    let orchestrator = Orchestrator::start(
        workload.orchestrator.clone(),
        variant,
        agents,
        journal.clone(),
    );
    let interval = Duration::from_millis(workload.health_interval_ms);
    let prober = rt::spawn("health-probe", probe(orchestrator.clone(), interval));

    // Safety phase: the clients, under the scenario's faults.
    let mut clients = rt::JoinSet::new();
    for index in 0..workload.sessions {
        let client = Client {
            orchestrator: orchestrator.clone(),
            journal: journal.clone(),
            workload: workload.clone(),
            index,
        };
        clients.spawn(format!("client-{index}"), client.run());
    }
    let mut unfinished = Vec::new();
    while let Some(result) = clients.join_next().await {
        unfinished.extend(result.expect("clients do not panic"));
    }

    // Liveness phase: faults healed, the clients retry the ends that failed.
    fault::heal();
    for session in unfinished {
        end(&orchestrator, &journal, &session, EndRoute::EndSession).await;
    }
    // In the poll that aborts the prober, so that no check sees a probe left pending.
    journal.lock().expect("journal lock").stop_probing();
    prober.abort();
    let _ = prober.await;
    let settle = Duration::from_millis(workload.settle_ms);
    let settled = orchestrator.shutdown(settle).await;
    let journal = journal.lock().expect("journal lock");
    WorkloadReport {
        cleanup_durations: journal.cleanups().iter().map(|c| c.duration()).collect(),
        health_latencies: journal.health_latencies().to_vec(),
        end_latencies: journal.end_latencies().to_vec(),
        total: rt::now() - started,
        cleanups: journal.cleanups().to_vec(),
        settled,
    }
}

/// Probes `health` every `interval`. A probe is sent when it is due, whatever the executor
/// is doing, so its latency runs from then to the answer; the journal knows it is pending
/// from the start, so a probe that is never served shows too.
async fn probe(orchestrator: Orchestrator, interval: Duration) {
    let journal = orchestrator.journal().clone();
    let mut due = rt::now();
    loop {
        journal.lock().expect("journal lock").probe_due(due);
        rt::sleep_until(due).await;
        let _ = orchestrator.health().await;
        let answered = rt::now();
        journal
            .lock()
            .expect("journal lock")
            .record_health_latency(answered - due);
        // Probes missed while the executor was held are not made up in a burst.
        due = (due + interval).max(answered);
    }
}

/// The ways a client ends its session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EndRoute {
    EndSession,
    Webhook,
    Both,
}

/// One user: starts a session, waits, ends it.
struct Client {
    orchestrator: Orchestrator,
    journal: SharedJournal,
    workload: Workload,
    index: usize,
}

impl Client {
    /// Returns the session if it still needs ending (its end, or its failed start's
    /// cleanup, failed).
    async fn run(self) -> Option<SessionId> {
        let w = &self.workload;
        rt::sleep(draw_ms([0, w.start_window_ms])).await;
        let user = format!("user-{}", self.index);
        let session = match self.orchestrator.start_session(&user, "Ashley").await {
            Ok(session) => session,
            Err(failed) => {
                let mut journal = self.journal.lock().expect("journal lock");
                journal.end_requested(&failed.session, rt::now(), false);
                journal.end_returned(&failed.session, failed.cleanup.is_ok());
                return failed.cleanup.is_err().then_some(failed.session);
            }
        };
        // The end is sent when due; if the executor is held then, its client waits.
        let due = rt::now() + draw_ms(w.end_after_ms);
        rt::sleep_until(due).await;
        let route = if rt::random_bool(w.duplicate_end_probability) {
            EndRoute::Both
        } else if rt::random_bool(w.webhook_probability) {
            EndRoute::Webhook
        } else {
            EndRoute::EndSession
        };
        let ok = end(&self.orchestrator, &self.journal, &session, route).await;
        let latency = rt::now() - due;
        self.journal
            .lock()
            .expect("journal lock")
            .record_end_latency(latency);
        (!ok).then_some(session)
    }
}

/// Ends `session` by `route`, journaling the request and its result; true on success.
async fn end(
    orchestrator: &Orchestrator,
    journal: &SharedJournal,
    session: &SessionId,
    route: EndRoute,
) -> bool {
    let name = session.agent_name();
    let agent_dead =
        process::inspect(|table, _| table.iter().any(|p| p.name == name && !p.state.is_alive()));
    journal
        .lock()
        .expect("journal lock")
        .end_requested(session, rt::now(), agent_dead);
    let webhook = || WebhookEvent {
        event: "room_finished".into(),
        session: session.clone(),
    };
    let ok = match route {
        EndRoute::EndSession => orchestrator.end_session(session).await.is_ok(),
        EndRoute::Webhook => orchestrator.webhook(webhook()).await.is_ok(),
        EndRoute::Both => {
            let (a, b) = tokio::join!(
                orchestrator.end_session(session),
                orchestrator.webhook(webhook())
            );
            a.is_ok() || b.is_ok()
        }
    };
    journal
        .lock()
        .expect("journal lock")
        .end_returned(session, ok);
    ok
}

/// One benchmark run: what the workload measured, and the engine's report.
#[derive(Clone, Debug)]
pub struct BenchRun {
    /// Cleanup durations and health latencies.
    pub workload: WorkloadReport,
    /// The engine's report (verdict, violations, trace).
    pub report: Report,
}

/// Runs one simulation of [`Workload::concurrent_ends`]`(concurrent_ends)` against
/// `variant` with `seed`, and returns what it measured.
pub fn bench(concurrent_ends: usize, variant: Variant, seed: u64) -> BenchRun {
    let workload = Workload::concurrent_ends(concurrent_ends);
    let measured = Arc::new(Mutex::new(None));
    let slot = measured.clone();
    let config = SimConfig {
        record_trace: false,
        ..SimConfig::with_seed(seed)
    };
    let report = Sim::new(config).run(move || async move {
        let result = run_workload(workload, variant).await;
        *slot.lock().expect("bench slot") = Some(result);
    });
    let workload = measured
        .lock()
        .expect("bench slot")
        .take()
        .unwrap_or_default();
    BenchRun { workload, report }
}
