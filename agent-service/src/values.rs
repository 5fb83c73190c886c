//! What the columns of a dataset hold beyond their type: how many distinct values each
//! has and, when they are few, the values themselves. The analyst reads questions with
//! them: `female` is a value of `sex`, `8 cylinders` a value of `cyl`, `each year` groups
//! by a column of few years. Read once per run, before the graph starts, with two or more
//! guarded queries through the executor (a count of distinct values per column, then the
//! values of the columns that have few); a dataset whose values cannot be read is still
//! answered, without them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::offline::query::ident;
use crate::sql::{DatasetSpec, Datasets, Limits, SqlError};
use crate::table::{Column, ColumnKind};

/// Columns with at most this many distinct values have them listed.
pub const MAX_LISTED: u64 = 60;
/// Columns looked at, at most (the first ones of a wide table).
const MAX_COLUMNS: usize = 200;
/// Columns whose values one query lists (a SELECT each, in a UNION ALL; the guard allows
/// 64 SELECTs a query).
const COLUMNS_PER_QUERY: usize = 32;

/// What one column holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnValues {
    /// The column's name.
    pub name: String,
    /// Its distinct values (a missing value counts as one).
    pub distinct: u64,
    /// Every distinct non-missing value when there are at most [`MAX_LISTED`] (text as
    /// text, numbers as numbers); empty otherwise.
    pub listed: Vec<Value>,
}

impl ColumnValues {
    /// Whether `listed` holds every value of the column.
    pub fn complete(&self) -> bool {
        self.distinct <= MAX_LISTED
    }
}

/// What the columns of a dataset hold; empty when it could not be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Values {
    /// The dataset's rows.
    pub rows: u64,
    /// The columns looked at, in the table's order.
    pub columns: Vec<ColumnValues>,
}

impl Values {
    /// What column `name` holds, if it was looked at.
    pub fn column(&self, name: &str) -> Option<&ColumnValues> {
        self.columns.iter().find(|column| column.name == name)
    }

    /// Reads what the columns of `schema` hold in `dataset`, once per file (then from the
    /// cache of `datasets`). Only a cancellation is an error: any other failure gives empty
    /// values (logged, not kept), as the analyst can do without.
    pub async fn read(
        datasets: &Datasets,
        dataset: &DatasetSpec,
        schema: &[Column],
        limits: Limits,
        cancel: &CancellationToken,
    ) -> Result<Self, SqlError> {
        if let Some(values) = datasets.known_values(dataset.file_id) {
            return Ok(values);
        }
        match read(datasets, dataset, schema, limits, cancel).await {
            Ok(values) => {
                datasets.keep_values(dataset.file_id, values.clone());
                Ok(values)
            }
            Err(SqlError::Cancelled) => Err(SqlError::Cancelled),
            Err(error) => {
                tracing::warn!(%error, file_id = %dataset.file_id, "the dataset's values could not be read");
                Ok(Self::default())
            }
        }
    }
}

/// Whether the values of a column of `kind` are worth knowing.
fn looked_at(kind: ColumnKind) -> bool {
    matches!(kind, ColumnKind::Text | ColumnKind::Number | ColumnKind::Boolean)
}

async fn read(
    datasets: &Datasets,
    dataset: &DatasetSpec,
    schema: &[Column],
    limits: Limits,
    cancel: &CancellationToken,
) -> Result<Values, SqlError> {
    let columns: Vec<&Column> = schema
        .iter()
        .filter(|column| looked_at(column.kind))
        .take(MAX_COLUMNS)
        .collect();
    let counts: Vec<String> = std::iter::once("COUNT(*) AS \"rows\"".to_owned())
        .chain(
            columns
                .iter()
                .enumerate()
                .map(|(i, column)| format!("COUNT(DISTINCT {}) AS \"d{i}\"", ident(&column.name))),
        )
        .collect();
    let limits = Limits { max_rows: 1, ..limits };
    let counted = datasets
        .execute(
            dataset,
            &format!("SELECT {} FROM data", counts.join(", ")),
            limits,
            cancel,
        )
        .await?
        .table;
    let row = counted.rows.first().cloned().unwrap_or_default();
    let count = |i: usize| row.get(i).and_then(Value::as_u64).unwrap_or(u64::MAX);
    let mut values = Values {
        rows: count(0),
        columns: columns
            .iter()
            .enumerate()
            .map(|(i, column)| ColumnValues {
                name: column.name.clone(),
                distinct: count(i + 1),
                listed: Vec::new(),
            })
            .collect(),
    };
    let few: Vec<usize> = (0..values.columns.len())
        .filter(|&i| values.columns[i].complete())
        .collect();
    for chunk in few.chunks(COLUMNS_PER_QUERY) {
        let selects: Vec<String> = chunk
            .iter()
            .map(|&i| {
                let name = ident(&values.columns[i].name);
                format!(
                    "SELECT {i} AS k, CAST({name} AS VARCHAR) AS v FROM data WHERE {name} IS NOT NULL GROUP BY {name}"
                )
            })
            .collect();
        let limits = Limits {
            max_rows: chunk.len() * MAX_LISTED as usize,
            ..limits
        };
        let listed = datasets
            .execute(dataset, &selects.join(" UNION ALL "), limits, cancel)
            .await?
            .table;
        for row in &listed.rows {
            let (Some(k), Some(text)) = (row.first().and_then(Value::as_u64), row.get(1).and_then(Value::as_str))
            else {
                continue;
            };
            if let Some(column) = values.columns.get_mut(k as usize) {
                column.listed.push(typed(text, columns[k as usize].kind));
            }
        }
    }
    for column in &mut values.columns {
        column.listed.sort_by_key(Value::to_string);
    }
    Ok(values)
}

