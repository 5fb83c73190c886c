//! A Polars result as a [`Table`]: each column's dtype becomes a [`ColumnKind`], each cell
//! a JSON scalar as [`sextant_dataset::cells`] writes it (the profile's sample rows use
//! the same conversion).

use polars::prelude::{DataFrame, DataType};

use crate::table::{Column, ColumnKind, Table};

/// The first `max_rows` rows of `frame`; `truncated` when it has more.
pub fn table(frame: &DataFrame, max_rows: usize) -> Table {
    Table {
        columns: columns(frame),
        rows: sextant_dataset::cells::rows(frame, max_rows),
        truncated: frame.height() > max_rows,
    }
}

/// The columns of `frame`, each with what it holds.
pub fn columns(frame: &DataFrame) -> Vec<Column> {
    frame
        .columns()
        .iter()
        .map(|column| Column {
            name: column.name().to_string(),
            kind: kind(column.dtype()),
        })
        .collect()
}

/// What a column of `dtype` holds.
pub fn kind(dtype: &DataType) -> ColumnKind {
    match dtype {
        DataType::Boolean => ColumnKind::Boolean,
        DataType::Date | DataType::Datetime(..) => ColumnKind::Temporal,
        dtype if dtype.is_primitive_numeric() => ColumnKind::Number,
        _ => ColumnKind::Text,
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::TimeUnit;
    use serde_json::json;

    use super::*;

    #[test]
    fn dtypes_map_to_the_kinds_charts_need() {
        assert_eq!(kind(&DataType::Int32), ColumnKind::Number);
        assert_eq!(kind(&DataType::Float64), ColumnKind::Number);
        assert_eq!(kind(&DataType::Date), ColumnKind::Temporal);
        assert_eq!(
            kind(&DataType::Datetime(TimeUnit::Microseconds, None)),
            ColumnKind::Temporal
        );
        assert_eq!(kind(&DataType::Boolean), ColumnKind::Boolean);
        assert_eq!(kind(&DataType::String), ColumnKind::Text);
        assert_eq!(kind(&DataType::Duration(TimeUnit::Milliseconds)), ColumnKind::Text);
    }

    #[test]
    fn a_frame_longer_than_the_cap_is_truncated() {
        let frame = polars::df!("n" => [1i64, 2, 3], "s" => ["a", "b", "c"]).expect("frame");
        let capped = table(&frame, 2);
        assert!(capped.truncated);
        assert_eq!(
            capped.rows,
            vec![vec![json!(1), json!("a")], vec![json!(2), json!("b")]]
        );
        let whole = table(&frame, 3);
        assert!(!whole.truncated);
        assert_eq!(whole.rows.len(), 3);
    }
}
