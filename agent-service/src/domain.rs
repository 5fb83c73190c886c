//! Ids and questions: values of these types are valid by construction.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Error;

/// Longest question, in characters, after trimming.
pub const MAX_QUESTION_CHARS: usize = 4_000;

/// The id of a user, from a verified token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserId(pub Uuid);

/// The id of a session (session-service's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionId(pub Uuid);

/// The id of a file (file-service's, opaque here).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileId(pub String);

/// The id of a run: the graph engine's, so a chat run and its checkpoints share it.
pub use crate::graph::RunId;

/// What a memory belongs to: one user's conversation about one file in one session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scope {
    /// The user.
    pub user: UserId,
    /// The session.
    pub session: SessionId,
    /// The file.
    pub file: FileId,
}

/// A question: 1 to [`MAX_QUESTION_CHARS`] characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question(String);

impl Question {
    /// Trims and checks `raw`.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let trimmed = raw.trim();
        let chars = trimmed.chars().count();
        if chars == 0 || chars > MAX_QUESTION_CHARS {
            return Err(Error::InvalidQuestion);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The trimmed question.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_is_trimmed_and_bounded() {
        assert_eq!(
            Question::parse("  how many rows? ").ok().map(|q| q.0),
            Some("how many rows?".into())
        );
        assert!(matches!(Question::parse(" \n "), Err(Error::InvalidQuestion)));
        assert!(Question::parse(&"é".repeat(MAX_QUESTION_CHARS)).is_ok());
        assert!(matches!(
            Question::parse(&"a".repeat(MAX_QUESTION_CHARS + 1)),
            Err(Error::InvalidQuestion)
        ));
    }

    #[test]
    fn run_ids_are_time_ordered() {
        let (first, second) = (RunId::new(), RunId::new());
        assert!(first.0 < second.0);
    }
}
