//! The event-loop lag probe of a real run: a task that asks to wake every period and
//! measures, on the wall clock, how late it woke. A poll that holds the thread (a blocking
//! call in async code) shows as a wake-up late by about as long as it held it.
//!
//! Time the thread spent starting child processes meanwhile is left out (see
//! `children::spawning_time`): a burst of a hundred spawns holds the thread for hundreds of
//! milliseconds on a busy machine, which is the harness's cost. The correction counts every
//! spawn since the probe last went to sleep, so it may remove up to one period too much.

use super::children::spawning_time;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant as WallInstant;

/// How late the probe woke, on the wall clock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lag {
    /// Wake-ups measured.
    pub samples: usize,
    /// The median lateness.
    pub p50: Duration,
    /// The 99th percentile.
    pub p99: Duration,
    /// The worst lateness: about the longest time the thread was held.
    pub max: Duration,
}

impl Lag {
    fn of(mut samples: Vec<Duration>) -> Lag {
        samples.sort();
        let at = |q: f64| {
            // Nearest rank: the smallest sample with at least q of them at or below it.
            let rank = (q * samples.len() as f64).ceil() as usize;
            samples[rank.clamp(1, samples.len()) - 1]
        };
        match samples.last() {
            None => Lag::default(),
            Some(&max) => Lag {
                samples: samples.len(),
                p50: at(0.5),
                p99: at(0.99),
                max,
            },
        }
    }
}

/// A running probe; [`LagProbe::stop`] ends it and gives the measurements.
pub(crate) struct LagProbe {
    task: tokio::task::JoinHandle<()>,
    samples: Arc<Mutex<Vec<Duration>>>,
}

impl LagProbe {
    /// Starts the probe on the current runtime.
    pub(crate) fn start(period: Duration) -> LagProbe {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let record = samples.clone();
        let task = tokio::spawn(async move {
            let mut due = WallInstant::now() + period;
            loop {
                let spawning = spawning_time();
                tokio::time::sleep_until(due).await;
                let woke = WallInstant::now();
                let late = woke.saturating_duration_since(due);
                let spawned = spawning_time().saturating_sub(spawning);
                record
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(late.saturating_sub(spawned));
                // Late wake-ups are not made up in a burst: each one measures one hold.
                due = (due + period).max(woke + period);
            }
        });
        LagProbe { task, samples }
    }

    /// Stops the probe and summarises what it measured.
    pub(crate) fn stop(self) -> Lag {
        self.task.abort();
        let samples = std::mem::take(
            &mut *self
                .samples
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        Lag::of(samples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let ms = Duration::from_millis;
        let lag = Lag::of((1..=100).rev().map(ms).collect());
        assert_eq!(
            (lag.samples, lag.p50, lag.p99, lag.max),
            (100, ms(50), ms(99), ms(100))
        );
        assert_eq!(Lag::of(Vec::new()), Lag::default());
        assert_eq!(Lag::of(vec![ms(7)]).p99, ms(7));
    }
}
