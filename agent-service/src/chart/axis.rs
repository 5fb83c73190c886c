//! Where a PNG chart's axes put their ticks and what they write there: "nice" numbers
//! (1, 2 or 5 times a power of ten), whole numbers for counts, calendar steps (days,
//! weeks, months, years) for dates, one tick per category while they fit.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, Month, OffsetDateTime};

use super::series::XAxis;

const DAY: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");
const MINUTE: &[FormatItem<'static>] = format_description!("[year]-[month]-[day] [hour]:[minute]");
const MONTH: &[FormatItem<'static>] = format_description!("[year]-[month]");
const YEAR: &[FormatItem<'static>] = format_description!("[year]");

const SECONDS_PER_DAY: f64 = 86_400.0;

/// Ticks and labels of one axis.
pub struct Axis {
    /// Where the ticks are.
    pub ticks: Vec<f64>,
    /// How a tick is written.
    pub label: Box<dyn Fn(&f64) -> String>,
}

/// A "nice" step: 1, 2 or 5 times a power of ten, at least `rough`.
pub fn nice_step(rough: f64) -> f64 {
    if !(rough.is_finite() && rough > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * magnitude)
        .find(|step| *step >= rough * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// Multiples of a nice step within `low..=high`, about `target` of them; whole numbers
/// only when `whole`.
pub fn numbers(low: f64, high: f64, target: usize, whole: bool) -> Vec<f64> {
    let mut step = nice_step((high - low) / target.max(1) as f64);
    if whole {
        step = step.max(1.0);
    }
    // A little slack, so that a bound that is a multiple of the step up to rounding
    // gets its tick.
    let first = (low / step - 1e-9).ceil() as i64;
    let last = (high / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The axis of numbers from `low` to `high`.
pub fn number_axis(low: f64, high: f64, target: usize, whole: bool) -> Axis {
    Axis {
        ticks: numbers(low, high, target, whole),
        label: Box::new(|value| short(*value)),
    }
}

/// A number short enough for an axis: `1.25`, `12k`, `3.5M`.
pub fn short(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (value / 1e9, "B")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e4 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    let text = format!("{scaled:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    let text = if text == "-0" { "0" } else { text };
    format!("{text}{suffix}")
}

/// `label` cut to `chars` characters, with an ellipsis when cut.
pub fn cut(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        return label.to_owned();
    }
    let mut cut: String = label.chars().take(chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// One tick per category, or every n-th when there are more than `most`; labels cut
/// to `chars` characters.
pub fn category_axis(labels: &[String], most: usize, chars: usize) -> Axis {
    let step = labels.len().div_ceil(most.max(1)).max(1);
    let labels = labels.to_vec();
    Axis {
        ticks: (0..labels.len()).step_by(step).map(|at| at as f64).collect(),
        label: Box::new(move |at| {
            let index = at.round();
            if index >= 0.0 {
                labels
                    .get(index as usize)
                    .map(|label| cut(label, chars))
                    .unwrap_or_default()
            } else {
                String::new()
            }
        }),
    }
}

/// Calendar steps for a date axis, shortest first (weeks only for spans of up to about
/// seven weeks; longer spans read better by month).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    /// A fixed number of seconds (minutes, hours, days, weeks).
    Seconds(f64),
    /// A number of months.
    Months(u32),
}

const STEPS: [Step; 16] = [
    Step::Seconds(60.0),
    Step::Seconds(300.0),
    Step::Seconds(900.0),
    Step::Seconds(1_800.0),
    Step::Seconds(3_600.0),
    Step::Seconds(3.0 * 3_600.0),
    Step::Seconds(6.0 * 3_600.0),
    Step::Seconds(12.0 * 3_600.0),
    Step::Seconds(SECONDS_PER_DAY),
    Step::Seconds(2.0 * SECONDS_PER_DAY),
    Step::Seconds(7.0 * SECONDS_PER_DAY),
    Step::Months(1),
    Step::Months(3),
    Step::Months(6),
    Step::Months(12),
    Step::Months(60),
];

/// The date axis from `low` to `high` (seconds since 1970 UTC), about `target` ticks on
/// calendar boundaries.
pub fn date_axis(low: f64, high: f64, target: usize, with_time: bool) -> Axis {
    let span = high - low;
    let step = STEPS
        .into_iter()
        .find(|step| match step {
            // Dates without times get at least a day between ticks.
            Step::Seconds(seconds) if !with_time && *seconds < SECONDS_PER_DAY => false,
            Step::Seconds(seconds) => span / seconds <= target as f64,
            Step::Months(months) => span / (f64::from(*months) * 30.44 * SECONDS_PER_DAY) <= target as f64,
        })
        .unwrap_or(Step::Months(120));
    let (ticks, format) = match step {
        Step::Seconds(seconds) => {
            let first = (low / seconds).ceil() as i64;
            let last = (high / seconds).floor() as i64;
            let ticks = (first..=last).map(|k| k as f64 * seconds).collect();
            let format = if seconds < SECONDS_PER_DAY && with_time {
                MINUTE
            } else {
                DAY
            };
            (ticks, format)
        }
        Step::Months(months) => (month_ticks(low, high, months), if months >= 12 { YEAR } else { MONTH }),
    };
    Axis {
        ticks,
        label: Box::new(move |seconds| {
            OffsetDateTime::from_unix_timestamp(seconds.round() as i64)
                .ok()
                .and_then(|moment| moment.format(format).ok())
                .unwrap_or_default()
        }),
    }
}

/// The first days of every `months`-th month (counted from January of year 0) within
/// `low..=high`.
fn month_ticks(low: f64, high: f64, months: u32) -> Vec<f64> {
    let Ok(start) = OffsetDateTime::from_unix_timestamp(low.floor() as i64) else {
        return Vec::new();
    };
    let mut index = start.year() * 12 + i32::from(u8::from(start.month())) - 1;
    let months = months as i32;
    index = index.div_euclid(months) * months;
    let mut ticks = Vec::new();
    while ticks.len() < 1_000 {
        let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u8 + 1);
        let Some(seconds) = Month::try_from(month)
            .ok()
            .and_then(|month| Date::from_calendar_date(year, month, 1).ok())
            .map(|date| date.midnight().assume_utc().unix_timestamp() as f64)
        else {
            break;
        };
        if seconds > high {
            break;
        }
        if seconds >= low {
            ticks.push(seconds);
        }
        index += months;
    }
    ticks
}

/// The x axis of a chart over `low..high`.
pub fn x_axis(axis: &XAxis, low: f64, high: f64, chars: usize) -> Axis {
    match axis {
        XAxis::Categories(labels) => category_axis(labels, 16, chars),
        XAxis::Numbers => number_axis(low, high, 10, false),
        XAxis::Dates { with_time } => date_axis(low, high, 7, *with_time),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_numbers_are_short() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(1.25), "1.25");
        assert_eq!(short(12_000.0), "12k");
        assert_eq!(short(-3_500_000.0), "-3.5M");
        assert_eq!(short(2e9), "2B");
    }

    #[test]
    fn number_ticks_are_nice_and_counts_are_whole() {
        assert_eq!(numbers(0.0, 100.0, 5, false), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(numbers(0.0, 1.05, 8, true), [0.0, 1.0]);
        assert_eq!(
            numbers(-30.0, 30.0, 6, false),
            [-30.0, -20.0, -10.0, 0.0, 10.0, 20.0, 30.0]
        );
        let fractions = numbers(0.0, 1.0, 5, false);
        let expected = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
        assert_eq!(fractions.len(), expected.len());
        assert!(
            fractions
                .iter()
                .zip(expected)
                .all(|(tick, want)| (tick - want).abs() < 1e-9)
        );
    }

    #[test]
    fn date_ticks_fall_on_calendar_boundaries() {
        let day = |y, m, d| {
            Date::from_calendar_date(y, Month::try_from(m).expect("month"), d)
                .expect("date")
                .midnight()
                .assume_utc()
                .unix_timestamp() as f64
        };
        let months = date_axis(day(2023, 1, 15), day(2023, 6, 20), 7, false);
        let labels: Vec<String> = months.ticks.iter().map(|tick| (months.label)(tick)).collect();
        assert_eq!(labels, ["2023-02", "2023-03", "2023-04", "2023-05", "2023-06"]);
        let days = date_axis(day(2023, 1, 1), day(2023, 1, 4), 7, false);
        let labels: Vec<String> = days.ticks.iter().map(|tick| (days.label)(tick)).collect();
        assert_eq!(labels, ["2023-01-01", "2023-01-02", "2023-01-03", "2023-01-04"]);
        let years = date_axis(day(2001, 3, 1), day(2020, 3, 1), 7, false);
        assert!(years.ticks.len() <= 7);
        assert_eq!((years.label)(&years.ticks[0]), "2005");
    }

    #[test]
    fn many_categories_get_every_nth_label_cut_short() {
        let labels: Vec<String> = (0..40).map(|n| format!("category number {n}")).collect();
        let axis = category_axis(&labels, 16, 10);
        assert_eq!(axis.ticks.len(), 14);
        assert_eq!((axis.label)(&3.0), "category …");
        assert_eq!(cut("North", 8), "North");
    }
}
