//! Datasets as Polars `LazyFrame`s, cached per file.
//!
//! A frame is a plan, not data: CSV, TSV, Parquet and NDJSON are scanned lazily when a
//! query runs, and the cached frame keeps what Polars learnt while resolving it (the
//! schema), so the second query on a file does not infer it again. A JSON array is the
//! exception: Polars reads JSON only whole, so it is read into memory once (through
//! serde_json into NDJSON, which also accepts objects written one after another, as
//! file-service does) and the cached frame holds that data; the cache is small for
//! that reason.
//!
//! The reader options are file-service's (`file-service/src/profile/read.rs`): a header
//! row, the sniffed delimiter, `"` quotes, empty fields as null, a UTF-8 BOM skipped by
//! Polars, column types inferred from the first [`INFER_SCHEMA_ROWS`] rows. When the rest
//! of a text file disagrees with those types, file-service retries with every row; here
//! the frame is reopened the same way the first time a query fails for that reason (see
//! [`Datasets::reopen_fully`]). Text columns that file-service recognised as dates can
//! be named in [`DatasetSpec::date_columns`]; they are parsed as it parses them.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use hashlink::LruCache;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{SqlError, first_line};

/// Rows read to infer the column types of delimited text and JSON (file-service's
/// `INFER_SCHEMA_ROWS`).
pub const INFER_SCHEMA_ROWS: usize = 10_000;

/// Files up to this size on disk are read into memory on their first query and queried
/// there (a few times their size in memory at most, as Polars columns); larger ones are
/// scanned for every query. With the cache's capacity this bounds the memory datasets use.
pub const IN_MEMORY_MAX_BYTES: u64 = 128 * 1024 * 1024;

/// How a dataset is stored, as file-service records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetFormat {
    /// Delimited text with a header row.
    Csv {
        /// The field delimiter file-service sniffed.
        delimiter: u8,
    },
    /// Tab-separated text with a header row.
    Tsv,
    /// Apache Parquet.
    Parquet,
    /// A JSON array of objects (or objects one after another).
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl DatasetFormat {
    /// The format file-service reports as `name` (`csv`, `tsv`, `parquet`, `json`,
    /// `ndjson`) with `delimiter` (one character for csv; empty for csv means a comma).
    pub fn from_stored(name: &str, delimiter: &str) -> Result<Self, SqlError> {
        let unsupported = || SqlError::Dataset {
            reason: format!("unsupported format `{name}` (delimiter {delimiter:?})"),
        };
        match name {
            "csv" => match delimiter.as_bytes() {
                [] => Ok(Self::Csv { delimiter: b',' }),
                &[byte] => Ok(Self::Csv { delimiter: byte }),
                _ => Err(unsupported()),
            },
            "tsv" => Ok(Self::Tsv),
            "parquet" => Ok(Self::Parquet),
            "json" => Ok(Self::Json),
            "ndjson" => Ok(Self::Ndjson),
            _ => Err(unsupported()),
        }
    }
}

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

/// How many rows inference looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inference {
    /// The first [`INFER_SCHEMA_ROWS`].
    Head,
    /// Every row.
    Full,
}

impl Inference {
    fn rows(self) -> Option<usize> {
        match self {
            Self::Head => Some(INFER_SCHEMA_ROWS),
            Self::Full => None,
        }
    }
}

/// A dataset's frame as cached.
#[derive(Clone)]
pub(super) struct Opened {
    /// The dataset, ready to be registered as `data`.
    pub frame: LazyFrame,
    /// Whether reopening with every row inferred could change the column types.
    pub can_widen: bool,
    /// Whether the frame is data in memory rather than a scan of the file.
    pub in_memory: bool,
}

/// A bounded cache of datasets' frames, least recently used first out. Cloning it is
/// cheap and shares the cache.
#[derive(Clone)]
pub struct Datasets {
    cache: Arc<Mutex<LruCache<Uuid, Opened>>>,
    in_memory_max_bytes: u64,
}

impl Datasets {
    /// A cache holding at most `capacity` datasets (at least one); files up to
    /// [`IN_MEMORY_MAX_BYTES`] are kept in memory.
    pub fn new(capacity: usize) -> Self {
        Self {
            cache: Arc::new(Mutex::new(LruCache::new(capacity.max(1)))),
            in_memory_max_bytes: IN_MEMORY_MAX_BYTES,
        }
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
            frame: data.lazy(),
            // Every row was read with these types.
            can_widen: false,
            in_memory: true,
        };
        self.lock().insert(spec.file_id, opened.clone());
        opened
    }

    /// Drops the cached frame of `file_id` (its file was deleted).
    pub fn forget(&self, file_id: Uuid) {
        self.lock().remove(&file_id);
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
    let path = spec.path.as_path();
    let text = |delimiter| scan_csv(path, delimiter, inference);
    let frame = match spec.format {
        DatasetFormat::Csv { delimiter } => text(delimiter),
        DatasetFormat::Tsv => text(b'\t'),
        DatasetFormat::Parquet => scan_parquet(path),
        DatasetFormat::Ndjson => scan_ndjson(path, inference),
        DatasetFormat::Json => read_json(path, inference),
    }
    .map_err(dataset_error)?;
    let frame = if spec.date_columns.is_empty() {
        frame
    } else {
        frame.with_columns(spec.date_columns.iter().map(date_expr).collect::<Vec<_>>())
    };
    Ok(Opened {
        frame,
        can_widen: inference == Inference::Head && spec.format != DatasetFormat::Parquet,
        in_memory: false,
    })
}

