//! Streaming speed: a full scan of a narrow 5-column table (rows/s printed).

mod common;
use common::*;
use tsql_engine::{Abort, ColumnMeta, Done, EnvChange, ResultSink, SqlError, Value};

/// Counts rows without keeping them, as a network sink would.
#[derive(Default)]
struct Count {
    rows: u64,
    errors: Vec<SqlError>,
}

impl ResultSink for Count {
    fn columns(&mut self, _: &[ColumnMeta]) -> Result<(), Abort> {
        Ok(())
    }
    fn row(&mut self, values: &[Value]) -> Result<(), Abort> {
        self.rows += values.len() as u64 / 5;
        Ok(())
    }
    fn done(&mut self, _: Done) -> Result<(), Abort> {
        Ok(())
    }
    fn message(&mut self, m: &SqlError, is_error: bool) -> Result<(), Abort> {
        if is_error {
            self.errors.push(m.clone());
        }
        Ok(())
    }
    fn env_change(&mut self, _: &EnvChange) -> Result<(), Abort> {
        Ok(())
    }
}

#[test]
fn full_scan_rows_per_second() {
    let n: u64 = if cfg!(debug_assertions) {
        20_000
    } else {
        500_000
    };
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE narrow (id int NOT NULL PRIMARY KEY, big bigint, name nvarchar(50), at datetime2, amount decimal(18,4))");
    ok(&mut s, &format!(
        "WITH n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
         INSERT INTO narrow (id, big, name, at, amount) SELECT i, i * 1000, N'name', '2024-01-02 03:04:05', 12.5 FROM n OPTION (MAXRECURSION 0)"
    ).replace(" OPTION (MAXRECURSION 0)", ""));
    let started = std::time::Instant::now();
    let mut count = Count::default();
    s.execute(
        "SELECT id, big, name, at, amount FROM narrow",
        &mut [],
        &mut count,
    )
    .expect("runs");
    let took = started.elapsed();
    assert!(count.errors.is_empty(), "{:?}", count.errors);
    assert_eq!(count.rows, n);
    let rate = n as f64 / took.as_secs_f64();
    println!("scanned {n} rows in {took:?}: {rate:.0} rows/s");
    if !cfg!(debug_assertions) {
        assert!(rate > 300_000.0, "scan too slow: {rate:.0} rows/s");
    }
}
