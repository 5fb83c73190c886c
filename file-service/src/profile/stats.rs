//! The statistics of a profile, in as few passes over the file as Polars allows:
//!
//! 1. the first [`HEAD_ROWS`] rows (a cheap, pushed-down read): the sample rows, and
//!    which text columns look like dates in which format;
//! 2. one streaming query with several sinks over one shared scan: the row count, null
//!    counts, min, max, mean, std, approximate unique counts and the parsed dates'
//!    range (all streaming reductions); percentiles; exact unique counts; and one
//!    group-by per text column for its top values.
//!
//! Small datasets ([`Scale::exact`]: text files up to [`EXACT_MAX_BYTES`], Parquet up
//! to [`EXACT_MAX_ROWS`] rows) get exact unique counts and percentiles. Above that,
//! memory stays bounded: unique counts are HyperLogLog estimates and percentiles come
//! from an evenly spaced sample of about [`QUANTILE_SAMPLE_ROWS`] rows (both flagged in
//! the profile); top values stay exact (a streaming group-by holds one entry per
//! distinct value), except that a text column whose first rows are nine in ten
//! distinct (identifiers, whose top values would all be 1) gets none.

use polars::prelude::*;

use super::dates::{self, DateFormat};
use super::read::Source;
use super::{ColumnProfile, DateRange, NumericStats, Profile, ValueCount, values};

/// Parquet files up to this many rows get exact unique counts and percentiles.
pub const EXACT_MAX_ROWS: u64 = 1_000_000;
/// Text files (CSV, TSV, JSON, NDJSON) up to this size get exact unique counts and
/// percentiles. Their row count is only known after a full read, so the size decides;
/// a text value takes at least two bytes, so the exact statistics hold at most a few
/// times the file's size in memory.
pub const EXACT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Rows the percentiles of a larger dataset are computed from, about.
pub const QUANTILE_SAMPLE_ROWS: u64 = 1_000_000;

/// How large a dataset is, known before reading it whole.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Whether unique counts and percentiles are computed exactly.
    pub exact: bool,
    /// An estimate of the number of rows, to space the percentile sample.
    pub estimated_rows: u64,
}
/// Rows read to recognise dates and to take the sample rows from.
const HEAD_ROWS: IdxSize = 1_000;
/// Sample rows kept in the profile.
const SAMPLE_ROWS: usize = 5;
/// Most frequent values kept per text column.
const TOP_VALUES: IdxSize = 5;
/// Values the first rows must hold before a column can look like identifiers.
const IDENTIFIER_MIN_VALUES: usize = 100;
/// Name of the row index used to sample rows; chosen not to clash with real columns.
const ROW_INDEX: &str = "__sextant_row_index__";

/// What is computed for a column.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Integers and floats: numeric statistics.
    Numeric,
    /// Native dates and date-times: their range.
    Temporal,
    /// Text; `Some` when its sample parses as dates in that format.
    Text(Option<DateFormat>),
    /// Booleans: top values.
    Boolean,
    /// Anything else (lists, structs, all-null): only the null count.
    Other,
}

impl Kind {
    fn of(dtype: &DataType) -> Self {
        match dtype {
            dtype if dtype.is_primitive_numeric() => Self::Numeric,
            DataType::Date | DataType::Datetime(_, _) => Self::Temporal,
            DataType::String => Self::Text(None),
            DataType::Boolean => Self::Boolean,
            _ => Self::Other,
        }
    }

    fn has_unique(self) -> bool {
        !matches!(self, Self::Other)
    }

    fn has_top_values(self) -> bool {
        matches!(self, Self::Text(_) | Self::Boolean)
    }
}

pub fn column(name: &str) -> Expr {
    // Not `col`: a name like `^a.*$` or `*` must not turn into a selector.
    Expr::Column(name.into())
}

fn count(value: AnyValue<'_>) -> u64 {
    value.extract::<u64>().unwrap_or(0)
}

fn float(value: AnyValue<'_>) -> Option<f64> {
    value.extract::<f64>().filter(|x| x.is_finite())
}

/// One-row results looked up by output name.
struct Row<'a>(&'a DataFrame);

impl Row<'_> {
    fn get(&self, name: &str) -> AnyValue<'_> {
        self.0
            .column(name)
            .and_then(|column| column.get(0))
            .unwrap_or(AnyValue::Null)
    }
}

/// Computes the profile of `source`.
pub fn compute(source: Source<'_>) -> PolarsResult<Profile> {
    let scale = source.scale()?;
    compute_at(source.frame, scale)
}

