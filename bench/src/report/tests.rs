//! The report as a reader sees it: the file keeps one introduction and the newest run
//! first, and a run with the agent's parts has well-formed tables and verdicts.

use std::time::Duration;

use super::*;
use crate::agent::Row as TurnsRow;
use crate::analyst::Question;
use crate::chat::{Rates, Setup, Storm};
use crate::checkpoint::Row as CheckpointRow;
use crate::latency::Summary;
use crate::memory::Memory;
use crate::stream::{Answer, Failure};

#[test]
fn record_keeps_one_introduction_and_puts_the_newest_run_first() {
    let path = std::env::temp_dir().join(format!("sextant-bench-report-{}.md", std::process::id()));
    let _ = std::fs::remove_file(&path);
    record(&path, "## first run\n").expect("record");
    record(&path, "## second run\n").expect("record");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::remove_file(&path).expect("cleanup");
    assert_eq!(text.matches("# Benchmarks").count(), 1);
    assert_eq!(text.matches(MARKER).count(), 1);
    let (first, second) = (text.find("## first run"), text.find("## second run"));
    assert!(second.is_some() && first.is_some() && second < first, "{text}");
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

fn answer(first: u64, done: u64) -> Answer {
    Answer {
        status: Some(200),
        first_event: Some(ms(first)),
        done: Some(ms(done)),
        events: 12,
        run_id: Some("run".to_owned()),
        failure: None,
    }
}

fn summary(p50: u64, p99: u64, max: u64) -> Summary {
    Summary {
        count: 1_999,
        p50: ms(p50),
        p90: ms(p50 + 1),
        p99: ms(p99),
        p999: ms(max),
        max: ms(max),
    }
}

/// Turns whose agent's own time is `own` ms at the median, of `turn` ms in all.
fn turns(label: &str, turn: u64, own: u64, calls: u32) -> TurnsRow {
    TurnsRow {
        label: label.to_owned(),
        turn: summary(turn, turn + 2, turn + 5),
        model: summary(turn - own, turn - own + 1, turn - own + 2),
        overhead: summary(own, own + 1, own + 3),
        calls,
    }
}

/// A run of only the checkpoint, chat, analyst and agent parts, the analyst missing one
/// question and the OpenAI wire's turn over its target.
fn agent_run() -> Report {
    let agent = AgentResult {
        models: vec![
            turns("anthropic wire, instant model", 20, 3, 9),
            turns("openai wire, instant model", 25, 6, 9),
        ],
        without_checkpoints: turns("openai wire, instant model, no checkpoints", 22, 4, 9),
        offline: turns("offline analyst", 10, 10, 0),
        breaker_open: turns("breaker open: the offline analyst answers", 12, 12, 0),
        opening: ms(2_400),
        retry: (3, ms(500)),
        chart: summary(2, 3, 4),
        flush: summary(4, 5, 8),
    };
    let checkpoint = CheckpointResult {
        state_bytes: 4_866,
        rows: vec![
            CheckpointRow {
                graphs: 1,
                steps: 2_000,
                latency: summary(1, 3, 9),
                elapsed: Duration::from_secs(3),
            },
            CheckpointRow {
                graphs: 8,
                steps: 500,
                latency: summary(2, 7, 12),
                elapsed: Duration::from_secs(4),
            },
        ],
    };
    let storm = Storm {
        peak_open: 998,
        took: Duration::from_secs(9),
        connected_in: ms(800),
        memory: vec![(
            "gateway",
            Memory {
                before: 10 << 20,
                peak: 60 << 20,
                peak_reset: true,
            },
        )],
        ..Storm::of(&vec![answer(30, 900); 1_000])
    };
    let chat = ChatResult {
        question: "total amount by region".to_owned(),
        setup: Setup {
            users: 1_000,
            concurrency: 8,
            took: Duration::from_secs(95),
        },
        storm,
        rates: Ok(Rates {
            live: vec![answer(5, 60); 10],
            replay: vec![answer(1, 1); 10],
        }),
    };
    let failed = Answer::failed(Failure::ErrorEvent("not_understood: ?".to_owned()));
    let analyst = AnalystResult {
        rows: 1_000_000,
        file_bytes: 45 << 20,
        generated_in: ms(900),
        uploaded_in: Duration::from_secs(4),
        warmup: answer(40, 400),
        questions: vec![
            Question {
                text: "how many rows are there?",
                asks: vec![answer(3, 20); 5],
            },
            Question {
                text: "distribution of amount",
                asks: vec![answer(4, 90), failed],
            },
        ],
    };
    Report {
        date: "2026-11-22 06:00 UTC".to_owned(),
        command: "make bench".to_owned(),
        revision: "abc1234".to_owned(),
        machine: crate::procfs::Machine {
            cpus: 2,
            cpu_model: "test".to_owned(),
            memory: 24 << 30,
            kernel: "6".to_owned(),
        },
        window: closed::Window {
            warmup: Duration::from_secs(2),
            measure: Duration::from_secs(10),
        },
        saturation: 64,
        closed: None,
        open: None,
        profile: None,
        checkpoint: Some(Ok(checkpoint)),
        chat: Some(Ok(chat)),
        analyst: Some(Ok(analyst)),
        agent: Some(Ok(agent)),
        notes: Vec::new(),
    }
}

/// The verdict of the target row that starts with `target`.
fn verdict<'a>(markdown: &'a str, target: &str) -> &'a str {
    let row = markdown
        .lines()
        .find(|line| line.starts_with(&format!("| {target}")))
        .unwrap_or_else(|| panic!("no row for {target}:\n{markdown}"));
    row.rsplit('|').nth(1).expect("a result cell").trim()
}

