//! What the analyst says: a task's title, and the sentence that states a result with its
//! number. Numbers are written the same way everywhere ([`number`]), so a reader (or a
//! test) finds the table's value in the sentence.

use serde_json::Value;

mod state;

pub use state::state;

use super::intent::{Cmp, Filter, Intent, Measure, Order, Shape};
use super::parse::join_words;

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

/// A number a question gave (`2008`, `8`, `4.5`): as [`number`], without thousands
/// separators for whole numbers below 10,000 (years, counts).
fn plain(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 10_000.0 {
        format!("{value:.0}")
    } else {
        number(value)
    }
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
            values,
            negated,
        } => match (columns.as_slice(), negated, join_words(values, "or")) {
            ([one], false, value) => format!("{} is {value}", shown(one)),
            ([one], true, value) => format!("{} is not {value}", shown(one)),
            (_, false, value) => format!("a text column is {value}"),
            (_, true, value) => format!("no text column is {value}"),
        },
        Filter::Compare {
            column,
            cmp: Cmp::Equal,
            value,
        } => format!("{column} is {}", plain(*value)),
        Filter::Compare { column, cmp, value } => format!("{column} is {} {}", cmp.words(), plain(*value)),
        Filter::Between { column, low, high } => {
            format!("{column} is between {} and {}", number(*low), number(*high))
        }
        Filter::Contains { column, text } => format!("{column} contains \"{text}\""),
        Filter::Dates { column, words, .. } | Filter::Months { column, words, .. } => format!("{column} is {words}"),
        Filter::Missing { column, negated: false } => format!("{column} is missing"),
        Filter::Missing { column, negated: true } => format!("{column} is not missing"),
    }
}

/// A column's name as a sentence shows it: a column without a name (R's row names) is
/// `the row name`.
pub fn shown(name: &str) -> &str {
    if name.trim().is_empty() { "the row name" } else { name }
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
            ..
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
        Shape::Share { condition } => format!("share of rows{}", filter_words(condition)),
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
        Shape::Rows {
            by, ascending, limit, ..
        } => {
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
        Shape::Share { condition } => steps.push(format!(
            "count the rows{} and divide by the number of rows",
            filter_words(condition)
        )),
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

    fn row_answer(
        by: &str,
        label: Option<&str>,
        columns: &[(&str, crate::table::ColumnKind)],
        row: Vec<Value>,
    ) -> String {
        let intent = Intent::new(Shape::Rows {
            by: Some(by.into()),
            ascending: false,
            limit: Some(1),
            label: label.map(str::to_owned),
        });
        let table = crate::table::Table {
            columns: columns
                .iter()
                .map(|(name, kind)| crate::table::Column {
                    name: (*name).into(),
                    kind: *kind,
                })
                .collect(),
            rows: vec![row],
            truncated: false,
        };
        state(&intent, &table)
    }

    #[test]
    fn a_row_is_named_by_its_fullest_label_or_its_first_cells() {
        use crate::table::ColumnKind::{Number, Text};
        use serde_json::json;
        assert_eq!(
            row_answer(
                "hp",
                Some("Model"),
                &[("Model", Text), ("Make", Text), ("hp", Number)],
                vec![json!("Metro"), json!("Geo Metro"), json!(55)]
            ),
            "The row with the highest hp is Geo Metro, with hp 55."
        );
        assert_eq!(
            row_answer(
                "weight",
                None,
                &[
                    ("weight", Number),
                    ("Time", Number),
                    ("Chick", Number),
                    ("Diet", Number)
                ],
                vec![json!(373), json!(21), json!(35), json!(3)]
            ),
            "The row with the highest weight is the one with weight 373, Time 21 and Chick 35, with weight 373."
        );
    }
}
