//! The guarded SQL executor: the agent's only way to compute on a dataset (DESIGN.md
//! section 6, "code execution is guarded Polars SQL").
//!
//! A query flows through three steps:
//! 1. [`check`] parses it with sqlparser (the parser and dialect Polars uses) and refuses
//!    anything but one SELECT over the table `data`: table functions such as
//!    `read_csv(...)`, DDL, DML, other tables, several statements, `SELECT ... INTO`; and
//!    the shapes that would exhaust the machine: a product of three or more copies of the
//!    data without a join condition, LPAD/RPAD/REPEAT asked for huge strings. A refused
//!    query never reaches Polars, and its dataset is not even opened.
//! 2. [`Datasets`] hands out the dataset's `LazyFrame`, cached per file, opened with
//!    `sextant_dataset`, the reader file-service's profile uses, so the columns, their
//!    types and their missing values are the same.
//! 3. [`Datasets::execute`] waits for a place among the queries that may run at once
//!    ([`MAX_CONCURRENT_QUERIES`] by default), then runs it in a fresh `SQLContext`
//!    holding only `data`, capped at [`Limits::max_rows`] rows, on a thread of its own,
//!    stopped by a deadline or a cancellation token, and returns a
//!    [`Table`](crate::table::Table). A plan node Polars has started runs to its end
//!    (see `run.rs`); the query keeps its place until then.

mod cells;
mod dataset;
mod guard;
mod run;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_attacks;

pub use dataset::{DatasetSpec, Datasets, DateColumn, MAX_CONCURRENT_QUERIES, path_from_location};
pub use guard::check;
pub use run::{Limits, QueryOutput};
/// How a dataset is stored: the shared reader's format, by the name a [`DatasetSpec`]
/// knows it by.
pub use sextant_dataset::Format as DatasetFormat;

use std::time::Duration;

/// The one table a query can read.
pub const TABLE: &str = "data";

/// Why a query gave no result. Every message can be shown to a user (or to the model
/// that wrote the query, so that it can write a better one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlError {
    /// The query is not one SELECT over `data`; it was not run.
    #[error("query refused: {reason}")]
    Refused {
        /// What was refused, and what is allowed instead.
        reason: String,
    },
    /// The query does not parse, or Polars could not run it (an unknown column, a type
    /// mismatch, ...).
    #[error("invalid query: {message}")]
    Invalid {
        /// The parser's or Polars' reason: the first line of its message.
        message: String,
    },
    /// The query ran past its deadline and was stopped.
    #[error("the query took longer than {} s and was stopped", .after.as_secs_f64())]
    Timeout {
        /// The deadline it ran past.
        after: Duration,
    },
    /// The query was cancelled (the run was cancelled or its client went away).
    #[error("the query was cancelled")]
    Cancelled,
    /// The dataset itself cannot be opened or read.
    #[error("the dataset cannot be read: {reason}")]
    Dataset {
        /// Why, in the reader's words.
        reason: String,
    },
}

/// The first line of a Polars or parser message: the reason, without the plan or hints
/// Polars appends after it.
fn first_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("no reason given")
        .to_owned()
}
