//! The offline analyst on a large table (issue 5): a generated sales table of a million rows
//! (order_date, region, product, quantity, unit_price, amount) uploaded through the gateway
//! by one user, then ten typical questions, each asked several times in a row (one run at a
//! time), timed to the first event and to `done`. The very first ask opens the file and is
//! a warm-up, reported on its own.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use http::HeaderValue;

use crate::chat::ask_fresh;
use crate::http1::{self, API_BASE, Target};
use crate::latency;
use crate::procfs::Pid;
use crate::quiet::Quiet;
use crate::stream::{Answer, Ask};
use crate::{dataset, say, units, upload, users};

/// The questions, as a person would type them.
pub const QUESTIONS: [&str; 10] = [
    "how many rows are there?",
    "what is the average amount?",
    "total amount by region",
    "top 5 products by amount",
    "average unit_price by product",
    "total amount by month",
    "how many orders per region in 2023?",
    "what is the maximum quantity?",
    "distribution of amount",
    "show me the first rows",
];

/// How to run the part.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Rows of the generated table.
    pub rows: u64,
    /// Asks of each question.
    pub repeats: usize,
    /// Where the table is written.
    pub data_dir: PathBuf,
    /// Deadline of one answer.
    pub stream_timeout: Duration,
    /// Deadline of one set-up call.
    pub request_timeout: Duration,
    /// Deadline of the upload.
    pub upload_timeout: Duration,
    /// The gateway and file-service, sampled during the upload.
    pub upload_pids: [Pid; 2],
}

/// A median and a largest value.
pub type Spread = (Duration, Duration);

/// The asks of one question.
#[derive(Debug, Clone)]
pub struct Question {
    /// The question.
    pub text: &'static str,
    /// Each ask, in order.
    pub asks: Vec<Answer>,
}

impl Question {
    /// Whether every ask ended with `done` and carried no `error` event.
    pub fn complete(&self) -> bool {
        !self.asks.is_empty() && self.asks.iter().all(Answer::ok)
    }

    /// The median and largest time to the first event.
    pub fn first_event(&self) -> Option<Spread> {
        spread(self.asks.iter().filter_map(|ask| ask.first_event))
    }

    /// The median and largest time to `done`.
    pub fn done(&self) -> Option<Spread> {
        spread(self.asks.iter().filter_map(|ask| ask.done))
    }

    /// Events of the first complete ask.
    pub fn events(&self) -> Option<u32> {
        self.asks.iter().find(|ask| ask.ok()).map(|ask| ask.events)
    }

    /// The first failure, if any.
    pub fn failure(&self) -> Option<String> {
        self.asks
            .iter()
            .find_map(|ask| ask.failure.as_ref().map(ToString::to_string))
    }
}

fn spread(values: impl Iterator<Item = Duration>) -> Option<Spread> {
    let values: Vec<Duration> = values.collect();
    Some((
        latency::nearest_rank(&values, 0.5)?,
        latency::nearest_rank(&values, 1.0)?,
    ))
}

/// What the part measured.
#[derive(Debug, Clone)]
pub struct AnalystResult {
    /// Rows of the table.
    pub rows: u64,
    /// Bytes of its CSV.
    pub file_bytes: u64,
    /// Generating it.
    pub generated_in: Duration,
    /// Uploading it (transfer, profile, record).
    pub uploaded_in: Duration,
    /// The first ask of the first question, which opens the file.
    pub warmup: Answer,
    /// Every question's measured asks.
    pub questions: Vec<Question>,
}

impl AnalystResult {
    /// The slowest question's median and the largest of every ask, of `figure`.
    pub fn worst(&self, figure: impl Fn(&Question) -> Option<Spread>) -> Option<Spread> {
        let spreads: Vec<Spread> = self.questions.iter().filter_map(figure).collect();
        let p50 = spreads.iter().map(|(p50, _)| *p50).max()?;
        let max = spreads.iter().map(|(_, max)| *max).max()?;
        Some((p50, max))
    }

    /// Questions whose every ask was complete.
    pub fn complete(&self) -> usize {
        self.questions.iter().filter(|question| question.complete()).count()
    }
}

