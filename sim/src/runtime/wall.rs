//! The one place the engine reads the wall clock: timing each poll for the `wall-blocked-poll`
//! warning. What it measures never reaches the trace, its hash, the schedule or the verdict
//! (unless the configuration makes it a finding), so a loaded machine cannot change a run.
//!
//! On Linux it reads the coarse monotonic clock: a few nanoseconds, where `Instant::now`
//! doubles the cost of a yield (`yield/asynclife-unwatched` in `benches/primitives.rs`); its
//! resolution of a few milliseconds is nothing against a threshold of a second.

use std::time::Duration;

/// Time on a monotonic wall clock, from an arbitrary origin.
#[cfg(target_os = "linux")]
#[inline(always)]
fn wall_now() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// Time on a monotonic wall clock, from the first reading.
#[cfg(not(target_os = "linux"))]
#[allow(clippy::disallowed_methods)] // the one wall-clock reading of the engine, as above
fn wall_now() -> Duration {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed()
}

/// Times polls against a wall-clock threshold.
pub(crate) struct WallWatch {
    /// `None` when the warning is off (a zero threshold): the clock is not read at all.
    threshold: Option<Duration>,
    /// When the poll under way began.
    started: Option<Duration>,
}

impl WallWatch {
    pub(crate) fn new(threshold: Duration) -> WallWatch {
        WallWatch {
            threshold: (!threshold.is_zero()).then_some(threshold),
            started: None,
        }
    }

    /// A poll begins.
    #[inline(always)]
    pub(crate) fn start(&mut self) {
        if self.threshold.is_some() {
            self.started = Some(wall_now());
        }
    }

    /// The poll ended: how long it took, when that was longer than the threshold.
    #[inline(always)]
    pub(crate) fn stop(&mut self) -> Option<Duration> {
        let started = self.started.take()?;
        let took = wall_now().saturating_sub(started);
        (took > self.threshold?).then_some(took)
    }

    /// The threshold, when the warning is on.
    pub(crate) fn threshold(&self) -> Option<Duration> {
        self.threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_threshold_never_reads_the_clock_and_never_warns() {
        let mut watch = WallWatch::new(Duration::ZERO);
        watch.start();
        assert!(watch.started.is_none());
        assert_eq!(watch.stop(), None);
    }

    #[test]
    fn only_a_poll_over_the_threshold_is_reported() {
        // A generous threshold for the instant poll, so that a loaded machine cannot fail it.
        let mut watch = WallWatch::new(Duration::from_secs(10));
        watch.start();
        assert_eq!(watch.stop(), None, "an instant poll is under 10 s");
        let mut watch = WallWatch::new(Duration::from_millis(20));
        watch.start();
        #[allow(clippy::disallowed_methods)] // outside any simulation: a real poll's length
        std::thread::sleep(Duration::from_millis(60));
        let took = watch.stop().expect("60 ms is over 20 ms");
        // The coarse clock ticks every 4 ms (HZ=250) to 10 ms (HZ=100), so a reading may be a
        // tick short of the sleep (24 ms for a 30 ms sleep was seen); a loaded machine only
        // makes the sleep longer.
        assert!(took >= Duration::from_millis(45), "{took:?}");
        assert_eq!(watch.stop(), None, "each poll is reported once");
    }
}
