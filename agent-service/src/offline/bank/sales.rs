//! Orders of 2023 and 2024: dates, regions, products, units, prices, revenue.

use polars::prelude::*;

use super::{Bank, CHARTED, Expected, NUMBER, TWO_CHARTED, count, not_understood, number, rows, scalar, top};

fn year(frame: LazyFrame, year: i32) -> LazyFrame {
    frame.filter(col("order_date").dt().year().eq(lit(year)))
}

fn region(frame: LazyFrame, name: &str) -> LazyFrame {
    frame.filter(col("region").eq(lit(name)))
}

fn correlation(frame: LazyFrame) -> PolarsResult<Expected> {
    let out = frame
        .select([
            col("units").cast(DataType::Float64),
            col("revenue").cast(DataType::Float64),
        ])
        .collect()?;
    let xs: Vec<f64> = out.column("units")?.f64()?.into_no_null_iter().collect();
    let ys: Vec<f64> = out.column("revenue")?.f64()?.into_no_null_iter().collect();
    Ok(pearson(&xs, &ys).into())
}

/// The Pearson correlation of two equally long series.
pub fn pearson(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let vx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let vy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

/// The bank.
pub fn bank() -> Bank {
    Bank {
        name: "sales.csv",
        dates: &[("order_date", "%Y-%m-%d")],
        conversations: vec![
            vec![
                number("How many rows are there?", count, NUMBER),
                number(
                    "What is the total revenue?",
                    |f| scalar(f, col("revenue").sum()),
                    NUMBER,
                ),
                number(
                    "What is the average unit price?",
                    |f| scalar(f, col("unit_price").mean()),
                    NUMBER,
                ),
                number("median revenue", |f| scalar(f, col("revenue").median()), NUMBER),
                number(
                    "What is the highest revenue?",
                    |f| scalar(f, col("revenue").max()),
                    NUMBER,
                ),
                number(
                    "What is the lowest unit price in the West region?",
                    |f| scalar(region(f, "West"), col("unit_price").min()),
                    NUMBER,
                ),
                number("How many orders were placed in 2023?", |f| count(year(f, 2023)), NUMBER),
                number(
                    "Total revenue by region",
                    |f| top(f, "region", col("revenue").sum(), true),
                    CHARTED,
                ),
                number(
                    "Which product has the highest total revenue?",
                    |f| top(f, "product", col("revenue").sum(), true),
                    NUMBER,
                ),
                number(
                    "Top 3 products by revenue",
                    |f| top(f, "product", col("revenue").sum(), true),
                    CHARTED,
                ),
                number(
                    "How many units were sold in the East?",
                    |f| scalar(region(f, "East"), col("units").sum()),
                    NUMBER,
                ),
                number(
                    "average revenue per customer type",
                    |f| top(f, "customer_type", col("revenue").mean(), true),
                    CHARTED,
                ),
                number(
                    "What was the total revenue after March 2024?",
                    |f| {
                        let late = col("order_date")
                            .dt()
                            .year()
                            .eq(lit(2024))
                            .and(col("order_date").dt().month().gt(lit(3)));
                        scalar(f.filter(late), col("revenue").sum())
                    },
                    NUMBER,
                ),
                number(
                    "How many orders have a revenue over 500?",
                    |f| count(f.filter(col("revenue").gt(lit(500)))),
                    NUMBER,
                ),
                rows(
                    "What are the distinct regions?",
                    |f| count(f.select([col("region")]).unique(None, UniqueKeepStrategy::Any)),
                    NUMBER,
                ),
                number(
                    "How many unique products are there?",
                    |f| scalar(f, col("product").n_unique()),
                    NUMBER,
                ),
                number(
                    "Compare revenue for East vs West",
                    |f| {
                        let value = scalar(region(f, "East"), col("revenue").sum())?.value;
                        Ok(Expected {
                            value,
                            label: Some("East".into()),
                        })
                    },
                    CHARTED,
                ),
                number(
                    "Is there a correlation between units and revenue?",
                    correlation,
                    TWO_CHARTED,
                ),
                rows("Show me the first 5 rows", |_| Ok(5.0.into()), NUMBER),
                number(
                    "total revnue for Gizmo",
                    |f| scalar(f.filter(col("product").eq(lit("Gizmo"))), col("revenue").sum()),
                    NUMBER,
                )
                .says("I read \"revnue\" as `revenue`."),
                number(
                    "What's the distribution of unit price?",
                    |f| scalar(f, col("unit_price").min()),
                    CHARTED,
                ),
                number(
                    "average revenue between January and March 2024",
                    |f| {
                        let quarter = col("order_date")
                            .dt()
                            .year()
                            .eq(lit(2024))
                            .and(col("order_date").dt().month().lt_eq(lit(3)));
                        scalar(f.filter(quarter), col("revenue").mean())
                    },
                    NUMBER,
                ),
                number(
                    "Monthly revenue in 2024",
                    |f| {
                        let months = year(f, 2024)
                            .group_by([col("order_date").dt().month()])
                            .agg([col("revenue").sum()]);
                        scalar(months, col("revenue").max())
                    },
                    CHARTED,
                ),
            ],
            vec![
                number(
                    "total revenue by region",
                    |f| top(f, "region", col("revenue").sum(), true),
                    CHARTED,
                ),
                number(
                    "now as a line chart",
                    |f| top(f, "region", col("revenue").sum(), true),
                    CHARTED,
                )
                .says("A line needs dates or numbers"),
                number(
                    "only for 2023",
                    |f| top(year(f, 2023), "region", col("revenue").sum(), true),
                    CHARTED,
                )
                .says("in 2023"),
                number(
                    "sort descending",
                    |f| top(year(f, 2023), "region", col("revenue").sum(), true),
                    CHARTED,
                ),
                number(
                    "top 2 instead",
                    |f| top(year(f, 2023), "region", col("revenue").sum(), true),
                    CHARTED,
                )
                .says("top 2"),
                number(
                    "what about the average?",
                    |f| top(year(f, 2023), "region", col("revenue").mean(), true),
                    CHARTED,
                ),
            ],
            vec![
                number(
                    "how many orders in the North region?",
                    |f| count(region(f, "North")),
                    NUMBER,
                ),
                number(
                    "and by product?",
                    |f| top(region(f, "North"), "product", len(), true),
                    CHARTED,
                ),
                number(
                    "what about units?",
                    |f| top(region(f, "North"), "product", col("units").sum(), true),
                    CHARTED,
                ),
                number(
                    "Show me the SQL for the total revenue by region",
                    |f| top(f, "region", col("revenue").sum(), true),
                    CHARTED,
                )
                .says("Method: Group the rows by region, then compute SUM(\"revenue\")"),
                number(
                    "how much revenue did we make in 2024?",
                    |f| scalar(year(f, 2024), col("revenue").sum()),
                    NUMBER,
                ),
                number(
                    "what are the 10 biggest orders?",
                    |f| scalar(f, col("revenue").max()),
                    NUMBER,
                )
                .says("10 rows with the highest revenue"),
                number(
                    "what is the total revenue of Widget and Gadget?",
                    |f| {
                        let two = col("product").eq(lit("Widget")).or(col("product").eq(lit("Gadget")));
                        scalar(f.filter(two), col("revenue").sum())
                    },
                    NUMBER,
                ),
                number(
                    "which month had the highest revenue?",
                    |f| {
                        let months = f
                            .group_by([
                                col("order_date").dt().year().alias("y"),
                                col("order_date").dt().month().alias("m"),
                            ])
                            .agg([col("revenue").sum()]);
                        scalar(months, col("revenue").max())
                    },
                    CHARTED,
                ),
                number("how many rows have no region?", |_| Ok(0.0.into()), NUMBER),
                number(
                    "average unit price for each region sorted from highest to lowest",
                    |f| top(f, "region", col("unit_price").mean(), true),
                    CHARTED,
                ),
                number(
                    "What percentage of orders come from the West?",
                    |f| {
                        let west = count(region(f.clone(), "West"))?.value;
                        Ok((100.0 * west / count(f)?.value).into())
                    },
                    NUMBER,
                ),
                number(
                    "What were sales in Q1 2024?",
                    |f| {
                        let quarter = col("order_date")
                            .dt()
                            .year()
                            .eq(lit(2024))
                            .and(col("order_date").dt().month().lt_eq(lit(3)));
                        scalar(f.filter(quarter), col("revenue").sum())
                    },
                    NUMBER,
                )
                .says("I read \"sales\" as `revenue`."),
                number(
                    "how many orders were over $1,000?",
                    |f| count(f.filter(col("revenue").gt(lit(1000)))),
                    NUMBER,
                ),
                number("units vs revenue", correlation, TWO_CHARTED),
                not_understood("tell me a joke"),
            ],
        ],
    }
}
