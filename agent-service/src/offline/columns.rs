//! Which columns a question names, matched loosely: case, spaces or underscores, camelCase,
//! plurals, simple synonyms (price/cost, amount/total, date/time, ...) and a close
//! misspelling. A whole name beats part of one (`unit price` beats `price` for
//! `Unit Price ($)`); when several columns fit a word equally well, the first in the
//! table's order is taken and the others are kept, so the answer can say which it chose.
//! A name's units are optional (`culmen length` is `Culmen Length (mm)`), and a word the
//! name abbreviates is the name (`cylinders` is `cyl`).
//!
//! With what the columns hold ([`Values`]), the words of a question are also matched with
//! the columns' values (`female` is a value of `sex`), see [`Columns::value_at`].

use serde_json::Value;

use super::words::{Token, core_words, misspelt, name_words, singular, tokenize};
use crate::table::{Column, ColumnKind};
use crate::values::Values;

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
    &["weight", "mass", "wt"],
    &["horsepower", "hp"],
    &["mpg", "mileage"],
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

/// A value of a text column named in a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueMatch {
    /// One past its last token.
    pub end: usize,
    /// The value as the data holds it.
    pub value: String,
    /// The columns that hold it, in the table's order.
    pub columns: Vec<usize>,
}

/// The listed values of a text column, as the data holds them and in words.
#[derive(Debug, Clone, Default)]
struct Listed {
    values: Vec<(String, Vec<String>)>,
    complete: bool,
}

/// The columns of `data`, with their names in words, for matching.
#[derive(Debug, Clone)]
pub struct Columns {
    columns: Vec<Column>,
    words: Vec<Vec<String>>,
    /// The words without units, where that differs from `words`.
    core: Vec<Option<Vec<String>>>,
    /// Distinct values of each column, when known.
    distinct: Vec<Option<u64>>,
    /// Values of text columns, when known.
    listed: Vec<Listed>,
    /// Every value of number columns that have few, when known.
    numbers: Vec<Option<Vec<f64>>>,
    /// Rows of the table, when known.
    rows: Option<u64>,
}

fn singular_words(words: Vec<String>) -> Vec<String> {
    words.iter().map(|word| singular(word)).collect()
}

impl Columns {
    /// The matcher over `schema`.
    pub fn new(schema: &[Column]) -> Self {
        let words: Vec<Vec<String>> = schema
            .iter()
            .map(|column| singular_words(name_words(&column.name)))
            .collect();
        let core = schema
            .iter()
            .zip(&words)
            .map(|(column, words)| Some(singular_words(core_words(&column.name))).filter(|core| core != words))
            .collect();
        Self {
            columns: schema.to_vec(),
            words,
            core,
            distinct: vec![None; schema.len()],
            listed: vec![Listed::default(); schema.len()],
            numbers: vec![None; schema.len()],
            rows: None,
        }
    }

    /// The matcher knowing what the columns hold.
    pub fn with_values(mut self, values: &Values) -> Self {
        if values.columns.is_empty() {
            return self;
        }
        self.rows = Some(values.rows);
        for (index, column) in self.columns.iter().enumerate() {
            let Some(known) = values.column(&column.name) else {
                continue;
            };
            self.distinct[index] = Some(known.distinct);
            if column.kind == ColumnKind::Number && known.complete() {
                self.numbers[index] = Some(known.listed.iter().filter_map(Value::as_f64).collect());
            }
            if column.kind == ColumnKind::Text {
                self.listed[index] = Listed {
                    values: known
                        .listed
                        .iter()
                        .filter_map(Value::as_str)
                        .flat_map(|value| {
                            let words: Vec<String> = tokenize(value).into_iter().map(|token| token.text).collect();
                            // `AsstProf` is also `asst prof`.
                            let humps = name_words(value);
                            let split = (words.len() == 1 && humps.len() > 1).then(|| (value.to_owned(), humps));
                            std::iter::once((value.to_owned(), words)).chain(split)
                        })
                        .collect(),
                    complete: known.complete(),
                };
            }
        }
        self
    }

    /// How many distinct values the column at `index` has, when known.
    pub fn distinct(&self, index: usize) -> Option<u64> {
        self.distinct[index]
    }

    /// Every value of the number column at `index`, when it has few and they are known.
    pub fn numbers(&self, index: usize) -> Option<&[f64]> {
        self.numbers[index].as_deref()
    }

