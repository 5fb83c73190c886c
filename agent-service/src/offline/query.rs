//! An intent as one SELECT over `data`, in the Polars SQL dialect the executor runs.
//! Identifiers are always double-quoted (column names may hold spaces, `$` or keywords),
//! text is compared case-insensitively, and result columns get plain names (`total_amount`,
//! `rows`, `month`) that the sentence and the chart read back.

use super::intent::{Filter, Func, Grain, Intent, Measure, Order, Shape};
use crate::table::{Column, ColumnKind};

/// Bins of a numeric distribution.
pub const BINS: u32 = 10;

/// A quoted identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A quoted text literal.
pub fn text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A number literal.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        value.to_string()
    }
}

/// The query for `intent` over a table with `schema`; a trend uses `grain` (the intent's
/// own unless the analyst is trying another).
pub fn sql(intent: &Intent, schema: &[Column], grain: Option<Grain>) -> String {
    let filters = &intent.filters;
    match &intent.shape {
        Shape::Aggregate {
            measure,
            group,
            order,
            limit,
        } => aggregate(measure, group.as_deref(), *order, *limit, filters),
        Shape::Rows {
            by, ascending, limit, ..
        } => rows(by.as_deref(), *ascending, *limit, filters),
        Shape::Distinct { column } => {
            let column = ident(column);
            let condition = conditions(filters, &[format!("{column} IS NOT NULL")]);
            format!("SELECT DISTINCT {column} FROM data{condition} ORDER BY {column}")
        }
        Shape::Distribution { column, numeric: true } => bins(column, filters),
        Shape::Distribution { column, numeric: false } => {
            let column = ident(column);
            format!(
                "SELECT {column}, COUNT(*) AS \"rows\" FROM data{} GROUP BY {column} ORDER BY \"rows\" DESC, {column} ASC NULLS LAST",
                conditions(filters, &[])
            )
        }
        Shape::Trend {
            date,
            grain: own,
            measure,
            split,
            ..
        } => trend(date, grain.unwrap_or(*own), measure, split.as_deref(), filters),
        Shape::Correlation { x, y } => {
            let (x, y) = (ident(x), ident(y));
            let condition = conditions(filters, &[format!("{x} IS NOT NULL"), format!("{y} IS NOT NULL")]);
            format!("SELECT CORR({x}, {y}) AS \"correlation\", COUNT(*) AS \"rows\" FROM data{condition}")
        }
        Shape::Scatter { x, y } => {
            let (x, y) = (ident(x), ident(y));
            let condition = conditions(filters, &[format!("{x} IS NOT NULL"), format!("{y} IS NOT NULL")]);
            format!("SELECT {x}, {y} FROM data{condition}")
        }
        Shape::Compare {
            measure,
            columns,
            values,
        } => compare(measure, columns, values, filters),
        Shape::Share { condition } => {
            let all: Vec<String> = condition.iter().map(self::condition).collect();
            let counted = format!("SUM(CASE WHEN {} THEN 1 ELSE 0 END)", all.join(" AND "));
            format!(
                "SELECT 100.0 * {counted} / COUNT(*) AS \"percent\", {counted} AS \"matching\", COUNT(*) AS \"rows\" FROM data{}",
                conditions(filters, &[])
            )
        }
        Shape::Missing => union(schema, |column| {
            let name = ident(&column.name);
            format!(
                "SELECT {} AS \"column\", COUNT(*) - COUNT({name}) AS \"missing\" FROM data{}",
                text(&column.name),
                conditions(filters, &[])
            )
        }),
        Shape::Describe => union(schema, |column| {
            let name = ident(&column.name);
            format!(
                "SELECT {} AS \"column\", {} AS \"type\", COUNT({name}) AS \"values\", COUNT(*) - COUNT({name}) AS \"missing\", \
                 COUNT(DISTINCT {name}) AS \"distinct\" FROM data{}",
                text(&column.name),
                text(kind_name(column.kind)),
                conditions(filters, &[])
            )
        }),
        Shape::Summary => {
            let numbers: Vec<Column> = schema
                .iter()
                .filter(|c| c.kind == ColumnKind::Number)
                .cloned()
                .collect();
            union(&numbers, |column| {
                let name = ident(&column.name);
                format!(
                    "SELECT {} AS \"column\", CAST(MIN({name}) AS DOUBLE) AS \"min\", CAST(AVG({name}) AS DOUBLE) AS \"mean\", \
                     CAST(MEDIAN({name}) AS DOUBLE) AS \"median\", CAST(MAX({name}) AS DOUBLE) AS \"max\" FROM data{}",
                    text(&column.name),
                    conditions(filters, &[])
                )
            })
        }
    }
}

