//! What the analyst says: a task's title, and the sentence that states a result with its
//! number. Numbers are written the same way everywhere ([`number`]), so a reader (or a
//! test) finds the table's value in the sentence.

use serde_json::Value;

use super::intent::{Filter, Func, Grain, Intent, Measure, Order, Shape};
use super::parse::join_words;
use crate::table::Table;

/// `1,234`, `1,234.57`, `0.873`: integers with thousands separators; other numbers with
/// two decimals from 1 up, three significant digits below.
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value.fract() == 0.0 && value.abs() < 1e15 {
        return group_thousands(&format!("{value:.0}"));
    }
    let text = if value.abs() >= 1.0 {
        format!("{value:.2}")
    } else {
        let digits = (2 - value.abs().log10().floor() as i32).clamp(2, 12) as usize;
        format!("{value:.digits$}")
    };
    let text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    match text.split_once('.') {
        Some((whole, fraction)) => format!("{}.{fraction}", group_thousands(whole)),
        None => group_thousands(&text),
    }
}

fn group_thousands(digits: &str) -> String {
    let (sign, digits) = digits.strip_prefix('-').map_or(("", digits), |rest| ("-", rest));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}")
}

/// A cell as text: numbers as [`number`], text as is, null as `(missing)`.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => "(missing)".into(),
        Value::String(text) => text.clone(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), number),
        other => other.to_string(),
    }
}

/// The filters in words: ` where region is West and order_date in 2023`, or nothing.
pub fn filter_words(filters: &[Filter]) -> String {
    if filters.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = filters.iter().map(filter_phrase).collect();
    format!(" where {}", join_words(&parts, "and"))
}

fn filter_phrase(filter: &Filter) -> String {
    match filter {
        Filter::Is {
            columns,
            value,
            negated,
        } => match (columns.as_slice(), negated) {
            ([one], false) => format!("{one} is {value}"),
            ([one], true) => format!("{one} is not {value}"),
            (_, false) => format!("a text column is {value}"),
            (_, true) => format!("no text column is {value}"),
        },
        Filter::Compare { column, cmp, value } => format!("{column} is {} {}", cmp.words(), number(*value)),
        Filter::Between { column, low, high } => {
            format!("{column} is between {} and {}", number(*low), number(*high))
        }
        Filter::Contains { column, text } => format!("{column} contains \"{text}\""),
        Filter::Dates { column, words, .. } | Filter::Months { column, words, .. } => format!("{column} is {words}"),
        Filter::Missing { column, negated: false } => format!("{column} is missing"),
        Filter::Missing { column, negated: true } => format!("{column} is not missing"),
    }
}

/// A short title of what an intent computes (the subtask's text).
pub fn title(intent: &Intent) -> String {
    let core = match &intent.shape {
        Shape::Aggregate {
            measure,
            group,
            order,
            limit,
        } => match (group, limit) {
            (Some(group), Some(n)) => format!("{} {n} {group} by {}", direction(*order), measure.words()),
            (Some(group), None) => format!("{} by {group}", measure.words()),
            (None, _) => measure.words(),
        },
        Shape::Rows {
            by: Some(by),
            ascending,
            limit,
        } => format!(
            "{} {} rows by {by}",
            if *ascending { "bottom" } else { "top" },
            limit.map_or_else(|| "all".into(), |n| n.to_string())
        ),
        Shape::Rows { by: None, limit, .. } => match limit {
            Some(n) => format!("first {n} rows"),
            None => "matching rows".into(),
        },
        Shape::Distinct { column } => format!("distinct values of {column}"),
        Shape::Distribution { column, .. } => format!("distribution of {column}"),
        Shape::Trend {
            grain, measure, split, ..
        } => {
            let split = split.as_ref().map(|split| format!(" and {split}")).unwrap_or_default();
            format!("{} by {}{split}", measure.words(), grain.name())
        }
        Shape::Correlation { x, y } => format!("correlation of {x} and {y}"),
        Shape::Scatter { x, y } => format!("{y} against {x}"),
        Shape::Compare { measure, values, .. } => format!("{} for {}", measure.words(), join_words(values, "vs")),
        Shape::Missing => "missing values per column".into(),
        Shape::Describe => "every column: values, missing, distinct".into(),
        Shape::Summary => "the number columns: min, mean, median, max".into(),
    };
    let mut title = format!("{core}{}", filter_words(&intent.filters));
    if let Some(first) = title.get(..1) {
        title = first.to_uppercase() + &title[1..];
    }
    title
}

