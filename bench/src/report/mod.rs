//! The figures of one run as a Markdown section of `BENCHMARKS.md`: the targets of
//! DESIGN.md section 9 with PASS or FAIL, then the tables they come from. Runs are kept,
//! newest first, below a marker line.

mod agent;
mod analyst;
mod chat;
mod checkpoint;
mod tables;
mod targets;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::agent::AgentResult;
use crate::analyst::AnalystResult;
use crate::chat::ChatResult;
use crate::checkpoint::CheckpointResult;
use crate::closed::{self, RunResult};
use crate::open::OpenResult;
use crate::procfs::Machine;
use crate::profile::Comparison;
use crate::units;
use crate::upload::UploadResult;

/// New runs go just below this line.
const MARKER: &str = "<!-- runs: newest first; `make bench` adds one below this line -->";

const INTRO: &str = "# Benchmarks

Figures from `make bench` (`scripts/bench.sh`, the `sextant-bench` crate in `bench/`): release
binaries of every service on loopback, with their own databases, on the machine named in each
run, the load generator included. The targets are those of DESIGN.md section 9; ratios are
quoted from one run, since absolute figures move with the machine.

What is measured:

- **Gateway overhead**: `GET /api/v1/gateway/sessions/active` through the gateway (HTTP/1.1
  keep-alive, one connection per worker, bearer token) against the same call straight to
  session-service (`sextant.session.v1.SessionService/GetActiveSession`, the same token in
  `authorization` metadata, workers sharing one HTTP/2 channel as the gateway does). Closed
  loop: each worker sends its next request when the previous one answered. Latency percentiles
  at fixed concurrencies; throughput at a saturating concurrency; CPU per request from
  `/proc/<pid>/stat` (utime + stime) over the measured window divided by the requests.
- **Constant rate**: an open-loop generator schedules request *i* at *start + i / rate* whatever
  happened to the others and measures latency from that due time (no coordinated omission). A
  thread keeps the schedule, waking at most every 500 µs (`--tick`) to hand the requests due
  since to the runtime; that delay is part of every latency, and its p99 is shown.
- **The load generator** is one thread (a current-thread tokio runtime) plus the schedule
  thread, at `nice -10` when run as root, so that it keeps time on a saturated machine; its own
  CPU per request is shown with the services'. Before each part it waits (up to 5 min) for the
  rest of the machine to be idle, and each run says how busy the rest of the machine was, how
  late a sleeping thread wakes on it, and how much CPU the hypervisor stole.
- **Profile**: a generated CSV (orders: ids, dates, date-times, quoted names and categories with
  commas and doubled quotes, integers, decimals, booleans, empty cells), profiled by
  file-service's profile module against Polars reading the same file into a `DataFrame`, each in
  a fresh process, fastest of the rounds; then uploaded through the gateway (multipart streamed
  from disk) while the resident memory of the gateway and file-service is sampled (`VmRSS`
  every 20 ms, and `VmHWM` reset just before).
- **Checkpoint writes**: agent-service's graph engine run inside `sextant-bench` over the
  benchmark's agent database and Redis: one node looping on itself with checkpoints on, over an
  analysis state of about 5 KB of JSON (8-column schema, two subtasks, a 20-row result). One
  write is the gap between a node's end (`NodeFinished(n)`) and the next node's start
  (`NodeStarted(n + 1)`): routing, serialising, the PostgreSQL insert and the Redis copy, timed
  by the node itself. One graph of 2,000 steps, then 8 graphs of 500 steps at once.
- **Chat streams**: 1,000 users (at most 8 set up at once, since registering and logging in
  hash a password each; a session each, a 200-row sales CSV each), then 1,000
  `GET /chat/stream` at once, one HTTP/1.1 connection each, read to `done`. Errors are non-200
  answers, `error` events and streams that end (or time out) without `done`; streams open at
  once count from the response headers to `done`; the resident memory of the gateway,
  agent-service, session-service, file-service and `sextant-bench` is sampled as for the
  upload. Then one user asks 10 questions in a row and replays each finished run
  (`Last-Event-ID: <run>:0`): events per second are the events after the first over the time
  from the first event to `done`.
- **Offline analyst**: a generated sales table of 1,000,000 rows (order_date, region, product,
  quantity, unit_price, amount) uploaded through the gateway by one user, then ten typical
  questions asked 5 times each, one run at a time, each on a fresh connection; times count from
  sending the request to the first event and to `done`. One ask before them opens the file and
  is reported as the warm-up. A target passes when the slowest question's median meets it and
  every answer ended with `done` and no `error` event.
- **The agent's own time per turn**: agent-service's driver, analysis graph, LLM analyst and
  model clients (Anthropic and OpenAI wire formats, built from agent-service's configuration
  with its defaults) run inside `sextant-bench` over the benchmark's agent database and Redis,
  against agent-service's fake model server answering every call at once with the provider's
  recorded stream. A turn is the first question of a fresh session over a 200-row sales table
  (its query, table, chart and answer), timed from recording the run to the end of its task;
  the model's time is the wall time with a model call in flight (the request, the loopback
  HTTP and the parsing of the stream), the rest is the agent's own. The same turns over the
  OpenAI wire without checkpoints show what checkpointing costs, and the turn's chart is
  drawn as a PNG on its own. The same turn is then answered by the offline analyst alone and
  by the LLM analyst with its circuit breaker open (every decision falls back to the offline
  analyst), and the turn that opened the breaker in a storm of 500s is timed with the default
  retry settings. 200 measured turns per row after 5 warm-up turns.

