//! Hourly readings of three sensors over four days: time, temperature (a few missing),
//! humidity, battery.

use polars::prelude::*;

use super::sales::pearson;
use super::{Bank, CHARTED, Expected, NUMBER, TWO_CHARTED, count, number, rows, scalar, top};

fn hourly(frame: LazyFrame) -> LazyFrame {
    frame.with_columns([col("timestamp").dt().truncate(lit("1h")).alias("hour")])
}

fn daily(frame: LazyFrame) -> LazyFrame {
    frame.with_columns([col("timestamp").dt().date().alias("day")])
}

/// The largest per-group mean of `measure` over the `keys`, and the label of `label`.
fn peak(frame: LazyFrame, keys: &[&str], measure: &str, label: Option<&str>) -> PolarsResult<Expected> {
    let out = frame
        .group_by(keys.iter().map(|key| col(*key)).collect::<Vec<_>>())
        .agg([col(measure).mean().cast(DataType::Float64).alias("m")])
        .filter(col("m").is_not_null())
        .sort(["m"], SortMultipleOptions::default().with_order_descending(true))
        .collect()?;
    let value = out.column("m")?.f64()?.get(0).unwrap_or(f64::NAN);
    let label = match label {
        Some(name) => out.column(name)?.str()?.get(0).map(str::to_owned),
        None => None,
    };
    Ok(Expected { value, label })
}

fn correlation(frame: LazyFrame) -> PolarsResult<Expected> {
    let out = frame
        .filter(col("temperature").is_not_null().and(col("humidity").is_not_null()))
        .select([
            col("temperature").cast(DataType::Float64),
            col("humidity").cast(DataType::Float64),
        ])
        .collect()?;
    let xs: Vec<f64> = out.column("temperature")?.f64()?.into_no_null_iter().collect();
    let ys: Vec<f64> = out.column("humidity")?.f64()?.into_no_null_iter().collect();
    Ok(pearson(&xs, &ys).into())
}

/// The bank.
pub fn bank() -> Bank {
    Bank {
        name: "sensors.csv",
        dates: &[("timestamp", "%Y-%m-%d %H:%M:%S")],
        conversations: vec![
            vec![
                number("average temperature", |f| scalar(f, col("temperature").mean()), NUMBER),
                number(
                    "average temperature by location",
                    |f| top(f, "location", col("temperature").mean(), true),
                    CHARTED,
                ),
                number(
                    "How did the temperature change over time?",
                    |f| peak(hourly(f), &["hour"], "temperature", None),
                    CHARTED,
                )
                .says("by hour"),
                number(
                    "daily average humidity",
                    |f| peak(daily(f), &["day"], "humidity", None),
                    CHARTED,
                )
                .says("by day"),
                number(
                    "maximum temperature for sensor S2",
                    |f| scalar(f.filter(col("sensor_id").eq(lit("S2"))), col("temperature").max()),
                    NUMBER,
                ),
                number("lowest battery level", |f| scalar(f, col("battery_pct").min()), NUMBER),
                rows("top 3 readings by temperature", |_| Ok(3.0.into()), NUMBER),
                number(
                    "How many readings have humidity between 40 and 50?",
                    |f| count(f.filter(col("humidity").gt_eq(lit(40)).and(col("humidity").lt_eq(lit(50))))),
                    NUMBER,
                ),
                number("correlation between temperature and humidity", correlation, TWO_CHARTED),
                number(
                    "average temperature on 2024-03-05",
                    |f| {
                        let day = col("timestamp").dt().day().eq(lit(5));
                        scalar(f.filter(day), col("temperature").mean())
                    },
                    NUMBER,
                ),
                number(
                    "average temperature per hour for S1",
                    |f| {
                        peak(
                            hourly(f.filter(col("sensor_id").eq(lit("S1")))),
                            &["hour"],
                            "temperature",
                            None,
                        )
                    },
                    CHARTED,
                ),
                number(
                    "How many readings are missing a temperature?",
                    |f| count(f.filter(col("temperature").is_null())),
                    NUMBER,
                ),
                number(
                    "Which location has the lowest average humidity?",
                    |f| top(f, "location", col("humidity").mean(), false),
                    NUMBER,
                ),
                number(
                    "battery by sensor",
                    |f| top(f, "sensor_id", col("battery_pct").mean(), true),
                    CHARTED,
                ),
            ],
            vec![
                number(
                    "What share of readings come from the Lab?",
                    |f| {
                        let lab = count(f.clone().filter(col("location").eq(lit("Lab"))))?.value;
                        Ok((100.0 * lab / count(f)?.value).into())
                    },
                    NUMBER,
                ),
                number(
                    "average temperature by day",
                    |f| peak(daily(f), &["day"], "temperature", None),
                    CHARTED,
                ),
                number(
                    "and by location?",
                    |f| peak(daily(f), &["day", "location"], "temperature", Some("location")),
                    CHARTED,
                ),
                number(
                    "weekly instead",
                    |f| peak(f, &["location"], "temperature", Some("location")),
                    CHARTED,
                ),
            ],
        ],
    }
}
