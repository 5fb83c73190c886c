//! Profiles against numbers worked out by hand (in the comments), on small datasets in
//! every supported format and with the awkward parts of real files.

use polars::prelude::*;
use sextant_proto::file::v1 as pb;
use tonic::Code;

use crate::harness::{TestApp, assert_status};

/// A CSV with a UTF-8 BOM, a unicode header, nulls, dates, a mixed-type column, and
/// quoted fields with embedded delimiters and newlines.
const SALES: &str = "\u{feff}région,amount,day,note,code\n\
    North,10.5,2023-01-05,\"Smith, J\",1\n\
    South,,2023-02-11,\"line one\nline two\",x\n\
    North,4.5,2023-03-20,plain,3\n\
    East,3,,plain,4\n";

fn column<'a>(profile: &'a pb::Profile, name: &str) -> &'a pb::ColumnProfile {
    profile
        .column_profiles
        .iter()
        .find(|column| column.name == name)
        .unwrap_or_else(|| panic!("no column {name:?} in {profile:?}"))
}

fn top(column: &pb::ColumnProfile) -> Vec<(&str, u64)> {
    column
        .top_values
        .iter()
        .map(|top| (top.value.as_str(), top.count))
        .collect()
}

fn markers(column: &pb::ColumnProfile) -> Vec<(&str, u64)> {
    column
        .missing_markers
        .iter()
        .map(|marker| (marker.marker.as_str(), marker.count))
        .collect()
}

#[track_caller]
fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9, "expected {expected}, got {actual}");
}

async fn profile_of(app: &TestApp, token: &str, name: &str, bytes: impl AsRef<[u8]>) -> (pb::File, pb::Profile) {
    app.upload(token, name, bytes)
        .await
        .unwrap_or_else(|status| panic!("upload {name}: {status:?}"));
    let response = app.profile(token, name).await.expect("profile");
    (response.file.expect("file"), response.profile.expect("profile"))
}

#[tokio::test]
async fn a_csv_profile_matches_hand_computed_statistics() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("sales@example.com").await;
    let (file, profile) = profile_of(&app, &token, "sales.csv", SALES).await;

    assert_eq!((file.format.as_str(), file.rows, file.columns), ("csv", 4, 5));
    assert_eq!((profile.rows, profile.columns), (4, 5));
    let names: Vec<&str> = profile.column_profiles.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["région", "amount", "day", "note", "code"],
        "BOM stripped, unicode kept"
    );

    let region = column(&profile, "région");
    assert_eq!(
        (region.dtype.as_str(), region.null_count, region.unique_count),
        ("str", 0, 3)
    );
    assert!(!region.unique_approximate);
    assert_eq!(top(region), [("North", 2), ("East", 1), ("South", 1)], "ties by value");

    // amount: 10.5, 4.5, 3 and a null. mean 6; deviations 4.5, -1.5, -3; squares sum
    // to 31.5; sample variance 15.75. Sorted 3, 4.5, 10.5: p25 at rank 0.5 is 3.75,
    // p50 4.5, p75 at rank 1.5 is 7.5.
    let amount = column(&profile, "amount");
    assert_eq!(
        (amount.dtype.as_str(), amount.null_count, amount.unique_count),
        ("f64", 1, 3)
    );
    assert_eq!(markers(amount), [("", 1)], "the empty field");
    let stats = amount.numeric.as_ref().expect("numeric");
    close(stats.min, 3.0);
    close(stats.max, 10.5);
    close(stats.mean, 6.0);
    close(stats.std, 15.75_f64.sqrt());
    close(stats.p25, 3.75);
    close(stats.p50, 4.5);
    close(stats.p75, 7.5);
    assert!(!stats.quantiles_approximate);
    assert!(amount.top_values.is_empty());

    let day = column(&profile, "day");
    assert_eq!((day.dtype.as_str(), day.null_count, day.unique_count), ("date", 1, 3));
    let range = day.date_range.as_ref().expect("date range");
    assert_eq!(
        (range.min.as_str(), range.max.as_str(), range.format.as_str()),
        ("2023-01-05", "2023-03-20", "%Y-%m-%d")
    );

    // The quoted comma and the quoted newline stay inside their fields.
    let note = column(&profile, "note");
    assert_eq!(note.unique_count, 3);
    assert_eq!(top(note), [("plain", 2), ("Smith, J", 1), ("line one\nline two", 1)]);

    // Numbers and text in one column: text.
    let code = column(&profile, "code");
    assert_eq!((code.dtype.as_str(), code.unique_count), ("str", 4));
    assert!(code.numeric.is_none());

    let first = &profile.sample_rows[0].values;
    assert_eq!(profile.sample_rows.len(), 4);
    assert_eq!(first.len(), 5);
    assert_eq!(first[0].kind, Some(prost_kind_string("North")));
    assert_eq!(first[1].kind, Some(prost_types::value::Kind::NumberValue(10.5)));
    let second = &profile.sample_rows[1].values;
    assert_eq!(second[1].kind, Some(prost_types::value::Kind::NullValue(0)));
    assert_eq!(second[3].kind, Some(prost_kind_string("line one\nline two")));

    assert_eq!(
        file.summary,
        "The dataset has **4 rows** and **5 columns**.\n\
         It contains the following features:\n\
         - **région**: `str` — 3 unique, top: \"North\" (2), \"East\" (1), \"South\" (1)\n\
         - **amount**: `f64` — 1 missing (empty), 3 unique, min 3, max 10.5, mean 6\n\
         - **day**: `date` — 1 missing (empty), 3 unique, from 2023-01-05 to 2023-03-20\n\
         - **note**: `str` — 3 unique, top: \"plain\" (2), \"Smith, J\" (1), \"line one\\nline two\" (1)\n\
         - **code**: `str` — 4 unique, top: \"1\" (1), \"3\" (1), \"4\" (1)"
    );
}

