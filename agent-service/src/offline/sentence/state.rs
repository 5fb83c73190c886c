//! The sentence that states a result, one function per shape of answer: the number with
//! its context (filters, the group, the period), the extremes of a group or trend.

use serde_json::Value;

use super::super::intent::{Func, Grain, Intent, Measure, Order, Shape};
use super::super::parse::join_words;
use super::{cell, direction, filter_words, number};
use crate::table::Table;

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
        Shape::Rows {
            by,
            ascending,
            limit,
            label,
        } => rows(by.as_deref(), label.as_deref(), *ascending, *limit, &filters, &result),
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
        Shape::Share { condition } => share(&filter_words(condition), &filters, &result),
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

    /// A value of column `name` that names something (a group, a category): numbers as
    /// written, without thousands separators (the year 2009, not 2,009).
    fn label(&self, row: usize, name: &str) -> String {
        match self.value(row, name) {
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
            _ => self.text(row, name),
        }
    }

    /// What names row `row`: its `label` column, else its first three text cells
    /// (`Gentoo, Biscoe, male`).
    fn name(&self, row: usize, label: Option<&str>) -> String {
        if let Some(label) = label.filter(|label| self.value(row, label).is_some_and(|value| !value.is_null())) {
            // The fullest text of the row that holds the label (`Geo Metro` for `Metro`).
            let short = self.text(row, label);
            let fullest = self
                .table
                .rows
                .get(row)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|text| text.len() > short.len() && text.to_lowercase().contains(&short.to_lowercase()));
            return fullest
                .max_by_key(|text| text.len())
                .map_or(short.clone(), str::to_owned);
        }
        let texts: Vec<String> = self
            .table
            .rows
            .get(row)
            .into_iter()
            .flatten()
            .filter_map(|value| value.as_str().map(str::to_owned))
            .take(3)
            .collect();
        if !texts.is_empty() {
            return texts.join(", ");
        }
        // No text to name it (`Chick 35` is a number): its first three cells, named.
        let cells: Vec<String> = (0..self.table.columns.len().min(3))
            .filter(|&index| {
                self.table
                    .rows
                    .get(row)
                    .and_then(|cells| cells.get(index))
                    .is_some_and(|cell| !cell.is_null())
            })
            .map(|index| {
                let name = &self.table.columns[index].name;
                format!("{} {}", super::shown(name), self.label(row, name))
            })
            .collect();
        if cells.is_empty() {
            format!("row {}", number((row + 1) as f64))
        } else {
            format!("the one with {}", join_words(&cells, "and"))
        }
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
    let label = |row: usize| result.label(row, group);
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
    // Rows without a group value are listed, but they are not a group to name.
    let named = |row: usize| result.value(row, group).is_some_and(|value| !value.is_null());
    let ranked: Vec<(usize, f64)> = result
        .ranked(&alias)
        .into_iter()
        .filter(|&(row, _)| named(row))
        .collect();
    let Some(&(top, high)) = ranked.first() else {
        return format!("No {group} has a {words}{filters}.");
    };
    let count = (0..result.len()).filter(|&row| named(row)).count();
    let groups = format!("{}{}", result.more(), number(count as f64));
    let group = super::shown(group);
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

fn rows(
    by: Option<&str>,
    label: Option<&str>,
    ascending: bool,
    limit: Option<u32>,
    filters: &str,
    result: &Result<'_>,
) -> String {
    let count = result.len();
    let extreme = if ascending { "lowest" } else { "highest" };
    match (by, limit) {
        (Some(by), Some(1)) if count == 1 => format!(
            "The row with the {extreme} {by}{filters} is {}, with {by} {}.",
            result.name(0, label),
            result.text(0, by)
        ),
        (Some(by), _) if count > 0 => {
            let named: Vec<String> = match label {
                Some(label) => (0..count.min(10)).map(|row| result.label(row, label)).collect(),
                None => Vec::new(),
            };
            let named = if named.is_empty() {
                String::new()
            } else {
                format!(": {}", join_words(&named, "and"))
            };
            format!(
                "Here are the {} rows with the {extreme} {by}{filters}, from {} to {}{named}.",
                number(count as f64),
                result.text(0, by),
                result.text(count - 1, by),
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
        .map(|row| result.label(row, column))
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
        result.label(0, column),
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
            Some(split) => format!("{} for {}", when, result.label(row, split)),
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

fn share(condition: &str, filters: &str, result: &Result<'_>) -> String {
    let rows = result.number(0, "rows").unwrap_or(0.0);
    match (result.number(0, "percent"), result.number(0, "matching")) {
        (Some(percent), Some(matching)) => format!(
            "Of the {} rows{filters}, {} ({}%) are rows{condition}.",
            number(rows),
            number(matching),
            number(percent)
        ),
        _ => format!("No rows match{filters}, so there is no share to give."),
    }
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
