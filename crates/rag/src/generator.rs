//! The scenario generator agent: answers `generate_scenario`, enriching the scenario with
//! documents from the retrieval agent when it can, without ever blocking the bus.
//!
//! A RAG request is asynchronous: the handler asks the breaker, records a
//! [`PendingScenarioRequest`], hands the `retrieve_documents` send to the worker (which
//! retries failed sends with backoff) and returns without a reply. Then exactly one of
//! these completes it, whichever comes first, through the completion guard
//! ([`PendingMap::claim`]):
//! - the documents response, if it arrives by the deadline (a later one is dropped and
//!   counted as late, and changes nothing); composing the scenario is bounded by the
//!   deadline too;
//! - an error response from the agent;
//! - the send path, when every attempt failed or the breaker opened meanwhile;
//! - the timeout sweep, once the deadline has passed (the fallback scenario, and a failure
//!   for the breaker).
//!
//! Invariants:
//! 1. Every generate request gets exactly one reply, by its deadline plus one sweep
//!    interval.
//! 2. A response after its request's deadline changes nothing but the late counter.
//! 3. Nothing is sent to the agent while its breaker forbids it: the check and the post
//!    happen under one lock.
//! 4. Every permit reports exactly one outcome to the breaker.
//! 5. The pending map holds at most `max_pending` requests, each until its deadline plus
//!    one sweep interval at the latest.

use crate::breaker::{Admission, BreakerInput, BreakerState, Breakers, Permit};
use crate::bus::{lock, Bus};
use crate::defect::Variant;
use crate::job::Job;
use crate::message::{FallbackReason, Message, MessageId, Payload, Scenario, Source};
use crate::observe::{Event, Observer};
use crate::pending::{Claim, PendingMap, PendingScenarioRequest};
use crate::state::{Gate, Shared, State};
use crate::worker;
use asynclife_sim::rt::{self, JoinHandle};
use asynclife_sim::Instant;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc;

pub use crate::config::GeneratorConfig;
pub use crate::state::GeneratorStats;

/// The generator's name on the bus.
pub const GENERATOR: &str = "scenario_generator";

/// The pending map, seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingOverview {
    /// How many requests are pending.
    pub len: usize,
    /// The one with the earliest deadline, and that deadline.
    pub oldest: Option<(MessageId, Instant)>,
}

/// A running generator: registered on its bus, with its worker task.
pub struct ScenarioGenerator {
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl ScenarioGenerator {
    /// Registers the generator on `bus` and starts its worker.
    ///
    /// # Panics
    /// Outside a simulation and outside a tokio runtime (it spawns its worker).
    pub fn start(
        bus: &Bus,
        config: GeneratorConfig,
        variant: Variant,
        observer: Observer,
    ) -> ScenarioGenerator {
        let (jobs, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            bus: bus.clone(),
            state: Mutex::new(State {
                pending: PendingMap::default(),
                breakers: Breakers::new(config.breaker.clone()),
                stats: GeneratorStats::default(),
                tasks: 0,
            }),
            config,
            variant,
            observer,
            jobs,
        });
        let handler = shared.clone();
        bus.register(
            GENERATOR,
            move |message: &Message, _: &Bus| -> Option<Payload> { handler.handle(message) },
        );
        let worker = rt::spawn(
            "scenario_generator.worker",
            worker::run(shared.clone(), receiver),
        );
        ScenarioGenerator {
            shared,
            worker: Mutex::new(Some(worker)),
        }
    }

    /// The agent's breaker state; `None` if the state is locked right now.
    pub fn breaker_state(&self, agent: &str) -> Option<BreakerState> {
        let st = self.shared.state.try_lock().ok()?;
        Some(st.breakers.state(agent))
    }

    /// The pending map's size and oldest deadline; `None` if it is locked right now.
    pub fn pending_overview(&self) -> Option<PendingOverview> {
        let st = self.shared.state.try_lock().ok()?;
        Some(PendingOverview {
            len: st.pending.len(),
            oldest: st.pending.oldest_deadline(),
        })
    }

