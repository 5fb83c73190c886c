//! One benchmark run: set up a user and session through the gateway, run the parts asked
//! for, and record the report.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use http::{Method, StatusCode};
use serde_json::json;

use crate::cli::{Part, RunArgs};
use crate::procfs::{self, Pid};
use crate::quiet::Quiet;
use crate::{closed, dataset, http1, latency, open, profile, report, say, units, upload};

/// The API's base path on the gateway.
const API_BASE: &str = "/api/v1/gateway";

/// Signs a fresh user up and in, and opens a session: the bearer token.
async fn sign_up(gateway: &http1::Target) -> anyhow::Result<String> {
    let email = format!("bench-{}@example.com", std::process::id());
    let password = "bench-password-correct-horse";
    let account = json!({ "email": email, "password": password });
    let (status, body) = gateway
        .json(
            Method::POST,
            &format!("{API_BASE}/auth/register"),
            None,
            Some(account.clone()),
        )
        .await?;
    anyhow::ensure!(status == StatusCode::CREATED, "register answered {status}: {body:?}");
    let (status, body) = gateway
        .json(Method::POST, &format!("{API_BASE}/auth/login"), None, Some(account))
        .await?;
    anyhow::ensure!(status == StatusCode::OK, "login answered {status}: {body:?}");
    let login: serde_json::Value = serde_json::from_slice(&body)?;
    let token = login["access_token"]
        .as_str()
        .context("login without access_token")?
        .to_owned();
    let bearer = http1::bearer(&token)?;
    let (status, body) = gateway
        .json(
            Method::POST,
            &format!("{API_BASE}/sessions"),
            Some(&bearer),
            Some(json!({ "title": "benchmark" })),
        )
        .await?;
    anyhow::ensure!(
        status == StatusCode::CREATED,
        "creating a session answered {status}: {body:?}"
    );
    Ok(token)
}

/// Runs the parts of `args` and records them.
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let date = time::OffsetDateTime::now_utc().format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))?;
    let gateway = http1::Target::resolve(&args.gateway_url).await?;
    say("signing up a user and opening a session through the gateway");
    let token = sign_up(&gateway).await.context("setting up through the gateway")?;
    let targets = closed::Targets::new(
        gateway.clone(),
        API_BASE,
        &args.session_url,
        &token,
        args.request_timeout,
    )
    .await
    .context("connecting to session-service")?;
    check_same_session(&targets).await?;

    let mut processes = vec![
        ("gateway", Pid::Other(args.gateway_pid)),
        ("session-service", Pid::Other(args.session_pid)),
        ("sextant-bench", Pid::Current),
    ];
    processes.extend(args.redis_pid.map(|pid| ("redis", Pid::Other(pid))));
    let window = closed::Window {
        warmup: args.warmup,
        measure: args.measure,
    };
    let mut report = report::Report {
        date,
        command: args.command.clone(),
        revision: args.revision.clone(),
        machine: procfs::Machine::read(),
        window,
        saturation: args.saturation,
        closed: None,
        open: None,
        profile: None,
        notes: args.note.clone(),
    };
    let mut complete = true;
    let mut quiet = Quiet {
        budget: args.quiet_wait,
        threshold: args.quiet_cores,
        clock_ticks: args.clock_ticks,
        waited: Duration::ZERO,
    };
    let steal_before = procfs::machine_steal_ticks().ok();
    let run_started = Instant::now();
    quiet.wait().await;
    let jitter =
        tokio::task::spawn_blocking(|| latency::timer_lateness(Duration::from_micros(500), Duration::from_secs(3)))
            .await?;
    report.notes.push(format!(
        "timing noise of the machine itself: a thread sleeping 500 µs wakes late by p50 {} µs, p99 {} µs, max {} µs (idle services, 3 s)",
        latency::micros(jitter.p50),
        latency::micros(jitter.p99),
        latency::micros(jitter.max)
    ));
    if args.parts.contains(&Part::Overhead) {
        quiet.wait().await;
        let result = overhead(&args, &targets, window, &processes).await;
        complete &= result.is_ok();
        report.closed = Some(result.map_err(|error| format!("{error:#}")));
    }
    if args.parts.contains(&Part::Rate) {
        quiet.wait().await;
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
        let result = open::run(
            &gateway,
            &targets.path,
            &targets.bearer,
            load,
            &processes,
            args.clock_ticks,
        )
        .await;
        complete &= result.is_ok();
        report.open = Some(result.map_err(|error| format!("{error:#}")));
    }
    if args.parts.contains(&Part::Profile) {
        quiet.wait().await;
        let part = profile_part(&args, &gateway, &targets.bearer).await?;
        complete &= part.comparison.is_ok() && part.upload.as_ref().is_ok_and(|upload| upload.status.is_success());
        report.profile = Some(part);
    }

    if let (Some(before), Ok(after)) = (steal_before, procfs::machine_steal_ticks()) {
        let available = run_started.elapsed().as_secs_f64() * report.machine.cpus as f64 * args.clock_ticks as f64;
        report.notes.push(format!(
            "CPU time stolen by the hypervisor during the run: {:.2}% of the CPUs' time",
            after.saturating_sub(before) as f64 / available * 100.0
        ));
    }
    if !quiet.waited.is_zero() {
        report.notes.push(format!(
            "waited {} in all for the machine to be quiet (under {} cores busy) before the parts",
            units::duration(quiet.waited),
            args.quiet_cores
        ));
    }
    let section = report.markdown();
    println!("\n{section}");
    report::record(&args.output, &section).with_context(|| format!("writing {}", args.output.display()))?;
    say(&format!("recorded in {}", args.output.display()));
    if !complete {
        say("some parts could not be measured (see above): exit status 1");
        return Ok(ExitCode::FAILURE);
    }
    if !report.all_pass() {
        say("every part was measured; some targets were missed (FAIL above)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Both paths must answer the same session before their speeds are compared.
async fn check_same_session(targets: &closed::Targets) -> anyhow::Result<()> {
    let (status, body) = targets
        .gateway
        .json(Method::GET, &targets.path, Some(&targets.bearer), None)
        .await?;
    anyhow::ensure!(
        status == StatusCode::OK,
        "GET /sessions/active answered {status}: {body:?}"
    );
    let through_gateway: String = serde_json::from_slice(&body)?;
    let direct = targets.direct_active_session().await?;
    anyhow::ensure!(
        through_gateway == direct,
        "the gateway says session {through_gateway}, session-service says {direct}"
    );
    Ok(())
}

async fn overhead(
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
async fn profile_part(
    args: &RunArgs,
    gateway: &http1::Target,
    bearer: &http::HeaderValue,
) -> anyhow::Result<report::ProfilePart> {
    let files = format!("{API_BASE}/files");
    // A small upload first says quickly whether file-service takes uploads at all.
    let probe_path = args.data_dir.join("probe.csv");
    std::fs::write(&probe_path, "id,name\n1,a\n2,b\n")?;
    let pids = [Pid::Other(args.gateway_pid), Pid::Other(args.file_pid)];
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
