//! Profiles of files with missing values, worked out by hand (in the comments), and the
//! profile's own guards.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use sextant_dataset::INFER_SCHEMA_ROWS;

use super::*;

/// `contents` written to `name` in a fresh directory, which the guard removes.
fn written(name: &str, contents: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().expect("directory");
    let path = directory.path().join(name);
    std::fs::write(&path, contents).expect("write");
    (directory, path)
}

fn profiled(path: &Path, format: Format) -> Profile {
    let scratch = path.parent().expect("a directory");
    profile(path, format, scratch).expect("profile")
}

const CSV: Format = Format::Csv { delimiter: b',' };

fn column<'a>(profile: &'a Profile, name: &str) -> &'a ColumnProfile {
    profile.column_profiles.iter().find(|c| c.name == name).expect(name)
}

fn markers(column: &ColumnProfile) -> Vec<(&str, u64)> {
    column
        .missing_markers
        .iter()
        .map(|marker| (marker.marker.as_str(), marker.count))
        .collect()
}

fn top(column: &ColumnProfile) -> Vec<(&str, u64)> {
    column
        .top_values
        .iter()
        .map(|top| (top.value.as_str(), top.count))
        .collect()
}

fn numbers(column: &ColumnProfile) -> (Option<f64>, Option<f64>, Option<f64>) {
    let numeric = column
        .numeric
        .as_ref()
        .unwrap_or_else(|| panic!("{} is not numeric", column.name));
    (numeric.min, numeric.max, numeric.mean)
}

/// Each marker once or more, in columns of every kind; `dash` holds a lone `-`, which is
/// text, and `empty` nothing but markers.
const MARKED: &str = "n,x,t,d,dash,empty,rare\n\
    1,0.5,a,2023-01-31,-,NA,7\n\
    NA,NaN,NULL,n/a,1,,#NA\n\
    3,nan,null,2023-02-28,2,NA,-1.#IND\n\
    N/A,2.5,None,2023-03-31,-,NULL,1.#QNAN\n\
    5,,#N/A,,3,,-NaN\n\
    n/a,1.5,<NA>,2023-04-30,4,NA,#N/A N/A\n";

#[test]
fn each_marker_is_missing_in_a_column_of_its_own_type() {
    let (_directory, path) = written("marked.csv", MARKED);
    let profile = profiled(&path, CSV);
    assert_eq!((profile.rows, profile.columns), (6, 7));

    // n: 1, 3, 5 and three markers: integers, mean 3.
    let n = column(&profile, "n");
    assert_eq!((n.dtype.as_str(), n.null_count, n.unique_count), ("i64", 3, 3));
    assert_eq!(
        markers(n),
        [("NA", 1), ("N/A", 1), ("n/a", 1)],
        "ties in the order of MARKERS"
    );
    assert_eq!(numbers(n), (Some(1.0), Some(5.0), Some(3.0)));

    // x: 0.5, 2.5, 1.5, and NaN, nan, the empty field as missing: mean 4.5 / 3 = 1.5.
    let x = column(&profile, "x");
    assert_eq!((x.dtype.as_str(), x.null_count), ("f64", 3));
    assert_eq!(markers(x), [("", 1), ("NaN", 1), ("nan", 1)]);
    assert_eq!(numbers(x), (Some(0.5), Some(2.5), Some(1.5)));

    // t: one value and five markers, none of them a top value.
    let t = column(&profile, "t");
    assert_eq!((t.dtype.as_str(), t.null_count, t.unique_count), ("str", 5, 1));
    assert_eq!(
        markers(t),
        [("NULL", 1), ("null", 1), ("None", 1), ("#N/A", 1), ("<NA>", 1)]
    );
    assert_eq!(top(t), [("a", 1)]);

    // d: four dates, an n/a and an empty field: still dates.
    let d = column(&profile, "d");
    assert_eq!((d.dtype.as_str(), d.null_count, d.unique_count), ("date", 2, 4));
    assert_eq!(markers(d), [("", 1), ("n/a", 1)]);
    let range = d.date_range.as_ref().expect("a date range");
    assert_eq!(
        (range.min.as_str(), range.max.as_str(), range.format.as_str()),
        ("2023-01-31", "2023-04-30", "%Y-%m-%d")
    );

    // dash: `-` twice and the numbers 1 to 4: text without a missing value.
    let dash = column(&profile, "dash");
    assert_eq!((dash.dtype.as_str(), dash.null_count, dash.unique_count), ("str", 0, 5));
    assert!(dash.missing_markers.is_empty());
    assert_eq!(top(dash), [("-", 2), ("1", 1), ("2", 1), ("3", 1), ("4", 1)]);

    // rare: 7 and five of pandas' less common markers.
    let rare = column(&profile, "rare");
    assert_eq!((rare.dtype.as_str(), rare.null_count), ("i64", 5));
    assert_eq!(
        markers(rare),
        [("#NA", 1), ("#N/A N/A", 1), ("-NaN", 1), ("-1.#IND", 1), ("1.#QNAN", 1)]
    );
    assert_eq!(numbers(rare), (Some(7.0), Some(7.0), Some(7.0)));

    assert_eq!(
        profile.sample_rows[1],
        [
            serde_json::Value::Null,
            serde_json::Value::Null,
            serde_json::Value::Null,
            serde_json::Value::Null,
            serde_json::json!("1"),
            serde_json::Value::Null,
            serde_json::Value::Null,
        ],
        "the second row's markers are nulls, its `1` text"
    );
    let summary = markdown(&profile);
    assert!(
        summary.contains("\n- **n**: `i64` — 3 missing (1 `NA`, 1 `N/A`, 1 `n/a`), 3 unique, min 1, max 5, mean 3\n"),
        "{summary}"
    );
    assert!(
        summary.contains("\n- **d**: `date` — 2 missing (1 empty, 1 `n/a`), 4 unique, from 2023-01-31 to 2023-04-30\n"),
        "{summary}"
    );
}

