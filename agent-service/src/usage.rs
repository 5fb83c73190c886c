//! Token and cost accounting of one run: providers that call a model add what each call
//! used, and the run reports the total as its `usage` event. The offline analyst uses no
//! model, so its runs report zero.

use std::sync::{Mutex, PoisonError};

/// What a run used so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
}

/// The running total of one run, shared by its nodes.
#[derive(Debug, Default)]
pub struct Meter(Mutex<Usage>);

impl Meter {
    /// Adds one call's use.
    pub fn add(&self, used: Usage) {
        let mut total = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        total.input_tokens += used.input_tokens;
        total.output_tokens += used.output_tokens;
        total.cost_usd += used.cost_usd;
    }

    /// The total so far.
    pub fn total(&self) -> Usage {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meter_adds_up_every_call() {
        let meter = Meter::default();
        assert_eq!(meter.total(), Usage::default());
        for _ in 0..3 {
            meter.add(Usage {
                input_tokens: 100,
                output_tokens: 20,
                cost_usd: 0.25,
            });
        }
        assert_eq!(
            meter.total(),
            Usage {
                input_tokens: 300,
                output_tokens: 60,
                cost_usd: 0.75
            }
        );
    }
}
