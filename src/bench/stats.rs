//! Percentiles (nearest rank) and durations as the tables print them, in milliseconds.

use std::time::Duration;

/// The `q`-quantile of `samples` by the nearest-rank method (`q` in `0..=1`): the smallest
/// sample such that at least `q` of them are at most it. Zero for no samples.
///
/// ```
/// use asynclife::bench::stats::percentile;
/// use std::time::Duration;
///
/// let ms = |n| Duration::from_millis(n);
/// let samples: Vec<Duration> = (1..=100).map(ms).collect();
/// assert_eq!(percentile(&samples, 0.50), ms(50));
/// assert_eq!(percentile(&samples, 0.99), ms(99));
/// assert_eq!(percentile(&[ms(7)], 0.99), ms(7));
/// ```
pub fn percentile(samples: &[Duration], q: f64) -> Duration {
    assert!(
        (0.0..=1.0).contains(&q),
        "a quantile is within 0..=1, got {q}"
    );
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The largest sample, zero for none.
pub fn max(samples: &[Duration]) -> Duration {
    samples.iter().max().copied().unwrap_or_default()
}

/// A duration in milliseconds, with microsecond precision.
pub fn ms(duration: Duration) -> f64 {
    duration.as_micros() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_a_sample_and_never_interpolates() {
        let ms = Duration::from_millis;
        let samples = [ms(30), ms(10), ms(20)];
        assert_eq!(percentile(&samples, 0.0), ms(10));
        assert_eq!(percentile(&samples, 0.5), ms(20));
        assert_eq!(percentile(&samples, 0.99), ms(30));
        assert_eq!(percentile(&samples, 1.0), ms(30));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
        assert_eq!(max(&samples), ms(30));
    }

    #[test]
    fn milliseconds_keep_the_microseconds() {
        assert_eq!(ms(Duration::from_micros(1_500)), 1.5);
        assert_eq!(ms(Duration::from_secs(5)), 5000.0);
    }
}