fn direction(order: Order) -> &'static str {
    if order == Order::Ascending { "bottom" } else { "top" }
}

/// How the answer is computed, in steps (for the plan, and for TECHNICAL answers).
pub fn plan(intent: &Intent) -> String {
    let mut steps = Vec::new();
    if !intent.filters.is_empty() {
        steps.push(format!("keep the rows{}", filter_words(&intent.filters)));
    }
    let compute = |measure: &Measure| format!("compute {}", super::query::measure_sql(measure));
    match &intent.shape {
        Shape::Aggregate {
            measure,
            group,
            order,
            limit,
        } => {
            if let Some(group) = group {
                steps.push(format!("group the rows by {group}"));
            }
            steps.push(compute(measure));
            if group.is_some() {
                steps.push(match order {
                    Order::Label => "sort by the group".into(),
                    Order::Descending => "sort from the largest value".into(),
                    Order::Ascending => "sort from the smallest value".into(),
                });
            }
            if let Some(n) = limit {
                steps.push(format!("keep the first {n}"));
            }
        }
        Shape::Rows { by, ascending, limit } => {
            if let Some(by) = by {
                steps.push(format!(
                    "sort by {by}, {}",
                    if *ascending { "smallest first" } else { "largest first" }
                ));
            }
            if let Some(n) = limit {
                steps.push(format!("keep the first {n} rows"));
            }
        }
        Shape::Distinct { column } => steps.push(format!("list the distinct values of {column}")),
        Shape::Distribution { column, numeric: true } => steps.push(format!(
            "split {column} into {} equal-width bins from its smallest to its largest value and count the rows in each",
            super::query::BINS
        )),
        Shape::Distribution { column, numeric: false } => {
            steps.push(format!("count the rows of each value of {column}"))
        }
        Shape::Trend {
            date,
            grain,
            measure,
            split,
            fixed,
        } => {
            let split = split.as_ref().map(|split| format!(" and {split}")).unwrap_or_default();
            steps.push(format!("group the rows by the {} of {date}{split}", grain.name()));
            steps.push(compute(measure));
            if !fixed {
                steps.push("use a finer period if that gives too few points".into());
            }
        }
        Shape::Correlation { x, y } => steps.push(format!(
            "compute the Pearson correlation of {x} and {y} over rows with both"
        )),
        Shape::Scatter { x, y } => steps.push(format!("take {x} and {y} of each row with both")),
        Shape::Compare { measure, values, .. } => {
            steps.push(format!("take the rows of {}", join_words(values, "and")));
            steps.push(compute(measure));
            steps.push("compare the groups".into());
        }
        Shape::Missing => steps.push("count the missing values of every column".into()),
        Shape::Describe => steps.push("count the values, missing values and distinct values of every column".into()),
        Shape::Summary => steps.push("compute the min, mean, median and max of every number column".into()),
    }
    let mut plan = steps.join(", then ");
    if let Some(first) = plan.get(..1) {
        plan = first.to_uppercase() + &plan[1..];
    }
    plan + "."
}

/// The sentence that states `table`, the result of `intent`.
pub fn state(intent: &Intent, table: &Table) -> String {
    let filters = filter_words(&intent.filters);
    let result = Result { table };
    match &intent.shape {
        Shape::Aggregate {
            measure, group: None, ..
        } => single(measure, &filters, &result),
        Shape::Aggregate {
            measure,
            group: Some(group),
            order,
            limit,
        } => grouped(measure, group, *order, *limit, &filters, &result),
        Shape::Rows { by, ascending, limit } => rows(by.as_deref(), *ascending, *limit, &filters, &result),
        Shape::Distinct { column } => distinct(column, &filters, &result),
        Shape::Distribution { column, numeric: true } => bins(column, &filters, &result),
        Shape::Distribution { column, numeric: false } => frequencies(column, &filters, &result),
        Shape::Trend {
            grain, measure, split, ..
        } => trend(*grain, measure, split.as_deref(), &filters, &result),
        Shape::Correlation { x, y } => correlation(x, y, &filters, &result),
        Shape::Scatter { x, y } => {
            let shown = if table.truncated { " (the first rows only)" } else { "" };
            format!("Each point is one row{filters}: {y} against {x}{shown}.")
        }
        Shape::Compare { measure, .. } => compare(measure, &filters, &result),
        Shape::Missing => missing(&filters, &result),
        Shape::Describe => describe(&result),
        Shape::Summary => summary(&result),
    }
}

