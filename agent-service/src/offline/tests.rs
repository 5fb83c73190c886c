//! Questions read into intents and rules, without running them (the question bank in
//! `bank` runs them through the graph).

use super::columns::Columns;
use super::intent::{Filter, Func, Order};
use super::parse::parse;
use super::understand::{mode, split};
use super::*;
use crate::table::{Column, ColumnKind};

fn schema(columns: &[(&str, ColumnKind)]) -> Vec<Column> {
    columns
        .iter()
        .map(|(name, kind)| Column {
            name: (*name).into(),
            kind: *kind,
        })
        .collect()
}

fn sales() -> Vec<Column> {
    schema(&[
        ("order_id", ColumnKind::Number),
        ("order_date", ColumnKind::Temporal),
        ("region", ColumnKind::Text),
        ("product", ColumnKind::Text),
        ("units", ColumnKind::Number),
        ("unit_price", ColumnKind::Number),
        ("revenue", ColumnKind::Number),
    ])
}

fn read(question: &str) -> Option<Intent> {
    let columns = Columns::new(&sales());
    follow::resolve(&parse(question, &columns), None, &columns)
}

fn shape(question: &str) -> Shape {
    read(question)
        .unwrap_or_else(|| panic!("not understood: {question}"))
        .shape
}

#[test]
fn totals_by_group_rankings_and_trends_have_their_shapes() {
    assert_eq!(
        shape("What is the total revenue by region?"),
        Shape::Aggregate {
            measure: intent::Measure {
                func: Func::Sum,
                column: Some("revenue".into()),
            },
            group: Some("region".into()),
            order: Order::Label,
            limit: None,
        }
    );
    assert!(matches!(
        shape("top 5 products by revenue"),
        Shape::Aggregate { order: Order::Descending, limit: Some(5), group: Some(group), .. } if group == "product"
    ));
    assert!(matches!(
        shape("the 3 orders with the lowest revenue"),
        Shape::Rows { by: Some(by), ascending: true, limit: Some(3), .. } if by == "revenue"
    ));
    assert!(matches!(
        shape("revenue by month"),
        Shape::Trend {
            grain: intent::Grain::Month,
            fixed: true,
            ..
        }
    ));
    assert!(
        matches!(shape("how many orders?"), Shape::Aggregate { measure, .. } if measure == intent::Measure::rows())
    );
}

#[test]
fn filters_are_read_by_value_range_text_and_date() {
    let intent = read("average unit price in the West region for orders over 100 in 2023").expect("understood");
    let filters = &intent.filters;
    assert!(
        matches!(&filters[..], [
            Filter::Compare { column, value, .. },
            Filter::Dates { from: Some(from), .. },
            Filter::Is { columns, values, negated: false },
        ] if column == "unit_price" && *value == 100.0 && from == "2023-01-01" && columns == &["region"] && values == &["West"]),
        "{filters:?}"
    );
    let contains = read("list products containing 'gad'").expect("understood");
    assert!(
        matches!(&contains.filters[..], [Filter::Contains { column, text }] if column == "product" && text == "gad")
    );
}

#[test]
fn questions_about_the_conversation_or_gibberish_are_advisory() {
    for question in ["hello", "what can you do?", "what did you find?", "blorp zing"] {
        let columns = Columns::new(&sales());
        let parsed = parse(question, &columns);
        assert!(
            parsed.talk.is_some() || follow::resolve(&parsed, None, &columns).is_none(),
            "{question}"
        );
    }
}

#[test]
fn questions_about_the_method_are_technical() {
    for question in [
        "show me the SQL for revenue by region",
        "explain the total revenue",
        "how did you compute that?",
    ] {
        assert_eq!(mode(question), Mode::Technical, "{question}");
    }
    assert_eq!(mode("total revenue by region"), Mode::Quick);
}

#[test]
fn two_questions_joined_by_and_become_two_subtasks() {
    let columns = Columns::new(&sales());
    let parts = split("What is the average unit price and the total units?", &columns).expect("split");
    assert_eq!(parts.len(), 2);
    assert!(split("correlation between units and revenue", &columns).is_none());
    assert!(split("compare East and West", &columns).is_none());
}

#[test]
fn follow_ups_change_the_previous_intent() {
    let columns = Columns::new(&sales());
    let first = read("total revenue by region").expect("understood");
    let next = |question: &str, previous: &Intent| {
        follow::resolve(&parse(question, &columns), Some(previous), &columns).expect(question)
    };
    let charted = next("now as a bar chart", &first);
    assert_eq!(charted.show, Some(intent::Show::Bar));
    let in_2023 = next("only for 2023", &charted);
    assert!(matches!(&in_2023.filters[..], [Filter::Dates { .. }]));
    let by_product = next("and by product?", &in_2023);
    assert!(matches!(&by_product.shape, Shape::Aggregate { group: Some(group), .. } if group == "product"));
    let top = next("top 5 instead", &by_product);
    assert!(matches!(
        top.shape,
        Shape::Aggregate {
            limit: Some(5),
            order: Order::Descending,
            ..
        }
    ));
    let sorted = next("sort ascending", &top);
    assert!(matches!(
        sorted.shape,
        Shape::Aggregate {
            order: Order::Ascending,
            ..
        }
    ));
    assert_eq!(sorted.filters, in_2023.filters, "the filters stay");
}

#[test]
fn suggestions_are_three_to_five_questions_the_analyst_understands() {
    let survey = schema(&[
        ("respondent_id", ColumnKind::Number),
        ("age", ColumnKind::Number),
        ("country", ColumnKind::Text),
        ("comment", ColumnKind::Text),
    ]);
    let only_text = schema(&[("name", ColumnKind::Text)]);
    for schema in [sales(), survey, only_text] {
        let offered = suggestions(&schema);
        assert!((3..=5).contains(&offered.len()), "{offered:?}");
        let columns = Columns::new(&schema);
        for question in offered {
            assert!(
                follow::resolve(&parse(&question, &columns), None, &columns).is_some(),
                "{question}"
            );
        }
    }
}
