//! A result sink that collects everything a batch produced, for assertions.

#![allow(dead_code)]

use std::sync::Arc;

use tsql_engine::{
    Abort, ColumnMeta, Done, Engine, EngineOptions, EnvChange, ResultSink, Session, SqlError, Value,
};

#[derive(Debug, Default)]
pub struct ResultSet {
    pub columns: Vec<ColumnMeta>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, Default)]
pub struct Collect {
    pub results: Vec<ResultSet>,
    pub dones: Vec<Done>,
    pub errors: Vec<SqlError>,
    pub infos: Vec<SqlError>,
    pub env: Vec<EnvChange>,
}

impl ResultSink for Collect {
    fn columns(&mut self, columns: &[ColumnMeta]) -> Result<(), Abort> {
        self.results.push(ResultSet {
            columns: columns.to_vec(),
            rows: vec![],
        });
        Ok(())
    }
    fn row(&mut self, values: &[Value]) -> Result<(), Abort> {
        if let Some(r) = self.results.last_mut() {
            r.rows.push(values.to_vec());
        }
        Ok(())
    }
    fn done(&mut self, done: Done) -> Result<(), Abort> {
        self.dones.push(done);
        Ok(())
    }
    fn message(&mut self, m: &SqlError, is_error: bool) -> Result<(), Abort> {
        if is_error {
            self.errors.push(m.clone());
        } else {
            self.infos.push(m.clone());
        }
        Ok(())
    }
    fn env_change(&mut self, c: &EnvChange) -> Result<(), Abort> {
        self.env.push(c.clone());
        Ok(())
    }
}

pub fn engine() -> Arc<Engine> {
    Engine::open(EngineOptions {
        databases: vec!["testdb".into()],
        server_name: "testsrv".into(),
        ..Default::default()
    })
    .expect("engine opens")
}

pub fn session(e: &Arc<Engine>) -> Session {
    e.session("sa", "testdb", 51).expect("session opens")
}

/// Runs a batch and returns what it produced.
pub fn run(s: &mut Session, sql: &str) -> Collect {
    let mut c = Collect::default();
    s.execute(sql, &mut [], &mut c).expect("not aborted");
    c
}

/// Runs a batch that must not fail.
pub fn ok(s: &mut Session, sql: &str) -> Collect {
    let c = run(s, sql);
    assert!(c.errors.is_empty(), "{sql}: {:?}", c.errors);
    c
}

/// The rows of the first result set as strings (NULL as "NULL") for easy comparison.
pub fn rows(c: &Collect) -> Vec<Vec<String>> {
    c.results
        .first()
        .map(|r| {
            r.rows
                .iter()
                .map(|row| row.iter().map(show).collect())
                .collect()
        })
        .unwrap_or_default()
}

pub fn show(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bit(b) => (*b as i32).to_string(),
        Value::TinyInt(n) => n.to_string(),
        Value::SmallInt(n) => n.to_string(),
        Value::Int(n) => n.to_string(),
        Value::BigInt(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Float(f) => f.to_string(),
        Value::Decimal(d) => {
            let neg = d.mantissa < 0;
            let digits = d.mantissa.unsigned_abs().to_string();
            let s = d.scale as usize;
            let digits = format!("{digits:0>width$}", width = s + 1);
            let (i, f) = digits.split_at(digits.len() - s);
            format!(
                "{}{}{}{}",
                if neg { "-" } else { "" },
                i,
                if s > 0 { "." } else { "" },
                f
            )
        }
        other => format!("{other:?}"),
    }
}

/// One scalar of the first row of the first result.
pub fn scalar(s: &mut Session, sql: &str) -> String {
    let c = ok(s, sql);
    rows(&c)
        .first()
        .and_then(|r| r.first().cloned())
        .unwrap_or_else(|| panic!("{sql}: no rows"))
}
