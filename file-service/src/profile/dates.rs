//! Text recognised as dates: a text column whose non-null values all parse in one of
//! [`FORMATS`] is profiled as a date (or date-time) column, with its range and format.
//! The format is chosen on the first rows and confirmed on every row.
//!
//! Times of day without a fraction of a second come first: Polars parses those formats
//! with its fast parser, and `%.f` (an optional fraction) with chrono, several times
//! slower. A batch of rows where such a format fails is parsed again with the same
//! format and a fraction ([`DateFormat::with_fraction`]), which from then on is the
//! column's: every value either format reads, the wider one reads the same.

use polars::prelude::*;
use sextant_dataset::dates;

/// Formats tried, in this order (so `01/02/2023` reads day first). `%.f` also accepts no
/// fraction.
pub const FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

/// What a format with a fraction of a second ends with.
const FRACTION: &str = "%.f";

/// One of [`FORMATS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateFormat(usize);

impl DateFormat {
    /// The strftime pattern.
    pub fn pattern(self) -> &'static str {
        FORMATS[self.0]
    }

    /// `date`, or `datetime` when the format has a time of day.
    pub fn dtype(self) -> &'static str {
        if dates::has_time(self.pattern()) {
            "datetime"
        } else {
            "date"
        }
    }

    /// This format followed by an optional fraction of a second, when that is one of
    /// [`FORMATS`].
    pub fn with_fraction(self) -> Option<Self> {
        FORMATS
            .iter()
            .position(|wider| wider.strip_suffix(FRACTION) == Some(self.pattern()))
            .map(Self)
    }

    /// Column `name` parsed in this format; text that does not parse becomes null.
    pub fn parse(self, name: &str) -> Expr {
        dates::parse(name, self.pattern())
    }
}

/// The first format in which every non-null value of column `name` of `head` parses;
/// `None` when there is none or the column has no values.
pub fn detect(head: &DataFrame, name: &str) -> PolarsResult<Option<DateFormat>> {
    let values = head.column(name)?;
    let nulls = values.null_count();
    if nulls == values.len() {
        return Ok(None);
    }
    for format in (0..FORMATS.len()).map(DateFormat) {
        let parsed = head.clone().lazy().select([format.parse(name)]).collect()?;
        if parsed.columns()[0].null_count() == nulls {
            return Ok(Some(format));
        }
    }
    Ok(None)
}

/// A date as `2023-01-31`, a date-time as `2023-01-31T08:00:00`; `None` for null.
pub fn iso(value: AnyValue<'_>) -> Option<String> {
    match value {
        AnyValue::Null => None,
        other => Some(other.to_string().replacen(' ', "T", 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(values: &[Option<&str>]) -> Option<&'static str> {
        let head = df!("v" => values).expect("frame");
        detect(&head, "v").expect("detect").map(DateFormat::pattern)
    }

    #[test]
    fn the_first_format_every_value_fits_wins() {
        assert_eq!(detected(&[Some("2023-01-31"), None]), Some("%Y-%m-%d"));
        assert_eq!(detected(&[Some("31/01/2023"), Some("01/02/2023")]), Some("%d/%m/%Y"));
        assert_eq!(detected(&[Some("01/31/2023"), Some("01/02/2023")]), Some("%m/%d/%Y"));
        assert_eq!(detected(&[Some("31.01.2023")]), Some("%d.%m.%Y"));
        assert_eq!(
            detected(&[Some("2023-01-31T08:00:00"), Some("2023-01-31T08:00:00.5")]),
            Some("%Y-%m-%dT%H:%M:%S%.f")
        );
        assert_eq!(detected(&[Some("2023-01-31 08:00:00")]), Some("%Y-%m-%d %H:%M:%S"));
    }

    #[test]
    fn formats_with_seconds_widen_to_a_fraction() {
        let widened = |pattern: &str| {
            let format = (0..FORMATS.len())
                .map(DateFormat)
                .find(|format| format.pattern() == pattern)
                .expect(pattern);
            format.with_fraction().map(DateFormat::pattern)
        };
        assert_eq!(widened("%Y-%m-%dT%H:%M:%S"), Some("%Y-%m-%dT%H:%M:%S%.f"));
        assert_eq!(widened("%Y-%m-%d %H:%M:%S"), Some("%Y-%m-%d %H:%M:%S%.f"));
        assert_eq!(widened("%Y-%m-%d %H:%M:%S%.f"), None);
        assert_eq!(widened("%Y-%m-%d %H:%M"), None);
        assert_eq!(widened("%Y-%m-%d"), None);
    }

    #[test]
    fn text_that_is_not_all_dates_is_not_a_date() {
        assert_eq!(detected(&[Some("2023-01-31"), Some("soon")]), None);
        assert_eq!(detected(&[Some("2023-02-30")]), None);
        assert_eq!(detected(&[Some("12")]), None);
        assert_eq!(detected(&[None, None]), None);
    }

    #[test]
    fn iso_text_uses_a_t_between_date_and_time() {
        assert_eq!(iso(AnyValue::Date(19_388)).as_deref(), Some("2023-01-31"));
        assert_eq!(
            iso(AnyValue::Datetime(1_675_152_000_000_000, TimeUnit::Microseconds, None)).as_deref(),
            Some("2023-01-31T08:00:00")
        );
        assert_eq!(iso(AnyValue::Null), None);
    }
}
