//! JSON documents as NDJSON. Polars reads a JSON array only whole, in memory; rewritten
//! one object per line it can be scanned lazily like any NDJSON file. The rewrite holds
//! one element in memory at a time.

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};

use serde::de::{self, Deserializer as _, SeqAccess, Visitor};
use serde_json::Value;

use super::ProfileError;

/// Writes the objects of the JSON document in `source` (an array of objects, or objects
/// one after another) to `target`, one per line, stopping after `limit` objects when
/// given. Returns how many were written.
pub fn to_ndjson(source: impl Read, target: &mut impl Write, limit: Option<usize>) -> Result<usize, ProfileError> {
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
            return Err(ProfileError::Unreadable(
                "not JSON: expected an array of objects".into(),
            ));
        }
        None => return Err(ProfileError::Unreadable("the file is empty".into())),
    }
    Ok(writer.written)
}

/// The message the array visitor stops with once it has written `limit` objects.
const LIMIT_REACHED: &str = "row limit reached";

fn unreadable(error: serde_json::Error) -> ProfileError {
    ProfileError::Unreadable(format!("invalid JSON: {error}"))
}

fn skip_bom(source: &mut impl BufRead) -> Result<(), ProfileError> {
    if source.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        source.consume(3);
    }
    Ok(())
}

/// The first byte that is not whitespace, left unconsumed.
fn first_significant_byte(source: &mut impl BufRead) -> Result<Option<u8>, ProfileError> {
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

    fn write(&mut self, value: Value) -> Result<(), ProfileError> {
        if !value.is_object() {
            return Err(ProfileError::Unreadable(format!(
                "JSON row {} is not an object: expected an array of objects",
                self.written + 1
            )));
        }
        serde_json::to_writer(&mut *self.target, &value).map_err(|error| ProfileError::Io(error.into()))?;
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

    fn convert(json: &str, limit: Option<usize>) -> Result<String, ProfileError> {
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
        assert!(matches!(convert("[1, 2, 3]", None), Err(ProfileError::Unreadable(_))));
        assert!(matches!(convert("\"text\"", None), Err(ProfileError::Unreadable(_))));
    }

    #[test]
    fn malformed_json_is_unreadable() {
        for json in ["[{\"a\": 1}", "[{\"a\": }]", "[{\"a\": 1}] trailing", ""] {
            assert!(
                matches!(convert(json, None), Err(ProfileError::Unreadable(_))),
                "{json:?}"
            );
        }
    }
}
