//! Which columns a question names, matched loosely: case, spaces or underscores, camelCase,
//! plurals, simple synonyms (price/cost, amount/total, date/time, ...) and a close
//! misspelling. A whole name beats part of one (`unit price` beats `price` for
//! `Unit Price ($)`); when several columns fit a word equally well, the first in the
//! table's order is taken and the others are kept, so the answer can say which it chose.

use super::words::{Token, misspelt, name_words, singular};
use crate::table::{Column, ColumnKind};

/// Words that mean the same in a column name (compared in the singular).
const SYNONYMS: &[&[&str]] = &[
    &["price", "cost"],
    &["amount", "total", "value", "sale"],
    &["revenue", "sale", "turnover"],
    &["date", "time", "timestamp", "datetime"],
    &["quantity", "qty"],
    &["temperature", "temp"],
    &["category", "type", "kind"],
    &["name", "title"],
    &["customer", "client"],
    &["rating", "score", "star"],
    &["percent", "pct", "percentage"],
];

/// Words that are keywords of a question first: they name a column only when they are
/// its whole name, spelt as it is.
const KEYWORDS: &[&str] = &[
    "total", "sum", "average", "avg", "mean", "median", "count", "number", "min", "max", "minimum", "maximum", "top",
    "bottom", "row", "record", "day", "week", "month", "year", "hour", "value", "distinct", "unique", "by", "per",
    "and", "or", "the", "of", "in", "for", "with", "over", "data", "table", "chart", "show", "what", "which", "how",
    "many", "much", "is", "are", "time", "most", "least", "first", "last",
];

/// How well a mention fits its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fit {
    /// One word of a longer name (`price` for `unit_price`).
    Part,
    /// The whole name, through a synonym or a misspelling.
    Loose,
    /// The whole name, as written (case, separators and plurals aside).
    Exact,
}

/// A column named in a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The first token of the mention.
    pub start: usize,
    /// One past its last token.
    pub end: usize,
    /// The column taken (its index in the schema).
    pub column: usize,
    /// How well it fits.
    pub fit: Fit,
    /// Other columns that fit as well, in the table's order.
    pub others: Vec<usize>,
}

/// The columns of `data`, with their names in words, for matching.
#[derive(Debug, Clone)]
pub struct Columns {
    columns: Vec<Column>,
    words: Vec<Vec<String>>,
}

impl Columns {
    /// The matcher over `schema`.
    pub fn new(schema: &[Column]) -> Self {
        Self {
            columns: schema.to_vec(),
            words: schema
                .iter()
                .map(|column| name_words(&column.name).iter().map(|word| singular(word)).collect())
                .collect(),
        }
    }

    /// Every column.
    pub fn all(&self) -> &[Column] {
        &self.columns
    }

    /// The column at `index`.
    pub fn get(&self, index: usize) -> &Column {
        &self.columns[index]
    }

    /// The name of the column at `index`.
    pub fn name(&self, index: usize) -> &str {
        &self.columns[index].name
    }

    /// What the column at `index` holds.
    pub fn kind(&self, index: usize) -> ColumnKind {
        self.columns[index].kind
    }

