//! Reading a stored dataset, in one place for every service that reads one: file-service
//! profiles and previews it, agent-service queries it with SQL, and both must see the
//! same columns, types and missing values.
//!
//! A read flows so: the [`Format`] stored at upload gives a [`Reader`] (a JSON document is
//! rewritten as NDJSON first, [`json`]); [`scan`] opens the file as a Polars `LazyFrame`
//! with the options of [`read`] (the [`missing`] markers as nulls, types inferred from the
//! head, or from every row when the head cannot tell); the caller computes on the frame
//! and turns the cells it shows into JSON with [`cells`]. Text columns recognised as
//! dates are parsed with [`dates::parse`].
//!
//! Not here: the profile's statistics and its batched reading (file-service), the cache
//! of frames and the SQL guard (agent-service). Everything here blocks: call it off the
//! async runtime.

pub mod cells;
pub mod dates;
mod format;
pub mod json;
pub mod missing;
pub mod read;

pub use format::Format;
pub use read::{INFER_SCHEMA_ROWS, Inference, Reader, Scan, csv_parse_options, scan};

/// Why a dataset could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are not a dataset in the format claimed; the reason is the parser's.
    #[error("{0}")]
    Unreadable(String),
    /// Reading or writing a file failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// A Polars error is the dataset's: its first paragraph is the reason, without the hints
/// Polars appends.
impl From<polars::error::PolarsError> for Error {
    fn from(error: polars::error::PolarsError) -> Self {
        let message = error.to_string();
        Self::Unreadable(message.split("\n\n").next().unwrap_or(&message).trim().to_owned())
    }
}
