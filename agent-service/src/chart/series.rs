//! The numbers a PNG chart draws: the table's rows grouped by colour into series,
//! aggregated per x, binned for histograms and laid out for stacking, the way Vega-Lite
//! would for the same spec.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, PrimitiveDateTime};

use super::{Aggregate, Channels, ChartIntent, Mark, Sort};
use crate::table::{ColumnKind, Table};

/// Most bins a histogram gets (Vega-Lite's default `maxbins`).
const MAX_BINS: f64 = 10.0;
/// Half the width of a category's bar, in category steps.
const HALF_BAR: f64 = 0.4;

/// What the x axis shows.
#[derive(Debug, Clone, PartialEq)]
pub enum XAxis {
    /// One slot per category, at positions 0, 1, 2, ...
    Categories(Vec<String>),
    /// Numbers.
    Numbers,
    /// Seconds since 1970-01-01 UTC, shown as dates (with the time when one has one).
    Dates {
        /// Whether some value has a time of day.
        with_time: bool,
    },
}

/// What is drawn, per series (one per colour, in the order of [`Prepared::names`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Layers {
    /// Bars stacked per slot; `values[series][slot]`.
    Bars {
        /// Where each slot starts and ends on x.
        slots: Vec<(f64, f64)>,
        /// Each series' value per slot.
        values: Vec<Vec<f64>>,
    },
    /// Areas stacked over `xs`; `values[series][i]` at `xs[i]`.
    Areas {
        /// The x positions, ascending.
        xs: Vec<f64>,
        /// Each series' value per position.
        values: Vec<Vec<f64>>,
    },
    /// A line through each series' points, in x order.
    Lines(Vec<Vec<(f64, f64)>>),
    /// Each series' points.
    Points(Vec<Vec<(f64, f64)>>),
}

/// A chart ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The x axis.
    pub x_axis: XAxis,
    /// The axes' titles.
    pub x_title: String,
    /// See `x_title`.
    pub y_title: String,
    /// The series' names (the colour values); one `None` without a colour channel.
    pub names: Vec<Option<String>>,
    /// The marks.
    pub layers: Layers,
}

/// One row's channels.
struct Row<'a> {
    x: &'a Value,
    y: Option<f64>,
    series: usize,
}

/// What a checked intent draws over `table`.
pub fn prepare(intent: &ChartIntent, table: &Table, channels: Channels) -> Prepared {
    let cell = |row: &'_ [Value], index: usize| row.get(index).unwrap_or(&Value::Null).clone();
    // Series: the distinct colour values, ascending (Vega-Lite's default colour order).
    let names: Vec<Option<String>> = match channels.color {
        Some((index, _)) => ordered(table.rows.iter().map(|row| cell(row, index)).collect())
            .into_iter()
            .map(|value| Some(display(&value)))
            .collect(),
        None => vec![None],
    };
    let rows: Vec<Row<'_>> = table
        .rows
        .iter()
        .map(|row| Row {
            x: row.get(channels.x.0).unwrap_or(&Value::Null),
            y: channels.y.and_then(|(index, _)| row.get(index)).and_then(Value::as_f64),
            series: channels
                .color
                .and_then(|(index, _)| {
                    let name = display(row.get(index).unwrap_or(&Value::Null));
                    names.iter().position(|known| known.as_deref() == Some(name.as_str()))
                })
                .unwrap_or(0),
        })
        .collect();
    let y_title = match (&intent.y, intent.aggregate) {
        (_, Some(Aggregate::Count)) | (None, _) => "count".to_owned(),
        (Some(y), Some(aggregate)) => format!("{} of {y}", aggregate.name()),
        (Some(y), None) => y.clone(),
    };
    let categorical = match intent.mark {
        Mark::Bar => true,
        Mark::Point => matches!(channels.x.1, ColumnKind::Text | ColumnKind::Boolean),
        Mark::Line | Mark::Area | Mark::Histogram => false,
    };
    let (x_axis, layers) = if intent.mark == Mark::Histogram {
        histogram(&rows, names.len())
    } else if categorical {
        categories(intent, &rows, names.len())
    } else {
        continuous(intent, channels.x.1, &rows, names.len())
    };
    Prepared {
        x_axis,
        x_title: intent.x.clone(),
        y_title,
        names,
        layers,
    }
}