fn prost_kind_string(text: &str) -> prost_types::value::Kind {
    prost_types::value::Kind::StringValue(text.into())
}

#[tokio::test]
async fn dates_in_common_formats_are_recognised() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("dates@example.com").await;
    let csv = "iso,eu,us,slashed,dotted,ambiguous,stamp,spaced,notdate\n\
        2023-01-31,31/01/2023,01/31/2023,2023/01/31,31.01.2023,01/02/2023,2023-01-31T08:30:00,2023-01-31 08:30,2023-13-45\n\
        2023-12-01,01/12/2023,12/01/2023,2023/12/01,01.12.2023,03/04/2023,2023-12-01T17:00:00.250,2023-12-01 17:00,hello\n\
        ,,,,,,,,\n";
    let (_, profile) = profile_of(&app, &token, "dates.csv", csv).await;
    let expect = |name: &str, dtype: &str, min: &str, max: &str, format: &str| {
        let column = column(&profile, name);
        let range = column
            .date_range
            .as_ref()
            .unwrap_or_else(|| panic!("{name} is a date: {column:?}"));
        assert_eq!(
            (
                column.dtype.as_str(),
                range.min.as_str(),
                range.max.as_str(),
                range.format.as_str()
            ),
            (dtype, min, max, format),
            "{name}"
        );
        assert_eq!(column.null_count, 1, "{name}");
    };
    expect("iso", "date", "2023-01-31", "2023-12-01", "%Y-%m-%d");
    // 31/01 cannot be month/day, so day/month.
    expect("eu", "date", "2023-01-31", "2023-12-01", "%d/%m/%Y");
    // 01/31 cannot be day/month, so month/day.
    expect("us", "date", "2023-01-31", "2023-12-01", "%m/%d/%Y");
    expect("slashed", "date", "2023-01-31", "2023-12-01", "%Y/%m/%d");
    expect("dotted", "date", "2023-01-31", "2023-12-01", "%d.%m.%Y");
    // Both readings fit: day/month comes first.
    expect("ambiguous", "date", "2023-02-01", "2023-04-03", "%d/%m/%Y");
    expect(
        "stamp",
        "datetime",
        "2023-01-31T08:30:00",
        "2023-12-01T17:00:00.250",
        "%Y-%m-%dT%H:%M:%S%.f",
    );
    expect(
        "spaced",
        "datetime",
        "2023-01-31T08:30:00",
        "2023-12-01T17:00:00",
        "%Y-%m-%d %H:%M",
    );
    let notdate = column(&profile, "notdate");
    assert_eq!(notdate.dtype, "str");
    assert!(notdate.date_range.is_none());
    assert_eq!(top(notdate), [("2023-13-45", 1), ("hello", 1)]);
}

