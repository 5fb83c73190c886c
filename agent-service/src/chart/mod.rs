//! Charts from a typed intent (DESIGN.md section 6): the model (or the offline analyst)
//! says what to draw as a [`ChartIntent`], JSON it can emit; the intent is checked against
//! the result [`Table`] it draws (columns exist, types fit the mark) and becomes
//! - [`spec`]: a Vega-Lite v6 spec with the data inline, for `chart` events, and
//! - [`png`]: the same chart drawn on the server, for `image` events and clients without
//!   a Vega runtime.
//!
//! Vega-Lite aggregates, bins and stacks by itself; the PNG renderer (`plot`, with the
//! series prepared in `series`) does the same work in Rust with Vega-Lite's defaults:
//! bars and areas stack, histograms use at most ten "nice" bins, categories sort
//! ascending, colours are Vega's `tableau10`.

mod axis;
mod plot;
mod series;
mod vega;

use serde::{Deserialize, Serialize};

use crate::table::{ColumnKind, Table};

pub use plot::{HEIGHT, WIDTH};

/// What to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// Bars per category of x.
    Bar,
    /// A line over x (a date or a number).
    Line,
    /// A scatter plot; `scatter` is accepted for it.
    #[serde(alias = "scatter")]
    Point,
    /// A filled area over x (a date or a number).
    Area,
    /// Counts of x (a number) in bins.
    Histogram,
}

/// How rows that share an x (and colour) are combined into one y.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Number of rows (y may be left out).
    Count,
    /// Sum of y.
    Sum,
    /// Mean of y; `average` and `avg` are accepted for it.
    #[serde(alias = "average", alias = "avg")]
    Mean,
    /// Median of y.
    Median,
    /// Smallest y.
    Min,
    /// Largest y.
    Max,
}

impl Aggregate {
    /// Vega-Lite's name for it.
    fn name(self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::Sum => "sum",
            Self::Mean => "mean",
            Self::Median => "median",
            Self::Min => "min",
            Self::Max => "max",
        }
    }
}

/// The order of the x axis's categories (bars, and points over text). Continuous axes
/// (numbers, dates) are always in ascending order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// By x, ascending (the default).
    XAscending,
    /// By x, descending.
    XDescending,
    /// By y, smallest first.
    YAscending,
    /// By y, largest first (a "top N" bar chart).
    YDescending,
}

/// A chart, as a model asks for it. Column names are exact (as in the result table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct ChartIntent {
    /// The kind of chart.
    pub mark: Mark,
    /// The column on the x axis.
    pub x: String,
    /// The column on the y axis: a number column; may be left out with
    /// `aggregate: count` and for histograms.
    #[serde(default)]
    pub y: Option<String>,
    /// A column whose values split the data into coloured series.
    #[serde(default)]
    pub color: Option<String>,
    /// How rows sharing an x are combined.
    #[serde(default)]
    pub aggregate: Option<Aggregate>,
    /// The order of x's categories.
    #[serde(default)]
    pub sort: Option<Sort>,
    /// The chart's title.
    #[serde(default)]
    pub title: String,
}

/// Why an intent cannot be drawn from a table. Messages name the column and the rule, so
/// a model can fix its intent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    /// A named column is not in the table.
    #[error("the {role} column `{name}` is not in the result (its columns: {available})")]
    UnknownColumn {
        /// Which channel named it: `x`, `y` or `color`.
        role: &'static str,
        /// The name given.
        name: String,
        /// The table's columns, comma-separated.
        available: String,
    },
    /// A column's type does not fit its channel for this mark.
    #[error("the {role} column `{name}` holds {found}, but {rule}")]
    WrongKind {
        /// Which channel: `x` or `y`.
        role: &'static str,
        /// The column.
        name: String,
        /// What it holds (`text`, `numbers`, ...).
        found: &'static str,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// The channels given do not make a chart of this mark.
    #[error("{0}")]
    Incomplete(&'static str),
    /// Drawing or encoding the PNG failed.
    #[error("the chart could not be drawn: {0}")]
    Render(String),
}

/// The channels of a checked intent: column indexes into the table and their kinds.
#[derive(Debug, Clone, Copy)]
struct Channels {
    x: (usize, ColumnKind),
    y: Option<(usize, ColumnKind)>,
    color: Option<(usize, ColumnKind)>,
}

fn kind_name(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Number => "numbers",
        ColumnKind::Temporal => "dates",
        ColumnKind::Boolean => "booleans",
        ColumnKind::Text => "text",
    }
}

impl ChartIntent {
    /// Checks the intent against `table`: named columns exist; y holds numbers unless the
    /// aggregate is a count; line and area charts have dates or numbers on x; a histogram
    /// has numbers on x and no y.
    pub fn check(&self, table: &Table) -> Result<(), ChartError> {
        self.channels(table).map(|_| ())
    }

    fn channels(&self, table: &Table) -> Result<Channels, ChartError> {
        let find = |role: &'static str, name: &str| {
            table
                .column(name)
                .map(|(index, column)| (index, column.kind))
                .ok_or_else(|| ChartError::UnknownColumn {
                    role,
                    name: name.to_owned(),
                    available: table
                        .columns
                        .iter()
                        .map(|column| column.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
        };
        let channels = Channels {
            x: find("x", &self.x)?,
            y: self.y.as_deref().map(|name| find("y", name)).transpose()?,
            color: self.color.as_deref().map(|name| find("color", name)).transpose()?,
        };
        let wrong = |role, name: &str, kind, rule| ChartError::WrongKind {
            role,
            name: name.to_owned(),
            found: kind_name(kind),
            rule,
        };
        let x_kind = channels.x.1;
        match self.mark {
            Mark::Histogram => {
                if x_kind != ColumnKind::Number {
                    return Err(wrong("x", &self.x, x_kind, "a histogram bins numbers"));
                }
                if self.y.is_some() || self.aggregate.is_some_and(|aggregate| aggregate != Aggregate::Count) {
                    return Err(ChartError::Incomplete(
                        "a histogram counts rows per bin of x: leave y and aggregate out",
                    ));
                }
                return Ok(channels);
            }
            Mark::Line | Mark::Area if !matches!(x_kind, ColumnKind::Temporal | ColumnKind::Number) => {
                return Err(wrong(
                    "x",
                    &self.x,
                    x_kind,
                    "line and area charts need dates or numbers on x (use a bar chart for categories)",
                ));
            }
            _ => {}
        }
        match (channels.y, self.aggregate) {
            (_, Some(Aggregate::Count)) => {}
            (Some((_, ColumnKind::Number)), _) => {}
            (Some((_, kind)), _) => {
                let name = self.y.as_deref().unwrap_or_default();
                return Err(wrong("y", name, kind, "y must hold numbers unless aggregate is count"));
            }
            (None, _) => {
                return Err(ChartError::Incomplete(
                    "y is missing: name a number column, or use aggregate count to count rows",
                ));
            }
        }
        Ok(channels)
    }
}

/// The Vega-Lite v6 spec of `intent` over `table`, with the rows it uses inline.
pub fn spec(intent: &ChartIntent, table: &Table) -> Result<serde_json::Value, ChartError> {
    let channels = intent.channels(table)?;
    Ok(vega::spec(intent, table, channels))
}

/// `intent` over `table` drawn as a PNG of [`WIDTH`] by [`HEIGHT`] pixels.
pub fn png(intent: &ChartIntent, table: &Table) -> Result<Vec<u8>, ChartError> {
    let channels = intent.channels(table)?;
    let prepared = series::prepare(intent, table, channels);
    plot::png(intent, &prepared)
}

#[cfg(test)]
mod tests;