#[test]
fn a_column_of_markers_alone_is_all_missing() {
    let (_directory, path) = written("marked.csv", MARKED);
    let profile = profiled(&path, CSV);
    // NA three times, the empty field twice, NULL once.
    let empty = column(&profile, "empty");
    assert_eq!(
        (empty.dtype.as_str(), empty.null_count, empty.unique_count),
        ("str", 6, 0)
    );
    assert_eq!(markers(empty), [("NA", 3), ("", 2), ("NULL", 1)]);
    assert!(empty.top_values.is_empty() && empty.numeric.is_none() && empty.date_range.is_none());
    assert!(
        markdown(&profile).contains("\n- **empty**: `str` — 6 missing (3 `NA`, 2 empty, 1 `NULL`)\n"),
        "no unique count for a column without values"
    );
}

/// `id` 0 to 10,009; `late` NA in the first 10,000 rows (all the rows types are inferred
/// from), then 1 to 10.
fn late_numbers() -> String {
    let mut text = String::from("id,late\n");
    for id in 0..INFER_SCHEMA_ROWS + 10 {
        match id.checked_sub(INFER_SCHEMA_ROWS - 1) {
            Some(late) if late > 0 => text.push_str(&format!("{id},{late}\n")),
            _ => text.push_str(&format!("{id},NA\n")),
        }
    }
    text
}

#[test]
fn numbers_after_ten_thousand_missing_values_are_numbers() {
    let (_directory, path) = written("late.csv", late_numbers());
    let profile = profiled(&path, CSV);
    assert_eq!(profile.rows, 10_010);
    // late: 1 + 2 + ... + 10 = 55 over 10 values.
    let late = column(&profile, "late");
    assert_eq!(
        (late.dtype.as_str(), late.null_count, late.unique_count),
        ("i64", 10_000, 10)
    );
    assert_eq!(markers(late), [("NA", 10_000)]);
    assert_eq!(numbers(late), (Some(1.0), Some(10.0), Some(5.5)));
    // id: 0 + 1 + ... + 10,009 = 10,009 × 10,010 / 2 over 10,010 values.
    assert_eq!(
        numbers(column(&profile, "id")),
        (Some(0.0), Some(10_009.0), Some(5_004.5))
    );
}

/// The same 10,010 rows in every format: `late` missing in the first 10,000 rows, every
/// other column missing now and then; text with a missing value written as each marker in
/// turn, JSON and Parquet with their native null.
struct Mixed {
    late: Vec<Option<i64>>,
    n: Vec<Option<i64>>,
    x: Vec<Option<f64>>,
    t: Vec<Option<&'static str>>,
    d: Vec<Option<String>>,
    flag: Vec<Option<bool>>,
    dash: Vec<&'static str>,
}

impl Mixed {
    fn new() -> Self {
        let rows = 0..INFER_SCHEMA_ROWS as i64 + 10;
        let late = rows.clone().map(|i| (i >= 10_000).then_some(i - 9_999)).collect();
        let n = rows.clone().map(|i| (i % 4 != 1).then_some(i)).collect();
        let x = rows.clone().map(|i| (i % 5 != 2).then_some(i as f64 / 4.0)).collect();
        let t = rows
            .clone()
            .map(|i| (i % 3 != 0).then_some(["north", "south"][(i % 2) as usize]))
            .collect();
        let d = rows
            .clone()
            .map(|i| (i % 7 != 3).then(|| format!("2023-{:02}-{:02}", i % 12 + 1, i % 28 + 1)))
            .collect();
        let flag = rows.clone().map(|i| (i % 6 != 5).then_some(i % 2 == 0)).collect();
        let dash = rows.map(|i| if i % 2 == 0 { "-" } else { "12" }).collect();
        Self {
            late,
            n,
            x,
            t,
            d,
            flag,
            dash,
        }
    }

