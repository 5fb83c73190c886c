//! The `sextant.auth.v1.AuthService` implementation: decode, call the domain and the
//! store, encode.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, Header};
use sextant_common::auth::{Claims, Verifier};
use sextant_common::timestamp;
use sextant_proto::auth::v1 as pb;
use sqlx::PgPool;
use time::OffsetDateTime;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::domain::{Email, Password};
use crate::keys::KeyRing;
use crate::password::Hasher;
use crate::{Error, store};

/// Token settings taken from the configuration.
pub struct TokenPolicy {
    /// The `iss` claim.
    pub issuer: String,
    /// The `aud` claim.
    pub audience: String,
    /// Token lifetime in seconds.
    pub ttl_secs: i64,
}

/// The service state shared by every call.
pub struct AuthService {
    pool: PgPool,
    hasher: Hasher,
    keys: Arc<KeyRing>,
    verifier: Verifier,
    policy: TokenPolicy,
}

impl AuthService {
    /// Wires the service.
    pub fn new(pool: PgPool, hasher: Hasher, keys: Arc<KeyRing>, policy: TokenPolicy) -> Self {
        let verifier = Verifier::with_keys(
            &policy.issuer,
            &policy.audience,
            keys.published()
                .iter()
                .map(|key| (key.kid.as_str(), key.bytes.as_slice())),
        );
        Self {
            pool,
            hasher,
            keys,
            verifier,
            policy,
        }
    }

    fn issue_token(&self, user_id: Uuid) -> Result<String, Error> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            sub: user_id,
            exp: now + self.policy.ttl_secs,
            iat: now,
            nbf: now,
            iss: self.policy.issuer.clone(),
            aud: self.policy.audience.clone(),
            jti: Uuid::new_v4(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.keys.signing_kid().to_owned());
        jsonwebtoken::encode(&header, &claims, self.keys.signing_key())
            .map_err(|error| Error::Internal(format!("signing: {error}")))
    }
}

fn to_proto(user: &store::User) -> pb::User {
    pb::User {
        id: user.id.to_string(),
        email: user.email.clone(),
        created_at: Some(timestamp::to_proto(user.created_at)),
    }
}

#[tonic::async_trait]
impl pb::auth_service_server::AuthService for AuthService {
    async fn register(&self, request: Request<pb::RegisterRequest>) -> Result<Response<pb::RegisterResponse>, Status> {
        let request = request.into_inner();
        let email = Email::parse(&request.email)?;
        let password = Password::parse(request.password)?;
        let password_hash = self.hasher.hash(password.expose().to_owned()).await?;
        let user = store::insert_user(&self.pool, &email, &password_hash).await?;
        tracing::info!(user_id = %user.id, "account created");
        Ok(Response::new(pb::RegisterResponse {
            user: Some(to_proto(&user)),
        }))
    }

    async fn login(&self, request: Request<pb::LoginRequest>) -> Result<Response<pb::LoginResponse>, Status> {
        let request = request.into_inner();
        // A malformed email cannot belong to an account: same answer as a wrong password.
        let user = match Email::parse(&request.email) {
            Ok(email) => store::find_by_email(&self.pool, &email).await?,
            Err(_) => None,
        };
        let stored = user.as_ref().map(|user| user.password_hash.clone());
        let user = match self.hasher.verify(request.password, stored).await? {
            true => user.ok_or(Error::InvalidCredentials)?,
            false => return Err(Error::InvalidCredentials.into()),
        };
        let access_token = self.issue_token(user.id)?;
        tracing::info!(user_id = %user.id, "signed in");
        Ok(Response::new(pb::LoginResponse {
            access_token,
            token_type: "bearer".into(),
            expires_in: self.policy.ttl_secs,
        }))
    }

    async fn get_current_user(
        &self,
        request: Request<pb::GetCurrentUserRequest>,
    ) -> Result<Response<pb::GetCurrentUserResponse>, Status> {
        let claims = self.verifier.authenticate(&request).await?;
        let user = store::find_by_id(&self.pool, claims.sub)
            .await?
            .ok_or(Error::UnknownAccount)?;
        Ok(Response::new(pb::GetCurrentUserResponse {
            user: Some(to_proto(&user)),
        }))
    }

    async fn list_public_keys(
        &self,
        _request: Request<pb::ListPublicKeysRequest>,
    ) -> Result<Response<pb::ListPublicKeysResponse>, Status> {
        let keys = self
            .keys
            .published()
            .iter()
            .map(|key| pb::PublicKey {
                kid: key.kid.clone(),
                alg: "EdDSA".into(),
                public_key: key.bytes.to_vec(),
            })
            .collect();
        Ok(Response::new(pb::ListPublicKeysResponse { keys }))
    }
}
