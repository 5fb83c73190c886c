use super::super::ColumnProfile;
use super::*;

/// 300 rows: `id` all distinct, `kind` a, b, c in turn, `n` 0 to 299.
fn frame() -> DataFrame {
    let ids: Vec<String> = (0..300).map(|i| format!("id-{i}")).collect();
    let kinds: Vec<&str> = (0..300).map(|i| ["a", "b", "c"][i % 3]).collect();
    let numbers: Vec<i64> = (0..300).collect();
    df!("id" => ids, "kind" => kinds, "n" => numbers).expect("frame")
}

/// The profile of `frame` read in batches of `size` rows.
fn profile_in_batches(frame: &DataFrame, scale: Scale, size: usize) -> Profile {
    let head = frame.head(Some(HEAD_ROWS as usize));
    let mut profiler = Profiler::new(frame.schema(), &head, scale).expect("profiler");
    for start in (0..frame.height()).step_by(size) {
        profiler.add(&frame.slice(start as i64, size)).expect("batch");
    }
    profiler.finish(&head).expect("profile")
}

fn column<'a>(profile: &'a Profile, name: &str) -> &'a ColumnProfile {
    profile.column_profiles.iter().find(|c| c.name == name).expect(name)
}

const SMALL: Scale = Scale {
    exact: true,
    estimated_rows: 300,
};

/// As if 3 million rows: every third row is sampled for the percentiles.
const LARGE: Scale = Scale {
    exact: false,
    estimated_rows: 3_000_000,
};

#[test]
fn a_small_dataset_is_exact() {
    let profile = profile_in_batches(&frame(), SMALL, 300);
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
fn batches_give_the_profile_of_the_whole() {
    for scale in [SMALL, LARGE] {
        let whole = profile_in_batches(&frame(), scale, 300);
        for size in [1, 7, 128] {
            let batched = profile_in_batches(&frame(), scale, size);
            assert_eq!(batched.rows, 300);
            for (expected, actual) in whole.column_profiles.iter().zip(&batched.column_profiles) {
                let mut actual = actual.clone();
                if let (Some(expected), Some(actual)) = (&expected.numeric, &mut actual.numeric) {
                    let close = |a: Option<f64>, b: Option<f64>| (a.unwrap_or(0.0) - b.unwrap_or(0.0)).abs() < 1e-9;
                    assert!(close(expected.mean, actual.mean) && close(expected.std, actual.std));
                    (actual.mean, actual.std) = (expected.mean, expected.std);
                }
                assert_eq!(expected, &actual, "batches of {size}, exact: {}", scale.exact);
            }
        }
    }
}

#[test]
fn a_large_dataset_estimates_and_samples() {
    let profile = profile_in_batches(&frame(), LARGE, 64);
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

#[test]
fn a_large_dataset_gives_up_top_values_of_too_many_distinct_values() {
    // Repeated, so that the first rows do not look like identifiers.
    let names: Vec<String> = (0..2 * (TOP_VALUES_MAX_DISTINCT + 1))
        .map(|i| format!("name-{}", i / 2))
        .collect();
    let frame = df!("name" => names).expect("frame");
    let name = |scale| {
        column(&profile_in_batches(&frame, scale, 50_000), "name")
            .top_values
            .len()
    };
    assert_eq!(name(LARGE), 0);
    assert_eq!(name(SMALL), TOP_VALUES, "a small dataset counts them all");
}

#[test]
fn a_fraction_of_a_second_after_the_first_batch_widens_the_format() {
    let stamps = [
        Some("2023-01-31 08:00:00"),
        None,
        Some("2023-02-01 09:30:00.250"),
        Some("2023-01-15 00:00:00"),
    ];
    let frame = df!("at" => stamps).expect("frame");
    let head = frame.head(Some(2));
    let mut profiler = Profiler::new(frame.schema(), &head, SMALL).expect("profiler");
    for start in 0..4 {
        profiler.add(&frame.slice(start, 1)).expect("batch");
    }
    let at = profiler.finish(&head).expect("profile").column_profiles.remove(0);
    let range = at.date_range.expect("a date-time column");
    assert_eq!(
        (at.dtype.as_str(), at.null_count),
        ("datetime", 1),
        "every value parses in the wider format"
    );
    assert_eq!(
        (range.min.as_str(), range.max.as_str(), range.format.as_str()),
        ("2023-01-15T00:00:00", "2023-02-01T09:30:00.250", "%Y-%m-%d %H:%M:%S%.f")
    );
}

#[test]
fn text_that_stops_being_dates_is_text() {
    let frame = df!("day" => ["2023-01-31", "2023-02-01", "soon"]).expect("frame");
    let head = frame.head(Some(2));
    let mut profiler = Profiler::new(frame.schema(), &head, SMALL).expect("profiler");
    profiler.add(&frame.slice(0, 2)).expect("batch");
    profiler.add(&frame.slice(2, 1)).expect("batch");
    let day = profiler.finish(&head).expect("profile").column_profiles.remove(0);
    assert_eq!(
        (day.dtype.as_str(), day.date_range, day.top_values.len()),
        ("str", None, 3)
    );
}

#[test]
fn a_dataset_without_batches_has_no_rows() {
    let frame = frame().clear();
    let profiler = Profiler::new(frame.schema(), &frame, SMALL).expect("profiler");
    let profile = profiler.finish(&frame).expect("profile");
    assert_eq!((profile.rows, profile.columns), (0, 3));
    assert!(
        profile
            .column_profiles
            .iter()
            .all(|c| c.unique_count == 0 && c.null_count == 0)
    );
}