#[tokio::test]
async fn semicolon_tab_and_pipe_delimiters_are_sniffed() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("delimiters@example.com").await;
    for (name, text, format) in [
        ("semicolon.csv", "a;b\n1;x\n2;\"y;z\"\n3;x\n", "csv"),
        ("tab.csv", "a\tb\n1\tx\n2\ty;z\n3\tx\n", "csv"),
        ("tab.tsv", "a\tb\n1\tx\n2\ty;z\n3\tx\n", "tsv"),
        ("pipe.csv", "a|b\n1|x\n2|y;z\n3|x\n", "csv"),
        ("pipe-without-extension", "a|b\n1|x\n2|y;z\n3|x\n", "csv"),
    ] {
        let (file, profile) = profile_of(&app, &token, name, text).await;
        assert_eq!(
            (file.format.as_str(), profile.rows, profile.columns),
            (format, 3, 2),
            "{name}"
        );
        let a = column(&profile, "a").numeric.as_ref().expect("numeric");
        close(a.mean, 2.0);
        close(a.std, 1.0);
        assert_eq!(top(column(&profile, "b")), [("x", 2), ("y;z", 1)], "{name}");
        assert_eq!(
            file.summary,
            "The dataset has **3 rows** and **2 columns**.\n\
             It contains the following features:\n\
             - **a**: `i64` — 3 unique, min 1, max 3, mean 2\n\
             - **b**: `str` — 2 unique, top: \"x\" (2), \"y;z\" (1)",
            "{name}"
        );
    }
}

#[tokio::test]
async fn parquet_json_and_ndjson_are_profiled_like_csv() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("formats@example.com").await;

    // 19_358 days after 1970-01-01 is 2023-01-01.
    let days = Series::new("d".into(), [Some(19_358i32), Some(19_360), None, Some(19_359)])
        .cast(&DataType::Date)
        .expect("dates");
    let mut frame = df!(
        "n" => [1i64, 2, 3, 4],
        "s" => [Some("a"), Some("b"), Some("a"), None],
    )
    .expect("frame");
    frame.with_column(days.into()).expect("date column");
    let mut parquet = Vec::new();
    ParquetWriter::new(&mut parquet)
        .finish(&mut frame)
        .expect("write parquet");
    let (file, profile) = profile_of(&app, &token, "frame.parquet", &parquet).await;
    assert_eq!((file.format.as_str(), profile.rows, profile.columns), ("parquet", 4, 3));
    // 1..4: mean 2.5, variance (2.25+0.25+0.25+2.25)/3 = 5/3; p25 at rank 0.75 is 1.75.
    let n = column(&profile, "n");
    assert_eq!((n.dtype.as_str(), n.unique_count), ("i64", 4));
    let stats = n.numeric.as_ref().expect("numeric");
    close(stats.mean, 2.5);
    close(stats.std, (5.0_f64 / 3.0).sqrt());
    close(stats.p25, 1.75);
    close(stats.p50, 2.5);
    close(stats.p75, 3.25);
    let s = column(&profile, "s");
    assert_eq!((s.null_count, s.unique_count), (1, 2));
    assert_eq!(top(s), [("a", 2), ("b", 1)]);
    let d = column(&profile, "d");
    let range = d.date_range.as_ref().expect("native dates");
    assert_eq!(
        (
            d.dtype.as_str(),
            range.min.as_str(),
            range.max.as_str(),
            range.format.as_str()
        ),
        ("date", "2023-01-01", "2023-01-03", "")
    );

    let rows = [
        r#"{"city": "Zürich", "temp": 3.5, "ok": true}"#,
        r#"{"city": "Oslo", "temp": null, "ok": false}"#,
        r#"{"city": "Zürich", "temp": -1.5, "ok": true}"#,
    ];
    let json = format!("[\n  {}\n]\n", rows.join(",\n  "));
    let ndjson = format!("{}\n", rows.join("\n"));
    for (name, bytes, format) in [("weather.json", json, "json"), ("weather.jsonl", ndjson, "ndjson")] {
        let (file, profile) = profile_of(&app, &token, name, bytes).await;
        assert_eq!(
            (file.format.as_str(), profile.rows, profile.columns),
            (format, 3, 3),
            "{name}"
        );
        assert_eq!(top(column(&profile, "city")), [("Zürich", 2), ("Oslo", 1)], "{name}");
        // 3.5 and -1.5: mean 1, sample std sqrt(12.5).
        let temp = column(&profile, "temp");
        assert_eq!((temp.dtype.as_str(), temp.null_count), ("f64", 1), "{name}");
        let stats = temp.numeric.as_ref().expect("numeric");
        close(stats.min, -1.5);
        close(stats.max, 3.5);
        close(stats.mean, 1.0);
        close(stats.std, 12.5_f64.sqrt());
        let ok = column(&profile, "ok");
        assert_eq!(
            (ok.dtype.as_str(), top(ok)),
            ("bool", vec![("true", 2), ("false", 1)]),
            "{name}"
        );
    }
}

