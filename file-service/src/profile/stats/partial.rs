//! The statistics that add up across batches, as Polars expressions: each batch is
//! reduced to one row of partial results, and the rows of every batch combine into the
//! dataset's. Counts add up, minima and maxima take the extreme; mean and variance
//! combine from each batch's count, mean and sum of squared deviations (Chan, Golub and
//! LeVeque), which stays accurate where sums of squares would not.
//!
//! Column `i`'s results are named `null_i`, `min_i`, `max_i`, `mean_i`, `std_i` and
//! `date_nulls_i` (text read as dates: the values that did not parse, or were null).

use polars::prelude::*;

use super::super::dates::DateFormat;
use super::{Kind, column};

/// Rows of the batch, or of the dataset.
pub const ROWS: &str = "rows";

fn named(stem: &str, i: usize) -> PlSmallStr {
    format!("{stem}_{i}").into()
}

fn count(expr: Expr) -> Expr {
    expr.cast(DataType::UInt64)
}

/// The row count of a batch.
pub fn batch_rows() -> Expr {
    count(len()).alias(ROWS)
}

/// The partial results of column `i`, `name`, of a batch.
pub fn batch(i: usize, name: &str, kind: Kind) -> Vec<Expr> {
    let mut exprs = vec![count(column(name).null_count()).alias(named("null", i))];
    match kind {
        Kind::Numeric => {
            let x = || column(name).cast(DataType::Float64);
            exprs.extend([
                count(x().count()).alias(named("n", i)),
                x().min().alias(named("min", i)),
                x().max().alias(named("max", i)),
                x().mean().alias(named("mean", i)),
                (x().var(0) * x().count().cast(DataType::Float64)).alias(named("m2", i)),
            ]);
        }
        Kind::Temporal => exprs.extend([
            column(name).min().alias(named("min", i)),
            column(name).max().alias(named("max", i)),
        ]),
        Kind::Text(Some(format)) => exprs.extend(dates(i, name, format)),
        Kind::Text(None) | Kind::Boolean | Kind::Other => {}
    }
    exprs
}

/// The partial results of column `i`, `name`, read as dates in `format`.
pub fn dates(i: usize, name: &str, format: DateFormat) -> [Expr; 3] {
    [
        count(format.parse(name).null_count()).alias(named("date_nulls", i)),
        format.parse(name).min().alias(named("min", i)),
        format.parse(name).max().alias(named("max", i)),
    ]
}

/// The row count of the dataset, from the batches' partial results.
pub fn combined_rows() -> Expr {
    column(ROWS).sum()
}

/// The results of column `i` of the dataset, from the batches' partial results.
pub fn combine(i: usize, kind: Kind) -> Vec<Expr> {
    let sum = |stem: &str| column(&named(stem, i)).sum().alias(named(stem, i));
    let extremes = || {
        [
            column(&named("min", i)).min().alias(named("min", i)),
            column(&named("max", i)).max().alias(named("max", i)),
        ]
    };
    let mut exprs = vec![sum("null")];
    match kind {
        Kind::Numeric => {
            let n = || column(&named("n", i)).cast(DataType::Float64);
            let batch_mean = || column(&named("mean", i));
            let mean = || (n() * batch_mean()).sum() / n().sum();
            let squares = (column(&named("m2", i)) + n() * (batch_mean() - mean()).pow(2)).sum();
            exprs.extend(extremes());
            exprs.extend([
                mean().alias(named("mean", i)),
                (squares / (n().sum() - lit(1.0))).sqrt().alias(named("std", i)),
            ]);
        }
        Kind::Temporal => exprs.extend(extremes()),
        Kind::Text(Some(_)) => {
            exprs.push(sum("date_nulls"));
            exprs.extend(extremes());
        }
        Kind::Text(None) | Kind::Boolean | Kind::Other => {}
    }
    exprs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `values` reduced batch by batch, `size` rows at a time, then combined.
    fn combined(values: &[Option<f64>], size: usize) -> DataFrame {
        let frame = df!("x" => values).expect("frame");
        let mut partials: Option<DataFrame> = None;
        for start in (0..values.len()).step_by(size) {
            let mut exprs = vec![batch_rows()];
            exprs.extend(batch(0, "x", Kind::Numeric));
            let partial = frame
                .slice(start as i64, size)
                .lazy()
                .select(exprs)
                .collect()
                .expect("partial");
            match &mut partials {
                Some(rows) => {
                    rows.vstack_mut(&partial).expect("stack");
                }
                None => partials = Some(partial),
            }
        }
        let mut exprs = vec![combined_rows()];
        exprs.extend(combine(0, Kind::Numeric));
        partials
            .expect("batches")
            .lazy()
            .select(exprs)
            .collect()
            .expect("combined")
    }

    fn get(frame: &DataFrame, name: &str) -> Option<f64> {
        frame.column(name).expect(name).get(0).expect(name).extract::<f64>()
    }

    #[test]
    fn batches_combine_into_the_statistics_of_every_row() {
        // 10.5, 4.5, 3 and a null: mean 6, sample variance 15.75.
        let values = [Some(10.5), None, Some(4.5), Some(3.0)];
        for size in [1, 2, 3, 4] {
            let frame = combined(&values, size);
            assert_eq!(get(&frame, ROWS), Some(4.0), "batches of {size}");
            assert_eq!(get(&frame, "null_0"), Some(1.0));
            assert_eq!((get(&frame, "min_0"), get(&frame, "max_0")), (Some(3.0), Some(10.5)));
            let mean = get(&frame, "mean_0").expect("mean");
            let std = get(&frame, "std_0").expect("std");
            assert!((mean - 6.0).abs() < 1e-12, "batches of {size}: {mean}");
            assert!((std - 15.75_f64.sqrt()).abs() < 1e-12, "batches of {size}: {std}");
        }
    }

    #[test]
    fn a_column_without_values_has_no_mean_and_one_value_no_deviation() {
        let none = combined(&[None, None], 1);
        assert_eq!(get(&none, "mean_0").filter(|x| x.is_finite()), None);
        let one = combined(&[Some(2.0), None], 1);
        assert_eq!(get(&one, "mean_0"), Some(2.0));
        assert_eq!(get(&one, "std_0").filter(|x| x.is_finite()), None);
    }
}
