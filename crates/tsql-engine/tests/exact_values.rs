//! Values SQL Server computes exactly: decimal literals with every digit, decimal and
//! money arithmetic, conversions from a typed source, datepart keywords, string `+`.
//! Each expected answer is what SQL Server gives.

mod common;

use common::*;

fn setup() -> (std::sync::Arc<tsql_engine::Engine>, tsql_engine::Session) {
    let e = engine();
    let s = session(&e);
    (e, s)
}

#[test]
fn decimal_literals_keep_every_digit() {
    let (_e, mut s) = setup();
    assert_eq!(
        scalar(
            &mut s,
            "SELECT CAST(1234567890123456789012345678.0123456789 AS decimal(38,10))"
        ),
        "1234567890123456789012345678.0123456789"
    );
    ok(&mut s, "CREATE TABLE t (d decimal(38,10))");
    ok(
        &mut s,
        "INSERT INTO t(d) VALUES (1234567890123456789012345678.0123456789)",
    );
    ok(&mut s, "INSERT INTO t(d) VALUES (-0.5)");
    let c = ok(&mut s, "SELECT d FROM t ORDER BY d");
    assert_eq!(
        rows(&c),
        vec![
            vec!["-0.5000000000"],
            vec!["1234567890123456789012345678.0123456789"]
        ]
    );
    // Literals stay numbers for comparisons and typing.
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM t WHERE d > 0.25"), "1");
    assert_eq!(
        scalar(&mut s, "SELECT CASE WHEN 10.5 > 9.5 THEN 1 ELSE 0 END"),
        "1"
    );
    assert_eq!(
        scalar(&mut s, "SELECT CASE WHEN 2 = 2.0 THEN 1 ELSE 0 END"),
        "1"
    );
    assert_eq!(scalar(&mut s, "SELECT 1.50"), "1.50");
    assert_eq!(scalar(&mut s, "SELECT -1.25"), "-1.25");
}

#[test]
fn convert_reads_the_source_type() {
    let (_e, mut s) = setup();
    ok(
        &mut s,
        "CREATE TABLE t (dt datetime, d decimal(10,2), m money)",
    );
    ok(
        &mut s,
        "INSERT INTO t VALUES ('2024-03-05 13:45:10.123', 12.75, 3.5)",
    );
    assert_eq!(
        scalar(&mut s, "SELECT CONVERT(varchar(30), dt, 103) FROM t"),
        "05/03/2024"
    );
    assert_eq!(
        scalar(&mut s, "SELECT CONVERT(varchar(30), dt, 120) FROM t"),
        "2024-03-05 13:45:10"
    );
    assert_eq!(
        scalar(&mut s, "SELECT CONVERT(varchar(30), dt) FROM t"),
        "Mar  5 2024  1:45PM"
    );
    assert_eq!(scalar(&mut s, "SELECT CAST(d AS int) FROM t"), "12");
    assert_eq!(
        scalar(&mut s, "SELECT CAST(m AS varchar(20)) FROM t"),
        "3.50"
    );
    assert_eq!(scalar(&mut s, "SELECT CAST(12.75 AS int)"), "12");
    // datetime ± n adds days.
    assert_eq!(
        scalar(&mut s, "SELECT CONVERT(varchar(30), dt + 1, 120) FROM t"),
        "2024-03-06 13:45:10"
    );
    assert_eq!(
        scalar(&mut s, "SELECT CONVERT(varchar(10), dt - 5, 120) FROM t"),
        "2024-02-29"
    );
    // An explicit NULL style gives NULL.
    assert_eq!(
        scalar(&mut s, "SELECT CONVERT(varchar(30), dt, NULL) FROM t"),
        "NULL"
    );
}