    /// Whether the column at `index` holds few distinct values for its rows, so that it can
    /// group them (`by cylinders`, `each year`): known to have few, or named like a year.
    pub fn discrete(&self, index: usize) -> bool {
        let years = self.words[index].iter().any(|word| word == "year");
        match (self.distinct[index], self.rows) {
            (Some(distinct), Some(rows)) => {
                years || (distinct <= crate::values::MAX_LISTED && distinct.saturating_mul(4) <= rows)
            }
            _ => years,
        }
    }

    /// The column of row names, as R writes them (a first column without a name, or
    /// `rownames`, or pandas' `Unnamed: 0`), when it names rows.
    pub fn row_names(&self) -> Option<usize> {
        let index = self.label()?;
        let words = &self.words[index];
        let unnamed =
            words.is_empty() || words.as_slice() == ["rowname"] || words.first().is_some_and(|word| word == "unnamed");
        unnamed.then_some(index)
    }

    /// Whether the column at `index` identifies rows rather than groups them: most of its
    /// values occur once (at least one distinct value for every two rows).
    pub fn identifies(&self, index: usize) -> bool {
        match (self.distinct[index], self.rows) {
            (Some(distinct), Some(rows)) => rows > 1 && distinct.saturating_mul(2) > rows,
            _ => false,
        }
    }

    /// The text column that names a row, if one does: one whose values are all distinct
    /// (a name, a model), else one called like a name.
    pub fn label(&self) -> Option<usize> {
        const NAMES: &[&str] = &["name", "model", "title", "label", "make", "country", "city", "rowname"];
        let texts = self.of_kind(ColumnKind::Text);
        let unique = texts
            .iter()
            .copied()
            .find(|&index| self.rows.is_some_and(|rows| rows > 1) && self.distinct[index] == self.rows);
        unique.or_else(|| {
            texts
                .iter()
                .copied()
                .find(|&index| self.words[index].iter().any(|word| NAMES.contains(&word.as_str())))
        })
    }

    /// How many rows the table has, when known.
    pub fn rows(&self) -> Option<u64> {
        self.rows
    }

    /// Whether every value of the text column at `index` is known (and so a value not
    /// among them is not in the column).
    pub fn values_known(&self, index: usize) -> bool {
        self.listed[index].complete
    }

    /// Whether some text columns may hold values that are not known.
    pub fn values_unknown_somewhere(&self) -> bool {
        self.of_kind(ColumnKind::Text)
            .into_iter()
            .any(|index| !self.listed[index].complete)
    }

