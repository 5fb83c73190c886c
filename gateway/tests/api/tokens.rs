//! Every kind of bad access token is refused with 401, by the gateway and by the service
//! behind it; a token signed with a retired (still published) key is accepted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use sextant_common::auth::Claims;
use sextant_proto::auth::v1::GetCurrentUserRequest;
use sextant_proto::auth::v1::auth_service_client::AuthServiceClient;
use uuid::Uuid;

use crate::harness::{TestApp, assert_error};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn claims(sub: Uuid) -> Claims {
    Claims {
        sub,
        exp: now() + 600,
        iat: now(),
        nbf: now(),
        iss: "sextant-auth".into(),
        aud: "sextant".into(),
        jti: Uuid::new_v4(),
    }
}

fn kid_of(pem: &str) -> String {
    let key = SigningKey::from_pkcs8_pem(pem).expect("pem");
    auth_service::keys::thumbprint(&key.verifying_key().to_bytes())
}

fn public_key_of(pem: &str) -> [u8; 32] {
    SigningKey::from_pkcs8_pem(pem).expect("pem").verifying_key().to_bytes()
}

fn sign(pem: &str, kid: &str, claims: &Claims) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_pem(pem.as_bytes()).expect("key")).expect("sign")
}

fn unsigned(header: &serde_json::Value, claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_string(claims).expect("claims"));
    format!("{header}.{payload}.")
}

async fn user_id(app: &TestApp, token: &str) -> Uuid {
    let me: serde_json::Value = app.me(token).await.json().await.expect("me");
    me["id"].as_str().expect("id").parse().expect("uuid")
}

#[tokio::test]
async fn forged_expired_and_misaddressed_tokens_are_401() {
    let app = TestApp::spawn().await;
    let good = app.signed_in("tokens@example.com").await;
    let sub = user_id(&app, &good).await;
    let kid = kid_of(&app.signing_pem);
    let attacker = auth_service::keys::new_key_pem();

    let expired = Claims {
        exp: now() - 120,
        iat: now() - 3720,
        nbf: now() - 3720,
        ..claims(sub)
    };
    let not_yet = Claims {
        nbf: now() + 600,
        ..claims(sub)
    };
    let hs256_with_public_key = |secret: &[u8]| {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.clone());
        jsonwebtoken::encode(&header, &claims(sub), &EncodingKey::from_secret(secret)).expect("sign")
    };
    let public_key = public_key_of(&app.signing_pem);
    let public_key_b64 = URL_SAFE_NO_PAD.encode(public_key);

    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("malformed", Some("not-a-jwt".into())),
        ("three garbage parts", Some("a.b.c".into())),
        ("expired", Some(sign(&app.signing_pem, &kid, &expired))),
        ("not valid yet", Some(sign(&app.signing_pem, &kid, &not_yet))),
        ("wrong signature, real kid", Some(sign(&attacker, &kid, &claims(sub)))),
        ("unknown kid", Some(sign(&attacker, &kid_of(&attacker), &claims(sub)))),
        (
            "wrong issuer",
            Some(sign(
                &app.signing_pem,
                &kid,
                &Claims {
                    iss: "someone-else".into(),
                    ..claims(sub)
                },
            )),
        ),
        (
            "wrong audience",
            Some(sign(
                &app.signing_pem,
                &kid,
                &Claims {
                    aud: "other-app".into(),
                    ..claims(sub)
                },
            )),
        ),
        (
            "alg none",
            Some(unsigned(
                &serde_json::json!({ "alg": "none", "typ": "JWT", "kid": kid }),
                &claims(sub),
            )),
        ),
        (
            "alg none, no kid",
            Some(unsigned(&serde_json::json!({ "alg": "none" }), &claims(sub))),
        ),
        (
            "HS256 with the raw public key",
            Some(hs256_with_public_key(&public_key)),
        ),
        (
            "HS256 with the encoded public key",
            Some(hs256_with_public_key(public_key_b64.as_bytes())),
        ),
        (
            "tampered payload",
            Some({
                let token = sign(&app.signing_pem, &kid, &claims(sub));
                let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
                parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_string(&claims(Uuid::new_v4())).expect("claims"));
                parts.join(".")
            }),
        ),
    ];

    for (case, token) in cases {
        for path in ["/auth/me", "/sessions", "/files/", "/chat/stream"] {
            let mut request = app.client.get(app.api(path));
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.expect("send");
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case} on {path}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer", "{case}");
            assert_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        }
    }
    // The genuine token still works after all that.
    assert_eq!(app.me(&good).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_token_signed_with_a_retired_published_key_is_accepted() {
    let app = TestApp::spawn().await;
    let token = app.signed_in("rotation@example.com").await;
    let sub = user_id(&app, &token).await;

    let old = sign(&app.retired_pem, &kid_of(&app.retired_pem), &claims(sub));
    let me = app.me(&old).await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn services_refuse_calls_without_a_valid_identity() {
    let app = TestApp::spawn().await;
    let mut client = AuthServiceClient::connect(format!("http://{}", app.auth_backend.addr()))
        .await
        .expect("connect");

    let status = client
        .get_current_user(GetCurrentUserRequest {})
        .await
        .expect_err("no token");
    assert_eq!(status.code(), tonic::Code::Unauthenticated);

    let mut request = tonic::Request::new(GetCurrentUserRequest {});
    request
        .metadata_mut()
        .insert("authorization", "Bearer forged.token.here".parse().expect("metadata"));
    let status = client.get_current_user(request).await.expect_err("forged token");
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
}
