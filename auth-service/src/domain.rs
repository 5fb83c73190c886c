//! Parsed account inputs: values of these types are valid by construction.

use crate::Error;

/// Longest email accepted (RFC 5321 path limit).
const MAX_EMAIL_LEN: usize = 254;
/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted, in bytes, so hashing cost stays bounded.
const MAX_PASSWORD_BYTES: usize = 1024;

/// A syntactically valid email address, trimmed, with its domain in lower case.
/// Uniqueness is case-insensitive on the whole address (enforced by the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Validates and normalises `raw`.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let trimmed = raw.trim();
        if trimmed.len() > MAX_EMAIL_LEN || !email_address::EmailAddress::is_valid(trimmed) {
            return Err(Error::InvalidEmail);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(Error::InvalidEmail)?;
        // A deliverable address needs a dotted domain; reject `user@localhost` and the
        // quoted or bracketed forms that RFC 5322 allows but no one signs up with.
        let plain = |part: &str| !part.is_empty() && !part.contains(['"', '[', ']', ' ']);
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') || !plain(local) || !plain(domain)
        {
            return Err(Error::InvalidEmail);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the length rules. Never logged.
pub struct Password(String);

impl Password {
    /// Checks the length rules.
    pub fn parse(raw: String) -> Result<Self, Error> {
        if raw.chars().count() < MIN_PASSWORD_CHARS {
            return Err(Error::PasswordTooShort);
        }
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(Error::PasswordTooLong);
        }
        Ok(Self(raw))
    }

    /// The password text, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_its_domain_lowercased() {
        let email = Email::parse("  Ada.Lovelace@Example.COM ").expect("valid");
        assert_eq!(email.as_str(), "Ada.Lovelace@example.com");
    }

    #[test]
    fn email_parse_rejects_malformed_addresses() {
        for raw in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a b@example.com",
            "a@example.",
            "\"q\"@example.com",
            "a@[127.0.0.1]",
        ] {
            assert!(
                matches!(Email::parse(raw), Err(Error::InvalidEmail)),
                "{raw:?} should be refused"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(matches!(Email::parse(&long), Err(Error::InvalidEmail)));
    }

    #[test]
    fn password_needs_eight_characters_not_bytes() {
        assert!(matches!(
            Password::parse("1234567".into()),
            Err(Error::PasswordTooShort)
        ));
        assert!(matches!(
            Password::parse("ééééééé".into()),
            Err(Error::PasswordTooShort)
        ));
        assert!(Password::parse("12345678".into()).is_ok());
        assert!(matches!(Password::parse("x".repeat(1025)), Err(Error::PasswordTooLong)));
    }

    #[test]
    fn password_debug_hides_the_text() {
        let password = Password::parse("secret-password".into()).expect("valid");
        assert_eq!(format!("{password:?}"), "Password(***)");
    }
}
