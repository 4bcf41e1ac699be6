//! Store calls with bounded retries, and an account of the time spent waiting on the store.
//!
//! The account lets a cleanup report how much of its duration the store took (latency,
//! failed attempts and backoff), which no cleanup can control: the cleanup-duration
//! invariants bound the rest.

use crate::config::RetryPolicy;
use asynclife_sim::rt::{self, kv};
use std::future::Future;
use std::time::Duration;

/// Runs store calls with the retry policy and adds up the time they took.
#[derive(Clone, Debug, Default)]
pub struct StoreCalls {
    policy: RetryPolicy,
    spent: Duration,
    failed_attempts: u32,
}

impl StoreCalls {
    /// An empty account using `policy`.
    pub fn new(policy: RetryPolicy) -> StoreCalls {
        StoreCalls {
            policy,
            spent: Duration::ZERO,
            failed_attempts: 0,
        }
    }

    /// Runs `call` until it succeeds, up to the policy's attempts, backing off between
    /// attempts. Only injected errors (timeouts, lost connections) are retried: a store
    /// refusal such as WRONGTYPE is a bug that a retry would not fix.
    pub async fn run<T, F, Fut>(&mut self, mut call: F) -> Result<T, kv::Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, kv::Error>>,
    {
        let started = rt::now();
        let mut failures = 0;
        let result = loop {
            match call().await {
                Ok(value) => break Ok(value),
                Err(error) => {
                    failures += 1;
                    self.failed_attempts += 1;
                    let transient = matches!(error, kv::Error::Injected(_));
                    if !transient || failures >= self.policy.attempts {
                        break Err(error);
                    }
                    rt::sleep(self.policy.backoff(failures)).await;
                }
            }
        };
        self.spent += rt::now() - started;
        result
    }

    /// The time spent in calls so far, backoff included.
    pub fn spent(&self) -> Duration {
        self.spent
    }

    /// The attempts that failed so far.
    pub fn failed_attempts(&self) -> u32 {
        self.failed_attempts
    }
}
