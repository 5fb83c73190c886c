//! JSON documents as NDJSON. Polars reads a JSON array only whole, in memory; rewritten
//! one object per line it can be scanned lazily like any NDJSON file (see
//! [`crate::read`]), or read into memory ([`read`]). The rewrite holds one element in
//! memory at a time, and a document of objects one after another (not in an array) is
//! accepted too.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Write};
use std::num::NonZeroUsize;
use std::path::Path;

use polars::io::ndjson::infer_schema;
use polars::prelude::{IntoLazy, JsonFormat, JsonReader, SerReader};
use serde::de::{self, Deserializer as _, SeqAccess, Visitor};
use serde_json::Value;

use crate::Error;
use crate::read::{Inference, Scan, has_null_column};

/// The JSON document at `path` (its first `limit` objects when given) read into memory,
/// its column types inferred as `inference` says, and from every row when the head
/// leaves a column without a value (as [`crate::read::scan`] does). A document without
/// a single object is unreadable.
pub fn read(path: &Path, limit: Option<usize>, inference: Inference) -> Result<Scan, Error> {
    let mut lines = Vec::new();
    if to_ndjson(File::open(path)?, &mut lines, limit)? == 0 {
        return Err(Error::Unreadable("the JSON document holds no rows".into()));
    }
    let inference = match inference {
        Inference::Head => {
            let head = infer_schema(
                &mut Cursor::new(lines.as_slice()),
                Inference::Head.rows().and_then(NonZeroUsize::new),
            )?;
            if has_null_column(&head) {
                Inference::Full
            } else {
                Inference::Head
            }
        }
        Inference::Full => Inference::Full,
    };
    let frame = JsonReader::new(Cursor::new(lines.as_slice()))
        .with_json_format(JsonFormat::JsonLines)
        .infer_schema_len(inference.rows().and_then(NonZeroUsize::new))
        .finish()?;
    Ok(Scan {
        frame: frame.lazy(),
        inference,
    })
}

/// Writes the objects of the JSON document in `source` (an array of objects, or objects
/// one after another) to `target`, one per line, stopping after `limit` objects when
/// given. Returns how many were written.
pub fn to_ndjson(source: impl Read, target: &mut impl Write, limit: Option<usize>) -> Result<usize, Error> {
    let mut source = BufReader::new(source);
    skip_bom(&mut source)?;
    let first = first_significant_byte(&mut source)?;
    let mut writer = LineWriter {
        target,
        written: 0,
        limit,
    };
    match first {
        Some(b'[') => {
            let mut deserializer = serde_json::Deserializer::from_reader(source);
            match deserializer.deserialize_seq(ArrayVisitor { writer: &mut writer }) {
                Ok(()) => deserializer.end().map_err(unreadable)?,
                Err(error) if writer.reached_limit() && error.to_string().starts_with(LIMIT_REACHED) => {}
                Err(error) => return Err(unreadable(error)),
            }
        }
        Some(b'{') => {
            for value in serde_json::Deserializer::from_reader(source).into_iter::<Value>() {
                writer.write(value.map_err(unreadable)?)?;
                if writer.reached_limit() {
                    break;
                }
            }
        }
        Some(_) => {
            return Err(Error::Unreadable("not JSON: expected an array of objects".into()));
        }
        None => return Err(Error::Unreadable("the file is empty".into())),
    }
    Ok(writer.written)
}

/// The message the array visitor stops with once it has written `limit` objects.
const LIMIT_REACHED: &str = "row limit reached";

fn unreadable(error: serde_json::Error) -> Error {
    Error::Unreadable(format!("invalid JSON: {error}"))
}

fn skip_bom(source: &mut impl BufRead) -> Result<(), Error> {
    if source.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        source.consume(3);
    }
    Ok(())
}

/// The first byte that is not whitespace, left unconsumed.
fn first_significant_byte(source: &mut impl BufRead) -> Result<Option<u8>, Error> {
    loop {
        let buffer = source.fill_buf()?;
        if buffer.is_empty() {
            return Ok(None);
        }
        match buffer.iter().position(|byte| !byte.is_ascii_whitespace()) {
            Some(at) => {
                let byte = buffer[at];
                source.consume(at);
                return Ok(Some(byte));
            }
            None => {
                let len = buffer.len();
                source.consume(len);
            }
        }
    }
}