    /// Nothing pending and no worker task running.
    pub fn is_idle(&self) -> bool {
        let st = self.shared.lock();
        st.pending.is_empty() && st.tasks == 0
    }

    /// The counters so far.
    pub fn stats(&self) -> GeneratorStats {
        self.shared.lock().stats
    }

    /// Stops the worker: its unfinished tasks are aborted. Pending requests stay pending.
    ///
    /// # Panics
    /// If the worker panicked (a bug: it re-raises its tasks' panics).
    pub async fn shutdown(&self) {
        let _ = self.shared.jobs.send(Job::Stop);
        let handle = lock(&self.worker).take();
        if let Some(handle) = handle {
            if let Err(e) = handle.await {
                assert!(!e.is_panic(), "the generator's worker failed: {e}");
            }
        }
    }
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    fn handle(&self, message: &Message) -> Option<Payload> {
        match &message.payload {
            Payload::GenerateScenario { query, use_rag } => {
                self.on_generate(message, query, *use_rag)
            }
            Payload::Documents(result) => {
                self.on_documents(message, result);
                None
            }
            Payload::Scenario(_) | Payload::RetrieveDocuments { .. } => None,
        }
    }

    /// A generate request: the fallback at once, or a RAG request completed later.
    fn on_generate(&self, message: &Message, query: &str, use_rag: bool) -> Option<Payload> {
        let now = rt::now();
        let mut st = self.lock();
        st.stats.accepted += 1;
        if !(self.config.rag_enabled && use_rag) {
            drop(st);
            let fallback = Scenario::fallback(query, FallbackReason::RagNotRequested);
            return self.reply_now(message, fallback);
        }
        if self.variant.has(Variant::BlockingWait) {
            // seed 004 #1: the handler from before the fix waited for the documents on the
            // bus thread.
            drop(st);
            return self.wait_blocking(message, query, now);
        }
        let permit = if st.pending.len() >= self.config.max_pending {
            Err(FallbackReason::PendingFull)
        } else {
            match self.admit(&mut st, now) {
                Admission::Allowed(permit) => Ok(permit),
                Admission::Rejected => Err(FallbackReason::BreakerOpen),
            }
        };
        let permit = match permit {
            Ok(permit) => permit,
            Err(reason) => {
                match reason {
                    FallbackReason::PendingFull => st.stats.pending_full += 1,
                    _ => st.stats.breaker_rejections += 1,
                }
                drop(st);
                return self.reply_now(message, Scenario::fallback(query, reason));
            }
        };
        let retrieve = self.retrieve_message(query, now);
        st.pending.insert(PendingScenarioRequest {
            id: retrieve.id,
            timestamp: now,
            timeout: self.config.request_timeout(),
            requester: message.from.clone(),
            request: message.id,
            query: query.to_string(),
            permit,
        });
        drop(st);
        self.submit(Job::Send {
            message: retrieve,
            permit,
        });
        None
    }

    /// seed 004 #1: the handler from before the fix (which had neither the breaker nor
    /// the pending map) sends the request, then waits for the response with
    /// `event.wait(RAG_REQUEST_TIMEOUT)` on the bus thread. While it waits nothing else
    /// runs, so the response cannot be delivered: the wait always times out, every request
    /// gets the fallback at its deadline, and the response arrives for a request nobody
    /// knows any more.
    fn wait_blocking(&self, message: &Message, query: &str, now: Instant) -> Option<Payload> {
        self.bus.post(self.retrieve_message(query, now));
        rt::blocking(self.config.request_timeout());
        self.reply_now(message, Scenario::fallback(query, FallbackReason::TimedOut))
    }

    /// The `retrieve_documents` request for `query`, carrying its deadline.
    fn retrieve_message(&self, query: &str, now: Instant) -> Message {
        let payload = Payload::RetrieveDocuments {
            query: query.to_string(),
        };
        let mut retrieve = self.bus.message(GENERATOR, &self.config.rag_agent, payload);
        retrieve.deadline = Some(now + self.config.request_timeout());
        retrieve
    }

