//! Specs, checks and PNGs over a small sales table.

use serde_json::{Value, json};

use super::*;
use crate::table::Column;

fn sales() -> Table {
    let column = |name: &str, kind| Column {
        name: name.into(),
        kind,
    };
    Table {
        columns: vec![
            column("region", ColumnKind::Text),
            column("month", ColumnKind::Temporal),
            column("sales", ColumnKind::Number),
            column("units", ColumnKind::Number),
            column("promo", ColumnKind::Boolean),
        ],
        rows: vec![
            vec![json!("North"), json!("2023-01-01"), json!(120.5), json!(3), json!(true)],
            vec![json!("South"), json!("2023-01-01"), json!(80.0), json!(2), json!(false)],
            vec![
                json!("North"),
                json!("2023-02-01"),
                json!(150.0),
                json!(5),
                json!(false),
            ],
            vec![json!("South"), json!("2023-02-01"), json!(95.25), json!(4), json!(true)],
            vec![json!("East"), json!("2023-03-01"), json!(60.0), json!(1), json!(false)],
            vec![json!("North"), json!("2023-03-01"), Value::Null, json!(2), json!(true)],
        ],
        truncated: false,
    }
}

fn intent(mark: Mark, x: &str, y: Option<&str>) -> ChartIntent {
    ChartIntent {
        mark,
        x: x.into(),
        y: y.map(Into::into),
        color: None,
        aggregate: None,
        sort: None,
        title: "Sales".into(),
    }
}

fn every_mark() -> Vec<(ChartIntent, &'static str)> {
    vec![
        (
            ChartIntent {
                aggregate: Some(Aggregate::Sum),
                ..intent(Mark::Bar, "region", Some("sales"))
            },
            "bar",
        ),
        (intent(Mark::Line, "month", Some("sales")), "line"),
        (intent(Mark::Point, "units", Some("sales")), "point"),
        (
            ChartIntent {
                color: Some("region".into()),
                ..intent(Mark::Area, "month", Some("sales"))
            },
            "area",
        ),
        (intent(Mark::Histogram, "sales", None), "bar"),
    ]
}

#[test]
fn specs_for_every_mark_declare_the_schema_mark_encodings_and_every_row() {
    let table = sales();
    for (intent, mark) in every_mark() {
        let spec = spec(&intent, &table).expect("spec");
        assert_eq!(spec["$schema"], "https://vega.github.io/schema/vega-lite/v6.json");
        assert_eq!(spec["mark"]["type"], mark, "{intent:?}");
        assert_eq!(spec["title"], "Sales");
        assert_eq!(spec["encoding"]["x"]["field"], intent.x.as_str());
        assert_eq!(spec["encoding"]["y"]["type"], "quantitative");
        assert!(
            spec["encoding"]["tooltip"]
                .as_array()
                .is_some_and(|tips| tips.len() >= 2)
        );
        let values = spec["data"]["values"].as_array().expect("inline values");
        assert_eq!(values.len(), table.rows.len());
        assert!(values[0].get(intent.x.as_str()).is_some());
    }
}

#[test]
fn encoding_types_follow_the_column_kinds() {
    let table = sales();
    let x_type = |intent: &ChartIntent| spec(intent, &table).expect("spec")["encoding"]["x"]["type"].clone();
    let bar = ChartIntent {
        aggregate: Some(Aggregate::Mean),
        ..intent(Mark::Bar, "region", Some("sales"))
    };
    assert_eq!(x_type(&bar), "nominal");
    assert_eq!(x_type(&intent(Mark::Line, "month", Some("sales"))), "temporal");
    assert_eq!(x_type(&intent(Mark::Point, "units", Some("sales"))), "quantitative");
    assert_eq!(x_type(&intent(Mark::Bar, "units", Some("sales"))), "ordinal");
    let bar = spec(&bar, &table).expect("spec");
    assert_eq!(bar["encoding"]["y"]["aggregate"], "mean");
    assert_eq!(bar["encoding"]["y"]["field"], "sales");
}

