//! Session titles and ids: values of these types are valid by construction.

use crate::Error;

/// Longest title, in characters, after trimming.
const MAX_TITLE_CHARS: usize = 200;

/// A session title: 1–200 characters after trimming surrounding whitespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    /// Trims and checks `raw`.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let trimmed = raw.trim();
        let chars = trimmed.chars().count();
        if chars == 0 || chars > MAX_TITLE_CHARS || trimmed.chars().any(char::is_control) {
            return Err(Error::InvalidTitle);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The trimmed title.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id of a user, from a verified token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserId(pub uuid::Uuid);

/// The id of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionId(pub uuid::Uuid);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed() {
        assert_eq!(Title::parse("  Q3 revenue  ").expect("valid").as_str(), "Q3 revenue");
    }

    #[test]
    fn title_must_have_1_to_200_characters_after_trimming() {
        assert!(matches!(Title::parse(""), Err(Error::InvalidTitle)));
        assert!(matches!(Title::parse("   \t "), Err(Error::InvalidTitle)));
        assert!(Title::parse(&"é".repeat(200)).is_ok(), "200 characters, 400 bytes");
        assert!(matches!(Title::parse(&"a".repeat(201)), Err(Error::InvalidTitle)));
    }

    #[test]
    fn title_refuses_control_characters() {
        assert!(matches!(Title::parse("a\u{0}b"), Err(Error::InvalidTitle)));
        assert!(matches!(Title::parse("line\nbreak"), Err(Error::InvalidTitle)));
    }
}
