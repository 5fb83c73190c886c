//! Datasets as Polars `LazyFrame`s, cached per file.
//!
//! A frame is a plan, not data: CSV, TSV, Parquet and NDJSON are scanned lazily when a
//! query runs, and the cached frame keeps what Polars learnt while resolving it (the
//! schema), so the second query on a file does not infer it again. A JSON array is the
//! exception: Polars reads JSON only whole, so it is read into memory once (rewritten as
//! NDJSON) and the cached frame holds that data; the cache is small for that reason.
//!
//! Files are opened with `sextant_dataset`, the reader file-service's profile uses: the
//! same options, the same missing-value markers read as nulls, the same inference of
//! column types (from the first rows, or from every row when they leave a column without
//! a value). When the rest of a text file disagrees with the types of the first rows,
//! file-service retries with every row; here the frame is reopened the same way the
//! first time a query fails for that reason (see [`Datasets::reopen_fully`]). Text
//! columns that file-service recognised as dates can be named in
//! [`DatasetSpec::date_columns`]; they are parsed as it parses them.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use hashlink::LruCache;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sextant_dataset::{Inference, dates, json};
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use super::{DatasetFormat, SqlError, first_line};
use crate::table::Column;
use crate::values::Values;

/// Files up to this size on disk are read into memory on their first query and queried
/// there (a few times their size in memory at most, as Polars columns); larger ones are
/// scanned for every query. With the cache's capacity this bounds the memory datasets use.
pub const IN_MEMORY_MAX_BYTES: u64 = 128 * 1024 * 1024;

/// Files whose columns' values are kept (a few kilobytes each).
const VALUES_CACHED: usize = 256;

/// Queries whose Polars work may run at once, by default: each can keep every core busy
/// (Polars' pool is shared), and one whose caller stopped waiting keeps its place until
/// Polars has really stopped (see `run.rs`).
pub const MAX_CONCURRENT_QUERIES: usize = 2;

/// A text column to read as dates, in the format file-service recognised it in
/// (its profile's `date_range.format`, a strftime pattern such as `%d/%m/%Y`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateColumn {
    /// The column's name.
    pub name: String,
    /// The strftime pattern; one with a time of day (`%H`) gives date-times.
    pub format: String,
}

/// Where a dataset is and how to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetSpec {
    /// The file's id: the cache key. Stored files never change, so a cached frame stays
    /// right for as long as the file exists; the first spec seen for an id is the one
    /// cached (call [`Datasets::forget`] to change its `date_columns`).
    pub file_id: Uuid,
    /// The local path of the stored bytes (see [`path_from_location`]).
    pub path: PathBuf,
    /// The stored format.
    pub format: DatasetFormat,
    /// Text columns to parse as dates; empty reads every column as stored.
    pub date_columns: Vec<DateColumn>,
}

/// The local path of a `file://` location as file-service's `ResolveDataset` gives it
/// (absolute, percent-encoded).
pub fn path_from_location(location: &str) -> Result<PathBuf, SqlError> {
    let unsupported = || SqlError::Dataset {
        reason: format!("unsupported dataset location `{location}`: only local file:// paths can be read"),
    };
    let encoded = location.strip_prefix("file://").ok_or_else(unsupported)?;
    if !encoded.starts_with('/') {
        return Err(unsupported());
    }
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut rest = encoded.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = tail.get(..2).and_then(|hex| std::str::from_utf8(hex).ok());
            let decoded = hex
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or_else(unsupported)?;
            bytes.push(decoded);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).map(PathBuf::from).map_err(|_| unsupported())
}

/// A dataset's frame as cached.
#[derive(Clone)]
pub(super) struct Opened {
    /// The dataset, ready to be registered as `data`.
    pub frame: LazyFrame,
    /// Whether reopening with every row inferred could change the column types.
    pub can_widen: bool,
    /// The columns when the frame is data in memory, known without planning a query;
    /// `None` for a scan of the file.
    pub in_memory: Option<Vec<Column>>,
}

/// A bounded cache of datasets' frames, least recently used first out, and the permits
/// queries over them run with. Cloning it is cheap and shares both.
#[derive(Clone)]
pub struct Datasets {
    cache: Arc<Mutex<LruCache<Uuid, Opened>>>,
    /// What the columns of recently asked-about files hold (see [`crate::values`]): stored
    /// files never change, so it is read once per file.
    values: Arc<Mutex<LruCache<Uuid, Values>>>,
    in_memory_max_bytes: u64,
    /// One permit per query that may run at once.
    queries: Arc<Semaphore>,
    max_queries: usize,
}

impl Datasets {
    /// A cache holding at most `capacity` datasets (at least one); files up to
    /// [`IN_MEMORY_MAX_BYTES`] are kept in memory; [`MAX_CONCURRENT_QUERIES`] queries run
    /// at once.
    pub fn new(capacity: usize) -> Self {
        Self {
            cache: Arc::new(Mutex::new(LruCache::new(capacity.max(1)))),
            values: Arc::new(Mutex::new(LruCache::new(VALUES_CACHED))),
            in_memory_max_bytes: IN_MEMORY_MAX_BYTES,
            queries: Arc::new(Semaphore::new(MAX_CONCURRENT_QUERIES)),
            max_queries: MAX_CONCURRENT_QUERIES,
        }
    }

