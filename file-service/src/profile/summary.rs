//! The Markdown summary of a profile, in the original system's words (DESIGN.md
//! section 5), each column followed by its key statistics:
//!
//! ```text
//! The dataset has **3 rows** and **2 columns**.
//! It contains the following features:
//! - **price**: `f64` — 1 missing (`NA`), 2 unique, min 1, max 9.5, mean 5.25
//! - **region**: `str` — 2 unique, top: "North" (2), "South" (1)
//! ```
//!
//! Missing values are named with the markers they were written as in delimited text
//! (``3 missing (2 `NA`, 1 empty)``); Parquet and JSON have native nulls, counted alone.

use std::fmt::Write;

use super::{ColumnProfile, MarkerCount, Profile};

/// Most frequent values named per text column.
const SUMMARY_TOP_VALUES: usize = 3;

/// The Markdown summary of `profile`.
pub fn markdown(profile: &Profile) -> String {
    let mut text = format!(
        "The dataset has **{} {}** and **{} {}**.\nIt contains the following features:",
        profile.rows,
        plural(profile.rows, "row", "rows"),
        profile.columns,
        plural(profile.columns, "column", "columns"),
    );
    for column in &profile.column_profiles {
        let _ = write!(text, "\n- **{}**: `{}`", one_line(&column.name), column.dtype);
        let facts = facts(column);
        if !facts.is_empty() {
            let _ = write!(text, " — {}", facts.join(", "));
        }
    }
    text
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// The key statistics of one column, in reading order.
fn facts(column: &ColumnProfile) -> Vec<String> {
    let mut facts = Vec::new();
    if column.null_count > 0 {
        facts.push(missing(column.null_count, &column.missing_markers));
    }
    if column.unique_count > 0 || column.null_count == 0 {
        let about = if column.unique_approximate { "~" } else { "" };
        facts.push(format!("{about}{} unique", column.unique_count));
    }
    if let Some(numeric) = &column.numeric {
        for (label, value) in [("min", numeric.min), ("max", numeric.max), ("mean", numeric.mean)] {
            if let Some(value) = value {
                facts.push(format!("{label} {}", number(value)));
            }
        }
    }
    if let Some(range) = &column.date_range {
        facts.push(format!("from {} to {}", range.min, range.max));
    }
    if !column.top_values.is_empty() {
        let top: Vec<String> = column
            .top_values
            .iter()
            .take(SUMMARY_TOP_VALUES)
            .map(|top| format!("\"{}\" ({})", one_line(&top.value), top.count))
            .collect();
        facts.push(format!("top: {}", top.join(", ")));
    }
    facts
}

/// `count` missing values and the markers they were written as: `11 missing (`NA`)`,
/// `3 missing (2 `NA`, 1 empty)`, or `4 missing` when nothing was written.
fn missing(count: u64, markers: &[MarkerCount]) -> String {
    let name = |marker: &str| {
        if marker.is_empty() {
            "empty".to_owned()
        } else {
            format!("`{marker}`")
        }
    };
    let written: Vec<String> = match markers {
        [] => return format!("{count} missing"),
        [only] => vec![name(&only.marker)],
        several => several
            .iter()
            .map(|marker| format!("{} {}", marker.count, name(&marker.marker)))
            .collect(),
    };
    format!("{count} missing ({})", written.join(", "))
}

/// `text` with its line breaks escaped, so one column stays on one line.
fn one_line(text: &str) -> String {
    text.replace('\r', "\\r").replace('\n', "\\n")
}

/// A number as people write it: integers without a fraction, others with at most four
/// decimals, very large or small ones in scientific notation.
pub fn number(x: f64) -> String {
    let magnitude = x.abs();
    if x.fract() == 0.0 && magnitude < 1e15 {
        return format!("{x:.0}");
    }
    if !(1e-4..1e15).contains(&magnitude) {
        return format!("{x:.3e}");
    }
    let fixed = format!("{x:.4}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" { "0" } else { trimmed }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::{DateRange, MarkerCount, NumericStats, ValueCount};
    use super::*;

    fn column(name: &str, dtype: &str) -> ColumnProfile {
        ColumnProfile {
            name: name.into(),
            dtype: dtype.into(),
            null_count: 0,
            missing_markers: Vec::new(),
            unique_count: 0,
            unique_approximate: false,
            numeric: None,
            top_values: Vec::new(),
            date_range: None,
        }
    }

    #[test]
    fn summary_names_every_column_with_its_statistics() {
        let profile = Profile {
            rows: 3,
            columns: 3,
            column_profiles: vec![
                ColumnProfile {
                    null_count: 1,
                    missing_markers: vec![MarkerCount {
                        marker: "NA".into(),
                        count: 1,
                    }],
                    unique_count: 2,
                    numeric: Some(NumericStats {
                        min: Some(1.0),
                        max: Some(9.5),
                        mean: Some(5.25),
                        std: Some(6.01),
                        p25: None,
                        p50: None,
                        p75: None,
                        quantiles_approximate: false,
                    }),
                    ..column("price", "f64")
                },
                ColumnProfile {
                    unique_count: 2,
                    top_values: vec![
                        ValueCount {
                            value: "North".into(),
                            count: 2,
                        },
                        ValueCount {
                            value: "South".into(),
                            count: 1,
                        },
                    ],
                    ..column("region", "str")
                },
                ColumnProfile {
                    unique_count: 3,
                    unique_approximate: true,
                    date_range: Some(DateRange {
                        min: "2023-01-01".into(),
                        max: "2023-12-31".into(),
                        format: "%d/%m/%Y".into(),
                    }),
                    ..column("day", "date")
                },
            ],
            sample_rows: Vec::new(),
        };
        assert_eq!(
            markdown(&profile),
            "The dataset has **3 rows** and **3 columns**.\n\
             It contains the following features:\n\
             - **price**: `f64` — 1 missing (`NA`), 2 unique, min 1, max 9.5, mean 5.25\n\
             - **region**: `str` — 2 unique, top: \"North\" (2), \"South\" (1)\n\
             - **day**: `date` — ~3 unique, from 2023-01-01 to 2023-12-31"
        );
    }

    #[test]
    fn one_row_one_column_and_an_all_null_column_read_naturally() {
        let profile = Profile {
            rows: 1,
            columns: 1,
            column_profiles: vec![ColumnProfile {
                null_count: 1,
                ..column("empty", "null")
            }],
            sample_rows: Vec::new(),
        };
        assert_eq!(
            markdown(&profile),
            "The dataset has **1 row** and **1 column**.\n\
             It contains the following features:\n\
             - **empty**: `null` — 1 missing"
        );
    }

    #[test]
    fn several_markers_are_named_with_their_counts() {
        let marker = |marker: &str, count| MarkerCount {
            marker: marker.into(),
            count,
        };
        assert_eq!(
            missing(5, &[marker("NA", 3), marker("", 1), marker("N/A", 1)]),
            "5 missing (3 `NA`, 1 empty, 1 `N/A`)"
        );
        assert_eq!(missing(2, &[marker("", 2)]), "2 missing (empty)");
        assert_eq!(missing(4, &[]), "4 missing", "Parquet and JSON write no marker");
    }

    #[test]
    fn line_breaks_in_names_and_values_are_escaped() {
        let profile = Profile {
            rows: 1,
            columns: 1,
            column_profiles: vec![ColumnProfile {
                unique_count: 1,
                top_values: vec![ValueCount {
                    value: "two\nlines".into(),
                    count: 1,
                }],
                ..column("multi\r\nline", "str")
            }],
            sample_rows: Vec::new(),
        };
        assert!(markdown(&profile).ends_with("- **multi\\r\\nline**: `str` — 1 unique, top: \"two\\nlines\" (1)"));
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(number(42.0), "42");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(4.2), "4.2");
        assert_eq!(number(1.0 / 3.0), "0.3333");
        assert_eq!(number(2.50001), "2.5");
        assert_eq!(number(-0.00001), "-1.000e-5");
        assert_eq!(number(1e20), "1.000e20");
        assert_eq!(number(0.0), "0");
    }
}
