//! What `/proc` says about the processes under test and the machine: CPU time
//! (`/proc/<pid>/stat` utime + stime), resident and peak memory (`VmRSS`, `VmHWM` in
//! `/proc/<pid>/status`), resetting the peak (`/proc/<pid>/clear_refs`), CPU model and size.

use std::collections::BTreeMap;
use std::fs;
use std::io;

/// A process, or this process itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pid {
    /// `/proc/self`.
    Current,
    /// Another process.
    Other(u32),
}

impl Pid {
    fn dir(self) -> String {
        match self {
            Self::Current => "/proc/self".to_owned(),
            Self::Other(pid) => format!("/proc/{pid}"),
        }
    }
}

/// CPU time (user + system, every thread, exited ones included) of `pid`, in clock ticks.
pub fn cpu_ticks(pid: Pid) -> io::Result<u64> {
    let stat = fs::read_to_string(format!("{}/stat", pid.dir()))?;
    // The command name (field 2) may hold spaces and parentheses: fields are counted from
    // the last ')'. After it come field 3 (state) onwards; utime and stime are fields 14, 15.
    let after_name = stat
        .rfind(')')
        .map(|at| &stat[at + 1..])
        .ok_or_else(|| io::Error::other("unreadable /proc stat"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |index: usize| -> io::Result<u64> {
        fields
            .get(index)
            .and_then(|value| value.parse().ok())
            .ok_or_else(|| io::Error::other("unreadable /proc stat"))
    };
    Ok(field(11)? + field(12)?)
}

/// A line of `/proc/<pid>/status` given in kB (`VmRSS`, `VmHWM`), in bytes.
pub fn status_bytes(pid: Pid, key: &str) -> io::Result<u64> {
    let status = fs::read_to_string(format!("{}/status", pid.dir()))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .ok_or_else(|| io::Error::other(format!("no {key} in /proc status")))
}

/// Resident memory of `pid`, in bytes.
pub fn rss(pid: Pid) -> io::Result<u64> {
    status_bytes(pid, "VmRSS")
}

/// Peak resident memory of `pid` since it started or since [`reset_peak`], in bytes.
pub fn peak_rss(pid: Pid) -> io::Result<u64> {
    status_bytes(pid, "VmHWM")
}

/// Resets the peak resident memory (`VmHWM`) of `pid` to its current resident memory.
pub fn reset_peak(pid: Pid) -> io::Result<()> {
    fs::write(format!("{}/clear_refs", pid.dir()), "5")
}

/// The soft limit of open files of this process (`Max open files` in `/proc/self/limits`);
/// `None` when unlimited or unreadable.
pub fn open_files_limit() -> Option<u64> {
    fs::read_to_string("/proc/self/limits")
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Busy CPU time of the whole machine (every CPU: user, nice, system, irq, softirq, steal),
/// in clock ticks, from the first line of `/proc/stat`.
pub fn machine_busy_ticks() -> io::Result<u64> {
    let stat = fs::read_to_string("/proc/stat")?;
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("cpu "))
        .ok_or_else(|| io::Error::other("unreadable /proc/stat"))?
        .split_whitespace()
        .map(|value| value.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is counted in user already)
    Ok([0, 1, 2, 5, 6, 7].iter().filter_map(|&index| fields.get(index)).sum())
}

/// CPU time the hypervisor gave to others while this machine's CPUs wanted to run
/// (`steal` in `/proc/stat`), every CPU, in clock ticks.
pub fn machine_steal_ticks() -> io::Result<u64> {
    let stat = fs::read_to_string("/proc/stat")?;
    stat.lines()
        .next()
        .and_then(|line| line.strip_prefix("cpu "))
        .and_then(|fields| fields.split_whitespace().nth(7))
        .and_then(|steal| steal.parse().ok())
        .ok_or_else(|| io::Error::other("unreadable /proc/stat"))
}

/// The name under which [`CpuSnapshot`] keeps the machine's busy time.
pub const MACHINE: &str = "machine";

/// CPU ticks of several processes, and of the whole machine, at one moment.
#[derive(Debug, Clone, Default)]
pub struct CpuSnapshot(BTreeMap<&'static str, u64>);

impl CpuSnapshot {
    /// Reads the CPU time of every named process (one that cannot be read is left out) and
    /// the machine's busy time (as [`MACHINE`]).
    pub fn take(processes: &[(&'static str, Pid)]) -> Self {
        let mut ticks: BTreeMap<&'static str, u64> = processes
            .iter()
            .filter_map(|(name, pid)| cpu_ticks(*pid).ok().map(|ticks| (*name, ticks)))
            .collect();
        if let Ok(busy) = machine_busy_ticks() {
            ticks.insert(MACHINE, busy);
        }
        Self(ticks)
    }

    /// CPU time used by each process between `self` and `later`, in seconds.
    pub fn seconds_until(&self, later: &Self, clock_ticks: u64) -> BTreeMap<&'static str, f64> {
        self.0
            .iter()
            .filter_map(|(name, before)| {
                let after = later.0.get(name)?;
                Some((*name, after.saturating_sub(*before) as f64 / clock_ticks as f64))
            })
            .collect()
    }
}

/// CPU seconds the machine spent outside the named processes of `used` (a result of
/// [`CpuSnapshot::seconds_until`]): other work that competed with the benchmark.
pub fn elsewhere(used: &BTreeMap<&'static str, f64>) -> Option<f64> {
    let machine = used.get(MACHINE)?;
    let named: f64 = used
        .iter()
        .filter(|(name, _)| **name != MACHINE)
        .map(|(_, seconds)| seconds)
        .sum();
    Some((machine - named).max(0.0))
}

/// The machine the figures come from.
#[derive(Debug, Clone)]
pub struct Machine {
    /// CPUs this process may use.
    pub cpus: usize,
    /// `model name` of the first CPU.
    pub cpu_model: String,
    /// Total memory, in bytes.
    pub memory: u64,
    /// The kernel release.
    pub kernel: String,
}

impl Machine {
    /// Reads `/proc`; unknown values are said to be unknown.
    pub fn read() -> Self {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, model)| model.trim().to_owned());
        let memory = fs::read_to_string("/proc/meminfo")
            .unwrap_or_default()
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024);
        Self {
            cpus: std::thread::available_parallelism().map_or(0, usize::from),
            cpu_model,
            memory,
            kernel: fs::read_to_string("/proc/sys/kernel/osrelease")
                .map_or_else(|_| "unknown".to_owned(), |release| release.trim().to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_cpu_time_and_memory() {
        let spin: u64 = (0..5_000_000u64).fold(0, |sum, n| sum.wrapping_add(n * n));
        assert!(spin > 0);
        assert!(cpu_ticks(Pid::Current).is_ok());
        let rss = rss(Pid::Current).expect("VmRSS");
        let peak = peak_rss(Pid::Current).expect("VmHWM");
        assert!(rss > 0 && peak >= rss, "rss {rss}, peak {peak}");
    }

    #[test]
    fn the_machine_is_busier_than_this_process() {
        let before = CpuSnapshot::take(&[("self", Pid::Current)]);
        let spin: u64 = (0..50_000_000u64).fold(0, |sum, n| sum.wrapping_add(n ^ (n >> 3)));
        assert!(spin > 0);
        let used = before.seconds_until(&CpuSnapshot::take(&[("self", Pid::Current)]), 100);
        assert!(used[MACHINE] + 0.02 >= used["self"], "{used:?}");
    }

    #[test]
    fn this_process_has_an_open_files_limit() {
        assert!(open_files_limit().is_some_and(|limit| limit >= 64));
    }

    #[test]
    fn machine_knows_its_cpus() {
        assert!(Machine::read().cpus >= 1);
    }
}
