//! Follow-ups: a question that changes the previous answer (`now as a bar chart`, `only
//! for 2023`, `and by region?`, `sort descending`, `top 5 instead`, `what about the
//! average?`) is applied to the previous intent.
//!
//! A question is a follow-up when there is a previous intent and either it states no shape
//! of its own but changes something, or it opens like one (`and`, `now`, `only`, `what
//! about`, `instead`) and asks for the same kind of answer. A follow-up that asks for
//! another kind of answer (`and the distribution of price?`) keeps the previous filters.

use super::columns::Columns;
use super::intent::{Filter, Func, Intent, Measure, Order, Shape};
use super::parse::Parsed;
use super::parse::default_func;
use crate::table::ColumnKind;

/// Whether `parsed`, asked after an answer, changes that answer rather than asking anew.
pub fn is_follow_up(parsed: &Parsed) -> bool {
    match &parsed.shape {
        Some(_) => parsed.follow_up,
        None => changes(parsed),
    }
}

/// The intent of a question read as `parsed`, after `previous`; `None` when it asks
/// nothing that can be answered.
pub fn resolve(parsed: &Parsed, previous: Option<&Intent>, columns: &Columns) -> Option<Intent> {
    // `and the median?` after an answer about hwy: the median of hwy, not of a default.
    let kept = previous.and_then(|previous| measured_column(&previous.shape));
    let shape = match (&parsed.shape, kept) {
        (
            Some(Shape::Aggregate {
                measure: Measure { func, column: Some(_) },
                group,
                order,
                limit,
            }),
            Some(column),
        ) if parsed.follow_up && parsed.defaulted => Some(Shape::Aggregate {
            measure: Measure {
                func: *func,
                column: Some(column),
            },
            group: group.clone(),
            order: *order,
            limit: *limit,
        }),
        (shape, _) => shape.clone(),
    };
    let parsed = &Parsed {
        shape,
        ..parsed.clone()
    };
    match (&parsed.shape, previous) {
        (Some(shape), Some(previous)) if parsed.follow_up && row_answer(shape, previous).is_some() => Some(Intent {
            shape: row_answer(shape, previous)?,
            filters: merge(&previous.filters, &parsed.filters),
            show: parsed.show,
        }),
        (Some(shape), Some(previous)) if parsed.follow_up && same_kind(shape, &previous.shape) => {
            Some(apply(previous, parsed, columns))
        }
        (Some(shape), Some(previous)) if parsed.follow_up => Some(Intent {
            shape: shape.clone(),
            filters: merge(&previous.filters, &parsed.filters),
            show: parsed.show,
        }),
        (Some(shape), _) => Some(Intent {
            shape: shape.clone(),
            filters: parsed.filters.clone(),
            show: parsed.show,
        }),
        (None, Some(previous)) if changes(parsed) => Some(apply(previous, parsed, columns)),
        (None, _) => None,
    }
}

/// `which car has the lowest horsepower?`, then `and the highest price?`: the row again,
/// by the new measure.
fn row_answer(shape: &Shape, previous: &Intent) -> Option<Shape> {
    let Shape::Rows {
        by: Some(_),
        limit: Some(1),
        label,
        ..
    } = &previous.shape
    else {
        return None;
    };
    match shape {
        Shape::Aggregate {
            measure:
                Measure {
                    func: func @ (Func::Max | Func::Min),
                    column: Some(column),
                },
            group: None,
            ..
        } => Some(Shape::Rows {
            by: Some(column.clone()),
            ascending: *func == Func::Min,
            limit: Some(1),
            label: label.clone(),
        }),
        _ => None,
    }
}

/// The number column an answer measured, if it measured one.
fn measured_column(shape: &Shape) -> Option<String> {
    match shape {
        Shape::Aggregate { measure, .. } | Shape::Trend { measure, .. } | Shape::Compare { measure, .. } => measure
            .column
            .clone()
            .filter(|_| measure.func != Func::Count && measure.func != Func::CountDistinct),
        Shape::Rows { by, .. } => by.clone(),
        _ => None,
    }
}

