//! Time for simulated code: `now`, `sleep`, `timeout`, `interval`, and `blocking`.
//!
//! Inside a simulation the clock is virtual and moves only when nothing is runnable (to the
//! next timer) or when a task calls [`blocking`]. On tokio it is tokio's clock, scaled by real
//! mode's time scale (1 unless [`crate::rt::set_real_time_scale`] changed it), so tokio's paused
//! time works too.

use crate::runtime::context;
use crate::runtime::timers::TimerKey;
use crate::scaled_clock as clock;
use crate::time::Instant;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The current time: virtual inside a simulation, scaled tokio time outside.
#[inline]
pub fn now() -> Instant {
    context::with_current(|kernel| kernel.now()).unwrap_or_else(clock::now)
}

/// Waits until `duration` has passed.
#[inline]
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(now() + duration)
}

/// Waits until `deadline`.
#[inline]
pub fn sleep_until(deadline: Instant) -> Sleep {
    let inner = match context::with_current(|kernel| kernel.run_id()) {
        Some(run_id) => SleepInner::Sim {
            run_id,
            deadline,
            timer: None,
        },
        None => SleepInner::Tokio(Box::pin(tokio::time::sleep_until(clock::to_tokio(
            deadline,
        )))),
    };
    Sleep { inner }
}

/// The future of [`sleep`] and [`sleep_until`]. Dropping it cancels the timer.
#[must_use = "a sleep does nothing unless awaited"]
pub struct Sleep {
    inner: SleepInner,
}

enum SleepInner {
    Sim {
        run_id: u64,
        deadline: Instant,
        timer: Option<TimerKey>,
    },
    Tokio(Pin<Box<tokio::time::Sleep>>),
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline())
            .finish()
    }
}

impl Sleep {
    /// When this sleep ends.
    pub fn deadline(&self) -> Instant {
        match &self.inner {
            SleepInner::Sim { deadline, .. } => *deadline,
            SleepInner::Tokio(s) => clock::from_tokio(s.deadline()),
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &mut self.get_mut().inner {
            SleepInner::Sim {
                deadline, timer, ..
            } => context::with_current(|kernel| kernel.poll_timer(*deadline, timer, cx.waker()))
                .expect("a simulated sleep is polled inside its simulation"),
            SleepInner::Tokio(s) => s.as_mut().poll(cx),
        }
    }
}

impl Drop for Sleep {
    #[inline]
    fn drop(&mut self) {
        if let SleepInner::Sim {
            run_id,
            timer: Some(key),
            ..
        } = &self.inner
        {
            context::with_current(|kernel| {
                if kernel.run_id() == *run_id {
                    kernel.cancel_timer(*key);
                }
            });
        }
    }
}

/// The error of a [`timeout`] whose deadline passed first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// The error of a timeout, for the tokio-shaped `timeout` (the field stays private).
pub(crate) fn elapsed() -> Elapsed {
    Elapsed(())
}

/// Runs `future` for at most `duration`. When the deadline passes first, the future is
/// dropped (cancelled) and the result is `Err(Elapsed)`. A future that is ready at the same
/// poll as the deadline wins.
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep(duration),
    }
}

pin_project! {
    /// The future of [`timeout`].
    #[must_use = "a timeout does nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        sleep: Sleep,
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        Pin::new(this.sleep).poll(cx).map(|()| Err(Elapsed(())))
    }
}

/// Ticks every `period`, the first tick at once. A tick that comes late (the executor was
/// held, or the task was busy) is not made up in a burst: the next one is due a full period
/// after it (tokio's `MissedTickBehavior::Delay`).
pub fn interval(period: Duration) -> Interval {
    assert!(!period.is_zero(), "an interval's period must be non-zero");
    Interval {
        period,
        next: now(),
    }
}

/// The ticker of [`interval`].
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    next: Instant,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was due (compare with [`now`] to
    /// measure lateness).
    pub async fn tick(&mut self) -> Instant {
        let due = self.next;
        sleep_until(due).await;
        let fired = now();
        self.next = if fired > due {
            fired + self.period
        } else {
            due + self.period
        };
        due
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}

/// A synchronous call inside async code (Python's `time.sleep`, `Event.wait`): it takes
/// `duration` and holds the executor meanwhile.
///
/// In a simulation the clock advances by `duration` while no other task runs, and the poll
/// that called it is measured by the blocked-executor detector. On tokio it really blocks the
/// thread for `duration` in scaled time, which is the point: this is how a defect freezes an
/// event loop.
pub fn blocking(duration: Duration) {
    match context::with_current(|kernel| kernel.block(duration)) {
        Some(()) => {}
        #[allow(clippy::disallowed_methods)]
        // real mode: blocking the thread is the behaviour modelled
        None => std::thread::sleep(clock::to_real(duration)),
    }
}
