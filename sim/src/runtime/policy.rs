//! Scheduling policies: which runnable task the executor polls next, and the record of it.

use super::run_queue::RunQueue;
use crate::trace::TaskId;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How the executor picks the next task among the runnable ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Policy {
    /// A seeded uniform pick among the runnable tasks.
    #[default]
    Random,
    /// Probabilistic concurrency testing: random task priorities, always run the highest, and
    /// `depth - 1` change points, drawn uniformly over the run's `horizon` scheduling
    /// decisions, at which the task about to run drops to the lowest priority (Burckhardt et
    /// al., ASPLOS 2010). A run of `n` tasks and `k` decisions then finds any bug of depth
    /// `depth` with probability at least `1 / (n * k^(depth - 1))`.
    Pct {
        /// The bug depth targeted: number of ordering constraints.
        depth: u32,
        /// The decisions the change points are spread over: the paper's run length `k`.
        /// `None` (the default, and what scenario files mean when they leave it out): the
        /// seed's own length, measured by the explorers (`Check`, the subsystem runner and
        /// so every sweep) with a first run of the seed with its change points off; see
        /// [`crate::run_pct_measured`]. A bare [`crate::Sim::run`], which cannot run its main
        /// twice, spreads them over [`DEFAULT_PCT_HORIZON`] decisions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        horizon: Option<u64>,
    },
    /// First runnable first: the order tasks became runnable in.
    Fifo,
    /// Follow a recorded schedule; past its end, first runnable first.
    Replay(Schedule),
}

/// The scheduling decisions of a run: the task chosen at every step where more than one task
/// was runnable. Steps with a single runnable task have no choice and are not recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// The chosen task of each decision, in order.
    pub decisions: Vec<TaskId>,
}

impl Policy {
    /// PCT at this depth, over each seed's measured length.
    pub fn pct(depth: u32) -> Policy {
        Policy::Pct {
            depth,
            horizon: None,
        }
    }
}

impl Schedule {
    /// Number of decisions.
    pub fn len(&self) -> usize {
        self.decisions.len()
    }

    /// Whether no decision was recorded.
    pub fn is_empty(&self) -> bool {
        self.decisions.is_empty()
    }
}

/// The decisions a PCT run without a horizon spreads its change points over when nobody
/// measured its length (a bare [`crate::Sim::run`]).
pub const DEFAULT_PCT_HORIZON: u64 = 2_000;

/// The live state of a policy during a run.
pub(crate) struct Scheduler {
    policy: Policy,
    replay_position: usize,
    /// PCT: the decisions (1 for the first) at which the task about to run is demoted, sorted.
    change_points: Vec<u64>,
    /// PCT: the decisions taken so far.
    decisions: u64,
    /// PCT: the first change point not yet taken. Decisions only grow, so each point is
    /// looked at once: a run costs O(depth + steps), not O(depth x steps).
    next_change: usize,
    /// PCT: priorities by task index; larger runs first.
    priorities: Vec<u64>,
    /// Replay decisions that named a task that was not runnable.
    pub(crate) divergences: u64,
    /// The first of them.
    pub(crate) first_divergence: Option<Divergence>,
}

/// Where a replay first left its schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Divergence {
    /// The index of the decision in the schedule.
    pub(crate) decision: usize,
    /// The step at which it was to be taken.
    pub(crate) step: u64,
    /// The task the schedule named.
    pub(crate) wanted: TaskId,
    /// The tasks that were runnable instead.
    pub(crate) runnable: Vec<TaskId>,
}

impl Scheduler {
    /// The scheduler of `policy`. PCT's change points are drawn from `change_points_rng`, a
    /// stream of their own: the priorities (drawn from the scheduler's stream at each spawn)
    /// and so the whole run up to the first change point are the same at any depth, which is
    /// what lets a run with the points off measure the length they are spread over.
    pub(crate) fn new(policy: Policy, change_points_rng: &mut ChaCha8Rng) -> Scheduler {
        let mut change_points = Vec::new();
        if let Policy::Pct { depth, horizon } = policy {
            let horizon = horizon.unwrap_or(DEFAULT_PCT_HORIZON).max(1);
            for _ in 1..depth {
                change_points.push(change_points_rng.random_range(1..=horizon));
            }
            change_points.sort_unstable();
        }
        Scheduler {
            policy,
            replay_position: 0,
            change_points,
            decisions: 0,
            next_change: 0,
            priorities: Vec::new(),
            divergences: 0,
            first_divergence: None,
        }
    }

