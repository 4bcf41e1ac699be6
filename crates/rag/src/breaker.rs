//! The circuit breaker: one per agent, so that a failing agent is left alone for a while
//! instead of being asked again and again.
//!
//! States and transitions (the reference state machine is [`crate::model`]):
//!
//! ```text
//!  Closed{n} --failure, n+1 = threshold--> Open{since: now}
//!  Closed{n} --failure--> Closed{n+1}      Closed{n} --success--> Closed{0}
//!  Open{since} --acquire, now >= since + open--> HalfOpen (the caller holds the probe)
//!  Open{since} --acquire, earlier--> Open (rejected)
//!  HalfOpen --acquire--> HalfOpen (rejected: one probe at a time)
//!  HalfOpen --probe success--> Closed{0}   HalfOpen --probe failure--> Open{since: now}
//! ```
//!
//! Every admitted request holds a [`Permit`] and reports exactly one outcome with it. An
//! outcome that no longer fits the state (a normal permit issued before the breaker opened,
//! reported while it is open or half-open) is ignored: only the probe decides a half-open
//! breaker.

use asynclife_sim::Instant;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The breaker's thresholds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerConfig {
    /// Consecutive failures that open a closed breaker.
    pub failure_threshold: u32,
    /// How long an open breaker rejects requests before it lets one probe through.
    pub open_ms: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            open_ms: 60_000,
        }
    }
}

impl BreakerConfig {
    /// The open window.
    pub fn open_window(&self) -> Duration {
        Duration::from_millis(self.open_ms)
    }
}

/// Where a breaker is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests go through; this many failures in a row so far.
    Closed {
        /// Failures since the last success.
        consecutive_failures: u32,
    },
    /// Requests are rejected until `since + open window`.
    Open {
        /// When it opened.
        since: Instant,
    },
    /// One probe is in flight; everything else is rejected until it reports.
    HalfOpen,
}

impl BreakerState {
    /// A closed breaker without failures.
    pub const CLOSED: BreakerState = BreakerState::Closed {
        consecutive_failures: 0,
    };

    /// Whether the breaker is closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, BreakerState::Closed { .. })
    }
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakerState::Closed {
                consecutive_failures,
            } => write!(f, "closed ({consecutive_failures} failures)"),
            BreakerState::Open { since } => write!(f, "open since {since}"),
            BreakerState::HalfOpen => f.write_str("half-open"),
        }
    }
}

/// The right to call the agent, and the duty to report the call's outcome once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permit {
    /// Issued by a closed breaker.
    Normal,
    /// The one probe of a half-open breaker.
    Probe,
}

/// The answer to [`CircuitBreaker::try_acquire`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Call the agent, and report the outcome with this permit.
    Allowed(Permit),
    /// Do not call the agent: use the fallback.
    Rejected,
}

/// One input of the state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerInput {
    /// A request asks to call the agent.
    Acquire,
    /// A call made with this permit succeeded.
    Success(Permit),
    /// A call made with this permit failed (error, timeout, send failure).
    Failure(Permit),
}

/// One agent's breaker.
#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    state: BreakerState,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> CircuitBreaker {
        CircuitBreaker {
            config,
            state: BreakerState::CLOSED,
        }
    }

    /// Where it is now.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Asks to call the agent at `now`.
    pub fn try_acquire(&mut self, now: Instant) -> Admission {
        match self.state {
            BreakerState::Closed { .. } => Admission::Allowed(Permit::Normal),
            BreakerState::HalfOpen => Admission::Rejected,
            BreakerState::Open { since } => {
                if now >= since + self.config.open_window() {
                    self.state = BreakerState::HalfOpen;
                    Admission::Allowed(Permit::Probe)
                } else {
                    Admission::Rejected
                }
            }
        }
    }

    /// Whether a request holding `permit` may (still) call the agent: a retry asks again,
    /// since the breaker may have opened meanwhile.
    pub fn may_send(&self, permit: Permit) -> bool {
        match self.state {
            BreakerState::Closed { .. } => permit == Permit::Normal,
            BreakerState::HalfOpen => permit == Permit::Probe,
            BreakerState::Open { .. } => false,
        }
    }

    /// Reports a call's success.
    pub fn record_success(&mut self, permit: Permit) {
        match (self.state, permit) {
            (BreakerState::Closed { .. }, Permit::Normal)
            | (BreakerState::HalfOpen, Permit::Probe) => self.state = BreakerState::CLOSED,
            _ => {}
        }
    }

    /// Reports a call's failure at `now`.
    pub fn record_failure(&mut self, permit: Permit, now: Instant) {
        match (self.state, permit) {
            (
                BreakerState::Closed {
                    consecutive_failures,
                },
                Permit::Normal,
            ) => {
                let failures = consecutive_failures + 1;
                self.state = if failures >= self.config.failure_threshold {
                    BreakerState::Open { since: now }
                } else {
                    BreakerState::Closed {
                        consecutive_failures: failures,
                    }
                };
            }
            (BreakerState::HalfOpen, Permit::Probe) => {
                self.state = BreakerState::Open { since: now };
            }
            _ => {}
        }
    }

    /// Feeds one input; the admission for an [`BreakerInput::Acquire`].
    pub fn apply(&mut self, input: BreakerInput, now: Instant) -> Option<Admission> {
        match input {
            BreakerInput::Acquire => return Some(self.try_acquire(now)),
            BreakerInput::Success(permit) => self.record_success(permit),
            BreakerInput::Failure(permit) => self.record_failure(permit, now),
        }
        None
    }
}

