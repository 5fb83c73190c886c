//! Access tokens: the claims auth-service signs and the verification every other crate
//! does. Tokens are EdDSA (Ed25519) JWTs; the algorithm is pinned, so `alg: none` and
//! HS256-with-the-public-key tokens fail like any forged signature. Keys are found by
//! `kid`; a verifier built with [`Verifier::remote`] fetches them from auth-service and
//! fetches again (at most every [`MIN_REFRESH_INTERVAL`]) when a token names a key it
//! has not seen, which is how key rotation reaches the gateway and the services.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sextant_proto::auth::v1::{ListPublicKeysRequest, auth_service_client::AuthServiceClient};
use tonic::transport::{Channel, Endpoint};
use uuid::Uuid;

/// Clock skew tolerated on `exp` and `nbf`, in seconds. Services may run on different
/// hosts; five seconds covers NTP-synchronised clocks without extending a token's life
/// meaningfully.
pub const LEEWAY_SECS: u64 = 5;
/// The shortest time between two key fetches triggered by unknown key ids, so tokens
/// with made-up `kid`s cannot turn into a flood of calls to auth-service.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(5);

/// The claims of a Sextant access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issue time, seconds since the Unix epoch.
    pub iat: i64,
    /// Not valid before, seconds since the Unix epoch (equal to `iat`).
    pub nbf: i64,
    /// The issuer, auth-service's configured name.
    pub iss: String,
    /// The audience, the deployment's configured name.
    pub aud: String,
    /// A unique id per token.
    pub jti: Uuid,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// No bearer token came with the request.
    #[error("missing bearer token")]
    Missing,
    /// The token is malformed, forged, expired or meant for someone else.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// The token names a key that could not be fetched because auth-service is away.
    #[error("token keys unavailable: {0}")]
    KeysUnavailable(String),
}

impl From<TokenError> for tonic::Status {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Missing => tonic::Status::unauthenticated("missing bearer token"),
            TokenError::Invalid(reason) => {
                tracing::debug!(%reason, "token refused");
                tonic::Status::unauthenticated("invalid or expired token")
            }
            TokenError::KeysUnavailable(reason) => {
                tracing::warn!(%reason, "cannot fetch token keys");
                tonic::Status::unavailable("cannot verify the token right now")
            }
        }
    }
}

/// Builds the validation rules every verifier applies.
fn validation(issuer: &str, audience: &str) -> Validation {
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.leeway = LEEWAY_SECS;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = true;
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation
}

struct Remote {
    client: AuthServiceClient<Channel>,
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

/// Verifies access tokens against a set of Ed25519 public keys indexed by `kid`.
pub struct Verifier {
    validation: Validation,
    keys: RwLock<HashMap<String, DecodingKey>>,
    remote: Option<Remote>,
    verified: Mutex<HashMap<String, Claims>>,
}

/// How many verified tokens a verifier remembers. A client sends the same token with
/// every request for its lifetime, so remembering it saves an Ed25519 verification (tens
/// of microseconds) per request; past this many the memory is simply cleared.
pub const VERIFIED_CAPACITY: usize = 10_000;

/// Whether remembered claims are still acceptable at `now` (seconds since the epoch):
/// the same expiry rule, leeway included, as a fresh verification.
fn still_valid(claims: &Claims, now: i64) -> bool {
    now <= claims.exp.saturating_add(LEEWAY_SECS as i64)
}

impl Verifier {
    /// A verifier for a fixed set of `(kid, raw 32-byte public key)` pairs, for the
    /// service that owns the keys.
    pub fn with_keys<'a>(issuer: &str, audience: &str, keys: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Self {
        let keys = keys
            .into_iter()
            .map(|(kid, key)| (kid.to_owned(), DecodingKey::from_ed_der(key)))
            .collect();
        Self {
            validation: validation(issuer, audience),
            keys: RwLock::new(keys),
            remote: None,
            verified: Mutex::default(),
        }
    }