#[test]
fn the_agent_parts_give_verdicts_and_well_formed_tables() {
    let markdown = agent_run().markdown();
    assert_eq!(
        verdict(&markdown, "checkpoint write p99, 1 graph(s) × 2000 steps"),
        "**PASS**"
    );
    assert_eq!(
        verdict(&markdown, "checkpoint write p99, 8 graph(s) × 500 steps"),
        "**FAIL**"
    );
    assert_eq!(verdict(&markdown, "concurrent chat streams"), "**PASS**");
    assert_eq!(
        verdict(&markdown, "offline analyst: first event"),
        "**FAIL**",
        "a question without clean answers fails both analyst targets"
    );
    assert!(
        markdown.contains(
            "| distribution of amount | 4.00 / 4.00 | 90.00 / 90.00 | 12 | **no**: error event: not_understood: ? |"
        ),
        "{markdown}"
    );
    assert!(markdown.contains("a replay carried 12000 events/s (p50)"), "{markdown}");
    let own = "the agent's own time per turn beyond an instant model's, p50";
    assert_eq!(verdict(&markdown, &format!("{own} (anthropic wire")), "**PASS**");
    assert_eq!(verdict(&markdown, &format!("{own} (openai wire")), "**FAIL**");
    assert_eq!(verdict(&markdown, "breaker open"), "**PASS**", "2 ms beyond offline");
    assert!(
        markdown.contains("| openai wire, instant model | 1999 | 9 | 25.00 |"),
        "{markdown}"
    );
    assert!(markdown.contains("took 2400.00 ms until its answer"), "{markdown}");
    assert!(
        markdown.contains("waits for the WAL flush (the record of how the run ended; its other writes are committed asynchronously) 4.00 ms"),
        "{markdown}"
    );
    assert!(
        markdown
            .contains("the run's checkpoints 2.00 ms (with them against without); drawing the chart as a PNG 2.00 ms"),
        "{markdown}"
    );
    // Every table row has as many cells as its header.
    let mut columns = None;
    for line in markdown.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let cells = line.matches('|').count();
        assert_eq!(*columns.get_or_insert(cells), cells, "{line}");
    }
}

#[test]
fn a_part_that_failed_or_was_skipped_fails_its_targets_and_says_why() {
    let mut report = agent_run();
    report.chat = Some(Err(
        "setting up bench-1-chat-3@example.com: register answered 500".to_owned()
    ));
    report.checkpoint = None;
    let markdown = report.markdown();
    assert_eq!(verdict(&markdown, "concurrent chat streams"), "**FAIL**");
    assert!(
        markdown.contains("not measured: setting up bench-1-chat-3@example.com"),
        "{markdown}"
    );
    assert!(
        markdown.contains("checkpoint write p99, 1 graph(s) × 2000 steps | not measured: skipped (--parts)"),
        "{markdown}"
    );
    assert!(!report.all_pass());
}

#[test]
fn quick_runs_are_qualified() {
    let mut report = agent_run();
    if let Some(Ok(analyst)) = &mut report.analyst {
        analyst.rows = 100_000;
        analyst.questions.pop();
    }
    let markdown = report.markdown();
    assert_eq!(
        verdict(&markdown, "offline analyst: whole answer"),
        "**PASS (quick run: 100,000 rows)**"
    );
}
