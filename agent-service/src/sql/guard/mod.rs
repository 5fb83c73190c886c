//! The guard in front of Polars SQL: a query is parsed here, with the parser and dialect
//! Polars itself uses (sqlparser's `GenericDialect`, trailing commas allowed), and refused
//! unless it is exactly one query that reads nothing but the table `data`.
//!
//! Polars SQL can read files on its own: `FROM read_csv('/any/path')` (and `read_parquet`,
//! `read_ipc`, `read_json`) runs a scan of that path. It resolves those table functions
//! from the first part of a table name that carries arguments, so every table reference
//! with arguments is refused whatever its name. The scalar functions Polars knows in
//! expressions (`polars-sql` `functions.rs`) compute on columns and never touch a file;
//! user-defined functions exist only when registered, and the executor registers none.
//! Subqueries in expressions are queries like any other and are checked the same way.
//!
//! The check is an allow-list: a statement that is a query; query bodies that are
//! SELECTs, set operations or VALUES; FROM items that are plain table names (`data` or a
//! CTE of the query), derived tables or nested joins. Everything else is refused with a
//! message naming what was refused.
//!
//! Within what is allowed, queries a model could write to exhaust the machine are refused
//! too: more than [`MAX_SELECTS`] SELECTs (planning cannot be interrupted), a FROM that
//! multiplies more than two copies of the data without a join condition ([`product`]),
//! and LPAD, RPAD or REPEAT asked for huge strings ([`strings`]). A CTE cannot take a
//! table function's name or the name `data` ([`RESERVED`]).

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, ObjectName, ObjectNamePart, Query, Select, SetExpr, Statement, TableFactor, Visit, Visitor,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserOptions};

use super::{SqlError, TABLE};

mod product;
mod strings;

/// Most SELECTs one query may hold. Polars' planning time grows faster than the number
/// of SELECTs (200 unioned ones take seconds to plan, and planning cannot be
/// interrupted); a question needs far fewer.
const MAX_SELECTS: usize = 64;

/// What every refusal ends with: what may run instead.
const ALLOWED: &str = "only one SELECT over the table `data` can run";

/// Names a CTE cannot take, in any case: the table functions of Polars SQL (`polars-sql`
/// `table_functions.rs`), which read files, and the table itself, which Polars resolves
/// before any CTE (a CTE named `data` would silently be ignored).
const RESERVED: [&str; 5] = [TABLE, "read_csv", "read_ipc", "read_json", "read_parquet"];

/// Checks that `query` is exactly one query over the table `data` (and the CTEs it
/// defines), refusing anything else before Polars sees it.
///
/// A query that does not parse is [`SqlError::Invalid`] with the parser's reason; a query
/// that parses but is not allowed is [`SqlError::Refused`].
pub fn check(query: &str) -> Result<(), SqlError> {
    let statements = Parser::new(&GenericDialect)
        .with_options(ParserOptions {
            trailing_commas: true,
            ..ParserOptions::default()
        })
        .try_with_sql(query)
        .and_then(|mut parser| parser.parse_statements())
        .map_err(|error| SqlError::Invalid {
            message: error.to_string(),
        })?;
    let statement = match statements.as_slice() {
        [] => return Err(refused("the query is empty")),
        [statement] => statement,
        several => {
            return Err(refused(format!(
                "the text holds {} statements; {ALLOWED}",
                several.len()
            )));
        }
    };
    if !matches!(statement, Statement::Query(_)) {
        return Err(refused(format!(
            "{} statements are refused; {ALLOWED}",
            keyword(statement)
        )));
    }
    let mut guard = Guard::default();
    match statement.visit(&mut guard) {
        ControlFlow::Break(error) => Err(error),
        ControlFlow::Continue(()) => Ok(()),
    }
}

fn refused(reason: impl Into<String>) -> SqlError {
    SqlError::Refused { reason: reason.into() }
}

/// The leading keyword of a statement as written back by sqlparser (`DROP`, `COPY`, ...).
fn keyword(statement: &Statement) -> String {
    let text = statement.to_string();
    let word = text.split_whitespace().next().unwrap_or("these").to_uppercase();
    format!("`{word}`")
}

/// Walks every node of the statement; every query (the top one, CTEs, subqueries in FROM
/// and in expressions) passes through `pre_visit_query` before its parts.
#[derive(Default)]
struct Guard {
    /// The CTEs defined so far, by name, with the copies of the data each multiplies; a
    /// query's own CTEs are added before its body and its CTE bodies are visited, so later
    /// CTEs may read earlier ones. The map is not scoped: a name defined again in a nested
    /// query keeps the larger count, so that no FROM is counted smaller than it is.
    ctes: product::Factors,
    /// SELECTs seen so far.
    selects: usize,
}

