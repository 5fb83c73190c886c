//! A whole dataset, a batch of rows at a time, in order.
//!
//! Delimited text is cut into [`chunks`](super::chunks) of records with ordinary reads
//! and each chunk parsed by Polars with the schema already known: Polars' own scan would
//! map the whole file into memory, and every page it has read would count as the
//! process's memory until the scan ends. A chunk whose columns hold nulls is parsed a
//! second time, only those columns and as the text written (see [`Batch::written`]): a
//! chunk without missing values costs nothing more. Other formats come from Polars'
//! streaming engine, which runs on a thread of its own while the batches are visited on
//! this one.

use std::fs::File;
use std::io::Cursor;
use std::path::Path;
use std::sync::mpsc;

use polars::prelude::*;

use super::chunks::Chunks;

/// Rows of a dataset, in order.
pub struct Batch {
    /// The rows.
    pub rows: DataFrame,
    /// The columns of `rows` that hold nulls, as the text written in the file (only the
    /// empty field null), so that the marker each missing value was written as can be
    /// told; `None` when no column has a null, and for formats with a native null.
    pub written: Option<DataFrame>,
}

/// What is done with each batch; an error stops the reading.
pub type Visit<'a> = &'a mut dyn FnMut(Batch) -> PolarsResult<()>;

/// Visits the delimited text at `path`, of `schema`, parsed with `options`, in chunks of
/// about `chunk_bytes`.
pub fn delimited(
    path: &Path,
    options: CsvParseOptions,
    schema: SchemaRef,
    chunk_bytes: usize,
    visit: Visit<'_>,
) -> PolarsResult<()> {
    let quote = options.quote_char.unwrap_or(b'"');
    let text_schema: SchemaRef = Arc::new(
        schema
            .iter_names()
            .map(|name| Field::new(name.clone(), DataType::String))
            .collect(),
    );
    let text_options = options.clone().with_null_values(None);
    let mut chunks = Chunks::new(File::open(path)?, chunk_bytes, quote);
    let mut first = true;
    while let Some(chunk) = chunks.next_chunk()? {
        let parse = |schema: &SchemaRef, options: &CsvParseOptions, columns| {
            CsvReadOptions::default()
                .with_has_header(first)
                .with_schema(Some(schema.clone()))
                .with_columns(columns)
                .with_parse_options(options.clone())
                .into_reader_with_file_handle(Cursor::new(chunk))
                .finish()
        };
        let rows = parse(&schema, &options, None)?;
        let with_nulls: Arc<[PlSmallStr]> = rows
            .columns()
            .iter()
            .filter(|column| column.has_nulls())
            .map(|column| column.name().clone())
            .collect();
        let written = if with_nulls.is_empty() {
            None
        } else {
            Some(parse(&text_schema, &text_options, Some(with_nulls))?)
        };
        first = false;
        visit(Batch { rows, written })?;
    }
    Ok(())
}

/// What the streaming query sends: a batch, or its end.
type Streamed = PolarsResult<Option<Batch>>;

/// Visits the results of `frame`, run on Polars' streaming engine.
pub fn streamed(frame: LazyFrame, visit: Visit<'_>) -> PolarsResult<()> {
    // No buffer: the query waits for each batch to be taken, so at most two are held.
    let (batches, received) = mpsc::sync_channel::<Streamed>(0);
    let ended = batches.clone();
    // Returning true stops the query: nobody listens any more.
    let callback = PlanCallback::new(move |rows: DataFrame| {
        let batch = Batch { rows, written: None };
        Ok(batches.send(Ok(Some(batch))).is_err())
    });
    let query = frame.sink_batches(callback, true, None)?;
    std::thread::scope(|scope| {
        let running = scope.spawn(move || {
            let outcome = query.collect_with_engine(Engine::Streaming).map(|_| None);
            // The receiver is gone only when `visit` failed, which is reported instead.
            let _ = ended.send(outcome);
        });
        let visited = receive(&received, visit);
        drop(received);
        if let Err(panic) = running.join() {
            std::panic::resume_unwind(panic);
        }
        visited
    })
}

