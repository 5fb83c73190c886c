//! The constant-rate (open-loop) load: request `i` is due at `start + i / rate`, whatever
//! happened to the earlier ones, and its latency runs from that due time to the end of its
//! answer, so a stall counts against every request it delayed (no coordinated omission).
//!
//! A dedicated thread keeps the schedule (`thread::sleep` wakes within tens of microseconds,
//! where tokio's timer has 1 ms granularity): it wakes at most every `tick`, and hands the
//! requests that fell due since to the runtime in one batch, which spawns them. A wake-up per
//! request would cost the 2-core machine more CPU than the requests themselves; the tick
//! bounds the added delay instead, and that delay is counted in every latency. Requests take an idle keep-alive
//! connection from a pool, or open one, up to `max_connections` in flight; beyond that they
//! wait (and the wait counts as latency). If more than `max_backlog` requests are pending the
//! new ones are dropped and counted as errors, so a stalled server cannot make the generator
//! run away.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use http::HeaderValue;
use tokio::sync::Semaphore;

use crate::http1::{CallError, Getter, Target};
use crate::latency::{self, Summary};
use crate::procfs::{CpuSnapshot, Pid};

/// The load to offer.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Requests per second.
    pub rate: u32,
    /// How long to keep the rate.
    pub duration: Duration,
    /// Deadline of one request, from its due time.
    pub timeout: Duration,
    /// Most requests in flight (and so connections open) at once.
    pub max_connections: usize,
    /// How often the schedule thread wakes at most; the requests that fell due since are sent
    /// together (each still timed from its own due time).
    pub tick: Duration,
}

/// What the constant-rate run measured.
#[derive(Debug, Clone)]
pub struct OpenResult {
    /// The load offered.
    pub load: Load,
    /// Requests scheduled.
    pub scheduled: u64,
    /// Requests answered 200.
    pub ok: u64,
    /// Failed or dropped requests, by reason.
    pub errors: BTreeMap<String, u64>,
    /// Latency from the due time of each successful request to the end of its answer.
    pub latency: Summary,
    /// From each due time to its hand-over to the runtime: the schedule's tick plus any
    /// lateness of the schedule thread (part of the latency above).
    pub handover: Summary,
    /// Connections opened, the warm ones included (more mean bursts found none idle).
    pub connections: usize,
    /// From the first due time to the last answer, in seconds.
    pub seconds: f64,
    /// CPU seconds used in the run by each measured process.
    pub cpu: BTreeMap<&'static str, f64>,
}

impl OpenResult {
    /// Failed or dropped requests.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// Shared by every request of the run.
struct Shared {
    target: Target,
    path: String,
    bearer: HeaderValue,
    idle: Mutex<Vec<Getter>>,
    opened: AtomicU64,
    slots: Semaphore,
    pending: AtomicU64,
    ok: AtomicU64,
    histogram: Mutex<Histogram<u64>>,
    errors: Mutex<BTreeMap<String, u64>>,
    timeout: Duration,
}

impl Shared {
    fn error(&self, reason: String) {
        *self
            .errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(reason)
            .or_default() += 1;
    }

    async fn getter(&self) -> Result<Getter, CallError> {
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        match idle {
            Some(getter) => Ok(getter),
            None => {
                self.opened.fetch_add(1, Ordering::Relaxed);
                self.target.getter(&self.path, &self.bearer).await
            }
        }
    }