/// Reading a result table by column name.
struct Result<'a> {
    table: &'a Table,
}

impl Result<'_> {
    fn index(&self, name: &str) -> Option<usize> {
        self.table.column(name).map(|(index, _)| index)
    }

    fn value(&self, row: usize, name: &str) -> Option<&Value> {
        self.table.rows.get(row)?.get(self.index(name)?)
    }

    fn number(&self, row: usize, name: &str) -> Option<f64> {
        self.value(row, name).and_then(Value::as_f64)
    }

    fn text(&self, row: usize, name: &str) -> String {
        self.value(row, name).map_or_else(|| "(missing)".into(), cell)
    }

    fn len(&self) -> usize {
        self.table.rows.len()
    }

    /// The rows with a number in `name`, largest first.
    fn ranked(&self, name: &str) -> Vec<(usize, f64)> {
        let mut ranked: Vec<(usize, f64)> = (0..self.len())
            .filter_map(|row| self.number(row, name).map(|value| (row, value)))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
    }

    fn more(&self) -> &'static str {
        if self.table.truncated { "more than " } else { "" }
    }
}

fn single(measure: &Measure, filters: &str, result: &Result<'_>) -> String {
    let value = result.number(0, &measure.alias());
    match (measure.func, &measure.column, value) {
        (Func::Count, None, Some(n)) => format!("There are {} rows{filters}.", number(n)),
        (Func::CountDistinct, Some(column), Some(n)) => {
            format!("There are {} distinct values of {column}{filters}.", number(n))
        }
        (_, _, Some(value)) => format!("The {}{filters} is {}.", measure.words(), number(value)),
        (_, _, None) => match result.value(0, &measure.alias()) {
            Some(Value::String(text)) => format!("The {}{filters} is {text}.", measure.words()),
            _ => format!("No rows match{filters}, so there is no {}.", measure.words()),
        },
    }
}

fn grouped(
    measure: &Measure,
    group: &str,
    order: Order,
    limit: Option<u32>,
    filters: &str,
    result: &Result<'_>,
) -> String {
    let alias = measure.alias();
    if result.len() == 0 {
        return format!("No rows match{filters}.");
    }
    let label = |row: usize| result.text(row, group);
    let words = measure.words();
    if let Some(limit) = limit {
        let listed: Vec<String> = (0..result.len())
            .map(|row| {
                format!(
                    "{} ({})",
                    label(row),
                    result.value(row, &alias).map_or_else(String::new, cell)
                )
            })
            .collect();
        let extreme = if order == Order::Ascending { "lowest" } else { "highest" };
        if limit == 1 || result.len() == 1 {
            return format!(
                "{} has the {extreme} {words}{filters}: {}.",
                label(0),
                result.text(0, &alias)
            );
        }
        return format!(
            "The {} {} {group} values by {words}{filters}: {}.",
            direction(order),
            result.len(),
            join_words(&listed, "and")
        );
    }
    let ranked = result.ranked(&alias);
    let Some(&(top, high)) = ranked.first() else {
        return format!("No {group} has a {words}{filters}.");
    };
    let groups = format!("{}{}", result.more(), number(result.len() as f64));
    match ranked.last() {
        Some(&(_, low)) if ranked.len() > 1 && low == high => {
            format!(
                "All {groups} {group} values{filters} have the same {words}: {}.",
                number(high)
            )
        }
        Some(&(bottom, low)) if ranked.len() > 1 => format!(
            "Across {groups} {group} values{filters}, {} has the highest {words} ({}) and {} the lowest ({}).",
            label(top),
            number(high),
            label(bottom),
            number(low)
        ),
        _ => format!("Only {} has a {words}{filters}: {}.", label(top), number(high)),
    }
}