    /// A replay's decisions that the run never reached: the run made fewer choices than the
    /// recorded one (0 for other policies, and for a schedule used up).
    pub(crate) fn unused_decisions(&self) -> usize {
        match &self.policy {
            Policy::Replay(schedule) => schedule.len().saturating_sub(self.replay_position),
            _ => 0,
        }
    }

    /// The length of the schedule being replayed, if any.
    pub(crate) fn replayed_len(&self) -> Option<usize> {
        match &self.policy {
            Policy::Replay(schedule) => Some(schedule.len()),
            _ => None,
        }
    }

    /// Called at every spawn, in spawn order.
    pub(crate) fn on_spawn(&mut self, task: TaskId, rng: &mut ChaCha8Rng) {
        if let Policy::Pct { depth, .. } = self.policy {
            debug_assert_eq!(task.index(), self.priorities.len());
            // Initial priorities sit above the `depth` values change points demote to.
            self.priorities
                .push(u64::from(depth) + rng.random_range(1..u64::MAX / 2));
        }
    }

    /// Removes and returns the next task to poll. `runnable` is never empty.
    #[inline]
    pub(crate) fn pick(
        &mut self,
        runnable: &mut RunQueue,
        step: u64,
        rng: &mut ChaCha8Rng,
    ) -> TaskId {
        debug_assert!(!runnable.is_empty());
        if runnable.len() == 1 {
            return runnable.pop_front().expect("checked non-empty");
        }
        self.choose(runnable, step, rng)
    }

    /// `pick` among two or more runnable tasks.
    fn choose(&mut self, runnable: &mut RunQueue, step: u64, rng: &mut ChaCha8Rng) -> TaskId {
        let index = match &self.policy {
            Policy::Random => rng.random_range(0..runnable.len()),
            Policy::Fifo => 0,
            Policy::Pct { .. } => self.pick_pct(runnable.as_slice()),
            Policy::Replay(schedule) => {
                let decision = self.replay_position;
                let wanted = schedule.decisions.get(decision).copied();
                self.replay_position += 1;
                match wanted {
                    // Past the schedule's end: first runnable first, as documented.
                    None => 0,
                    Some(w) => match runnable.as_slice().iter().position(|&t| t == w) {
                        Some(index) => index,
                        None => {
                            self.diverged(decision, step, w, runnable.as_slice());
                            0
                        }
                    },
                }
            }
        };
        runnable.remove(index)
    }

    #[cold]
    fn diverged(&mut self, decision: usize, step: u64, wanted: TaskId, runnable: &[TaskId]) {
        self.divergences += 1;
        if self.first_divergence.is_none() {
            self.first_divergence = Some(Divergence {
                decision,
                step,
                wanted,
                runnable: runnable.to_vec(),
            });
        }
    }

    fn pick_pct(&mut self, runnable: &[TaskId]) -> usize {
        let best = |prios: &[u64]| {
            (0..runnable.len())
                .max_by_key(|&i| (prios[runnable[i].index()], std::cmp::Reverse(i)))
                .expect("runnable is not empty")
        };
        let mut index = best(&self.priorities);
        self.decisions += 1;
        let points = &self.change_points;
        while self.next_change < points.len() && points[self.next_change] == self.decisions {
            // Demote the task that would run to below every initial priority; later change
            // points demote to lower values still, as PCT prescribes.
            self.next_change += 1;
            let demoted = (points.len() - self.next_change) as u64;
            self.priorities[runnable[index].index()] = demoted;
            index = best(&self.priorities);
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn queue(ids: &[u32]) -> RunQueue {
        let mut q = RunQueue::default();
        for &i in ids {
            q.push_back(TaskId(i));
        }
        q
    }

    #[test]
    fn fifo_takes_the_front() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut s = Scheduler::new(Policy::Fifo, &mut rng);
        let mut q = queue(&[3, 1, 2]);
        assert_eq!(s.pick(&mut q, 0, &mut rng), TaskId(3));
        assert_eq!(q.as_slice(), queue(&[1, 2]).as_slice());
    }

    #[test]
    fn replay_follows_decisions_then_falls_back_to_fifo() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let schedule = Schedule {
            decisions: vec![TaskId(2), TaskId(9)],
        };
        let mut s = Scheduler::new(Policy::Replay(schedule), &mut rng);
        let mut q = queue(&[1, 2, 3]);
        assert_eq!(s.pick(&mut q, 0, &mut rng), TaskId(2));
        // Task 9 is not runnable: a divergence, and the front is taken.
        assert_eq!(s.pick(&mut q, 1, &mut rng), TaskId(1));
        assert_eq!(s.divergences, 1);
        assert_eq!(
            s.first_divergence,
            Some(Divergence {
                decision: 1,
                step: 1,
                wanted: TaskId(9),
                runnable: vec![TaskId(1), TaskId(3)],
            })
        );
        assert_eq!(s.unused_decisions(), 0);
        q.push_back(TaskId(4));
        assert_eq!(s.pick(&mut q, 2, &mut rng), TaskId(3));
        assert_eq!(s.divergences, 1);
    }

