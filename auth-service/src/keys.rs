//! The Ed25519 keys that sign access tokens: loaded from PKCS#8 PEM files, identified by
//! their RFC 7638 JWK thumbprint (`kid`), and created by `auth-service keygen`.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use jsonwebtoken::EncodingKey;
use sha2::{Digest, Sha256};

/// Why keys could not be loaded or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// No key file was configured.
    #[error("no signing key configured (JWT_KEY_FILES)")]
    NoKeys,
    /// A key file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A key file is not an Ed25519 PKCS#8 PEM private key.
    #[error("{path}: not an Ed25519 PKCS#8 PEM private key ({reason})")]
    Format {
        /// The file.
        path: String,
        /// What the parser said.
        reason: String,
    },
}

/// A public key as published for verifiers.
#[derive(Debug, Clone)]
pub struct PublicKey {
    /// The key id tokens carry in their header.
    pub kid: String,
    /// The raw 32-byte Ed25519 public key.
    pub bytes: [u8; 32],
}

/// The key that signs new tokens and every key that verifies them.
pub struct KeyRing {
    signing_kid: String,
    signing_key: EncodingKey,
    published: Vec<PublicKey>,
}

impl KeyRing {
    /// Loads the keys in `paths`; the first one signs.
    pub fn load(paths: &[impl AsRef<Path>]) -> Result<Self, KeyError> {
        let mut signing = None;
        let mut published = Vec::with_capacity(paths.len());
        for path in paths {
            let path = path.as_ref();
            let pem = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let format_error = |reason: String| KeyError::Format {
                path: path.display().to_string(),
                reason,
            };
            let key = SigningKey::from_pkcs8_pem(&pem).map_err(|error| format_error(error.to_string()))?;
            let public = PublicKey {
                kid: thumbprint(&key.verifying_key().to_bytes()),
                bytes: key.verifying_key().to_bytes(),
            };
            if signing.is_none() {
                let encoding =
                    EncodingKey::from_ed_pem(pem.as_bytes()).map_err(|error| format_error(error.to_string()))?;
                signing = Some((public.kid.clone(), encoding));
            }
            published.push(public);
        }
        let (signing_kid, signing_key) = signing.ok_or(KeyError::NoKeys)?;
        Ok(Self {
            signing_kid,
            signing_key,
            published,
        })
    }

    /// The id of the signing key.
    pub fn signing_kid(&self) -> &str {
        &self.signing_kid
    }

    /// The signing key.
    pub fn signing_key(&self) -> &EncodingKey {
        &self.signing_key
    }

    /// Every key a valid token may be signed with.
    pub fn published(&self) -> &[PublicKey] {
        &self.published
    }
}

/// The RFC 7638 JWK thumbprint of an Ed25519 public key, base64url without padding.
pub fn thumbprint(public_key: &[u8; 32]) -> String {
    let jwk = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(public_key)
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(jwk.as_bytes()))
}

/// A new random signing key as PKCS#8 PEM.
pub fn new_key_pem() -> String {
    let key = SigningKey::generate(&mut rand_core::OsRng);
    // Encoding a freshly generated key cannot fail.
    key.to_pkcs8_pem(LineEnding::LF)
        .map(|pem| pem.to_string())
        .unwrap_or_default()
}

/// Writes a new signing key to `path` (mode 0600 on Unix), creating parent folders;
/// refuses to overwrite an existing file.
pub fn write_new_key(path: &Path) -> Result<(), KeyError> {
    let io_error = |source| KeyError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_error)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io_error)?;
    file.write_all(new_key_pem().as_bytes()).map_err(io_error)?;
    file.sync_all().map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir()
            .join(format!("sextant-keys-{}", uuid::Uuid::new_v4()))
            .join(name)
    }

    #[test]
    fn thumbprint_matches_rfc_8037_example() {
        // RFC 8037 appendix A.3: the thumbprint of its example Ed25519 key.
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .expect("base64");
        let bytes: [u8; 32] = x.try_into().expect("32 bytes");
        assert_eq!(thumbprint(&bytes), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    #[test]
    fn written_key_loads_and_signs_with_the_first_file() {
        let first = temp_path("first.pem");
        let second = temp_path("second.pem");
        write_new_key(&first).expect("write first");
        write_new_key(&second).expect("write second");
        let ring = KeyRing::load(&[&first, &second]).expect("load");
        assert_eq!(ring.published().len(), 2);
        assert_eq!(ring.signing_kid(), ring.published()[0].kid);
        assert_ne!(ring.published()[0].kid, ring.published()[1].kid);
    }

    #[test]
    fn write_new_key_refuses_to_overwrite() {
        let path = temp_path("key.pem");
        write_new_key(&path).expect("first write");
        let before = std::fs::read(&path).expect("read");
        assert!(matches!(write_new_key(&path), Err(KeyError::Io { .. })));
        assert_eq!(std::fs::read(&path).expect("read"), before);
    }

    #[test]
    fn load_rejects_a_file_that_is_not_a_key() {
        let path = temp_path("junk.pem");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(&path, "not a key").expect("write");
        assert!(matches!(KeyRing::load(&[&path]), Err(KeyError::Format { .. })));
        assert!(matches!(KeyRing::load(&[] as &[&Path]), Err(KeyError::NoKeys)));
    }
}
