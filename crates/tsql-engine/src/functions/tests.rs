use super::*;
use rusqlite::types::Value as V;

fn conn() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    register(&c).unwrap();
    c
}

fn q(sql: &str) -> V {
    let c = conn();
    c.query_row(&format!("SELECT {sql}"), [], |r| r.get::<_, V>(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn txt(sql: &str) -> String {
    match q(sql) {
        V::Text(s) => s,
        other => panic!("{sql} gave {other:?}"),
    }
}

fn int(sql: &str) -> i64 {
    match q(sql) {
        V::Integer(i) => i,
        other => panic!("{sql} gave {other:?}"),
    }
}

fn qerr(sql: &str) -> SqlError {
    let c = conn();
    let e = c
        .query_row(&format!("SELECT {sql}"), [], |r| r.get::<_, V>(0))
        .expect_err(sql);
    recover(&e).unwrap_or_else(|| panic!("{sql}: not a SQL Server error: {e}"))
}

#[test]
fn errors_cross_sqlite_intact() {
    let e = qerr("__mssql_conv('abc', 'int', 'c', 't')");
    assert_eq!(e.number, 245);
    assert_eq!(e.class, 16);
    assert_eq!(
        e.message,
        "Conversion failed when converting the varchar value 'abc' to data type int."
    );
    let e = qerr("__mssql_conv('abcdef', 'varchar(3)', 'name', 'db.dbo.people')");
    assert_eq!(e.number, 2628);
    assert_eq!(
        e.message,
        "String or binary data would be truncated in table 'db.dbo.people', column 'name'. Truncated value: 'abc'."
    );
    assert_eq!(qerr("__mssql_cast(1, 'nosuchtype', 0)").number, 2715);
    assert_eq!(
        recover(&raise(SqlError::new(50000, 16, "a:b")))
            .unwrap()
            .message,
        "a:b"
    );
}

#[test]
fn conversions_through_sql() {
    assert_eq!(txt("__mssql_conv(5, 'decimal(18,4)', 'c', 't')"), "5.0000");
    assert_eq!(
        txt("__mssql_cast('2024-01-05T10:00:00', 'datetime2(0)', 0)"),
        "2024-01-05 10:00:00.0000000"
    );
    assert_eq!(txt("__mssql_cast('05/01/2024', 'date', 103)"), "2024-01-05");
    assert_eq!(
        txt("__mssql_cast('2024-01-05 13:04:05.0000000', 'varchar(30)', 103, 'datetime')"),
        "05/01/2024"
    );
    assert_eq!(int("__mssql_datalength('abc', 'nvarchar(10)')"), 6);
    assert_eq!(int("__mssql_datalength('abc', 'varchar(10)')"), 3);
    assert_eq!(int("__mssql_datalength(1, 'bigint')"), 8);
    assert_eq!(int("__mssql_datalength('1.00', 'decimal(18,2)')"), 9);
    assert_eq!(q("__mssql_datalength(NULL, 'int')"), V::Null);
}

#[test]
fn untyped_add_rule() {
    assert_eq!(int("__mssql_add(2, 3)"), 5);
    assert_eq!(txt("__mssql_add('ab', 'cd')"), "abcd");
    assert_eq!(txt("__mssql_add('1.50', '2.25')"), "3.75");
    assert_eq!(txt("__mssql_add('1.50', 2)"), "3.50");
    assert_eq!(q("__mssql_add(1.5, 2)"), V::Real(3.5));
    assert_eq!(q("__mssql_add(NULL, 2)"), V::Null);
    assert_eq!(qerr("__mssql_add('abc', 2)").number, 245);
    assert_eq!(qerr("__mssql_add(9223372036854775807, 1)").number, 8115);
}

#[test]
fn string_functions() {
    assert_eq!(int("LEN('abc  ')"), 3);
    assert_eq!(int("LEN('  a')"), 3);
    assert_eq!(int("LEN(12345)"), 5);
    assert_eq!(q("LEN(NULL)"), V::Null);
    assert_eq!(txt("CHAR(128)"), "€");
    assert_eq!(q("CHAR(256)"), V::Null);
    assert_eq!(txt("NCHAR(26085)"), "日");
    assert_eq!(int("UNICODE('日本')"), 26085);
    assert_eq!(int("ASCII('€')"), 128);
    assert_eq!(txt("UPPER('straße é')"), "STRAßE É");
    assert_eq!(txt("LOWER('ÀB')"), "àb");
    assert_eq!(txt("SUBSTRING('abcdef', 2, 3)"), "bcd");
    assert_eq!(txt("SUBSTRING('abcdef', 0, 3)"), "ab");
    assert_eq!(txt("SUBSTRING('abc', 5, 3)"), "");
    assert_eq!(qerr("SUBSTRING('abc', 1, -1)").number, 537);
    assert_eq!(txt("LEFT('abcdef', 2)"), "ab");
    assert_eq!(txt("__mssql_right('abcdef', 2)"), "ef");
    assert_eq!(txt("RIGHT('ab', 5)"), "ab");
    assert_eq!(txt("LTRIM('  a  ')"), "a  ");
    assert_eq!(txt("RTRIM('  a  ')"), "  a");
    assert_eq!(txt("TRIM('  a  ')"), "a");
    assert_eq!(txt("TRIM('xxaxx', 'x')"), "a");
    assert_eq!(txt("REPLACE('Hello hello', 'HELLO', 'bye')"), "bye bye");
    assert_eq!(txt("REPLICATE('ab', 3)"), "ababab");
    assert_eq!(q("REPLICATE('ab', -1)"), V::Null);
    assert_eq!(int("CHARINDEX('B', 'abcabc')"), 2);
    assert_eq!(int("CHARINDEX('b', 'abcabc', 3)"), 5);
    assert_eq!(int("CHARINDEX('z', 'abc')"), 0);
    assert_eq!(txt("STUFF('abcdef', 2, 3, 'XY')"), "aXYef");
    assert_eq!(q("STUFF('abc', 5, 1, 'x')"), V::Null);
    assert_eq!(txt("REVERSE('abc')"), "cba");
    assert_eq!(txt("SPACE(3)"), "   ");
    assert_eq!(txt("CONCAT('a', NULL, 1, 'b')"), "a1b");
    assert_eq!(int("__mssql_isnull(NULL, 7)"), 7);
    assert_eq!(txt("__mssql_isnull('a', 'b')"), "a");
}

#[test]
fn math_functions() {
    assert_eq!(int("ABS(-5)"), 5);
    assert_eq!(txt("ABS('-1.50')"), "1.50");
    assert_eq!(qerr("ABS(-9223372036854775808)").number, 8115);
    assert_eq!(txt("CEILING('1.20')"), "2");
    assert_eq!(txt("CEILING('-1.20')"), "-1");
    assert_eq!(txt("FLOOR('-1.20')"), "-2");
    assert_eq!(q("FLOOR(-1.5)"), V::Real(-2.0));
    assert_eq!(txt("ROUND('2.345', 2)"), "2.350");
    assert_eq!(txt("ROUND('-2.345', 2)"), "-2.350");
    assert_eq!(txt("ROUND('2.345', 2, 1)"), "2.340");
    assert_eq!(int("ROUND(1250, -2)"), 1300);
    assert_eq!(q("ROUND(2.5, 0)"), V::Real(3.0));
    assert_eq!(q("ROUND(123456789.567, 2)"), V::Real(123456789.57));
    assert_eq!(q("ROUND(-123456789.567, -3)"), V::Real(-123457000.0));
    assert_eq!(
        q("ROUND(0.285, 2)"),
        V::Real(0.28),
        "0.285 is below .285 in binary"
    );
    assert_eq!(int("POWER(2, 10)"), 1024);
    assert_eq!(q("POWER(2.0, 0.5)"), V::Real(2f64.sqrt()));
    assert_eq!(q("SQRT(16)"), V::Real(4.0));
    assert_eq!(qerr("SQRT(-1)").number, 3623);
    assert_eq!(int("SIGN(-7)"), -1);
    assert_eq!(txt("SIGN('-0.50')"), "-1.00");
    assert_eq!(q("SQUARE(3)"), V::Real(9.0));
}

#[test]
fn date_functions() {
    let d = "'2024-01-31 10:30:00.0000000'";
    assert_eq!(
        txt(&format!("DATEADD('month', 1, {d})")),
        "2024-02-29 10:30:00.0000000"
    );
    assert_eq!(txt("DATEADD('day', -1, '2024-03-01')"), "2024-02-29");
    assert_eq!(
        txt(&format!("DATEADD('hh', 14, {d})")),
        "2024-02-01 00:30:00.0000000"
    );
    assert_eq!(
        txt("DATEADD('minute', 90, '23:00:00.0000000')"),
        "00:30:00.0000000"
    );
    assert_eq!(qerr("DATEADD('hour', 1, '2024-01-01')").number, 9810);
    assert_eq!(qerr("DATEADD('year', 1, '9999-06-01')").number, 517);
    assert_eq!(qerr("DATEADD('fortnight', 1, '2024-01-01')").number, 155);
    assert_eq!(int("DATEDIFF('year', '2023-12-31', '2024-01-01')"), 1);
    assert_eq!(int("DATEDIFF('month', '2024-01-31', '2024-02-01')"), 1);
    assert_eq!(int("DATEDIFF('day', '2024-03-01', '2024-02-28')"), -2);
    // 2024-01-06 is a Saturday, 2024-01-07 a Sunday: one week boundary.
    assert_eq!(int("DATEDIFF('week', '2024-01-06', '2024-01-07')"), 1);
    assert_eq!(
        int("DATEDIFF('hour', '2024-01-01 10:59', '2024-01-01 11:00')"),
        1
    );
    assert_eq!(int("DATEDIFF('second', '2024-01-01 10:00:00.0000000 +01:00', '2024-01-01 09:00:01.0000000 +00:00')"), 1);
    assert_eq!(
        qerr("DATEDIFF('ns', '2000-01-01', '2024-01-01')").number,
        535
    );
    assert_eq!(
        int("DATEDIFF_BIG('ns', '2024-01-01', '2024-01-02')"),
        86_400_000_000_000
    );
    assert_eq!(int("DATEPART('weekday', '2024-01-07')"), 1);
    assert_eq!(int("DATEPART('week', '2024-01-07')"), 2);
    assert_eq!(int("DATEPART('iso_week', '2021-01-03')"), 53);
    assert_eq!(int("DATEPART('dayofyear', '2024-12-31')"), 366);
    assert_eq!(int("DATEPART('quarter', '2024-08-01')"), 3);
    assert_eq!(int("DATEPART('ms', '2024-01-01 10:00:00.1234567')"), 123);
    assert_eq!(
        int("DATEPART('tzoffset', '2024-01-01 10:00:00.0000000 -05:30')"),
        -330
    );
    assert_eq!(txt("DATENAME('month', '2024-02-01')"), "February");
    assert_eq!(txt("DATENAME('weekday', '2024-01-01')"), "Monday");
    assert_eq!(
        int("YEAR('2024-02-01')") * 100 + int("MONTH('2024-02-01')"),
        202_402
    );
    assert_eq!(int("DAY('20240229')"), 29);
    assert_eq!(int("YEAR(0)"), 1900);
    assert_eq!(txt("EOMONTH('2024-02-10')"), "2024-02-29");
    assert_eq!(txt("EOMONTH('2024-01-31', 1)"), "2024-02-29");
    assert_eq!(txt("DATEFROMPARTS(2024, 2, 29)"), "2024-02-29");
    assert_eq!(qerr("DATEFROMPARTS(2023, 2, 29)").number, 289);
    assert_eq!(qerr("YEAR('not a date')").number, 241);
}

#[test]
fn clock_and_guid_functions() {
    let now = txt("GETDATE()");
    assert_eq!(now.len(), 27);
    let t300 = crate::values::temporal::parse_canonical_datetime(now.as_bytes())
        .unwrap()
        .1;
    assert_eq!(
        crate::values::temporal::ticks_from_300(crate::values::temporal::ticks_to_300(t300)),
        t300
    );
    assert_eq!(txt("SYSDATETIMEOFFSET()").len(), 34);
    let a = txt("NEWID()");
    let b = txt("NEWID()");
    assert_ne!(a, b);
    assert_eq!(a.as_bytes()[14], b'4');
    let c = conn();
    let ids: Vec<String> = (0..5)
        .map(|_| {
            c.query_row("SELECT NEWSEQUENTIALID()", [], |r| r.get(0))
                .unwrap()
        })
        .collect();
    for w in ids.windows(2) {
        assert_eq!(
            crate::collation::guid_cmp(&w[0], &w[1]),
            std::cmp::Ordering::Less,
            "{w:?}"
        );
    }
}

#[test]
fn exact_decimal_arithmetic() {
    assert_eq!(txt("__mssql_sub('1.50', '0.25')"), "1.25");
    assert_eq!(int("__mssql_sub(5, 7)"), -2);
    assert_eq!(txt("__mssql_mul('1.50', '2.25')"), "3.3750");
    assert_eq!(txt("__mssql_mul('0.1', 3)"), "0.3");
    let big = format!("'{}'", "9".repeat(38));
    assert_eq!(qerr(&format!("__mssql_mul({big}, 10)")).number, 8115);
    assert_eq!(int("__mssql_div(7, 2)"), 3);
    assert_eq!(int("__mssql_div(-7, 2)"), -3);
    let e = qerr("__mssql_div(1, 0)");
    assert_eq!(
        (e.number, e.message.as_str()),
        (8134, "Divide by zero error encountered.")
    );
    assert_eq!(txt("__mssql_div('2', '3')"), "0.666666");
    assert_eq!(txt("__mssql_div('1.00', '3')"), "0.333333");
    assert_eq!(txt("__mssql_div('10.0', '4.00')"), "2.500000");
    assert_eq!(int("__mssql_mod(-7, 3)"), -1);
    assert_eq!(txt("__mssql_mod('7.5', '2')"), "1.5");
    assert_eq!(q("__mssql_mul(1.5, '2')"), V::Real(3.0));
}

#[test]
fn exact_sum_and_avg() {
    let c = conn();
    c.execute_batch(
        "CREATE TABLE t (g INTEGER, d TEXT, i INTEGER);
         INSERT INTO t VALUES (1, '0.10', 1), (1, '0.20', 2), (2, '12345678901234567890123456789.01', 4),
                              (2, '0.02', 5), (3, NULL, NULL);",
    )
    .unwrap();
    let rows: Vec<(V, V, V, V)> = c
        .prepare("SELECT __mssql_sum(d), __mssql_avg(d), __mssql_sum(i), __mssql_avg(i) FROM t GROUP BY g ORDER BY g")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows[0],
        (
            V::Text("0.30".into()),
            V::Text("0.150000".into()),
            V::Integer(3),
            V::Integer(1)
        )
    );
    assert_eq!(
        rows[1].0,
        V::Text("12345678901234567890123456789.03".into())
    );
    assert_eq!(rows[2], (V::Null, V::Null, V::Null, V::Null));
    let running: Vec<String> = c
        .prepare("SELECT __mssql_sum(d) OVER (ORDER BY i ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t WHERE g = 1 ORDER BY i")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(running, vec!["0.10", "0.30"]);
}

#[test]
fn try_cast_isnumeric_and_extras() {
    assert_eq!(q("__mssql_try_cast('abc', 'int', 0)"), V::Null);
    assert_eq!(int("__mssql_try_cast('12', 'int', 0)"), 12);
    assert_eq!(int("ISNUMERIC('1e5')"), 1);
    assert_eq!(int("ISNUMERIC('$1,000.50')"), 1);
    assert_eq!(int("ISNUMERIC('abc')"), 0);
    assert_eq!(int("ISNUMERIC(NULL)"), 0);
    assert_eq!(int("DATALENGTH(X'0102')"), 2);
    assert_eq!(txt("CONCAT_WS('-', 'a', NULL, 'b')"), "a-b");
    assert_eq!(q("LOG10(1000)"), V::Real(3.0));
    assert_eq!(qerr("LOG(0)").number, 3623);
    assert_eq!(q("PI()"), V::Real(std::f64::consts::PI));
    assert_eq!(int("DEGREES(1)"), 57);
}

#[test]
fn quotename_translate_str_patindex() {
    assert_eq!(txt("QUOTENAME('a]b')"), "[a]]b]");
    assert_eq!(txt("QUOTENAME('it''s', '''')"), "'it''s'");
    assert_eq!(q("QUOTENAME('x', 'z')"), V::Null);
    assert_eq!(
        txt("TRANSLATE('2*[3+4]/{7-2}', '[]{}', '()()')"),
        "2*(3+4)/(7-2)"
    );
    assert_eq!(qerr("TRANSLATE('a', 'ab', 'c')").number, 9828);
    assert_eq!(txt("STR(123.45)"), "       123");
    assert_eq!(txt("STR(123.45, 8, 1)"), "   123.5");
    assert_eq!(txt("STR(123456, 3)"), "***");
    assert_eq!(int("PATINDEX('%b%', 'abc')"), 2);
}

#[test]
fn like_operator_has_tsql_semantics() {
    assert_eq!(int("'Émile' LIKE 'é%'"), 1);
    assert_eq!(int("'b' LIKE '[a-c]'"), 1);
    assert_eq!(int("'50%' LIKE '50!%' ESCAPE '!'"), 1);
    assert_eq!(int("'abc' NOT LIKE 'A_C'"), 0);
    assert_eq!(int("__mssql_like('abc', 'A%')"), 1);
    assert_eq!(q("NULL LIKE 'a'"), V::Null);
}

#[test]
fn rand_is_in_unit_interval_and_seeded_is_repeatable() {
    for _ in 0..20 {
        match q("RAND()") {
            V::Real(f) => assert!((0.0..1.0).contains(&f)),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(q("RAND(42)"), q("RAND(42)"));
    assert_ne!(q("RAND(42)"), q("RAND(43)"));
}
