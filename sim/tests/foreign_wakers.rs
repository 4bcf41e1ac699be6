//! Wakers that are not the engine's own (a combinator's, a user's), handed to timers: the
//! engine clones, wakes and drops them with its state lent. One that only passes the wake-up
//! on works as any waker does; one that calls back into the simulation from inside panics
//! with a message, never reaching the state the engine is using.

use asynclife_sim::{rt, Sim, SimConfig, Verdict};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;

/// A waker wrapping the task's own, as `FuturesUnordered` or a hand-made combinator would.
struct Forwarding {
    inner: Waker,
    wakes: AtomicU32,
    /// Calls into the simulation when woken, which it must not do.
    calls_back: bool,
}

impl Wake for Forwarding {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::Relaxed);
        if self.calls_back {
            drop(rt::spawn("from-a-waker", async {}));
        }
        self.inner.wake_by_ref();
    }
}

/// Sleeps for 10 ms with the sleep polled through a `Forwarding` waker (a new one at every
/// poll, so that the timer's waker is also replaced); returns how often they were woken.
async fn sleep_through_foreign_wakers(calls_back: bool) -> u32 {
    let mut sleep = pin!(rt::sleep(Duration::from_millis(10)));
    let mut wakers: Vec<Arc<Forwarding>> = Vec::new();
    poll_fn(|cx| {
        let foreign = Arc::new(Forwarding {
            inner: cx.waker().clone(),
            wakes: AtomicU32::new(0),
            calls_back,
        });
        wakers.push(foreign.clone());
        let waker = Waker::from(foreign);
        let polled = sleep.as_mut().poll(&mut Context::from_waker(&waker));
        if polled.is_pending() && wakers.len() == 1 {
            // A second registration through another foreign waker: the timer's is replaced.
            let again = Arc::new(Forwarding {
                inner: cx.waker().clone(),
                wakes: AtomicU32::new(0),
                calls_back,
            });
            wakers.push(again.clone());
            let _ = sleep
                .as_mut()
                .poll(&mut Context::from_waker(&Waker::from(again)));
        }
        polled
    })
    .await;
    wakers.iter().map(|w| w.wakes.load(Ordering::Relaxed)).sum()
}

#[test]
fn a_foreign_waker_that_passes_the_wake_up_on_wakes_its_task() {
    let report = Sim::new(SimConfig::with_seed(5)).run(|| async {
        let wakes = sleep_through_foreign_wakers(false).await;
        assert_eq!(wakes, 1, "the timer woke the last waker registered, once");
        assert_eq!(rt::now().since_start(), Duration::from_millis(10));
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

#[test]
fn a_foreign_waker_that_calls_back_in_while_the_engine_holds_its_state_panics() {
    let outcome = std::panic::catch_unwind(|| {
        Sim::new(SimConfig::with_seed(5)).run(|| async {
            sleep_through_foreign_wakers(true).await;
        })
    });
    let payload = outcome.expect_err("waking the timer's waker spawns from inside the engine");
    let message = asynclife_sim::rt::panic_message(payload.as_ref());
    assert!(
        message.contains("reached from a waker"),
        "unexpected panic: {message}"
    );
}
