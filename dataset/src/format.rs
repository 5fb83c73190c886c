//! The formats a dataset can be stored in, as file-service records them and agent-service
//! receives them.

use serde::{Deserialize, Serialize};

use crate::read::Reader;

/// How a dataset is stored. Serialised as `{"csv": {"delimiter": 44}}`, `"tsv"`,
/// `"parquet"`, `"json"` or `"ndjson"` (agent-service keeps it so in its runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Delimited text with a header row.
    Csv {
        /// The field delimiter (sniffed at upload).
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

impl Format {
    /// The name stored and shown: `csv`, `tsv`, `parquet`, `json` or `ndjson`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Csv { .. } => "csv",
            Self::Tsv => "tsv",
            Self::Parquet => "parquet",
            Self::Json => "json",
            Self::Ndjson => "ndjson",
        }
    }

    /// The field delimiter of delimited text.
    pub fn delimiter(self) -> Option<u8> {
        match self {
            Self::Csv { delimiter } => Some(delimiter),
            Self::Tsv => Some(b'\t'),
            Self::Parquet | Self::Json | Self::Ndjson => None,
        }
    }

    /// The format stored as `name` with `delimiter` (one character for `csv`, where empty
    /// means a comma; ignored for the others); `None` for anything else.
    pub fn from_stored(name: &str, delimiter: &str) -> Option<Self> {
        match name {
            "csv" => match delimiter.as_bytes() {
                [] => Some(Self::Csv { delimiter: b',' }),
                &[byte] => Some(Self::Csv { delimiter: byte }),
                _ => None,
            },
            "tsv" => Some(Self::Tsv),
            "parquet" => Some(Self::Parquet),
            "json" => Some(Self::Json),
            "ndjson" => Some(Self::Ndjson),
            _ => None,
        }
    }

    /// How Polars reads the stored bytes; `None` for a JSON document, which is rewritten
    /// as NDJSON first (see [`crate::json`]).
    pub fn reader(self) -> Option<Reader> {
        match self {
            Self::Csv { delimiter } => Some(Reader::Csv(delimiter)),
            Self::Tsv => Some(Reader::Csv(b'\t')),
            Self::Parquet => Some(Reader::Parquet),
            Self::Ndjson => Some(Reader::Ndjson),
            Self::Json => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_formats_are_read_back_with_their_delimiter() {
        assert_eq!(Format::from_stored("csv", ";"), Some(Format::Csv { delimiter: b';' }));
        assert_eq!(Format::from_stored("csv", ""), Some(Format::Csv { delimiter: b',' }));
        assert_eq!(Format::from_stored("tsv", "\t"), Some(Format::Tsv));
        assert_eq!(Format::from_stored("ndjson", ""), Some(Format::Ndjson));
        assert_eq!(Format::from_stored("xlsx", ""), None);
        assert_eq!(Format::from_stored("csv", ";;"), None);
        for format in [
            Format::Csv { delimiter: b'|' },
            Format::Tsv,
            Format::Parquet,
            Format::Json,
            Format::Ndjson,
        ] {
            let delimiter = format.delimiter().map(|byte| char::from(byte).to_string());
            let stored = Format::from_stored(format.name(), delimiter.as_deref().unwrap_or(""));
            assert_eq!(stored, Some(format));
        }
    }

    #[test]
    fn the_serialised_form_stays_the_one_stored_runs_hold() {
        let text = serde_json::to_string(&[Format::Csv { delimiter: b',' }, Format::Tsv]).expect("serialise");
        assert_eq!(text, r#"[{"csv":{"delimiter":44}},"tsv"]"#);
        let back: Vec<Format> = serde_json::from_str(&text).expect("deserialise");
        assert_eq!(back, [Format::Csv { delimiter: b',' }, Format::Tsv]);
    }
}