/// A cell as a label.
pub fn display(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The distinct values, ascending: numerically when all are numbers, else as text.
fn ordered(mut values: Vec<Value>) -> Vec<Value> {
    let numeric = values.iter().all(|value| value.is_number() || value.is_null());
    values.sort_by(|a, b| compare(a, b, numeric));
    values.dedup();
    values
}

fn compare(a: &Value, b: &Value, numeric: bool) -> Ordering {
    if numeric {
        let key = |value: &Value| value.as_f64().unwrap_or(f64::NEG_INFINITY);
        key(a).total_cmp(&key(b))
    } else {
        display(a).cmp(&display(b))
    }
}

/// Combines the y values of rows sharing an x and series; `None` when there are none
/// to combine (rows without a y, for anything but a count).
fn combine(aggregate: Aggregate, rows: usize, mut ys: Vec<f64>) -> Option<f64> {
    if aggregate == Aggregate::Count {
        return Some(rows as f64);
    }
    if ys.is_empty() {
        return None;
    }
    ys.sort_by(f64::total_cmp);
    let n = ys.len();
    Some(match aggregate {
        Aggregate::Count => rows as f64,
        Aggregate::Sum => ys.iter().sum(),
        Aggregate::Mean => ys.iter().sum::<f64>() / n as f64,
        Aggregate::Median if n % 2 == 1 => ys[n / 2],
        Aggregate::Median => f64::midpoint(ys[n / 2 - 1], ys[n / 2]),
        Aggregate::Min => ys[0],
        Aggregate::Max => ys[n - 1],
    })
}

/// Groups rows by (key, series) and combines each group's y. Without an aggregate,
/// bars and areas stack what shares an x, which is their sum.
fn grouped<K: Ord>(
    keyed: impl Iterator<Item = (K, usize, Option<f64>)>,
    aggregate: Aggregate,
) -> BTreeMap<(K, usize), f64> {
    let mut groups: BTreeMap<(K, usize), (usize, Vec<f64>)> = BTreeMap::new();
    for (key, series, y) in keyed {
        let group = groups.entry((key, series)).or_default();
        group.0 += 1;
        group.1.extend(y);
    }
    groups
        .into_iter()
        .filter_map(|(key, (count, ys))| combine(aggregate, count, ys).map(|y| (key, y)))
        .collect()
}

fn categories(intent: &ChartIntent, rows: &[Row<'_>], series: usize) -> (XAxis, Layers) {
    let mut values: Vec<Value> = ordered(rows.iter().map(|row| row.x.clone()).collect());
    let labels = |values: &[Value]| values.iter().map(display).collect::<Vec<_>>();
    let index = |labels: &[String]| -> HashMap<String, usize> {
        labels
            .iter()
            .enumerate()
            .map(|(at, label)| (label.clone(), at))
            .collect()
    };
    let position = |index: &HashMap<String, usize>, row: &Row<'_>| index.get(&display(row.x)).copied();
    if intent.mark == Mark::Point && intent.aggregate.is_none() {
        if intent.sort == Some(Sort::XDescending) {
            values.reverse();
        }
        let labels = labels(&values);
        let positions = index(&labels);
        let mut points = vec![Vec::new(); series];
        for row in rows {
            if let (Some(at), Some(y)) = (position(&positions, row), row.y) {
                points[row.series].push((at as f64, y));
            }
        }
        return (XAxis::Categories(labels), Layers::Points(points));
    }
    let aggregate = intent.aggregate.unwrap_or(Aggregate::Sum);
    let positions = index(&labels(&values));
    let keyed = rows
        .iter()
        .filter_map(|row| Some((position(&positions, row)?, row.series, row.y)));
    let groups = grouped(keyed, aggregate);
    let mut table = vec![vec![0.0; values.len()]; series];
    for (&(at, index), &y) in &groups {
        table[index][at] = y;
    }
    // The order of the categories, as indexes into `values`.
    let mut order: Vec<usize> = (0..values.len()).collect();
    let total = |at: usize| table.iter().map(|values| values[at]).sum::<f64>();
    match intent.sort {
        None | Some(Sort::XAscending) => {}
        Some(Sort::XDescending) => order.reverse(),
        Some(Sort::YAscending) => order.sort_by(|&a, &b| total(a).total_cmp(&total(b))),
        Some(Sort::YDescending) => order.sort_by(|&a, &b| total(b).total_cmp(&total(a))),
    }
    let labels = order.iter().map(|&at| display(&values[at])).collect();
    let values = table
        .iter()
        .map(|series| order.iter().map(|&at| series[at]).collect())
        .collect();
    let slots = (0..order.len())
        .map(|at| (at as f64 - HALF_BAR, at as f64 + HALF_BAR))
        .collect();
    (XAxis::Categories(labels), Layers::Bars { slots, values })
}

fn continuous(intent: &ChartIntent, kind: ColumnKind, rows: &[Row<'_>], series: usize) -> (XAxis, Layers) {
    let mut with_time = false;
    let mut x_of = |value: &Value| match kind {
        ColumnKind::Temporal => value.as_str().and_then(|text| {
            let (seconds, has_time) = seconds(text)?;
            with_time |= has_time;
            Some(seconds)
        }),
        _ => value.as_f64(),
    };
    let xs: Vec<Option<f64>> = rows.iter().map(|row| x_of(row.x)).collect();
    let x_axis = match kind {
        ColumnKind::Temporal => XAxis::Dates { with_time },
        _ => XAxis::Numbers,
    };
    let keyed = || {
        rows.iter()
            .zip(&xs)
            .filter_map(|(row, x)| Some((Ordered((*x)?), row.series, row.y)))
    };
    let layers = match (intent.mark, intent.aggregate) {
        (Mark::Area, aggregate) => {
            let groups = grouped(keyed(), aggregate.unwrap_or(Aggregate::Sum));
            let mut positions: Vec<f64> = groups.keys().map(|(Ordered(x), _)| *x).collect();
            positions.sort_by(f64::total_cmp);
            positions.dedup();
            let mut values = vec![vec![0.0; positions.len()]; series];
            for (&(Ordered(x), index), &y) in &groups {
                if let Ok(at) = positions.binary_search_by(|probe| probe.total_cmp(&x)) {
                    values[index][at] = y;
                }
            }
            Layers::Areas { xs: positions, values }
        }
        (mark, Some(aggregate)) => {
            let mut points = vec![Vec::new(); series];
            for ((Ordered(x), index), y) in grouped(keyed(), aggregate) {
                points[index].push((x, y));
            }
            lines_or_points(mark, points)
        }
        (mark, None) => {
            let mut points = vec![Vec::new(); series];
            for (row, x) in rows.iter().zip(&xs) {
                if let (Some(x), Some(y)) = (x, row.y) {
                    points[row.series].push((*x, y));
                }
            }
            for series in &mut points {
                series.sort_by(|a: &(f64, f64), b| a.0.total_cmp(&b.0));
            }
            lines_or_points(mark, points)
        }
    };
    (x_axis, layers)
}

fn lines_or_points(mark: Mark, points: Vec<Vec<(f64, f64)>>) -> Layers {
    if mark == Mark::Line {
        Layers::Lines(points)
    } else {
        Layers::Points(points)
    }
}

/// An f64 with a total order, to group by.
#[derive(Debug, Clone, Copy)]
struct Ordered(f64);

impl PartialEq for Ordered {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0) == Ordering::Equal
    }
}

impl Eq for Ordered {}

impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn histogram(rows: &[Row<'_>], series: usize) -> (XAxis, Layers) {
    let xs: Vec<(f64, usize)> = rows
        .iter()
        .filter_map(|row| row.x.as_f64().filter(|x| x.is_finite()).map(|x| (x, row.series)))
        .collect();
    let bins = bins(xs.iter().map(|(x, _)| *x));
    let mut values = vec![vec![0.0; bins.len()]; series];
    if let Some(&(start, end)) = bins.first() {
        let step = end - start;
        for (x, index) in xs {
            let at = (((x - start) / step).floor().max(0.0) as usize).min(bins.len() - 1);
            values[index][at] += 1.0;
        }
    }
    (XAxis::Numbers, Layers::Bars { slots: bins, values })
}

/// At most ten bins of a "nice" width (1, 2 or 5 times a power of ten) covering the
/// values, starting at a multiple of the width.
pub fn bins(values: impl Iterator<Item = f64>) -> Vec<(f64, f64)> {
    let (min, max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(min, max), x| {
        (min.min(x), max.max(x))
    });
    if min > max {
        return Vec::new();
    }
    let span = max - min;
    let step = if span > 0.0 {
        let rough = span / MAX_BINS;
        let magnitude = 10f64.powf(rough.log10().floor());
        [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|factor| factor * magnitude)
            .find(|step| *step >= rough)
            .unwrap_or(10.0 * magnitude)
    } else {
        1.0
    };
    let start = (min / step).floor() * step;
    // The last bin holds the largest value even when it falls on its upper edge.
    let count = ((max - start) / step - 1e-9).ceil().max(1.0) as usize;
    (0..count)
        .map(|at| (start + at as f64 * step, start + (at + 1) as f64 * step))
        .collect()
}

const DATE: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");
const DATETIME: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");

/// Seconds since 1970-01-01 UTC of an ISO 8601 date or date-time (as the SQL executor
/// writes them), and whether it has a time of day.
pub fn seconds(text: &str) -> Option<(f64, bool)> {
    let text = text.strip_suffix('Z').unwrap_or(text);
    if let Ok(moment) = PrimitiveDateTime::parse(text, DATETIME) {
        let utc = moment.assume_utc();
        return Some((utc.unix_timestamp_nanos() as f64 / 1e9, true));
    }
    let date = Date::parse(text, DATE).ok()?;
    Some((date.midnight().assume_utc().unix_timestamp() as f64, false))
}