Run it with `make bench`, or quicker with flags, e.g.
`make bench BENCH_ARGS='--rate 1000 --duration 10s --csv-size 100M'`
(`bash scripts/bench.sh --help` lists them).
";

/// The part of the benchmark that profiles a file.
#[derive(Debug, Clone)]
pub struct ProfilePart {
    /// Bytes in the generated file.
    pub file_bytes: u64,
    /// Rows in the generated file.
    pub rows: u64,
    /// Seconds spent generating it.
    pub generated_in: Duration,
    /// Polars' read against the profile, or why it could not run.
    pub comparison: Result<Comparison, String>,
    /// The upload, or why it could not run.
    pub upload: Result<UploadResult, String>,
}

/// Everything one run measured, and how.
#[derive(Debug, Clone)]
pub struct Report {
    /// When the run started, as printed.
    pub date: String,
    /// The command that produced it.
    pub command: String,
    /// The source revision.
    pub revision: String,
    /// The machine.
    pub machine: Machine,
    /// Warm-up and measured time of each closed-loop row.
    pub window: closed::Window,
    /// The concurrency at which throughput and CPU are compared.
    pub saturation: usize,
    /// Closed-loop rows, gateway and direct per concurrency.
    pub closed: Option<Result<Vec<RunResult>, String>>,
    /// The constant-rate run.
    pub open: Option<Result<OpenResult, String>>,
    /// The profile and upload.
    pub profile: Option<ProfilePart>,
    /// Checkpoint writes.
    pub checkpoint: Option<Result<CheckpointResult, String>>,
    /// Concurrent chat streams and one stream's events per second.
    pub chat: Option<Result<ChatResult, String>>,
    /// The offline analyst on a large table.
    pub analyst: Option<Result<AnalystResult, String>>,
    /// The agent's own time per turn.
    pub agent: Option<Result<AgentResult, String>>,
    /// Anything else the reader should know about this run.
    pub notes: Vec<String>,
}

impl Report {
    /// Whether every target passed.
    pub fn all_pass(&self) -> bool {
        self.targets().iter().all(|row| row.result.starts_with("PASS"))
    }

    /// The most CPU the rest of the machine used in one measured window, in cores.
    fn busiest_elsewhere(&self) -> Option<f64> {
        let closed = self.closed_rows().iter().map(|row| (&row.cpu, row.seconds));
        let open = match &self.open {
            Some(Ok(open)) => Some((&open.cpu, open.seconds)),
            _ => None,
        };
        closed
            .chain(open)
            .filter_map(|(cpu, seconds)| Some(crate::procfs::elsewhere(cpu)? / seconds))
            .max_by(f64::total_cmp)
    }

    /// The run as a Markdown section.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let machine = &self.machine;
        let _ = writeln!(out, "## {} · `{}`\n", self.date, self.command);
        let _ = writeln!(
            out,
            "- machine: {} CPUs ({}), {} RAM, Linux {}",
            machine.cpus,
            machine.cpu_model,
            units::bytes(machine.memory),
            machine.kernel
        );
        let _ = writeln!(
            out,
            "- revision: `{}`; {}; everything on loopback on this machine, the load generator (`sextant-bench`) included",
            self.revision,
            if cfg!(debug_assertions) {
                "**a debug build of `sextant-bench`** (its in-process figures are not comparable)"
            } else {
                "release build"
            }
        );
        if let Some(cores) = self.busiest_elsewhere() {
            let _ = writeln!(
                out,
                "- CPU busy outside the processes under test while measuring: at most {cores:.2} cores on average over a window{}",
                if cores > 0.25 {
                    " (**the machine was not quiet: these figures are pessimistic**)"
                } else {
                    ""
                }
            );
        }
        for note in &self.notes {
            let _ = writeln!(out, "- {note}");
        }
        let _ = writeln!(out, "\n### Targets\n");
        let _ = writeln!(out, "| target | measured | goal | result |\n|---|---|---|---|");
        for row in self.targets() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | **{}** |",
                row.target, row.measured, row.goal, row.result
            );
        }
        self.closed_markdown(&mut out);
        self.open_markdown(&mut out);
        self.profile_markdown(&mut out);
        self.checkpoint_markdown(&mut out);
        self.chat_markdown(&mut out);
        self.analyst_markdown(&mut out);
        self.agent_markdown(&mut out);
        out
    }
}

/// Puts `section` at the top of the runs in `path`, creating the file with its introduction.
pub fn record(path: &Path, section: &str) -> std::io::Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let (intro, runs) = match existing.split_once(MARKER) {
        Some((intro, runs)) => (intro.trim_end().to_owned(), runs.trim_start().to_owned()),
        None => (INTRO.trim_end().to_owned(), String::new()),
    };
    let mut text = format!("{intro}\n\n{MARKER}\n\n{}\n", section.trim_end());
    if !runs.is_empty() {
        text.push('\n');
        text.push_str(runs.trim_end());
        text.push('\n');
    }
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests;
