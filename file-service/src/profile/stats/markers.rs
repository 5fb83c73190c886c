//! How the missing values of delimited text were written, counted batch by batch: a
//! batch's columns that hold nulls come with the text written in the file
//! ([`Batch::written`](super::super::batches::Batch::written)), and the text of each
//! null is the empty field or one of [`MARKERS`].

use polars::prelude::*;
use sextant_dataset::missing::{self, MARKERS};

use super::super::MarkerCount;

/// Occurrences of each marker among a column's missing values.
pub struct Markers {
    counts: [u64; MARKERS.len()],
}

impl Markers {
    /// No marker seen yet.
    pub fn new() -> Self {
        Self {
            counts: [0; MARKERS.len()],
        }
    }

    /// Counts the markers of the nulls of `values`, whose text as written is `written`
    /// (the empty field null).
    pub fn add(&mut self, values: &Column, written: &Column) -> PolarsResult<()> {
        let missing = written.filter(&values.is_null())?;
        for text in missing.str()?.iter() {
            if let Some(at) = missing::position(text.unwrap_or("")) {
                self.counts[at] += 1;
            }
        }
        Ok(())
    }

    /// The markers seen, most frequent first, ties in the order of [`MARKERS`].
    pub fn seen(&self) -> Vec<MarkerCount> {
        let mut seen: Vec<(usize, u64)> = self
            .counts
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, count)| count > 0)
            .collect();
        seen.sort_by(|(a, a_count), (b, b_count)| b_count.cmp(a_count).then(a.cmp(b)));
        seen.into_iter()
            .map(|(at, count)| MarkerCount {
                marker: MARKERS[at].to_owned(),
                count,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_counted_across_batches_most_frequent_first() {
        let mut markers = Markers::new();
        let values = Column::new("n".into(), [Some(1i64), None, None, None]);
        let written = Column::new("n".into(), [Some("1"), Some("NaN"), None, Some("NA")]);
        markers.add(&values, &written).expect("add");
        let values = Column::new("n".into(), [None::<i64>, Some(2)]);
        let written = Column::new("n".into(), [Some("NA"), Some("2")]);
        markers.add(&values, &written).expect("add");
        let seen: Vec<(String, u64)> = markers.seen().into_iter().map(|m| (m.marker, m.count)).collect();
        assert_eq!(
            seen,
            [("NA".into(), 2), ("".into(), 1), ("NaN".into(), 1)],
            "ties in the order of MARKERS: the empty field first"
        );
    }
}