    /// A reply for synchronous work: returned to the bus, which sends it.
    fn reply_now(&self, message: &Message, scenario: Scenario) -> Option<Payload> {
        self.count_reply(&mut self.lock(), &scenario);
        let payload = Payload::Scenario(scenario);
        if self.variant.has(Variant::DoubleResponse) {
            // seed 004 #2: `_handle_generate_scenario()` called `send_response()` AND
            // returned the data, so the framework sent the returned data as a second reply.
            self.bus.reply(GENERATOR, message, payload.clone());
        }
        Some(payload)
    }

    /// A documents response: applied if its request is still pending and within its
    /// deadline, dropped otherwise.
    fn on_documents(&self, message: &Message, result: &Result<Vec<String>, String>) {
        let Some(id) = message.response_to else {
            return;
        };
        let now = rt::now();
        let mut st = self.lock();
        let Some(deadline) = st.pending.get(id).map(PendingScenarioRequest::deadline) else {
            // Already completed: after its deadline by the sweep (a late response), or by
            // an earlier copy of this response.
            if message.deadline.is_some_and(|d| now > d) {
                st.stats.late_responses += 1;
            } else {
                st.stats.stale_responses += 1;
            }
            return;
        };
        // seed 004 #3: before the fix, responses were processed without looking at the
        // deadline; the fix drops a response that comes after it ("late response disposal").
        if now > deadline && !self.variant.has(Variant::LateResponseProcessed) {
            st.stats.late_responses += 1;
            drop(st);
            rt::event(format!("{GENERATOR}: late response for {id} dropped"));
            return;
        }
        let (claim, compose_by) = if self.variant.has(Variant::AsDocumented) {
            // seed 004 "After": `req = self.pending_scenarios.get(...)`, then
            // `_complete_scenario_with_rag(req, documents)`: the request is read, not claimed,
            // and stays pending while the scenario is composed, so the sweep can expire and
            // answer it meanwhile.
            let request = st.pending.get(id).cloned().expect("looked up above");
            (Claim::unguarded(request), None)
        } else {
            let Some(claim) = st.pending.claim(id) else {
                st.stats.stale_responses += 1;
                return;
            };
            (claim, Some(deadline))
        };
        (self.observer)(&Event::ResponseApplied {
            at: now,
            request: id,
            deadline,
        });
        let permit = claim.request().permit;
        match result {
            Ok(documents) => {
                self.breaker_input(&mut st, BreakerInput::Success(permit), now);
                drop(st);
                self.submit(Job::Compose {
                    claim,
                    documents: documents.clone(),
                    compose_by,
                });
            }
            Err(_) => {
                self.breaker_input(&mut st, BreakerInput::Failure(permit), now);
                let fallback =
                    Scenario::fallback(&claim.request().query, FallbackReason::AgentError);
                self.complete(&mut st, claim, fallback);
            }
        }
    }

    /// The breaker's admission for a new request.
    fn admit(&self, st: &mut State, now: Instant) -> Admission {
        let agent = self.config.rag_agent.as_str();
        let open = matches!(st.breakers.state(agent), BreakerState::Open { .. });
        if open && self.variant.has(Variant::BreakerStuckOpen) {
            // seed 004 #5: "automatically resets after 60 seconds", but the gate only looks
            // at the open flag and turns the request away without asking the breaker, which
            // therefore never gets to let a probe through: once open, it stays open.
            return Admission::Rejected;
        }
        let admission = self
            .breaker_input(st, BreakerInput::Acquire, now)
            .expect("an acquire has an admission");
        match admission {
            Admission::Rejected if !self.breaker_enforced() => Admission::Allowed(Permit::Normal),
            admission => admission,
        }
    }

    /// Whether the breaker's answers are followed.
    fn breaker_enforced(&self) -> bool {
        // seed 004 #5: before the fix there was no circuit breaker: every request went to
        // the agent, however often it had just failed. (The breaker is still asked and told,
        // for the record, so that the invariants know when it would have said no.)
        !self.variant.has(Variant::NoBreaker)
    }

