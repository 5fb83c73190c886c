//! A circuit breaker per provider: after `threshold` failed attempts in a row it opens and
//! refuses calls at once; after `cooldown` it lets one trial call through (half-open),
//! whose success closes it and whose failure opens it again.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Where a breaker stands, for metrics and readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are refused until the cool-down ends.
    Open,
    /// One trial call is allowed.
    HalfOpen,
}

impl BreakerState {
    /// Its name: `closed`, `open` or `half_open`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { trial_running: bool },
}

/// The breaker of one provider.
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

impl Breaker {
    /// A closed breaker that opens after `threshold` failures in a row (at least 1) for
    /// `cooldown`.
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a call may go out now (a half-open breaker admits one trial at a time).
    pub fn admit(&self) -> bool {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if Instant::now() >= until => {
                *state = State::HalfOpen { trial_running: true };
                true
            }
            State::Open { .. } => false,
            State::HalfOpen { ref mut trial_running } => !std::mem::replace(trial_running, true),
        }
    }

    /// A call went through: the breaker closes.
    pub fn succeeded(&self) {
        *self.lock() = State::Closed { failures: 0 };
    }

    /// An attempt failed in a way that says the provider is in trouble.
    pub fn failed(&self) {
        let mut state = self.lock();
        let opened = State::Open {
            until: Instant::now() + self.cooldown,
        };
        *state = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => State::Closed { failures: failures + 1 },
            State::Closed { .. } | State::HalfOpen { .. } => {
                tracing::warn!(
                    cooldown_ms = self.cooldown.as_millis() as u64,
                    "model provider circuit opened"
                );
                opened
            }
            State::Open { until } => State::Open { until },
        };
    }

    /// A call that was admitted ended without saying anything about the provider (it was
    /// cancelled): a half-open breaker admits the next trial.
    pub fn released(&self) {
        if let State::HalfOpen { trial_running } = &mut *self.lock() {
            *trial_running = false;
        }
    }

    /// Where it stands now.
    pub fn state(&self) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if Instant::now() >= until => BreakerState::HalfOpen,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breaker_opens_after_its_threshold_and_half_opens_after_the_cooldown() {
        let breaker = Breaker::new(3, Duration::from_millis(30));
        for _ in 0..2 {
            assert!(breaker.admit());
            breaker.failed();
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        breaker.failed();
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(!breaker.admit(), "an open breaker refuses calls");
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert!(breaker.admit(), "one trial");
        assert!(!breaker.admit(), "only one trial at a time");
        breaker.failed();
        assert_eq!(breaker.state(), BreakerState::Open, "a failed trial opens it again");
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.admit());
        breaker.succeeded();
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[test]
    fn a_success_resets_the_count_of_failures() {
        let breaker = Breaker::new(2, Duration::from_secs(60));
        breaker.failed();
        breaker.succeeded();
        breaker.failed();
        assert_eq!(breaker.state(), BreakerState::Closed);
        breaker.failed();
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[test]
    fn a_released_trial_lets_the_next_one_through() {
        let breaker = Breaker::new(1, Duration::ZERO);
        breaker.failed();
        assert!(breaker.admit());
        assert!(!breaker.admit());
        breaker.released();
        assert!(breaker.admit());
    }
}
