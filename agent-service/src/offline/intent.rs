//! What a question asks, typed: the shape of the answer, its filters and how to show it.
//! Intents are JSON (they are remembered with the turn, for follow-ups) and name columns
//! exactly as the table does.

use serde::{Deserialize, Serialize};

/// How the values of a column are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    /// Rows (no column), or rows with a value.
    Count,
    /// Distinct values.
    CountDistinct,
    /// Sum.
    Sum,
    /// Mean.
    Avg,
    /// Median.
    Median,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Sample standard deviation.
    Std,
    /// Sample variance.
    Variance,
    /// The largest value less the smallest.
    Range,
}

impl Func {
    /// The SQL aggregate (for a range, the first of the two it takes; see
    /// `query::measure_sql`).
    pub fn sql(self) -> &'static str {
        match self {
            Self::Count | Self::CountDistinct => "COUNT",
            Self::Sum => "SUM",
            Self::Avg => "AVG",
            Self::Median => "MEDIAN",
            Self::Min => "MIN",
            Self::Max => "MAX",
            Self::Std => "STDDEV",
            Self::Variance => "VARIANCE",
            Self::Range => "MAX",
        }
    }

    /// The words for it in a sentence (`total`, `average`, ...).
    pub fn words(self) -> &'static str {
        match self {
            Self::Count => "number of rows",
            Self::CountDistinct => "number of distinct",
            Self::Sum => "total",
            Self::Avg => "average",
            Self::Median => "median",
            Self::Min => "lowest",
            Self::Max => "highest",
            Self::Std => "standard deviation of",
            Self::Variance => "variance of",
            Self::Range => "range of",
        }
    }

    /// Its prefix in result column names (`total_amount`).
    pub fn alias(self) -> &'static str {
        match self {
            Self::Count => "rows",
            Self::CountDistinct => "distinct",
            Self::Sum => "total",
            Self::Avg => "average",
            Self::Median => "median",
            Self::Min => "min",
            Self::Max => "max",
            Self::Std => "std",
            Self::Variance => "variance",
            Self::Range => "range",
        }
    }
}

/// What is computed: rows counted, or a column combined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    /// How.
    pub func: Func,
    /// Of which column; none for a count of rows.
    pub column: Option<String>,
}

impl Measure {
    /// The number of rows.
    pub fn rows() -> Self {
        Self {
            func: Func::Count,
            column: None,
        }
    }

    /// The name of the result column that holds it.
    pub fn alias(&self) -> String {
        match &self.column {
            None => "rows".into(),
            Some(column) => format!("{}_{}", self.func.alias(), alias_words(column)),
        }
    }

    /// The measure in words (`total amount`, `number of rows`).
    pub fn words(&self) -> String {
        match (&self.column, self.func) {
            (None, _) => "number of rows".into(),
            (Some(column), Func::Count) => format!("number of rows with a {column}"),
            (Some(column), func) => format!("{} {column}", func.words()),
        }
    }
}

/// A column name as part of a result column name: letters, digits and underscores.
pub fn alias_words(name: &str) -> String {
    let words = super::words::name_words(name);
    if words.is_empty() {
        "value".into()
    } else {
        words.join("_")
    }
}

/// Which way a result is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// By the group's value, A to Z (or oldest first).
    Label,
    /// By the measure, largest first.
    Descending,
    /// By the measure, smallest first.
    Ascending,
}

/// The step of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    /// Hours.
    Hour,
    /// Days.
    Day,
    /// ISO weeks, from their Monday.
    Week,
    /// Calendar months.
    Month,
    /// Years.
    Year,
}

impl Grain {
    /// Every grain, finest first.
    pub const ALL: [Grain; 5] = [Self::Hour, Self::Day, Self::Week, Self::Month, Self::Year];

    /// Its name, also the result column's (`month`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Hour => "hour",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    /// The next finer grain.
    pub fn finer(self) -> Option<Self> {
        Self::ALL.iter().rev().copied().find(|grain| *grain < self)
    }
}

/// A comparison with a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cmp {
    /// `>`.
    Above,
    /// `>=`.
    AtLeast,
    /// `<`.
    Below,
    /// `<=`.
    AtMost,
    /// `=`.
    Equal,
    /// `<>`.
    NotEqual,
}

impl Cmp {
    /// The SQL operator.
    pub fn sql(self) -> &'static str {
        match self {
            Self::Above => ">",
            Self::AtLeast => ">=",
            Self::Below => "<",
            Self::AtMost => "<=",
            Self::Equal => "=",
            Self::NotEqual => "<>",
        }
    }

    /// The words for it (`above`).
    pub fn words(self) -> &'static str {
        match self {
            Self::Above => "above",
            Self::AtLeast => "at least",
            Self::Below => "below",
            Self::AtMost => "at most",
            Self::Equal => "equal to",
            Self::NotEqual => "not equal to",
        }
    }
}

