//! The statistics of a profile, in one pass over the rows:
//!
//! 1. the first [`HEAD_ROWS`] rows (a cheap, pushed-down read): the sample rows, and
//!    which text columns look like dates in which format;
//! 2. every row, a batch at a time ([`Source::for_each_batch`]: chunks of a text file,
//!    Polars' streaming batches of Parquet), each batch folded into a [`Profiler`]: one
//!    Polars query reduces the batch to one row of partial results that add up across
//!    batches ([`partial`]: row and null counts, min, max, mean, std, the parsed dates'
//!    range), its distinct values are counted ([`distinct`]), its text values counted
//!    for the top values ([`top`]) and its numbers sampled for the percentiles
//!    ([`sample`]); in delimited text, the text of its missing values tells which
//!    markers they were written as ([`markers`]).
//!
//! Small datasets ([`Scale::exact`]: text files up to [`EXACT_MAX_BYTES`], Parquet up to
//! [`EXACT_MAX_ROWS`] rows) get exact unique counts and percentiles. Above that, memory
//! stays bounded whatever the size: unique counts are HyperLogLog estimates (a 16 KiB
//! sketch per column), percentiles come from an evenly spaced sample of about
//! [`QUANTILE_SAMPLE_ROWS`] rows when there are more (both flagged in the profile), and
//! a text column keeps the counts of at most [`TOP_VALUES_MAX_DISTINCT`] values. Row and
//! null counts, min, max, mean, std, date ranges and top values are exact at every
//! size, but on a large dataset a text column gets no top values when its first rows
//! are nine in ten distinct (identifiers, whose top values would all be 1) or when it
//! holds more than [`TOP_VALUES_MAX_DISTINCT`] distinct values.

mod distinct;
mod markers;
mod partial;
mod profiler;
mod sample;
mod top;

use polars::prelude::*;

use self::profiler::Profiler;
use super::Profile;
use super::dates::DateFormat;
use super::read::Source;

/// Parquet files up to this many rows get exact unique counts and percentiles.
pub const EXACT_MAX_ROWS: u64 = 1_000_000;
/// Text files (CSV, TSV, JSON, NDJSON) up to this size get exact unique counts and
/// percentiles. Their row count is only known after a full read, so the size decides;
/// a text value takes at least two bytes, so the exact statistics hold at most a few
/// times the file's size in memory.
pub const EXACT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Rows the percentiles of a larger dataset are computed from, about.
pub const QUANTILE_SAMPLE_ROWS: u64 = 1_000_000;
/// Distinct values a text column of a larger dataset may hold and still get top values:
/// their counts are held until the end, a few megabytes per column at most.
pub const TOP_VALUES_MAX_DISTINCT: usize = 100_000;

/// How large a dataset is, known before reading it whole.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Whether unique counts and percentiles are computed exactly.
    pub exact: bool,
    /// An estimate of the number of rows, to space the percentile sample.
    pub estimated_rows: u64,
}
/// Rows read to recognise dates and to take the sample rows from.
const HEAD_ROWS: IdxSize = 1_000;
/// Sample rows kept in the profile.
const SAMPLE_ROWS: usize = 5;
/// Most frequent values kept per text column.
const TOP_VALUES: usize = 5;
/// Values the first rows must hold before a column can look like identifiers.
const IDENTIFIER_MIN_VALUES: usize = 100;
/// The percentiles of a numeric column.
const QUANTILES: [f64; 3] = [0.25, 0.5, 0.75];

/// What is computed for a column.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Integers and floats: numeric statistics.
    Numeric,
    /// Native dates and date-times: their range.
    Temporal,
    /// Text; `Some` when its sample parses as dates in that format.
    Text(Option<DateFormat>),
    /// Booleans: top values.
    Boolean,
    /// Anything else (lists, structs, all-null): only the null count.
    Other,
}

impl Kind {
    fn of(dtype: &DataType) -> Self {
        match dtype {
            dtype if dtype.is_primitive_numeric() => Self::Numeric,
            DataType::Date | DataType::Datetime(_, _) => Self::Temporal,
            DataType::String => Self::Text(None),
            DataType::Boolean => Self::Boolean,
            _ => Self::Other,
        }
    }

    fn has_unique(self) -> bool {
        !matches!(self, Self::Other)
    }

    fn has_top_values(self) -> bool {
        matches!(self, Self::Text(_) | Self::Boolean)
    }
}

/// Column `name`, whatever characters its name holds.
pub fn column(name: &str) -> Expr {
    // Not `col`: a name like `^a.*$` or `*` must not turn into a selector.
    Expr::Column(name.into())
}

fn count(value: AnyValue<'_>) -> u64 {
    value.extract::<u64>().unwrap_or(0)
}

fn float(value: AnyValue<'_>) -> Option<f64> {
    value.extract::<f64>().filter(|x| x.is_finite())
}

/// One-row results looked up by output name.
struct Row<'a>(&'a DataFrame);

impl Row<'_> {
    fn get(&self, name: &str) -> AnyValue<'_> {
        self.0
            .column(name)
            .and_then(|column| column.get(0))
            .unwrap_or(AnyValue::Null)
    }
}

/// Computes the profile of `source`.
pub fn compute(source: Source<'_>) -> PolarsResult<Profile> {
    let scale = source.scale()?;
    let mut frame = source.frame.clone();
    let schema = frame.collect_schema()?;
    let head = frame.limit(HEAD_ROWS).collect()?;
    let mut profiler = Profiler::new(&schema, &head, scale)?;
    source.for_each_batch(&mut |batch| {
        if let Some(written) = &batch.written {
            profiler.add_written(&batch.rows, written)?;
        }
        profiler.add(&batch.rows)
    })?;
    profiler.finish(&head)
}

#[cfg(test)]
mod tests;