    /// A verifier that fetches its keys from auth-service at `auth_url` when it first
    /// needs them and whenever a token names an unknown key.
    pub fn remote(
        issuer: &str,
        audience: &str,
        auth_url: &str,
        timeout: Duration,
    ) -> Result<Self, tonic::transport::Error> {
        let channel = Endpoint::from_shared(auth_url.to_owned())?
            .connect_timeout(timeout)
            .timeout(timeout)
            .connect_lazy();
        Ok(Self {
            validation: validation(issuer, audience),
            keys: RwLock::new(HashMap::new()),
            remote: Some(Remote {
                client: AuthServiceClient::new(channel),
                last_fetch: tokio::sync::Mutex::new(None),
            }),
            verified: Mutex::default(),
        })
    }

    /// Verifies `token` and returns its claims. A token verified before is accepted
    /// from memory until it expires.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if let Some(claims) = self.remembered(token).filter(|claims| still_valid(claims, now)) {
            return Ok(claims);
        }
        let claims = self.verify_signature(token).await?;
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        if verified.len() >= VERIFIED_CAPACITY {
            verified.clear();
        }
        verified.insert(token.to_owned(), claims.clone());
        Ok(claims)
    }

    fn remembered(&self, token: &str) -> Option<Claims> {
        self.verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned()
    }

    async fn verify_signature(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|error| TokenError::Invalid(error.to_string()))?;
        let kid = header.kid.ok_or_else(|| TokenError::Invalid("no kid".into()))?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Invalid(format!("algorithm {:?}", header.alg)));
        }
        if let Some(claims) = self.decode_with_known_key(token, &kid)? {
            return Ok(claims);
        }
        self.refresh().await?;
        self.decode_with_known_key(token, &kid)?
            .ok_or_else(|| TokenError::Invalid(format!("unknown kid {kid}")))
    }

    /// Verifies the bearer token in a gRPC request's metadata.
    pub async fn authenticate<T>(&self, request: &tonic::Request<T>) -> Result<Claims, tonic::Status> {
        let token = crate::metadata::bearer_token(request.metadata()).ok_or(TokenError::Missing)?;
        Ok(self.verify(token).await?)
    }

    fn decode_with_known_key(&self, token: &str, kid: &str) -> Result<Option<Claims>, TokenError> {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let Some(key) = keys.get(kid) else {
            return Ok(None);
        };
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| Some(data.claims))
            .map_err(|error| TokenError::Invalid(error.to_string()))
    }

    async fn refresh(&self) -> Result<(), TokenError> {
        let Some(remote) = &self.remote else {
            return Ok(());
        };
        let mut last_fetch = remote.last_fetch.lock().await;
        if last_fetch.is_some_and(|at| at.elapsed() < MIN_REFRESH_INTERVAL) {
            return Ok(());
        }
        let response = remote
            .client
            .clone()
            .list_public_keys(ListPublicKeysRequest {})
            .await
            .map_err(|status| TokenError::KeysUnavailable(status.message().to_owned()))?
            .into_inner();
        *last_fetch = Some(Instant::now());
        let keys = response
            .keys
            .iter()
            .filter(|key| key.alg == "EdDSA")
            .map(|key| (key.kid.clone(), DecodingKey::from_ed_der(&key.public_key)))
            .collect();
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: Uuid::nil(),
            exp,
            iat: exp - 60,
            nbf: exp - 60,
            iss: "i".into(),
            aud: "a".into(),
            jti: Uuid::nil(),
        }
    }

    #[test]
    fn remembered_claims_expire_like_fresh_ones() {
        let now = 1_000_000;
        assert!(still_valid(&claims(now + 1), now));
        assert!(still_valid(&claims(now - 5), now), "within the leeway");
        assert!(!still_valid(&claims(now - 6), now), "past the leeway");
    }
}
