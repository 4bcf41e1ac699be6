//! The breaker's reference state machine: one pure transition function, written as a table
//! apart from [`crate::breaker`], so that the implementation can be checked against it (by
//! the `breaker-conforms` invariant at every step of a run, and by a proptest).

use crate::breaker::{Admission, BreakerConfig, BreakerInput, BreakerState, Permit};
use asynclife_sim::Instant;

/// The state after `input` at `now`, and the admission when the input is an acquire.
pub fn step(
    config: &BreakerConfig,
    state: BreakerState,
    input: BreakerInput,
    now: Instant,
) -> (BreakerState, Option<Admission>) {
    use Admission::{Allowed, Rejected};
    use BreakerInput::{Acquire, Failure, Success};
    use BreakerState::{Closed, HalfOpen, Open};
    use Permit::{Normal, Probe};
    match (state, input) {
        (Closed { .. }, Acquire) => (state, Some(Allowed(Normal))),
        (Closed { .. }, Success(Normal)) => (BreakerState::CLOSED, None),
        (
            Closed {
                consecutive_failures: n,
            },
            Failure(Normal),
        ) if n + 1 >= config.failure_threshold => (Open { since: now }, None),
        (
            Closed {
                consecutive_failures: n,
            },
            Failure(Normal),
        ) => (
            Closed {
                consecutive_failures: n + 1,
            },
            None,
        ),
        (Open { since }, Acquire)
            if now.saturating_duration_since(since).as_millis() >= u128::from(config.open_ms) =>
        {
            (HalfOpen, Some(Allowed(Probe)))
        }
        (Open { .. }, Acquire) | (HalfOpen, Acquire) => (state, Some(Rejected)),
        (HalfOpen, Success(Probe)) => (BreakerState::CLOSED, None),
        (HalfOpen, Failure(Probe)) => (Open { since: now }, None),
        // Outcomes that no longer fit the state (a stale permit) change nothing.
        (_, Success(_) | Failure(_)) => (state, None),
    }
}

/// Whether a call holding `permit` may go to the agent in `state`.
pub fn may_send(state: BreakerState, permit: Permit) -> bool {
    matches!(
        (state, permit),
        (BreakerState::Closed { .. }, Permit::Normal) | (BreakerState::HalfOpen, Permit::Probe)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_opens_probes_and_closes() {
        let config = BreakerConfig {
            failure_threshold: 2,
            open_ms: 10,
        };
        let t = Instant::from_millis;
        let mut s = BreakerState::CLOSED;
        for ms in [0, 1] {
            s = step(&config, s, BreakerInput::Failure(Permit::Normal), t(ms)).0;
        }
        assert_eq!(s, BreakerState::Open { since: t(1) });
        let (s, a) = step(&config, s, BreakerInput::Acquire, t(11));
        assert_eq!(
            (s, a),
            (
                BreakerState::HalfOpen,
                Some(Admission::Allowed(Permit::Probe))
            )
        );
        assert!(may_send(s, Permit::Probe) && !may_send(s, Permit::Normal));
        let (s, _) = step(&config, s, BreakerInput::Success(Permit::Probe), t(12));
        assert_eq!(s, BreakerState::CLOSED);
    }
}
