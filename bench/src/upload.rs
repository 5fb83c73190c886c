//! A real upload through the gateway (`POST /files`, multipart `file_name`, `description`,
//! `file`), its body streamed from disk in 256 KiB reads, while the resident memory of the
//! gateway and file-service is sampled; their peak (`VmHWM`) is reset just before.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use futures::{StreamExt, stream};
use http::{HeaderValue, StatusCode};
use http_body_util::StreamBody;
use hyper::body::Frame;
use tokio_util::io::ReaderStream;

use crate::http1::Target;
use crate::memory::{Memory, Watch};
use crate::procfs::Pid;

/// The multipart boundary of every upload.
pub const BOUNDARY: &str = "sextant-bench-7d1f3c9a0b2e";
/// Bytes read from disk at a time.
const READ_BYTES: usize = 256 * 1024;

/// What the upload measured.
#[derive(Debug, Clone)]
pub struct UploadResult {
    /// The gateway's answer.
    pub status: StatusCode,
    /// `rows` of the answer, when it is a file.
    pub rows: Option<u64>,
    /// The answer's body, for the report when it is not a file.
    pub detail: String,
    /// From the first byte sent to the end of the answer.
    pub total: Duration,
    /// Until the last byte of the body was handed to the connection.
    pub transfer: Duration,
    /// The gateway's memory.
    pub gateway: Memory,
    /// file-service's memory.
    pub file_service: Memory,
}

impl UploadResult {
    /// From the end of the body to the answer: storing, profiling and recording the file.
    pub fn after_transfer(&self) -> Duration {
        self.total.saturating_sub(self.transfer)
    }
}

/// One text field of a `multipart/form-data` body.
pub fn text_part(name: &str, value: &str) -> String {
    format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
}

/// Uploads `file` as `file_name` to `path`, sampling the memory of both processes.
pub async fn upload(
    target: &Target,
    path: &str,
    bearer: &HeaderValue,
    file: &Path,
    file_name: &str,
    pids: [Pid; 2],
    timeout: Duration,
) -> anyhow::Result<UploadResult> {
    let size = tokio::fs::metadata(file).await?.len();
    let head = format!(
        "{}{}--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n",
        text_part("file_name", file_name),
        text_part("description", "sextant-bench: generated orders")
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let length = head.len() as u64 + size + tail.len() as u64;

    let watch = Watch::start(&[("gateway", pids[0]), ("file-service", pids[1])]);

    let body_done: Arc<Mutex<Option<Instant>>> = Arc::default();
    let file_stream = ReaderStream::with_capacity(tokio::fs::File::open(file).await?, READ_BYTES);
    let done = Arc::clone(&body_done);
    let frames = stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) })
        .chain(file_stream)
        .chain(stream::once(async move {
            *done.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
            Ok(Bytes::from(tail))
        }))
        .map(|bytes| bytes.map(Frame::data));
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");

    let started = Instant::now();
    let answer = target
        .post_streamed(path, bearer, &content_type, length, StreamBody::new(frames), timeout)
        .await;
    let finished = Instant::now();
    let memory = watch.stop().await;
    let (status, body) = answer.context("uploading through the gateway")?;

    let transfer_end = body_done
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .unwrap_or(finished);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    Ok(UploadResult {
        status,
        rows: json.get("rows").and_then(serde_json::Value::as_u64),
        detail: String::from_utf8_lossy(&body).chars().take(300).collect(),
        total: finished - started,
        transfer: transfer_end.saturating_duration_since(started),
        gateway: memory[0].1,
        file_service: memory[1].1,
    })
}