/// Generates and uploads the table, then asks the questions.
pub async fn run(gateway: &Target, settings: &Settings, quiet: &mut Quiet) -> anyhow::Result<AnalystResult> {
    let csv = settings.data_dir.join("bench-sales.csv");
    say(&format!("analyst: generating {} rows of sales", settings.rows));
    let started = Instant::now();
    let written = {
        let (csv, rows) = (csv.clone(), settings.rows);
        tokio::task::spawn_blocking(move || dataset::sales(&csv, rows)).await??
    };
    let generated_in = started.elapsed();

    let email = format!("bench-{}-analyst@example.com", std::process::id());
    let token = users::sign_up(gateway, &email, settings.request_timeout).await?;
    let bearer = http1::bearer(&token)?;
    users::open_session(gateway, &bearer, settings.request_timeout).await?;
    say(&format!(
        "analyst: uploading {} through the gateway",
        units::bytes(written.bytes)
    ));
    let files = format!("{API_BASE}/files");
    let uploaded = upload::upload(
        gateway,
        &files,
        &bearer,
        &csv,
        "sales.csv",
        settings.upload_pids,
        settings.upload_timeout,
    )
    .await?;
    anyhow::ensure!(
        uploaded.status.is_success() && uploaded.rows == Some(written.rows),
        "the upload was answered {} ({:?} rows of {}): {}",
        uploaded.status,
        uploaded.rows,
        written.rows,
        uploaded.detail
    );
    let _removed = std::fs::remove_file(&csv);

    quiet.wait().await;
    let warmup = ask(gateway, &bearer, QUESTIONS[0], settings.stream_timeout).await;
    say(&format!(
        "  warm-up ({:?}): first event {}, done {}",
        QUESTIONS[0],
        shown(warmup.first_event),
        shown(warmup.done)
    ));
    let mut questions = Vec::with_capacity(QUESTIONS.len());
    for text in QUESTIONS {
        let mut asks = Vec::with_capacity(settings.repeats);
        for _ in 0..settings.repeats {
            asks.push(ask(gateway, &bearer, text, settings.stream_timeout).await);
        }
        let question = Question { text, asks };
        say(&format!(
            "  {text:?}: first event p50 {}, done p50 {}, {}",
            shown(question.first_event().map(|(p50, _)| p50)),
            shown(question.done().map(|(p50, _)| p50)),
            question
                .failure()
                .unwrap_or_else(|| "every answer ended with done, no error".to_owned())
        ));
        questions.push(question);
    }
    Ok(AnalystResult {
        rows: written.rows,
        file_bytes: written.bytes,
        generated_in,
        uploaded_in: uploaded.total,
        warmup,
        questions,
    })
}

async fn ask(gateway: &Target, bearer: &HeaderValue, question: &str, deadline: Duration) -> Answer {
    ask_fresh(gateway, bearer, Ask::Question(question), deadline).await
}

fn shown(value: Option<Duration>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{} ms", latency::millis(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timed(first_ms: u64, done_ms: u64) -> Answer {
        Answer {
            status: Some(200),
            first_event: Some(Duration::from_millis(first_ms)),
            done: Some(Duration::from_millis(done_ms)),
            events: 9,
            run_id: Some("run".to_owned()),
            failure: None,
        }
    }

    fn question(text: &'static str, asks: Vec<Answer>) -> Question {
        Question { text, asks }
    }

    #[test]
    fn a_question_quotes_median_and_largest() {
        let q = question(
            "q",
            vec![timed(5, 50), timed(3, 70), timed(9, 40), timed(4, 45), timed(6, 300)],
        );
        let ms = Duration::from_millis;
        assert_eq!(q.first_event(), Some((ms(5), ms(9))));
        assert_eq!(q.done(), Some((ms(50), ms(300))));
        assert!(q.complete());
        assert_eq!(q.events(), Some(9));
    }

    #[test]
    fn the_worst_question_sets_the_figure_and_failures_show() {
        let ms = Duration::from_millis;
        let failed = Answer::failed(crate::stream::Failure::ErrorEvent("not_understood: ?".into()));
        let result = AnalystResult {
            rows: 10,
            file_bytes: 100,
            generated_in: ms(1),
            uploaded_in: ms(1),
            warmup: timed(30, 400),
            questions: vec![
                question("fast", vec![timed(2, 20), timed(3, 30), timed(4, 500)]),
                question("slow", vec![timed(8, 90), timed(9, 100), failed]),
            ],
        };
        // "slow" has two answers: its median is the lower one (nearest rank).
        assert_eq!(result.worst(Question::done), Some((ms(90), ms(500))));
        assert_eq!(result.worst(Question::first_event), Some((ms(8), ms(9))));
        assert_eq!(result.complete(), 1);
        assert_eq!(
            result.questions[1].failure().as_deref(),
            Some("error event: not_understood: ?")
        );
    }
}