struct LineWriter<'a, W> {
    target: &'a mut W,
    written: usize,
    limit: Option<usize>,
}

impl<W: Write> LineWriter<'_, W> {
    fn reached_limit(&self) -> bool {
        self.limit.is_some_and(|limit| self.written >= limit)
    }

    fn write(&mut self, value: Value) -> Result<(), Error> {
        if !value.is_object() {
            return Err(Error::Unreadable(format!(
                "JSON row {} is not an object: expected an array of objects",
                self.written + 1
            )));
        }
        serde_json::to_writer(&mut *self.target, &value).map_err(|error| Error::Io(error.into()))?;
        self.target.write_all(b"\n")?;
        self.written += 1;
        Ok(())
    }
}

/// Visits the top-level array, writing each element as it is parsed.
struct ArrayVisitor<'w, 'a, W> {
    writer: &'w mut LineWriter<'a, W>,
}

impl<'de, W: Write> Visitor<'de> for ArrayVisitor<'_, '_, W> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            self.writer.write(value).map_err(de::Error::custom)?;
            if self.writer.reached_limit() {
                return Err(de::Error::custom(LIMIT_REACHED));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(json: &str, limit: Option<usize>) -> Result<String, Error> {
        let mut out = Vec::new();
        to_ndjson(json.as_bytes(), &mut out, limit)?;
        Ok(String::from_utf8(out).expect("utf-8"))
    }

    #[test]
    fn an_array_becomes_one_object_per_line() {
        let out = convert("\u{feff} [ {\"a\": 1},\n {\"a\": 2, \"b\": \"x\"} ]\n", None);
        assert_eq!(out.expect("valid"), "{\"a\":1}\n{\"a\":2,\"b\":\"x\"}\n");
    }

    #[test]
    fn objects_one_after_another_are_accepted() {
        let out = convert("{\"a\": 1}\n{\n  \"a\": 2\n}", None);
        assert_eq!(out.expect("valid"), "{\"a\":1}\n{\"a\":2}\n");
    }

    #[test]
    fn a_limit_stops_early_even_before_malformed_text() {
        let out = convert("[{\"a\": 1}, {\"a\": 2}, {\"a\": 3}, garbage", Some(2));
        assert_eq!(out.expect("stopped before the garbage"), "{\"a\":1}\n{\"a\":2}\n");
    }

    #[test]
    fn elements_that_are_not_objects_are_unreadable() {
        assert!(matches!(convert("[1, 2, 3]", None), Err(Error::Unreadable(_))));
        assert!(matches!(convert("\"text\"", None), Err(Error::Unreadable(_))));
    }

    #[test]
    fn arrays_and_object_sequences_read_alike_and_nulls_before_numbers_are_numbers() {
        let directory = tempfile::tempdir().expect("directory");
        let mut objects: Vec<String> = (0..crate::INFER_SCHEMA_ROWS).map(|_| "{\"n\": null}".into()).collect();
        objects.push("{\"n\": 2.5}".into());
        let array = directory.path().join("array.json");
        std::fs::write(&array, format!("\u{feff}[{}]", objects.join(","))).expect("write");
        let sequence = directory.path().join("sequence.json");
        std::fs::write(&sequence, objects.join("\n")).expect("write");
        for path in [array, sequence] {
            let scan = read(&path, None, Inference::Head).expect("read");
            assert_eq!(scan.inference, Inference::Full);
            let frame = scan.frame.collect().expect("collect");
            let n = frame.column("n").expect("n");
            assert_eq!(
                (n.len(), n.null_count()),
                (crate::INFER_SCHEMA_ROWS + 1, crate::INFER_SCHEMA_ROWS)
            );
            assert_eq!(polars::prelude::ChunkAgg::sum(n.f64().expect("numbers")), Some(2.5));
        }
    }

    #[test]
    fn a_document_without_objects_is_unreadable() {
        let directory = tempfile::tempdir().expect("directory");
        let path = directory.path().join("empty.json");
        std::fs::write(&path, "[]").expect("write");
        assert!(matches!(read(&path, None, Inference::Head), Err(Error::Unreadable(_))));
    }

    #[test]
    fn malformed_json_is_unreadable() {
        for json in ["[{\"a\": 1}", "[{\"a\": }]", "[{\"a\": 1}] trailing", ""] {
            assert!(matches!(convert(json, None), Err(Error::Unreadable(_))), "{json:?}");
        }
    }
}
