//! Chat streams: the target (1,000 concurrent streams, no errors), the storm's table with
//! the memory of each process, and one stream's events per second.

use std::fmt::Write as _;

use super::Report;
use super::targets::{Row, qualified, why_missing};
use crate::chat::{Rates, Storm};
use crate::latency::millis;
use crate::units;

/// Streams the target is defined at.
const TARGET_STREAMS: usize = 1_000;
const GOAL: &str = "1,000 streams, 0 errors";

impl Report {
    pub(super) fn chat_targets(&self, rows: &mut Vec<Row>) {
        let target = "concurrent chat streams through the gateway, read to `done`";
        let Some(Ok(chat)) = &self.chat else {
            rows.push(Row::missing(target, GOAL, &why_missing(&self.chat)));
            return;
        };
        let storm = &chat.storm;
        rows.push(Row {
            target: target.to_owned(),
            measured: format!(
                "{} errors of {} streams; at most {} open at once",
                storm.errors(),
                units::count(storm.streams as u64),
                units::count(storm.peak_open as u64)
            ),
            goal: GOAL,
            result: qualified(
                storm.streams > 0 && storm.errors() == 0,
                storm.streams >= TARGET_STREAMS,
                &format!("{} streams", storm.streams),
            ),
        });
    }

    pub(super) fn chat_markdown(&self, out: &mut String) {
        match &self.chat {
            Some(Ok(chat)) => {
                let setup = &chat.setup;
                let _ = writeln!(
                    out,
                    "\n### Chat: {} concurrent streams through the gateway, all asking \"{}\"\n",
                    units::count(chat.storm.streams as u64),
                    chat.question
                );
                let _ = writeln!(
                    out,
                    "{} users set up first (register, log in, open a session, upload a 200-row CSV), {} at a time: {}.\n",
                    units::count(setup.users as u64),
                    setup.concurrency,
                    units::duration(setup.took)
                );
                storm_markdown(out, &chat.storm);
                match &chat.rates {
                    Ok(rates) => rates_markdown(out, rates),
                    Err(error) => {
                        let _ = writeln!(out, "\nOne stream's events per second: **not measured**: {error}");
                    }
                }
            }
            Some(Err(error)) => {
                let _ = writeln!(out, "\n### Chat streams\n\n**Not measured**: {error}");
            }
            None => {}
        }
    }
}

fn storm_markdown(out: &mut String, storm: &Storm) {
    let _ = writeln!(
        out,
        "| streams | done, no error | errors | most open at once | first event p50 / p99 / max ms | `done` p50 / p99 / max ms | events | last `done` after |\n|--:|--:|--:|--:|--:|--:|--:|--:|"
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} / {} / {} | {} / {} / {} | {} | {} |",
        storm.streams,
        storm.ok,
        storm.errors(),
        storm.peak_open,
        millis(storm.first_event.p50),
        millis(storm.first_event.p99),
        millis(storm.first_event.max),
        millis(storm.done.p50),
        millis(storm.done.p99),
        millis(storm.done.max),
        storm.events,
        units::duration(storm.took)
    );
    if !storm.failures.is_empty() {
        let kinds: Vec<String> = storm
            .failures
            .iter()
            .map(|(kind, count)| format!("{count} {kind}"))
            .collect();
        let _ = writeln!(
            out,
            "\nFailures: {}. For example: {}.",
            kinds.join(", "),
            storm.examples.join("; ")
        );
    }
    let _ = writeln!(
        out,
        "\nThe connections were opened beforehand ({}); times count from each request.\n",
        units::duration(storm.connected_in)
    );
    let _ = writeln!(
        out,
        "| process | RSS before | peak during the streams | growth | per stream | VmHWM reset first |\n|---|--:|--:|--:|--:|---|"
    );
    for (name, memory) in &storm.memory {
        let _ = writeln!(
            out,
            "| {name} | {} | {} | +{} | {} | {} |",
            units::bytes(memory.before),
            units::bytes(memory.peak),
            units::bytes(memory.growth()),
            units::bytes(memory.growth() / storm.streams.max(1) as u64),
            if memory.peak_reset { "yes" } else { "no (samples only)" }
        );
    }
}

fn rates_markdown(out: &mut String, rates: &Rates) {
    let _ = writeln!(
        out,
        "\nOne stream, {} questions in a row, each run then replayed from its start (`Last-Event-ID: <run>:0`); events per second are the events after the first over the time from the first event to `done`:\n",
        rates.live.len()
    );
    let _ = writeln!(
        out,
        "| stream | complete | events per answer p50 / max | events/s p50 | events/s max | `done` p50 / max ms | all in one read |\n|---|--:|--:|--:|--:|--:|--:|"
    );
    let per_answer = rates
        .events_per_answer()
        .map_or("–".to_owned(), |spread| format!("{} / {}", spread.p50, spread.max));
    for (label, answers) in [("live answer", &rates.live), ("replay", &rates.replay)] {
        let rate = Rates::rate(answers);
        let done = Rates::done(answers).map_or("–".to_owned(), |spread| {
            format!("{} / {}", millis(spread.p50), millis(spread.max))
        });
        let _ = writeln!(
            out,
            "| {label} | {} of {} | {per_answer} | {} | {} | {done} | {} |",
            answers.iter().filter(|answer| answer.ok()).count(),
            answers.len(),
            rate.map_or("–".to_owned(), |rate| format!("{:.0}", rate.p50)),
            rate.map_or("–".to_owned(), |rate| format!("{:.0}", rate.max)),
            Rates::in_one_read(answers)
        );
    }
    let mismatched = rates
        .live
        .iter()
        .zip(&rates.replay)
        .filter(|(live, replay)| live.ok() && replay.ok() && live.events != replay.events)
        .count();
    if mismatched > 0 {
        let _ = writeln!(
            out,
            "\n{mismatched} replays did not carry as many events as their live answer."
        );
    }
    let failures = rates.failures();
    if !failures.is_empty() {
        let _ = writeln!(out, "\nFailures: {}.", failures.join("; "));
    }
    let replayed = rates.replay.iter().filter(|answer| answer.ok()).count();
    if replayed > 0 && Rates::in_one_read(&rates.replay) == replayed {
        let whole = Rates::whole_rate(&rates.replay).map_or("–".to_owned(), |rate| format!("{:.0}", rate.p50));
        let _ = writeln!(
            out,
            "\nEvery replay arrived in one read of the socket, too fast for a rate between its first event and `done`; counted from the request instead, a replay carried {whole} events/s (p50)."
        );
    }
}
