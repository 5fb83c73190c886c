//! Waiting for the rest of the machine to be idle before measuring: on 2 cores, anyone
//! else's compile skews every figure.

use std::time::{Duration, Instant};

use crate::{procfs, say, units};

/// Waiting for other work on the machine to finish, within a budget for the whole run.
pub struct Quiet {
    /// Longest wait left for the whole run.
    pub budget: Duration,
    /// Cores busy below which the machine counts as quiet.
    pub threshold: f64,
    /// Clock ticks per second of `/proc/stat`.
    pub clock_ticks: u64,
    /// Time spent waiting so far.
    pub waited: Duration,
    /// The most cores busy elsewhere when a wait gave up and measuring began anyway.
    pub busy_anyway: Option<f64>,
}

impl Quiet {
    /// Returns once the machine has been quiet for a second, or the budget is spent.
    pub async fn wait(&mut self) {
        let started = Instant::now();
        let mut said = None::<Instant>;
        loop {
            let before = procfs::machine_busy_ticks();
            tokio::time::sleep(Duration::from_secs(1)).await;
            let (Ok(before), Ok(after)) = (before, procfs::machine_busy_ticks()) else {
                return;
            };
            let busy = after.saturating_sub(before) as f64 / self.clock_ticks as f64;
            let elapsed = started.elapsed();
            if busy < self.threshold || elapsed >= self.budget {
                if busy >= self.threshold {
                    self.busy_anyway = Some(self.busy_anyway.map_or(busy, |most| most.max(busy)));
                    say(&format!(
                        "the machine is still busy ({busy:.2} cores); measuring anyway"
                    ));
                }
                self.waited += elapsed.saturating_sub(Duration::from_secs(1));
                self.budget = self.budget.saturating_sub(elapsed);
                return;
            }
            if said.is_none_or(|at| at.elapsed() >= Duration::from_secs(15)) {
                say(&format!(
                    "waiting for the machine to be quiet: {busy:.2} cores busy elsewhere (up to {} more)",
                    units::duration(self.budget.saturating_sub(elapsed))
                ));
                said = Some(Instant::now());
            }
        }
    }
}
