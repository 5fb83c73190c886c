//! `sextant-bench`: the benchmark behind `make bench` (DESIGN.md section 9, issue #3).
//!
//! `scripts/bench.sh` builds the release binaries, starts the five services on their own
//! ports and databases, and runs `sextant-bench run` with their URLs and pids. The run
//! signs a user up through the gateway, opens a session, then measures in one go (the
//! parts `--parts` names, all by default):
//!
//! 1. `closed`: `GET /sessions/active` through the gateway against `GetActiveSession`
//!    straight to session-service, closed loop at fixed concurrencies (latency) and at a
//!    saturating one (throughput, CPU per request from `/proc`);
//! 2. `open`: a constant request rate through the gateway, latency from each due time;
//! 3. `profile` and `upload`: a generated CSV profiled by file-service's code against
//!    Polars' read of it (each in a child process of this binary), then uploaded through
//!    the gateway while the memory of the gateway and file-service is sampled;
//! 4. `checkpoint`: checkpoint writes of agent-service's graph engine, run in this process
//!    over the agent database and Redis;
//! 5. `chat` (`users`, `stream`, `sse`): 1,000 users each holding a chat stream through the
//!    gateway at once, with the memory of every process, then one stream's events per
//!    second, live and replayed;
//! 6. `analyst`: the offline analyst's time to first event and to `done` for ten questions
//!    on a generated million-row table;
//! 7. `agent`: the agent's own time per turn (driver, graph, LLM analyst, model client) with
//!    a fake model answering at once, and what the circuit breaker's fallback costs, run in
//!    this process over the agent database and Redis.
//!
//! `report` turns the figures into a dated section of `BENCHMARKS.md` with PASS or FAIL per
//! target. A target missed is a result, not an error; a part that could not run is both
//! reported and the exit status.

mod agent;
mod analyst;
mod chat;
mod checkpoint;
mod cli;
mod closed;
mod dataset;
mod http1;
mod latency;
mod memory;
mod open;
mod procfs;
mod profile;
mod quiet;
mod report;
mod run;
mod sse;
mod stream;
mod units;
mod upload;
mod users;

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => runtime(args.client_threads).and_then(|runtime| runtime.block_on(run::run(*args))),
        Command::PolarsRead(args) => print_measured(profile::polars_read(&args.file)),
        Command::Profile(args) => print_measured(profile::profile(&args.file, &args.scratch)),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("sextant-bench: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The load generator's runtime. One thread by default: on a 2-core machine every thread
/// it adds competes with the services, and tasks handing work between two worker threads
/// cost a wake-up each, which shows in both CPU and latency.
fn runtime(threads: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(threads);
        builder
    };
    builder.enable_all().build().context("starting the runtime")
}

fn print_measured(measured: anyhow::Result<profile::Measured>) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string(&measured?)?);
    Ok(ExitCode::SUCCESS)
}

fn say(message: &str) {
    eprintln!("sextant-bench: {message}");
}