fn rows(by: Option<&str>, ascending: bool, limit: Option<u32>, filters: &str, result: &Result<'_>) -> String {
    let count = result.len();
    match (by, limit) {
        (Some(by), _) if count > 0 => {
            let extreme = if ascending { "lowest" } else { "highest" };
            format!(
                "Here are the {} rows with the {extreme} {by}{filters}, from {} to {}.",
                number(count as f64),
                result.text(0, by),
                result.text(count - 1, by)
            )
        }
        (None, Some(_)) if filters.is_empty() => format!("Here are the first {} rows.", number(count as f64)),
        _ if count == 0 => format!("No rows match{filters}."),
        _ if result.table.truncated => format!(
            "More than {} rows match{filters}; here are the first {}.",
            number(count as f64),
            number(count as f64)
        ),
        _ => format!("{} rows match{filters}.", number(count as f64)),
    }
}

fn distinct(column: &str, filters: &str, result: &Result<'_>) -> String {
    const SHOWN: usize = 10;
    let values: Vec<String> = (0..result.len().min(SHOWN))
        .map(|row| result.text(row, column))
        .collect();
    let rest = result.len().saturating_sub(SHOWN);
    let listed = if rest > 0 {
        format!("{} and {} more", values.join(", "), number(rest as f64))
    } else {
        join_words(&values, "and")
    };
    format!(
        "{column} has {}{} distinct values{filters}: {listed}.",
        result.more(),
        number(result.len() as f64)
    )
}

fn bins(column: &str, filters: &str, result: &Result<'_>) -> String {
    let Some(low) = result.number(0, "bin_start") else {
        return format!("{column} has no values{filters}.");
    };
    let high = result.number(result.len() - 1, "bin_end").unwrap_or(low);
    let total: f64 = (0..result.len()).filter_map(|row| result.number(row, "rows")).sum();
    let ranked = result.ranked("rows");
    let (fullest, count) = ranked.first().copied().unwrap_or((0, 0.0));
    format!(
        "{column} ranges from {} to {}{filters}; the most common range is {} to {}, with {} of {} values.",
        number(low),
        number(high),
        result.text(fullest, "bin_start"),
        result.text(fullest, "bin_end"),
        number(count),
        number(total)
    )
}

fn frequencies(column: &str, filters: &str, result: &Result<'_>) -> String {
    let total: f64 = (0..result.len()).filter_map(|row| result.number(row, "rows")).sum();
    let Some(count) = result.number(0, "rows") else {
        return format!("{column} has no values{filters}.");
    };
    format!(
        "{column} has {}{} values{filters}; the most common is {} with {} of {} rows ({}%).",
        result.more(),
        number(result.len() as f64),
        result.text(0, column),
        number(count),
        number(total),
        number((count / total * 1000.0).round() / 10.0)
    )
}

fn period(value: &str, grain: Grain) -> String {
    match grain {
        Grain::Year => value.get(..4).unwrap_or(value).to_owned(),
        Grain::Month => value.get(..7).unwrap_or(value).to_owned(),
        Grain::Week => format!("the week of {}", value.get(..10).unwrap_or(value)),
        Grain::Day => value.get(..10).unwrap_or(value).to_owned(),
        Grain::Hour => value.get(..16).unwrap_or(value).replace('T', " "),
    }
}

fn trend(grain: Grain, measure: &Measure, split: Option<&str>, filters: &str, result: &Result<'_>) -> String {
    let alias = measure.alias();
    let name = grain.name();
    let ranked = result.ranked(&alias);
    let (Some(&(top, high)), Some(&(bottom, low))) = (ranked.first(), ranked.last()) else {
        return format!("No rows with a date match{filters}.");
    };
    let at = |row: usize| {
        let when = period(&result.text(row, name), grain);
        match split {
            Some(split) => format!("{} for {}", when, result.text(row, split)),
            None => when,
        }
    };
    let first = period(&result.text(0, name), grain);
    let last = period(&result.text(result.len() - 1, name), grain);
    let mut words = measure.words();
    if let Some(first) = words.get(..1) {
        words = first.to_uppercase() + &words[1..];
    }
    format!(
        "{words} by {name}{filters}, from {first} to {last}: highest in {} ({}), lowest in {} ({}).",
        at(top),
        number(high),
        at(bottom),
        number(low)
    )
}

fn correlation(x: &str, y: &str, filters: &str, result: &Result<'_>) -> String {
    let rows = result.number(0, "rows").unwrap_or(0.0);
    let Some(r) = result.number(0, "correlation") else {
        return format!(
            "{x} and {y} have no correlation{filters}: too few rows with both ({}).",
            number(rows)
        );
    };
    let strength = match r.abs() {
        a if a >= 0.7 => "strong",
        a if a >= 0.4 => "moderate",
        a if a >= 0.2 => "weak",
        _ => "no clear linear relationship",
    };
    let direction = if r >= 0.0 { "positive" } else { "negative" };
    let kind = if r.abs() >= 0.2 {
        format!("{strength} and {direction}")
    } else {
        strength.to_owned()
    };
    format!(
        "The correlation between {x} and {y}{filters} is {} ({kind}), over {} rows with both.",
        number(r),
        number(rows)
    )
}

