//! The circuit breaker against its reference state machine ([`asynclife_rag::model`]):
//! random sequences of acquires, successes, failures (stale permits included) and time
//! steps, checked at every step; and properties of the machine itself.

use asynclife_rag::breaker::{Admission, BreakerInput, Permit};
use asynclife_rag::{model, BreakerConfig, BreakerState, CircuitBreaker};
use asynclife_sim::Instant;
use proptest::collection::vec;
use proptest::prelude::*;
use std::time::Duration;

#[derive(Clone, Debug)]
enum Op {
    Acquire,
    /// Reports the outcome of an outstanding permit (index modulo their number).
    Report {
        index: usize,
        success: bool,
    },
    /// Reports an outcome with a normal permit nobody holds any more.
    Stale {
        success: bool,
    },
    Advance {
        ms: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Acquire),
        5 => (any::<usize>(), any::<bool>()).prop_map(|(index, success)| Op::Report { index, success }),
        1 => any::<bool>().prop_map(|success| Op::Stale { success }),
        3 => (0u64..90_000).prop_map(|ms| Op::Advance { ms }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_breaker_follows_the_state_machine_at_every_step(
        ops in vec(op(), 1..200),
        failure_threshold in 1u32..8,
        open_ms in 1u64..120_000,
    ) {
        let config = BreakerConfig { failure_threshold, open_ms };
        let mut breaker = CircuitBreaker::new(config.clone());
        let mut model_state = BreakerState::CLOSED;
        let mut now = Instant::ZERO;
        let mut outstanding: Vec<Permit> = Vec::new();
        for op in ops {
            let input = match op {
                Op::Advance { ms } => {
                    now += Duration::from_millis(ms);
                    continue;
                }
                Op::Acquire => BreakerInput::Acquire,
                Op::Report { .. } if outstanding.is_empty() => continue,
                Op::Report { index, success } => {
                    let permit = outstanding.swap_remove(index % outstanding.len());
                    if success { BreakerInput::Success(permit) } else { BreakerInput::Failure(permit) }
                }
                Op::Stale { success: true } => BreakerInput::Success(Permit::Normal),
                Op::Stale { success: false } => BreakerInput::Failure(Permit::Normal),
            };
            let before = model_state;
            let admission = breaker.apply(input, now);
            let (expected, expected_admission) = model::step(&config, before, input, now);
            prop_assert_eq!(admission, expected_admission, "{:?} in {:?}", input, before);
            prop_assert_eq!(breaker.state(), expected, "{:?} in {:?}", input, before);
            for permit in [Permit::Normal, Permit::Probe] {
                prop_assert_eq!(breaker.may_send(permit), model::may_send(expected, permit));
            }
            model_state = expected;
            if let Some(Admission::Allowed(permit)) = admission {
                outstanding.push(permit);
            }
            // The machine's own promises.
            let probes = outstanding.iter().filter(|p| **p == Permit::Probe).count();
            prop_assert!(probes <= 1, "two probes at once");
            if let BreakerState::Open { since } = before {
                if input == BreakerInput::Acquire && now < since + config.open_window() {
                    prop_assert_eq!(admission, Some(Admission::Rejected));
                }
                if input == BreakerInput::Acquire && now >= since + config.open_window() {
                    prop_assert_eq!(admission, Some(Admission::Allowed(Permit::Probe)));
                }
            }
        }
    }
}
