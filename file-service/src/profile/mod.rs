//! Dataset profiles (DESIGN.md section 5), computed with Polars' lazy API on the
//! streaming engine so a file larger than memory still works.
//!
//! `sniff` decides the format, `read` opens the file as a `LazyFrame` with the reader
//! agent-service uses too (`sextant_dataset`: the same options, missing-value markers and
//! JSON rewrite) and reads it whole in `batches` (delimited text cut into `chunks` of
//! records, so that a large file is never mapped into memory whole, with the text of its
//! missing values), `stats` computes the profile in one pass, `summary` writes its
//! Markdown. Every entry point here blocks
//! (call it on the blocking pool) and runs inside `catch_unwind`: Polars has panicked on
//! malformed input before, and such a panic must become an unreadable dataset, never a
//! crashed service.

mod batches;
mod chunks;
mod dates;
mod read;
pub mod sniff;
mod stats;
mod summary;

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use sextant_dataset::Format;
pub use stats::{EXACT_MAX_BYTES, EXACT_MAX_ROWS, QUANTILE_SAMPLE_ROWS, TOP_VALUES_MAX_DISTINCT};
pub use summary::markdown;

/// Why a file could not be profiled or read.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file is in none of the supported formats.
    #[error("{0}")]
    Unsupported(String),
    /// The file claims a supported format but cannot be read as a dataset; the reason is
    /// the parser's.
    #[error("{0}")]
    Unreadable(String),
    /// Reading or writing our own files failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// What a profile says about a dataset. Stored as JSON; every float is finite or absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Number of rows.
    pub rows: u64,
    /// Number of columns.
    pub columns: u64,
    /// One entry per column, in column order.
    pub column_profiles: Vec<ColumnProfile>,
    /// The first rows, each a list of cells in column order.
    pub sample_rows: Vec<Vec<serde_json::Value>>,
}

/// What a profile says about one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    /// The column's name.
    pub name: String,
    /// Polars' name of its type (`i64`, `f64`, `str`, `bool`, `date`, ...); `date` or
    /// `datetime` for text recognised as dates.
    pub dtype: String,
    /// Missing values: nulls, and in delimited text the empty field and the markers of
    /// [`sextant_dataset::missing`].
    pub null_count: u64,
    /// How the missing values of delimited text were written: the markers seen (`""` for
    /// the empty field) with their counts, most frequent first, adding up to
    /// `null_count`. Empty for Parquet and JSON, whose nulls are native, and in profiles
    /// stored before markers were counted.
    #[serde(default)]
    pub missing_markers: Vec<MarkerCount>,
    /// Distinct non-null values.
    pub unique_count: u64,
    /// Whether `unique_count` is a HyperLogLog estimate (text files above
    /// [`EXACT_MAX_BYTES`], Parquet above [`EXACT_MAX_ROWS`] rows) rather than exact.
    pub unique_approximate: bool,
    /// Statistics of a numeric column.
    pub numeric: Option<NumericStats>,
    /// The most frequent values of a text or boolean column, most frequent first, with
    /// exact counts. Empty for a text column of a large dataset (that of
    /// `unique_approximate`) whose first rows are nine in ten distinct or that holds more
    /// than [`TOP_VALUES_MAX_DISTINCT`] distinct values.
    pub top_values: Vec<ValueCount>,
    /// The range of a date column.
    pub date_range: Option<DateRange>,
}

/// Statistics of a numeric column; absent values had no non-null input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericStats {
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Arithmetic mean.
    pub mean: Option<f64>,
    /// Sample standard deviation (n - 1).
    pub std: Option<f64>,
    /// 25th percentile (linear interpolation).
    pub p25: Option<f64>,
    /// Median (linear interpolation).
    pub p50: Option<f64>,
    /// 75th percentile (linear interpolation).
    pub p75: Option<f64>,
    /// Whether the percentiles come from an evenly spaced sample of the rows rather
    /// than from every row: datasets of `unique_approximate` with more than about
    /// [`QUANTILE_SAMPLE_ROWS`] rows.
    pub quantiles_approximate: bool,
}

/// A missing-value marker and how many values were written as it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerCount {
    /// The text written (one of [`sextant_dataset::missing::MARKERS`]; `""` for the
    /// empty field).
    pub marker: String,
    /// How many values of the column were written so.
    pub count: u64,
}

/// A value and how often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueCount {
    /// The value, as text.
    pub value: String,
    /// Its number of occurrences.
    pub count: u64,
}

/// The range of a date column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    /// Earliest, ISO 8601.
    pub min: String,
    /// Latest, ISO 8601.
    pub max: String,
    /// The format the text was recognised in; empty for native dates.
    pub format: String,
}

/// The first rows of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows, each a list of cells in column order.
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// Decides the format of the upload at `path` (`size` bytes, named with `extension`)
/// and profiles it.
pub fn inspect(
    path: &Path,
    extension: Option<&str>,
    size: u64,
    scratch: &Path,
) -> Result<(Format, Profile), ProfileError> {
    let mut head = Vec::with_capacity(sniff::HEAD_BYTES);
    std::fs::File::open(path)?
        .take(sniff::HEAD_BYTES as u64)
        .read_to_end(&mut head)?;
    let format = sniff::detect(extension, &head, size)?;
    Ok((format, profile(path, format, scratch)?))
}

/// Profiles the dataset at `path`. `scratch` is a directory for temporary files (a JSON
/// array is rewritten there as NDJSON); they are removed before this returns.
pub fn profile(path: &Path, format: Format, scratch: &Path) -> Result<Profile, ProfileError> {
    isolate(|| read::with_lazy(path, format, scratch, stats::compute))
}

/// The first `rows` rows of the dataset at `path`.
pub fn preview(path: &Path, format: Format, rows: usize) -> Result<Preview, ProfileError> {
    isolate(|| read::preview(path, format, rows))
}

/// Runs `work`, turning a panic into [`ProfileError::Unreadable`].
fn isolate<T>(work: impl FnOnce() -> Result<T, ProfileError>) -> Result<T, ProfileError> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|message| (*message).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        tracing::warn!(%message, "the dataset parser panicked");
        Err(ProfileError::Unreadable(format!(
            "the dataset could not be parsed ({})",
            first_line(&message)
        )))
    })
}

/// The first paragraph of a Polars error: the reason, without its hints.
fn first_line(message: &str) -> &str {
    message.split("\n\n").next().unwrap_or(message).trim()
}

impl From<sextant_dataset::Error> for ProfileError {
    fn from(error: sextant_dataset::Error) -> Self {
        match error {
            sextant_dataset::Error::Unreadable(reason) => Self::Unreadable(reason),
            sextant_dataset::Error::Io(error) => Self::Io(error),
        }
    }
}

/// Every Polars error is the dataset's fault: our own files were just written or
/// checked, so even an i/o error from Polars means a truncated or malformed file.
impl From<polars::error::PolarsError> for ProfileError {
    fn from(error: polars::error::PolarsError) -> Self {
        Self::Unreadable(first_line(&error.to_string()).to_owned())
    }
}

#[cfg(test)]
mod tests;
