//! A question, parsed: the shape it asks for when it says enough on its own, and the
//! pieces a follow-up changes (filters, grouping, the period, order, limit, the measure,
//! the chart). Rules run in a fixed order, each marking the tokens it used, so a column
//! that a filter used is not also taken as the measure.

mod dates;
mod filters;
mod keywords;
mod measure;
mod reader;
mod shape;

pub use dates::month;
pub use measure::default_func;
pub use reader::{Reader, Unmatched, join_words};

use super::columns::Columns;
use super::intent::{Filter, Func, Grain, Order, Shape, Show};
use crate::table::ColumnKind;

/// What a question says that is not about the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Talk {
    /// Hello, thanks.
    Greeting,
    /// What can you do?
    Help,
    /// What did you find?
    Recap,
}

/// Everything read from one question.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// The shape, when the question states one by itself.
    pub shape: Option<Shape>,
    /// Its filters.
    pub filters: Vec<Filter>,
    /// The chart it asks for.
    pub show: Option<Show>,
    /// The column to group by (`by region`).
    pub group: Option<String>,
    /// The period (`by month`, `weekly`).
    pub grain: Option<Grain>,
    /// The order asked for.
    pub order: Option<Order>,
    /// How many results it wants (`top 5`).
    pub limit: Option<u32>,
    /// How values are combined (`average`).
    pub func: Option<Func>,
    /// The column measured.
    pub column: Option<String>,
    /// Whether it reads as a follow-up (`now`, `and`, `instead`, `what about`).
    pub follow_up: bool,
    /// Whether it talks rather than asks about the data.
    pub talk: Option<Talk>,
    /// Sentences about the columns chosen.
    pub notes: Vec<String>,
    /// How many columns the question names.
    pub named: usize,
    /// Whether `column` was not named but taken by default (the first number column).
    pub defaulted: bool,
    /// The sentence that says so, for an answer to this question alone.
    pub default_note: Option<String>,
    /// What the question names that the data does not have: it is not answered.
    pub unmatched: Vec<Unmatched>,
}

/// Reads `question` over `columns`.
pub fn parse(question: &str, columns: &Columns) -> Parsed {
    let mut reader = Reader::new(question, columns);
    let mut parsed = Parsed {
        named: reader.mentions.len(),
        talk: talk(&reader),
        follow_up: follow_up(&reader),
        show: show(&mut reader),
        order: order(&mut reader),
        limit: limit(&mut reader),
        ..Parsed::default()
    };
    unsupported(&mut reader);
    parsed.filters.extend(filters::comparisons(&mut reader));
    parsed.filters.extend(dates::filters(&mut reader));
    parsed.filters.extend(filters::contains(&mut reader));
    parsed.filters.extend(filters::missing(&mut reader));
    parsed.filters.extend(filters::values(&mut reader));
    parsed.grain = grain(&mut reader);
    parsed.group = group(&mut reader);
    shape::read(&mut reader, &mut parsed);
    let mut notes = reader.column_notes();
    notes.append(&mut parsed.notes);
    parsed.notes = notes;
    unused(&mut reader, &parsed);
    parsed.unmatched = std::mem::take(&mut reader.unmatched);
    parsed
}

/// Words an answer would leave out without saying so: `what is the unemployment rate`
/// where no column is called so, or `front wheel drive` naming a column (`drv`) but none of
/// its values. The question is refused rather than answered without them.
fn unused(reader: &mut Reader<'_>, parsed: &Parsed) {
    if !reader.unmatched.is_empty() || parsed.talk.is_some() {
        return;
    }
    let mut start = 0;
    if reader.is(0, &["what", "whats"]) {
        start = 1 + usize::from(reader.is(1, &["is", "was", "are", "were"]));
        start += usize::from(reader.is(start, &["the", "a"]));
    }
    let answered = parsed.shape.is_some() || !parsed.filters.is_empty();
    if start > 0
        && answered
        && let Some(words) = reader.unexplained_at(start)
    {
        reader.unmatched.push(Unmatched::Column(words));
        return;
    }
    let modified = reader.free_mentions().into_iter().find(|&m| {
        let mention = &reader.mentions[m];
        reader.mention_kind(m) == ColumnKind::Text
            && mention.fit != super::columns::Fit::Part
            && mention.start > 0
            && reader.unexplained(mention.start - 1)
    });
    if let Some(m) = modified {
        let mention = &reader.mentions[m];
        let typed = reader.typed(reader.unexplained_before(mention.start)..mention.end);
        reader.unmatched.push(Unmatched::Column(typed));
    }
}

/// Computations the analyst does not make: a question that asks for one is not answered
/// with another.
fn unsupported(reader: &mut Reader<'_>) {
    const OPERATIONS: &[&str] = &[
        "percentile",
        "percentiles",
        "quantile",
        "quantiles",
        "quartile",
        "quartiles",
        "iqr",
        "skew",
        "skewness",
        "kurtosis",
        "forecast",
        "predict",
        "prediction",
        "predictions",
        "regression",
        "cumulative",
        "rolling",
        "moving",
        "geometric",
        "harmonic",
        "weighted",
        "mode",
    ];
    for i in 0..reader.len() {
        if reader.is(i, OPERATIONS) && reader.mention_covering(i).is_none() {
            let word = reader.word(i).to_owned();
            reader.unmatched.push(Unmatched::Operation(word));
        }
    }
}