/// How a column's kind is named in answers.
pub fn kind_name(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Number => "number",
        ColumnKind::Temporal => "date",
        ColumnKind::Boolean => "boolean",
        ColumnKind::Text => "text",
    }
}

fn union(columns: &[Column], part: impl Fn(&Column) -> String) -> String {
    columns.iter().map(part).collect::<Vec<_>>().join(" UNION ALL ")
}

/// The SQL of a measure.
pub fn measure_sql(measure: &Measure) -> String {
    match (&measure.column, measure.func) {
        (None, _) => "COUNT(*)".into(),
        (Some(column), Func::CountDistinct) => format!("COUNT(DISTINCT {})", ident(column)),
        (Some(column), Func::Range) => format!("MAX({0}) - MIN({0})", ident(column)),
        (Some(column), func) => format!("{}({})", func.sql(), ident(column)),
    }
}

fn aggregate(measure: &Measure, group: Option<&str>, order: Order, limit: Option<u32>, filters: &[Filter]) -> String {
    let value = measure_sql(measure);
    let alias = ident(&measure.alias());
    let condition = conditions(filters, &[]);
    let Some(group) = group else {
        return format!("SELECT {value} AS {alias} FROM data{condition}");
    };
    let group = ident(group);
    // A ranking names groups: rows without one are not a group (a list shows them).
    let condition = match limit {
        Some(_) => conditions(filters, &[format!("{group} IS NOT NULL")]),
        None => condition,
    };
    let order = match order {
        Order::Label => format!("{group} ASC NULLS LAST"),
        Order::Descending => format!("{alias} DESC NULLS LAST, {group} ASC"),
        Order::Ascending => format!("{alias} ASC NULLS LAST, {group} ASC"),
    };
    let limit = limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
    format!("SELECT {group}, {value} AS {alias} FROM data{condition} GROUP BY {group} ORDER BY {order}{limit}")
}

fn rows(by: Option<&str>, ascending: bool, limit: Option<u32>, filters: &[Filter]) -> String {
    let mut sql = match by {
        Some(by) => {
            let by = ident(by);
            let direction = if ascending { "ASC" } else { "DESC" };
            format!(
                "SELECT * FROM data{} ORDER BY {by} {direction}",
                conditions(filters, &[format!("{by} IS NOT NULL")])
            )
        }
        None => format!("SELECT * FROM data{}", conditions(filters, &[])),
    };
    if let Some(limit) = limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    sql
}

/// Ten equal-width bins from the smallest to the largest value.
fn bins(column: &str, filters: &[Filter]) -> String {
    let column = ident(column);
    let condition = conditions(filters, &[format!("{column} IS NOT NULL")]);
    let width = format!("((hi - lo) / {BINS}.0)");
    let index = format!("LEAST(FLOOR(({column} - lo) / {width}), {})", BINS - 1);
    format!(
        "WITH bounds AS (SELECT MIN({column}) AS lo, MAX({column}) AS hi FROM data{condition}), \
         binned AS (SELECT CASE WHEN hi = lo THEN CAST(lo AS DOUBLE) ELSE lo + {index} * {width} END AS \"bin_start\", \
         CASE WHEN hi = lo THEN CAST(hi AS DOUBLE) ELSE lo + ({index} + 1) * {width} END AS \"bin_end\" \
         FROM data CROSS JOIN bounds{condition}) \
         SELECT \"bin_start\", \"bin_end\", COUNT(*) AS \"rows\" FROM binned GROUP BY \"bin_start\", \"bin_end\" ORDER BY \"bin_start\""
    )
}

