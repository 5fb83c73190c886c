//! An employee survey: categories (country, department) and many missing values.

use polars::prelude::*;

use super::{Bank, CHARTED, Expected, NUMBER, count, not_understood, number, rows, scalar, talk, top};

fn labelled(expected: PolarsResult<Expected>, label: &str) -> PolarsResult<Expected> {
    Ok(Expected {
        label: Some(label.into()),
        ..expected?
    })
}

/// The bank.
pub fn bank() -> Bank {
    Bank {
        name: "survey.csv",
        dates: &[],
        conversations: vec![
            vec![
                number("How many respondents are there?", count, NUMBER),
                number("What is the average age?", |f| scalar(f, col("age").mean()), NUMBER),
                number(
                    "Average satisfaction by department",
                    |f| top(f, "department", col("satisfaction").mean(), true),
                    CHARTED,
                ),
                number(
                    "How many respondents are from France?",
                    |f| count(f.filter(col("country").eq(lit("France")))),
                    NUMBER,
                ),
                number(
                    "Which columns have missing values?",
                    |f| labelled(scalar(f, col("comment").null_count()), "comment"),
                    NUMBER,
                ),
                number(
                    "How many rows have a missing income?",
                    |f| count(f.filter(col("income").is_null())),
                    NUMBER,
                ),
                number(
                    "median income of respondents older than 40",
                    |f| scalar(f.filter(col("age").gt(lit(40))), col("income").median()),
                    NUMBER,
                ),
                number(
                    "distribution of satisfaction",
                    |f| scalar(f, col("satisfaction").min()),
                    CHARTED,
                ),
                number(
                    "What is the most common country?",
                    |f| top(f, "country", len(), true),
                    CHARTED,
                ),
                number(
                    "How many distinct countries are there?",
                    |f| scalar(f, col("country").n_unique()),
                    NUMBER,
                ),
                number(
                    "Compare average income between Sales and Engineering",
                    |f| {
                        let sales = f.filter(col("department").eq(lit("Sales")));
                        labelled(scalar(sales, col("income").mean()), "Sales")
                    },
                    CHARTED,
                ),
                number(
                    "average income where department is Support",
                    |f| scalar(f.filter(col("department").eq(lit("Support"))), col("income").mean()),
                    NUMBER,
                ),
                number(
                    "How many respondents where would recommend is No?",
                    |f| count(f.filter(col("would_recommend").eq(lit("No")))),
                    NUMBER,
                ),
                number("standard deviation of age", |f| scalar(f, col("age").std(1)), NUMBER),
                number(
                    "What is the maximum income in Germany?",
                    |f| scalar(f.filter(col("country").eq(lit("Germany"))), col("income").max()),
                    NUMBER,
                ),
                number(
                    "average satisfaction by country, sorted descending",
                    |f| top(f, "country", col("satisfaction").mean(), true),
                    CHARTED,
                ),
                rows(
                    "Show respondents with income above 100000",
                    |f| count(f.filter(col("income").gt(lit(100_000)))),
                    NUMBER,
                ),
                number(
                    "How many respondents younger than 30 would recommend, answering Yes?",
                    |f| {
                        let young = col("age").lt(lit(30)).and(col("would_recommend").eq(lit("Yes")));
                        count(f.filter(young))
                    },
                    NUMBER,
                ),
                not_understood("asdf qwerty"),
                talk("What can you do?", "I answer questions about this table"),
            ],
            vec![
                number(
                    "average income by department",
                    |f| top(f, "department", col("income").mean(), true),
                    CHARTED,
                ),
                number(
                    "only for France",
                    |f| {
                        top(
                            f.filter(col("country").eq(lit("France"))),
                            "department",
                            col("income").mean(),
                            true,
                        )
                    },
                    CHARTED,
                ),
                number(
                    "as a table",
                    |f| {
                        top(
                            f.filter(col("country").eq(lit("France"))),
                            "department",
                            col("income").mean(),
                            true,
                        )
                    },
                    NUMBER,
                ),
                number(
                    "what about the median?",
                    |f| {
                        top(
                            f.filter(col("country").eq(lit("France"))),
                            "department",
                            col("income").median(),
                            true,
                        )
                    },
                    NUMBER,
                ),
            ],
        ],
    }
}