    /// Lets at most `queries` queries (at least one) run at once; the others wait for a
    /// place within their own deadline. Call it before cloning: clones made before share
    /// the previous limit.
    pub fn with_max_concurrent_queries(self, queries: usize) -> Self {
        let queries = queries.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            queries: Arc::new(Semaphore::new(queries)),
            max_queries: queries,
            ..self
        }
    }

    /// Queries holding a place: running, or stopping after their caller stopped waiting.
    pub fn running_queries(&self) -> usize {
        self.max_queries.saturating_sub(self.queries.available_permits())
    }

    /// Waits until no query holds a place (none runs, none is still stopping); queries
    /// asked for meanwhile wait behind it.
    pub async fn until_idle(&self) {
        let all = u32::try_from(self.max_queries).unwrap_or(u32::MAX);
        // The semaphore is never closed, so the wait cannot fail.
        let _all = self.queries.acquire_many(all).await;
    }

    /// Waits for a place to run a query in; the place is given back when the permit drops.
    pub(super) async fn query_permit(&self) -> Result<OwnedSemaphorePermit, AcquireError> {
        Arc::clone(&self.queries).acquire_owned().await
    }

    /// What the columns of `file_id` hold, when read before.
    pub(crate) fn known_values(&self, file_id: Uuid) -> Option<Values> {
        self.values
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&file_id)
            .cloned()
    }

    /// Keeps what the columns of `file_id` hold.
    pub(crate) fn keep_values(&self, file_id: Uuid, values: Values) {
        self.values
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(file_id, values);
    }

    /// Keeps files of at most `bytes` on disk in memory instead (0: none).
    pub fn in_memory_up_to(self, bytes: u64) -> Self {
        Self {
            in_memory_max_bytes: bytes,
            ..self
        }
    }

    /// Whether `spec`'s file is small enough to be read into memory once and queried there:
    /// a scan parses the whole file again for every query.
    pub(super) fn fits_in_memory(&self, spec: &DatasetSpec) -> bool {
        std::fs::metadata(&spec.path).is_ok_and(|file| file.len() <= self.in_memory_max_bytes)
    }

    /// Caches `data`, the whole of `spec`'s dataset, in place of its scan.
    pub(super) fn keep_in_memory(&self, spec: &DatasetSpec, data: DataFrame) -> Opened {
        let opened = Opened {
            in_memory: Some(super::cells::columns(&data)),
            frame: data.lazy(),
            // Every row was read with these types.
            can_widen: false,
        };
        self.lock().insert(spec.file_id, opened.clone());
        opened
    }

    /// Drops the cached frame of `file_id` (its file was deleted).
    pub fn forget(&self, file_id: Uuid) {
        self.lock().remove(&file_id);
        self.values
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&file_id);
    }

    /// How many datasets are cached.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no dataset is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Uuid, Opened>> {
        // The cache holds no invariant a panic could break halfway.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The columns of `file_id`'s dataset, when it is cached in memory.
    pub(super) fn cached_columns(&self, file_id: Uuid) -> Option<Vec<Column>> {
        self.lock().get(&file_id)?.in_memory.clone()
    }

    /// The frame of `spec`, opened on first use. Blocks (JSON is read whole): called on
    /// the query's thread.
    pub(super) fn frame(&self, spec: &DatasetSpec) -> Result<Opened, SqlError> {
        if let Some(opened) = self.lock().get(&spec.file_id) {
            return Ok(opened.clone());
        }
        let opened = open(spec, Inference::Head)?;
        self.lock().insert(spec.file_id, opened.clone());
        Ok(opened)
    }

    /// Reopens `spec` with column types inferred from every row, for when a query failed
    /// because a value past the first rows does not fit the inferred type, and caches it.
    pub(super) fn reopen_fully(&self, spec: &DatasetSpec) -> Result<Opened, SqlError> {
        let opened = open(spec, Inference::Full)?;
        self.lock().insert(spec.file_id, opened.clone());
        Ok(opened)
    }
}

fn dataset_error(error: impl std::fmt::Display) -> SqlError {
    SqlError::Dataset {
        reason: first_line(&error.to_string()),
    }
}

fn open(spec: &DatasetSpec, inference: Inference) -> Result<Opened, SqlError> {
    let scan = match spec.format.reader() {
        Some(reader) => sextant_dataset::scan(&spec.path, reader, inference).map_err(dataset_error)?,
        None => json::read(&spec.path, None, inference).map_err(dataset_error)?,
    };
    let frame = if spec.date_columns.is_empty() {
        scan.frame
    } else {
        let parsed: Vec<Expr> = spec
            .date_columns
            .iter()
            .map(|column| dates::parse(&column.name, &column.format))
            .collect();
        scan.frame.with_columns(parsed)
    };
    Ok(Opened {
        frame,
        can_widen: scan.inference == Inference::Head && spec.format != DatasetFormat::Parquet,
        in_memory: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_locations_become_decoded_local_paths() {
        assert_eq!(
            path_from_location("file:///data/my%20files/%C3%BC"),
            Ok(PathBuf::from("/data/my files/ü"))
        );
        for location in ["s3://bucket/key", "file://relative", "file:///bad%zz", "/plain/path"] {
            assert!(
                matches!(path_from_location(location), Err(SqlError::Dataset { .. })),
                "{location}"
            );
        }
    }
}