    /// One request due at `due`.
    async fn request(&self, due: Instant) {
        let outcome = tokio::time::timeout_at((due + self.timeout).into(), async {
            let _slot = self.slots.acquire().await.map_err(|_| CallError::Timeout)?;
            let mut getter = self.getter().await?;
            let result = getter.get().await;
            if result.as_ref().is_ok() || result.as_ref().is_err_and(CallError::keeps_connection) {
                self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(getter);
            }
            result
        })
        .await;
        match outcome {
            Ok(Ok(())) => {
                let latency = due.elapsed();
                latency::record(
                    &mut self.histogram.lock().unwrap_or_else(PoisonError::into_inner),
                    latency,
                );
                self.ok.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Err(error)) => self.error(error.to_string()),
            // The connection of a timed-out request is dropped with it.
            Err(_) => self.error(CallError::Timeout.to_string()),
        }
        self.pending.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Offers `load` to `GET path` through `target`, measuring the CPU of `processes`.
pub async fn run(
    target: &Target,
    path: &str,
    bearer: &HeaderValue,
    load: Load,
    processes: &[(&'static str, Pid)],
    clock_ticks: u64,
) -> anyhow::Result<OpenResult> {
    anyhow::ensure!(load.rate > 0, "--rate must be at least 1");
    let shared = Arc::new(Shared {
        target: target.clone(),
        path: path.to_owned(),
        bearer: bearer.clone(),
        idle: Mutex::new(Vec::new()),
        opened: AtomicU64::new(0),
        slots: Semaphore::new(load.max_connections),
        pending: AtomicU64::new(0),
        ok: AtomicU64::new(0),
        histogram: Mutex::new(latency::histogram()),
        errors: Mutex::new(BTreeMap::new()),
        timeout: load.timeout,
    });
    // Connections a steady run needs are opened before it starts, not during it.
    let warm = (load.rate as usize / 500).clamp(4, load.max_connections);
    for _ in 0..warm {
        let getter = shared.getter().await?;
        shared.idle.lock().unwrap_or_else(PoisonError::into_inner).push(getter);
    }
    let scheduled = (f64::from(load.rate) * load.duration.as_secs_f64()).round() as u64;
    // One second of requests may wait; past that the server is not keeping up at all.
    let max_backlog = u64::from(load.rate).max(1_000);
    let (due_times, mut due) = tokio::sync::mpsc::unbounded_channel::<Vec<Instant>>();
    let start = Instant::now() + Duration::from_millis(20);
    let rate = u64::from(load.rate);
    let tick = load.tick;
    let schedule = std::thread::Builder::new().name("schedule".into()).spawn(move || {
        let due_at = |index: u64| start + Duration::from_nanos(index.saturating_mul(1_000_000_000) / rate);
        let mut handover = latency::histogram();
        let mut index = 0;
        let mut woke = start;
        while index < scheduled {
            let wake_at = due_at(index).max(woke + tick);
            let now = Instant::now();
            if wake_at > now {
                std::thread::sleep(wake_at - now);
            }
            woke = Instant::now();
            let mut batch = Vec::new();
            while index < scheduled && due_at(index) <= woke {
                batch.push(due_at(index));
                latency::record(&mut handover, woke - due_at(index));
                index += 1;
            }
            if due_times.send(batch).is_err() {
                break;
            }
        }
        handover
    })?;

    let before = CpuSnapshot::take(processes);
    let mut dropped = 0u64;
    while let Some(batch) = due.recv().await {
        for at in batch {
            if shared.pending.load(Ordering::Relaxed) >= max_backlog {
                dropped += 1;
                continue;
            }
            shared.pending.fetch_add(1, Ordering::Relaxed);
            let shared = Arc::clone(&shared);
            tokio::spawn(async move { shared.request(at).await });
        }
    }
    // Every request ends by its deadline; the last one is due at the end of the schedule.
    while shared.pending.load(Ordering::Relaxed) > 0 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let seconds = start.elapsed().as_secs_f64();
    let after = CpuSnapshot::take(processes);
    let handover = schedule
        .join()
        .map_err(|_| anyhow::anyhow!("the schedule thread panicked"))?;

    let mut errors = std::mem::take(&mut *shared.errors.lock().unwrap_or_else(PoisonError::into_inner));
    if dropped > 0 {
        errors.insert(format!("dropped: over {max_backlog} pending"), dropped);
    }
    let histogram = shared.histogram.lock().unwrap_or_else(PoisonError::into_inner);
    Ok(OpenResult {
        load,
        scheduled,
        ok: shared.ok.load(Ordering::Relaxed),
        errors,
        latency: Summary::of(&histogram),
        handover: Summary::of(&handover),
        connections: usize::try_from(shared.opened.load(Ordering::Relaxed)).unwrap_or(usize::MAX),
        seconds,
        cpu: before.seconds_until(&after, clock_ticks),
    })
}