fn talk(reader: &Reader<'_>) -> Option<Talk> {
    let short = reader.len() <= 4;
    if reader.has_phrase(&[
        &["what", "did", "you", "find"],
        &["what", "have", "you", "found"],
        &["what", "have", "we", "found"],
        &["what", "did", "we", "find"],
        &["remind", "me"],
        &["recap"],
        &["so", "far"],
        &["summarize", "the", "conversation"],
        &["summarise", "the", "conversation"],
    ]) {
        return Some(Talk::Recap);
    }
    if reader.has_phrase(&[
        &["what", "can", "you", "do"],
        &["what", "can", "i", "ask"],
        &["what", "should", "i", "ask"],
        &["help"],
        &["how", "do", "i", "use"],
        &["what", "questions"],
    ]) {
        return Some(Talk::Help);
    }
    let greeting = reader.has(&["hi", "hello", "hey", "thanks", "thank", "cheers", "bye", "goodbye"]);
    (short && greeting).then_some(Talk::Greeting)
}

fn follow_up(reader: &Reader<'_>) -> bool {
    const OPENERS: &[&str] = &[
        "and", "now", "only", "just", "instead", "also", "but", "then", "ok", "okay", "sort", "order", "as", "make",
        "same", "again", "so", "plus",
    ];
    reader.is(0, OPENERS)
        || reader.has(&["instead", "same", "it", "that", "those", "these", "them"])
        || reader.has_phrase(&[&["what", "about"], &["how", "about"], &["what", "if"]])
}

fn show(reader: &mut Reader<'_>) -> Option<Show> {
    const CHARTS: &[(&str, Show)] = &[
        ("bar", Show::Bar),
        ("bars", Show::Bar),
        ("line", Show::Line),
        ("lines", Show::Line),
        ("scatter", Show::Scatter),
        ("scatterplot", Show::Scatter),
        ("histogram", Show::Histogram),
        ("pie", Show::Pie),
        ("area", Show::Area),
    ];
    const NOUNS: &[&str] = &["chart", "graph", "plot", "diagram"];
    for i in 0..reader.len() {
        let chart = CHARTS
            .iter()
            .find(|(word, _)| reader.is(i, &[word]))
            .map(|(_, show)| *show);
        let noun_follows = reader.is(i + 1, NOUNS) || reader.is(i + 1, &["charts", "graphs", "plots"]);
        match chart {
            Some(Show::Histogram) => {
                // A histogram is also a shape: leave the word for it.
                return Some(Show::Histogram);
            }
            Some(show) if noun_follows || reader.is(i.wrapping_sub(1), &["as", "a", "in"]) => {
                reader.take(i..i + 1 + usize::from(noun_follows));
                return Some(show);
            }
            _ => {}
        }
    }
    if let Some(i) = reader
        .find(&["as", "a", "table"])
        .or_else(|| reader.find(&["no", "chart"]))
    {
        reader.take(i..i + 3);
        return Some(Show::Table);
    }
    let chart_noun = (0..reader.len()).find(|&i| reader.is(i, NOUNS));
    chart_noun.map(|i| {
        reader.take(i..i + 1);
        Show::Bar
    })
}

fn order(reader: &mut Reader<'_>) -> Option<Order> {
    const ORDERS: &[(&[&str], Order)] = &[
        (&["highest", "to", "lowest"], Order::Descending),
        (&["largest", "to", "smallest"], Order::Descending),
        (&["biggest", "to", "smallest"], Order::Descending),
        (&["most", "to", "least"], Order::Descending),
        (&["lowest", "to", "highest"], Order::Ascending),
        (&["smallest", "to", "largest"], Order::Ascending),
        (&["least", "to", "most"], Order::Ascending),
        (&["descending"], Order::Descending),
        (&["desc"], Order::Descending),
        (&["largest", "first"], Order::Descending),
        (&["highest", "first"], Order::Descending),
        (&["biggest", "first"], Order::Descending),
        (&["high", "to", "low"], Order::Descending),
        (&["ascending"], Order::Ascending),
        (&["asc"], Order::Ascending),
        (&["smallest", "first"], Order::Ascending),
        (&["lowest", "first"], Order::Ascending),
        (&["low", "to", "high"], Order::Ascending),
        (&["alphabetically"], Order::Label),
        (&["alphabetical"], Order::Label),
        (&["by", "name"], Order::Label),
    ];
    for (phrase, order) in ORDERS {
        if let Some(i) = reader.find(phrase) {
            reader.take(i..i + phrase.len());
            if let Some(start) = i
                .checked_sub(1)
                .filter(|&k| reader.is(k, &["sort", "sorted", "order", "ordered"]))
            {
                reader.take(start..i);
            }
            return Some(*order);
        }
    }
    None
}

