//! The clock of `rt` outside a simulation: tokio's clock, scaled by the process-wide time
//! scale (real mode's, and plain tokio's at scale 1).
//!
//! Outside a simulation, `rt::now`, `sleep`, `timeout`, `interval` and `blocking` go through
//! here. Durations the code under test speaks in (a 5 s grace, a 7200 s TTL) are "scaled
//! time": one scaled second lasts `scale` real seconds. At scale 0.01 a 5 s grace takes 50 ms
//! of wall clock, and `rt::now` advances 100 times faster than the wall clock. Scaling every
//! subsystem at once here, rather than each scenario's workload, keeps the subsystems
//! unaware of real mode.
//!
//! Invariants:
//! 1. At scale 1 (the default, unless [`set_scale`] is called) scaled time is tokio's time
//!    since the first reading, exactly, as before real mode existed; so tokio's paused clock
//!    still drives `rt` time in tests.
//! 2. Changing the scale re-bases the clock: `now` is continuous and never goes backwards.

use crate::time::Instant;
use std::sync::Mutex;
use std::time::Duration;

/// The mapping between scaled time and tokio's clock: `now = base + (real - origin) / scale`.
#[derive(Clone, Copy, Debug)]
struct Mapping {
    origin: tokio::time::Instant,
    base: Duration,
    scale: f64,
}

static CLOCK: Mutex<Option<Mapping>> = Mutex::new(None);

/// The mapping, created on the first reading (invariant 1), then passed to `f`.
fn with_mapping<R>(f: impl FnOnce(&mut Mapping) -> R) -> R {
    let mut clock = CLOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mapping = clock.get_or_insert_with(|| Mapping {
        origin: tokio::time::Instant::now(),
        base: Duration::ZERO,
        scale: 1.0,
    });
    f(mapping)
}

fn mapping() -> Mapping {
    with_mapping(|m| *m)
}

/// The scale in force: how many real seconds one scaled second lasts.
pub fn scale() -> f64 {
    mapping().scale
}

/// Sets the time scale for every later real-mode reading and wait (invariant 2).
///
/// # Panics
/// If `scale` is not finite and positive (validate configurations first).
pub fn set_scale(scale: f64) {
    assert!(
        scale.is_finite() && scale > 0.0,
        "a time scale must be finite and positive, not {scale}"
    );
    with_mapping(|m| {
        let real = tokio::time::Instant::now();
        let base = to_scaled(*m, real);
        *m = Mapping {
            origin: real,
            base,
            scale,
        };
    });
}

/// A scaled duration as the wall clock sees it (5 s at scale 0.01: 50 ms).
pub fn to_real(duration: Duration) -> Duration {
    real_of(mapping().scale, duration)
}

/// A wall-clock duration in scaled time (50 ms at scale 0.01: 5 s).
#[cfg(feature = "real")]
pub fn to_scaled_duration(duration: Duration) -> Duration {
    scaled_of(mapping().scale, duration)
}

fn real_of(scale: f64, duration: Duration) -> Duration {
    if scale == 1.0 {
        duration
    } else {
        duration.mul_f64(scale)
    }
}

fn scaled_of(scale: f64, duration: Duration) -> Duration {
    if scale == 1.0 {
        duration
    } else {
        duration.div_f64(scale)
    }
}

fn to_scaled(m: Mapping, real: tokio::time::Instant) -> Duration {
    m.base + scaled_of(m.scale, real.saturating_duration_since(m.origin))
}

/// The current scaled time.
pub fn now() -> Instant {
    let m = mapping();
    Instant::from_duration(to_scaled(m, tokio::time::Instant::now()))
}

/// The tokio instant at which scaled time reaches `instant`.
pub fn to_tokio(instant: Instant) -> tokio::time::Instant {
    let m = mapping();
    let scaled = instant.since_start();
    if scaled >= m.base {
        m.origin + real_of(m.scale, scaled - m.base)
    } else {
        let before = real_of(m.scale, m.base - scaled);
        m.origin.checked_sub(before).unwrap_or(m.origin)
    }
}

/// The scaled instant of a tokio instant.
pub fn from_tokio(instant: tokio::time::Instant) -> Instant {
    Instant::from_duration(to_scaled(mapping(), instant))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_scale_both_ways_and_scale_one_is_exact() {
        let grace = Duration::from_secs(5);
        assert_eq!(real_of(0.01, grace), Duration::from_millis(50));
        assert_eq!(scaled_of(0.01, Duration::from_millis(50)), grace);
        let odd = Duration::new(7_200, 123_456_789);
        assert_eq!(real_of(1.0, odd), odd);
        assert_eq!(scaled_of(1.0, odd), odd);
    }

    #[test]
    fn rebasing_keeps_scaled_time_continuous() {
        let origin = tokio::time::Instant::now();
        let m = Mapping {
            origin,
            base: Duration::from_secs(3),
            scale: 0.5,
        };
        let later = origin + Duration::from_secs(1);
        assert_eq!(to_scaled(m, later), Duration::from_secs(5));
        assert_eq!(to_scaled(m, origin), Duration::from_secs(3));
    }
}
