//! The workload's subject, shaped like seed 002's `LLMService`: each response is processed in
//! the background (validate, format, update the conversation) as a managed task, and some
//! get an unnamed follow-up task (usage logging).
//!
//! Every step passes a fault point (`llm.validate`, `llm.format`, `llm.update_conversation`,
//! `llm.log_usage`), so a scenario's fault plan injects slow steps and hangs (`delay`),
//! failures (`error`), panics (`error` of kind `panic`), and crashes of the task (`crash`).
//! Every error and panic is told to the [`Probe`] before it is raised.

use crate::manager::{SpawnError, TaskManager};
use crate::probe::Probe;
use crate::registry::RunId;
use asynclife_sim::rt::{self, fault};
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The error kind that a fault plan uses to make a step panic instead of failing.
pub const PANIC_KIND: &str = "panic";

/// One model response to process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Its id (the same id again is a redelivery).
    pub id: u64,
    /// Its text.
    pub text: String,
}

impl Response {
    /// Response `id`.
    pub fn new(id: u64) -> Response {
        Response {
            id,
            text: format!("answer {id}"),
        }
    }
}

/// A processing step failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepError(pub String);

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StepError {}

/// The LLM service: a conversation and the manager that runs its background work.
#[derive(Clone)]
pub struct LlmService {
    manager: TaskManager,
    probe: Probe,
    conversation: Arc<Mutex<Vec<String>>>,
    step_min_ms: u64,
    step_max_ms: u64,
}

impl LlmService {
    /// A service whose steps take `step_min_ms..=step_max_ms` each (before injected delays).
    ///
    /// # Panics
    /// If `step_min_ms > step_max_ms` (a scenario's workload is checked for it when loaded).
    pub fn new(manager: TaskManager, probe: Probe, step_min_ms: u64, step_max_ms: u64) -> Self {
        assert!(
            step_min_ms <= step_max_ms,
            "step range {step_min_ms}..={step_max_ms} is reversed"
        );
        LlmService {
            manager,
            probe,
            conversation: Arc::default(),
            step_min_ms,
            step_max_ms,
        }
    }

    /// Seed 002's fixed `process_response_async`: a managed task named
    /// `process_response_{id}`.
    pub fn process_response_async(&self, response: Response) -> Result<RunId, SpawnError> {
        let name = format!("process_response_{}", response.id);
        let run = self.manager.background_run(Some(&name));
        let (service, id) = (self.clone(), run.id.clone());
        let body = async move { service.process_response_details(&id, response).await };
        self.manager.spawn(run, self.instrument(body))
    }

    /// An unnamed follow-up task: the manager picks its run id.
    pub fn log_usage_async(&self) -> Result<RunId, SpawnError> {
        let run = self.manager.background_run(None);
        let (service, id) = (self.clone(), run.id.clone());
        let body = async move { service.step("llm.log_usage", &id).await };
        self.manager.spawn(run, self.instrument(body))
    }

    /// The conversation's messages so far.
    pub fn conversation_len(&self) -> usize {
        self.conversation
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    async fn process_response_details(
        &self,
        id: &RunId,
        response: Response,
    ) -> Result<(), StepError> {
        self.step("llm.validate", id).await?;
        self.step("llm.format", id).await?;
        self.step("llm.update_conversation", id).await?;
        self.conversation
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(response.text);
        Ok(())
    }

    /// One step: some work, then its fault point.
    async fn step(&self, point: &str, id: &RunId) -> Result<(), StepError> {
        let work_ms = rt::random_range(self.step_min_ms..=self.step_max_ms);
        rt::sleep(Duration::from_millis(work_ms)).await;
        if let Err(e) = fault::point(point).await {
            let message = format!("{e} in {id}");
            self.probe.raised(id, &message);
            if e.kind == PANIC_KIND {
                panic!("{message}");
            }
            return Err(StepError(message));
        }
        Ok(())
    }

    /// Counts the future alive from now until it is dropped, and its body busy while it
    /// executes (the probe's two counters).
    fn instrument<F: Future + Send>(&self, body: F) -> impl Future<Output = F::Output> + Send {
        let alive = self.probe.alive();
        let probe = self.probe.clone();
        async move {
            let _alive = alive;
            let _busy = probe.busy();
            body.await
        }
    }
}