    /// The columns holding `kind`, in order.
    pub fn of_kind(&self, kind: ColumnKind) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&i| self.columns[i].kind == kind)
            .collect()
    }

    /// The index of the column called exactly `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|column| column.name == name)
    }

    /// The words of the name of the column at `index` (singular, lower case).
    pub fn words(&self, index: usize) -> &[String] {
        &self.words[index]
    }

    /// The columns `tokens` name, left to right, none overlapping; the longest and best
    /// fitting mention wins at each place.
    pub fn mentions(&self, tokens: &[Token]) -> Vec<Mention> {
        let mut found = Vec::new();
        let mut start = 0;
        while start < tokens.len() {
            match self.best_at(tokens, start) {
                Some(mention) => {
                    start = mention.end;
                    found.push(mention);
                }
                None => start += 1,
            }
        }
        found
    }

    /// The best mention starting at token `start`.
    fn best_at(&self, tokens: &[Token], start: usize) -> Option<Mention> {
        if tokens[start].quoted || tokens[start].number().is_some() {
            return None;
        }
        // (tokens covered, fit) of each column that matches here.
        let mut candidates: Vec<(usize, usize, Fit)> = (0..self.columns.len())
            .filter_map(|column| {
                self.whole_at(tokens, start, column)
                    .or_else(|| self.part_at(&tokens[start], column).map(|fit| (1, fit)))
                    .map(|(length, fit)| (column, length, fit))
            })
            .collect();
        let best = candidates.iter().map(|&(_, length, fit)| (length, fit)).max()?;
        candidates.retain(|&(_, length, fit)| (length, fit) == best);
        let mut columns = candidates.into_iter().map(|(column, ..)| column);
        let column = columns.next()?;
        Some(Mention {
            start,
            end: start + best.0,
            column,
            fit: best.1,
            others: columns.collect(),
        })
    }

    /// The whole name of `column` at `start`: word by word, or written as one word.
    fn whole_at(&self, tokens: &[Token], start: usize, column: usize) -> Option<(usize, Fit)> {
        let words = &self.words[column];
        if words.is_empty() {
            return None;
        }
        let joined: String = words.concat();
        let token = &tokens[start];
        let typed: String = token.text.chars().filter(|c| c.is_alphanumeric()).collect();
        if words.len() > 1 && (typed == joined || singular(&typed) == joined) {
            return Some((1, Fit::Exact));
        }
        let span = tokens.get(start..start + words.len())?;
        let mut fit = Fit::Exact;
        for (token, word) in span.iter().zip(words) {
            if token.quoted {
                return None;
            }
            let stem = token.stem();
            if stem == *word || token.text == *word {
                continue;
            }
            if words.len() == 1 && KEYWORDS.contains(&stem.as_str()) {
                return None;
            }
            if loosely(&stem, word) {
                fit = Fit::Loose;
            } else {
                return None;
            }
        }
        Some((words.len(), fit))
    }

    /// One significant word of a longer name of `column` at `token`.
    fn part_at(&self, token: &Token, column: usize) -> Option<Fit> {
        let words = &self.words[column];
        let stem = token.stem();
        if words.len() < 2 || stem.chars().count() < 3 || KEYWORDS.contains(&stem.as_str()) || token.quoted {
            return None;
        }
        words
            .iter()
            .filter(|word| word.chars().count() >= 3 && !word.chars().all(|c| c.is_ascii_digit()))
            .any(|word| *word == stem || loosely(&stem, word))
            .then_some(Fit::Part)
    }
}

/// Whether `typed` means `word`: a synonym or a close misspelling (both in the singular).
fn loosely(typed: &str, word: &str) -> bool {
    if KEYWORDS.contains(&typed) {
        return false;
    }
    SYNONYMS
        .iter()
        .any(|group| group.contains(&typed) && group.contains(&word))
        || misspelt(typed, word)
}

#[cfg(test)]
mod tests {
    use super::super::words::tokenize;
    use super::*;

    fn columns(names: &[(&str, ColumnKind)]) -> Columns {
        let schema: Vec<Column> = names
            .iter()
            .map(|(name, kind)| Column {
                name: (*name).into(),
                kind: *kind,
            })
            .collect();
        Columns::new(&schema)
    }

    fn named(columns: &Columns, question: &str) -> Vec<(String, Fit)> {
        columns
            .mentions(&tokenize(question))
            .into_iter()
            .map(|mention| (columns.name(mention.column).to_owned(), mention.fit))
            .collect()
    }

    #[test]
    fn names_match_across_case_separators_plurals_and_humps() {
        let columns = columns(&[
            ("Unit Price ($)", ColumnKind::Number),
            ("productName", ColumnKind::Text),
            ("Region", ColumnKind::Text),
        ]);
        assert_eq!(
            named(&columns, "unit prices of product names by regions"),
            [
                ("Unit Price ($)".into(), Fit::Exact),
                ("productName".into(), Fit::Exact),
                ("Region".into(), Fit::Exact)
            ]
        );
        assert_eq!(named(&columns, "unit_price"), [("Unit Price ($)".into(), Fit::Exact)]);
    }

    #[test]
    fn synonyms_misspellings_and_parts_match_loosely() {
        let columns = columns(&[
            ("cost", ColumnKind::Number),
            ("order_date", ColumnKind::Temporal),
            ("revenue", ColumnKind::Number),
        ]);
        assert_eq!(
            named(&columns, "price by date"),
            [("cost".into(), Fit::Loose), ("order_date".into(), Fit::Part)]
        );
        assert_eq!(named(&columns, "total revnue"), [("revenue".into(), Fit::Loose)]);
    }

    #[test]
    fn two_columns_that_fit_are_both_reported() {
        let columns = columns(&[("list_price", ColumnKind::Number), ("sale_price", ColumnKind::Number)]);
        let mentions = columns.mentions(&tokenize("average price"));
        assert_eq!(mentions.len(), 1);
        assert_eq!(columns.name(mentions[0].column), "list_price");
        assert_eq!(mentions[0].others, [1]);
    }

    #[test]
    fn keywords_name_a_column_only_when_they_are_its_name() {
        let columns = columns(&[("total_amount", ColumnKind::Number), ("count", ColumnKind::Number)]);
        assert_eq!(named(&columns, "total by region"), []);
        assert_eq!(named(&columns, "sum of count"), [("count".into(), Fit::Exact)]);
    }
}
