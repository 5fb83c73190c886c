//! Parsed inputs and the pure rules about them: values of these types are valid by
//! construction.

use std::fmt;

use uuid::Uuid;

use crate::Error;

/// Longest file name accepted, in characters after trimming.
pub const MAX_FILE_NAME_CHARS: usize = 255;
/// Longest description accepted, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// Rows a preview shows when the caller asks for none.
pub const DEFAULT_PREVIEW_ROWS: u32 = 20;
/// Most rows a preview shows.
pub const MAX_PREVIEW_ROWS: u32 = 1_000;

/// The id of a stored file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId(pub Uuid);

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of a user, the `sub` of their token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub Uuid);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of a session of session-service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId(pub Uuid);

impl SessionId {
    /// Parses the text form session-service uses.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        Uuid::parse_str(raw.trim())
            .map(Self)
            .map_err(|_| Error::InvalidSessionId)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A file name as the user sees it: trimmed, 1 to [`MAX_FILE_NAME_CHARS`] characters,
/// with no control characters, no path separators and not `.` or `..`. It is only ever
/// a label: storage keys are never derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    /// Validates and trims `raw`.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let name = raw.trim();
        let invalid = |reason: &'static str| Err(Error::InvalidFileName(reason));
        if name.is_empty() {
            return invalid("must not be empty");
        }
        if name.chars().count() > MAX_FILE_NAME_CHARS {
            return invalid("must be at most 255 characters");
        }
        if name.chars().any(char::is_control) {
            return invalid("must not contain control characters");
        }
        if name.contains(['/', '\\']) {
            return invalid("must not contain '/' or '\\'");
        }
        if name == "." || name == ".." {
            return invalid("must not be '.' or '..'");
        }
        Ok(Self(name.to_owned()))
    }

    /// The validated name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-case extension after the last dot, if any (`"data.CSV"` → `"csv"`).
    pub fn extension(&self) -> Option<String> {
        let (stem, extension) = self.0.rsplit_once('.')?;
        (!stem.is_empty() && !extension.is_empty()).then(|| extension.to_ascii_lowercase())
    }
}

/// A file's description: free text, at most [`MAX_DESCRIPTION_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    /// Validates `raw` (kept as written, trimmed).
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let description = raw.trim();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(Error::InvalidDescription);
        }
        Ok(Self(description.to_owned()))
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many rows a preview shows: 0 asks for the default.
pub fn preview_rows(requested: u32) -> Result<usize, Error> {
    match requested {
        0 => Ok(DEFAULT_PREVIEW_ROWS as usize),
        n if n <= MAX_PREVIEW_ROWS => Ok(n as usize),
        _ => Err(Error::PreviewLimit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_is_trimmed() {
        let name = FileName::parse("  sales 2024.csv \t").expect("valid");
        assert_eq!(name.as_str(), "sales 2024.csv");
    }

    #[test]
    fn file_name_refuses_names_that_could_escape_or_confuse() {
        let long = "a".repeat(256);
        let huge = "x".repeat(10_000);
        for raw in [
            "",
            "   ",
            ".",
            "..",
            "../etc/passwd",
            "/etc/passwd",
            "a/b.csv",
            "a\\b.csv",
            "..\\..\\x.csv",
            "nul\0byte.csv",
            "tab\tinside.csv",
            "line\nbreak.csv",
            "bell\u{7}.csv",
            "c1\u{85}control.csv",
            long.as_str(),
            huge.as_str(),
        ] {
            assert!(
                matches!(FileName::parse(raw), Err(Error::InvalidFileName(_))),
                "{raw:?} should be refused"
            );
        }
    }

    #[test]
    fn file_name_counts_characters_not_bytes() {
        let name = "é".repeat(255);
        assert!(FileName::parse(&name).is_ok());
        assert!(FileName::parse(&format!("{name}é")).is_err());
    }

    #[test]
    fn file_name_allows_dots_inside_and_unicode() {
        for raw in ["..hidden.csv", "a..b.csv", "données été.csv", "数据.parquet"] {
            assert_eq!(FileName::parse(raw).expect(raw).as_str(), raw);
        }
    }

    #[test]
    fn extension_is_lower_case_and_needs_a_stem() {
        let ext = |raw: &str| FileName::parse(raw).expect(raw).extension();
        assert_eq!(ext("Data.CSV").as_deref(), Some("csv"));
        assert_eq!(ext("a.b.jsonl").as_deref(), Some("jsonl"));
        assert_eq!(ext("noextension"), None);
        assert_eq!(ext(".csv"), None);
        assert_eq!(ext("trailing."), None);
    }

    #[test]
    fn description_is_limited() {
        assert!(Description::parse(&"d".repeat(MAX_DESCRIPTION_CHARS)).is_ok());
        assert!(matches!(
            Description::parse(&"d".repeat(MAX_DESCRIPTION_CHARS + 1)),
            Err(Error::InvalidDescription)
        ));
    }

    #[test]
    fn preview_rows_defaults_and_caps() {
        assert_eq!(preview_rows(0).expect("default"), 20);
        assert_eq!(preview_rows(1).expect("one"), 1);
        assert_eq!(preview_rows(1000).expect("max"), 1000);
        assert!(matches!(preview_rows(1001), Err(Error::PreviewLimit)));
    }

    #[test]
    fn session_id_must_be_a_uuid() {
        assert!(SessionId::parse("not-a-uuid").is_err());
        let id = Uuid::new_v4();
        assert_eq!(SessionId::parse(&id.to_string()).expect("uuid").0, id);
    }
}
