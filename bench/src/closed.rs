//! Closed-loop runs: N workers, each sending its next request as soon as the previous one
//! answered, for a warm-up and then a measured window. The same loop drives both paths to
//! the active session: `GET /sessions/active` through the gateway (one keep-alive HTTP/1.1
//! connection per worker) and `SessionService/GetActiveSession` straight to session-service
//! (every worker on one HTTP/2 channel, as the gateway itself calls it).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sextant_proto::session::v1::GetActiveSessionRequest;
use sextant_proto::session::v1::session_service_client::SessionServiceClient;
use tokio::task::JoinSet;
use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::transport::{Channel, Endpoint};

use crate::http1::{self, Getter};
use crate::latency::{self, Summary};
use crate::procfs::{CpuSnapshot, Pid};

/// Which way a request reaches the active session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// HTTP through the gateway.
    Gateway,
    /// gRPC straight to session-service.
    Direct,
}

impl Path {
    /// How the path is named in the report.
    pub fn label(self) -> &'static str {
        match self {
            Self::Gateway => "gateway `GET /sessions/active` (HTTP/1.1)",
            Self::Direct => "direct `GetActiveSession` (gRPC)",
        }
    }
}

/// The two ways to the active session, ready to make callers.
#[derive(Clone)]
pub struct Targets {
    /// The gateway.
    pub gateway: http1::Target,
    /// The bearer header for the gateway.
    pub bearer: ::http::HeaderValue,
    /// The API path of the active session.
    pub path: String,
    /// A channel to session-service.
    pub channel: Channel,
    /// The `authorization` metadata for session-service.
    pub metadata: AsciiMetadataValue,
    /// Deadline of one request.
    pub timeout: Duration,
}

impl Targets {
    /// Connects the gRPC channel to `session_url`.
    pub async fn new(
        gateway: http1::Target,
        api_base: &str,
        session_url: &str,
        token: &str,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let channel = Endpoint::from_shared(session_url.to_owned())?
            .tcp_nodelay(true)
            .connect()
            .await?;
        Ok(Self {
            gateway,
            bearer: http1::bearer(token)?,
            path: format!("{api_base}/sessions/active"),
            channel,
            metadata: MetadataValue::try_from(format!("Bearer {token}"))?,
            timeout,
        })
    }

    /// A caller for one worker.
    pub async fn caller(&self, path: Path) -> anyhow::Result<Caller> {
        Ok(match path {
            Path::Gateway => Caller::Http(self.gateway.getter(&self.path, &self.bearer).await?),
            Path::Direct => Caller::Grpc(SessionServiceClient::new(self.channel.clone()), self.metadata.clone()),
        })
    }

    /// The active session id as session-service tells it directly.
    pub async fn direct_active_session(&self) -> anyhow::Result<String> {
        let Caller::Grpc(mut client, metadata) = self.caller(Path::Direct).await? else {
            anyhow::bail!("a direct caller is gRPC");
        };
        let mut request = tonic::Request::new(GetActiveSessionRequest {});
        request.metadata_mut().insert("authorization", metadata);
        let session = client.get_active_session(request).await?.into_inner().session;
        Ok(session.map(|session| session.id).unwrap_or_default())
    }
}

/// Sends requests one at a time down one path.
pub enum Caller {
    /// Through the gateway.
    Http(Getter),
    /// Straight to session-service.
    Grpc(SessionServiceClient<Channel>, AsciiMetadataValue),
}

impl Caller {
    /// One request, failing after `timeout`.
    pub async fn call(&mut self, timeout: Duration) -> Result<(), String> {
        match self {
            Self::Http(getter) => match tokio::time::timeout(timeout, getter.get()).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => {
                    if !error.keeps_connection() {
                        getter.reconnect().await.map_err(|error| error.to_string())?;
                    }
                    Err(error.to_string())
                }
                Err(_) => {
                    getter.reconnect().await.map_err(|error| error.to_string())?;
                    Err("timeout".to_owned())
                }
            },
            Self::Grpc(client, metadata) => {
                let mut request = tonic::Request::new(GetActiveSessionRequest {});
                request.metadata_mut().insert("authorization", metadata.clone());
                request.set_timeout(timeout);
                match tokio::time::timeout(timeout, client.get_active_session(request)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(status)) => Err(format!("gRPC {:?}", status.code())),
                    Err(_) => Err("timeout".to_owned()),
                }
            }
        }
    }
}

/// How long a closed-loop run warms up and measures.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Requests sent before measuring, to warm connections, caches and allocators.
    pub warmup: Duration,
    /// The measured time.
    pub measure: Duration,
}

/// What one closed-loop run measured.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The path.
    pub path: Path,
    /// Workers (connections for HTTP, concurrent streams for gRPC).
    pub concurrency: usize,
    /// Successful requests started in the window.
    pub requests: u64,
    /// Failed requests started in the window, by reason.
    pub errors: BTreeMap<String, u64>,
    /// The window's length, in seconds.
    pub seconds: f64,
    /// Latency of the successful requests.
    pub latency: Summary,
    /// CPU seconds used in the window by each measured process.
    pub cpu: BTreeMap<&'static str, f64>,
}

impl RunResult {
    /// Successful requests per second.
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    /// CPU time per successful request of `process`, if it was measured.
    pub fn cpu_per_request(&self, process: &str) -> Option<Duration> {
        let seconds = self.cpu.get(process)?;
        (self.requests > 0).then(|| Duration::from_secs_f64(seconds / self.requests as f64))
    }

    /// Failed requests.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// Runs `concurrency` workers down `path` for the window, measuring the CPU of `processes`.
pub async fn run(
    targets: &Targets,
    path: Path,
    concurrency: usize,
    window: Window,
    processes: &[(&'static str, Pid)],
    clock_ticks: u64,
) -> anyhow::Result<RunResult> {
    let mut callers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        callers.push(targets.caller(path).await?);
    }
    let start = Instant::now();
    let measure_from = start + window.warmup;
    let until = measure_from + window.measure;
    let timeout = targets.timeout;
    let mut workers = JoinSet::new();
    for mut caller in callers {
        workers.spawn(async move {
            let mut histogram = latency::histogram();
            let mut errors: BTreeMap<String, u64> = BTreeMap::new();
            loop {
                let sent = Instant::now();
                if sent >= until {
                    break;
                }
                let outcome = caller.call(timeout).await;
                let measured = sent >= measure_from;
                match outcome {
                    Ok(()) if measured => latency::record(&mut histogram, sent.elapsed()),
                    Ok(()) => {}
                    Err(reason) => {
                        if measured {
                            *errors.entry(reason).or_default() += 1;
                        }
                        // A failing path must not turn into a busy loop.
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
            (histogram, errors)
        });
    }
    tokio::time::sleep_until(measure_from.into()).await;
    let before = CpuSnapshot::take(processes);
    tokio::time::sleep_until(until.into()).await;
    let after = CpuSnapshot::take(processes);

    let mut histogram = latency::histogram();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    while let Some(worker) = workers.join_next().await {
        let (worker_histogram, worker_errors) = worker?;
        histogram.add(&worker_histogram)?;
        for (reason, count) in worker_errors {
            *errors.entry(reason).or_default() += count;
        }
    }
    let latency = Summary::of(&histogram);
    Ok(RunResult {
        path,
        concurrency,
        requests: latency.count,
        errors,
        seconds: window.measure.as_secs_f64(),
        latency,
        cpu: before.seconds_until(&after, clock_ticks),
    })
}
