//! asynclife-rag: RAG requests over a message bus, with late responses, timeouts, retries
//! and a circuit breaker (seed 004).
//!
//! A `scenario_generator` agent answers `generate_scenario` requests on a message bus. When
//! a requester asks for RAG and the retrieval agent's breaker allows it, the generator asks
//! the `haystack_pipeline` agent for documents, records a [`PendingScenarioRequest`] with a
//! 10 s timeout and returns without replying; the documents response, or the timeout sweep
//! with the fallback scenario, completes the request later, exactly once. The seed's bugs
//! live exactly there: a handler that blocks the bus waiting for the response, a handler
//! that replies twice, late responses processed after the timeout, no breaker, a breaker
//! that never recovers, expired requests never cleaned up, and, in the seed's own fix, a
//! response and a timeout that can both complete one request.
//!
//! Module map:
//! - [`bus`]: the message bus, its dispatcher and its fault points;
//! - [`message`]: messages, payloads and scenarios;
//! - [`generator`] (with the private `worker`): the scenario generator, the reference
//!   implementation; the private `config`, `state` and `job`: its settings (re-exported
//!   by [`generator`]), the state its handler and worker share, and the worker's jobs;
//!   [`pending`]: its pending map and completion guard;
//! - [`breaker`]: the per-agent circuit breaker; [`model`]: its reference state machine;
//! - [`retry`]: exponential backoff with jitter;
//! - [`pipeline`]: the `haystack_pipeline` agent of the workload, driven by the fault plan;
//! - [`observe`]: the events the bus and the generator report;
//! - [`invariants`]: what must hold, numbered; [`defect`]: the variants and the catalogue;
//! - [`workload`]: the scenario driver and its [`Workload`].
//!
//! Fault points: `bus.send.<kind>` (a send fails and is retried), `bus.deliver.<kind>`
//! (delay, drop, duplicate, late delivery), `haystack.retrieve` (the agent's latency,
//! errors, silence, outages). Kinds are `retrieve_documents`, `retrieve_documents_response`,
//! `generate_scenario` and `generate_scenario_response`; the scenarios fault the link between
//! the generator and the agent (`bus.deliver.retrieve_documents*`), not the clients' own
//! link: a generate request the bus duplicates is two requests with one id.
//!
//! ```
//! use asynclife_rag::{Rag, Workload};
//! use asynclife_sim::subsystem::run;
//! use asynclife_sim::{SimConfig, Verdict};
//!
//! let workload = Workload { safety_ms: 5_000, ..Workload::default() };
//! let report = run::<Rag>(SimConfig::with_seed(1), &workload, "fixed").unwrap();
//! assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.violations);
//! let report = run::<Rag>(SimConfig::with_seed(1), &workload, "blocking-wait").unwrap();
//! assert_eq!(report.violations[0].kind.name(), "blocked-executor");
//! ```
//!
//! # Reproducing a failure
//! A run is a pure function of the scenario's workload, its fault plan, the variant and the
//! seed: `asynclife run scenarios/rag/<file>.toml --seed N` replays it, or in a test
//! `asynclife_sim::subsystem::run::<Rag>(SimConfig { seed: N, faults, .. }, &workload,
//! variant)` gives the identical report (same `trace_hash()`). The trace's user events name
//! the breaker's transitions and the late responses dropped.

pub mod breaker;
pub mod bus;
mod config;
pub mod defect;
pub mod generator;
pub mod invariants;
mod job;
pub mod message;
pub mod model;
pub mod observe;
pub mod pending;
pub mod pipeline;
pub mod retry;
mod state;
mod worker;
pub mod workload;

pub use breaker::{BreakerConfig, BreakerState, CircuitBreaker};
pub use bus::{Bus, Handler};
pub use defect::Variant;
pub use generator::{GeneratorConfig, ScenarioGenerator};
pub use message::{Message, MessageId, Payload, Scenario};
pub use pending::PendingScenarioRequest;
pub use pipeline::HaystackPipeline;
pub use workload::Workload;

use asynclife_sim::subsystem::{Subsystem, VariantInfo};
use std::future::Future;
use std::pin::Pin;

/// The rag subsystem, as the harness runs it.
pub struct Rag;

impl Subsystem for Rag {
    const NAME: &'static str = "rag";
    type Workload = Workload;
    type Variant = Variant;

    fn variants() -> &'static [VariantInfo] {
        defect::VARIANTS
    }

    fn main(workload: Workload, variant: Variant) -> Pin<Box<dyn Future<Output = ()>>> {
        Box::pin(workload::run(workload, variant))
    }

    fn validate_workload(workload: &Workload) -> Result<(), String> {
        workload.validate()
    }

    fn shrink_workload(workload: &Workload) -> Vec<Workload> {
        workload::shrink(workload)
    }
}
