//! The profile of a large CSV against Polars' own read of it. Each side runs in a fresh
//! child process (`sextant-bench polars-read` / `sextant-bench profile`), so its time and
//! peak memory are its own and neither inherits the other's allocations.
//!
//! - Polars' read: `LazyCsvReader` with the options file-service uses, `collect()`ed into a
//!   `DataFrame` (every column parsed and held, as `pl.read_csv` does).
//! - The profile: `file_service::profile::profile` on the format `sniff::detect` finds,
//!   the very code file-service runs after an upload.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use file_service::profile::sniff;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::procfs::{self, Pid};

/// Rows Polars reads to infer column types: file-service's own setting.
const INFER_SCHEMA_ROWS: usize = 10_000;

/// What one child process measured.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Measured {
    /// Wall time of the work, in seconds.
    pub seconds: f64,
    /// Rows found.
    pub rows: u64,
    /// Columns found.
    pub columns: u64,
    /// Peak resident memory of the process, in bytes.
    pub peak_rss: u64,
}

fn utf8(path: &Path) -> anyhow::Result<&str> {
    path.to_str().context("the CSV path is not UTF-8")
}

/// Reads the CSV at `path` into a `DataFrame` with Polars alone (runs in the child).
pub fn polars_read(path: &Path) -> anyhow::Result<Measured> {
    let started = Instant::now();
    let frame = LazyCsvReader::new(PlRefPath::new(utf8(path)?))
        .with_has_header(true)
        .with_separator(b',')
        .with_infer_schema_length(Some(INFER_SCHEMA_ROWS))
        .with_missing_is_null(true)
        .with_glob(false)
        .finish()?
        .collect()?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Measured {
        seconds,
        rows: frame.height() as u64,
        columns: frame.width() as u64,
        peak_rss: procfs::peak_rss(Pid::Current)?,
    })
}

/// Profiles the file at `path` with file-service's profile module (runs in the child).
pub fn profile(path: &Path, scratch: &Path) -> anyhow::Result<Measured> {
    let started = Instant::now();
    let size = std::fs::metadata(path)?.len();
    let mut head = Vec::with_capacity(sniff::HEAD_BYTES);
    std::fs::File::open(path)?
        .take(sniff::HEAD_BYTES as u64)
        .read_to_end(&mut head)?;
    let extension = path.extension().and_then(|extension| extension.to_str());
    let format = sniff::detect(extension, &head, size)?;
    std::fs::create_dir_all(scratch)?;
    let profile = file_service::profile::profile(path, format, scratch)?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Measured {
        seconds,
        rows: profile.rows,
        columns: profile.columns,
        peak_rss: procfs::peak_rss(Pid::Current)?,
    })
}

/// The comparison of both, each run `rounds` times (the fastest round counts).
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Every round of Polars' read.
    pub polars: Vec<Measured>,
    /// Every round of the profile.
    pub profile: Vec<Measured>,
}

impl Comparison {
    fn fastest(rounds: &[Measured]) -> Option<Measured> {
        rounds.iter().copied().min_by(|a, b| a.seconds.total_cmp(&b.seconds))
    }

    /// The fastest read.
    pub fn polars_best(&self) -> Option<Measured> {
        Self::fastest(&self.polars)
    }

    /// The fastest profile.
    pub fn profile_best(&self) -> Option<Measured> {
        Self::fastest(&self.profile)
    }

    /// Profile time over read time, fastest of each.
    pub fn ratio(&self) -> Option<f64> {
        Some(self.profile_best()?.seconds / self.polars_best()?.seconds)
    }
}

/// Runs this binary's `subcommand` on `file` in a child process and reads its result.
fn child(subcommand: &str, file: &Path, scratch: &Path) -> anyhow::Result<Measured> {
    let exe = std::env::current_exe()?;
    let output = Command::new(exe)
        .arg(subcommand)
        .arg("--file")
        .arg(file)
        .arg("--scratch")
        .arg(scratch)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("starting `sextant-bench {subcommand}`"))?;
    anyhow::ensure!(
        output.status.success(),
        "`sextant-bench {subcommand}` failed ({})",
        output.status
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().context("no result printed")?;
    serde_json::from_str(line).with_context(|| format!("`sextant-bench {subcommand}` printed {line:?}"))
}

/// Reads `file` once so both sides start from a warm page cache.
fn warm_page_cache(file: &Path) -> std::io::Result<u64> {
    std::io::copy(&mut std::fs::File::open(file)?, &mut std::io::sink())
}

/// Alternates Polars' read and the profile of `file`, `rounds` times each.
pub async fn compare(file: PathBuf, scratch: PathBuf, rounds: usize) -> anyhow::Result<Comparison> {
    tokio::task::spawn_blocking(move || {
        warm_page_cache(&file)?;
        let mut comparison = Comparison {
            polars: Vec::new(),
            profile: Vec::new(),
        };
        for round in 1..=rounds.max(1) {
            let read = child("polars-read", &file, &scratch)?;
            eprintln!(
                "sextant-bench: round {round}: Polars read {} rows in {:.2} s",
                read.rows, read.seconds
            );
            comparison.polars.push(read);
            let profiled = child("profile", &file, &scratch)?;
            eprintln!(
                "sextant-bench: round {round}: profile of {} rows in {:.2} s",
                profiled.rows, profiled.seconds
            );
            comparison.profile.push(profiled);
        }
        Ok(comparison)
    })
    .await?
}

/// Seconds as a `Duration`, for printing.
pub fn seconds(value: f64) -> Duration {
    Duration::from_secs_f64(value.max(0.0))
}
