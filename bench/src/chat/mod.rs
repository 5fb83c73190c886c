//! The chat through the gateway (issue 4): a storm of concurrent streams, one user each,
//! all asking the same question at once and read to `done` while the memory of the
//! services is sampled; then the events per second one stream sustains, live and replayed
//! from the run's kept events (`Last-Event-ID: <run>:0`).

mod figures;

pub use figures::{Rates, Storm};

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{StreamExt, stream as futures_stream};
use http::HeaderValue;

use crate::http1::Target;
use crate::latency;
use crate::memory::Watch;
use crate::procfs::{self, Pid};
use crate::quiet::Quiet;
use crate::stream::{self, Answer, Ask, Gauge};
use crate::{dataset, say, users};

/// Files the benchmark needs open besides one socket per stream.
const SPARE_FILES: u64 = 128;
/// Rows of each user's CSV.
const CSV_ROWS: u64 = 200;
/// Connections opened at once before the storm (the gateway's accept queue is finite).
const CONNECTING: usize = 64;

/// How to run the part.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Concurrent streams, and users.
    pub streams: usize,
    /// Users set up at once.
    pub setup_concurrency: usize,
    /// The question every stream asks.
    pub question: String,
    /// Questions asked one after another for the events-per-second figure.
    pub rounds: usize,
    /// Deadline of one stream, from its request to `done`.
    pub stream_timeout: Duration,
    /// Deadline of one set-up call.
    pub request_timeout: Duration,
    /// The processes whose memory is sampled during the storm.
    pub processes: Vec<(&'static str, Pid)>,
}

/// Setting the users up.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    /// Users ready.
    pub users: usize,
    /// At most this many set up at once.
    pub concurrency: usize,
    /// How long it took.
    pub took: Duration,
}

/// What the part measured.
#[derive(Debug, Clone)]
pub struct ChatResult {
    /// The question asked.
    pub question: String,
    /// Setting the users up.
    pub setup: Setup,
    /// The storm.
    pub storm: Storm,
    /// One stream's events per second, or why it could not be measured.
    pub rates: Result<Rates, String>,
}

/// Sets the users up, then runs the storm and the rate rounds.
pub async fn run(gateway: &Target, settings: &Settings, quiet: &mut Quiet) -> anyhow::Result<ChatResult> {
    check_open_files(settings.streams)?;
    let mut csv = Vec::new();
    dataset::write_sales(&mut csv, CSV_ROWS)?;
    let csv = Bytes::from(csv);
    say(&format!(
        "chat: setting up {} users (register, log in, open a session, upload {CSV_ROWS} rows), {} at a time",
        settings.streams, settings.setup_concurrency
    ));
    let started = Instant::now();
    let bearers = users::chat_users(
        gateway,
        settings.streams,
        settings.setup_concurrency,
        &csv,
        settings.request_timeout,
    )
    .await?;
    let setup = Setup {
        users: bearers.len(),
        concurrency: settings.setup_concurrency,
        took: started.elapsed(),
    };
    say(&format!("  ready in {}", crate::units::duration(setup.took)));

    quiet.wait().await;
    say(&format!(
        "chat: {} streams at once asking {:?}",
        settings.streams, settings.question
    ));
    let storm = storm(gateway, &bearers, settings).await;
    say(&format!(
        "  {} of {} ended with done, no error; peak {} open at once; first event p50 {} ms, done p99 {} ms",
        storm.ok,
        storm.streams,
        storm.peak_open,
        latency::millis(storm.first_event.p50),
        latency::millis(storm.done.p99)
    ));

    quiet.wait().await;
    let rates = match bearers.first() {
        Some(bearer) => Ok(rates(gateway, bearer, settings).await),
        None => Err("no user".to_owned()),
    };
    Ok(ChatResult {
        question: settings.question.clone(),
        setup,
        storm,
        rates,
    })
}

/// Fails clearly when this process may not open a socket per stream.
fn check_open_files(streams: usize) -> anyhow::Result<()> {
    let needed = streams as u64 + SPARE_FILES;
    if let Some(limit) = procfs::open_files_limit() {
        anyhow::ensure!(
            limit >= needed,
            "{streams} streams need at least {needed} open files, and this process may open {limit}: \
             raise the limit (`ulimit -n {needed}`; scripts/bench.sh raises it to the hard limit)"
        );
    }
    Ok(())
}

