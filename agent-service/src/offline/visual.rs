//! Which chart shows an answer: bars for categories, a line for time, bins for a
//! distribution, points for a correlation; none for a single number or a list. A chart
//! the question asks for is drawn when it fits the result; when it does not (a line over
//! categories, a pie), the closest chart that fits is drawn and the answer says so.

use super::intent::{Intent, Order, Shape, Show};
use crate::chart::{ChartIntent, Mark, Sort};
use crate::table::{ColumnKind, Table};

/// The chart for `intent`, and a sentence when it is not the one asked for; `None` when no
/// chart helps (or the question asked for a table).
pub fn choose(intent: &Intent) -> Option<(Mark, Option<String>)> {
    let natural = natural(&intent.shape);
    let chartable = natural.is_some() || matches!(intent.shape, Shape::Missing | Shape::Rows { by: Some(_), .. });
    let categories = matches!(
        &intent.shape,
        Shape::Aggregate { .. } | Shape::Compare { .. } | Shape::Distribution { numeric: false, .. } | Shape::Missing
    );
    let note = |text: &str| Some(text.to_owned());
    match intent.show {
        None => natural.map(|mark| (mark, None)),
        Some(Show::Table) => None,
        Some(_) if !chartable => None,
        Some(Show::Pie) => Some((
            Mark::Bar,
            note("I draw pie charts as bar charts, which compare parts more clearly."),
        )),
        Some(Show::Line | Show::Area) if categories => Some((
            Mark::Bar,
            note("A line needs dates or numbers along the x axis, so I drew bars for these categories."),
        )),
        Some(Show::Line) => Some((Mark::Line, None)),
        Some(Show::Area) => Some((Mark::Area, None)),
        Some(Show::Scatter) if natural == Some(Mark::Point) => Some((Mark::Point, None)),
        Some(Show::Scatter) => Some((
            Mark::Bar,
            note("A scatter plot needs two number columns, so I drew bars."),
        )),
        Some(Show::Bar | Show::Histogram) => Some((Mark::Bar, None)),
    }
}

/// The chart that suits a shape by itself.
fn natural(shape: &Shape) -> Option<Mark> {
    match shape {
        Shape::Aggregate {
            group: Some(_), limit, ..
        } if *limit != Some(1) => Some(Mark::Bar),
        Shape::Trend { .. } => Some(Mark::Line),
        Shape::Distribution { .. } | Shape::Compare { .. } => Some(Mark::Bar),
        Shape::Scatter { .. } => Some(Mark::Point),
        // `the 3 cheapest products`: a bar for each, named by its label.
        Shape::Rows {
            by: Some(_),
            label: Some(_),
            limit: Some(limit),
            ..
        } if *limit > 1 => Some(Mark::Bar),
        _ => None,
    }
}

/// A sentence for a chart that was asked for but does not fit the answer.
pub fn refused(intent: &Intent) -> Option<String> {
    let asked = intent.show.is_some_and(|show| show != Show::Table);
    (asked && choose(intent).is_none())
        .then(|| "There is nothing to chart in this answer, so here is the table.".into())
}

/// The chart intent of `mark` over `table`, the result of `intent`.
pub fn intent(intent: &Intent, mark: Mark, table: &Table, title: &str) -> Option<ChartIntent> {
    let name = |index: usize| table.columns.get(index).map(|column| column.name.clone());
    let (x, y, color) = match &intent.shape {
        Shape::Trend { split, .. } => (name(0)?, name(table.columns.len() - 1), split.clone()),
        Shape::Distribution { numeric: true, .. } => {
            (name(0)?, table.column("rows").map(|(_, c)| c.name.clone()), None)
        }
        Shape::Scatter { x, y } => (x.clone(), Some(y.clone()), None),
        Shape::Rows {
            by: Some(by), label, ..
        } => {
            let label = table
                .columns
                .iter()
                .find(|column| label.as_ref() == Some(&column.name))
                .or_else(|| table.columns.iter().find(|column| column.kind == ColumnKind::Text))
                .map(|column| column.name.clone())?;
            (label, Some(by.clone()), None)
        }
        _ => (name(0)?, name(table.columns.len() - 1), None),
    };
    let sort = match &intent.shape {
        Shape::Aggregate { order, .. } => Some(match order {
            Order::Label => Sort::XAscending,
            Order::Descending => Sort::YDescending,
            Order::Ascending => Sort::YAscending,
        }),
        Shape::Distribution { numeric: false, .. } | Shape::Missing | Shape::Rows { .. } => Some(Sort::YDescending),
        _ => None,
    };
    let x_kind = table.column(&x).map(|(_, column)| column.kind)?;
    let mark = match mark {
        Mark::Line | Mark::Area if !matches!(x_kind, ColumnKind::Temporal | ColumnKind::Number) => Mark::Bar,
        mark => mark,
    };
    Some(ChartIntent {
        mark,
        x,
        y,
        color,
        aggregate: None,
        sort,
        title: title.to_owned(),
    })
}
