//! Vega-Lite v6 specs. The data goes inline (`data.values`, one object per row holding
//! the columns the chart uses); Vega-Lite does the aggregating, binning and stacking.

use serde_json::{Map, Value, json};

use super::{Aggregate, Channels, ChartIntent, Mark, Sort};
use crate::table::{ColumnKind, Table};

/// The schema every spec declares.
pub const SCHEMA: &str = "https://vega.github.io/schema/vega-lite/v6.json";

/// A field name as Vega-Lite reads it: dots and brackets would otherwise mean nested
/// access, so they (and backslashes) are escaped.
fn field(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for character in name.chars() {
        if matches!(character, '.' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

/// The encoding type of a column on a continuous axis.
fn continuous_type(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Number => "quantitative",
        ColumnKind::Temporal => "temporal",
        ColumnKind::Boolean | ColumnKind::Text => "nominal",
    }
}

/// The encoding type of x: bars (and points over text) put each value in its own band,
/// ordered for numbers and dates.
fn x_type(mark: Mark, kind: ColumnKind) -> &'static str {
    match (mark, kind) {
        (Mark::Histogram, _) => "quantitative",
        (Mark::Bar, ColumnKind::Number | ColumnKind::Temporal) => "ordinal",
        (_, kind) => continuous_type(kind),
    }
}

/// The spec of a checked intent.
pub fn spec(intent: &ChartIntent, table: &Table, channels: Channels) -> Value {
    let x_kind = channels.x.1;
    let mut x = json!({
        "field": field(&intent.x),
        "type": x_type(intent.mark, x_kind),
        "title": intent.x,
    });
    if intent.mark == Mark::Histogram {
        x["bin"] = json!({ "maxbins": 10 });
    }
    if let Some(sort) = intent.sort
        && matches!(x["type"].as_str(), Some("nominal" | "ordinal"))
    {
        x["sort"] = json!(match sort {
            Sort::XAscending => "ascending",
            Sort::XDescending => "descending",
            Sort::YAscending => "y",
            Sort::YDescending => "-y",
        });
    }
    let counted = intent.mark == Mark::Histogram || intent.aggregate == Some(Aggregate::Count);
    let y = match (&intent.y, intent.aggregate) {
        _ if counted => json!({ "aggregate": "count", "type": "quantitative", "title": "count" }),
        (Some(name), Some(aggregate)) => json!({
            "field": field(name),
            "aggregate": aggregate.name(),
            "type": "quantitative",
            "title": format!("{} of {name}", aggregate.name()),
        }),
        (Some(name), None) => json!({ "field": field(name), "type": "quantitative", "title": name }),
        // `check` refuses a missing y unless the chart counts.
        (None, _) => json!({ "aggregate": "count", "type": "quantitative", "title": "count" }),
    };
    let mut tooltip = vec![x.clone(), y.clone()];
    if let Some(x_tip) = tooltip[0].as_object_mut() {
        x_tip.remove("sort");
    }
    let mut encoding = Map::new();
    encoding.insert("x".into(), x);
    encoding.insert("y".into(), y);
    if let (Some(name), Some((_, kind))) = (&intent.color, channels.color) {
        let color = json!({ "field": field(name), "type": continuous_type(kind), "title": name });
        tooltip.push(color.clone());
        encoding.insert("color".into(), color);
    }
    encoding.insert("tooltip".into(), Value::Array(tooltip));
    let mark = match intent.mark {
        Mark::Bar | Mark::Histogram => json!({ "type": "bar" }),
        Mark::Line => json!({ "type": "line", "point": true }),
        Mark::Point => json!({ "type": "point", "filled": true }),
        Mark::Area => json!({ "type": "area", "line": true }),
    };
    json!({
        "$schema": SCHEMA,
        "title": intent.title,
        "width": "container",
        "height": 300,
        "data": { "values": values(table, channels) },
        "mark": mark,
        "encoding": encoding,
    })
}

/// The rows as objects holding the columns the chart uses.
fn values(table: &Table, channels: Channels) -> Vec<Value> {
    let mut used = vec![channels.x.0];
    used.extend(channels.y.map(|(index, _)| index));
    used.extend(channels.color.map(|(index, _)| index));
    table
        .rows
        .iter()
        .map(|row| {
            let object: Map<String, Value> = used
                .iter()
                .map(|&index| {
                    let name = table.columns[index].name.clone();
                    (name, row.get(index).cloned().unwrap_or(Value::Null))
                })
                .collect();
            Value::Object(object)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_and_brackets_in_field_names_are_escaped() {
        assert_eq!(field("sales.total"), "sales\\.total");
        assert_eq!(field("a[0]"), "a\\[0\\]");
        assert_eq!(field("plain name"), "plain name");
    }
}