/// Whether two shapes are answers of the same kind (a measure, possibly per group).
fn same_kind(new: &Shape, old: &Shape) -> bool {
    let measured = |shape: &Shape| {
        matches!(
            shape,
            Shape::Aggregate { .. } | Shape::Trend { .. } | Shape::Compare { .. }
        )
    };
    measured(new) && measured(old)
}

/// Whether `parsed` changes anything an answer has.
fn changes(parsed: &Parsed) -> bool {
    !parsed.filters.is_empty()
        || parsed.show.is_some()
        || parsed.group.is_some()
        || parsed.grain.is_some()
        || parsed.order.is_some()
        || parsed.limit.is_some()
        || parsed.func.is_some()
        || parsed.column.is_some()
}

/// `old` filters, less those a new one replaces, then the new ones.
fn merge(old: &[Filter], new: &[Filter]) -> Vec<Filter> {
    let mut merged: Vec<Filter> = old
        .iter()
        .filter(|filter| !new.iter().any(|replacement| filter.replaced_by(replacement)))
        .cloned()
        .collect();
    merged.extend(new.iter().cloned());
    merged
}

/// What the follow-up says, from its own shape when it has one.
struct Change {
    measure: Option<Measure>,
    group: Option<String>,
    order: Option<Order>,
    limit: Option<u32>,
}

fn change(parsed: &Parsed) -> Change {
    let own = match &parsed.shape {
        Some(Shape::Aggregate {
            measure,
            group,
            order,
            limit,
        }) => Some((measure.clone(), group.clone(), *order, *limit)),
        Some(Shape::Trend { measure, split, .. }) => Some((measure.clone(), split.clone(), Order::Label, None)),
        Some(Shape::Compare { measure, .. }) => Some((measure.clone(), None, Order::Label, None)),
        _ => None,
    };
    // A new measure in full (`what about the average price?`); a column alone keeps the
    // previous function (`what about units?`).
    let explicit_measure = parsed.func.is_some() && named_column(parsed).is_some();
    match own {
        Some((measure, group, order, limit)) => Change {
            measure: explicit_measure.then_some(measure),
            group: group.or_else(|| parsed.group.clone()),
            order: parsed.order.or((order != Order::Label).then_some(order)),
            limit: limit.or(parsed.limit),
        },
        None => Change {
            measure: None,
            group: parsed.group.clone(),
            order: parsed.order,
            limit: parsed.limit,
        },
    }
}

/// `previous` changed as `parsed` says.
fn apply(previous: &Intent, parsed: &Parsed, columns: &Columns) -> Intent {
    let change = change(parsed);
    let mut intent = previous.clone();
    intent.filters = merge(&previous.filters, &parsed.filters);
    if parsed.show.is_some() {
        intent.show = parsed.show;
    }
    let free = change.measure_free(parsed);
    let measure = change
        .measure
        .or_else(|| free.then(|| new_measure(&intent.shape, parsed)).flatten());
    if let Some(measure) = measure {
        set_measure(&mut intent.shape, measure);
    }
    if let Some(grain) = parsed.grain {
        intent.shape = with_grain(intent.shape, grain, columns);
    }
    if let Some(group) = change.group {
        intent.shape = with_group(intent.shape, group, columns);
    }
    if let Some(order) = change.order {
        set_order(&mut intent.shape, order);
    }
    if let Some(limit) = change.limit {
        set_limit(&mut intent.shape, limit, change.order);
    }
    intent
}

impl Change {
    /// Whether the follow-up changes the function or column of the measure it keeps.
    fn measure_free(&self, parsed: &Parsed) -> bool {
        self.measure.is_none() && (parsed.func.is_some() || named_column(parsed).is_some())
    }
}