/// Which rows count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Filter {
    /// One of some text values, case aside, in `columns` (one named column, or every text
    /// column when the question did not say which).
    Is {
        /// Where to look.
        columns: Vec<String>,
        /// The values as typed (`East or West`).
        values: Vec<String>,
        /// Whether the rows must not hold it.
        negated: bool,
    },
    /// A number compared with a column.
    Compare {
        /// The column.
        column: String,
        /// How.
        cmp: Cmp,
        /// With what.
        value: f64,
    },
    /// A number column between two values, both included.
    Between {
        /// The column.
        column: String,
        /// The smallest value.
        low: f64,
        /// The largest value.
        high: f64,
    },
    /// Text that contains a phrase, case aside.
    Contains {
        /// The column.
        column: String,
        /// The phrase.
        text: String,
    },
    /// A date or date-time column in `[from, until)`, as ISO dates.
    Dates {
        /// The column.
        column: String,
        /// The first day included.
        from: Option<String>,
        /// The first day no longer included.
        until: Option<String>,
        /// How the question said it (`in 2023`, `after March 2023`).
        words: String,
    },
    /// Months of any year, `from..=to` (1 to 12).
    Months {
        /// The column.
        column: String,
        /// The first month.
        from: u32,
        /// The last month.
        to: u32,
        /// How the question said it (`after March`).
        words: String,
    },
    /// The column has no value (or, negated, has one).
    Missing {
        /// The column.
        column: String,
        /// Whether rows must have a value instead.
        negated: bool,
    },
}

impl Filter {
    /// The column the filter is about (the first of several).
    pub fn column(&self) -> Option<&str> {
        match self {
            Self::Is { columns, .. } => columns.first().map(String::as_str),
            Self::Compare { column, .. }
            | Self::Between { column, .. }
            | Self::Contains { column, .. }
            | Self::Dates { column, .. }
            | Self::Months { column, .. }
            | Self::Missing { column, .. } => Some(column),
        }
    }

    /// Whether `other` replaces this filter in a follow-up (same column and sort of filter).
    pub fn replaced_by(&self, other: &Filter) -> bool {
        let dates = |filter: &Filter| matches!(filter, Self::Dates { .. } | Self::Months { .. });
        let values = |filter: &Filter| matches!(filter, Self::Is { .. });
        let numbers = |filter: &Filter| matches!(filter, Self::Compare { .. } | Self::Between { .. });
        let same_sort = (dates(self) && dates(other))
            || (values(self) && values(other))
            || (numbers(self) && numbers(other))
            || std::mem::discriminant(self) == std::mem::discriminant(other);
        same_sort && self.column() == other.column()
    }
}

/// The chart a question asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Show {
    /// A bar chart.
    Bar,
    /// A line chart.
    Line,
    /// A scatter plot.
    Scatter,
    /// A histogram.
    Histogram,
    /// A pie chart (drawn as bars: there is no pie mark).
    Pie,
    /// An area chart.
    Area,
    /// Just the table.
    Table,
}

/// The shape of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Shape {
    /// One number, or one per group.
    Aggregate {
        /// What is computed.
        measure: Measure,
        /// The column to group by.
        group: Option<String>,
        /// The order of the groups.
        order: Order,
        /// Groups kept at most.
        limit: Option<u32>,
    },
    /// Rows, possibly the top or bottom by a column.
    Rows {
        /// The column to sort by, largest first unless `ascending`.
        by: Option<String>,
        /// Smallest first.
        ascending: bool,
        /// Rows kept (else every row, up to the executor's cap).
        limit: Option<u32>,
        /// The column that names a row (`model`), for the sentence.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
    },
    /// The distinct values of a column.
    Distinct {
        /// The column.
        column: String,
    },
    /// How the values of a column are spread: bins for numbers, counts for the rest.
    Distribution {
        /// The column.
        column: String,
        /// Whether it holds numbers.
        numeric: bool,
    },
    /// A measure per period of a date column.
    Trend {
        /// The date column.
        date: String,
        /// The period.
        grain: Grain,
        /// Whether the grain was asked for (else it adapts to the data).
        fixed: bool,
        /// What is computed per period.
        measure: Measure,
        /// A column whose values get a line each.
        split: Option<String>,
    },
    /// The correlation of two number columns.
    Correlation {
        /// One column.
        x: String,
        /// The other.
        y: String,
    },
    /// The same points as a scatter plot (the second half of a correlation question).
    Scatter {
        /// The x column.
        x: String,
        /// The y column.
        y: String,
    },
    /// A measure for each of a few values.
    Compare {
        /// What is compared.
        measure: Measure,
        /// The column holding the values, or every text column.
        columns: Vec<String>,
        /// The values, as typed.
        values: Vec<String>,
    },
    /// The share of rows (among those of the intent's filters) that meet `condition`.
    Share {
        /// Which rows are counted.
        condition: Vec<Filter>,
    },
    /// Missing values per column.
    Missing,
    /// Each column: values, missing, distinct.
    Describe,
    /// Each number column: min, mean, max.
    Summary,
}

/// A question, understood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// The shape of the answer.
    pub shape: Shape,
    /// Which rows count.
    #[serde(default)]
    pub filters: Vec<Filter>,
    /// The chart asked for, if any.
    #[serde(default)]
    pub show: Option<Show>,
}

impl Intent {
    /// An intent of `shape` over every row, shown as the analyst sees fit.
    pub fn new(shape: Shape) -> Self {
        Self {
            shape,
            filters: Vec::new(),
            show: None,
        }
    }
}
