//! The dispatcher: a bounded queue, a pool of workers posting to an endpoint with retries and
//! exponential backoff, and a shutdown that drains within a grace period.
//!
//! Written as any tokio service is: its only asynclife line is the import of the tokio-shaped
//! module in place of tokio itself, so that the same code runs under the engine in tests and
//! on tokio in production.

use crate::ledger::{Ledger, Outcome};
use asynclife_sim::tokio;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

/// One webhook to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// Unique per dispatcher.
    pub id: u64,
    /// Where it goes.
    pub url: String,
}

/// Posts one delivery; `Err` is a failed attempt (retried).
pub type Endpoint =
    Arc<dyn Fn(Delivery) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// A lifecycle bug that can be planted, to see the tests catch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    /// When the shutdown grace runs out, the workers are aborted and the deliveries they held
    /// are forgotten: accepted, never delivered, never dead-lettered.
    LoseInFlightOnShutdown,
}

/// How the dispatcher runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Worker tasks.
    pub workers: usize,
    /// Deliveries the queue holds before `enqueue` refuses.
    pub queue_capacity: usize,
    /// Attempts per delivery before it is dead-lettered.
    pub max_attempts: u32,
    /// The wait after the first failed attempt; doubled after each further one.
    pub backoff_base: Duration,
    /// One attempt's bound.
    pub attempt_timeout: Duration,
    /// The planted bug, if any.
    pub bug: Option<Bug>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            workers: 3,
            queue_capacity: 16,
            max_attempts: 4,
            backoff_base: Duration::from_millis(20),
            attempt_timeout: Duration::from_millis(200),
            bug: None,
        }
    }
}

/// A running dispatcher.
pub struct Dispatcher {
    queue: Option<mpsc::Sender<Delivery>>,
    backlog: Arc<tokio::sync::Mutex<mpsc::Receiver<Delivery>>>,
    workers: JoinSet<()>,
    ledger: Arc<Mutex<Ledger>>,
    bug: Option<Bug>,
}

impl Dispatcher {
    /// Starts the workers.
    pub fn start(config: Config, endpoint: Endpoint) -> Dispatcher {
        let (queue, backlog) = mpsc::channel(config.queue_capacity.max(1));
        let backlog = Arc::new(tokio::sync::Mutex::new(backlog));
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let mut workers = JoinSet::new();
        for _ in 0..config.workers {
            workers.spawn(work(
                backlog.clone(),
                ledger.clone(),
                endpoint.clone(),
                config.clone(),
            ));
        }
        Dispatcher {
            queue: Some(queue),
            backlog,
            workers,
            ledger,
            bug: config.bug,
        }
    }

    /// The ledger, shared (for checks).
    pub fn ledger(&self) -> Arc<Mutex<Ledger>> {
        self.ledger.clone()
    }

    /// Accepts a delivery, or refuses it when the queue is full or shut down.
    pub fn enqueue(&self, delivery: Delivery) -> bool {
        let Some(queue) = &self.queue else {
            return false;
        };
        let id = delivery.id;
        // Recorded before it is queued: a worker may take it at once.
        self.ledger.lock().unwrap().accepted(id);
        match queue.try_send(delivery) {
            Ok(()) => true,
            Err(_) => {
                let mut ledger = self.ledger.lock().unwrap();
                ledger.set(
                    id,
                    Outcome::DeadLettered {
                        reason: "refused".into(),
                    },
                );
                ledger.rejected += 1;
                false
            }
        }
    }

    /// Stops accepting, lets the workers drain the queue for up to `grace`, then aborts them
    /// and dead-letters whatever is left.
    pub async fn shutdown(mut self, grace: Duration) {
        drop(self.queue.take());
        let workers = &mut self.workers;
        let drained = timeout(grace, async {
            while workers.join_next().await.is_some() {}
        })
        .await;
        if drained.is_ok() {
            return;
        }
        self.workers.abort_all();
        while self.workers.join_next().await.is_some() {}
        let mut backlog = self.backlog.lock().await;
        let mut ledger = self.ledger.lock().unwrap();
        while let Ok(d) = backlog.try_recv() {
            ledger.set(
                d.id,
                Outcome::DeadLettered {
                    reason: "shut down".into(),
                },
            );
        }
        if self.bug == Some(Bug::LoseInFlightOnShutdown) {
            // THE PLANTED BUG: the deliveries the aborted workers held are forgotten.
            return;
        }
        ledger.dead_letter_unsettled("shut down while in flight");
    }
}

/// One worker: takes deliveries until the queue is closed and empty.
async fn work(
    backlog: Arc<tokio::sync::Mutex<mpsc::Receiver<Delivery>>>,
    ledger: Arc<Mutex<Ledger>>,
    endpoint: Endpoint,
    config: Config,
) {
    loop {
        let next = backlog.lock().await.recv().await;
        let Some(delivery) = next else { return };
        let id = delivery.id;
        ledger.lock().unwrap().set(id, Outcome::InFlight);
        let outcome = deliver(&endpoint, delivery, &config).await;
        ledger.lock().unwrap().set(id, outcome);
    }
}

/// Posts with retries: exponential backoff between attempts, each attempt bounded.
async fn deliver(endpoint: &Endpoint, delivery: Delivery, config: &Config) -> Outcome {
    let mut last_error = String::new();
    for attempt in 1..=config.max_attempts.max(1) {
        match timeout(config.attempt_timeout, endpoint(delivery.clone())).await {
            Ok(Ok(())) => return Outcome::Delivered { attempt },
            Ok(Err(e)) => last_error = e,
            Err(_) => last_error = "attempt timed out".into(),
        }
        if attempt < config.max_attempts {
            sleep(config.backoff_base * 2u32.pow(attempt - 1)).await;
        }
    }
    Outcome::DeadLettered { reason: last_error }
}