    /// The value of a text column that `tokens` spell from `start` (case and plurals aside,
    /// or a close misspelling of a one-word value), the longest there is.
    pub fn value_at(&self, tokens: &[Token], start: usize) -> Option<ValueMatch> {
        let mut best: Option<((usize, Spelt), ValueMatch)> = None;
        for (index, listed) in self.listed.iter().enumerate() {
            let spelt: Vec<(&String, usize, Spelt)> = listed
                .values
                .iter()
                .filter_map(|(value, words)| spells(tokens, start, value, words).map(|(n, how)| (value, n, how)))
                .collect();
            // The start of a value counts only when it starts one value of the column.
            let parts = spelt.iter().filter(|(.., how)| *how == Spelt::Part).count();
            for (value, length, how) in spelt {
                if how == Spelt::Part && parts > 1 {
                    continue;
                }
                let key = (length, how);
                match &mut best {
                    Some((best_key, found)) if *best_key == key => {
                        if !found.columns.contains(&index) {
                            found.columns.push(index);
                        }
                    }
                    Some((best_key, _)) if *best_key > key => {}
                    _ => {
                        best = Some((
                            key,
                            ValueMatch {
                                end: start + length,
                                value: value.clone(),
                                columns: vec![index],
                            },
                        ));
                    }
                }
            }
        }
        best.map(|(_, found)| found)
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

    /// The whole name of `column` at `start`, with or without its units.
    fn whole_at(&self, tokens: &[Token], start: usize, column: usize) -> Option<(usize, Fit)> {
        let full = whole_at(tokens, start, &self.words[column]);
        let core = self.core[column]
            .as_ref()
            .and_then(|core| whole_at(tokens, start, core));
        let compound = match self.words[column].as_slice() {
            [one] => compound_at(tokens, start, one).map(|length| (length, Fit::Loose)),
            _ => None,
        };
        // `max temperature` for `temp_max`, `mpg` for `Miles_per_Gallon`.
        let words = self.core[column].as_ref().unwrap_or(&self.words[column]);
        let reversed = match words.as_slice() {
            [first, second] => {
                whole_at(tokens, start, &[second.clone(), first.clone()]).map(|(length, _)| (length, Fit::Loose))
            }
            _ => None,
        };
        let initials = (self.words[column].len() >= 2)
            .then(|| {
                self.words[column]
                    .iter()
                    .filter_map(|word| word.chars().next())
                    .collect::<String>()
            })
            .filter(|initials| tokens[start].text == *initials && !tokens[start].quoted)
            .map(|_| (1, Fit::Loose));
        full.into_iter()
            .chain(core)
            .chain(compound)
            .chain(reversed)
            .chain(initials)
            .max()
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

/// The name of `words` at `start`: word by word, or written as one word.
fn whole_at(tokens: &[Token], start: usize, words: &[String]) -> Option<(usize, Fit)> {
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

/// How tokens spell a value of a column: its first words, another form of it, or as
/// the data writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Spelt {
    /// Its first words (`Adelie` for `Adelie Penguin (Pygoscelis adeliae)`).
    Part,
    /// A plural, a close misspelling, another word for it (`women` for `Female`), or its
    /// words abbreviated (`assistant professor` for `AsstProf`).
    Close,
    /// As written, case aside.
    Exact,
}

/// Words that name the same value of a column of sexes.
const SAME_VALUE: &[(&[&str], &[&str])] = &[
    (
        &["men", "man", "male", "males", "boys", "boy"],
        &["male", "m", "man", "men"],
    ),
    (
        &["women", "woman", "female", "females", "girls", "girl", "ladies"],
        &["female", "f", "woman", "women"],
    ),
];

/// Whether the typed token means the value's word `word`; `several` when the value has
/// more than one word (then its words may be abbreviations: `asst` for `assistant`).
fn means_word(token: &Token, word: &str, several: bool) -> bool {
    let letters = word.chars().count();
    token.text == word
        || token.stem() == singular(word)
        || SAME_VALUE
            .iter()
            .any(|(typed, values)| typed.contains(&token.text.as_str()) && values.contains(&word))
        // `European` for `Europe`, `Japanese` for `Japan`.
        || (letters >= 4 && token.text.starts_with(word) && token.text.chars().count() <= letters + 3)
        || (several
            && letters >= 3
            && token.text.chars().next() == word.chars().next()
            && (token.text.starts_with(word) || in_order(word, &token.text)))
}

/// How many tokens from `start` spell `value` (whose words are `words`), and how.
fn spells(tokens: &[Token], start: usize, value: &str, words: &[String]) -> Option<(usize, Spelt)> {
    let token = tokens.get(start)?;
    if token.quoted {
        return (token.text == value.to_lowercase()).then_some((1, Spelt::Exact));
    }
    if words.is_empty() {
        return None;
    }
    if let Some(span) = tokens.get(start..start + words.len())
        && !span.iter().any(|token| token.quoted)
    {
        if span.iter().zip(words).all(|(token, word)| token.text == *word) {
            return Some((words.len(), Spelt::Exact));
        }
        let several = words.len() > 1;
        let close = span
            .iter()
            .zip(words)
            .all(|(token, word)| means_word(token, word, several))
            || (words.len() == 1 && words[0].chars().count() >= 5 && misspelt(&token.text, &words[0]));
        if close {
            return Some((words.len(), Spelt::Close));
        }
    }
    // The first words of a longer value, the first of them a real word.
    let first = words[0].as_str();
    if words.len() < 2 || first.chars().count() < 3 || first.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    (1..words.len()).rev().find_map(|length| {
        let span = tokens.get(start..start + length)?;
        let matches = span
            .iter()
            .zip(words)
            .all(|(token, word)| !token.quoted && (token.text == *word || token.stem() == singular(word)));
        matches.then_some((length, Spelt::Part))
    })
}

/// Whether `typed` means `word`: a synonym or a close misspelling (both in the singular).
fn loosely(typed: &str, word: &str) -> bool {
    if KEYWORDS.contains(&typed) {
        return false;
    }
    let means = |typed: &str, other: &str| typed == other || misspelt(typed, other);
    SYNONYMS
        .iter()
        .any(|group| group.iter().any(|other| means(typed, other)) && group.contains(&word))
        || misspelt(typed, word)
        || abbreviates(word, typed)
        || same_root(typed, word)
}

/// Whether `typed` is another form of `word` (`smoking` or `smoker` for `smoke`,
/// `handed` for `hand`): the typed word less `ing`, `ed`, `er` or `ers`, with or without a
/// final `e`, four letters or more.
fn same_root(typed: &str, word: &str) -> bool {
    ["ing", "ers", "er", "ed"].iter().any(|end| {
        typed
            .strip_suffix(end)
            .is_some_and(|root| root.chars().count() >= 4 && (root == word || word.strip_suffix('e') == Some(root)))
    })
}

/// How many tokens from `start` a one-word name written as several run together spells
/// (`brainwt` for `brain weight`, `realint` for `real interest`, `tbilrate` for `tbill
/// rate`): the name cut into pieces, each the typed word, a synonym of it, or the
/// beginning of it (three letters or more).
fn compound_at(tokens: &[Token], start: usize, name: &str) -> Option<usize> {
    fn piece(typed: &Token, piece: &str) -> bool {
        let stem = typed.stem();
        piece == typed.text
            || piece == stem
            || (piece.chars().count() >= 3 && typed.text.starts_with(piece))
            || SYNONYMS
                .iter()
                .any(|group| group.contains(&piece) && group.contains(&stem.as_str()))
    }
    fn spell(tokens: &[Token], at: usize, rest: &str) -> Option<usize> {
        if rest.is_empty() {
            return Some(at);
        }
        let token = tokens
            .get(at)
            .filter(|token| !token.quoted && token.number().is_none())?;
        (1..=rest.len())
            .rev()
            .filter(|&cut| rest.is_char_boundary(cut))
            .find_map(|cut| {
                piece(token, &rest[..cut])
                    .then(|| spell(tokens, at + 1, &rest[cut..]))
                    .flatten()
            })
    }
    if name.chars().count() < 5 || KEYWORDS.contains(&name) {
        return None;
    }
    let end = spell(tokens, start, name)?;
    (end - start >= 2).then_some(end - start)
}

/// Whether the name's word `short` abbreviates the typed word `long` (`cyl` for
/// `cylinders`, `disp` for `displacement`, `hnd` for `hand`).
pub(super) fn abbreviates(short: &str, long: &str) -> bool {
    let (letters, length) = (short.chars().count(), long.chars().count());
    if letters < 2 || length <= letters || !short.chars().all(char::is_alphabetic) {
        return false;
    }
    // `cyl` for `cylinders`; or consonants in order, as `hnd` for `hand`, `wt` for
    // `weight`, `qty` for `quantity`.
    (letters >= 3 && length >= letters + 2 && long.starts_with(short))
        || (short.chars().next() == long.chars().next()
            && !short.chars().any(|c| "aeiou".contains(c))
            && in_order(short, long))
}

/// Whether the letters of `short` appear in `long` in the same order (`hnd` in `hand`).
fn in_order(short: &str, long: &str) -> bool {
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|l| l == c))
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
    fn units_abbreviations_and_names_run_together_match() {
        let columns = columns(&[
            ("Culmen Length (mm)", ColumnKind::Number),
            ("cyl", ColumnKind::Number),
            ("brainwt", ColumnKind::Number),
            ("realint", ColumnKind::Number),
            ("carb", ColumnKind::Number),
        ]);
        assert_eq!(
            named(&columns, "mean culmen length of cars with 8 cylinders"),
            [("Culmen Length (mm)".into(), Fit::Exact), ("cyl".into(), Fit::Loose)]
        );
        assert_eq!(
            named(&columns, "brain weight and real interest"),
            [("brainwt".into(), Fit::Loose), ("realint".into(), Fit::Loose)]
        );
    }

    #[test]
    fn names_in_the_other_order_and_by_their_initials_match() {
        let columns = columns(&[
            ("temp_max", ColumnKind::Number),
            ("temp_min", ColumnKind::Number),
            ("Miles_per_Gallon", ColumnKind::Number),
        ]);
        assert_eq!(
            named(&columns, "average min temperature and mpg"),
            [("temp_min".into(), Fit::Loose), ("Miles_per_Gallon".into(), Fit::Loose)]
        );
    }

    #[test]
    fn keywords_name_a_column_only_when_they_are_its_name() {
        let columns = columns(&[("total_amount", ColumnKind::Number), ("count", ColumnKind::Number)]);
        assert_eq!(named(&columns, "total by region"), []);
        assert_eq!(named(&columns, "sum of count"), [("count".into(), Fit::Exact)]);
    }
}