/// Hands the batches `received` to `visit` until the query announces its end (the
/// callback's sender may outlive the query) or every sender is gone (it panicked).
fn receive(received: &mpsc::Receiver<Streamed>, visit: Visit<'_>) -> PolarsResult<()> {
    for streamed in received {
        let Some(batch) = streamed? else {
            return Ok(());
        };
        visit(batch)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// Every batch of `read`, stacked.
    fn stacked(read: impl FnOnce(Visit<'_>) -> PolarsResult<()>) -> (DataFrame, usize) {
        let mut all: Option<DataFrame> = None;
        let mut batches = 0;
        read(&mut |batch| {
            batches += 1;
            match &mut all {
                Some(all) => all.vstack_mut(&batch.rows).map(drop),
                None => {
                    all = Some(batch.rows);
                    Ok(())
                }
            }
        })
        .expect("read");
        (all.expect("a batch"), batches)
    }

    #[test]
    fn a_chunk_with_nulls_comes_with_the_text_of_those_columns() {
        let text = "n,t,full\n1,NA,a\nN/A,,b\n3,x,c\n4,y,d\n";
        let path = std::env::temp_dir().join(format!("sextant-written-{}.csv", uuid::Uuid::new_v4()));
        std::fs::write(&path, text).expect("write");
        let options = sextant_dataset::csv_parse_options(b',');
        let schema: SchemaRef = Arc::new(Schema::from_iter([
            Field::new("n".into(), DataType::Int64),
            Field::new("t".into(), DataType::String),
            Field::new("full".into(), DataType::String),
        ]));
        let mut seen = Vec::new();
        // Chunks of 12 bytes read, cut after their last whole record: the header alone,
        // `1,NA,a`, `N/A,,b`, then the last two records.
        delimited(&path, options, schema, 12, &mut |batch| {
            let written = batch.written.map(|written| {
                written
                    .columns()
                    .iter()
                    .map(|column| {
                        let values = column.str().expect("text").iter();
                        (
                            column.name().to_string(),
                            values.map(|v| v.map(str::to_owned)).collect(),
                        )
                    })
                    .collect::<Vec<(String, Vec<Option<String>>)>>()
            });
            seen.push((batch.rows.height(), written));
            Ok(())
        })
        .expect("read");
        std::fs::remove_file(&path).expect("cleanup");
        let text = |name: &str, values: &[Option<&str>]| {
            let values = values.iter().map(|v| v.map(str::to_owned)).collect();
            (name.to_owned(), values)
        };
        assert_eq!(
            seen,
            [
                (0, None),
                (1, Some(vec![text("t", &[Some("NA")])])),
                (1, Some(vec![text("n", &[Some("N/A")]), text("t", &[None])])),
                (2, None),
            ],
            "only the columns with nulls, the empty field as null"
        );
    }

    #[test]
    fn delimited_text_in_small_chunks_reads_like_the_whole_file() {
        let text = "\u{feff}id;note;price\n1;\"a;\nb\";2.5\n2;\"say \"\"hi\"\"\";\n3;plain;4\n4;;0.5\n";
        let path = std::env::temp_dir().join(format!("sextant-batches-{}.csv", uuid::Uuid::new_v4()));
        File::create(&path)
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .expect("write");
        let options = CsvParseOptions::default()
            .with_separator(b';')
            .with_missing_is_null(true);
        let whole = CsvReadOptions::default()
            .with_parse_options(options.clone())
            .try_into_reader_with_file_path(Some(path.clone()))
            .and_then(|reader| reader.finish())
            .expect("whole");
        let (batched, batches) = stacked(|visit| delimited(&path, options, whole.schema().clone(), 8, visit));
        std::fs::remove_file(&path).expect("cleanup");
        assert_eq!(
            batches, 5,
            "the header alone, then a record per chunk of 8 bytes or more"
        );
        assert!(batched.equals_missing(&whole), "{batched} vs {whole}");
        assert_eq!(whole.height(), 4);
    }

    #[test]
    fn streamed_batches_come_in_order() {
        let frame = df!("n" => (0..100_000i64).collect::<Vec<_>>()).expect("frame");
        let (batched, _) = stacked(|visit| streamed(frame.clone().lazy(), visit));
        assert!(batched.equals(&frame));
    }

    #[test]
    fn a_failing_visit_stops_the_query_and_is_reported() {
        let frame = df!("n" => (0..100_000i64).collect::<Vec<_>>()).expect("frame");
        let result = streamed(frame.lazy(), &mut |_| Err(polars_err!(ComputeError: "enough")));
        let error = result.expect_err("the visit's error");
        assert!(error.to_string().contains("enough"), "{error}");
    }
}
