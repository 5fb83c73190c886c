//! The guard's rules, one query at a time: what it accepts and what it refuses, by name.

use super::*;
use crate::sql::tests::assert_refused_naming;

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
