//! tokio's `Instant`: `Instant::now()`, `elapsed()`, the arithmetic; virtual inside a
//! simulation.

use crate::rt;
use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A measurement of the monotonic clock, as tokio's: inside a simulation virtual time,
/// outside one tokio's clock (scaled as [`crate::rt::now`] is).
///
/// Its origin lies ten years (`EPOCH`) before the start of the run, so that `Instant::now() - d` works
/// at the start as it does on a machine that has been up for a while; an instant before the
/// start is, as a deadline, already past.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    /// Nanoseconds since the origin: the run's virtual time plus `EPOCH`.
    nanos: u64,
}

/// How long before the start of the run the clock's origin is: ten years.
const EPOCH: Duration = Duration::from_secs(10 * 365 * 86_400);

const EPOCH_NANOS: u64 = EPOCH.as_secs() * 1_000_000_000;

impl Instant {
    /// Now.
    pub fn now() -> Instant {
        Instant::from_virtual(rt::now())
    }

    pub(crate) fn from_virtual(virtual_time: crate::time::Instant) -> Instant {
        Instant {
            nanos: virtual_time.as_nanos().saturating_add(EPOCH_NANOS),
        }
    }

    /// The virtual instant; the start of the run for an instant before it.
    pub(crate) fn into_virtual(self) -> crate::time::Instant {
        crate::time::Instant::from_nanos(self.nanos.saturating_sub(EPOCH_NANOS))
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
        self.nanos
            .checked_sub(earlier.nanos)
            .map(Duration::from_nanos)
    }

    /// Time from `earlier` to this; zero when `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.nanos.saturating_sub(earlier.nanos))
    }

    /// Time since this instant.
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// This instant plus `duration`, if it can be represented.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        let add = u64::try_from(duration.as_nanos()).ok()?;
        let nanos = self.nanos.checked_add(add)?;
        Some(Instant { nanos })
    }

    /// This instant minus `duration`, if it is not before the clock's origin (ten years
    /// before the start of the run).
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        let sub = u64::try_from(duration.as_nanos()).ok()?;
        let nanos = self.nanos.checked_sub(sub)?;
        Some(Instant { nanos })
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As time since the start of the run (negative before it).
        match self.nanos.checked_sub(EPOCH_NANOS) {
            Some(since) => write!(f, "Instant({})", crate::time::Instant::from_nanos(since)),
            None => write!(
                f,
                "Instant(-{:?})",
                Duration::from_nanos(EPOCH_NANOS - self.nanos)
            ),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_before_the_start_of_the_run_is_representable_and_already_past() {
        let start = Instant::from_virtual(crate::time::Instant::ZERO);
        let before = start - Duration::from_secs(1);
        assert_eq!(start - before, Duration::from_secs(1));
        assert_eq!(before.into_virtual(), crate::time::Instant::ZERO);
        assert_eq!(format!("{before:?}"), "Instant(-1s)");
        assert!(before.checked_sub(EPOCH).is_none());
        let later = start + Duration::from_millis(1500);
        assert_eq!(
            later.into_virtual().since_start(),
            Duration::from_millis(1500)
        );
    }
}