#[test]
fn a_histogram_bins_x_and_counts_rows() {
    let spec = spec(&intent(Mark::Histogram, "sales", None), &sales()).expect("spec");
    assert_eq!(spec["encoding"]["x"]["bin"], json!({ "maxbins": 10 }));
    assert_eq!(spec["encoding"]["y"]["aggregate"], "count");
}

#[test]
fn counting_needs_no_y_and_sorting_by_y_sorts_the_x_axis() {
    let intent = ChartIntent {
        aggregate: Some(Aggregate::Count),
        sort: Some(Sort::YDescending),
        ..intent(Mark::Bar, "region", None)
    };
    let spec = spec(&intent, &sales()).expect("spec");
    assert_eq!(spec["encoding"]["y"]["aggregate"], "count");
    assert_eq!(spec["encoding"]["x"]["sort"], "-y");
}

#[test]
fn a_color_column_adds_a_color_encoding_and_a_tooltip() {
    let intent = ChartIntent {
        color: Some("promo".into()),
        ..intent(Mark::Point, "units", Some("sales"))
    };
    let spec = spec(&intent, &sales()).expect("spec");
    assert_eq!(
        spec["encoding"]["color"],
        json!({ "field": "promo", "type": "nominal", "title": "promo" })
    );
    assert_eq!(spec["encoding"]["tooltip"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        spec["data"]["values"][0],
        json!({ "units": 3, "sales": 120.5, "promo": true })
    );
}

#[test]
fn unknown_columns_are_named_with_the_columns_there_are() {
    let error = spec(&intent(Mark::Bar, "country", Some("sales")), &sales()).expect_err("unknown x");
    assert_eq!(
        error.to_string(),
        "the x column `country` is not in the result (its columns: region, month, sales, units, promo)"
    );
    let colored = ChartIntent {
        color: Some("Region".into()),
        ..intent(Mark::Bar, "region", Some("sales"))
    };
    assert!(matches!(
        colored.check(&sales()),
        Err(ChartError::UnknownColumn { role: "color", .. })
    ));
}

#[test]
fn y_must_hold_numbers_unless_the_chart_counts() {
    let error = intent(Mark::Bar, "month", Some("region"))
        .check(&sales())
        .expect_err("text y");
    assert!(matches!(error, ChartError::WrongKind { role: "y", .. }), "{error:?}");
    assert!(error.to_string().contains("`region` holds text"), "{error}");
    let counted = ChartIntent {
        aggregate: Some(Aggregate::Count),
        ..intent(Mark::Bar, "month", Some("region"))
    };
    assert_eq!(counted.check(&sales()), Ok(()));
    assert!(matches!(
        intent(Mark::Bar, "region", None).check(&sales()),
        Err(ChartError::Incomplete(_))
    ));
}

#[test]
fn lines_need_dates_or_numbers_on_x() {
    let error = intent(Mark::Line, "region", Some("sales"))
        .check(&sales())
        .expect_err("text x");
    assert!(matches!(error, ChartError::WrongKind { role: "x", .. }), "{error:?}");
    assert_eq!(intent(Mark::Line, "units", Some("sales")).check(&sales()), Ok(()));
    assert!(intent(Mark::Area, "promo", Some("sales")).check(&sales()).is_err());
}

#[test]
fn histograms_need_numbers_on_x_and_no_y() {
    assert!(matches!(
        intent(Mark::Histogram, "month", None).check(&sales()),
        Err(ChartError::WrongKind { role: "x", .. })
    ));
    assert!(matches!(
        intent(Mark::Histogram, "sales", Some("units")).check(&sales()),
        Err(ChartError::Incomplete(_))
    ));
}

#[test]
fn intents_are_read_from_the_json_a_model_writes() {
    let intent: ChartIntent = serde_json::from_value(json!({
        "mark": "scatter",
        "x": "units",
        "y": "sales",
        "aggregate": "avg",
        "sort": "y_descending",
        "title": "Units and sales",
    }))
    .expect("intent");
    assert_eq!(intent.mark, Mark::Point);
    assert_eq!(intent.aggregate, Some(Aggregate::Mean));
    assert_eq!(intent.sort, Some(Sort::YDescending));
    assert_eq!(intent.color, None);
    let minimal: ChartIntent = serde_json::from_value(json!({ "mark": "histogram", "x": "sales" })).expect("minimal");
    assert_eq!(minimal.title, "");
    let unknown = serde_json::from_value::<ChartIntent>(json!({ "mark": "bar", "x": "a", "colour": "b" }));
    assert!(unknown.is_err());
    assert!(serde_json::from_value::<ChartIntent>(json!({ "mark": "pie", "x": "a" })).is_err());
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let word = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (word(16), word(20))
}

#[test]
fn pngs_of_every_mark_are_pngs_of_the_chart_size() {
    let table = sales();
    let keep = std::env::var_os("SEXTANT_KEEP_CHARTS").map(std::path::PathBuf::from);
    for (intent, _) in every_mark() {
        let bytes = png(&intent, &table).expect("png");
        assert_eq!(png_size(&bytes), (WIDTH, HEIGHT), "{intent:?}");
        if let Some(directory) = &keep {
            let name = format!("{:?}.png", intent.mark).to_lowercase();
            std::fs::write(directory.join(name), &bytes).expect("keep the chart");
        }
    }
}

/// The RGB pixels of a PNG, its palette applied, and its colour type.
fn decoded(bytes: &[u8]) -> (Vec<u8>, ::png::ColorType) {
    let mut decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(::png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let frame = reader.next_frame(&mut pixels).expect("its pixels");
    pixels.truncate(frame.buffer_size());
    (pixels, reader.info().color_type)
}

#[test]
fn pixels_of_256_colours_or_fewer_get_a_palette_and_any_others_are_rgb_both_exactly() {
    let (width, height) = (WIDTH as usize, HEIGHT as usize);
    let few: Vec<u8> = (0..width * height)
        .flat_map(|pixel| [u8::try_from(pixel % 256).expect("a byte"), 7, 9])
        .collect();
    let many: Vec<u8> = (0..width * height)
        .flat_map(|pixel| {
            [
                u8::try_from(pixel % 256).expect("a byte"),
                u8::from(pixel % 512 >= 256),
                9,
            ]
        })
        .collect();
    for (pixels, kind) in [(few, ::png::ColorType::Indexed), (many, ::png::ColorType::Rgb)] {
        let (back, stored) = decoded(&plot::encode(&pixels).expect("png"));
        assert_eq!(stored, kind);
        assert!(back == pixels, "the pixels come back as they were ({kind:?})");
    }
}

#[test]
fn a_bar_chart_is_stored_with_a_palette() {
    let (pixels, kind) = decoded(&png(&intent(Mark::Bar, "region", Some("sales")), &sales()).expect("png"));
    assert_eq!(kind, ::png::ColorType::Indexed);
    assert_eq!(pixels.len(), WIDTH as usize * HEIGHT as usize * 3);
    assert!(
        pixels.chunks_exact(3).any(|pixel| pixel != [0xff; 3]),
        "something is drawn"
    );
}

#[test]
fn a_png_is_refused_like_a_spec_when_the_intent_does_not_fit() {
    assert!(matches!(
        png(&intent(Mark::Line, "region", Some("sales")), &sales()),
        Err(ChartError::WrongKind { .. })
    ));
}

#[test]
fn an_empty_result_still_draws() {
    let mut table = sales();
    table.rows.clear();
    let bytes = png(&intent(Mark::Bar, "region", Some("sales")), &table).expect("png");
    assert_eq!(png_size(&bytes), (WIDTH, HEIGHT));
}

fn prepared(intent: &ChartIntent) -> series::Prepared {
    let table = sales();
    let channels = intent.channels(&table).expect("channels");
    series::prepare(intent, &table, channels)
}

#[test]
fn bars_combine_rows_per_category_and_sort_by_y() {
    let intent = ChartIntent {
        aggregate: Some(Aggregate::Sum),
        sort: Some(Sort::YDescending),
        ..intent(Mark::Bar, "region", Some("sales"))
    };
    let prepared = prepared(&intent);
    assert_eq!(
        prepared.x_axis,
        series::XAxis::Categories(vec!["North".into(), "South".into(), "East".into()])
    );
    match prepared.layers {
        series::Layers::Bars { values, .. } => assert_eq!(values, [vec![270.5, 175.25, 60.0]]),
        other => panic!("not bars: {other:?}"),
    }
    assert_eq!(prepared.y_title, "sum of sales");
}

#[test]
fn coloured_bars_stack_one_series_per_colour() {
    let intent = ChartIntent {
        color: Some("promo".into()),
        aggregate: Some(Aggregate::Count),
        ..intent(Mark::Bar, "region", None)
    };
    let prepared = prepared(&intent);
    assert_eq!(prepared.names, [Some("false".into()), Some("true".into())]);
    match prepared.layers {
        // East, North, South: without promo 1, 1, 1; with promo 0, 2, 1.
        series::Layers::Bars { values, .. } => assert_eq!(values, [vec![1.0, 1.0, 1.0], vec![0.0, 2.0, 1.0]]),
        other => panic!("not bars: {other:?}"),
    }
}

#[test]
fn lines_over_dates_aggregate_per_date_in_time_order() {
    let intent = ChartIntent {
        aggregate: Some(Aggregate::Max),
        ..intent(Mark::Line, "month", Some("sales"))
    };
    let prepared = prepared(&intent);
    assert_eq!(prepared.x_axis, series::XAxis::Dates { with_time: false });
    let day = |text| series::seconds(text).expect("date").0;
    match prepared.layers {
        series::Layers::Lines(lines) => assert_eq!(
            lines,
            [vec![
                (day("2023-01-01"), 120.5),
                (day("2023-02-01"), 150.0),
                (day("2023-03-01"), 60.0)
            ]]
        ),
        other => panic!("not lines: {other:?}"),
    }
}

#[test]
fn histograms_count_rows_in_nice_bins() {
    let prepared = prepared(&intent(Mark::Histogram, "sales", None));
    match prepared.layers {
        series::Layers::Bars { slots, values } => {
            // 60 .. 150 in steps of 10; the largest value falls in the last bin.
            assert_eq!(slots.first(), Some(&(60.0, 70.0)));
            assert_eq!(slots.last(), Some(&(140.0, 150.0)));
            assert_eq!(values[0].iter().sum::<f64>(), 5.0);
            assert_eq!(values[0][8], 1.0);
        }
        other => panic!("not bars: {other:?}"),
    }
    assert_eq!(series::bins([5.0, 5.0].into_iter()), [(5.0, 6.0)]);
    assert!(series::bins(std::iter::empty()).is_empty());
}

#[test]
fn iso_dates_and_datetimes_become_seconds() {
    assert_eq!(series::seconds("1970-01-02"), Some((86_400.0, false)));
    assert_eq!(series::seconds("1970-01-01T00:01:00.5"), Some((60.5, true)));
    assert_eq!(series::seconds("1970-01-01T00:00:01Z"), Some((1.0, true)));
    assert_eq!(series::seconds("January"), None);
}

#[test]
fn many_coloured_categories_draw_with_a_legend() {
    let mut table = sales();
    for n in 0..30 {
        table.rows.push(vec![
            json!(format!("Region with a long name {n}")),
            json!("2023-04-01"),
            json!(f64::from(n) * 3.5),
            json!(n),
            json!(n % 3 == 0),
        ]);
    }
    let intent = ChartIntent {
        color: Some("promo".into()),
        aggregate: Some(Aggregate::Sum),
        sort: Some(Sort::YDescending),
        ..intent(Mark::Bar, "region", Some("sales"))
    };
    let bytes = png(&intent, &table).expect("png");
    assert_eq!(png_size(&bytes), (WIDTH, HEIGHT));
    if let Some(directory) = std::env::var_os("SEXTANT_KEEP_CHARTS") {
        std::fs::write(std::path::Path::new(&directory).join("stacked.png"), &bytes).expect("keep");
    }
}
