//! One benchmark run: set up what the parts asked for need (a user and session through the
//! gateway for the overhead, rate and profile parts; nothing of the gateway for the
//! checkpoint and agent parts alone), run the parts in order, and record the report.

mod parts;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use http::{Method, StatusCode};

use crate::cli::{Part, RunArgs};
use crate::procfs::{self, Pid};
use crate::quiet::Quiet;
use crate::{closed, http1, latency, report, say, units, users};

/// What the gateway parts share: the gateway, and a user with a session on both paths.
struct Signed {
    gateway: http1::Target,
    targets: closed::Targets,
}

/// Signs a fresh user up and in through the gateway, opens a session, and checks that both
/// paths see it.
async fn sign_in(args: &RunArgs, gateway: &http1::Target) -> anyhow::Result<Signed> {
    say("signing up a user and opening a session through the gateway");
    let email = format!("bench-{}@example.com", std::process::id());
    let token = users::sign_up(gateway, &email, args.request_timeout)
        .await
        .context("setting up through the gateway")?;
    users::open_session(gateway, &http1::bearer(&token)?, args.request_timeout).await?;
    let targets = closed::Targets::new(
        gateway.clone(),
        http1::API_BASE,
        &args.session_url,
        &token,
        args.request_timeout,
    )
    .await
    .context("connecting to session-service")?;
    check_same_session(&targets).await?;
    Ok(Signed {
        gateway: gateway.clone(),
        targets,
    })
}

/// The processes whose CPU the closed and open loops measure: those whose pid is known.
fn cpu_processes(args: &RunArgs) -> Vec<(&'static str, Pid)> {
    let mut processes: Vec<(&'static str, Pid)> =
        [("gateway", args.gateway_pid), ("session-service", args.session_pid)]
            .into_iter()
            .filter_map(|(name, pid)| Some((name, Pid::Other(pid?))))
            .collect();
    processes.push(("sextant-bench", Pid::Current));
    processes.extend(args.redis_pid.map(|pid| ("redis", Pid::Other(pid))));
    processes
}

/// Runs the parts of `args` and records them.
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let date = time::OffsetDateTime::now_utc().format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))?;
    let wants = |part: Part| args.parts.contains(&part);
    let in_process = |part: &Part| matches!(part, Part::Checkpoint | Part::Agent);
    let gateway = if !args.parts.iter().all(in_process) {
        Some(http1::Target::resolve(&args.gateway_url).await?)
    } else {
        None
    };
    let signed = match &gateway {
        Some(gateway) if wants(Part::Overhead) || wants(Part::Rate) || wants(Part::Profile) => {
            Some(sign_in(&args, gateway).await?)
        }
        _ => None,
    };
    let processes = cpu_processes(&args);
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
        checkpoint: None,
        chat: None,
        analyst: None,
        agent: None,
        notes: args.note.clone(),
    };
    let mut complete = true;
    let mut quiet = Quiet {
        budget: args.quiet_wait,
        threshold: args.quiet_cores,
        clock_ticks: args.clock_ticks,
        waited: Duration::ZERO,
        busy_anyway: None,
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
    if let Some(signed) = &signed {
        let targets = &signed.targets;
        if wants(Part::Overhead) {
            quiet.wait().await;
            let result = parts::overhead(&args, targets, window, &processes).await;
            complete &= result.is_ok();
            report.closed = Some(result.map_err(|error| format!("{error:#}")));
        }
        if wants(Part::Rate) {
            quiet.wait().await;
            let result = parts::rate(&args, targets, &processes).await;
            complete &= result.is_ok();
            report.open = Some(result.map_err(|error| format!("{error:#}")));
        }
        if wants(Part::Profile) {
            quiet.wait().await;
            let part = parts::profile(&args, &signed.gateway, &targets.bearer).await?;
            complete &= part.comparison.is_ok() && part.upload.as_ref().is_ok_and(|upload| upload.status.is_success());
            report.profile = Some(part);
        }
    }
    if wants(Part::Checkpoint) {
        quiet.wait().await;
        let result = parts::checkpoint(&args).await;
        complete &= result.is_ok();
        report.checkpoint = Some(result.map_err(|error| format!("{error:#}")));
    }
    if let (Some(gateway), true) = (&gateway, wants(Part::Chat)) {
        quiet.wait().await;
        let result = parts::chat(&args, gateway, &mut quiet).await;
        complete &= result.is_ok();
        report.chat = Some(result.map_err(|error| format!("{error:#}")));
    }
    if let (Some(gateway), true) = (&gateway, wants(Part::Analyst)) {
        quiet.wait().await;
        let result = parts::analyst(&args, gateway, &mut quiet).await;
        complete &= result.is_ok();
        report.analyst = Some(result.map_err(|error| format!("{error:#}")));
    }
    if wants(Part::Agent) {
        quiet.wait().await;
        let result = parts::agent(&args).await;
        complete &= result.is_ok();
        report.agent = Some(result.map_err(|error| format!("{error:#}")));
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
    if let Some(cores) = quiet.busy_anyway {
        report.notes.push(format!(
            "**the machine was not quiet**: a part began with up to {cores:.2} cores busy elsewhere after the wait ran out; its figures are pessimistic"
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
