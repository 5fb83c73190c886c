//! The resident memory of processes while something runs: `VmRSS` sampled every 20 ms, and
//! `VmHWM` (the kernel's own peak, which catches what falls between two samples) reset just
//! before where the kernel lets us.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::procfs::{self, Pid};

/// How often resident memory is sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// The memory of one process over a watched stretch of time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Resident memory just before, in bytes.
    pub before: u64,
    /// Highest resident memory seen: the larger of the samples and `VmHWM`.
    pub peak: u64,
    /// Whether `VmHWM` was reset first (otherwise only samples count).
    pub peak_reset: bool,
}

impl Memory {
    /// Growth over the memory before.
    pub fn growth(&self) -> u64 {
        self.peak.saturating_sub(self.before)
    }
}

/// Samples the memory of named processes until [`Watch::stop`].
pub struct Watch {
    processes: Vec<(&'static str, Pid)>,
    before: Vec<u64>,
    peak_reset: Vec<bool>,
    sampled: Arc<Mutex<Vec<u64>>>,
    stop: Arc<AtomicBool>,
    sampler: tokio::task::JoinHandle<()>,
}

impl Watch {
    /// Resets the peaks and starts sampling (a task on the current runtime).
    pub fn start(processes: &[(&'static str, Pid)]) -> Self {
        let processes = processes.to_vec();
        let peak_reset: Vec<bool> = processes
            .iter()
            .map(|(_, pid)| procfs::reset_peak(*pid).is_ok())
            .collect();
        let before: Vec<u64> = processes
            .iter()
            .map(|(_, pid)| procfs::rss(*pid).unwrap_or(0))
            .collect();
        let sampled = Arc::new(Mutex::new(before.clone()));
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let (sampled, stop) = (Arc::clone(&sampled), Arc::clone(&stop));
            let pids: Vec<Pid> = processes.iter().map(|(_, pid)| *pid).collect();
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    {
                        let mut peaks = sampled.lock().unwrap_or_else(PoisonError::into_inner);
                        for (peak, pid) in peaks.iter_mut().zip(&pids) {
                            *peak = (*peak).max(procfs::rss(*pid).unwrap_or(0));
                        }
                    }
                    tokio::time::sleep(SAMPLE_EVERY).await;
                }
            })
        };
        Self {
            processes,
            before,
            peak_reset,
            sampled,
            stop,
            sampler,
        }
    }

    /// Stops sampling: each process's memory, in the order given to [`Watch::start`].
    pub async fn stop(self) -> Vec<(&'static str, Memory)> {
        self.stop.store(true, Ordering::Relaxed);
        // A sampler that panicked leaves the samples it took.
        let _stopped = self.sampler.await;
        let sampled = self.sampled.lock().unwrap_or_else(PoisonError::into_inner).clone();
        self.processes
            .iter()
            .enumerate()
            .map(|(index, (name, pid))| {
                let reset = self.peak_reset[index];
                // Without the reset, VmHWM would be the peak of the process's whole life.
                let peak = if reset {
                    sampled[index].max(procfs::peak_rss(*pid).unwrap_or(0))
                } else {
                    sampled[index]
                };
                let memory = Memory {
                    before: self.before[index],
                    peak,
                    peak_reset: reset,
                };
                (*name, memory)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn watching_this_process_sees_an_allocation() {
        let watch = Watch::start(&[("self", Pid::Current)]);
        let block = vec![1u8; 64 << 20];
        tokio::time::sleep(Duration::from_millis(60)).await;
        let memory = watch.stop().await;
        assert_eq!(memory.len(), 1);
        let (name, memory) = memory[0];
        assert_eq!(name, "self");
        assert!(memory.peak >= memory.before, "{memory:?}");
        assert!(memory.growth() >= 32 << 20, "{memory:?}");
        assert_eq!(block.iter().map(|&byte| u64::from(byte)).sum::<u64>(), 64 << 20);
    }
}