/// Computes the profile of `frame`, a dataset of `scale`.
fn compute_at(mut frame: LazyFrame, scale: Scale) -> PolarsResult<Profile> {
    let schema = frame.collect_schema()?;
    let head = frame.clone().limit(HEAD_ROWS).collect()?;
    let sample_rows = values::rows(&head, SAMPLE_ROWS);
    let mut kinds = Vec::with_capacity(schema.len());
    for (name, dtype) in schema.iter() {
        kinds.push(match Kind::of(dtype) {
            Kind::Text(_) => Kind::Text(dates::detect(&head, name)?),
            kind => kind,
        });
    }
    let names: Vec<&str> = schema.iter_names().map(|name| name.as_str()).collect();

    let exact = scale.exact;

    // Sink 0: streaming reductions.
    let mut reductions = vec![len().alias("rows")];
    // Sink 1: percentiles, on every row or on an evenly spaced sample.
    let mut quantiles = Vec::new();
    // Sink 2: exact unique counts.
    let mut uniques = Vec::new();
    for (i, (&name, kind)) in names.iter().zip(&kinds).enumerate() {
        reductions.push(column(name).null_count().alias(format!("null_{i}")));
        if kind.has_unique() {
            if exact {
                uniques.push(column(name).n_unique().alias(format!("unique_{i}")));
            } else {
                reductions.push(column(name).approx_n_unique().alias(format!("unique_{i}")));
            }
        }
        match kind {
            Kind::Numeric => {
                let x = || column(name).cast(DataType::Float64);
                reductions.extend([
                    x().min().alias(format!("min_{i}")),
                    x().max().alias(format!("max_{i}")),
                    x().mean().alias(format!("mean_{i}")),
                    x().std(1).alias(format!("std_{i}")),
                ]);
                for (label, q) in [("p25", 0.25), ("p50", 0.5), ("p75", 0.75)] {
                    quantiles.push(
                        x().quantile(lit(q), QuantileMethod::Linear)
                            .alias(format!("{label}_{i}")),
                    );
                }
            }
            Kind::Temporal => reductions.extend([
                column(name).min().alias(format!("min_{i}")),
                column(name).max().alias(format!("max_{i}")),
            ]),
            Kind::Text(Some(format)) => reductions.extend([
                format.parse(name).null_count().alias(format!("date_nulls_{i}")),
                format.parse(name).min().alias(format!("min_{i}")),
                format.parse(name).max().alias(format!("max_{i}")),
            ]),
            Kind::Text(None) | Kind::Boolean | Kind::Other => {}
        }
    }

    let mut plans = vec![frame.clone().select(reductions)];
    let quantile_input = if exact {
        frame.clone()
    } else {
        let stride = scale.estimated_rows.div_ceil(QUANTILE_SAMPLE_ROWS).max(1);
        frame
            .clone()
            .with_row_index(ROW_INDEX, None)
            .filter((column(ROW_INDEX).cast(DataType::UInt64) % lit(stride)).eq(lit(0u64)))
    };
    let quantile_sink = (!quantiles.is_empty()).then(|| {
        plans.push(quantile_input.select(quantiles));
        plans.len() - 1
    });
    let unique_sink = (!uniques.is_empty()).then(|| {
        plans.push(frame.clone().select(uniques));
        plans.len() - 1
    });
    let mut top_sinks = Vec::new();
    for (&name, kind) in names.iter().zip(&kinds) {
        // On a large dataset, a column of identifiers would make its group-by hold the
        // whole column; its top values would all be 1 anyway.
        if kind.has_top_values() && (exact || !looks_like_identifiers(&head, name)?) {
            top_sinks.push(Some(plans.len()));
            plans.push(top_values(frame.clone(), name));
        } else {
            top_sinks.push(None);
        }
    }

    let optimizations = frame.get_current_optimizations();
    let results = LazyFrame::collect_all_with_engine(
        plans.into_iter().map(|plan| plan.logical_plan).collect(),
        Engine::Streaming,
        optimizations,
    )?;
    let reduced = Row(&results[0]);
    let rows = count(reduced.get("rows"));
    let quantiled = quantile_sink.map(|sink| Row(&results[sink]));
    let uniqued = unique_sink.map(|sink| Row(&results[sink]));

    let mut column_profiles = Vec::with_capacity(names.len());
    for (i, ((&name, kind), dtype)) in names.iter().zip(&kinds).zip(schema.iter_values()).enumerate() {
        let null_count = count(reduced.get(&format!("null_{i}")));
        let unique_key = format!("unique_{i}");
        let unique_with_null = match &uniqued {
            Some(row) if exact => count(row.get(&unique_key)),
            _ => count(reduced.get(&unique_key)),
        };
        // Polars counts null as one more distinct value.
        let unique_count = unique_with_null.saturating_sub(u64::from(null_count > 0));
        let mut profile = ColumnProfile {
            name: name.to_owned(),
            dtype: dtype.to_string(),
            null_count,
            unique_count,
            unique_approximate: !exact && kind.has_unique(),
            numeric: None,
            top_values: Vec::new(),
            date_range: None,
        };
        let range = |format: &str| {
            Some(DateRange {
                min: dates::iso(reduced.get(&format!("min_{i}")))?,
                max: dates::iso(reduced.get(&format!("max_{i}")))?,
                format: format.to_owned(),
            })
        };
        match kind {
            Kind::Numeric => {
                let quantile = |label: &str| {
                    quantiled
                        .as_ref()
                        .and_then(|row| float(row.get(&format!("{label}_{i}"))))
                };
                profile.numeric = Some(NumericStats {
                    min: float(reduced.get(&format!("min_{i}"))),
                    max: float(reduced.get(&format!("max_{i}"))),
                    mean: float(reduced.get(&format!("mean_{i}"))),
                    std: float(reduced.get(&format!("std_{i}"))),
                    p25: quantile("p25"),
                    p50: quantile("p50"),
                    p75: quantile("p75"),
                    quantiles_approximate: !exact,
                });
            }
            Kind::Temporal => profile.date_range = range(""),
            Kind::Text(Some(format)) if count(reduced.get(&format!("date_nulls_{i}"))) == null_count => {
                profile.dtype = format.dtype().into();
                profile.date_range = range(format.pattern());
            }
            _ => {}
        }
        if profile.date_range.is_none()
            && let Some(Some(sink)) = top_sinks.get(i)
        {
            profile.top_values = read_top_values(&results[*sink])?;
        }
        column_profiles.push(profile);
    }

    Ok(Profile {
        rows,
        columns: names.len() as u64,
        column_profiles,
        sample_rows,
    })
}