/// Connects every stream first, then sends every request at once and reads each to `done`.
async fn storm(gateway: &Target, bearers: &[HeaderValue], settings: &Settings) -> Storm {
    let target = Arc::new(gateway.clone());
    let connecting = Instant::now();
    let senders: Vec<_> = futures_stream::iter(bearers)
        .map(|_| stream::connect(gateway))
        .buffered(CONNECTING)
        .collect()
        .await;
    let connected_in = connecting.elapsed();

    let gauge = Arc::new(Gauge::default());
    let question: Arc<str> = Arc::from(settings.question.as_str());
    let (go, ready) = tokio::sync::watch::channel(false);
    let watch = Watch::start(&settings.processes);
    let tasks: Vec<_> = senders
        .into_iter()
        .zip(bearers.iter().cloned())
        .map(|(sender, bearer)| {
            let (target, gauge, question, mut ready) = (
                Arc::clone(&target),
                Arc::clone(&gauge),
                Arc::clone(&question),
                ready.clone(),
            );
            let deadline = settings.stream_timeout;
            tokio::spawn(async move {
                let sender = match sender {
                    Ok(sender) => sender,
                    Err(failure) => return Answer::failed(failure),
                };
                if ready.wait_for(|go| *go).await.is_err() {
                    return Answer::failed(stream::Failure::Io("the start signal was dropped".to_owned()));
                }
                stream::ask(
                    sender,
                    &target,
                    &bearer,
                    Ask::Question(&question),
                    deadline,
                    Some(&gauge),
                )
                .await
            })
        })
        .collect();
    // Let every task reach the signal, then give it.
    tokio::task::yield_now().await;
    let started = Instant::now();
    go.send_replace(true);
    let mut answers = Vec::with_capacity(tasks.len());
    for task in futures::future::join_all(tasks).await {
        answers.push(task.unwrap_or_else(|error| Answer::failed(stream::Failure::Io(format!("task: {error}")))));
    }
    let took = started.elapsed();
    let memory = watch.stop().await;
    Storm {
        peak_open: gauge.peak(),
        took,
        connected_in,
        memory,
        ..Storm::of(&answers)
    }
}

/// One user asks `settings.rounds` times, one question after the other, and replays each
/// finished run from its start.
async fn rates(gateway: &Target, bearer: &HeaderValue, settings: &Settings) -> Rates {
    say(&format!(
        "chat: one stream, {} questions in a row, each replayed",
        settings.rounds
    ));
    let mut rates = Rates::default();
    for _ in 0..settings.rounds {
        let live = ask_fresh(
            gateway,
            bearer,
            Ask::Question(&settings.question),
            settings.stream_timeout,
        )
        .await;
        let replay = match &live.run_id {
            Some(run) => {
                let from_start = format!("{run}:0");
                ask_fresh(gateway, bearer, Ask::Resume(&from_start), settings.stream_timeout).await
            }
            None => Answer::failed(stream::Failure::NoDone),
        };
        rates.live.push(live);
        rates.replay.push(replay);
    }
    if let (Some(live), Some(replay)) = (Rates::rate(&rates.live), Rates::rate(&rates.replay)) {
        say(&format!(
            "  live p50 {:.0} events/s, replayed p50 {:.0} events/s",
            live.p50, replay.p50
        ));
    }
    rates
}

/// One stream on a connection of its own.
pub async fn ask_fresh(gateway: &Target, bearer: &HeaderValue, ask: Ask<'_>, deadline: Duration) -> Answer {
    match stream::connect(gateway).await {
        Ok(sender) => stream::ask(sender, gateway, bearer, ask, deadline, None).await,
        Err(failure) => Answer::failed(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_few_open_files_is_a_clear_error() {
        if procfs::open_files_limit().is_none() {
            return; // unlimited: nothing to refuse
        }
        let error = check_open_files(100_000_000).expect_err("no machine allows that");
        assert!(error.to_string().contains("ulimit -n"), "{error}");
        assert!(check_open_files(1).is_ok());
    }
}
