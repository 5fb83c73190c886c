//! Questions read with what the columns hold: filters bound to the column whose values
//! hold a word, numbers that are a column's values, groups of a number column, the label
//! of a row, units, and what the analyst refuses rather than answering about another
//! column. Each asserts the intent (or the refusal), not the wording.

use super::columns::Columns;
use super::intent::{Cmp, Filter, Func, Measure, Order, Shape};
use super::parse::{Unmatched, parse};
use super::{Intent, follow};
use crate::table::{Column, ColumnKind};
use crate::values::{ColumnValues, Values};
use serde_json::json;

/// Penguins as R exports them, with what their columns hold (four penguins a species).
fn penguins() -> Columns {
    let schema: Vec<Column> = [
        ("species", ColumnKind::Text),
        ("island", ColumnKind::Text),
        ("bill_length_mm", ColumnKind::Number),
        ("body_mass_g", ColumnKind::Number),
        ("sex", ColumnKind::Text),
        ("year", ColumnKind::Number),
    ]
    .iter()
    .map(|(name, kind)| Column {
        name: (*name).into(),
        kind: *kind,
    })
    .collect();
    let listed = |name: &str, distinct: u64, listed: Vec<serde_json::Value>| ColumnValues {
        name: name.into(),
        distinct,
        listed,
    };
    let values = Values {
        rows: 344,
        columns: vec![
            listed("species", 3, vec![json!("Adelie"), json!("Chinstrap"), json!("Gentoo")]),
            listed("island", 3, vec![json!("Biscoe"), json!("Dream"), json!("Torgersen")]),
            listed("bill_length_mm", 165, Vec::new()),
            listed("body_mass_g", 95, Vec::new()),
            listed("sex", 3, vec![json!("female"), json!("male")]),
            listed("year", 3, vec![json!(2007), json!(2008), json!(2009)]),
        ],
    };
    Columns::new(&schema).with_values(&values)
}

/// The intent of `question` over `columns`, which must be understood.
fn intent_over(columns: &Columns, question: &str) -> Intent {
    let parsed = parse(question, columns);
    assert!(parsed.unmatched.is_empty(), "{question}: {:?}", parsed.unmatched);
    follow::resolve(&parsed, None, columns).unwrap_or_else(|| panic!("not understood: {question}"))
}

fn read(question: &str) -> Intent {
    intent_over(&penguins(), question)
}

fn refused(question: &str) -> Vec<Unmatched> {
    let parsed = parse(question, &penguins());
    assert!(
        !parsed.unmatched.is_empty(),
        "{question} was answered: {:?}",
        parsed.shape
    );
    parsed.unmatched
}

fn is(column: &str, value: &str) -> Filter {
    Filter::Is {
        columns: vec![column.into()],
        values: vec![value.into()],
        negated: false,
    }
}

#[test]
fn words_that_are_values_filter_the_column_that_holds_them() {
    let intent = read("how many female Gentoo penguins are there?");
    assert_eq!(intent.filters, [is("sex", "female"), is("species", "Gentoo")]);
    assert!(matches!(intent.shape, Shape::Aggregate { ref measure, .. } if *measure == Measure::rows()));
    // A plural, and a value named after its column.
    let intent = read("average bill length of gentoos on the island of Biscoe");
    assert_eq!(intent.filters, [is("species", "Gentoo"), is("island", "Biscoe")]);
}

#[test]
fn a_capitalised_word_that_no_column_holds_is_refused_not_looked_for_everywhere() {
    assert_eq!(
        refused("How many penguins live on Mars?"),
        [Unmatched::Value("Mars".into())]
    );
}

#[test]
fn numbers_next_to_a_column_of_few_values_and_years_filter_it() {
    let equal = |column: &str, value: f64| Filter::Compare {
        column: column.into(),
        cmp: Cmp::Equal,
        value,
    };
    assert_eq!(
        read("how many penguins were measured in 2008?").filters,
        [equal("year", 2008.0)]
    );
    assert_eq!(read("average body mass for year 2009").filters, [equal("year", 2009.0)]);
    assert!(matches!(
        &read("how many penguins between 2007 and 2008").filters[..],
        [Filter::Between { column, low, high }] if column == "year" && *low == 2007.0 && *high == 2008.0
    ));
}

#[test]
fn counts_each_year_are_grouped_by_a_number_column_of_few_values() {
    let intent = read("How many penguins were observed each year?");
    assert!(matches!(
        intent.shape,
        Shape::Aggregate { ref group, ref measure, .. } if group.as_deref() == Some("year") && *measure == Measure::rows()
    ));
}