/// Whether the first rows of column `name` are (almost) all different: at least
/// [`IDENTIFIER_MIN_VALUES`] values, nine in ten distinct.
fn looks_like_identifiers(head: &DataFrame, name: &str) -> PolarsResult<bool> {
    let values = head.column(name)?;
    let present = values.len() - values.null_count();
    if present < IDENTIFIER_MIN_VALUES {
        return Ok(false);
    }
    let distinct = values.n_unique()? - usize::from(values.null_count() > 0);
    Ok(distinct * 10 >= present * 9)
}

/// The [`TOP_VALUES`] most frequent non-null values of column `name`, ties broken by
/// value.
fn top_values(frame: LazyFrame, name: &str) -> LazyFrame {
    frame
        .select([column(name).cast(DataType::String).alias("value")])
        .filter(column("value").is_not_null())
        .group_by([column("value")])
        .agg([len().alias("count")])
        .sort_by_exprs(
            [column("count"), column("value")],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .limit(TOP_VALUES)
}

fn read_top_values(frame: &DataFrame) -> PolarsResult<Vec<ValueCount>> {
    let values = frame.column("value")?;
    let counts = frame.column("count")?;
    (0..frame.height())
        .map(|row| {
            Ok(ValueCount {
                value: match values.get(row)? {
                    value @ (AnyValue::String(_) | AnyValue::StringOwned(_)) => {
                        value.get_str().unwrap_or_default().to_owned()
                    }
                    other => other.to_string(),
                },
                count: count(counts.get(row)?),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 300 rows: `id` all distinct, `kind` a, b, c in turn, `n` 0 to 299.
    fn frame() -> LazyFrame {
        let ids: Vec<String> = (0..300).map(|i| format!("id-{i}")).collect();
        let kinds: Vec<&str> = (0..300).map(|i| ["a", "b", "c"][i % 3]).collect();
        let numbers: Vec<i64> = (0..300).collect();
        df!("id" => ids, "kind" => kinds, "n" => numbers).expect("frame").lazy()
    }

    fn column<'a>(profile: &'a Profile, name: &str) -> &'a ColumnProfile {
        profile.column_profiles.iter().find(|c| c.name == name).expect(name)
    }

    #[test]
    fn a_small_dataset_is_exact() {
        let scale = Scale {
            exact: true,
            estimated_rows: 300,
        };
        let profile = compute_at(frame(), scale).expect("profile");
        let id = column(&profile, "id");
        assert_eq!(
            (id.unique_count, id.unique_approximate, id.top_values.len()),
            (300, false, 5)
        );
        let n = column(&profile, "n").numeric.clone().expect("numeric");
        // 0..=299: the median at rank 149.5 is 149.5, p25 at rank 74.75 is 74.75.
        assert_eq!((n.p25, n.p50, n.p75), (Some(74.75), Some(149.5), Some(224.25)));
        assert!(!n.quantiles_approximate);
    }

    #[test]
    fn a_large_dataset_estimates_and_samples() {
        // As if 3 million rows: every third row is sampled for the percentiles.
        let scale = Scale {
            exact: false,
            estimated_rows: 3_000_000,
        };
        let profile = compute_at(frame(), scale).expect("profile");
        assert_eq!(profile.rows, 300, "the row count stays exact");
        let id = column(&profile, "id");
        assert!(id.unique_approximate);
        assert!((270..=330).contains(&id.unique_count), "{}", id.unique_count);
        assert!(id.top_values.is_empty(), "identifiers get no top values");
        let kind = column(&profile, "kind");
        assert_eq!(kind.top_values[0].count, 100, "top values stay exact");
        let n = column(&profile, "n").numeric.clone().expect("numeric");
        // The sample is 0, 3, ..., 297: its median is 148.5.
        assert_eq!(n.p50, Some(148.5));
        assert!(n.quantiles_approximate);
        assert_eq!((n.min, n.max), (Some(0.0), Some(299.0)), "min and max stay exact");
    }
}
