//! A product list with messy headers (spaces, `$`, camelCase, mixed case) and day-first
//! launch dates.

use polars::prelude::*;

use super::{Bank, CHARTED, NUMBER, TWO, count, not_understood, number, rows, scalar, talk, top, value};

const PRICE: &str = "Unit Price ($)";
const CATEGORY: &str = "productCategory";

/// The bank.
pub fn bank() -> Bank {
    Bank {
        name: "products.csv",
        dates: &[("Launch Date", "%d/%m/%Y")],
        conversations: vec![
            vec![
                number("average price", |f| scalar(f, col(PRICE).mean()), NUMBER)
                    .says("By \"price\" I took `Unit Price ($)` (`Sale Price` also fits)."),
                number(
                    "average unit price by product category",
                    |f| top(f, CATEGORY, col(PRICE).mean(), true),
                    CHARTED,
                ),
                number("total qty in stock", |f| scalar(f, col("QTY_in_stock").sum()), NUMBER),
                number(
                    "How many products have a rating above 4?",
                    |f| count(f.filter(col("Rating (1-5)").gt(lit(4)))),
                    NUMBER,
                ),
                number(
                    "What is the most expensive product?",
                    |f| top(f, "Product Name", col(PRICE).mean(), true),
                    NUMBER,
                ),
                number(
                    "the 3 cheapest products",
                    |f| top(f, "Product Name", col(PRICE).mean(), false),
                    CHARTED,
                ),
                number(
                    "How many products were launched after 2022?",
                    |f| count(f.filter(col("Launch Date").dt().year().gt(lit(2022)))),
                    NUMBER,
                ),
                number(
                    "average rating by category",
                    |f| top(f, CATEGORY, col("Rating (1-5)").mean(), true),
                    CHARTED,
                ),
                rows(
                    "List products whose name contains 'Pro'",
                    |f| count(f.filter(col("Product Name").str().contains_literal(lit("Pro")))),
                    NUMBER,
                ),
                number(
                    "What is the highest sale price?",
                    |f| scalar(f, col("Sale Price").max()),
                    NUMBER,
                ),
                number("Describe the data", count, TWO),
                number(
                    "How many products per category?",
                    |f| Ok(value(top(f, CATEGORY, len(), true)?.value)),
                    CHARTED,
                )
                .says("have the same number of rows"),
                number(
                    "Median sale price of Electronics",
                    |f| {
                        scalar(
                            f.filter(col(CATEGORY).eq(lit("Electronics"))),
                            col("Sale Price").median(),
                        )
                    },
                    NUMBER,
                ),
                number(
                    "launches by year",
                    |f| {
                        let years = f.group_by([col("Launch Date").dt().year()]).agg([len().alias("n")]);
                        scalar(years, col("n").max())
                    },
                    CHARTED,
                ),
                number("average ratng", |f| scalar(f, col("Rating (1-5)").mean()), NUMBER)
                    .says("I read \"ratng\" as `Rating (1-5)`."),
                number(
                    "products launched in 2021: how many?",
                    |f| count(f.filter(col("Launch Date").dt().year().eq(lit(2021)))),
                    NUMBER,
                ),
                not_understood("what is the meaning of life?"),
                talk("hello", "Hello!"),
            ],
            vec![
                number(
                    "average unit price by category",
                    |f| top(f, CATEGORY, col(PRICE).mean(), true),
                    CHARTED,
                ),
                number(
                    "sort ascending",
                    |f| top(f, CATEGORY, col(PRICE).mean(), false),
                    CHARTED,
                ),
                number("top 3 instead", |f| top(f, CATEGORY, col(PRICE).mean(), true), CHARTED).says("top 3"),
                number(
                    "what about the sale price?",
                    |f| top(f, CATEGORY, col("Sale Price").mean(), true),
                    CHARTED,
                ),
            ],
        ],
    }
}
