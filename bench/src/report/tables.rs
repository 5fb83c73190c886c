//! The tables behind the targets: every closed-loop row, the constant-rate run, the
//! profile rounds and the upload's memory.

use std::fmt::Write as _;

use std::collections::BTreeMap;
use std::time::Duration;

use super::Report;
use crate::latency::{micros, millis};
use crate::procfs;
use crate::{profile, units};

/// The processes whose CPU is shown, in this order.
const PROCESSES: [&str; 4] = ["gateway", "session-service", "redis", "sextant-bench"];

fn cpu_header(out: &mut String, title: &str) {
    let _ = writeln!(
        out,
        "\n{title} (µs of CPU per successful request, from /proc; \"elsewhere\" is the rest of the machine: PostgreSQL, the idle services and anything else running, in cores busy on average):\n"
    );
    let _ = writeln!(
        out,
        "| run | {} | elsewhere, cores |\n|---|--:|--:|--:|--:|--:|",
        PROCESSES.join(" | ")
    );
}

fn cpu_row(out: &mut String, label: &str, cpu: &BTreeMap<&'static str, f64>, requests: u64, seconds: f64) {
    let mut line = format!("| {label} |");
    for process in PROCESSES {
        let cell = cpu
            .get(process)
            .filter(|_| requests > 0)
            .map_or("–".to_owned(), |used| {
                micros(Duration::from_secs_f64(used / requests as f64))
            });
        let _ = write!(line, " {cell} |");
    }
    let elsewhere = procfs::elsewhere(cpu).map_or("–".to_owned(), |used| format!("{:.2}", used / seconds));
    let _ = writeln!(out, "{line} {elsewhere} |");
}

impl Report {
    pub(super) fn closed_markdown(&self, out: &mut String) {
        let Some(Ok(rows)) = &self.closed else { return };
        let _ = writeln!(
            out,
            "\n### Gateway overhead: closed loop ({} warm-up, {} measured per row)\n",
            units::duration(self.window.warmup),
            units::duration(self.window.measure)
        );
        let _ = writeln!(
            out,
            "| path | concurrency | req/s | p50 µs | p90 µs | p99 µs | max µs | errors |\n|---|--:|--:|--:|--:|--:|--:|--:|"
        );
        for row in rows {
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {} | {} | {} | {} | {} |",
                row.path.label(),
                row.concurrency,
                row.throughput(),
                micros(row.latency.p50),
                micros(row.latency.p90),
                micros(row.latency.p99),
                micros(row.latency.max),
                row.error_count(),
            );
        }
        for row in rows.iter().filter(|row| !row.errors.is_empty()) {
            let _ = writeln!(
                out,
                "\nErrors, {} × {}: {:?}",
                row.path.label(),
                row.concurrency,
                row.errors
            );
        }
        cpu_header(out, "CPU per request over each window");
        for row in rows {
            let label = format!("{} × {}", row.path.label(), row.concurrency);
            cpu_row(out, &label, &row.cpu, row.requests, row.seconds);
        }
    }

    pub(super) fn open_markdown(&self, out: &mut String) {
        let Some(Ok(open)) = &self.open else { return };
        let _ = writeln!(
            out,
            "\n### Constant rate through the gateway (open loop, latency from each request's due time)\n"
        );
        let _ = writeln!(
            out,
            "| offered | scheduled | ok | errors | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | hand-over delay p99 / max µs | connections opened |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
        );
        let _ = writeln!(
            out,
            "| {} req/s × {}, tick {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} / {} | {} |",
            open.load.rate,
            units::duration(open.load.duration),
            units::duration(open.load.tick),
            open.scheduled,
            open.ok,
            open.error_count(),
            open.ok as f64 / open.seconds,
            millis(open.latency.p50),
            millis(open.latency.p90),
            millis(open.latency.p99),
            millis(open.latency.p999),
            millis(open.latency.max),
            micros(open.handover.p99),
            micros(open.handover.max),
            open.connections,
        );
        cpu_header(out, "CPU per request over the run");
        cpu_row(
            out,
            "constant rate through the gateway",
            &open.cpu,
            open.ok,
            open.seconds,
        );
        if !open.errors.is_empty() {
            let _ = writeln!(out, "\nErrors: {:?}", open.errors);
        }
    }

    pub(super) fn profile_markdown(&self, out: &mut String) {
        let Some(part) = &self.profile else { return };
        let _ = writeln!(
            out,
            "\n### Profile of a generated CSV: {} ({} bytes), {} rows × 12 columns, written in {}\n",
            units::bytes(part.file_bytes),
            part.file_bytes,
            part.rows,
            units::duration(part.generated_in)
        );
        match &part.comparison {
            Ok(comparison) => {
                let _ = writeln!(
                    out,
                    "| each in a fresh process | rounds (s) | fastest | rows | peak RSS |\n|---|---|--:|--:|--:|"
                );
                for (name, rounds) in [
                    ("Polars read (`LazyCsvReader` → `collect`)", &comparison.polars),
                    ("file-service profile (`profile::profile`)", &comparison.profile),
                ] {
                    let times: Vec<String> = rounds.iter().map(|round| format!("{:.2}", round.seconds)).collect();
                    if let Some(best) = rounds.iter().min_by(|a, b| a.seconds.total_cmp(&b.seconds)) {
                        let _ = writeln!(
                            out,
                            "| {name} | {} | {} | {} | {} |",
                            times.join(", "),
                            units::duration(profile::seconds(best.seconds)),
                            best.rows,
                            units::bytes(best.peak_rss)
                        );
                    }
                }
            }
            Err(error) => {
                let _ = writeln!(out, "Profile against Polars: **not measured**: {error}");
            }
        }
        match &part.upload {
            Ok(upload) => {
                let _ = writeln!(
                    out,
                    "\nUpload through the gateway (`POST /files`, streamed from disk): answered **{}** in {} ({} sending the body, {} after it: storing, profiling, recording){}.\n",
                    upload.status,
                    units::duration(upload.total),
                    units::duration(upload.transfer),
                    units::duration(upload.after_transfer()),
                    upload.rows.map_or_else(
                        || format!("; body: `{}`", upload.detail),
                        |rows| format!("; {rows} rows")
                    )
                );
                let _ = writeln!(
                    out,
                    "| process | RSS before | peak during the upload | growth | VmHWM reset first |\n|---|--:|--:|--:|---|"
                );
                for (name, memory) in [("gateway", upload.gateway), ("file-service", upload.file_service)] {
                    let _ = writeln!(
                        out,
                        "| {name} | {} | {} | +{} | {} |",
                        units::bytes(memory.before),
                        units::bytes(memory.peak),
                        units::bytes(memory.growth()),
                        if memory.peak_reset { "yes" } else { "no (samples only)" }
                    );
                }
            }
            Err(error) => {
                let _ = writeln!(out, "\nUpload through the gateway: **not measured**: {error}");
            }
        }
    }
}
