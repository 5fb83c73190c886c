//! The people the benchmark acts as, set up through the gateway as a person would: register,
//! log in, open a session, upload a CSV (which becomes the session's active file).

use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use http::{HeaderValue, Method, StatusCode};
use http_body_util::Full;
use serde_json::{Value, json};

use crate::http1::{self, API_BASE, Target};
use crate::say;
use crate::upload::{BOUNDARY, text_part};

/// Every benchmark user's password.
const PASSWORD: &str = "bench-password-correct-horse";
/// Tries of a set-up call answered 429 or 503 (auth-service's queue of password hashes is
/// full, say) before it counts as failed.
const TRIES: u32 = 8;

/// One JSON call that must answer `expected`; 429 and 503 are tried again after a backoff.
async fn call(
    gateway: &Target,
    method: Method,
    path: &str,
    bearer: Option<&HeaderValue>,
    body: Option<Value>,
    expected: StatusCode,
    timeout: Duration,
) -> anyhow::Result<Bytes> {
    let mut backoff = Duration::from_millis(100);
    let mut tries = 1;
    loop {
        let exchange = gateway.json(method.clone(), path, bearer, body.clone());
        let (status, answer) = tokio::time::timeout(timeout, exchange)
            .await
            .with_context(|| format!("{method} {path}: no answer within {timeout:?}"))??;
        if status == expected {
            return Ok(answer);
        }
        let busy = matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE);
        if !busy || tries >= TRIES {
            anyhow::bail!(
                "{method} {path} answered {status}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
        tries += 1;
    }
}

/// Registers `email` and logs in: the access token.
pub async fn sign_up(gateway: &Target, email: &str, timeout: Duration) -> anyhow::Result<String> {
    let account = json!({ "email": email, "password": PASSWORD });
    let register = format!("{API_BASE}/auth/register");
    call(
        gateway,
        Method::POST,
        &register,
        None,
        Some(account.clone()),
        StatusCode::CREATED,
        timeout,
    )
    .await?;
    let login = format!("{API_BASE}/auth/login");
    let body = call(
        gateway,
        Method::POST,
        &login,
        None,
        Some(account),
        StatusCode::OK,
        timeout,
    )
    .await?;
    let login: Value = serde_json::from_slice(&body)?;
    Ok(login["access_token"]
        .as_str()
        .context("login without access_token")?
        .to_owned())
}

/// Opens a session (and makes it the user's active one).
pub async fn open_session(gateway: &Target, bearer: &HeaderValue, timeout: Duration) -> anyhow::Result<()> {
    let sessions = format!("{API_BASE}/sessions");
    let title = json!({ "title": "benchmark" });
    call(
        gateway,
        Method::POST,
        &sessions,
        Some(bearer),
        Some(title),
        StatusCode::CREATED,
        timeout,
    )
    .await?;
    Ok(())
}

/// Uploads a small CSV held in memory as `file_name`.
pub async fn upload(
    gateway: &Target,
    bearer: &HeaderValue,
    file_name: &str,
    csv: &Bytes,
    timeout: Duration,
) -> anyhow::Result<()> {
    let mut body = format!(
        "{}{}--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n",
        text_part("file_name", file_name),
        text_part("description", "sextant-bench: generated sales")
    )
    .into_bytes();
    body.extend_from_slice(csv);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let (length, content_type) = (body.len() as u64, format!("multipart/form-data; boundary={BOUNDARY}"));
    let files = format!("{API_BASE}/files");
    let (status, answer) = gateway
        .post_streamed(
            &files,
            bearer,
            &content_type,
            length,
            Full::new(Bytes::from(body)),
            timeout,
        )
        .await?;
    anyhow::ensure!(
        status == StatusCode::CREATED,
        "uploading {file_name} answered {status}: {}",
        String::from_utf8_lossy(&answer)
    );
    Ok(())
}

/// A user ready to chat: signed up, with a session whose active file is `csv`. Its bearer
/// header.
pub async fn chat_user(gateway: &Target, email: &str, csv: &Bytes, timeout: Duration) -> anyhow::Result<HeaderValue> {
    let token = sign_up(gateway, email, timeout).await?;
    let bearer = http1::bearer(&token)?;
    open_session(gateway, &bearer, timeout).await?;
    upload(gateway, &bearer, "sales.csv", csv, timeout).await?;
    Ok(bearer)
}

/// `count` users ready to chat, at most `concurrency` being set up at once (registering
/// and logging in hash a password each, which auth-service bounds).
pub async fn chat_users(
    gateway: &Target,
    count: usize,
    concurrency: usize,
    csv: &Bytes,
    timeout: Duration,
) -> anyhow::Result<Vec<HeaderValue>> {
    let started = Instant::now();
    let process = std::process::id();
    let mut ready = Vec::with_capacity(count);
    let mut users = stream::iter(0..count)
        .map(|index| {
            let email = format!("bench-{process}-chat-{index}@example.com");
            async move {
                chat_user(gateway, &email, csv, timeout)
                    .await
                    .with_context(|| format!("setting up {email}"))
            }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some(bearer) = users.try_next().await? {
        ready.push(bearer);
        if ready.len() % 100 == 0 {
            say(&format!(
                "  {} of {count} users ready ({:.0} s)",
                ready.len(),
                started.elapsed().as_secs_f64()
            ));
        }
    }
    Ok(ready)
}