/// The start of the period of `date`, as a date (a date-time for hours).
pub fn period(date: &str, grain: Grain) -> String {
    let date = ident(date);
    match grain {
        Grain::Hour => format!("STRPTIME(STRFTIME({date}, '%Y-%m-%d %H:00:00'), '%Y-%m-%d %H:%M:%S')"),
        Grain::Day => format!("DATE(STRFTIME({date}, '%Y-%m-%d'))"),
        Grain::Week => format!("DATE(STRFTIME({date}, '%G-W%V-1'), '%G-W%V-%u')"),
        Grain::Month => format!("DATE(STRFTIME({date}, '%Y-%m-01'))"),
        Grain::Year => format!("DATE(STRFTIME({date}, '%Y-01-01'))"),
    }
}

/// The period's parts a trend groups by: numbers, cheap to compute on every row (formatting
/// every row's date as text and parsing it back cost seconds per million rows).
fn period_parts(date: &str, grain: Grain) -> Vec<String> {
    let part = |name: &str| format!("DATE_PART('{name}', {date}) AS \"__{name}\"");
    match grain {
        Grain::Year => vec![part("year")],
        Grain::Month => vec![part("year"), part("month")],
        Grain::Day => vec![part("year"), part("month"), part("day")],
        Grain::Hour => vec![part("year"), part("month"), part("day"), part("hour")],
        Grain::Week => vec![format!("STRFTIME({date}, '%G-%V') AS \"__week\"")],
    }
}

fn trend(date: &str, grain: Grain, measure: &Measure, split: Option<&str>, filters: &[Filter]) -> String {
    let name = ident(grain.name());
    let quoted = ident(date);
    let condition = conditions(filters, &[format!("{quoted} IS NOT NULL")]);
    let split = split.map(|split| format!(", {}", ident(split))).unwrap_or_default();
    let parts = period_parts(&quoted, grain);
    let keys: Vec<&str> = parts
        .iter()
        .filter_map(|part| part.rsplit_once(" AS ").map(|(_, alias)| alias))
        .collect();
    let alias = ident(&measure.alias());
    // Grouped by the period's parts; each group is labelled with the start of the period
    // of its first date, formatted once per group.
    format!(
        "WITH periods AS (SELECT {}{split}, MIN({quoted}) AS \"__first\", {} AS {alias} FROM data{condition} \
         GROUP BY {}{split}) \
         SELECT {} AS {name}{split}, {alias} FROM periods ORDER BY {name}{split}",
        parts.join(", "),
        measure_sql(measure),
        keys.join(", "),
        period("__first", grain),
    )
}

fn compare(measure: &Measure, columns: &[String], values: &[String], filters: &[Filter]) -> String {
    let matches = |value: &String| is_value(columns, std::slice::from_ref(value));
    let cases: Vec<String> = values
        .iter()
        .map(|value| format!("WHEN {} THEN {}", matches(value), text(value)))
        .collect();
    let any: Vec<String> = values.iter().map(matches).collect();
    let condition = conditions(filters, &[format!("({})", any.join(" OR "))]);
    format!(
        "SELECT CASE {} END AS \"group\", {} AS {} FROM data{condition} GROUP BY \"group\" ORDER BY \"group\"",
        cases.join(" "),
        measure_sql(measure),
        ident(&measure.alias()),
    )
}

