//! The retrieval agent of the workload, `haystack_pipeline`: answers `retrieve_documents`
//! after a latency, each request in a task of its own. Its failures come from the fault plan,
//! at the point `haystack.retrieve`:
//! - `delay`: extra latency (a slow pipeline);
//! - `error`: an error response (an outage is an `error` rule with an `after_ms..until_ms`
//!   window; the agent recovers when the window ends);
//! - `drop`: no response at all (the agent is down, silently);
//! - `duplicate`: two responses;
//! - `late`: the response comes after the requester's deadline, by the margin;
//! - `crash`: the request's task dies, with no response.

use crate::bus::{lock, Bus};
use crate::message::{Message, Payload};
use asynclife_sim::rt::fault::{self, Delivery};
use asynclife_sim::rt::{self, JoinHandle, JoinSet};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// The agent's name on the bus.
pub const PIPELINE: &str = "haystack_pipeline";

/// The agent's behaviour when the fault plan leaves it alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// Shortest time to answer.
    pub latency_min_ms: u64,
    /// Longest time to answer.
    pub latency_max_ms: u64,
    /// Documents per answer.
    pub documents: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            latency_min_ms: 20,
            latency_max_ms: 400,
            documents: 3,
        }
    }
}

/// Counters of the agent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PipelineStats {
    /// Requests received.
    pub requests: u64,
    /// Responses sent (a duplicate counts twice).
    pub responses: u64,
    /// Error responses among them.
    pub errors: u64,
    /// Requests never answered (dropped at the point).
    pub unanswered: u64,
}

/// The running agent.
pub struct HaystackPipeline {
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

struct Shared {
    bus: Bus,
    config: PipelineConfig,
    jobs: mpsc::UnboundedSender<Option<Message>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    stats: PipelineStats,
    tasks: usize,
}

impl HaystackPipeline {
    /// Registers the agent on `bus` and starts its worker.
    ///
    /// # Panics
    /// Outside a simulation and outside a tokio runtime (it spawns its worker).
    pub fn start(bus: &Bus, config: PipelineConfig) -> HaystackPipeline {
        let (jobs, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            bus: bus.clone(),
            config,
            jobs,
            state: Mutex::new(State::default()),
        });
        let handler = shared.clone();
        bus.register(
            PIPELINE,
            move |message: &Message, _: &Bus| -> Option<Payload> {
                if let Payload::RetrieveDocuments { .. } = message.payload {
                    lock(&handler.state).stats.requests += 1;
                    // Asynchronous work: no reply here, the task replies.
                    let _ = handler.jobs.send(Some(message.clone()));
                }
                None
            },
        );
        let worker = rt::spawn("haystack_pipeline.worker", run(shared.clone(), receiver));
        HaystackPipeline {
            shared,
            worker: Mutex::new(Some(worker)),
        }
    }

    /// No request being worked on.
    pub fn is_idle(&self) -> bool {
        lock(&self.shared.state).tasks == 0
    }

    /// The counters so far.
    pub fn stats(&self) -> PipelineStats {
        lock(&self.shared.state).stats
    }

    /// Stops the worker; requests still being worked on are abandoned.
    pub async fn shutdown(&self) {
        let _ = self.shared.jobs.send(None);
        let handle = lock(&self.worker).take();
        if let Some(handle) = handle {
            if let Err(e) = handle.await {
                assert!(!e.is_panic(), "the pipeline's worker failed: {e}");
            }
        }
    }
}

async fn run(shared: Arc<Shared>, mut jobs: mpsc::UnboundedReceiver<Option<Message>>) {
    let mut tasks = JoinSet::new();
    loop {
        asynclife_sim::select! {
            biased;
            job = jobs.recv() => match job {
                Some(Some(request)) => {
                    tasks.spawn("haystack.retrieve", retrieve(shared.clone(), request));
                }
                Some(None) | None => break,
            },
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                if let Err(e) = joined {
                    assert!(!e.is_panic(), "a pipeline task failed: {e}");
                }
            }
        }
        lock(&shared.state).tasks = tasks.len();
    }
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    lock(&shared.state).tasks = 0;
}

/// Answers one request as the fault plan says.
async fn retrieve(shared: Arc<Shared>, request: Message) {
    let decision = fault::delivery("haystack.retrieve").await;
    let (min_ms, max_ms) = (shared.config.latency_min_ms, shared.config.latency_max_ms);
    let mut answer_at = rt::now() + Duration::from_millis(rt::random_range(min_ms..=max_ms));
    let documents = || {
        let docs = (0..shared.config.documents)
            .map(|i| format!("{}-doc-{i}", request.id))
            .collect();
        Payload::Documents(Ok(docs))
    };
    let (payload, copies) = match decision {
        Err(e) => (Payload::Documents(Err(e.kind)), 1),
        Ok(Delivery::Deliver) => (documents(), 1),
        Ok(Delivery::Duplicate) => (documents(), 2),
        Ok(Delivery::Late(margin)) => {
            if let Some(deadline) = request.deadline {
                answer_at = answer_at.max(deadline + margin);
            }
            (documents(), 1)
        }
        Ok(Delivery::Drop) => {
            lock(&shared.state).stats.unanswered += 1;
            return;
        }
    };
    rt::sleep_until(answer_at).await;
    {
        let mut st = lock(&shared.state);
        st.stats.responses += copies;
        if matches!(payload, Payload::Documents(Err(_))) {
            st.stats.errors += copies;
        }
    }
    for _ in 0..copies {
        shared.bus.reply(PIPELINE, &request, payload.clone());
    }
}