fn polars_path(path: &Path) -> PolarsResult<PlRefPath> {
    path.to_str()
        .map(PlRefPath::new)
        .ok_or_else(|| polars_err!(ComputeError: "the dataset path is not UTF-8"))
}

fn scan_csv(path: &Path, delimiter: u8, inference: Inference) -> PolarsResult<LazyFrame> {
    LazyCsvReader::new(polars_path(path)?)
        .with_has_header(true)
        .map_parse_options(|options| options.with_separator(delimiter).with_missing_is_null(true))
        .with_infer_schema_length(inference.rows())
        .with_glob(false)
        .finish()
}

fn scan_parquet(path: &Path) -> PolarsResult<LazyFrame> {
    LazyFrame::scan_parquet(
        polars_path(path)?,
        ScanArgsParquet {
            glob: false,
            ..ScanArgsParquet::default()
        },
    )
}

fn scan_ndjson(path: &Path, inference: Inference) -> PolarsResult<LazyFrame> {
    LazyJsonLineReader::new(polars_path(path)?)
        .with_infer_schema_length(inference.rows().and_then(NonZeroUsize::new))
        .finish()
}

/// Reads a JSON document whole: an array of objects, or objects one after another.
fn read_json(path: &Path, inference: Inference) -> PolarsResult<LazyFrame> {
    let mut lines = Vec::new();
    to_ndjson(File::open(path)?, &mut lines)?;
    polars_ensure!(!lines.is_empty(), ComputeError: "the JSON document holds no rows");
    let frame = JsonReader::new(Cursor::new(lines))
        .with_json_format(JsonFormat::JsonLines)
        .infer_schema_len(inference.rows().and_then(NonZeroUsize::new))
        .finish()?;
    Ok(frame.lazy())
}

/// Writes the objects of a JSON document to `target`, one per line.
fn to_ndjson(source: impl Read, target: &mut impl Write) -> PolarsResult<()> {
    let mut source = BufReader::new(source);
    if source.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        source.consume(3);
    }
    let invalid = |error: serde_json::Error| polars_err!(ComputeError: "invalid JSON: {}", error);
    let mut write = |value: &serde_json::Value| -> PolarsResult<()> {
        serde_json::to_writer(&mut *target, value).map_err(invalid)?;
        target.write_all(b"\n")?;
        Ok(())
    };
    let mut text = Vec::new();
    source.read_to_end(&mut text)?;
    let trimmed = text.trim_ascii_start();
    if trimmed.starts_with(b"[") {
        let values: Vec<serde_json::Value> = serde_json::from_slice(trimmed).map_err(invalid)?;
        values.iter().try_for_each(&mut write)
    } else {
        serde_json::Deserializer::from_slice(trimmed)
            .into_iter::<serde_json::Value>()
            .try_for_each(|value| write(&value.map_err(invalid)?))
    }
}

/// Column `column.name` parsed as file-service parses recognised dates: non-strict (text
/// that does not fit becomes null), exact, date-times in microseconds.
fn date_expr(column: &DateColumn) -> Expr {
    let options = StrptimeOptions {
        format: Some(column.format.as_str().into()),
        strict: false,
        exact: true,
        cache: false,
    };
    let text = col(column.name.as_str()).str();
    if column.format.contains("%H") {
        text.to_datetime(Some(TimeUnit::Microseconds), None, options, lit("raise"))
    } else {
        text.to_date(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_formats_are_parsed_with_their_delimiter() {
        assert_eq!(
            DatasetFormat::from_stored("csv", ";"),
            Ok(DatasetFormat::Csv { delimiter: b';' })
        );
        assert_eq!(
            DatasetFormat::from_stored("csv", ""),
            Ok(DatasetFormat::Csv { delimiter: b',' })
        );
        assert_eq!(DatasetFormat::from_stored("tsv", "\t"), Ok(DatasetFormat::Tsv));
        assert_eq!(DatasetFormat::from_stored("ndjson", ""), Ok(DatasetFormat::Ndjson));
        assert!(matches!(
            DatasetFormat::from_stored("xlsx", ""),
            Err(SqlError::Dataset { .. })
        ));
        assert!(matches!(
            DatasetFormat::from_stored("csv", ";;"),
            Err(SqlError::Dataset { .. })
        ));
    }

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

    #[test]
    fn json_arrays_and_object_sequences_become_the_same_lines() {
        let mut from_array = Vec::new();
        to_ndjson(&b"\xEF\xBB\xBF [{\"a\": 1}, {\"a\": 2}]"[..], &mut from_array).expect("array");
        let mut from_sequence = Vec::new();
        to_ndjson(&b"{\"a\": 1}\n{\"a\": 2}"[..], &mut from_sequence).expect("sequence");
        assert_eq!(from_array, b"{\"a\":1}\n{\"a\":2}\n");
        assert_eq!(from_sequence, from_array);
    }
}
