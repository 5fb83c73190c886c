//! What counts as a missing value: the one definition file-service's profile and preview
//! and agent-service's SQL table share.
//!
//! In delimited text (CSV, TSV) a field is missing when it is empty or is exactly one of
//! [`MARKERS`]. The list is pandas' default `na_values` for `read_csv` (as of pandas 3.1:
//! `pandas._libs.parsers.STR_NA_VALUES`), adopted whole so that a column's numbers,
//! means and null counts here are the ones a pandas user gets from the same file:
//! - the empty field (pandas counts it too, though its documentation lists it apart);
//! - R's `NA`, pandas' `<NA>`, Python's `None`, SQL's `NULL` and `null`;
//! - `N/A`, `n/a`, Excel's `#N/A` and `#NA`, Bloomberg's `#N/A N/A`;
//! - `NaN`, `nan`, `-NaN`, `-nan`, and what old C runtimes print for NaN and infinity
//!   (`1.#IND`, `-1.#IND`, `1.#QNAN`, `-1.#QNAN`), which pandas keeps for Excel exports.
//!
//! Like pandas, a marker is matched exactly: case matters (`na`, `none`, `Null` are text),
//! surrounding spaces are kept (` NA` is text), a quoted marker (`"NA"`) is still missing,
//! and a lone `-` or `?` is text (they mean "not applicable" or "unknown" only in some
//! files; a column of numbers with a `-` in it stays text, as in pandas). `NaN` read as a
//! marker is a null, not a floating-point NaN: it is left out of means as pandas leaves
//! it out.
//!
//! Where we differ from pandas: the list is fixed (pandas' `na_values`,
//! `keep_default_na` and `na_filter` have no counterpart), and JSON and Parquet are left
//! as they are: they have a native null, and their strings are text even when one reads
//! `NA`, as with pandas' `read_json` and `read_parquet`.

use polars::prelude::{NullValues, PlSmallStr};

/// The text of a missing value in delimited text, most common first: the empty field,
/// then the other markers (see the module's documentation).
pub const MARKERS: [&str; 19] = [
    "", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "#N/A", "<NA>", "#NA", "#N/A N/A", "-NaN", "-nan",
    "1.#IND", "-1.#IND", "1.#QNAN", "-1.#QNAN",
];

/// Where `text` is in [`MARKERS`]; `None` when it is a value.
pub fn position(text: &str) -> Option<usize> {
    MARKERS.iter().position(|marker| *marker == text)
}

/// Whether a field reading `text` is missing.
pub fn is_marker(text: &str) -> bool {
    position(text).is_some()
}

/// The markers as Polars' CSV reader takes them, for every column.
pub fn null_values() -> NullValues {
    NullValues::AllColumns(MARKERS.iter().copied().map(PlSmallStr::from_static).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_markers_are_missing_and_a_dash_is_not() {
        for marker in [
            "", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "#N/A", "<NA>",
        ] {
            assert!(is_marker(marker), "{marker:?}");
        }
        for value in ["-", "?", "na", "none", " NA", "NA ", "0", "n.a."] {
            assert!(!is_marker(value), "{value:?}");
        }
    }

    #[test]
    fn each_marker_is_listed_once() {
        for (at, marker) in MARKERS.iter().enumerate() {
            assert_eq!(position(marker), Some(at), "{marker:?}");
        }
    }
}
