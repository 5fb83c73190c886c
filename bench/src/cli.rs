//! The command line: `run` and the two internal child commands of the profile comparison.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::units;

/// Sextant's benchmark: gateway overhead, constant-rate load, profiling a large CSV,
/// checkpoint writes, concurrent chat streams, the offline analyst and the agent's own time
/// per turn.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    /// What to do.
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the benchmark against running services and records it in BENCHMARKS.md.
    Run(Box<RunArgs>),
    /// (internal) Reads a CSV with Polars alone and prints time, rows and peak memory as JSON.
    PolarsRead(FileArgs),
    /// (internal) Profiles a CSV with file-service's profile module and prints the same.
    Profile(FileArgs),
}

/// The file a child command works on.
#[derive(Debug, clap::Args)]
pub struct FileArgs {
    /// The CSV.
    #[arg(long)]
    pub file: PathBuf,
    /// A directory for temporary files.
    #[arg(long)]
    pub scratch: PathBuf,
}

/// The parts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// Gateway against direct gRPC, closed loop.
    Overhead,
    /// Constant rate through the gateway.
    Rate,
    /// Profile of a generated CSV and its upload.
    Profile,
    /// Checkpoint writes of the graph engine, in this process.
    Checkpoint,
    /// Concurrent chat streams through the gateway, and one stream's events per second.
    Chat,
    /// The offline analyst's answers on a generated million-row table.
    Analyst,
    /// The agent's own time per turn with an instant model, and the breaker's fallback, in
    /// this process.
    Agent,
}

