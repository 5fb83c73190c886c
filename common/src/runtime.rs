//! The async runtime every binary runs on, sized by `WORKER_THREADS`.
//!
//! By default a process runs its async work on one thread (a current-thread runtime), and its
//! blocking work (argon2, Polars) on tokio's blocking pool as always. Sextant scales out by
//! running more processes behind the gateway, and on a small machine shared by five services,
//! PostgreSQL and Redis, one thread per process avoids the cross-thread wake-ups of a
//! work-stealing runtime: on the 2-core benchmark machine it cut the gateway's latency by more
//! than half (BENCHMARKS.md). `WORKER_THREADS=N` with N > 1 selects the multi-thread runtime.

use std::future::Future;
use std::io;

/// The environment variable naming the number of threads that run async work.
pub const WORKER_THREADS: &str = "WORKER_THREADS";

/// Builds the runtime `WORKER_THREADS` asks for and runs `main` on it to completion.
pub fn block_on<F: Future>(main: F) -> io::Result<F::Output> {
    let threads = match std::env::var(WORKER_THREADS) {
        Ok(value) => parse_threads(&value)?,
        Err(std::env::VarError::NotPresent) => 1,
        Err(error) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{WORKER_THREADS}: {error}"),
            ));
        }
    };
    let mut builder = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(threads);
        builder
    };
    Ok(builder.enable_all().build()?.block_on(main))
}

fn parse_threads(value: &str) -> io::Result<usize> {
    match value.trim().parse::<usize>() {
        Ok(threads) if threads > 0 => Ok(threads),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{WORKER_THREADS} must be a whole number of threads above 0, not {value:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_counts_are_whole_and_positive() {
        assert_eq!(parse_threads("1").ok(), Some(1));
        assert_eq!(parse_threads(" 4 ").ok(), Some(4));
        for bad in ["0", "-1", "two", ""] {
            let error = parse_threads(bad).expect_err(bad);
            assert!(error.to_string().contains(WORKER_THREADS), "{error}");
        }
    }
}
