//! A bank's verdicts counted, and the line it prints:
//! `question bank NAME: C/T correct, R refused, W wrong (P%)`.

use super::verdict::Verdict;

/// The verdicts of a bank, and the line it prints.
#[derive(Debug, Default)]
pub struct Tally {
    /// Questions asked.
    pub total: usize,
    /// Answered correctly.
    pub correct: usize,
    /// Refused honestly: the questions.
    pub refused: Vec<String>,
    /// Answered wrongly, each with why.
    pub wrong: Vec<String>,
}

impl Tally {
    /// Counts the verdict on the answer to `question`.
    pub fn add(&mut self, question: String, verdict: Verdict) {
        self.total += 1;
        match verdict {
            Verdict::Correct => self.correct += 1,
            Verdict::Refused => self.refused.push(question),
            Verdict::Wrong(why) => self.wrong.push(format!("{question}: {why}")),
        }
    }

    /// Adds another tally's counts to this one.
    pub fn merge(&mut self, other: Tally) {
        self.total += other.total;
        self.correct += other.correct;
        self.refused.extend(other.refused);
        self.wrong.extend(other.wrong);
    }

    /// The share answered correctly, in percent.
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        100.0 * self.correct as f64 / self.total as f64
    }

    /// `question bank NAME: C/T correct, R refused, W wrong (P%)`.
    pub fn line(&self, name: &str) -> String {
        format!(
            "question bank {name}: {}/{} correct, {} refused, {} wrong ({:.1}%)",
            self.correct,
            self.total,
            self.refused.len(),
            self.wrong.len(),
            self.rate()
        )
    }

    /// Prints the line, then every wrong answer with why and every refused question.
    pub fn print(&self, name: &str) {
        println!("{}", self.line(name));
        for wrong in &self.wrong {
            println!("WRONG {wrong}");
        }
        for refused in &self.refused {
            println!("REFUSED {refused}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_each_verdict() {
        let mut tally = Tally::default();
        tally.add("a".into(), Verdict::Correct);
        tally.add("b".into(), Verdict::Refused);
        tally.add("c".into(), Verdict::Wrong("why".into()));
        tally.add("d".into(), Verdict::Correct);
        assert_eq!(
            tally.line("x"),
            "question bank x: 2/4 correct, 1 refused, 1 wrong (50.0%)"
        );
        assert_eq!(tally.wrong, ["c: why"]);
    }
}