    fn frame(&self) -> DataFrame {
        df!(
            "late" => &self.late,
            "n" => &self.n,
            "x" => &self.x,
            "t" => &self.t,
            "d" => &self.d,
            "flag" => &self.flag,
            "dash" => &self.dash,
        )
        .expect("frame")
    }

    /// CSV, each missing value written as the next of the markers in turn.
    fn csv(&self) -> String {
        let mut next = 0;
        let mut marker = || {
            next += 1;
            sextant_dataset::missing::MARKERS[next % sextant_dataset::missing::MARKERS.len()].to_owned()
        };
        let mut text = String::from("late,n,x,t,d,flag,dash\n");
        for i in 0..self.late.len() {
            let cells = [
                self.late[i].map(|v| v.to_string()),
                self.n[i].map(|v| v.to_string()),
                self.x[i].map(|v| v.to_string()),
                self.t[i].map(str::to_owned),
                self.d[i].clone(),
                self.flag[i].map(|v| v.to_string()),
                Some(self.dash[i].to_owned()),
            ];
            let cells: Vec<String> = cells.into_iter().map(|cell| cell.unwrap_or_else(&mut marker)).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        text
    }

    /// A JSON array of objects, missing values `null`.
    fn json(&self) -> String {
        let objects: Vec<serde_json::Value> = (0..self.late.len())
            .map(|i| {
                serde_json::json!({
                    "late": self.late[i], "n": self.n[i], "x": self.x[i], "t": self.t[i],
                    "d": self.d[i], "flag": self.flag[i], "dash": self.dash[i],
                })
            })
            .collect();
        serde_json::Value::Array(objects).to_string()
    }
}

/// `profile` without what only text has (the markers) and with its means and standard
/// deviations rounded (the batches of each format add them up in another order).
fn comparable(mut profile: Profile) -> Profile {
    for column in &mut profile.column_profiles {
        column.missing_markers.clear();
        if let Some(numeric) = &mut column.numeric {
            let round = |x: Option<f64>| x.map(|x| (x * 1e9).round() / 1e9);
            numeric.mean = round(numeric.mean);
            numeric.std = round(numeric.std);
        }
    }
    profile
}

#[test]
fn parquet_and_json_with_native_nulls_profile_like_csv_with_markers() {
    let mixed = Mixed::new();
    let (directory, csv) = written("mixed.csv", mixed.csv());
    let json = directory.path().join("mixed.json");
    std::fs::write(&json, mixed.json()).expect("json");
    let parquet = directory.path().join("mixed.parquet");
    ParquetWriter::new(std::fs::File::create(&parquet).expect("create"))
        .finish(&mut mixed.frame())
        .expect("parquet");

    let from_csv = profiled(&csv, CSV);
    let late = column(&from_csv, "late");
    assert_eq!((late.dtype.as_str(), late.null_count), ("i64", 10_000));
    assert_eq!(numbers(late), (Some(1.0), Some(10.0), Some(5.5)), "1 to 10");
    // Rows 1, 5, 9, ...: 10,010 / 4 rounded up is 2,503.
    assert_eq!(column(&from_csv, "n").null_count, 2_503);
    let marked: u64 = from_csv
        .column_profiles
        .iter()
        .map(|column| column.missing_markers.iter().map(|marker| marker.count).sum::<u64>())
        .sum();
    let missing: u64 = from_csv.column_profiles.iter().map(|column| column.null_count).sum();
    assert_eq!(marked, missing, "every missing value has its marker");
    let dtypes: Vec<&str> = from_csv.column_profiles.iter().map(|c| c.dtype.as_str()).collect();
    assert_eq!(dtypes, ["i64", "i64", "f64", "str", "date", "bool", "str"]);

    let from_csv = comparable(from_csv);
    for (path, format) in [(json, Format::Json), (parquet, Format::Parquet)] {
        let other = profiled(&path, format);
        assert!(
            other
                .column_profiles
                .iter()
                .all(|column| column.missing_markers.is_empty()),
            "{format:?} has native nulls"
        );
        let other = comparable(other);
        for (expected, actual) in from_csv.column_profiles.iter().zip(&other.column_profiles) {
            assert_eq!(expected, actual, "{format:?}");
        }
        assert_eq!(from_csv, other, "{format:?}");
    }
}

#[test]
fn a_panic_becomes_an_unreadable_dataset() {
    let result: Result<(), _> = isolate(|| panic!("index out of bounds"));
    match result {
        Err(ProfileError::Unreadable(reason)) => assert!(reason.contains("index out of bounds")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn polars_hints_are_left_out_of_the_reason() {
    assert_eq!(
        first_line("could not parse `x` as dtype `i64`\n\nYou might want to try: ..."),
        "could not parse `x` as dtype `i64`"
    );
}