#[test]
fn decimal_and_money_arithmetic_is_exact() {
    let (_e, mut s) = setup();
    ok(&mut s, "CREATE TABLE t (d decimal(10,2), m money)");
    ok(
        &mut s,
        "INSERT INTO t VALUES (0.10, 0.1), (0.20, 0.2), (12345678.91, 1.0001)",
    );
    let c = ok(
        &mut s,
        "SELECT d * 2, d + d, d - 0.05 FROM t WHERE d = 0.10",
    );
    assert_eq!(rows(&c), vec![vec!["0.20", "0.20", "0.05"]]);
    assert_eq!(
        c.results[0].columns[0].ty,
        tsql_engine::SqlType::Decimal {
            precision: 12,
            scale: 2
        }
    );
    assert_eq!(scalar(&mut s, "SELECT SUM(d) FROM t"), "12345679.21");
    assert_eq!(scalar(&mut s, "SELECT AVG(d) FROM t"), "4115226.403333");
    let c = ok(&mut s, "SELECT AVG(m), SUM(m) FROM t");
    assert_eq!(c.results[0].columns[0].ty, tsql_engine::SqlType::Money);
    assert_eq!(
        format!("{:?}", c.results[0].rows[0]),
        "[Money(4334), Money(13001)]"
    );
    assert_eq!(
        scalar(&mut s, "SELECT SUM(d) OVER (ORDER BY d ROWS UNBOUNDED PRECEDING) FROM t WHERE d < 1 ORDER BY d DESC"),
        "0.30"
    );
    assert_eq!(scalar(&mut s, "SELECT 0.1 + 0.2"), "0.3");
    assert_eq!(scalar(&mut s, "SELECT 1.1 * 3"), "3.3");
    assert_eq!(scalar(&mut s, "SELECT 10 / 4"), "2");
    assert_eq!(scalar(&mut s, "SELECT 10 / 4.0"), "2.500000");
    // Computed decimals compare and sort by value.
    let c = ok(
        &mut s,
        "SELECT d * 1 AS x FROM t WHERE d * 10 > 1.5 ORDER BY x DESC",
    );
    assert_eq!(rows(&c), vec![vec!["12345678.91"], vec!["0.20"]]);
    assert_eq!(
        scalar(
            &mut s,
            "SELECT COUNT(*) FROM t WHERE d * 2 IN (0.2, 0.4, 7)"
        ),
        "2"
    );
    let c = ok(&mut s, "SELECT d, d * 10 FROM t ORDER BY 2");
    assert_eq!(
        rows(&c)
            .into_iter()
            .map(|r| r[0].clone())
            .collect::<Vec<_>>(),
        ["0.10", "0.20", "12345678.91"]
    );
    // Through derived tables, CTEs, variables and UPDATE.
    let c = ok(
        &mut s,
        "WITH c AS (SELECT d AS v FROM t) SELECT x.d * 2, (SELECT SUM(v) FROM c) FROM (SELECT d FROM t) x WHERE x.d = 0.1",
    );
    assert_eq!(rows(&c), vec![vec!["0.20", "12345679.21"]]);
    assert_eq!(
        scalar(&mut s, "DECLARE @x decimal(10,2) = 1.5; SELECT @x * 2"),
        "3.00"
    );
    ok(&mut s, "UPDATE t SET d = d * 1.1 WHERE d = 0.2");
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM t WHERE d = 0.22"), "1");
    let c = ok(
        &mut s,
        "SELECT d, SUM(m) AS tot FROM t GROUP BY d HAVING SUM(d) > 0.15 ORDER BY tot DESC",
    );
    assert_eq!(rows(&c).len(), 2);
    let e = run(&mut s, "SELECT 1.0 / 0");
    assert_eq!(e.errors[0].number, 8134);
}

#[test]
fn dateparts_are_keywords() {
    let (_e, mut s) = setup();
    ok(&mut s, "CREATE TABLE t (a datetime2, b datetime2)");
    ok(
        &mut s,
        "INSERT INTO t VALUES ('2024-01-31 10:00:00', '2024-02-01 11:30:00')",
    );
    let c = ok(
        &mut s,
        "SELECT DATEADD(day, 1, a), DATEDIFF(minute, a, b), DATEPART(year, a), DATENAME(month, a) FROM t",
    );
    assert_eq!(
        rows(&c)[0][1..],
        ["1530".to_string(), "2024".into(), "January".into()]
    );
    assert_eq!(
        format!("{:?}", c.results[0].columns[0].ty),
        "DateTime2 { scale: 7 }"
    );
    for (part, want) in [
        ("dd", "31"),
        ("d", "31"),
        ("mm", "1"),
        ("m", "1"),
        ("yy", "2024"),
        ("yyyy", "2024"),
        ("hh", "10"),
        ("mi", "0"),
        ("n", "0"),
        ("ss", "0"),
        ("s", "0"),
        ("ms", "0"),
        ("mcs", "0"),
        ("ns", "0"),
        ("wk", "5"),
        ("ww", "5"),
        ("dw", "4"),
        ("dy", "31"),
        ("y", "31"),
        ("qq", "1"),
        ("q", "1"),
        ("iso_week", "5"),
        ("isowk", "5"),
    ] {
        assert_eq!(
            scalar(&mut s, &format!("SELECT DATEPART({part}, a) FROM t")),
            want,
            "{part}"
        );
    }
    assert_eq!(
        scalar(
            &mut s,
            "SELECT DATEPART(tz, CAST('2024-01-01 10:00 +02:00' AS datetimeoffset))"
        ),
        "120"
    );
    assert_eq!(
        scalar(&mut s, "SELECT DATEDIFF(dd, '2024-01-01', '2024-03-01')"),
        "60"
    );
}

#[test]
fn truncation_error_names_the_full_table() {
    let (_e, mut s) = setup();
    ok(&mut s, "CREATE TABLE t (c varchar(2))");
    let c = run(&mut s, "INSERT INTO t(c) VALUES ('abc')");
    assert_eq!(c.errors[0].number, 2628);
    assert_eq!(
        c.errors[0].message,
        "String or binary data would be truncated in table 'testdb.dbo.t', column 'c'. Truncated value: 'ab'."
    );
}

#[test]
fn plus_on_strings_concatenates() {
    let (_e, mut s) = setup();
    ok(
        &mut s,
        "CREATE TABLE t (zip varchar(5), plus4 varchar(4), n int)",
    );
    ok(
        &mut s,
        "INSERT INTO t VALUES ('02134', '0001', 5), (NULL, '1', 6)",
    );
    let c = ok(
        &mut s,
        "SELECT zip + plus4, zip + '-' + plus4, n + 1, '1' + 1 FROM t ORDER BY n",
    );
    assert_eq!(
        rows(&c),
        vec![
            vec!["021340001", "02134-0001", "6", "2"],
            vec!["NULL", "NULL", "7", "2"]
        ]
    );
}
