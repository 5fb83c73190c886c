//! The targets of DESIGN.md section 9, each with what was measured and PASS or FAIL.

use std::time::Duration;

use super::Report;
use crate::closed::{self, RunResult};
use crate::latency::{micros, millis};
use crate::units;

/// The load the constant-rate target is defined at.
const TARGET_RATE: u32 = 5_000;
const TARGET_DURATION: Duration = Duration::from_secs(60);
/// "Flat": the gateway grows by at most this much while streaming a file of any size.
const GATEWAY_FLAT_BYTES: u64 = 32 * 1024 * 1024;
/// "Well under the file's size": file-service peaks at most at this share of the file.
const FILE_SERVICE_SHARE: f64 = 0.5;

pub(super) fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

/// One line of the targets table.
pub(super) struct Row {
    pub target: String,
    pub measured: String,
    pub goal: &'static str,
    pub result: String,
}

impl Row {
    /// A target that has no figure, and so fails.
    pub(super) fn missing(target: impl Into<String>, goal: &'static str, why: &str) -> Self {
        Self {
            target: target.into(),
            measured: format!("not measured: {why}"),
            goal,
            result: "FAIL".to_owned(),
        }
    }
}

/// Why a part has no figures: skipped, or its error.
pub(super) fn why_missing<T>(part: &Option<Result<T, String>>) -> String {
    match part {
        None => "skipped (--parts)".to_owned(),
        Some(Err(error)) => error.clone(),
        Some(Ok(_)) => "no such figure".to_owned(),
    }
}

/// `verdict(pass)`, saying so when the run was smaller than the target's.
pub(super) fn qualified(pass: bool, at_target: bool, how: &str) -> String {
    if at_target {
        verdict(pass).to_owned()
    } else {
        format!("{} (quick run: {how})", verdict(pass))
    }
}

impl Report {
    pub(super) fn closed_rows(&self) -> &[RunResult] {
        match &self.closed {
            Some(Ok(rows)) => rows,
            _ => &[],
        }
    }

    fn find(&self, path: closed::Path, concurrency: usize) -> Option<&RunResult> {
        self.closed_rows()
            .iter()
            .find(|row| row.path == path && row.concurrency == concurrency)
    }

