//! tokio's `time` module: `sleep`, `timeout`, `interval` and tokio's `Instant`, on virtual
//! time inside a simulation and on tokio's clock outside one.

mod instant;
mod interval;

use crate::rt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use std::time::Duration;

/// tokio's `time::error`.
pub mod error {
    pub use crate::rt::Elapsed;
}

/// Waits until `duration` has passed. A duration past what an [`Instant`] can hold
/// (`Duration::MAX`) sleeps until the far future (30 years from now), as tokio's does.
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(duration))
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        inner: rt::sleep_until(deadline.into_virtual()),
        registered: false,
        waker: None,
    }
}

/// `duration` from now, or the far future when that cannot be represented (tokio's rule for
/// `sleep` and `timeout`).
fn deadline_after(duration: Duration) -> Instant {
    Instant::now()
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future)
}

/// The future of [`sleep`]: awaited, it ends at its deadline; [`Sleep::reset`] moves it.
/// Dropping it cancels its timer.
#[must_use = "a sleep does nothing unless awaited"]
#[derive(Debug)]
pub struct Sleep {
    inner: rt::Sleep,
    /// Polled or reset since it was made: tokio's sleep has a timer then, and only a sleep
    /// with a timer can be elapsed.
    registered: bool,
    /// The waker of the last poll that returned pending: a reset registers the new deadline
    /// with it, as tokio's does, so that whoever waits is woken at the new deadline.
    waker: Option<Waker>,
}

impl Sleep {
    /// When the sleep ends.
    pub fn deadline(&self) -> Instant {
        Instant::from_virtual(self.inner.deadline())
    }

    /// Whether the sleep has fired: as tokio's, once it was polled (or reset) and its deadline
    /// has come. A sleep never polled is not elapsed, even past its deadline.
    pub fn is_elapsed(&self) -> bool {
        self.registered && Instant::now() >= self.deadline()
    }

    /// Moves the deadline, whether it has passed or not (a passed sleep sleeps again). A task
    /// waiting on the sleep is woken at the new deadline (at once, if it has passed).
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.inner = rt::sleep_until(deadline.into_virtual());
        this.registered = true;
        if let Some(waker) = &this.waker {
            if Pin::new(&mut this.inner)
                .poll(&mut Context::from_waker(waker))
                .is_ready()
            {
                this.waker.take().expect("checked").wake();
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.registered = true;
        let polled = Pin::new(&mut this.inner).poll(cx);
        match polled {
            Poll::Pending => match &mut this.waker {
                Some(waker) => waker.clone_from(cx.waker()),
                None => this.waker = Some(cx.waker().clone()),
            },
            // A fired sleep has nobody waiting on it any more.
            Poll::Ready(()) => this.waker = None,
        }
        polled
    }
}

/// Runs `future` for at most `duration`: `Err(Elapsed)` if the deadline comes first (the
/// future is dropped). A future ready at the deadline's poll wins, as on tokio. A duration
/// past what an [`Instant`] can hold gives the far future, as [`sleep`].
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    timeout_at(deadline_after(duration), future)
}

/// Runs `future` until `deadline` at most.
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep_until(deadline),
    }
}

pin_project_lite::pin_project! {
    /// The future of [`timeout`] and [`timeout_at`].
    #[must_use = "a timeout does nothing unless awaited"]
    #[derive(Debug)]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        sleep: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The future inside.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The future inside.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// The future inside, the timeout given up.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, error::Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        Pin::new(this.sleep).poll(cx).map(|()| Err(rt::elapsed()))
    }
}

/// tokio's `time::pause`: inside a simulation time is always paused (virtual), so this does
/// nothing there.
///
/// # Panics
/// Outside a simulation: tokio's pause needs its `test-util` feature, which this crate's
/// `real` feature turns on; without it, the call panics saying so.
pub fn pause() {
    if !rt::in_simulation() {
        #[cfg(feature = "real")]
        ::tokio::time::pause();
        #[cfg(not(feature = "real"))]
        rt::needs_real::<()>("tokio::time::pause");
    }
}

/// tokio's `time::resume`: does nothing inside a simulation (see [`pause`]).
pub fn resume() {
    if !rt::in_simulation() {
        #[cfg(feature = "real")]
        ::tokio::time::resume();
        #[cfg(not(feature = "real"))]
        rt::needs_real::<()>("tokio::time::resume");
    }
}

/// tokio's `time::advance`: inside a simulation, the calling task sleeps for `duration`, so
/// that virtual time moves by it and every timer due meanwhile fires in order. Outside one,
/// tokio's (paused time, feature `real`).
pub async fn advance(duration: Duration) {
    if rt::in_simulation() {
        rt::sleep(duration).await
    } else {
        #[cfg(feature = "real")]
        ::tokio::time::advance(duration).await;
        #[cfg(not(feature = "real"))]
        rt::needs_real::<()>("tokio::time::advance");
    }
}