/// The measure of `shape` with the follow-up's function or column.
fn new_measure(shape: &Shape, parsed: &Parsed) -> Option<Measure> {
    let old = match shape {
        Shape::Aggregate { measure, .. } | Shape::Trend { measure, .. } | Shape::Compare { measure, .. } => measure,
        _ => return None,
    };
    let named = named_column(parsed);
    let column = named.clone().or_else(|| old.column.clone());
    let func = match (parsed.func, &named) {
        (Some(func), _) => func,
        (None, Some(column)) if old.func == Func::Count => default_func(column),
        (None, _) => old.func,
    };
    Some(match func {
        Func::Count => Measure::rows(),
        func => Measure { func, column },
    })
}

/// The column the follow-up named (not one taken by default).
fn named_column(parsed: &Parsed) -> Option<String> {
    parsed.column.clone().filter(|_| !parsed.defaulted)
}

fn set_measure(shape: &mut Shape, new: Measure) {
    match shape {
        Shape::Aggregate { measure, .. } | Shape::Trend { measure, .. } | Shape::Compare { measure, .. } => {
            *measure = new;
        }
        Shape::Rows { by, .. } => *by = new.column,
        _ => {}
    }
}

fn measure_of(shape: &Shape) -> Measure {
    match shape {
        Shape::Aggregate { measure, .. } | Shape::Trend { measure, .. } | Shape::Compare { measure, .. } => {
            measure.clone()
        }
        Shape::Rows { by: Some(by), .. } => Measure {
            func: default_func(by),
            column: Some(by.clone()),
        },
        _ => Measure::rows(),
    }
}

fn with_grain(shape: Shape, grain: super::intent::Grain, columns: &Columns) -> Shape {
    match shape {
        Shape::Trend {
            date, measure, split, ..
        } => Shape::Trend {
            date,
            grain,
            fixed: true,
            measure,
            split,
        },
        other => match columns.of_kind(ColumnKind::Temporal).first() {
            Some(&date) => Shape::Trend {
                date: columns.name(date).to_owned(),
                grain,
                fixed: true,
                measure: measure_of(&other),
                split: match &other {
                    Shape::Aggregate { group, .. } => group.clone(),
                    _ => None,
                },
            },
            None => other,
        },
    }
}

fn with_group(shape: Shape, group: String, columns: &Columns) -> Shape {
    let temporal = columns
        .index(&group)
        .is_some_and(|index| columns.kind(index) == ColumnKind::Temporal);
    match shape {
        Shape::Trend {
            date,
            grain,
            fixed,
            measure,
            ..
        } if !temporal => Shape::Trend {
            date,
            grain,
            fixed,
            measure,
            split: Some(group),
        },
        Shape::Aggregate {
            measure, order, limit, ..
        } => Shape::Aggregate {
            measure,
            group: Some(group),
            order,
            limit,
        },
        other => Shape::Aggregate {
            measure: measure_of(&other),
            group: Some(group),
            order: Order::Label,
            limit: None,
        },
    }
}

fn set_order(shape: &mut Shape, new: Order) {
    match shape {
        // `the highest salary`, then `what about the lowest?`.
        Shape::Aggregate {
            group: None,
            measure: measure @ Measure {
                func: Func::Max | Func::Min,
                ..
            },
            ..
        } => {
            measure.func = if new == Order::Ascending { Func::Min } else { Func::Max };
        }
        Shape::Aggregate { order, .. } => *order = new,
        Shape::Rows { ascending, .. } => *ascending = new == Order::Ascending,
        _ => {}
    }
}

fn set_limit(shape: &mut Shape, n: u32, asked: Option<Order>) {
    match shape {
        Shape::Aggregate {
            limit,
            order,
            group: Some(_),
            ..
        } => {
            *limit = Some(n);
            if *order == Order::Label {
                *order = asked.unwrap_or(Order::Descending);
            }
        }
        Shape::Rows { limit, .. } => *limit = Some(n),
        _ => {}
    }
}
