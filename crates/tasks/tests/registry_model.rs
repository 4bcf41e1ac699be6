//! A state-machine test of `RunRegistry` against a simple model: random sequences of inserts
//! and transitions, each result and the whole state compared after every step; proptest
//! shrinks a failing sequence to a minimal one.

use asynclife_sim::Instant;
use asynclife_tasks::{RegistryError, Run, RunId, RunRegistry, RunStatus};
use proptest::prelude::*;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Op {
    Insert(u8),
    Transition(u8, RunStatus),
}

fn status() -> impl Strategy<Value = RunStatus> {
    prop::sample::select(RunStatus::ALL.to_vec())
}

fn op() -> impl Strategy<Value = Op> {
    // Few ids, so that duplicates and transitions of known runs are common.
    prop_oneof![
        1 => (0u8..6).prop_map(Op::Insert),
        3 => (0u8..6, status()).prop_map(|(id, s)| Op::Transition(id, s)),
    ]
}

/// The model: the legal moves, written as plainly as possible.
#[derive(Default)]
struct Model {
    runs: BTreeMap<u8, RunStatus>,
    illegal: usize,
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    Duplicate,
    Unknown,
    Illegal,
}

impl Model {
    fn apply(&mut self, op: &Op) -> Outcome {
        match *op {
            Op::Insert(id) => {
                if let Entry::Vacant(e) = self.runs.entry(id) {
                    e.insert(RunStatus::Queued);
                    Outcome::Ok
                } else {
                    Outcome::Duplicate
                }
            }
            Op::Transition(id, to) => {
                let Some(from) = self.runs.get(&id).copied() else {
                    return Outcome::Unknown;
                };
                let legal = matches!(
                    (from, to),
                    (RunStatus::Queued, RunStatus::Running | RunStatus::Cancelled)
                        | (
                            RunStatus::Running,
                            RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled
                        )
                );
                if legal {
                    self.runs.insert(id, to);
                    Outcome::Ok
                } else {
                    self.illegal += 1;
                    Outcome::Illegal
                }
            }
        }
    }
}

fn id(n: u8) -> RunId {
    RunId::new(format!("run-{n}"))
}

fn apply(registry: &mut RunRegistry, op: &Op, now: Instant) -> Outcome {
    let result = match *op {
        Op::Insert(n) => registry.insert(Run::new(id(n), "job"), now),
        Op::Transition(n, to) => {
            let error = (to == RunStatus::Failed).then(|| format!("error of {n}"));
            registry.transition(&id(n), to, error, now)
        }
    };
    match result {
        Ok(()) => Outcome::Ok,
        Err(RegistryError::Duplicate(_)) => Outcome::Duplicate,
        Err(RegistryError::Unknown(_)) => Outcome::Unknown,
        Err(RegistryError::Illegal { .. }) => Outcome::Illegal,
        Err(e) => panic!("an error the model does not know: {e}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_registry_behaves_like_the_model(ops in prop::collection::vec(op(), 0..60)) {
        let mut registry = RunRegistry::new();
        let mut model = Model::default();
        for (step, op) in ops.iter().enumerate() {
            let now = Instant::from_millis(step as u64);
            let expected = model.apply(op);
            prop_assert_eq!(apply(&mut registry, op, now), expected, "step {} {:?}", step, op);
            // The whole state agrees, after every step.
            prop_assert_eq!(registry.len(), model.runs.len());
            for (n, status) in &model.runs {
                let run = registry.get(&id(*n)).expect("the model's run exists");
                prop_assert_eq!(run.status, *status);
                prop_assert_eq!(run.status.is_terminal(), run.finished_at.is_some());
                prop_assert_eq!(run.error.is_some(), *status == RunStatus::Failed);
            }
            for s in RunStatus::ALL {
                let count = model.runs.values().filter(|&&m| m == s).count();
                prop_assert_eq!(registry.count(s), count, "count of {}", s);
            }
            prop_assert_eq!(registry.illegal_transitions().len(), model.illegal);
        }
    }
}