    /// Feeds the agent's breaker, and reports the input.
    pub(crate) fn breaker_input(
        &self,
        st: &mut State,
        input: BreakerInput,
        now: Instant,
    ) -> Option<Admission> {
        let agent = self.config.rag_agent.as_str();
        let breaker = st.breakers.of(agent);
        let before = breaker.state();
        let admission = breaker.apply(input, now);
        let state = breaker.state();
        (self.observer)(&Event::Breaker {
            at: now,
            agent,
            input,
            admission,
            state,
        });
        if std::mem::discriminant(&before) != std::mem::discriminant(&state) {
            rt::event(format!("breaker {agent}: {before} -> {state}"));
        }
        admission
    }

    /// Checks that the request is still open and the breaker lets `permit` through; with
    /// `post`, posts the message under the same lock.
    pub(crate) fn gate(&self, message: &Message, permit: Permit, post: bool) -> Gate {
        let mut st = self.lock();
        if !st.pending.is_open(message.id) {
            return Gate::Done;
        }
        let agent = self.config.rag_agent.as_str();
        if self.breaker_enforced() && !st.breakers.of(agent).may_send(permit) {
            return Gate::Closed;
        }
        if post {
            self.bus.post(message.clone());
        }
        Gate::Go
    }

    /// Completes an unclaimed request with the fallback and a breaker failure (the timeout
    /// sweep, and a send that gave up). Nothing happens if somebody claimed it first.
    pub(crate) fn fail(&self, id: MessageId, reason: FallbackReason) {
        let now = rt::now();
        let mut st = self.lock();
        let Some(claim) = st.pending.claim(id) else {
            return;
        };
        self.breaker_input(&mut st, BreakerInput::Failure(claim.request().permit), now);
        let fallback = Scenario::fallback(&claim.request().query, reason);
        if reason == FallbackReason::TimedOut {
            st.stats.timeouts += 1;
            if self.variant.has(Variant::NoExpiryCleanup) {
                // seed 004 "Memory Leak Prevention": before the fix, a request that timed
                // out was answered, but its entry was never deleted: the map only grows.
                self.reply(&mut st, &claim.into_request(), fallback);
                return;
            }
        }
        self.complete(&mut st, claim, fallback);
    }

    /// Sends a claimed request's one reply and forgets it.
    pub(crate) fn complete(&self, st: &mut State, claim: Claim, scenario: Scenario) {
        let request = claim.into_request();
        st.pending.remove(request.id);
        self.reply(st, &request, scenario);
    }

    /// Sends the reply to a request.
    fn reply(&self, st: &mut State, request: &PendingScenarioRequest, scenario: Scenario) {
        self.count_reply(st, &scenario);
        let mut reply =
            self.bus
                .message(GENERATOR, &request.requester, Payload::Scenario(scenario));
        reply.response_to = Some(request.request);
        self.bus.post(reply);
    }

    /// A run of the timeout sweep begins: it is reported, and gives the unclaimed requests
    /// whose deadline has come.
    pub(crate) fn begin_sweep(&self) -> Vec<MessageId> {
        let now = rt::now();
        (self.observer)(&Event::Swept { at: now });
        self.lock().pending.expired(now)
    }

    fn count_reply(&self, st: &mut State, scenario: &Scenario) {
        match scenario.source {
            Source::Rag => st.stats.rag_replies += 1,
            Source::Fallback(_) => st.stats.fallback_replies += 1,
        }
    }

    fn submit(&self, job: Job) {
        let Err(mpsc::error::SendError(job)) = self.jobs.send(job) else {
            return;
        };
        // The worker has stopped: complete the request here rather than leave it unanswered.
        match job {
            Job::Send { message, .. } => self.fail(message.id, FallbackReason::SendFailed),
            Job::Compose { claim, .. } => {
                let fallback =
                    Scenario::fallback(&claim.request().query, FallbackReason::ComposeTimedOut);
                self.complete(&mut self.lock(), claim, fallback);
            }
            Job::Stop => {}
        }
    }
}
