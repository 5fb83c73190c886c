//! Password hashing with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane).
//! Hashing runs on tokio's blocking pool, at most a configured number at once, so a
//! storm of sign-ins never stalls the async workers that serve everything else.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::Error;

/// How long a sign-in waits for a free hashing slot before it is refused as busy.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(5);

fn argon2() -> Argon2<'static> {
    // OWASP password storage cheat sheet: m=19456 KiB, t=2, p=1. The constant
    // parameters are valid, so `Params::new` cannot fail.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies passwords, a bounded number at a time.
#[derive(Clone)]
pub struct Hasher {
    slots: Arc<Semaphore>,
    /// A hash of a random password, verified against when the email is unknown so that
    /// unknown emails take as long as wrong passwords.
    decoy: Arc<str>,
}

impl Hasher {
    /// A hasher running at most `concurrency` hashes at once.
    pub async fn new(concurrency: usize) -> Result<Self, Error> {
        let slots = Arc::new(Semaphore::new(concurrency.max(1)));
        let decoy = run_blocking(&slots, || hash(&uuid::Uuid::new_v4().to_string())).await??;
        Ok(Self {
            slots,
            decoy: decoy.into(),
        })
    }

    /// The PHC string of `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> Result<String, Error> {
        run_blocking(&self.slots, move || hash(&password)).await?
    }

    /// Whether `password` matches the stored PHC string; with no stored hash (unknown
    /// account) it spends the same time and answers false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, Error> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy.to_string());
        let matches = run_blocking(&self.slots, move || {
            let parsed =
                PasswordHash::new(&stored).map_err(|error| Error::Internal(format!("stored hash: {error}")))?;
            Ok::<_, Error>(argon2().verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await??;
        Ok(known && matches)
    }
}

fn hash(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| Error::Internal(format!("hashing: {error}")))
}

async fn run_blocking<T: Send + 'static>(
    slots: &Semaphore,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    let _slot = tokio::time::timeout(QUEUE_TIMEOUT, slots.acquire())
        .await
        .map_err(|_| Error::Busy)?
        .map_err(|_| Error::Internal("hasher closed".into()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| Error::Internal(format!("hashing task: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify_accepts_only_the_same_password() {
        let hasher = Hasher::new(2).await.expect("hasher");
        let stored = hasher.hash("correct horse".into()).await.expect("hash");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(
            hasher
                .verify("correct horse".into(), Some(stored.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("wrong horse!".into(), Some(stored))
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn verify_without_an_account_is_false_even_for_the_decoy_password() {
        let hasher = Hasher::new(1).await.expect("hasher");
        assert!(!hasher.verify("anything at all".into(), None).await.expect("verify"));
    }
}
