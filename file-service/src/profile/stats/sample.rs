//! The rows the percentiles are computed from: every row of a small dataset, or every
//! `stride`-th row of a large one (rows 0, stride, 2 × stride, ... of the whole dataset,
//! whatever its batches), of the numeric columns only.

use polars::prelude::*;

use super::column;

/// The sampled values of some numeric columns, as `f64`.
pub struct Sample {
    names: Vec<String>,
    stride: usize,
    rows: Option<DataFrame>,
}

impl Sample {
    /// A sample of every `stride`-th row of the columns `names`.
    pub fn new(names: Vec<String>, stride: u64) -> Self {
        Self {
            names,
            stride: usize::try_from(stride).unwrap_or(usize::MAX).max(1),
            rows: None,
        }
    }

    /// Adds the sampled rows of `batch`, whose first row is row `first_row` of the
    /// dataset.
    pub fn add(&mut self, batch: &DataFrame, first_row: u64) -> PolarsResult<()> {
        let stride = self.stride as u64;
        let offset = ((stride - first_row % stride) % stride) as usize;
        if self.names.is_empty() || offset >= batch.height() {
            return Ok(());
        }
        let picked = self
            .names
            .iter()
            .map(|name| {
                batch
                    .column(name)?
                    .gather_every(self.stride, offset)?
                    .cast(&DataType::Float64)
            })
            .collect::<PolarsResult<Vec<Column>>>()?;
        let picked = DataFrame::new_infer_height(picked)?;
        match &mut self.rows {
            Some(rows) => {
                rows.vstack_mut(&picked)?;
            }
            None => self.rows = Some(picked),
        }
        Ok(())
    }

    /// Whether rows are left out.
    pub fn is_approximate(&self) -> bool {
        self.stride > 1
    }

    /// The percentiles of column `name` at `quantiles`, each `None` when the column had
    /// no values.
    pub fn quantiles(&self, name: &str, quantiles: &[f64]) -> PolarsResult<Vec<Option<f64>>> {
        let Some(rows) = &self.rows else {
            return Ok(vec![None; quantiles.len()]);
        };
        let exprs = quantiles
            .iter()
            .enumerate()
            .map(|(i, &q)| {
                column(name)
                    .quantile(lit(q), QuantileMethod::Linear)
                    .alias(format!("q{i}"))
            })
            .collect::<Vec<_>>();
        let computed = rows.clone().lazy().select(exprs).collect()?;
        computed
            .columns()
            .iter()
            .map(|values| Ok(values.get(0)?.extract::<f64>().filter(|x| x.is_finite())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sampled(stride: u64, batch_rows: usize) -> Vec<Option<f64>> {
        let frame = df!("n" => (0..300i64).collect::<Vec<_>>()).expect("frame");
        let mut sample = Sample::new(vec!["n".into()], stride);
        let mut first_row = 0;
        while first_row < frame.height() {
            let batch = frame.slice(first_row as i64, batch_rows);
            sample.add(&batch, first_row as u64).expect("add");
            first_row += batch_rows;
        }
        sample.quantiles("n", &[0.25, 0.5, 0.75]).expect("quantiles")
    }

    #[test]
    fn every_row_gives_exact_percentiles() {
        // 0..=299: p25 at rank 74.75, the median at 149.5.
        assert_eq!(sampled(1, 300), [Some(74.75), Some(149.5), Some(224.25)]);
        assert_eq!(sampled(1, 7), sampled(1, 300));
        assert!(!Sample::new(Vec::new(), 1).is_approximate());
    }

    #[test]
    fn strides_count_rows_of_the_whole_dataset() {
        // 0, 3, ..., 297: 100 values, the median between 147 and 150.
        let whole = sampled(3, 300);
        assert_eq!(whole[1], Some(148.5));
        assert!(Sample::new(Vec::new(), 3).is_approximate());
        for batch_rows in [1, 2, 7, 100, 299] {
            assert_eq!(sampled(3, batch_rows), whole, "batches of {batch_rows}");
        }
    }

    #[test]
    fn a_sample_without_rows_has_no_percentiles() {
        let sample = Sample::new(vec!["n".into()], 1);
        assert_eq!(sample.quantiles("n", &[0.5]).expect("quantiles"), [None]);
    }
}