#[test]
fn which_row_has_the_highest_value_names_the_row() {
    assert!(matches!(
        read("which penguin is the heaviest?").shape,
        Shape::Rows { by: Some(ref by), ascending: false, limit: Some(1), .. } if by == "body_mass_g"
    ));
    // A column that groups: the group with the highest average.
    assert!(matches!(
        read("Which species has the heaviest penguins?").shape,
        Shape::Aggregate {
            ref group,
            measure: Measure { func: Func::Avg, .. },
            order: Order::Descending,
            limit: Some(1),
        } if group.as_deref() == Some("species")
    ));
}

#[test]
fn units_in_a_question_are_converted_to_the_columns() {
    assert!(matches!(
        &read("how many penguins weigh more than 4.5 kg?").filters[..],
        [Filter::Compare { column, cmp: Cmp::Above, value }] if column == "body_mass_g" && *value == 4500.0
    ));
    assert!(matches!(
        &read("show me penguins heavier than 5 kilograms").filters[..],
        [Filter::Compare { column, cmp: Cmp::Above, value }] if column == "body_mass_g" && *value == 5000.0
    ));
}

#[test]
fn a_measure_that_no_column_holds_is_refused_with_its_words() {
    assert_eq!(
        refused("what's the average wingspan?"),
        [Unmatched::Column("wingspan".into())]
    );
    assert_eq!(
        refused("which penguin is the tallest?"),
        [Unmatched::Column("height or tall".into())]
    );
    assert!(
        matches!(&refused("the 90th percentile of body mass")[..], [Unmatched::Operation(word)] if word == "percentile")
    );
}

#[test]
fn missing_values_said_in_other_words_are_missing() {
    for question in [
        "how many penguins don't have a recorded sex?",
        "how many penguins have no known sex",
        "count the rows where sex is not recorded",
    ] {
        assert_eq!(
            read(question).filters,
            [Filter::Missing {
                column: "sex".into(),
                negated: false
            }],
            "{question}"
        );
    }
}

#[test]
fn how_many_of_a_text_column_counts_its_distinct_values() {
    assert!(matches!(
        read("how many species are there?").shape,
        Shape::Aggregate { measure: Measure { func: Func::CountDistinct, ref column }, .. } if column.as_deref() == Some("species")
    ));
}

/// A survey as MASS writes it: R's row names without a header, short names with dots.
fn survey() -> Columns {
    let kinds = [
        ("", ColumnKind::Text),
        ("Sex", ColumnKind::Text),
        ("Wr.Hnd", ColumnKind::Number),
        ("W.Hnd", ColumnKind::Text),
        ("Clap", ColumnKind::Text),
        ("Smoke", ColumnKind::Text),
        ("Pulse", ColumnKind::Number),
    ];
    let schema: Vec<Column> = kinds
        .iter()
        .map(|(name, kind)| Column {
            name: (*name).into(),
            kind: *kind,
        })
        .collect();
    let listed = |name: &str, values: &[&str]| ColumnValues {
        name: name.into(),
        distinct: values.len() as u64,
        listed: values.iter().map(|value| json!(value)).collect(),
    };
    let values = Values {
        rows: 237,
        columns: vec![
            ColumnValues {
                name: String::new(),
                distinct: 237,
                listed: Vec::new(),
            },
            listed("Sex", &["Female", "Male"]),
            listed("W.Hnd", &["Left", "Right"]),
            listed("Clap", &["Left", "Neither", "Right"]),
            listed("Smoke", &["Heavy", "Never", "Occas", "Regul"]),
        ],
    };
    Columns::new(&schema).with_values(&values)
}

fn read_survey(question: &str) -> Intent {
    intent_over(&survey(), question)
}

#[test]
fn a_value_is_bound_to_the_column_named_next_to_it_even_abbreviated() {
    // `handed` is `Hnd`, in a word joined by a hyphen; `clap with the left` is `Clap`.
    assert_eq!(
        read_survey("how many students are left-handed?").filters,
        [is("W.Hnd", "Left")]
    );
    assert_eq!(
        read_survey("how many students clap with the left hand?").filters,
        [is("Clap", "Left")]
    );
    // Two values of two columns joined by `and` are two conditions.
    assert_eq!(
        read_survey("how many are female and never smoke?").filters,
        [is("Sex", "Female"), is("Smoke", "Never")]
    );
}

#[test]
fn a_value_of_several_columns_none_named_is_refused_with_the_columns() {
    let parsed = parse("how many said left?", &survey());
    assert_eq!(
        parsed.unmatched,
        [Unmatched::Ambiguous("Left".into(), vec!["W.Hnd".into(), "Clap".into()])]
    );
}

