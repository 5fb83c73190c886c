//! Opening a stored dataset as a Polars `LazyFrame`, with the options every service reads
//! it with: a header row, the delimiter sniffed at upload, `"` quotes, the empty field
//! and the [missing-value markers](crate::missing) as nulls (a UTF-8 BOM is skipped by
//! Polars), column types inferred from the first [`INFER_SCHEMA_ROWS`] rows.
//!
//! A column with no value in those rows tells nothing of its type: Polars infers it as
//! text from delimited text, as `null` from JSON (whose reading then fails at the first
//! value). Such a column may hold numbers further down (an `NA` head of a measurement
//! taken only later), so [`scan`] infers every column from every row instead, which reads
//! the whole file once more: for delimited text only when it has more rows than the head
//! (otherwise the head is every row), for NDJSON whenever a column is `null`. A column of
//! values that do not fit the type the head gave (numbers, then text) is found only when
//! it is read; each service retries with [`Inference::Full`] then.

use std::path::Path;

use polars::prelude::*;

use crate::missing;

/// Rows read to infer the column types of delimited text and JSON.
pub const INFER_SCHEMA_ROWS: usize = 10_000;

/// How Polars reads the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Delimited text with a header row, and its delimiter.
    Csv(u8),
    /// Apache Parquet: typed, nothing is inferred.
    Parquet,
    /// One JSON object per line.
    Ndjson,
}

/// How many rows the column types of text were inferred from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inference {
    /// The first [`INFER_SCHEMA_ROWS`].
    Head,
    /// Every row.
    Full,
}

impl Inference {
    /// The rows to infer from, as Polars takes them (`None`: every row).
    pub fn rows(self) -> Option<usize> {
        match self {
            Self::Head => Some(INFER_SCHEMA_ROWS),
            Self::Full => None,
        }
    }
}

/// How delimited text separated by `delimiter` is parsed, by the lazy scan and by a
/// reader of chunks of it alike.
pub fn csv_parse_options(delimiter: u8) -> CsvParseOptions {
    CsvParseOptions::default()
        .with_separator(delimiter)
        .with_missing_is_null(true)
        .with_null_values(Some(missing::null_values()))
}

/// A dataset opened lazily.
pub struct Scan {
    /// The dataset's rows, read when the frame is collected.
    pub frame: LazyFrame,
    /// What its column types were inferred from: [`Inference::Full`] also when the
    /// head was asked for and could not tell.
    pub inference: Inference,
}

/// The dataset at `path`, read with `reader`, its types inferred as `inference` says (and
/// from every row when the head leaves a column without a value, see the module's
/// documentation). Blocks while Polars infers the schema.
pub fn scan(path: &Path, reader: Reader, inference: Inference) -> PolarsResult<Scan> {
    let frame = lazy(path, reader, inference)?;
    if inference == Inference::Head && reader != Reader::Parquet && blind_head(&frame)? {
        tracing::debug!("a column has no value in the first rows: inferring the types from every row");
        return Ok(Scan {
            frame: lazy(path, reader, Inference::Full)?,
            inference: Inference::Full,
        });
    }
    Ok(Scan { frame, inference })
}

fn lazy(path: &Path, reader: Reader, inference: Inference) -> PolarsResult<LazyFrame> {
    let path = path
        .to_str()
        .map(PlRefPath::new)
        .ok_or_else(|| polars_err!(ComputeError: "the dataset path is not UTF-8"))?;
    match reader {
        Reader::Csv(delimiter) => LazyCsvReader::new(path)
            .with_has_header(true)
            .map_parse_options(|_| csv_parse_options(delimiter))
            .with_infer_schema_length(inference.rows())
            .with_glob(false)
            .finish(),
        Reader::Parquet => LazyFrame::scan_parquet(
            path,
            ScanArgsParquet {
                glob: false,
                ..ScanArgsParquet::default()
            },
        ),
        Reader::Ndjson => LazyJsonLineReader::new(path)
            .with_infer_schema_length(inference.rows().and_then(std::num::NonZeroUsize::new))
            .finish(),
    }
}

/// Whether the types of `frame`, inferred from its first [`INFER_SCHEMA_ROWS`] rows, may
/// be wrong for want of values in them. JSON types a column of nulls as `null` (and
/// reading a value further down then fails): any such column may. Delimited text types
/// it as text: when the dataset has more rows than the head, a text column that holds
/// only nulls in the head may. The check reads the head and one row more of the text
/// columns alone, which cannot fail to parse whatever the other columns hold there.
fn blind_head(frame: &LazyFrame) -> PolarsResult<bool> {
    let schema = frame.clone().collect_schema()?;
    if has_null_column(&schema) {
        return Ok(true);
    }
    let guessed: Vec<Expr> = schema
        .iter()
        .filter(|(_, dtype)| dtype.is_string())
        .map(|(name, _)| {
            Expr::Column(name.clone())
                .head(Some(INFER_SCHEMA_ROWS))
                .count()
                .alias(name.clone())
        })
        .collect();
    if guessed.is_empty() {
        return Ok(false);
    }
    let rows = IdxSize::try_from(INFER_SCHEMA_ROWS + 1).unwrap_or(IdxSize::MAX);
    let mut exprs = vec![len().alias(ROWS)];
    exprs.extend(guessed);
    let counted = frame.clone().limit(rows).select(exprs).collect()?;
    let [length, values @ ..] = counted.columns() else {
        return Ok(false);
    };
    let count = |column: &Column| column.get(0).ok().and_then(|value| value.extract::<u64>()).unwrap_or(0);
    Ok(count(length) > INFER_SCHEMA_ROWS as u64 && values.iter().any(|column| count(column) == 0))
}

