//! The incremental read a connector sends: `SELECT ... WHERE [cursor] >= @P1 ORDER BY
//! [cursor]` with the cursor bound as a typed RPC parameter, for each cursor type; and the
//! order SQL Server gives character and uniqueidentifier keys.

mod common;

use common::*;
use tds_protocol::types::{Date, Decimal, Time};
use tsql_engine::values::temporal::{days_from_civil, TICKS_PER_SECOND};
use tsql_engine::{Param, SqlType, Value};

fn setup() -> (std::sync::Arc<tsql_engine::Engine>, tsql_engine::Session) {
    let e = engine();
    let s = session(&e);
    (e, s)
}

/// The ids the incremental query returns for cursor value `v` of type `ty`.
fn read_from(s: &mut tsql_engine::Session, ty: SqlType, v: Value) -> Vec<String> {
    let mut params = vec![Param {
        name: "@P1".into(),
        ty,
        value: v,
        output: false,
    }];
    let mut c = Collect::default();
    s.execute(
        "SELECT [id],[ts] FROM [dbo].[t] WHERE [ts] >= @P1 ORDER BY [ts]",
        &mut params,
        &mut c,
    )
    .expect("runs");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    rows(&c).into_iter().map(|r| r[0].clone()).collect()
}

fn date(y: i64, m: u32, d: u32) -> Date {
    Date(days_from_civil(y, m, d) as u32)
}

#[test]
fn datetime2_cursor() {
    let (_e, mut s) = setup();
    ok(&mut s, "CREATE TABLE t (id int, ts datetime2(7))");
    ok(
        &mut s,
        "INSERT INTO t VALUES (1, '2024-01-02 10:00:00.5'), (2, '2024-01-01 23:59:59.9999999'), (3, '2024-01-02 09:00'), (4, '2023-12-31')",
    );
    let at = |h: u64| Time(h * 3600 * TICKS_PER_SECOND);
    let v = Value::DateTime2(date(2024, 1, 2), at(9));
    assert_eq!(
        read_from(&mut s, SqlType::DateTime2 { scale: 7 }, v),
        ["3", "1"]
    );
    let v = Value::DateTime2(date(2024, 1, 1), at(0));
    assert_eq!(
        read_from(&mut s, SqlType::DateTime2 { scale: 7 }, v),
        ["2", "3", "1"]
    );
}

#[test]
fn decimal_bigint_and_offset_cursors() {
    let (_e, mut s) = setup();
    ok(&mut s, "CREATE TABLE t (id int, ts decimal(12,3))");
    ok(
        &mut s,
        "INSERT INTO t VALUES (1, 10.5), (2, 9.75), (3, -1), (4, 100)",
    );
    let v = Value::Decimal(Decimal {
        mantissa: 975,
        scale: 2,
    });
    let ty = SqlType::Decimal {
        precision: 12,
        scale: 2,
    };
    assert_eq!(read_from(&mut s, ty, v), ["2", "1", "4"]);

    ok(&mut s, "DROP TABLE t; CREATE TABLE t (id int, ts bigint)");
    ok(
        &mut s,
        "INSERT INTO t VALUES (1, 5000000000), (2, 7), (3, -2)",
    );
    assert_eq!(
        read_from(&mut s, SqlType::BigInt, Value::BigInt(7)),
        ["2", "1"]
    );

    ok(
        &mut s,
        "DROP TABLE t; CREATE TABLE t (id int, ts datetimeoffset(7))",
    );
    // 1 is 09:00 UTC, 2 is 11:00 UTC, 3 is 10:30 UTC.
    ok(
        &mut s,
        "INSERT INTO t VALUES (1, '2024-01-01 10:00 +01:00'), (2, '2024-01-01 11:00 +00:00'), (3, '2024-01-01 05:30 -05:00')",
    );
    // 10:00 UTC given as 12:00 +02:00.
    let v = Value::DateTimeOffset {
        date: date(2024, 1, 1),
        time: Time(12 * 3600 * TICKS_PER_SECOND),
        offset_minutes: 120,
    };
    assert_eq!(
        read_from(&mut s, SqlType::DateTimeOffset { scale: 7 }, v),
        ["3", "2"]
    );
}

#[test]
fn character_and_guid_keys_sort_as_sql_server() {
    let (_e, mut s) = setup();
    ok(
        &mut s,
        "CREATE TABLE k (name nvarchar(20), g uniqueidentifier)",
    );
    ok(
        &mut s,
        "INSERT INTO k VALUES (N'b', '00000000-0000-0000-0000-000000000002'), (N'A', 'FF000000-0000-0000-0000-000000000001'), (N'C', '00000000-0000-0000-0100-000000000001'), (N'a2', '00000000-0000-0001-0000-000000000001')",
    );
    let c = ok(&mut s, "SELECT name FROM k ORDER BY name");
    assert_eq!(rows(&c), vec![vec!["A"], vec!["a2"], vec!["b"], vec!["C"]]);
    // The last six bytes weigh most, then bytes 8-9, then 6-7...
    let c = ok(&mut s, "SELECT name FROM k ORDER BY g");
    assert_eq!(rows(&c), vec![vec!["A"], vec!["a2"], vec!["C"], vec!["b"]]);
}