/// How to run the benchmark and where the services are.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The gateway's HTTP URL.
    #[arg(long, default_value = "http://127.0.0.1:18003")]
    pub gateway_url: String,
    /// session-service's gRPC URL.
    #[arg(long, default_value = "http://127.0.0.1:18001")]
    pub session_url: String,
    /// The gateway's pid (CPU and memory).
    #[arg(long)]
    pub gateway_pid: Option<u32>,
    /// session-service's pid (CPU, memory during the chat storm).
    #[arg(long)]
    pub session_pid: Option<u32>,
    /// file-service's pid (memory during the uploads and the chat storm).
    #[arg(long)]
    pub file_pid: Option<u32>,
    /// agent-service's pid (memory during the chat storm).
    #[arg(long)]
    pub agent_pid: Option<u32>,
    /// agent-service's PostgreSQL database, where the checkpoint part writes.
    #[arg(long)]
    pub agent_database_url: Option<String>,
    /// Redis, where the checkpoint part writes its hot copies.
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// The prefix of the Redis keys the checkpoint part writes.
    #[arg(long, default_value = "sextant-bench:")]
    pub redis_prefix: String,
    /// Redis's pid, if known (its CPU is part of every request's cost).
    #[arg(long)]
    pub redis_pid: Option<u32>,
    /// Where the CSV is generated (and deleted afterwards by bench.sh).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The Markdown file the run is recorded in.
    #[arg(long, default_value = "BENCHMARKS.md")]
    pub output: PathBuf,
    /// The command line recorded with the figures.
    #[arg(long, default_value = "sextant-bench run")]
    pub command: String,
    /// The source revision recorded with the figures.
    #[arg(long, default_value = "unknown")]
    pub revision: String,
    /// A line for the report about how the run was set up (repeatable).
    #[arg(long)]
    pub note: Vec<String>,
    /// Clock ticks per second of /proc CPU times (`getconf CLK_TCK`).
    #[arg(long, default_value_t = 100)]
    pub clock_ticks: u64,
    /// Parts to run, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "overhead,rate,profile,checkpoint,chat,analyst,agent"
    )]
    pub parts: Vec<Part>,
    /// Threads of the load generator's runtime (1: a current-thread runtime).
    #[arg(long, default_value_t = 1)]
    pub client_threads: usize,
    /// Closed loop: warm-up before each measured window.
    #[arg(long, default_value = "2s", value_parser = units::parse_duration)]
    pub warmup: Duration,
    /// Closed loop: measured window per row.
    #[arg(long, default_value = "10s", value_parser = units::parse_duration)]
    pub measure: Duration,
    /// Closed loop: the fixed concurrencies latency is quoted at (the lowest gives the p50 overhead).
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    pub concurrency: Vec<usize>,
    /// Closed loop: the concurrency that saturates both paths (throughput and CPU compared there).
    #[arg(long, default_value_t = 64)]
    pub saturation: usize,
    /// Constant rate: requests per second.
    #[arg(long, default_value_t = 5_000)]
    pub rate: u32,
    /// Constant rate: how long.
    #[arg(long, default_value = "60s", value_parser = units::parse_duration)]
    pub duration: Duration,
    /// Constant rate: the schedule's granularity (requests due within one tick are sent
    /// together; their latency still counts from their own due time).
    #[arg(long, default_value = "500us", value_parser = units::parse_duration)]
    pub tick: Duration,
    /// Constant rate: most requests in flight (connections) at once.
    #[arg(long, default_value_t = 512)]
    pub max_connections: usize,
    /// Deadline of one request (an error past it).
    #[arg(long, default_value = "5s", value_parser = units::parse_duration)]
    pub request_timeout: Duration,
    /// Profile: size of the generated CSV (K, M, G are powers of 1024).
    #[arg(long, default_value = "1G", value_parser = units::parse_bytes)]
    pub csv_size: u64,
    /// Profile: rounds of Polars' read and of the profile (the fastest of each counts).
    #[arg(long, default_value_t = 2)]
    pub rounds: usize,
    /// Before each part, wait (at most this long in all) for the rest of the machine to fall
    /// below `--quiet-cores` busy; other work on a 2-core machine skews every figure.
    #[arg(long, default_value = "5m", value_parser = units::parse_duration)]
    pub quiet_wait: Duration,
    /// CPU cores busy below which the machine counts as quiet.
    #[arg(long, default_value_t = 0.2)]
    pub quiet_cores: f64,
    /// Profile: deadline of the upload, transfer and profiling included.
    #[arg(long, default_value = "20m", value_parser = units::parse_duration)]
    pub upload_timeout: Duration,
    /// Checkpoints: steps of the single graph.
    #[arg(long, default_value_t = 2_000)]
    pub checkpoint_steps: u32,
    /// Checkpoints: graphs run concurrently.
    #[arg(long, default_value_t = 8)]
    pub checkpoint_graphs: usize,
    /// Checkpoints: steps of each concurrent graph.
    #[arg(long, default_value_t = 500)]
    pub checkpoint_graph_steps: u32,
    /// Chat: concurrent streams, one user each (this process needs a file per stream).
    #[arg(long, default_value_t = 1_000)]
    pub streams: usize,
    /// Chat: users set up at once (registering and logging in hash a password each).
    #[arg(long, default_value_t = 8)]
    pub setup_concurrency: usize,
    /// Chat: the question every stream asks.
    #[arg(long, default_value = "total amount by region")]
    pub chat_question: String,
    /// Chat: questions one stream asks in a row for the events-per-second figure.
    #[arg(long, default_value_t = 10)]
    pub stream_rounds: usize,
    /// Chat and analyst: deadline of one stream, from its request to `done`.
    #[arg(long, default_value = "2m", value_parser = units::parse_duration)]
    pub stream_timeout: Duration,
    /// Analyst: rows of the generated sales table.
    #[arg(long, default_value_t = 1_000_000)]
    pub analyst_rows: u64,
    /// Analyst: asks of each question.
    #[arg(long, default_value_t = 5)]
    pub analyst_repeats: usize,
    /// Agent: measured turns of each way of answering.
    #[arg(long, default_value_t = 200)]
    pub agent_turns: usize,
}
