//! The figures of the chat part, from the answers of its streams: the storm's counts and
//! latencies, and one stream's events per second.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::latency::{self, Summary};
use crate::memory::Memory;
use crate::stream::Answer;

/// Failure messages kept as examples.
const EXAMPLES: usize = 5;

/// The storm of concurrent streams.
#[derive(Debug, Clone, Default)]
pub struct Storm {
    /// Streams opened.
    pub streams: usize,
    /// Streams that ended with `done` and no `error` event.
    pub ok: usize,
    /// Failed streams by kind of failure.
    pub failures: BTreeMap<&'static str, usize>,
    /// A few failure messages.
    pub examples: Vec<String>,
    /// The most streams open at once (headers received, `done` not yet).
    pub peak_open: usize,
    /// Time to the first event.
    pub first_event: Summary,
    /// Time to `done`.
    pub done: Summary,
    /// Events received in all.
    pub events: u64,
    /// From the signal to send to the end of the last stream.
    pub took: Duration,
    /// Opening the connections beforehand.
    pub connected_in: Duration,
    /// Memory of each process during the storm.
    pub memory: Vec<(&'static str, Memory)>,
}

impl Storm {
    /// Counts and summarises the answers of the storm.
    pub fn of(answers: &[Answer]) -> Self {
        let mut storm = Self {
            streams: answers.len(),
            ..Self::default()
        };
        let (mut first_event, mut done) = (latency::histogram(), latency::histogram());
        for answer in answers {
            storm.events += u64::from(answer.events);
            if let Some(at) = answer.first_event {
                latency::record(&mut first_event, at);
            }
            if let Some(at) = answer.done {
                latency::record(&mut done, at);
            }
            match &answer.failure {
                None if answer.done.is_some() => storm.ok += 1,
                None => *storm.failures.entry("ended without done").or_default() += 1,
                Some(failure) => {
                    *storm.failures.entry(failure.kind()).or_default() += 1;
                    let message = failure.to_string();
                    if storm.examples.len() < EXAMPLES && !storm.examples.contains(&message) {
                        storm.examples.push(message);
                    }
                }
            }
        }
        storm.first_event = Summary::of(&first_event);
        storm.done = Summary::of(&done);
        storm
    }

    /// Streams that failed.
    pub fn errors(&self) -> usize {
        self.streams - self.ok
    }
}

/// One stream's events per second, question after question, live and replayed.
#[derive(Debug, Clone, Default)]
pub struct Rates {
    /// The live answers.
    pub live: Vec<Answer>,
    /// The replays of the same runs.
    pub replay: Vec<Answer>,
}

/// The median and the largest of a figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread<T> {
    /// Median (nearest rank).
    pub p50: T,
    /// Largest.
    pub max: T,
}

impl<T: Copy + PartialOrd> Spread<T> {
    fn of(values: &[T]) -> Option<Self> {
        Some(Self {
            p50: latency::nearest_rank(values, 0.5)?,
            max: latency::nearest_rank(values, 1.0)?,
        })
    }
}

impl Rates {
    /// Events per complete live answer.
    pub fn events_per_answer(&self) -> Option<Spread<u32>> {
        let events: Vec<u32> = self
            .live
            .iter()
            .filter(|answer| answer.ok())
            .map(|answer| answer.events)
            .collect();
        Spread::of(&events)
    }

    /// Events per second of complete `answers` that took measurable time.
    pub fn rate(answers: &[Answer]) -> Option<Spread<f64>> {
        let rates: Vec<f64> = answers
            .iter()
            .filter(|answer| answer.ok())
            .filter_map(Answer::rate)
            .collect();
        Spread::of(&rates)
    }

    /// Events per second of complete `answers` counted from the request to `done`: the
    /// whole exchange, for answers too fast for [`Answer::rate`].
    pub fn whole_rate(answers: &[Answer]) -> Option<Spread<f64>> {
        let rates: Vec<f64> = answers
            .iter()
            .filter(|answer| answer.ok())
            .filter_map(|answer| {
                let done = answer.done?.as_secs_f64();
                (done > 0.0).then(|| f64::from(answer.events) / done)
            })
            .collect();
        Spread::of(&rates)
    }

    /// Complete answers whose events all arrived in one read (no rate).
    pub fn in_one_read(answers: &[Answer]) -> usize {
        answers
            .iter()
            .filter(|answer| answer.ok() && answer.rate().is_none())
            .count()
    }

    /// Time to `done` of complete `answers`.
    pub fn done(answers: &[Answer]) -> Option<Spread<Duration>> {
        let done: Vec<Duration> = answers
            .iter()
            .filter(|answer| answer.ok())
            .filter_map(|answer| answer.done)
            .collect();
        Spread::of(&done)
    }

    /// What went wrong, live or replayed.
    pub fn failures(&self) -> Vec<String> {
        let live = self.live.iter().map(|answer| ("live", answer));
        let replay = self.replay.iter().map(|answer| ("replay", answer));
        live.chain(replay)
            .filter_map(|(kind, answer)| Some(format!("{kind}: {}", answer.failure.as_ref()?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::Failure;

    fn answer(first_ms: u64, done_ms: u64, events: u32) -> Answer {
        Answer {
            status: Some(200),
            first_event: Some(Duration::from_millis(first_ms)),
            done: Some(Duration::from_millis(done_ms)),
            events,
            run_id: Some("run".to_owned()),
            failure: None,
        }
    }

    #[test]
    fn the_storm_counts_each_kind_of_failure_once_per_stream() {
        let answers = [
            answer(2, 40, 20),
            answer(3, 50, 20),
            Answer::failed(Failure::Status(409, "busy".into())),
            Answer::failed(Failure::Status(409, "busy".into())),
            Answer {
                failure: Some(Failure::ErrorEvent("internal: boom".into())),
                ..answer(4, 60, 12)
            },
            Answer {
                done: None,
                ..answer(4, 0, 5)
            },
        ];
        let storm = Storm::of(&answers);
        assert_eq!((storm.streams, storm.ok, storm.errors()), (6, 2, 4));
        assert_eq!(storm.failures["non-200"], 2);
        assert_eq!(storm.failures["error event"], 1);
        assert_eq!(storm.failures["ended without done"], 1);
        assert_eq!(storm.examples, ["HTTP 409: busy", "error event: internal: boom"]);
        assert_eq!(storm.events, 57);
        assert_eq!(storm.done.count, 3);
        assert_eq!(storm.first_event.count, 4);
    }

    #[test]
    fn rates_use_only_complete_answers() {
        let rates = Rates {
            live: vec![
                answer(10, 110, 21),
                answer(10, 60, 21),
                Answer::failed(Failure::Timeout),
            ],
            replay: vec![answer(1, 1, 21), answer(1, 3, 21)],
        };
        let live = Rates::rate(&rates.live).expect("live rate");
        assert!(
            (live.p50 - 200.0).abs() < 1e-6 && (live.max - 400.0).abs() < 1e-6,
            "{live:?}"
        );
        assert_eq!(rates.events_per_answer(), Some(Spread { p50: 21, max: 21 }));
        assert_eq!(Rates::in_one_read(&rates.replay), 1);
        let whole = Rates::whole_rate(&rates.replay).expect("whole rate");
        assert!((whole.max - 21_000.0).abs() < 1e-6, "{whole:?}");
        let replay = Rates::rate(&rates.replay).expect("replay rate");
        assert!((replay.max - 10_000.0).abs() < 1e-6, "{replay:?}");
        assert_eq!(rates.failures(), ["live: timeout"]);
    }
}