    #[test]
    fn pct_runs_the_highest_priority_until_a_change_point() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut s = Scheduler::new(Policy::pct(1), &mut rng);
        for i in 0..3 {
            s.on_spawn(TaskId(i), &mut rng);
        }
        let top = (0..3).max_by_key(|&i| s.priorities[i]).unwrap() as u32;
        for step in 0..5 {
            let mut q = queue(&[0, 1, 2]);
            assert_eq!(s.pick(&mut q, step, &mut rng), TaskId(top));
        }
    }

    #[test]
    fn pct_change_point_demotes_the_running_task() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut s = Scheduler::new(Policy::pct(2), &mut rng);
        for i in 0..2 {
            s.on_spawn(TaskId(i), &mut rng);
        }
        let point = s.change_points[0];
        assert!((1..=DEFAULT_PCT_HORIZON).contains(&point));
        let top = TaskId((0..2).max_by_key(|&i| s.priorities[i]).unwrap() as u32);
        let mut picks = Vec::new();
        for step in 0..point {
            // Steps with one runnable task are no decision and move no change point.
            let mut single = queue(&[1]);
            s.pick(&mut single, 2 * step, &mut rng);
            let mut q = queue(&[0, 1]);
            picks.push(s.pick(&mut q, 2 * step + 1, &mut rng));
        }
        let (at_point, before) = picks.split_last().unwrap();
        assert!(before.iter().all(|&p| p == top));
        assert_ne!(
            *at_point, top,
            "decision {point} demotes the task about to run"
        );
    }

    #[test]
    fn pct_spreads_its_change_points_over_its_horizon() {
        let points = |depth, horizon| {
            let policy = Policy::Pct { depth, horizon };
            Scheduler::new(policy, &mut ChaCha8Rng::seed_from_u64(3)).change_points
        };
        let over_ten = points(2000, Some(10));
        assert_eq!(over_ten.len(), 1999);
        assert!(over_ten.iter().all(|p| (1..=10).contains(p)));
        assert!(
            (1..=10).all(|d| over_ten.contains(&d)),
            "every decision is drawn"
        );
        assert_eq!(points(3, Some(1)), vec![1, 1]);
        let unmeasured = points(2000, None);
        assert!(unmeasured
            .iter()
            .all(|p| (1..=DEFAULT_PCT_HORIZON).contains(p)));
        assert!(unmeasured.iter().any(|&p| p > DEFAULT_PCT_HORIZON / 2));
    }

    /// The demotions of the cursor over sorted points are those of removing each point as
    /// its decision comes (the plain version): the value a demoted task gets is the number of
    /// points left.
    #[test]
    fn pct_demotes_as_removing_each_point_does() {
        for seed in 0..50 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let policy = Policy::Pct {
                depth: 40,
                horizon: Some(2000),
            };
            let mut s = Scheduler::new(policy, &mut rng);
            for i in 0..4 {
                s.on_spawn(TaskId(i), &mut rng);
            }
            let mut points = s.change_points.clone();
            let mut prios = s.priorities.clone();
            let mut decision = 0;
            for step in 0..=3000 {
                let ids: &[u32] = if step % 3 == 0 { &[1] } else { &[0, 1, 2, 3] };
                let mut q = queue(ids);
                let picked = s.pick(&mut q, step, &mut rng);
                if ids.len() == 1 {
                    continue;
                }
                let best = |p: &[u64]| {
                    (0..ids.len())
                        .max_by_key(|&i| (p[ids[i] as usize], std::cmp::Reverse(i)))
                        .unwrap()
                };
                let mut index = best(&prios);
                decision += 1;
                while let Some(pos) = points.iter().position(|&c| c == decision) {
                    points.remove(pos);
                    prios[ids[index] as usize] = points.len() as u64;
                    index = best(&prios);
                }
                assert_eq!(picked, TaskId(ids[index]), "seed {seed}, step {step}");
            }
        }
    }
}