#[test]
fn other_forms_of_a_name_and_title_case_are_read() {
    assert!(matches!(
        read_survey("which smoking group has the highest average pulse?").shape,
        Shape::Aggregate { ref group, .. } if group.as_deref() == Some("Smoke")
    ));
    let intent = read_survey("What's The Average Pulse Of Students?");
    assert!(intent.filters.is_empty(), "{:?}", intent.filters);
}

#[test]
fn per_noun_groups_by_row_names_when_the_rows_have_them() {
    assert!(matches!(
        read_survey("show me the pulse per student").shape,
        Shape::Aggregate { ref group, .. } if group.as_deref() == Some("")
    ));
}

/// Columns of the given kinds, with the listed values of its text columns.
fn table(kinds: &[(&str, ColumnKind)], rows: u64, text: &[(&str, &[&str])]) -> Columns {
    let schema: Vec<Column> = kinds
        .iter()
        .map(|(name, kind)| Column {
            name: (*name).into(),
            kind: *kind,
        })
        .collect();
    let values = Values {
        rows,
        columns: text
            .iter()
            .map(|(name, values)| ColumnValues {
                name: (*name).into(),
                distinct: values.len() as u64,
                listed: values.iter().map(|value| json!(value)).collect(),
            })
            .collect(),
    };
    Columns::new(&schema).with_values(&values)
}

#[test]
fn weather_and_cars_are_read_with_their_values_and_names_in_any_order() {
    let weather = table(
        &[
            ("date", ColumnKind::Temporal),
            ("precipitation", ColumnKind::Number),
            ("temp_max", ColumnKind::Number),
            ("temp_min", ColumnKind::Number),
            ("wind", ColumnKind::Number),
            ("weather", ColumnKind::Text),
        ],
        1461,
        &[("weather", &["drizzle", "fog", "rain", "snow", "sun"])],
    );
    let intent = intent_over(&weather, "how many days had rain as the weather");
    assert_eq!(intent.filters, [is("weather", "rain")]);
    let intent = intent_over(&weather, "average min temperature on days of snow");
    assert_eq!(intent.filters, [is("weather", "snow")]);
    assert!(matches!(
        intent.shape,
        Shape::Aggregate { measure: Measure { func: Func::Avg, ref column }, .. } if column.as_deref() == Some("temp_min")
    ));
    let cars = table(
        &[
            ("Name", ColumnKind::Text),
            ("Miles_per_Gallon", ColumnKind::Number),
            ("Cylinders", ColumnKind::Number),
            ("Origin", ColumnKind::Text),
        ],
        406,
        &[("Origin", &["Europe", "Japan", "USA"])],
    );
    let intent = intent_over(&cars, "average mpg of European cars");
    assert_eq!(intent.filters, [is("Origin", "Europe")]);
    assert!(matches!(
        intent.shape,
        Shape::Aggregate { measure: Measure { ref column, .. }, .. } if column.as_deref() == Some("Miles_per_Gallon")
    ));
}

#[test]
fn words_an_answer_would_leave_out_are_refused() {
    let cars = table(
        &[
            ("model", ColumnKind::Text),
            ("cyl", ColumnKind::Number),
            ("drv", ColumnKind::Text),
            ("hwy", ColumnKind::Number),
        ],
        234,
        &[("drv", &["4", "f", "r"])],
    );
    // `front wheel` names none of the values of `drv`; `unemployment rate` no column.
    for question in [
        "How many cars are front-wheel drive?",
        "What is the unemployment rate of cars with 4 cyl?",
    ] {
        let parsed = parse(question, &cars);
        assert!(
            matches!(&parsed.unmatched[..], [Unmatched::Column(_)]),
            "{question}: {:?}",
            parsed.unmatched
        );
    }
    // A condition on a number no column holds is refused, not dropped.
    assert!(matches!(
        &parse("how many cars are heavier than 2 tons", &cars).unmatched[..],
        [Unmatched::Column(_)]
    ));
}

#[test]
fn the_average_number_of_a_count_column_averages_it_and_the_most_common_values_are_counted() {
    let quakes = table(
        &[
            ("depth", ColumnKind::Number),
            ("mag", ColumnKind::Number),
            ("stations", ColumnKind::Number),
        ],
        1000,
        &[],
    );
    assert!(matches!(
        intent_over(&quakes, "average number of stations reporting").shape,
        Shape::Aggregate { measure: Measure { func: Func::Avg, ref column }, .. } if column.as_deref() == Some("stations")
    ));
    let penguins = penguins();
    assert!(matches!(
        intent_over(&penguins, "show me the 2 most common species").shape,
        Shape::Aggregate { ref measure, ref group, limit: Some(2), order: Order::Descending }
            if *measure == Measure::rows() && group.as_deref() == Some("species")
    ));
}