/// `top 5`, `bottom 3`, `first 10`, `5 largest`, `10 rows`.
fn limit(reader: &mut Reader<'_>) -> Option<u32> {
    const BEFORE: &[&str] = &["top", "bottom", "first", "last", "best", "worst"];
    const AFTER: &[&str] = &[
        "most", "largest", "highest", "biggest", "best", "lowest", "smallest", "least", "cheapest", "worst", "fewest",
        "rows", "records", "row", "greatest",
    ];
    for i in 0..reader.len() {
        let count = |k: usize| {
            reader
                .tokens
                .get(k)
                .and_then(|token| token.number())
                .filter(|n| n.fract() == 0.0 && *n >= 1.0 && *n <= 1000.0)
        };
        if reader.is(i, BEFORE)
            && let Some(n) = count(i + 1)
        {
            reader.take(i + 1..i + 2);
            return Some(n as u32);
        }
        let after_word =
            reader.is(i + 1, AFTER) && !(i > 0 && reader.is(i - 1, &["than", "over", "under", "above", "below"]));
        let after_article = i > 0 && reader.is(i - 1, &["the", "show", "list", "me", "give", "get"]);
        if (after_word || after_article)
            && let Some(n) = count(i)
        {
            reader.take(i..i + 1);
            return Some(n as u32);
        }
    }
    None
}

/// The period of `by month`, `per week`, `monthly`.
fn grain(reader: &mut Reader<'_>) -> Option<Grain> {
    const GRAINS: &[(&str, Grain)] = &[
        ("hour", Grain::Hour),
        ("hourly", Grain::Hour),
        ("day", Grain::Day),
        ("daily", Grain::Day),
        ("date", Grain::Day),
        ("week", Grain::Week),
        ("weekly", Grain::Week),
        ("month", Grain::Month),
        ("monthly", Grain::Month),
        ("year", Grain::Year),
        ("yearly", Grain::Year),
        ("annual", Grain::Year),
        ("annually", Grain::Year),
    ];
    if reader.columns.of_kind(ColumnKind::Temporal).is_empty() {
        return None;
    }
    for i in 0..reader.len() {
        if reader.used(i) || reader.mention_covering(i).is_some() {
            continue;
        }
        let Some(&(word, grain)) = GRAINS.iter().find(|(word, _)| reader.is(i, &[word])) else {
            continue;
        };
        let adjective = word.ends_with("ly") || word == "annual";
        // `by month`, `per week`, and `which month` (a trend states its highest period).
        let after_by = i > 0 && reader.is(i - 1, &["by", "per", "each", "every", "a", "which", "what"]);
        if adjective || after_by {
            let start = if after_by { i - 1 } else { i };
            reader.take(start..i + 1);
            return Some(grain);
        }
    }
    None
}

/// Whether mention `m` names a column that can group rows: not numbers, unless the column
/// holds few distinct values (`by cylinders`, `each year`).
fn groups(reader: &Reader<'_>, m: usize) -> bool {
    reader.mention_kind(m) != ColumnKind::Number || reader.columns.discrete(reader.mentions[m].column)
}

/// The column of `by region`, `per category`, `for each country`, `which region`.
fn group(reader: &mut Reader<'_>) -> Option<String> {
    const BY: &[&[&str]] = &[
        &["broken", "down", "by"],
        &["grouped", "by"],
        &["group", "by"],
        &["split", "by"],
        &["for", "each"],
        &["for", "every"],
        &["in", "each"],
        &["by"],
        &["per"],
        &["each"],
        &["across"],
    ];
    for i in 0..reader.len() {
        let Some(phrase) = BY.iter().find(|phrase| reader.phrase_at(i, phrase) && !reader.used(i)) else {
            continue;
        };
        let mut k = i + phrase.len();
        if reader.is(k, &["the", "each", "a"]) {
            k += 1;
        }
        let counted = reader.phrase_at(k, &["number", "of"]);
        if counted {
            k += 2;
        }
        if let Some((m, _)) = reader.mention_at(k)
            && groups(reader, m)
        {
            reader.take(i..k);
            return Some(reader.take_mention(m));
        }
        // `by number of cars` counts rows; `cars` names them.
        if !counted
            && reader.mention_at(k).is_none()
            && let Some(words) = reader.unexplained_at(k)
        {
            // `per state` where the states are R's row names, a column without a name.
            if let Some(index) = reader.columns.row_names() {
                reader.take(i..k + 1);
                return Some(reader.columns.name(index).to_owned());
            }
            reader.unmatched.push(Unmatched::Column(words));
        }
    }
    for i in 0..reader.len() {
        if reader.is(i, &["which", "what"])
            && let Some((m, _)) = reader.mention_at(i + 1)
            && groups(reader, m)
        {
            reader.take(i..i + 1);
            return Some(reader.take_mention(m));
        }
    }
    None
}
