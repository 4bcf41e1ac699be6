//! The generator's settings: RAG on or off, the retrieval agent, timeouts, the pending
//! map's bound, the composition time, the breaker and the retries.

use crate::breaker::BreakerConfig;
use crate::retry::RetryPolicy;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The generator's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeneratorConfig {
    /// Whether RAG is used at all.
    pub rag_enabled: bool,
    /// The retrieval agent.
    pub rag_agent: String,
    /// How long a requester waits for its scenario (`RAG_REQUEST_TIMEOUT`).
    pub request_timeout_ms: u64,
    /// How often the timeout sweep runs.
    pub sweep_interval_ms: u64,
    /// Requests that may wait for documents at once; more get the fallback at once.
    pub max_pending: usize,
    /// Shortest time to compose a scenario from documents (the language-model call).
    pub compose_min_ms: u64,
    /// Longest time to compose a scenario from documents.
    pub compose_max_ms: u64,
    /// The breaker of each agent.
    pub breaker: BreakerConfig,
    /// Retries of failed sends.
    pub retry: RetryPolicy,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            rag_enabled: true,
            rag_agent: crate::pipeline::PIPELINE.to_string(),
            request_timeout_ms: 10_000,
            sweep_interval_ms: 250,
            max_pending: 64,
            compose_min_ms: 100,
            compose_max_ms: 1_500,
            breaker: BreakerConfig::default(),
            retry: RetryPolicy::default(),
        }
    }
}

impl GeneratorConfig {
    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The sweep interval.
    pub fn sweep_interval(&self) -> Duration {
        Duration::from_millis(self.sweep_interval_ms)
    }

    /// Checks the values that cannot be expressed in the types.
    pub fn validate(&self) -> Result<(), String> {
        if self.request_timeout_ms == 0 || self.sweep_interval_ms == 0 {
            return Err("request_timeout_ms and sweep_interval_ms must be at least 1".into());
        }
        if self.compose_min_ms > self.compose_max_ms {
            return Err("compose_min_ms must not exceed compose_max_ms".into());
        }
        if self.breaker.failure_threshold == 0 {
            return Err("breaker.failure_threshold must be at least 1".into());
        }
        self.retry.validate()
    }
}
