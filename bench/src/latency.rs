//! Latency histograms (HDR, nanoseconds, 3 significant digits) and their summary.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Largest latency a histogram tells apart; slower answers count as this.
const HIGHEST: Duration = Duration::from_secs(120);

/// An empty latency histogram in nanoseconds.
pub fn histogram() -> Histogram<u64> {
    // Constant bounds within what the crate accepts (low ≥ 1, high ≥ 2 × low, 3 digits),
    // so this cannot fail; the tests build one.
    Histogram::new_with_bounds(1, HIGHEST.as_nanos() as u64, 3).expect("constant histogram bounds are valid")
}

/// Records one latency.
pub fn record(histogram: &mut Histogram<u64>, latency: Duration) {
    histogram.saturating_record(u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX).max(1));
}

/// The figures quoted from a histogram.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    /// Recorded values.
    pub count: u64,
    /// Median.
    pub p50: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// 99.9th percentile.
    pub p999: Duration,
    /// Largest.
    pub max: Duration,
}

impl Summary {
    /// Summarises `histogram`.
    pub fn of(histogram: &Histogram<u64>) -> Self {
        if histogram.is_empty() {
            return Self::default();
        }
        let at = |quantile: f64| Duration::from_nanos(histogram.value_at_quantile(quantile));
        Self {
            count: histogram.len(),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            max: Duration::from_nanos(histogram.max()),
        }
    }
}

/// How late a thread wakes from `sleep(period)`, over `duration`: the machine's own timing
/// noise (scheduler, hypervisor), which every latency tail measured on it includes.
pub fn timer_lateness(period: Duration, duration: Duration) -> Summary {
    let mut lateness = histogram();
    let until = std::time::Instant::now() + duration;
    while std::time::Instant::now() < until {
        let started = std::time::Instant::now();
        std::thread::sleep(period);
        record(&mut lateness, started.elapsed().saturating_sub(period));
    }
    Summary::of(&lateness)
}

/// The `quantile` (0 to 1) of a few `values` by nearest rank: the smallest value with at
/// least that share of the values at or below it (the median of 5 is the 3rd, the p99 the
/// largest). `None` for no values.
pub fn nearest_rank<T: Copy + PartialOrd>(values: &[T], quantile: f64) -> Option<T> {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let rank = (quantile * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// Microseconds with one decimal, for tables.
pub fn micros(value: Duration) -> String {
    format!("{:.1}", value.as_secs_f64() * 1e6)
}

/// Milliseconds with two decimals, for tables.
pub fn millis(value: Duration) -> String {
    format!("{:.2}", value.as_secs_f64() * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_quotes_percentiles_to_three_digits() {
        let mut histogram = histogram();
        for micros in 1..=1000 {
            record(&mut histogram, Duration::from_micros(micros));
        }
        let summary = Summary::of(&histogram);
        assert_eq!(summary.count, 1000);
        let close = |value: Duration, expected_micros: f64| {
            let ratio = value.as_secs_f64() * 1e6 / expected_micros;
            assert!((0.999..=1.001).contains(&ratio), "{value:?} vs {expected_micros} µs");
        };
        close(summary.p50, 500.0);
        close(summary.p99, 990.0);
        close(summary.max, 1000.0);
    }

    #[test]
    fn nearest_rank_picks_a_value_of_the_sample() {
        let values = [5, 1, 4, 2, 3];
        assert_eq!(nearest_rank(&values, 0.5), Some(3));
        assert_eq!(nearest_rank(&values, 0.99), Some(5));
        assert_eq!(nearest_rank(&values, 1.0), Some(5));
        assert_eq!(nearest_rank(&values, 0.0), Some(1));
        assert_eq!(nearest_rank(&[10.0, 20.0, 30.0, 40.0], 0.5), Some(20.0));
        assert_eq!(nearest_rank::<u32>(&[], 0.5), None);
    }

    #[test]
    fn empty_histogram_summarises_to_zero() {
        assert_eq!(Summary::of(&histogram()).count, 0);
    }
}
