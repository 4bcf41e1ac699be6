//! The generator's worker task: runs each send (with its retries) and each composition as a
//! task of its own, joins them, and runs the timeout sweep. Nothing here runs on the bus's
//! dispatcher, so none of it can block the bus.

use crate::breaker::Permit;
use crate::job::Job;
use crate::message::{FallbackReason, Message, Scenario};
use crate::pending::Claim;
use crate::state::{Gate, Shared};
use asynclife_sim::rt::{self, JoinSet};
use asynclife_sim::Instant;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The worker's loop, until [`Job::Stop`].
pub(crate) async fn run(shared: Arc<Shared>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let mut tasks = JoinSet::new();
    let mut sweep = rt::interval(shared.config.sweep_interval());
    loop {
        asynclife_sim::select! {
            biased;
            job = jobs.recv() => match job {
                Some(Job::Send { message, permit }) => {
                    tasks.spawn("rag.send", send(shared.clone(), message, permit));
                }
                Some(Job::Compose { claim, documents, compose_by }) => {
                    tasks.spawn("rag.compose", compose(shared.clone(), claim, documents, compose_by));
                }
                Some(Job::Stop) | None => break,
            },
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                if let Err(e) = joined {
                    assert!(!e.is_panic(), "a generator task failed: {e}");
                }
            }
            _ = sweep.tick() => sweep_expired(&shared),
        }
        shared.lock().tasks = tasks.len();
    }
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    shared.lock().tasks = 0;
}

/// Completes every expired request with the fallback, and a failure for the breaker.
fn sweep_expired(shared: &Shared) {
    for id in shared.begin_sweep() {
        shared.fail(id, FallbackReason::TimedOut);
    }
}

/// Sends a request, retrying failed sends with backoff until the retries are used up or the
/// next one would come after the request's deadline. Before every attempt, and again at the
/// post, the request must still be open and the breaker must still let it through.
async fn send(shared: Arc<Shared>, message: Message, permit: Permit) {
    let deadline = message.deadline.unwrap_or(Instant::MAX);
    let mut retry = 0;
    loop {
        match shared.gate(&message, permit, false) {
            Gate::Go => {}
            Gate::Done => return,
            Gate::Closed => break,
        }
        if shared.bus.connect(&message).await.is_ok() {
            match shared.gate(&message, permit, true) {
                Gate::Go | Gate::Done => return,
                Gate::Closed => break,
            }
        }
        retry += 1;
        let jitter_unit = rt::random_range(0.0..=1.0);
        let Some(wait) = shared.config.retry.backoff(retry, jitter_unit) else {
            break;
        };
        if rt::now() + wait >= deadline {
            break;
        }
        shared.lock().stats.send_retries += 1;
        rt::sleep(wait).await;
    }
    shared.fail(message.id, FallbackReason::SendFailed);
}

/// Composes the scenario (the language-model call, simulated by its duration) and replies;
/// with `compose_by`, gives up at that instant and replies with the fallback instead.
async fn compose(
    shared: Arc<Shared>,
    claim: Claim,
    documents: Vec<String>,
    compose_by: Option<Instant>,
) {
    let (min_ms, max_ms) = (shared.config.compose_min_ms, shared.config.compose_max_ms);
    let took = Duration::from_millis(rt::random_range(min_ms..=max_ms));
    let composed = match compose_by {
        Some(deadline) => {
            let left = deadline.saturating_duration_since(rt::now());
            rt::timeout(left, rt::sleep(took)).await.is_ok()
        }
        None => {
            rt::sleep(took).await;
            true
        }
    };
    let query = claim.request().query.clone();
    let scenario = if composed {
        Scenario::from_documents(&query, &documents)
    } else {
        Scenario::fallback(&query, FallbackReason::ComposeTimedOut)
    };
    shared.complete(&mut shared.lock(), claim, scenario);
}
