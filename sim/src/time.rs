//! Virtual instants: nanoseconds since the start of a run, the only clock simulated code reads.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::time::Duration;

/// A point in virtual time, measured from the start of the run (or, in real mode, from the
/// first time the process asked for the time).
///
/// Unlike `std::time::Instant` it is plain data: it can be compared, printed, hashed and
/// serialised, and two runs of the same seed produce the same values.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Instant {
    nanos: u64,
}

impl Instant {
    /// The start of the run.
    pub const ZERO: Instant = Instant { nanos: 0 };
    /// The end of time: a deadline that never comes.
    pub const MAX: Instant = Instant { nanos: u64::MAX };

    /// The instant `since_start` after the start of the run.
    pub fn from_duration(since_start: Duration) -> Instant {
        Instant {
            nanos: u64::try_from(since_start.as_nanos()).unwrap_or(u64::MAX),
        }
    }

    /// The instant `nanos` nanoseconds after the start of the run.
    pub const fn from_nanos(nanos: u64) -> Instant {
        Instant { nanos }
    }

    /// The instant `millis` milliseconds after the start of the run.
    pub const fn from_millis(millis: u64) -> Instant {
        Instant {
            nanos: millis.saturating_mul(1_000_000),
        }
    }

    /// Nanoseconds since the start of the run.
    pub const fn as_nanos(self) -> u64 {
        self.nanos
    }

    /// Time since the start of the run.
    pub const fn since_start(self) -> Duration {
        Duration::from_nanos(self.nanos)
    }

    /// `self - earlier`, or zero when `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.nanos.saturating_sub(earlier.nanos))
    }

    /// `self + duration`, stopping at [`Instant::MAX`].
    pub fn saturating_add(self, duration: Duration) -> Instant {
        let add = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        Instant {
            nanos: self.nanos.saturating_add(add),
        }
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        self.saturating_add(rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = self.saturating_add(rhs);
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

impl fmt::Display for Instant {
    /// `12.345678s`: seconds with microsecond precision, fixed width after the point so that
    /// text traces line up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = self.nanos / 1_000;
        write!(f, "{}.{:06}s", micros / 1_000_000, micros % 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_seconds_with_micros() {
        assert_eq!(Instant::from_millis(5_001).to_string(), "5.001000s");
        assert_eq!(Instant::ZERO.to_string(), "0.000000s");
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Instant::MAX + Duration::from_secs(1), Instant::MAX);
        assert_eq!(
            Instant::from_millis(1) - Instant::from_millis(2),
            Duration::ZERO
        );
    }
}