impl Visitor for Guard {
    type Break = SqlError;

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<SqlError> {
        // Statements nested in a query (`INSERT` as a CTE body, for instance) modify data.
        match statement {
            Statement::Query(_) => ControlFlow::Continue(()),
            other => ControlFlow::Break(refused(format!(
                "{} statements are refused, also inside a query; {ALLOWED}",
                keyword(other)
            ))),
        }
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<SqlError> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                let name = &cte.alias.name.value;
                if let Some(reserved) = RESERVED.iter().find(|reserved| name.eq_ignore_ascii_case(reserved)) {
                    let owner = if *reserved == TABLE {
                        "the dataset's table"
                    } else {
                        "a Polars table function that reads files"
                    };
                    return ControlFlow::Break(refused(format!(
                        "the name `{name}` is reserved ({owner}) and cannot name a CTE; choose another name"
                    )));
                }
                let factors = product::of_query(&cte.query, &self.ctes);
                let known = self.ctes.entry(name.clone()).or_default();
                *known = factors.max(*known);
            }
        }
        if !query.pipe_operators.is_empty() {
            return ControlFlow::Break(refused(format!("pipe syntax (`|>`) is refused; {ALLOWED}")));
        }
        body(&query.body)
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<SqlError> {
        self.selects += 1;
        if self.selects > MAX_SELECTS {
            return ControlFlow::Break(refused(format!(
                "the query holds more than {MAX_SELECTS} SELECTs; write a shorter one"
            )));
        }
        if select.into.is_some() {
            return ControlFlow::Break(refused(format!(
                "`SELECT ... INTO` writes a table and is refused; {ALLOWED}"
            )));
        }
        if !select.lateral_views.is_empty() {
            return ControlFlow::Break(refused(format!("`LATERAL VIEW` is refused; {ALLOWED}")));
        }
        product::check(select, &self.ctes)
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<SqlError> {
        strings::check(expr)
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<SqlError> {
        match factor {
            TableFactor::Table {
                name, args: Some(_), ..
            } => ControlFlow::Break(refused(format!(
                "the table function `{name}(...)` is refused: functions in FROM can read files; \
                 query the table `{TABLE}` instead"
            ))),
            TableFactor::Table { name, args: None, .. } => self.table(name),
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => ControlFlow::Continue(()),
            other => ControlFlow::Break(refused(format!(
                "{} in FROM is refused: only the table `{TABLE}`, the query's CTEs and subqueries \
                 can be read",
                factor_kind(other)
            ))),
        }
    }
}

impl Guard {
    /// A plain table name: one identifier, `data` or a CTE of the query.
    fn table(&self, name: &ObjectName) -> ControlFlow<SqlError> {
        match name.0.as_slice() {
            [ObjectNamePart::Identifier(ident)] if ident.value == TABLE || self.ctes.contains_key(&ident.value) => {
                ControlFlow::Continue(())
            }
            _ => ControlFlow::Break(refused(format!(
                "unknown table `{name}`: only the table `{TABLE}` and the CTEs the query defines can be read"
            ))),
        }
    }
}

/// Checks a query body: SELECTs, set operations of them and VALUES; DML is refused here
/// (a nested statement would also be caught by `pre_visit_statement`, with a vaguer name).
fn body(expr: &SetExpr) -> ControlFlow<SqlError> {
    match expr {
        SetExpr::Select(_) | SetExpr::Query(_) | SetExpr::Values(_) => ControlFlow::Continue(()),
        SetExpr::SetOperation { left, right, .. } => {
            body(left)?;
            body(right)
        }
        SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
            ControlFlow::Break(refused(format!(
                "statements that modify data (INSERT, UPDATE, DELETE, MERGE) are refused; {ALLOWED}"
            )))
        }
        SetExpr::Table(_) => ControlFlow::Break(refused(format!(
            "the `TABLE name` shorthand is refused; write `SELECT * FROM {TABLE}`"
        ))),
    }
}

/// What a FROM item other than a table or subquery is called in a message.
fn factor_kind(factor: &TableFactor) -> &'static str {
    match factor {
        TableFactor::TableFunction { .. } => "`TABLE(...)`",
        TableFactor::Function { .. } => "a table function",
        TableFactor::UNNEST { .. } => "`UNNEST(...)`",
        TableFactor::JsonTable { .. } => "`JSON_TABLE(...)`",
        TableFactor::OpenJsonTable { .. } => "`OPENJSON(...)`",
        TableFactor::XmlTable { .. } => "`XMLTABLE(...)`",
        TableFactor::Pivot { .. } => "`PIVOT`",
        TableFactor::Unpivot { .. } => "`UNPIVOT`",
        TableFactor::MatchRecognize { .. } => "`MATCH_RECOGNIZE`",
        _ => "this kind of FROM item",
    }
}

#[cfg(test)]
mod tests;
