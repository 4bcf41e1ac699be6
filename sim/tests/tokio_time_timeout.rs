//! tokio's `tests/time_timeout.rs` (MIT), ported to run under the engine through
//! `asynclife_sim::tokio`.
//!
//! Adapted: `futures::future::pending` is `std::future::pending`; `very_large_timeout`
//! raises the run's virtual-time bound (`max_virtual_time_ms`, 24 h by default) past the 10
//! years it advances. Not ported:
//! - `timeout_is_not_exhausted_by_future`: its future is a loop over `tokio::io::empty()`,
//!   which the module does not offer (no `tokio::io`), and what it tests is tokio's coop
//!   budget (the timeout still polls its timer when the future used up the task's budget),
//!   which the engine does not have. The nearest thing the engine can run, a future that is
//!   always runnable (`loop { yield_now().await }`), never lets virtual time move: the clock
//!   advances only when no task is runnable, so the timeout never fires and the run ends on its
//!   step bound.

use asynclife_sim::tokio;
use tokio::sync::oneshot;
use tokio::time::{self, timeout, timeout_at, Instant};

#[path = "support/tokio_test.rs"]
#[macro_use]
mod tokio_test;

use tokio_test as task;

use std::future::pending;
use std::time::Duration;

#[tokio::test]
async fn simultaneous_deadline_future_completion() {
    // Create a future that is immediately ready
    let mut fut = task::spawn(timeout_at(Instant::now(), async {}));

    // Ready!
    assert_ready_ok!(fut.poll());
}

#[tokio::test]
async fn completed_future_past_deadline() {
    // Wrap it with a deadline
    let mut fut = task::spawn(timeout_at(Instant::now() - ms(1000), async {}));

    // Ready!
    assert_ready_ok!(fut.poll());
}

#[tokio::test]
async fn future_and_deadline_in_future() {
    time::pause();

    // Not yet complete
    let (tx, rx) = oneshot::channel();

    // Wrap it with a deadline
    let mut fut = task::spawn(timeout_at(Instant::now() + ms(100), rx));

    assert_pending!(fut.poll());

    // Turn the timer, it runs for the elapsed time
    time::advance(ms(90)).await;

    assert_pending!(fut.poll());

    // Complete the future
    tx.send(()).unwrap();
    assert!(fut.is_woken());

    assert_ready_ok!(fut.poll()).unwrap();
}

#[tokio::test]
async fn future_and_timeout_in_future() {
    time::pause();

    // Not yet complete
    let (tx, rx) = oneshot::channel();

    // Wrap it with a deadline
    let mut fut = task::spawn(timeout(ms(100), rx));

    // Ready!
    assert_pending!(fut.poll());

    // Turn the timer, it runs for the elapsed time
    time::advance(ms(90)).await;

    assert_pending!(fut.poll());

    // Complete the future
    tx.send(()).unwrap();

    assert_ready_ok!(fut.poll()).unwrap();
}

/// 100 years of virtual time: the test advances the clock by 10 years, past the run's default
/// bound of 24 hours (tokio's paused clock has no bound).
const YEARS_100_MS: u64 = 100 * 365 * 24 * 60 * 60 * 1000;

#[tokio::test(max_virtual_time_ms = YEARS_100_MS)]
async fn very_large_timeout() {
    time::pause();

    // Not yet complete
    let (tx, rx) = oneshot::channel();

    // copy-paste unstable `Duration::MAX`
    let duration_max = Duration::from_secs(u64::MAX) + Duration::from_nanos(999_999_999);

    // Wrap it with a deadline
    let mut fut = task::spawn(timeout(duration_max, rx));

    // Ready!
    assert_pending!(fut.poll());

    // Turn the timer, it runs for the elapsed time
    time::advance(Duration::from_secs(86400 * 365 * 10)).await;

    assert_pending!(fut.poll());

    // Complete the future
    tx.send(()).unwrap();

    assert_ready_ok!(fut.poll()).unwrap();
}

#[tokio::test]
async fn deadline_now_elapses() {
    time::pause();

    // Wrap it with a deadline
    let mut fut = task::spawn(timeout_at(Instant::now(), pending::<()>()));

    // Factor in jitter
    // TODO: don't require this
    time::advance(ms(1)).await;

    assert_ready_err!(fut.poll());
}

#[tokio::test]
async fn deadline_future_elapses() {
    time::pause();

    // Wrap it with a deadline
    let mut fut = task::spawn(timeout_at(Instant::now() + ms(300), pending::<()>()));

    assert_pending!(fut.poll());

    time::advance(ms(301)).await;

    assert!(fut.is_woken());
    assert_ready_err!(fut.poll());
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
