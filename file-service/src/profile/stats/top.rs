//! The most frequent values of a text or boolean column, counted exactly batch by
//! batch in a hash map of the column's distinct values (a Polars group-by per batch
//! would also gather the rows of every group: three times slower here). Past an
//! optional limit on how many distinct values there are, the column is given up (its
//! counts forgotten, no top values), which bounds the memory of a large dataset
//! whatever its columns hold.

use polars::prelude::*;

use super::super::ValueCount;

/// Occurrences of every value of a column, while there are not too many.
pub struct Counts {
    /// `None` once the column held more distinct values than `limit`.
    counts: Option<PlHashMap<String, u64>>,
    limit: Option<usize>,
}

impl Counts {
    /// Counts that give up past `limit` distinct values, when given.
    pub fn new(limit: Option<usize>) -> Self {
        Self {
            counts: Some(PlHashMap::default()),
            limit,
        }
    }

    /// Counts the non-null values of `values`, as text.
    pub fn add(&mut self, values: &Column) -> PolarsResult<()> {
        let Some(counts) = &mut self.counts else {
            return Ok(());
        };
        let text = values.cast(&DataType::String)?;
        for value in text.str()?.iter().flatten() {
            if let Some(count) = counts.get_mut(value) {
                *count += 1;
            } else if self.limit.is_some_and(|limit| counts.len() == limit) {
                self.counts = None;
                return Ok(());
            } else {
                counts.insert(value.to_owned(), 1);
            }
        }
        Ok(())
    }

    /// The `n` most frequent values, ties broken by value; none once given up.
    pub fn top(&self, n: usize) -> Vec<ValueCount> {
        let Some(counts) = &self.counts else {
            return Vec::new();
        };
        let mut ranked: Vec<(&String, &u64)> = counts.iter().collect();
        ranked.sort_unstable_by(|(a, a_count), (b, b_count)| b_count.cmp(a_count).then_with(|| a.cmp(b)));
        ranked
            .into_iter()
            .take(n)
            .map(|(value, &count)| ValueCount {
                value: value.clone(),
                count,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(counts: &Counts) -> Vec<(String, u64)> {
        counts.top(3).into_iter().map(|top| (top.value, top.count)).collect()
    }

    fn text(values: &[Option<&str>]) -> Column {
        Column::new("t".into(), values)
    }

    #[test]
    fn counts_add_up_across_batches_and_ties_go_by_value() {
        let mut counts = Counts::new(None);
        counts.add(&text(&[Some("b"), Some("a"), None])).expect("add");
        counts.add(&text(&[Some("c"), Some("b"), Some("d")])).expect("add");
        assert_eq!(top(&counts), [("b".into(), 2), ("a".into(), 1), ("c".into(), 1)]);
    }

    #[test]
    fn booleans_count_as_text() {
        let mut counts = Counts::new(None);
        counts.add(&Column::new("b".into(), [true, false, true])).expect("add");
        assert_eq!(top(&counts), [("true".into(), 2), ("false".into(), 1)]);
    }

    #[test]
    fn a_column_past_the_limit_is_given_up() {
        let mut counts = Counts::new(Some(3));
        counts
            .add(&text(&[Some("a"), Some("b"), Some("c"), Some("a")]))
            .expect("add");
        assert_eq!(top(&counts).len(), 3, "three distinct values are within the limit");
        counts.add(&text(&[Some("d")])).expect("add");
        assert!(top(&counts).is_empty());
        counts.add(&text(&[Some("a")])).expect("add");
        assert!(top(&counts).is_empty(), "given up for good");
    }
}
