//! Opening a stored file as a Polars `LazyFrame` (with [`sextant_dataset::scan`], the
//! reader agent-service uses too), and reading all of it a batch at a time.
//!
//! Text formats infer their schema from the first
//! [`INFER_SCHEMA_ROWS`](sextant_dataset::INFER_SCHEMA_ROWS) rows; when the
//! rest of the file disagrees (a column of numbers with text further down), the work is
//! retried once with the schema inferred from every row (Polars reads the whole file for
//! that). A JSON document is rewritten as NDJSON in the scratch directory first.
//!
//! Read whole, a dataset comes in [`batches`]: delimited text in chunks of records read
//! with ordinary reads, Parquet and NDJSON from Polars' streaming engine.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use sextant_dataset::{Inference, Reader, cells, csv_parse_options, json};

use super::stats::{EXACT_MAX_BYTES, EXACT_MAX_ROWS, Scale};
use super::{Format, Preview, ProfileError, sniff};
use super::{batches, chunks};

/// A dataset opened for reading.
pub struct Source<'a> {
    /// The dataset.
    pub frame: LazyFrame,
    path: &'a Path,
    reader: Reader,
}

impl Source<'_> {
    /// How large the dataset is: Parquet knows its rows from its metadata; for text
    /// the size decides and the first [`sniff::HEAD_BYTES`] give the rows' length.
    pub fn scale(&self) -> PolarsResult<Scale> {
        match self.reader {
            Reader::Parquet => {
                let counted = self.frame.clone().select([len().alias("rows")]).collect()?;
                let rows = counted.column("rows")?.get(0)?.extract::<u64>().unwrap_or(0);
                Ok(Scale {
                    exact: rows <= EXACT_MAX_ROWS,
                    estimated_rows: rows,
                })
            }
            Reader::Csv(_) | Reader::Ndjson => {
                let size = std::fs::metadata(self.path)?.len();
                let mut head = Vec::with_capacity(sniff::HEAD_BYTES);
                File::open(self.path)?
                    .take(sniff::HEAD_BYTES as u64)
                    .read_to_end(&mut head)?;
                let lines = sniff::count_lines(&head, matches!(self.reader, Reader::Csv(_))).max(1) as u64;
                let estimated_rows = match head.len() as u64 {
                    0 => 0,
                    read if read >= size => lines,
                    read => size.saturating_mul(lines) / read,
                };
                Ok(Scale {
                    exact: size <= EXACT_MAX_BYTES,
                    estimated_rows,
                })
            }
        }
    }

    /// Calls `visit` with every row of the dataset, in order, a batch at a time.
    pub fn for_each_batch(&self, visit: batches::Visit<'_>) -> PolarsResult<()> {
        match self.reader {
            Reader::Csv(delimiter) => {
                let schema = self.frame.clone().collect_schema()?;
                let options = csv_parse_options(delimiter);
                batches::delimited(self.path, options, schema, chunks::CHUNK_BYTES, visit)
            }
            Reader::Parquet | Reader::Ndjson => batches::streamed(self.frame.clone(), visit),
        }
    }
}

/// A temporary file removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(directory: &Path, extension: &str) -> Self {
        Self(directory.join(format!("{}.{extension}", uuid::Uuid::new_v4())))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_file(&self.0)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(%error, path = %self.0.display(), "cannot remove a scratch file");
        }
    }
}

/// Runs `work` on the dataset at `path`.
pub fn with_lazy<T>(
    path: &Path,
    format: Format,
    scratch: &Path,
    work: impl Fn(Source<'_>) -> PolarsResult<T>,
) -> Result<T, ProfileError> {
    let run = |path: &Path, reader: Reader| -> Result<T, ProfileError> {
        let attempt = |inference| {
            let frame = sextant_dataset::scan(path, reader, inference)?.frame;
            work(Source { frame, path, reader })
        };
        match (attempt(Inference::Head), reader) {
            (Ok(value), _) => Ok(value),
            (Err(error), Reader::Parquet) => Err(error.into()),
            (Err(error), Reader::Csv(_) | Reader::Ndjson) => {
                tracing::debug!(%error, "retrying with the schema inferred from every row");
                Ok(attempt(Inference::Full)?)
            }
        }
    };
    if let Some(reader) = format.reader() {
        return run(path, reader);
    }
    let converted = Scratch::new(scratch, "ndjson");
    let mut target = BufWriter::new(File::create(&converted.0)?);
    let rows = json::to_ndjson(File::open(path)?, &mut target, None)?;
    target.flush()?;
    drop(target);
    if rows == 0 {
        return Err(ProfileError::Unreadable("the JSON array is empty".into()));
    }
    run(&converted.0, Reader::Ndjson)
}

/// The first `rows` rows of the dataset at `path`.
pub fn preview(path: &Path, format: Format, rows: usize) -> Result<Preview, ProfileError> {
    let limit = IdxSize::try_from(rows).unwrap_or(IdxSize::MAX);
    let frame = match format {
        Format::Json => json::read(path, Some(rows), Inference::Head)?.frame.collect()?,
        _ => with_lazy(path, format, Path::new("."), |source| {
            source.frame.limit(limit).collect()
        })?,
    };
    Ok(Preview {
        columns: frame.get_column_names().into_iter().map(ToString::to_string).collect(),
        rows: cells::rows(&frame, rows),
    })
}

#[cfg(test)]
mod tests {
    use sextant_dataset::INFER_SCHEMA_ROWS;

    use super::*;

    #[test]
    fn numbers_with_text_past_the_inferred_rows_are_read_again_as_text() {
        let mut text = String::from("a,b\n");
        for i in 0..INFER_SCHEMA_ROWS + 10 {
            text.push_str(&format!("{i},{}\n", i % 3));
        }
        text.push_str("x,1\n");
        let directory = std::env::temp_dir();
        let path = directory.join(format!("sextant-read-{}.csv", uuid::Uuid::new_v4()));
        std::fs::write(&path, text).expect("write");
        let profile = super::super::profile(&path, Format::Csv { delimiter: b',' }, &directory);
        std::fs::remove_file(&path).expect("cleanup");
        let profile = profile.expect("profile");
        let dtypes: Vec<&str> = profile.column_profiles.iter().map(|c| c.dtype.as_str()).collect();
        assert_eq!(dtypes, ["str", "i64"]);
        assert_eq!(profile.rows, INFER_SCHEMA_ROWS as u64 + 11);
    }
}