/// A value read as text, as its column holds it: numbers as numbers.
fn typed(text: &str, kind: ColumnKind) -> Value {
    match kind {
        ColumnKind::Number => text
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| {
                text.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
            })
            .unwrap_or_else(|| Value::String(text.to_owned())),
        ColumnKind::Boolean => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        ColumnKind::Text | ColumnKind::Temporal => Value::String(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::DatasetFormat;
    use std::io::Write;

    /// `csv` in a temporary file (removed when dropped), and its spec.
    fn stored(csv: &str) -> (tempfile::NamedTempFile, DatasetSpec) {
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().expect("file");
        file.write_all(csv.as_bytes()).expect("write");
        let spec = DatasetSpec {
            file_id: uuid::Uuid::new_v4(),
            path: file.path().to_owned(),
            format: DatasetFormat::Csv { delimiter: b',' },
            date_columns: Vec::new(),
        };
        (file, spec)
    }

    async fn values_of(csv: &str) -> Values {
        let (_file, spec) = stored(csv);
        let datasets = Datasets::new(4);
        let cancel = CancellationToken::new();
        let schema = datasets
            .schema(&spec, Limits::default(), &cancel)
            .await
            .expect("schema");
        Values::read(&datasets, &spec, &schema, Limits::default(), &cancel)
            .await
            .expect("values")
    }

    #[tokio::test]
    async fn columns_with_few_values_list_them_typed() {
        let mut csv = String::from("id,species,cyl,mass\n");
        for i in 0..100 {
            let species = ["Adelie", "Gentoo", "Chinstrap"][i % 3];
            let cyl = [4, 6, 8][i % 3];
            csv.push_str(&format!("{i},{species},{cyl},{}.5\n", 3000 + i));
        }
        csv.push_str("100,,8,\n");
        let values = values_of(&csv).await;
        assert_eq!(values.rows, 101);
        let species = values.column("species").expect("species");
        assert!(species.complete());
        assert_eq!(species.listed, ["Adelie", "Chinstrap", "Gentoo"]);
        let cyl = values.column("cyl").expect("cyl");
        assert_eq!(
            cyl.listed,
            [serde_json::json!(4), serde_json::json!(6), serde_json::json!(8)]
        );
        let id = values.column("id").expect("id");
        assert_eq!(id.distinct, 101);
        assert!(!id.complete());
        assert!(id.listed.is_empty());
        assert_eq!(values.column("mass").map(|mass| mass.distinct > MAX_LISTED), Some(true));
    }

    #[tokio::test]
    async fn values_are_read_once_per_file_and_forgotten_with_it() {
        let (file, spec) = stored("kind\na\nb\n");
        let datasets = Datasets::new(4);
        let cancel = CancellationToken::new();
        let schema = datasets
            .schema(&spec, Limits::default(), &cancel)
            .await
            .expect("schema");
        let first = Values::read(&datasets, &spec, &schema, Limits::default(), &cancel).await;
        // Gone from disk, the file's values still come from the cache, until it is forgotten.
        drop(file);
        let again = Values::read(&datasets, &spec, &schema, Limits::default(), &cancel).await;
        assert_eq!(first, again);
        assert_eq!(again.map(|values| values.rows), Ok(2));
        datasets.forget(spec.file_id);
        let forgotten = Values::read(&datasets, &spec, &schema, Limits::default(), &cancel).await;
        assert_eq!(forgotten, Ok(Values::default()));
    }

    #[tokio::test]
    async fn a_name_with_quotes_is_read_like_any_other() {
        // Polars keeps the header's doubled quotes: the name holds `"` whatever its spelling.
        let values = values_of("\"odd \"\"name\"\"\",b\nx,1\ny,1\n").await;
        let odd = &values.columns[0];
        assert!(odd.name.contains('"'), "{odd:?}");
        assert_eq!(odd.listed, [serde_json::json!("x"), serde_json::json!("y")]);
    }

    #[tokio::test]
    async fn an_unreadable_dataset_gives_no_values_and_a_cancelled_read_is_an_error() {
        let spec = DatasetSpec {
            file_id: uuid::Uuid::new_v4(),
            path: std::env::temp_dir().join(format!("sextant-absent-{}.csv", uuid::Uuid::new_v4())),
            format: DatasetFormat::Csv { delimiter: b',' },
            date_columns: Vec::new(),
        };
        let schema = [Column {
            name: "a".into(),
            kind: ColumnKind::Text,
        }];
        let datasets = Datasets::new(1);
        let values = Values::read(&datasets, &spec, &schema, Limits::default(), &CancellationToken::new()).await;
        assert_eq!(values, Ok(Values::default()));
        let cancel = CancellationToken::new();
        cancel.cancel();
        let cancelled = Values::read(&datasets, &spec, &schema, Limits::default(), &cancel).await;
        assert_eq!(cancelled, Err(SqlError::Cancelled));
    }
}