/// Whether one of `columns` holds one of `values`, case aside.
fn is_value(columns: &[String], values: &[String]) -> String {
    let values: Vec<String> = values.iter().map(|value| text(&value.to_lowercase())).collect();
    let test = match values.as_slice() {
        [one] => format!("= {one}"),
        many => format!("IN ({})", many.join(", ")),
    };
    let tests: Vec<String> = columns
        .iter()
        .map(|column| format!("LOWER({}) {test}", ident(column)))
        .collect();
    match tests.as_slice() {
        [one] => one.clone(),
        _ => format!("({})", tests.join(" OR ")),
    }
}

/// ` WHERE …` for `filters` and `extra` conditions, or nothing.
fn conditions(filters: &[Filter], extra: &[String]) -> String {
    let all: Vec<String> = extra.iter().cloned().chain(filters.iter().map(condition)).collect();
    if all.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", all.join(" AND "))
    }
}

fn condition(filter: &Filter) -> String {
    match filter {
        Filter::Is {
            columns,
            values,
            negated,
        } => {
            let test = is_value(columns, values);
            if *negated { format!("NOT {test}") } else { test }
        }
        Filter::Compare { column, cmp, value } => format!("{} {} {}", ident(column), cmp.sql(), number(*value)),
        Filter::Between { column, low, high } => {
            format!("{} BETWEEN {} AND {}", ident(column), number(*low), number(*high))
        }
        Filter::Contains { column, text: phrase } => {
            format!(
                "LOWER({}) LIKE {}",
                ident(column),
                text(&format!("%{}%", phrase.to_lowercase()))
            )
        }
        Filter::Dates {
            column, from, until, ..
        } => {
            let column = ident(column);
            let bounds: Vec<String> = [
                from.as_ref().map(|from| format!("{column} >= {}", text(from))),
                until.as_ref().map(|until| format!("{column} < {}", text(until))),
            ]
            .into_iter()
            .flatten()
            .collect();
            bounds.join(" AND ")
        }
        Filter::Months { column, from, to, .. } => {
            format!("EXTRACT(MONTH FROM {}) BETWEEN {from} AND {to}", ident(column))
        }
        Filter::Missing { column, negated } => {
            let not = if *negated { "NOT " } else { "" };
            format!("{} IS {not}NULL", ident(column))
        }
    }
}

/// The grain a trend query used (read back from its result column).
pub fn grain_of(sql: &str) -> Option<Grain> {
    Grain::ALL
        .into_iter()
        .find(|grain| sql.contains(&format!("AS {}", ident(grain.name()))))
}

#[cfg(test)]
mod tests {
    use super::super::intent::Cmp;
    use super::*;

    #[test]
    fn names_and_values_are_quoted() {
        assert_eq!(ident("Unit \"Price\" ($)"), "\"Unit \"\"Price\"\" ($)\"");
        assert_eq!(text("O'Neil"), "'O''Neil'");
    }

    #[test]
    fn a_grouped_total_with_filters_is_one_select() {
        let intent = Intent {
            shape: Shape::Aggregate {
                measure: Measure {
                    func: Func::Sum,
                    column: Some("amount".into()),
                },
                group: Some("region".into()),
                order: Order::Descending,
                limit: Some(3),
            },
            filters: vec![
                Filter::Compare {
                    column: "units".into(),
                    cmp: Cmp::Above,
                    value: 2.0,
                },
                Filter::Is {
                    columns: vec!["product".into()],
                    values: vec!["Widget".into()],
                    negated: true,
                },
            ],
            show: None,
        };
        assert_eq!(
            sql(&intent, &[], None),
            "SELECT \"region\", SUM(\"amount\") AS \"total_amount\" FROM data WHERE \"region\" IS NOT NULL AND \"units\" > 2 \
             AND NOT LOWER(\"product\") = 'widget' GROUP BY \"region\" ORDER BY \"total_amount\" DESC NULLS LAST, \"region\" ASC LIMIT 3"
        );
    }

    #[test]
    fn the_grain_of_a_trend_query_is_read_back() {
        let measure = Measure::rows();
        let query = trend("day", Grain::Week, &measure, None, &[]);
        assert_eq!(grain_of(&query), Some(Grain::Week));
    }
}
