//! Token and cost accounting of one run: the LLM analyst adds what each model call used
//! (priced per model, see [`Prices`]), the run reports the total as its `usage` event and
//! records it with the run. A run may have a budget (the smaller of the per-run budget and
//! what is left of its user's daily one): once spent, the next model call is refused. The
//! offline analyst uses no model, so its runs report zero.

use std::sync::{Mutex, PoisonError};

/// What a run used so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, used: Self) {
        self.input_tokens += used.input_tokens;
        self.output_tokens += used.output_tokens;
        self.cost_usd += used.cost_usd;
    }
}

/// The price of a model's tokens, in US dollars per million.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prices {
    /// Per million prompt tokens.
    pub input_per_million: f64,
    /// Per million completion tokens.
    pub output_per_million: f64,
}

impl Prices {
    /// What one call's tokens cost.
    pub fn usage(&self, input_tokens: u64, output_tokens: u64) -> Usage {
        Usage {
            input_tokens,
            output_tokens,
            cost_usd: (input_tokens as f64 * self.input_per_million + output_tokens as f64 * self.output_per_million)
                / 1e6,
        }
    }
}

/// A budget that is spent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spent {
    /// What was used, in US dollars.
    pub spent: f64,
    /// The budget.
    pub limit: f64,
}

/// The running total of one run, shared by its nodes, and its budget.
#[derive(Debug, Default)]
pub struct Meter {
    total: Mutex<Usage>,
    limit: Option<f64>,
}

impl Meter {
    /// A meter that has counted `used` already, with `limit`.
    pub fn resume(used: Usage, limit: Option<f64>) -> Self {
        Self {
            total: Mutex::new(used),
            limit,
        }
    }

    /// Adds one call's use.
    pub fn add(&self, used: Usage) {
        *self.total.lock().unwrap_or_else(PoisonError::into_inner) += used;
    }

    /// The total so far.
    pub fn total(&self) -> Usage {
        *self.total.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether another call may be made: an error once the budget is spent.
    pub fn check(&self) -> Result<(), Spent> {
        match self.limit {
            Some(limit) if self.total().cost_usd >= limit => Err(Spent {
                spent: self.total().cost_usd,
                limit,
            }),
            _ => Ok(()),
        }
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
        assert_eq!(meter.check(), Ok(()), "no limit");
    }

    #[test]
    fn a_meter_refuses_once_its_budget_is_spent() {
        let meter = Meter::resume(Usage::default(), Some(0.5));
        let prices = Prices {
            input_per_million: 3.0,
            output_per_million: 15.0,
        };
        let call = prices.usage(100_000, 10_000);
        assert!((call.cost_usd - 0.45).abs() < 1e-9, "{call:?}");
        meter.add(call);
        assert_eq!(meter.check(), Ok(()));
        meter.add(call);
        assert!(
            meter
                .check()
                .is_err_and(|spent| spent.limit == 0.5 && spent.spent > 0.5)
        );
    }
}