/// The breakers of every agent, created closed on first use.
#[derive(Clone, Debug)]
pub struct Breakers {
    config: BreakerConfig,
    by_agent: BTreeMap<String, CircuitBreaker>,
}

impl Breakers {
    /// No breakers yet; each will have this configuration.
    pub fn new(config: BreakerConfig) -> Breakers {
        Breakers {
            config,
            by_agent: BTreeMap::new(),
        }
    }

    /// The agent's breaker, created closed if it has none.
    pub fn of(&mut self, agent: &str) -> &mut CircuitBreaker {
        if !self.by_agent.contains_key(agent) {
            let breaker = CircuitBreaker::new(self.config.clone());
            self.by_agent.insert(agent.to_string(), breaker);
        }
        self.by_agent
            .get_mut(agent)
            .expect("inserted just above if missing")
    }

    /// The agent's breaker state (closed for an agent never called).
    pub fn state(&self, agent: &str) -> BreakerState {
        self.by_agent
            .get(agent)
            .map_or(BreakerState::CLOSED, CircuitBreaker::state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    fn fail_n(b: &mut CircuitBreaker, n: u32, now: Instant) {
        for _ in 0..n {
            assert_eq!(b.try_acquire(now), Admission::Allowed(Permit::Normal));
            b.record_failure(Permit::Normal, now);
        }
    }

    #[test]
    fn opens_after_five_consecutive_failures_and_a_success_resets_the_count() {
        let mut b = CircuitBreaker::new(BreakerConfig::default());
        fail_n(&mut b, 4, at(0));
        b.record_success(Permit::Normal);
        fail_n(&mut b, 4, at(1));
        assert!(b.state().is_closed());
        fail_n(&mut b, 1, at(2));
        assert_eq!(b.state(), BreakerState::Open { since: at(2) });
        assert_eq!(b.try_acquire(at(3)), Admission::Rejected);
        assert!(!b.may_send(Permit::Normal));
    }

    #[test]
    fn half_opens_after_the_window_with_one_probe_then_closes_or_reopens() {
        let mut b = CircuitBreaker::new(BreakerConfig::default());
        fail_n(&mut b, 5, at(0));
        assert_eq!(b.try_acquire(at(59_999)), Admission::Rejected);
        assert_eq!(b.try_acquire(at(60_000)), Admission::Allowed(Permit::Probe));
        assert_eq!(b.try_acquire(at(60_001)), Admission::Rejected);
        assert!(b.may_send(Permit::Probe) && !b.may_send(Permit::Normal));
        // A stale normal permit does not decide a half-open breaker.
        b.record_failure(Permit::Normal, at(60_002));
        b.record_success(Permit::Normal);
        assert_eq!(b.state(), BreakerState::HalfOpen);
        b.record_failure(Permit::Probe, at(61_000));
        assert_eq!(b.state(), BreakerState::Open { since: at(61_000) });
        assert_eq!(
            b.try_acquire(at(121_000)),
            Admission::Allowed(Permit::Probe)
        );
        b.record_success(Permit::Probe);
        assert_eq!(b.state(), BreakerState::CLOSED);
    }

    #[test]
    fn breakers_are_per_agent() {
        let mut all = Breakers::new(BreakerConfig::default());
        fail_n(all.of("a"), 5, at(0));
        assert!(!all.state("a").is_closed());
        assert!(all.state("b").is_closed());
    }
}
