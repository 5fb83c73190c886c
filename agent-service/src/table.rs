//! The result of a query as every consumer sees it: the SQL executor fills it, the chart
//! builder checks intents against it, `table` events carry it, memory summarises it.

use serde::{Deserialize, Serialize};

/// What a column holds, as far as answers and charts care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Integers and floats.
    Number,
    /// Dates and date-times (cells are ISO 8601 strings).
    Temporal,
    /// Booleans.
    Boolean,
    /// Text and anything else shown as text.
    Text,
}

/// A column of a [`Table`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// What it holds.
    pub kind: ColumnKind,
}

/// Rows of a result, capped; every cell is a JSON scalar (number, string, bool or null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// The rows, each with one cell per column.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Whether rows were left out because the result had more than the cap.
    pub truncated: bool,
}

impl Table {
    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<(usize, &Column)> {
        self.columns.iter().enumerate().find(|(_, column)| column.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_found_by_exact_name() {
        let table = Table {
            columns: vec![
                Column {
                    name: "region".into(),
                    kind: ColumnKind::Text,
                },
                Column {
                    name: "sales".into(),
                    kind: ColumnKind::Number,
                },
            ],
            rows: vec![],
            truncated: false,
        };
        assert_eq!(table.column("sales").map(|(i, _)| i), Some(1));
        assert!(table.column("Sales").is_none());
    }
}