#[tokio::test]
async fn penguins_exported_by_r_have_numeric_measurements_and_missing_sexes() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("penguins@example.com").await;
    let csv = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/penguins.csv")).expect("penguins.csv");
    let (file, profile) = profile_of(&app, &token, "penguins.csv", csv).await;
    assert_eq!((profile.rows, profile.columns), (344, 8));

    // Sums and counts of the non-NA values with Python's csv module and exact fractions
    // (`Fraction(field)` for each field other than "NA"), checked against pandas 3.1's
    // `read_csv(...).mean()`: bill_length_mm 15021.3 / 342, bill_depth_mm 5865.7 / 342,
    // flipper_length_mm 68713 / 342, body_mass_g 1437000 / 342, year 690762 / 344.
    for (name, dtype, mean, min, max) in [
        ("bill_length_mm", "f64", 15_021.3 / 342.0, 32.1, 59.6),
        ("bill_depth_mm", "f64", 5_865.7 / 342.0, 13.1, 21.5),
        ("flipper_length_mm", "i64", 68_713.0 / 342.0, 172.0, 231.0),
        ("body_mass_g", "i64", 1_437_000.0 / 342.0, 2_700.0, 6_300.0),
    ] {
        let measured = column(&profile, name);
        assert_eq!((measured.dtype.as_str(), measured.null_count), (dtype, 2), "{name}");
        assert_eq!(markers(measured), [("NA", 2)], "{name}");
        let stats = measured.numeric.as_ref().expect(name);
        close(stats.mean, mean);
        close(stats.min, min);
        close(stats.max, max);
    }
    let year = column(&profile, "year");
    assert_eq!((year.dtype.as_str(), year.null_count), ("i64", 0));
    close(year.numeric.as_ref().expect("year").mean, 690_762.0 / 344.0);

    // 168 male, 165 female, 11 NA.
    let sex = column(&profile, "sex");
    assert_eq!((sex.dtype.as_str(), sex.null_count, sex.unique_count), ("str", 11, 2));
    assert_eq!(markers(sex), [("NA", 11)]);
    assert_eq!(top(sex), [("male", 168), ("female", 165)], "NA is not a value");
    assert!(
        file.summary
            .contains("\n- **sex**: `str` — 11 missing (`NA`), 2 unique, top: \"male\" (168), \"female\" (165)\n"),
        "{}",
        file.summary
    );
}

#[tokio::test]
async fn an_empty_file_is_refused_and_a_header_only_file_has_no_rows() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("empty@example.com").await;
    let status = assert_status(
        app.upload(&token, "empty.csv", b"").await,
        Code::InvalidArgument,
        Some("unreadable_dataset"),
    );
    assert!(status.message().contains("the file is empty"), "{status:?}");

    let (file, profile) = profile_of(&app, &token, "header.csv", "id;name;price\n").await;
    assert_eq!((file.rows, file.columns), (0, 3));
    let names: Vec<&str> = profile.column_profiles.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "name", "price"]);
    assert!(profile.sample_rows.is_empty());
    assert!(
        profile
            .column_profiles
            .iter()
            .all(|c| c.null_count == 0 && c.unique_count == 0)
    );
    assert!(
        file.summary
            .starts_with("The dataset has **0 rows** and **3 columns**.")
    );
}