fn compare(measure: &Measure, filters: &str, result: &Result<'_>) -> String {
    let alias = measure.alias();
    let words = measure.words();
    let values: Vec<String> = (0..result.len())
        .map(|row| format!("{} {}", result.text(row, "group"), result.text(row, &alias)))
        .collect();
    if values.is_empty() {
        return format!("None of those values appear{filters}.");
    }
    let listed = join_words(&values, "and");
    let (Some(a), Some(b)) = (result.number(0, &alias), result.number(1, &alias)) else {
        return format!("The {words}{filters}: {listed}.");
    };
    if result.len() != 2 {
        let ranked = result.ranked(&alias);
        let top = ranked.first().map_or(0, |&(row, _)| row);
        return format!(
            "The {words}{filters}: {listed}; {} is highest.",
            result.text(top, "group")
        );
    }
    let (name_a, name_b) = (result.text(0, "group"), result.text(1, "group"));
    let difference = a - b;
    let relative = if b != 0.0 {
        format!(" ({}%)", number((difference / b.abs() * 1000.0).round() / 10.0))
    } else {
        String::new()
    };
    let comparison = if difference == 0.0 {
        format!("the same for {name_a} and {name_b}")
    } else {
        let more = if difference > 0.0 { "higher" } else { "lower" };
        format!(
            "{} {more} for {name_a} than for {name_b}{relative}",
            number(difference.abs())
        )
    };
    format!("The {words}{filters}: {listed}; it is {comparison}.")
}

fn missing(filters: &str, result: &Result<'_>) -> String {
    let ranked: Vec<(usize, f64)> = result.ranked("missing").into_iter().filter(|&(_, n)| n > 0.0).collect();
    if ranked.is_empty() {
        return format!("No column has missing values{filters}.");
    }
    let total: f64 = ranked.iter().map(|&(_, n)| n).sum();
    let listed: Vec<String> = ranked
        .iter()
        .map(|&(row, n)| format!("{} ({})", result.text(row, "column"), number(n)))
        .collect();
    format!(
        "{} of {} columns have missing values{filters}: {}; {} in all.",
        number(ranked.len() as f64),
        number(result.len() as f64),
        join_words(&listed, "and"),
        number(total)
    )
}

fn describe(result: &Result<'_>) -> String {
    let rows = result.number(0, "values").unwrap_or(0.0) + result.number(0, "missing").unwrap_or(0.0);
    let mut kinds: Vec<(String, Vec<String>)> = Vec::new();
    for row in 0..result.len() {
        let kind = result.text(row, "type");
        let name = result.text(row, "column");
        match kinds.iter_mut().find(|(existing, _)| *existing == kind) {
            Some((_, names)) => names.push(name),
            None => kinds.push((kind, vec![name])),
        }
    }
    let kinds: Vec<String> = kinds
        .iter()
        .map(|(kind, names)| format!("{} {kind} ({})", names.len(), names.join(", ")))
        .collect();
    format!(
        "The data has {} rows and {} columns: {}.",
        number(rows),
        number(result.len() as f64),
        join_words(&kinds, "and")
    )
}

fn summary(result: &Result<'_>) -> String {
    let parts: Vec<String> = (0..result.len())
        .map(|row| {
            format!(
                "{} from {} to {} (mean {})",
                result.text(row, "column"),
                result.text(row, "min"),
                result.text(row, "max"),
                result.text(row, "mean")
            )
        })
        .collect();
    if parts.is_empty() {
        return "There are no number columns.".into();
    }
    format!("Number columns: {}.", join_words(&parts, "and"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_one_way() {
        assert_eq!(number(1234.0), "1,234");
        assert_eq!(number(-1234567.0), "-1,234,567");
        assert_eq!(number(1234.567), "1,234.57");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(0.87345), "0.873");
        assert_eq!(number(0.012345), "0.0123");
        assert_eq!(number(-0.5), "-0.5");
        assert_eq!(number(100.004), "100");
    }
}
