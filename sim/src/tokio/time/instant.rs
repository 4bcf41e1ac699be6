//! tokio's `Instant`: `Instant::now()`, `elapsed()`, the arithmetic; virtual inside a
//! simulation.

use crate::rt;
use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A measurement of the monotonic clock, as tokio's: inside a simulation virtual time
/// (nanoseconds since the start of the run), outside one tokio's clock (scaled as
/// [`crate::rt::now`] is).
///
/// One difference: virtual time starts at zero, so subtracting more than the time since the
/// start of the run panics (as `std`'s does below its own origin); `checked_sub` gives `None`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    inner: crate::time::Instant,
}

impl Instant {
    /// Now.
    pub fn now() -> Instant {
        Instant::from_virtual(rt::now())
    }

    pub(crate) fn from_virtual(inner: crate::time::Instant) -> Instant {
        Instant { inner }
    }

    pub(crate) fn into_virtual(self) -> crate::time::Instant {
        self.inner
    }

    /// A time far in the future (30 years from now, as tokio's), for a deadline that never
    /// comes.
    pub(crate) fn far_future() -> Instant {
        Instant::now() + Duration::from_secs(86_400 * 365 * 30)
    }

    /// Time from `earlier` to this; zero when `earlier` is later.
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }

    /// Time from `earlier` to this; `None` when `earlier` is later.
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        (self.inner >= earlier.inner).then(|| self.inner.saturating_duration_since(earlier.inner))
    }

    /// Time from `earlier` to this; zero when `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.inner.saturating_duration_since(earlier.inner)
    }

    /// Time since this instant.
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// This instant plus `duration`, if it can be represented.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        let add = u64::try_from(duration.as_nanos()).ok()?;
        let nanos = self.inner.as_nanos().checked_add(add)?;
        Some(Instant::from_virtual(crate::time::Instant::from_nanos(
            nanos,
        )))
    }

    /// This instant minus `duration`, if it is not before the clock's origin.
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        let sub = u64::try_from(duration.as_nanos()).ok()?;
        let nanos = self.inner.as_nanos().checked_sub(sub)?;
        Some(Instant::from_virtual(crate::time::Instant::from_nanos(
            nanos,
        )))
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Instant({})", self.inner)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        self.checked_add(rhs)
            .expect("overflow when adding duration to instant")
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, rhs: Duration) -> Instant {
        self.checked_sub(rhs)
            .expect("overflow when subtracting duration from instant")
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}
