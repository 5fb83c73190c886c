//! The parts of a run, each from the command line's settings to its figures.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::cli::RunArgs;
use crate::http1::{self, API_BASE};
use crate::procfs::Pid;
use crate::quiet::Quiet;
use crate::{agent, analyst, chat, checkpoint, closed, dataset, latency, open, profile, report, say, units, upload};

/// The pid of a process a part samples, which the command line must give.
fn required_pid(name: &str, pid: Option<u32>) -> anyhow::Result<Pid> {
    pid.map(Pid::Other)
        .with_context(|| format!("this part needs the pid of {name} (--{name}-pid)"))
}

/// A constant rate through the gateway.
pub(super) async fn rate(
    args: &RunArgs,
    targets: &closed::Targets,
    processes: &[(&'static str, Pid)],
) -> anyhow::Result<open::OpenResult> {
    say(&format!(
        "constant rate: {} req/s for {} through the gateway",
        args.rate,
        units::duration(args.duration)
    ));
    let load = open::Load {
        rate: args.rate,
        duration: args.duration,
        timeout: args.request_timeout,
        max_connections: args.max_connections,
        tick: args.tick,
    };
    open::run(
        &targets.gateway,
        &targets.path,
        &targets.bearer,
        load,
        processes,
        args.clock_ticks,
    )
    .await
}

/// Checkpoint writes, in this process, over the agent database and Redis.
pub(super) async fn checkpoint(args: &RunArgs) -> anyhow::Result<checkpoint::CheckpointResult> {
    let settings = checkpoint::Settings {
        database_url: args
            .agent_database_url
            .clone()
            .context("the checkpoint part needs the agent database (--agent-database-url)")?,
        redis_url: args.redis_url.clone(),
        redis_prefix: args.redis_prefix.clone(),
        steps: args.checkpoint_steps,
        graphs: args.checkpoint_graphs,
        concurrent_steps: args.checkpoint_graph_steps,
    };
    checkpoint::run(&settings).await
}

/// The agent's own time per turn, in this process, over the agent database and Redis.
pub(super) async fn agent(args: &RunArgs) -> anyhow::Result<agent::AgentResult> {
    let settings = agent::Settings {
        database_url: args
            .agent_database_url
            .clone()
            .context("the agent part needs the agent database (--agent-database-url)")?,
        redis_url: args.redis_url.clone(),
        redis_prefix: args.redis_prefix.clone(),
        data_dir: args.data_dir.clone(),
        turns: args.agent_turns.max(1),
    };
    agent::run(&settings).await
}

/// Concurrent chat streams and one stream's events per second.
pub(super) async fn chat(
    args: &RunArgs,
    gateway: &http1::Target,
    quiet: &mut Quiet,
) -> anyhow::Result<chat::ChatResult> {
    let mut processes = vec![];
    for (name, flag, pid) in [
        ("gateway", "gateway", args.gateway_pid),
        ("agent-service", "agent", args.agent_pid),
        ("session-service", "session", args.session_pid),
        ("file-service", "file", args.file_pid),
    ] {
        processes.push((name, required_pid(flag, pid)?));
    }
    processes.push(("sextant-bench", Pid::Current));
    let settings = chat::Settings {
        streams: args.streams,
        setup_concurrency: args.setup_concurrency,
        question: args.chat_question.clone(),
        rounds: args.stream_rounds,
        stream_timeout: args.stream_timeout,
        request_timeout: args.request_timeout.max(Duration::from_secs(30)),
        processes,
    };
    chat::run(gateway, &settings, quiet).await
}

/// The offline analyst on a generated table.
pub(super) async fn analyst(
    args: &RunArgs,
    gateway: &http1::Target,
    quiet: &mut Quiet,
) -> anyhow::Result<analyst::AnalystResult> {
    let settings = analyst::Settings {
        rows: args.analyst_rows,
        repeats: args.analyst_repeats.max(1),
        data_dir: args.data_dir.clone(),
        stream_timeout: args.stream_timeout,
        request_timeout: args.request_timeout.max(Duration::from_secs(30)),
        upload_timeout: args.upload_timeout,
        upload_pids: [
            required_pid("gateway", args.gateway_pid)?,
            required_pid("file", args.file_pid)?,
        ],
    };
    analyst::run(gateway, &settings, quiet).await
}

pub(super) async fn overhead(
    args: &RunArgs,
    targets: &closed::Targets,
    window: closed::Window,
    processes: &[(&'static str, Pid)],
) -> anyhow::Result<Vec<closed::RunResult>> {
    let mut concurrencies = args.concurrency.clone();
    concurrencies.push(args.saturation);
    concurrencies.sort_unstable();
    concurrencies.dedup();
    let mut rows = Vec::new();
    for concurrency in concurrencies.into_iter().filter(|&concurrency| concurrency > 0) {
        for path in [closed::Path::Gateway, closed::Path::Direct] {
            say(&format!("closed loop: {} at concurrency {concurrency}", path.label()));
            let row = closed::run(targets, path, concurrency, window, processes, args.clock_ticks).await?;
            say(&format!(
                "  {:.0} req/s, p50 {} µs, p99 {} µs, {} errors",
                row.throughput(),
                latency::micros(row.latency.p50),
                latency::micros(row.latency.p99),
                row.error_count()
            ));
            rows.push(row);
        }
    }
    Ok(rows)
}

/// Generates the CSV, compares the profile with Polars' read, and uploads it.
pub(super) async fn profile(
    args: &RunArgs,
    gateway: &http1::Target,
    bearer: &http::HeaderValue,
) -> anyhow::Result<report::ProfilePart> {
    let files = format!("{API_BASE}/files");
    let pids = [
        required_pid("gateway", args.gateway_pid)?,
        required_pid("file", args.file_pid)?,
    ];
    // A small upload first says quickly whether file-service takes uploads at all.
    let probe_path = args.data_dir.join("probe.csv");
    std::fs::write(&probe_path, "id,name\n1,a\n2,b\n")?;
    let probe = upload::upload(
        gateway,
        &files,
        bearer,
        &probe_path,
        "probe.csv",
        pids,
        args.request_timeout,
    )
    .await;
    let upload_refused = match probe {
        Ok(answer) if answer.status.is_success() => None,
        Ok(answer) => Some(format!(
            "file-service cannot take uploads yet: a 3-row probe upload was answered {}: {}",
            answer.status, answer.detail
        )),
        Err(error) => Some(format!("a 3-row probe upload failed: {error:#}")),
    };
    if let Some(reason) = &upload_refused {
        say(reason);
    }

    let csv = args.data_dir.join("bench-orders.csv");
    say(&format!(
        "generating {} of CSV in {}",
        units::bytes(args.csv_size),
        csv.display()
    ));
    let started = Instant::now();
    let written = {
        let (csv, size) = (csv.clone(), args.csv_size);
        tokio::task::spawn_blocking(move || dataset::generate(&csv, size)).await??
    };
    let generated_in = started.elapsed();
    say(&format!("{} rows in {}", written.rows, units::duration(generated_in)));

    let scratch = args.data_dir.join("scratch");
    let comparison = profile::compare(csv.clone(), scratch, args.rounds)
        .await
        .and_then(|comparison| check_rows(&comparison, written.rows).map(|()| comparison))
        .map_err(|error| format!("{error:#}"));
    let upload = match upload_refused {
        Some(reason) => Err(reason),
        None => {
            say("uploading it through the gateway");
            let name = file_name(&csv);
            upload::upload(gateway, &files, bearer, &csv, &name, pids, args.upload_timeout)
                .await
                .map_err(|error| format!("{error:#}"))
                .and_then(|upload| match upload.rows {
                    Some(rows) if rows != written.rows => {
                        Err(format!("the upload reports {rows} rows, the file has {}", written.rows))
                    }
                    _ => Ok(upload),
                })
        }
    };
    Ok(report::ProfilePart {
        file_bytes: written.bytes,
        rows: written.rows,
        generated_in,
        comparison,
        upload,
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| "bench.csv".to_owned(), |name| name.to_string_lossy().into_owned())
}

/// Both sides must have read every row.
fn check_rows(comparison: &profile::Comparison, rows: u64) -> anyhow::Result<()> {
    for measured in comparison.polars.iter().chain(&comparison.profile) {
        anyhow::ensure!(
            measured.rows == rows,
            "{} rows read, the file has {rows}",
            measured.rows
        );
    }
    Ok(())
}