    /// Every target, in the order of DESIGN.md section 9.
    pub(super) fn targets(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let not_measured = |target: &str, goal: &'static str, why: &str| Row {
            target: target.to_owned(),
            measured: format!("not measured: {why}"),
            goal,
            result: "FAIL".to_owned(),
        };
        let closed_why = match &self.closed {
            None => "skipped (--parts)".to_owned(),
            Some(Err(error)) => error.clone(),
            Some(Ok(_)) => "no such row".to_owned(),
        };
        let lowest = self.closed_rows().iter().map(|row| row.concurrency).min().unwrap_or(1);
        let overhead_target = format!("gateway p50 overhead over direct gRPC, {lowest} connection(s)");
        match (
            self.find(closed::Path::Gateway, lowest),
            self.find(closed::Path::Direct, lowest),
        ) {
            (Some(gateway), Some(direct)) => {
                let added = gateway.latency.p50.as_secs_f64() - direct.latency.p50.as_secs_f64();
                rows.push(Row {
                    target: overhead_target,
                    measured: format!(
                        "+{:.1} µs ({} vs {} µs)",
                        added * 1e6,
                        micros(gateway.latency.p50),
                        micros(direct.latency.p50)
                    ),
                    goal: "≤ 150 µs",
                    result: verdict(added <= 150e-6).to_owned(),
                });
            }
            _ => rows.push(not_measured(&overhead_target, "≤ 150 µs", &closed_why)),
        }
        let saturation = self.saturation;
        let throughput_target = format!("gateway throughput / direct, {saturation} connections");
        let cpu_target = format!("gateway CPU per request / session-service's, {saturation} connections via gateway");
        match (
            self.find(closed::Path::Gateway, saturation),
            self.find(closed::Path::Direct, saturation),
        ) {
            (Some(gateway), Some(direct)) => {
                let ratio = gateway.throughput() / direct.throughput();
                rows.push(Row {
                    target: throughput_target,
                    measured: format!(
                        "{ratio:.2}× ({:.0} vs {:.0} req/s)",
                        gateway.throughput(),
                        direct.throughput()
                    ),
                    goal: "≥ 0.55×",
                    result: verdict(ratio >= 0.55).to_owned(),
                });
                match (
                    gateway.cpu_per_request("gateway"),
                    gateway.cpu_per_request("session-service"),
                ) {
                    (Some(own), Some(backend)) if !backend.is_zero() => {
                        let ratio = own.as_secs_f64() / backend.as_secs_f64();
                        rows.push(Row {
                            target: cpu_target,
                            measured: format!("{ratio:.2}× ({} vs {} µs)", micros(own), micros(backend)),
                            goal: "≤ 2×",
                            result: verdict(ratio <= 2.0).to_owned(),
                        });
                    }
                    _ => rows.push(not_measured(&cpu_target, "≤ 2×", "no CPU figures")),
                }
            }
            _ => {
                rows.push(not_measured(&throughput_target, "≥ 0.55×", &closed_why));
                rows.push(not_measured(&cpu_target, "≤ 2×", &closed_why));
            }
        }
        self.open_targets(&mut rows);
        self.profile_targets(&mut rows);
        self.checkpoint_targets(&mut rows);
        self.chat_targets(&mut rows);
        self.analyst_targets(&mut rows);
        self.agent_targets(&mut rows);
        rows
    }

    fn open_targets(&self, rows: &mut Vec<Row>) {
        match &self.open {
            Some(Ok(open)) => {
                let at_target = open.load.rate == TARGET_RATE && open.load.duration == TARGET_DURATION;
                let qualify = |pass: bool| {
                    if at_target {
                        verdict(pass).to_owned()
                    } else {
                        format!("{} (quick run, not the target's load)", verdict(pass))
                    }
                };
                let load = format!(
                    "{} req/s for {} s through the gateway",
                    open.load.rate,
                    open.load.duration.as_secs_f64()
                );
                rows.push(Row {
                    target: format!("errors at a constant {load}"),
                    measured: format!("{} of {}", open.error_count(), open.scheduled),
                    goal: "0",
                    result: qualify(open.error_count() == 0 && open.scheduled > 0),
                });
                rows.push(Row {
                    target: format!("p99 latency at a constant {load}"),
                    measured: format!("{} ms", millis(open.latency.p99)),
                    goal: "< 10 ms",
                    result: qualify(open.latency.p99 < Duration::from_millis(10) && open.ok > 0),
                });
            }
            other => {
                let why = match other {
                    Some(Err(error)) => error.clone(),
                    _ => "skipped (--parts)".to_owned(),
                };
                for (target, goal) in [
                    ("errors at a constant rate", "0"),
                    ("p99 latency at a constant rate", "< 10 ms"),
                ] {
                    rows.push(Row {
                        target: target.to_owned(),
                        measured: format!("not measured: {why}"),
                        goal,
                        result: "FAIL".to_owned(),
                    });
                }
            }
        }
    }

    fn profile_targets(&self, rows: &mut Vec<Row>) {
        let Some(part) = &self.profile else {
            rows.push(Row {
                target: "profile time / Polars read time".to_owned(),
                measured: "not measured: skipped (--parts)".to_owned(),
                goal: "< 2×",
                result: "FAIL".to_owned(),
            });
            return;
        };
        let size = units::bytes(part.file_bytes);
        match part.comparison.as_ref().map(|comparison| comparison.ratio()) {
            Ok(Some(ratio)) => rows.push(Row {
                target: format!("profile time / Polars read time, {size} CSV"),
                measured: format!("{ratio:.2}×"),
                goal: "< 2×",
                result: verdict(ratio < 2.0).to_owned(),
            }),
            Ok(None) | Err(_) => rows.push(Row {
                target: format!("profile time / Polars read time, {size} CSV"),
                measured: format!(
                    "not measured: {}",
                    part.comparison.as_ref().err().map_or("no rounds", String::as_str)
                ),
                goal: "< 2×",
                result: "FAIL".to_owned(),
            }),
        }
        let (gateway_target, file_target) = (
            format!("gateway memory during the {size} upload"),
            format!("file-service peak memory during the {size} upload"),
        );
        match &part.upload {
            Ok(upload) if upload.status.is_success() => {
                rows.push(Row {
                    target: gateway_target,
                    measured: format!(
                        "+{} ({} → {})",
                        units::bytes(upload.gateway.growth()),
                        units::bytes(upload.gateway.before),
                        units::bytes(upload.gateway.peak)
                    ),
                    goal: "flat: ≤ +32 MiB",
                    result: verdict(upload.gateway.growth() <= GATEWAY_FLAT_BYTES).to_owned(),
                });
                let share = upload.file_service.peak as f64 / part.file_bytes as f64;
                rows.push(Row {
                    target: file_target,
                    measured: format!(
                        "{} ({:.0}% of the file)",
                        units::bytes(upload.file_service.peak),
                        share * 100.0
                    ),
                    goal: "well under the file: ≤ 50%",
                    result: verdict(share <= FILE_SERVICE_SHARE).to_owned(),
                });
            }
            other => {
                let why = match other {
                    Ok(upload) => format!("the upload was answered {}: {}", upload.status, upload.detail),
                    Err(error) => error.clone(),
                };
                rows.push(Row {
                    target: gateway_target,
                    measured: format!("not measured: {why}"),
                    goal: "flat: ≤ +32 MiB",
                    result: "FAIL".to_owned(),
                });
                rows.push(Row {
                    target: file_target,
                    measured: "not measured (see above)".to_owned(),
                    goal: "well under the file: ≤ 50%",
                    result: "FAIL".to_owned(),
                });
            }
        }
    }
}
