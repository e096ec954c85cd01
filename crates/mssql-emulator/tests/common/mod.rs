//! A scripted backend for testing the protocol side alone (no SQL engine): its "SQL" is a
//! handful of commands (`ROWS n`, `FOREVER`, `PARAMS`, `USE db`...).

#![allow(dead_code)]

pub mod client;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mssql_emulator::backend::{Backend, Credentials, LoginRequest};
use mssql_emulator::server::{self, ServerConfig, ServerHandle};
use tsql_engine::{
    Abort, ColumnMeta, Done, EnvChange, Param, ResultSink, SqlError, SqlType, Value,
};

/// A backend whose "SQL" is a handful of commands, so the protocol can be tested alone.
pub struct Scripted {
    credentials: Credentials,
}

pub struct ScriptedSession {
    database: String,
    transaction: u64,
}

impl Backend for Scripted {
    type Session = ScriptedSession;

    fn login(&self, login: &LoginRequest) -> Result<ScriptedSession, SqlError> {
        self.credentials.check(&login.user, &login.password)?;
        let database = match login.database.as_str() {
            "" => "master",
            "master" | "shop" => &login.database,
            other => {
                return Err(SqlError::new(
                    4060,
                    11,
                    format!(
                        "Cannot open database \"{other}\" requested by the login. The login failed."
                    ),
                ))
            }
        };
        Ok(ScriptedSession {
            database: database.to_string(),
            transaction: 0,
        })
    }

    fn database(&self, session: &ScriptedSession) -> String {
        session.database.clone()
    }

    fn execute(
        &self,
        session: &mut ScriptedSession,
        sql: &str,
        params: &mut [Param],
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort> {
        let sql = sql.trim();
        if let Some(n) = sql.strip_prefix("ROWS ") {
            let n: i32 = n.parse().unwrap_or(0);
            let mut id = ColumnMeta::new("id", SqlType::Int);
            id.nullable = false;
            out.columns(&[id, ColumnMeta::new("name", SqlType::NVarChar(Some(50)))])?;
            for i in 0..n {
                let name = if i % 3 == 0 {
                    Value::Null
                } else {
                    Value::String(format!("name {i}"))
                };
                out.row(&[Value::Int(i), name])?;
            }
            out.done(Done {
                rowcount: Some(n as u64),
                error: false,
            })
        } else if sql == "FOREVER" {
            out.columns(&[ColumnMeta::new("n", SqlType::BigInt)])?;
            let start = Instant::now();
            let mut i = 0i64;
            while start.elapsed() < Duration::from_secs(30) {
                if out.cancelled() {
                    return Err(Abort::Cancelled);
                }
                out.row(&[Value::BigInt(i)])?;
                i += 1;
                if i % 100 == 0 {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            out.done(Done::default())
        } else if sql == "ERROR THEN ROW" {
            out.message(&SqlError::new(50000, 16, "boom"), true)?;
            out.done(Done {
                rowcount: None,
                error: true,
            })?;
            out.columns(&[ColumnMeta::new("after", SqlType::Int)])?;
            out.row(&[Value::Int(7)])?;
            out.done(Done {
                rowcount: Some(1),
                error: false,
            })
        } else if sql.starts_with("BIG ") {
            out.columns(&[ColumnMeta::new("len", SqlType::BigInt)])?;
            out.row(&[Value::BigInt(sql.chars().count() as i64)])?;
            out.done(Done {
                rowcount: Some(1),
                error: false,
            })
        } else if sql.starts_with("PARAMS") {
            let columns: Vec<ColumnMeta> = params
                .iter()
                .map(|p| ColumnMeta::new(p.name.trim_start_matches('@'), p.ty))
                .collect();
            let values: Vec<Value> = params.iter().map(|p| p.value.clone()).collect();
            out.columns(&columns)?;
            out.row(&values)?;
            for p in params.iter_mut().filter(|p| p.output) {
                if let Value::Int(v) = p.value {
                    p.value = Value::Int(v * 2);
                }
            }
            out.done(Done {
                rowcount: Some(1),
                error: false,
            })
        } else if let Some(db) = sql.strip_prefix("USE ") {
            let old = std::mem::replace(&mut session.database, db.to_string());
            out.env_change(&EnvChange::Database {
                old,
                new: db.to_string(),
            })?;
            out.message(
                &SqlError::new(5701, 0, format!("Changed database context to '{db}'.")),
                false,
            )?;
            out.done(Done::default())
        } else if sql == "TRANCOUNT" {
            out.columns(&[ColumnMeta::new("", SqlType::Int)])?;
            out.row(&[Value::Int((session.transaction != 0) as i32)])?;
            out.done(Done {
                rowcount: Some(1),
                error: false,
            })
        } else if sql.starts_with("EXEC @__rpc_return_status = ") {
            // A procedure called by RPC: echo the statement, set the status, double outputs.
            out.columns(&[ColumnMeta::new("sql", SqlType::NVarChar(None))])?;
            out.row(&[Value::String(sql.to_string())])?;
            params[0].value = Value::Int(3);
            for p in params.iter_mut().skip(1).filter(|p| p.output) {
                if let Value::Int(v) = p.value {
                    p.value = Value::Int(v * 2);
                }
            }
            out.done(Done {
                rowcount: Some(1),
                error: false,
            })
        } else if sql == "PANIC" {
            panic!("scripted panic");
        } else {
            out.done(Done::default())
        }
    }

    fn begin_transaction(
        &self,
        session: &mut ScriptedSession,
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort> {
        session.transaction = 77;
        out.env_change(&EnvChange::BeginTransaction { descriptor: 77 })
    }

    fn commit(&self, session: &mut ScriptedSession, out: &mut dyn ResultSink) -> Result<(), Abort> {
        let descriptor = std::mem::take(&mut session.transaction);
        out.env_change(&EnvChange::CommitTransaction { descriptor })
    }

    fn rollback(
        &self,
        session: &mut ScriptedSession,
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort> {
        let descriptor = std::mem::take(&mut session.transaction);
        out.env_change(&EnvChange::RollbackTransaction { descriptor })
    }
}

pub fn start_server() -> ServerHandle {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let backend = Arc::new(Scripted {
        credentials: Credentials::new([("sa", "Secret-1")]),
    });
    server::start(listener, backend, ServerConfig::default()).unwrap()
}