/// Whether a column of `schema` was inferred from nulls alone (JSON's `null` type).
pub(crate) fn has_null_column(schema: &Schema) -> bool {
    schema.iter().any(|(_, dtype)| dtype == &DataType::Null)
}

/// The name of the row count in [`blind_head`]'s query: not a column name (those are
/// aliased to themselves), since a name cannot hold a NUL.
const ROWS: &str = "\0rows";

#[cfg(test)]
mod tests {
    use super::*;

    fn write(directory: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let path = directory.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    fn dtypes(scan: &Scan) -> Vec<DataType> {
        let schema = scan.frame.clone().collect_schema().expect("schema");
        schema.iter().map(|(_, dtype)| dtype.clone()).collect()
    }

    #[test]
    fn markers_are_nulls_and_a_dash_is_text() {
        let directory = tempfile::tempdir().expect("directory");
        let path = write(&directory, "m.csv", "n,t,d\n1,a,-\nNA,N/A,-\n\"NA\",None,x\n4,<NA>,-\n");
        let scan = scan(&path, Reader::Csv(b','), Inference::Head).expect("scan");
        assert_eq!(dtypes(&scan), [DataType::Int64, DataType::String, DataType::String]);
        assert_eq!(scan.inference, Inference::Head);
        let frame = scan.frame.collect().expect("collect");
        let nulls: Vec<usize> = frame.columns().iter().map(Column::null_count).collect();
        assert_eq!(nulls, [2, 3, 0], "the quoted NA is missing too");
    }

    #[test]
    fn a_head_without_values_is_inferred_again_from_every_row() {
        let directory = tempfile::tempdir().expect("directory");
        let mut text = String::from("late,early\n");
        for _ in 0..INFER_SCHEMA_ROWS {
            text.push_str("NA,a\n");
        }
        text.push_str("1.5,b\n2,c\n");
        let path = write(&directory, "late.csv", &text);
        let scan = scan(&path, Reader::Csv(b','), Inference::Head).expect("scan");
        assert_eq!(scan.inference, Inference::Full);
        assert_eq!(dtypes(&scan), [DataType::Float64, DataType::String]);
    }

    #[test]
    fn looking_past_the_head_reads_only_the_text_columns() {
        let directory = tempfile::tempdir().expect("directory");
        // `n` holds integers in the head and text just past it, in the row the check
        // for more rows reads: only the text column `late` may be parsed there.
        let mut text = String::from("n,late\n");
        for n in 0..INFER_SCHEMA_ROWS {
            text.push_str(&format!("{n},NA\n"));
        }
        text.push_str("x,7\n");
        let path = write(&directory, "both.csv", &text);
        let scan = scan(&path, Reader::Csv(b','), Inference::Head).expect("scan");
        assert_eq!(scan.inference, Inference::Full);
        assert_eq!(dtypes(&scan), [DataType::String, DataType::Int64]);
    }

    #[test]
    fn a_short_file_of_nulls_is_not_inferred_again() {
        let directory = tempfile::tempdir().expect("directory");
        let path = write(&directory, "empty.csv", "none,n\nNA,1\n,2\n");
        let scan = scan(&path, Reader::Csv(b','), Inference::Head).expect("scan");
        assert_eq!(scan.inference, Inference::Head);
        assert_eq!(dtypes(&scan), [DataType::String, DataType::Int64]);
    }

    #[test]
    fn ndjson_nulls_before_numbers_are_inferred_again() {
        let directory = tempfile::tempdir().expect("directory");
        let mut text = String::new();
        for _ in 0..INFER_SCHEMA_ROWS {
            text.push_str("{\"late\": null}\n");
        }
        text.push_str("{\"late\": 3}\n{\"late\": 5}\n");
        let path = write(&directory, "late.ndjson", &text);
        let scan = scan(&path, Reader::Ndjson, Inference::Head).expect("scan");
        assert_eq!(scan.inference, Inference::Full);
        assert_eq!(dtypes(&scan), [DataType::Int64]);
        let frame = scan.frame.collect().expect("collect");
        let sum: Option<i64> = frame.column("late").expect("late").i64().expect("i64").sum();
        assert_eq!(sum, Some(8));
    }
}
