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

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{ObjectName, ObjectNamePart, Query, Select, SetExpr, Statement, TableFactor, Visit, Visitor};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserOptions};

use super::{SqlError, TABLE};

/// Most SELECTs one query may hold. Polars' planning time grows faster than the number
/// of SELECTs (200 unioned ones take seconds to plan, and planning cannot be
/// interrupted); a question needs far fewer.
const MAX_SELECTS: usize = 64;

/// What every refusal ends with: what may run instead.
const ALLOWED: &str = "only one SELECT over the table `data` can run";

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
    /// Names of the CTEs defined so far; a query's own CTEs are added before its body and
    /// its CTE bodies are visited, so later CTEs may read earlier ones.
    ctes: HashSet<String>,
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
            self.ctes
                .extend(with.cte_tables.iter().map(|cte| cte.alias.name.value.clone()));
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
        ControlFlow::Continue(())
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
            [ObjectNamePart::Identifier(ident)] if ident.value == TABLE || self.ctes.contains(&ident.value) => {
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
mod tests {
    use super::*;

    fn reason(query: &str) -> String {
        match check(query) {
            Err(SqlError::Refused { reason }) => reason,
            other => panic!("{query:?} was not refused: {other:?}"),
        }
    }

    fn assert_refused_naming(query: &str, named: &str) {
        let reason = reason(query);
        assert!(reason.contains(named), "{query:?}: {reason:?} does not name {named:?}");
    }

    #[test]
    fn accepts_a_select_over_data() {
        for query in [
            "SELECT * FROM data",
            "select region, sum(sales) AS total FROM data GROUP BY region ORDER BY total DESC LIMIT 5",
            "SELECT d.region FROM \"data\" AS d WHERE d.sales > 10",
            "SELECT 1 + 1",
            "SELECT region, FROM data",
        ] {
            assert_eq!(check(query), Ok(()), "{query}");
        }
    }

    #[test]
    fn accepts_ctes_windows_qualify_self_joins_and_unions() {
        for query in [
            "WITH top AS (SELECT region, sum(sales) AS s FROM data GROUP BY region), \
             best AS (SELECT * FROM top WHERE s > 1) SELECT * FROM best",
            "SELECT region, sales, rank() OVER (PARTITION BY region ORDER BY sales DESC) AS r FROM data",
            "SELECT region, sales FROM data QUALIFY row_number() OVER (PARTITION BY region ORDER BY sales) = 1",
            "SELECT a.region, b.sales FROM data a JOIN data b ON a.region = b.region",
            "SELECT region FROM data UNION ALL SELECT region FROM data EXCEPT SELECT 'x'",
            "SELECT * FROM (SELECT region FROM data) AS sub",
            "SELECT * FROM data WHERE sales > (SELECT avg(sales) FROM data) \
             AND region IN (SELECT region FROM data WHERE units > 1)",
            "SELECT * FROM data WHERE EXISTS (WITH inner_cte AS (SELECT 1 AS one) SELECT one FROM inner_cte)",
        ] {
            assert_eq!(check(query), Ok(()), "{query}");
        }
    }

    #[test]
    fn refuses_read_csv_table_function() {
        assert_refused_naming("SELECT * FROM read_csv('/etc/passwd')", "read_csv");
        assert_refused_naming("SELECT * FROM read_csv('/etc/passwd') AS data", "read_csv");
    }

    #[test]
    fn refuses_every_polars_table_function_whatever_its_spelling() {
        for (query, named) in [
            ("SELECT * FROM read_parquet('/x.parquet')", "read_parquet"),
            ("SELECT * FROM read_json('/x.json')", "read_json"),
            ("SELECT * FROM read_ipc('/x.ipc')", "read_ipc"),
            ("SELECT * FROM READ_CSV('/x.csv')", "READ_CSV"),
            // Polars resolves the function from the first part of the name alone.
            ("SELECT * FROM read_csv.anything('/x.csv')", "read_csv.anything"),
            ("SELECT * FROM data('/x.csv')", "data"),
            ("SELECT * FROM generate_series(1, 10)", "generate_series"),
        ] {
            assert_refused_naming(query, named);
            assert_refused_naming(query, "table function");
        }
    }

    #[test]
    fn refuses_table_functions_hidden_in_subqueries_ctes_joins_and_unions() {
        for query in [
            "SELECT * FROM data WHERE region IN (SELECT region FROM read_csv('/etc/passwd'))",
            "SELECT (SELECT count(*) FROM read_parquet('/x')) AS n FROM data",
            "WITH secret AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM secret",
            "SELECT * FROM data JOIN read_csv('/etc/passwd') AS p ON true",
            "SELECT * FROM (SELECT * FROM (SELECT * FROM read_csv('/etc/passwd')) AS a) AS b",
            "SELECT region FROM data UNION SELECT * FROM read_csv('/etc/passwd')",
            "SELECT * FROM data WHERE EXISTS (SELECT 1 FROM read_json('/x'))",
            "SELECT * FROM (data JOIN read_ipc('/x') AS f ON true)",
        ] {
            assert_refused_naming(query, "table function");
        }
    }

    #[test]
    fn refuses_other_functions_in_from() {
        for (query, named) in [
            ("SELECT * FROM UNNEST([1, 2, 3]) AS t (n)", "UNNEST"),
            ("SELECT * FROM TABLE(my_function(1))", "TABLE(...)"),
            (
                "SELECT * FROM data PIVOT (sum(sales) FOR region IN ('a', 'b')) AS p",
                "PIVOT",
            ),
        ] {
            assert_refused_naming(query, named);
        }
    }

    #[test]
    fn refuses_unknown_tables() {
        for (query, named) in [
            ("SELECT * FROM users", "users"),
            ("SELECT * FROM data JOIN secrets ON true", "secrets"),
            ("SELECT * FROM data WHERE region IN (SELECT name FROM other)", "other"),
            ("SELECT * FROM public.data", "public.data"),
            ("SELECT * FROM data, passwords", "passwords"),
            ("WITH a AS (SELECT * FROM elsewhere) SELECT * FROM a", "elsewhere"),
        ] {
            assert_refused_naming(query, named);
            assert_refused_naming(query, "unknown table");
        }
    }

    #[test]
    fn refuses_ddl() {
        for (query, named) in [
            ("CREATE TABLE t AS SELECT * FROM data", "CREATE"),
            ("DROP TABLE data", "DROP"),
            ("ALTER TABLE data ADD COLUMN x INT", "ALTER"),
            ("TRUNCATE TABLE data", "TRUNCATE"),
            ("CREATE VIEW v AS SELECT * FROM data", "CREATE"),
        ] {
            assert_refused_naming(query, named);
        }
    }

    #[test]
    fn refuses_dml() {
        for (query, named) in [
            ("INSERT INTO data VALUES (1)", "INSERT"),
            ("UPDATE data SET sales = 0", "UPDATE"),
            ("DELETE FROM data", "DELETE"),
            (
                "MERGE INTO data USING data AS s ON true WHEN MATCHED THEN DELETE",
                "MERGE",
            ),
        ] {
            assert_refused_naming(query, named);
        }
    }

    #[test]
    fn refuses_select_into() {
        assert_refused_naming("SELECT * INTO copy FROM data", "SELECT ... INTO");
    }

    #[test]
    fn refuses_several_statements() {
        assert_refused_naming("SELECT 1; DROP TABLE data", "2 statements");
        assert_refused_naming("SELECT * FROM data; SELECT * FROM data;", "2 statements");
    }

    #[test]
    fn refuses_copy_explain_set_show_and_other_statements() {
        for (query, named) in [
            ("COPY data TO '/tmp/out.csv'", "COPY"),
            ("EXPLAIN SELECT * FROM data", "EXPLAIN"),
            ("SET threads = 1", "SET"),
            ("SHOW TABLES", "SHOW"),
            ("ATTACH DATABASE '/tmp/x.db' AS x", "ATTACH"),
            ("PRAGMA table_info('data')", "PRAGMA"),
        ] {
            assert_refused_naming(query, named);
        }
    }

    #[test]
    fn refuses_queries_of_too_many_selects() {
        let union = |selects: usize| vec!["SELECT region FROM data"; selects].join(" UNION ALL ");
        assert_eq!(check(&union(MAX_SELECTS)), Ok(()));
        assert_refused_naming(&union(MAX_SELECTS + 1), "more than 64 SELECTs");
    }

    #[test]
    fn refuses_the_empty_query() {
        assert_refused_naming("  ; ", "empty");
    }

    #[test]
    fn text_that_does_not_parse_is_invalid_with_the_parser_reason() {
        match check("SELEC * FROM data") {
            Err(SqlError::Invalid { message }) => assert!(message.contains("SELEC"), "{message}"),
            other => panic!("not invalid: {other:?}"),
        }
    }
}
