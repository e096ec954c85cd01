//! One client connection: its SQLite connection (every database attached), current
//! database, transaction nesting, variables, temporary tables; runs batches statement by
//! statement and streams their results.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use rusqlite::Connection;
use sqlparser::ast::{Expr, Query, SelectItem, SetExpr, Statement};
use tds_protocol::types::{SqlError, SqlType, Value};

use crate::catalog::{quote, TableMeta};
use crate::databases::{self, DbEntry};
use crate::errors;
use crate::query_cache::CachedQuery;
use crate::sink::{Abort, Done, EnvChange, Param, ResultSink};
use crate::translate::expr::Rewriter;
use crate::translate::names::{Parts, Resolver};
use crate::translate::{self, Clustering};
use crate::try_catch::{self, Line, Unit};
use crate::{values, Engine};

/// Why a statement stopped: a SQL error (reported, the batch may go on) or an abort.
pub enum Fail {
    Sql(SqlError),
    Abort(Abort),
    /// An error already reported ended the batch (inside an IF block).
    Stopped,
}

impl From<SqlError> for Fail {
    fn from(e: SqlError) -> Fail {
        Fail::Sql(e)
    }
}

impl From<Abort> for Fail {
    fn from(a: Abort) -> Fail {
        Fail::Abort(a)
    }
}

pub type Res<T> = Result<T, Fail>;

/// Rows between two checks of the sink's cancellation flag.
pub(crate) const CANCEL_CHECK: u64 = 256;

/// A WHILE loop's iteration limit (a runaway loop must not hang the session forever).
const MAX_LOOP_ITERATIONS: u64 = 10_000_000;

/// One connection's state: current database, open transaction, temporary tables, @@ROWCOUNT.
pub struct Session {
    pub(crate) engine: Arc<Engine>,
    pub(crate) conn: Connection,
    pub(crate) db: String,
    login: String,
    spid: u16,
    attached: Vec<DbEntry>,
    db_generation: u64,
    pub(crate) tran_count: u32,
    pub(crate) descriptor: u64,
    /// Variables of the running batch (and the parameters), by lower-case name with `@`.
    pub(crate) vars: HashMap<String, (SqlType, Value)>,
    pub(crate) rowcount: i64,
    /// `@@ERROR`: the number of the previous statement's error, 0 after success.
    pub(crate) last_error: i32,
    /// The error a CATCH block handles (`ERROR_MESSAGE()`, `THROW;`).
    pub(crate) caught: Option<SqlError>,
    /// How many TRY blocks are running (THROW inside one is caught, not reported).
    pub(crate) in_try: u32,
    pub(crate) scope_identity: Option<i64>,
    /// `SET IDENTITY_INSERT x ON`: (SQLite db, SQLite table).
    pub(crate) identity_insert: Option<(String, String)>,
    pub(crate) temps: HashMap<String, Arc<TableMeta>>,
    pub(crate) nocount: bool,
    /// `SET XACT_ABORT ON`.
    pub(crate) xact_abort: bool,
    /// `SET LOCK_TIMEOUT`: how long to wait for a lock, in ms (-1: without limit).
    pub(crate) lock_timeout: i64,
    /// DDL ran inside the open transaction: other sessions must re-read the catalog at its end.
    pub(crate) ddl_in_tran: bool,
    /// Translations of lone SELECT batches by SQL text.
    pub(crate) query_cache: HashMap<String, Arc<CachedQuery>>,
    /// The text of the running batch when it is a lone SELECT (a cache candidate).
    pub(crate) cache_key: Option<String>,
    /// What the client said about itself at login.
    client: crate::ClientInfo,
    /// This session's entry in the engine's list of sessions.
    registry_key: u64,
    /// The target of the `INSERT BULK` just run, for the BulkLoad message that follows.
    pub(crate) bulk: Option<crate::bulk::BulkTarget>,
    /// `SET FMTONLY ON`: queries return their columns and no rows.
    pub(crate) fmtonly: bool,
    /// How many procedure bodies (and dynamic SQL batches) are running (`@@NESTLEVEL`).
    pub(crate) nesting: u32,
    /// A RETURN ran: its status, until the procedure that ran it takes it.
    pub(crate) returning: Option<i32>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.engine.sessions.remove(self.registry_key);
    }
}

impl Session {
    pub(crate) fn new(
        engine: Arc<Engine>,
        login: &str,
        db: &str,
        spid: u16,
        client: crate::ClientInfo,
    ) -> Result<Session, SqlError> {
        let attached = engine.databases_list();
        let db_generation = engine.db_generation.load(Ordering::SeqCst);
        let conn = databases::connect(&attached)?;
        let registry_key = engine.sessions.add(crate::catalog::dm::SessionRow {
            spid,
            login: login.to_string(),
            client: client.clone(),
            login_time: crate::functions::dates::datetime_now(),
            database_id: engine.database(db).map_or(0, |d| d.id),
        });
        if let Err(e) = crate::catalog::dm::register(&conn, engine.sessions.clone(), registry_key) {
            engine.sessions.remove(registry_key);
            return Err(e);
        }
        Ok(Session {
            engine,
            conn,
            db: db.to_string(),
            login: login.to_string(),
            spid,
            attached,
            db_generation,
            tran_count: 0,
            descriptor: 0,
            vars: HashMap::new(),
            rowcount: 0,
            last_error: 0,
            caught: None,
            in_try: 0,
            scope_identity: None,
            identity_insert: None,
            temps: HashMap::new(),
            nocount: false,
            xact_abort: false,
            lock_timeout: -1,
            ddl_in_tran: false,
            query_cache: HashMap::new(),
            cache_key: None,
            client,
            registry_key,
            bulk: None,
            fmtonly: false,
            nesting: 0,
            returning: None,
        })
    }

    /// Runs a batch of one or more statements, streaming what it produces into `out`.
    /// SQL errors go to `out` as messages (the batch stops or goes on as SQL Server's would);
    /// `Err` only when the sink aborts (attention or I/O).
    pub fn execute(
        &mut self,
        sql: &str,
        params: &mut [Param],
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort> {
        if let Err(e) = self.refresh_databases() {
            return report(out, e);
        }
        // A bulk load must follow its INSERT BULK at once.
        self.bulk = None;
        if let Some(parsed) = crate::bulk::statement::parse(sql) {
            return self.insert_bulk(parsed, out);
        }
        self.vars.clear();
        self.returning = None;
        if let Some(def) = crate::procedures::header::parse_create(sql) {
            return self.define_procedure(def, sql, out);
        }
        for p in params.iter() {
            self.vars
                .insert(p.name.to_ascii_lowercase(), (p.ty, p.value.clone()));
        }
        let key = self.cache_key_of(sql);
        let result = match self.run_cached(&key, out) {
            Some(r) => r,
            None => match translate::parse_batch(sql) {
                Ok(batch) => {
                    let lone_select = batch.statements.len() == 1
                        && matches!(batch.statements[0].0, Statement::Query(_));
                    self.cache_key = lone_select.then_some(key);
                    let mut clustering = batch.clustering;
                    let r = self.run_list(
                        batch.statements.iter().map(|(s, l)| (s, *l)),
                        &mut clustering,
                        out,
                    );
                    self.cache_key = None;
                    r
                }
                Err(_) if crate::procedures::header::mentions_definition(sql) => report(
                    out,
                    SqlError::new(
                        111,
                        15,
                        "'CREATE/ALTER PROCEDURE' must be the first statement in a query batch.",
                    ),
                )
                .map(|_| false),
                Err(e) => report(out, e).map(|_| false),
            },
        };
        for p in params.iter_mut().filter(|p| p.output) {
            if let Some((_, v)) = self.vars.get(&p.name.to_ascii_lowercase()) {
                p.value = v.clone();
            }
        }
        self.vars.clear();
        result.map(|_| ())
    }

    /// Runs statements in order; `Ok(false)` when an error ended the batch.
    pub(crate) fn run_list<'s>(
        &mut self,
        statements: impl Iterator<Item = (&'s Statement, u32)>,
        clustering: &mut Clustering,
        out: &mut dyn ResultSink,
    ) -> Result<bool, Abort> {
        let list: Vec<Line<'_>> = statements.collect();
        let mut i = 0;
        while i < list.len() {
            let (unit, next) = match try_catch::next_unit(&list, i) {
                Ok(u) => u,
                Err(e) => return report(out, e).map(|_| false),
            };
            i = next;
            let (stmt, line) = match unit {
                Unit::Statement(s) => s,
                Unit::TryCatch {
                    try_block,
                    catch_block,
                } => {
                    if !self.try_catch(try_block, catch_block, clustering, out)? {
                        return Ok(false);
                    }
                    continue;
                }
            };
            let result = self.statement(stmt, line, clustering, out);
            self.last_error = match &result {
                Err(Fail::Sql(e)) => e.number,
                _ => 0,
            };
            let failed = matches!(result, Err(Fail::Sql(_)));
            let go_on = ended(result, line, out)?;
            if failed && self.xact_abort {
                // XACT_ABORT ON: any error rolls the transaction back and ends the batch.
                if self.tran_count > 0 {
                    if let Err(Fail::Abort(a)) = self.rollback_tran(out) {
                        return Err(a);
                    }
                }
                return Ok(false);
            }
            if !go_on {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Runs a block's statements (IF, WHILE, BEGIN...END, a procedure's body). Inside a TRY
    /// block the first error is returned unreported, for the CATCH block to handle.
    pub(crate) fn run_block<'s>(
        &mut self,
        statements: impl Iterator<Item = (&'s Statement, u32)>,
        clustering: &mut Clustering,
        out: &mut dyn ResultSink,
    ) -> Res<()> {
        if self.in_try > 0 {
            let list: Vec<Line<'_>> = statements.collect();
            return self.run_try(&list, clustering, out);
        }
        match self.run_list(statements, clustering, out)? {
            true => Ok(()),
            false => Err(Fail::Stopped),
        }
    }

    /// Attaches databases created (and detaches those dropped) by other sessions.
    fn refresh_databases(&mut self) -> Result<(), SqlError> {
        let current = self.engine.db_generation.load(Ordering::SeqCst);
        if current == self.db_generation {
            return Ok(());
        }
        let list = self.engine.databases_list();
        for old in self.attached.clone() {
            if !list.iter().any(|d| d.name == old.name) {
                let _ = self
                    .conn
                    .execute(&format!("DETACH DATABASE {}", quote(&old.name)), []);
            }
        }
        for new in &list {
            if !self.attached.iter().any(|d| d.name == new.name) {
                databases::attach(&self.conn, new)?;
            }
        }
        self.attached = list;
        self.db_generation = current;
        Ok(())
    }

    pub(crate) fn resolver(&self) -> Resolver<'_> {
        Resolver {
            conn: &self.conn,
            engine: &self.engine,
            db: &self.db,
            temps: &self.temps,
            spid: self.spid,
            login: &self.login,
            vars: &self.vars,
            caught: self.caught.as_ref(),
            client: &self.client,
        }
    }

    pub(crate) fn done(&self, out: &mut dyn ResultSink, count: Option<u64>) -> Res<()> {
        let rowcount = if self.nocount { None } else { count };
        out.done(Done {
            rowcount,
            error: false,
        })?;
        Ok(())
    }

    pub(crate) fn statement(
        &mut self,
        stmt: &Statement,
        line: u32,
        clustering: &mut Clustering,
        out: &mut dyn ResultSink,
    ) -> Res<()> {
        match stmt {
            Statement::Query(q) => match (&q.with, q.body.as_ref()) {
                (Some(with), SetExpr::Insert(Statement::Insert(ins))) => {
                    // `WITH cte AS (...) INSERT ... SELECT ... FROM cte`: the CTEs go with the source.
                    let mut ins = ins.clone();
                    if let Some(src) = &mut ins.source {
                        if src.with.is_none() {
                            src.with = Some(with.clone());
                        }
                    }
                    let n = crate::dml::run(self, &Statement::Insert(ins), out)?;
                    self.rowcount = n as i64;
                    self.done(out, Some(n))
                }
                (
                    Some(_),
                    SetExpr::Insert(_)
                    | SetExpr::Update(_)
                    | SetExpr::Delete(_)
                    | SetExpr::Merge(_),
                ) => Err(errors::not_supported("WITH before UPDATE, DELETE or MERGE").into()),
                (_, SetExpr::Select(sel)) if sel.into.is_some() => {
                    self.select_into(q, clustering, out)
                }
                _ if self.fmtonly => self.query(q, &mut crate::sink::ColumnsOnly(out)),
                _ => self.query(q, out),
            },
            Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Truncate(_)
            | Statement::Merge(_) => {
                let n = crate::dml::run(self, stmt, out)?;
                self.rowcount = n as i64;
                // TRUNCATE reports no count, as SQL Server's DONE for it carries none.
                let count = (!matches!(stmt, Statement::Truncate(_))).then_some(n);
                self.done(out, count)
            }
            Statement::CreateTable(_)
            | Statement::CreateIndex(_)
            | Statement::CreateView(_)
            | Statement::Drop { .. }
            | Statement::AlterTable(_)
            | Statement::CreateSchema { .. }
            | Statement::AlterSchema(_)
            | Statement::CreateDatabase { .. } => {
                crate::ddl::run(self, stmt, clustering)?;
                self.rowcount = 0;
                self.done(out, None)
            }
            Statement::Use(_) => {
                let text = stmt.to_string();
                let name = text
                    .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                    .trim();
                self.use_database(&Parts::parse(name)?.name, out)
            }
            Statement::StartTransaction {
                statements,
                has_end_keyword: true,
                ..
            } => {
                // BEGIN ... END: a block of statements, not a transaction.
                self.run_block(
                    statements.iter().map(|s| (s, line_in(s, line))),
                    clustering,
                    out,
                )
            }
            Statement::StartTransaction { .. } => {
                self.begin(out)?;
                self.done(out, None)
            }
            Statement::Commit { .. } => {
                self.commit_tran(out)?;
                self.done(out, None)
            }
            Statement::Savepoint { name } => {
                if self.tran_count == 0 {
                    return Err(SqlError::new(
                        628,
                        16,
                        "Cannot issue SAVE TRANSACTION when there is no active transaction.",
                    )
                    .into());
                }
                // Locked first: restarting a read-only transaction would lose the savepoint.
                self.hold_write_lock()?;
                self.exec_ddl(&format!("SAVEPOINT {}", quote(&name.value)))?;
                self.done(out, None)
            }
            Statement::Rollback {
                savepoint: Some(name),
                ..
            } => {
                let sql = format!("ROLLBACK TO {}", quote(&name.value));
                self.conn.execute_batch(&sql).map_err(|_| {
                    SqlError::new(6401, 16, format!("Cannot roll back {}. No transaction or savepoint of that name was found.", name.value))
                })?;
                self.done(out, None)
            }
            Statement::Rollback { .. } => {
                self.rollback_tran(out)?;
                self.done(out, None)
            }
            Statement::Declare { stmts } => {
                for d in stmts {
                    let Some(dt) = &d.data_type else {
                        return Err(errors::not_supported("DECLARE CURSOR").into());
                    };
                    let ty = crate::typename::parse(&dt.to_string())?;
                    for name in &d.names {
                        self.vars
                            .insert(name.value.to_ascii_lowercase(), (ty, Value::Null));
                        use sqlparser::ast::DeclareAssignment as A;
                        let value = match &d.assignment {
                            Some(
                                A::Expr(e)
                                | A::Default(e)
                                | A::MsSqlAssignment(e)
                                | A::DuckAssignment(e),
                            ) => Some(e.as_ref()),
                            _ => None,
                        };
                        if let Some(e) = value {
                            self.assign(&name.value, e)?;
                        }
                    }
                }
                self.done(out, None)
            }
            Statement::Set(set) => self.set(stmt, set, out),
            Statement::If(ifs)
                if clustering.loops.contains(&{
                    let at = ifs.if_block.start_token.0.span.start;
                    (at.line, at.column)
                }) =>
            {
                let cond = ifs
                    .if_block
                    .condition
                    .as_ref()
                    .ok_or_else(|| errors::syntax_near("WHILE"))?;
                let mut iterations = 0u64;
                while self.condition(cond)? {
                    iterations += 1;
                    if iterations > MAX_LOOP_ITERATIONS {
                        return Err(SqlError::new(
                            50000,
                            16,
                            format!("WHILE loop stopped after {MAX_LOOP_ITERATIONS} iterations."),
                        )
                        .into());
                    }
                    if out.cancelled() {
                        return Err(Abort::Cancelled.into());
                    }
                    let body = ifs
                        .if_block
                        .statements()
                        .iter()
                        .map(|s| (s, line_in(s, line)));
                    self.run_block(body, clustering, out)?;
                }
                Ok(())
            }
            Statement::If(ifs) => {
                let mut blocks = vec![&ifs.if_block];
                blocks.extend(ifs.elseif_blocks.iter());
                let mut chosen = ifs.else_block.as_ref();
                for b in blocks {
                    if let Some(c) = &b.condition {
                        if self.condition(c)? {
                            chosen = Some(b);
                            break;
                        }
                    }
                }
                if let Some(b) = chosen {
                    self.run_block(
                        b.statements().iter().map(|s| (s, line_in(s, line))),
                        clustering,
                        out,
                    )?;
                }
                Ok(())
            }
            Statement::Print(p) => {
                let text = self.eval_text(&p.message)?;
                let mut info = SqlError::new(0, 0, text);
                info.line = line;
                out.message(&info, false)?;
                Ok(())
            }
            Statement::RaisError {
                message,
                severity,
                state,
                ..
            } => {
                let text = self.eval_text(message)?;
                let class = self.eval_text(severity)?.parse::<u8>().unwrap_or(16);
                let st = self.eval_text(state)?.parse::<u8>().unwrap_or(1);
                let mut e = SqlError::new(50000, class, text).with_state(st);
                e.line = line;
                if class <= 10 {
                    out.message(&e, false)?;
                    Ok(())
                } else {
                    Err(e.into())
                }
            }
            Statement::Throw(t) => self.throw(t, line, out),
            Statement::Execute { .. } => self.execute_call(stmt, clustering, out),
            Statement::Return(r) => self.return_statement(r),
            Statement::DropProcedure { .. } => self.drop_procedures(stmt, out),
            Statement::CreateProcedure { .. } => Err(SqlError::new(
                111,
                15,
                "'CREATE/ALTER PROCEDURE' must be the first statement in a query batch.",
            )
            .into()),
            _ => Err(errors::not_supported(
                stmt.to_string().split_whitespace().next().unwrap_or(""),
            )
            .into()),
        }
    }

    /// Evaluates a T-SQL condition (IF).
    fn condition(&mut self, cond: &Expr) -> Res<bool> {
        let mut e = cond.clone();
        let r = self.resolver();
        Rewriter::new(&r).expr(&mut e)?;
        let sql = format!("SELECT CASE WHEN {e} THEN 1 ELSE 0 END");
        let v = self.scalar(&sql)?;
        Ok(matches!(v, rusqlite::types::Value::Integer(1)))
    }

    /// Evaluates a T-SQL expression to text (PRINT, RAISERROR arguments).
    pub(crate) fn eval_text(&mut self, e: &Expr) -> Res<String> {
        let mut e = e.clone();
        let r = self.resolver();
        Rewriter::new(&r).expr(&mut e)?;
        Ok(match self.scalar(&format!("SELECT {e}"))? {
            rusqlite::types::Value::Null => String::new(),
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Real(f) => f.to_string(),
            rusqlite::types::Value::Text(t) => t,
            rusqlite::types::Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
        })
    }

    /// Runs a one-value query with the session's parameters bound.
    pub(crate) fn scalar(&self, sql: &str) -> Res<rusqlite::types::Value> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| errors::from_sqlite(&e))?;
        self.bind(&mut stmt)?;
        let mut rows = stmt.raw_query();
        match rows.next().map_err(|e| errors::from_sqlite(&e))? {
            Some(row) => Ok(row
                .get::<_, rusqlite::types::Value>(0)
                .map_err(|e| errors::from_sqlite(&e))?),
            None => Ok(rusqlite::types::Value::Null),
        }
    }

    /// `SET @x = expr` / `DECLARE @x t = expr`: converts to the variable's type.
    pub(crate) fn assign(&mut self, name: &str, e: &Expr) -> Res<()> {
        let key = name.to_ascii_lowercase();
        let ty = match self.vars.get(&key) {
            Some((ty, _)) => *ty,
            None => return Err(errors::must_declare(name).into()),
        };
        let value = self.convert_expr(e, ty, name)?;
        self.vars.insert(key, (ty, value));
        Ok(())
    }

    /// Evaluates `e` converted to `ty`, as an assignment to `name` converts it.
    pub(crate) fn convert_expr(&mut self, e: &Expr, ty: SqlType, name: &str) -> Res<Value> {
        let mut e = e.clone();
        let r = self.resolver();
        Rewriter::new(&r).expr(&mut e)?;
        let sql = format!(
            "SELECT __mssql_conv({e}, '{ty}', '{}', '')",
            name.replace('\'', "''")
        );
        let v = self.scalar(&sql)?;
        Ok(values::from_sqlite((&v).into(), &ty)?)
    }

    fn set(
        &mut self,
        stmt: &Statement,
        set: &sqlparser::ast::Set,
        out: &mut dyn ResultSink,
    ) -> Res<()> {
        if let sqlparser::ast::Set::SingleAssignment {
            variable, values, ..
        } = set
        {
            let name = variable.to_string();
            if name.starts_with('@') {
                let e = values.first().ok_or_else(|| errors::syntax_near("="))?;
                self.assign(&name, e)?;
                return self.done(out, None);
            }
        }
        let text = stmt.to_string();
        let words: Vec<String> = text
            .split_whitespace()
            .map(|w| w.to_ascii_uppercase())
            .collect();
        let on = words.last().is_some_and(|w| w == "ON");
        match words.get(1).map(String::as_str) {
            Some("NOCOUNT") => self.nocount = on,
            Some("XACT_ABORT") => self.xact_abort = on,
            Some("FMTONLY") => {
                // No DONE, as SQL Server sends none for it: FreeTDS' bcp reads the columns of
                // `SET FMTONLY ON select * from t SET FMTONLY OFF` from the last result.
                self.fmtonly = on;
                return Ok(());
            }
            Some("LOCK_TIMEOUT") => {
                let ms = words.get(2).and_then(|w| w.parse().ok());
                self.set_lock_timeout(ms.ok_or_else(|| errors::syntax_near("LOCK_TIMEOUT"))?)?;
            }
            Some("IDENTITY_INSERT") => {
                let name = text.split_whitespace().nth(2).unwrap_or("");
                let t = self.resolver().table_parts(&Parts::parse(name)?)?;
                if t.identity.is_none() {
                    return Err(SqlError::new(8106, 16, format!("Table '{}.{}' does not have the identity property. Cannot perform SET operation.", t.schema, t.name)).into());
                }
                self.identity_insert = if on {
                    Some((t.db.clone(), t.sqlite_name.clone()))
                } else {
                    None
                };
            }
            _ => {}
        }
        self.done(out, None)
    }

    /// Binds `@name` parameters: batch variables, RPC parameters and `@__` system values.
    pub(crate) fn bind(&self, stmt: &mut rusqlite::Statement<'_>) -> Res<()> {
        for i in 1..=stmt.parameter_count() {
            let Some(name) = stmt.parameter_name(i).map(str::to_string) else {
                continue;
            };
            let lower = name.to_ascii_lowercase();
            let value: rusqlite::types::Value = match lower.as_str() {
                "@__trancount" => (self.tran_count as i64).into(),
                "@__lock_timeout" => self.lock_timeout.into(),
                "@__rowcount" => self.rowcount.into(),
                "@__nestlevel" => (self.nesting as i64).into(),
                "@__error" => (self.last_error as i64).into(),
                "@__scope_identity" | "@__identity" => self.scope_identity.into(),
                _ => match self.vars.get(&lower) {
                    Some((ty, v)) => values::to_sqlite(v, ty)?,
                    None => return Err(errors::must_declare(&name).into()),
                },
            };
            stmt.raw_bind_parameter(i, value)
                .map_err(|e| errors::from_sqlite(&e))?;
        }
        Ok(())
    }

    /// Runs a statement that returns no rows; returns the rows it changed.
    pub(crate) fn exec(&self, sql: &str) -> Res<u64> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| errors::from_sqlite(&e))?;
        self.bind(&mut stmt)?;
        let n = stmt.raw_execute().map_err(|e| errors::from_sqlite(&e))?;
        Ok(n as u64)
    }

    /// Runs a statement once (DDL and other one-off text: kept out of the statement cache).
    pub(crate) fn exec_ddl(&self, sql: &str) -> Res<u64> {
        let mut stmt = self
            .conn
            .prepare(sql)
            .map_err(|e| errors::from_sqlite(&e))?;
        self.bind(&mut stmt)?;
        let n = stmt.raw_execute().map_err(|e| errors::from_sqlite(&e))?;
        Ok(n as u64)
    }

    pub(crate) fn catalog_changed(&mut self) {
        self.engine.bump_catalog();
        if self.tran_count > 0 {
            self.ddl_in_tran = true;
        }
    }

    fn use_database(&mut self, name: &str, out: &mut dyn ResultSink) -> Res<()> {
        let entry = self
            .engine
            .database(name)
            .ok_or_else(|| errors::unknown_database(name))?;
        let old = std::mem::replace(&mut self.db, entry.name.clone());
        self.engine
            .sessions
            .set_database(self.registry_key, entry.id);
        out.env_change(&EnvChange::Database {
            old,
            new: entry.name.clone(),
        })?;
        let mut info = SqlError::new(
            5701,
            0,
            format!("Changed database context to '{}'.", entry.name),
        );
        info.state = 2;
        out.message(&info, false)?;
        self.done(out, None)
    }

    pub(crate) fn set_database_after_drop(&mut self) {
        if !self.engine.database_exists(&self.db) {
            self.db = "master".into();
        }
    }

    /// The current database's name.
    pub fn database(&self) -> &str {
        &self.db
    }

    /// `@@TRANCOUNT`.
    pub fn transaction_count(&self) -> u32 {
        self.tran_count
    }
}

/// The line a statement of a block starts on (the block's when its span is unknown).
fn line_in(s: &Statement, block_line: u32) -> u32 {
    use sqlparser::ast::Spanned;
    match s.span().start.line {
        0 => block_line,
        l => l as u32,
    }
}

/// Reports how a statement ended; `Ok(false)` when the batch must stop.
pub(crate) fn ended(result: Res<()>, line: u32, out: &mut dyn ResultSink) -> Result<bool, Abort> {
    match result {
        Ok(()) => Ok(true),
        Err(Fail::Abort(a)) => Err(a),
        Err(Fail::Stopped) => Ok(false),
        Err(Fail::Sql(mut e)) => {
            if e.line <= 1 {
                e.line = line;
            }
            out.message(&e, true)?;
            out.done(Done {
                rowcount: None,
                error: true,
            })?;
            Ok(!errors::aborts_batch(&e))
        }
    }
}

pub(crate) fn report(out: &mut dyn ResultSink, e: SqlError) -> Result<(), Abort> {
    out.message(&e, true)?;
    out.done(Done {
        rowcount: None,
        error: true,
    })
}

pub(crate) fn finish(out: &mut dyn ResultSink, r: Res<()>) -> Result<(), Abort> {
    match r {
        Ok(()) => Ok(()),
        Err(Fail::Abort(a)) => Err(a),
        Err(Fail::Sql(e)) => report(out, e),
        Err(Fail::Stopped) => Ok(()),
    }
}

/// SQLite names unnamed expression columns after their text; SQL Server leaves them blank.
pub(crate) fn is_unnamed(name: &str) -> bool {
    name.contains(['(', ' ', '\'', '@', '+', '*', '-', '/']) || name.parse::<f64>().is_ok()
}

/// `SELECT @a = x, @b = y ...`: the variables assigned, in order.
pub(crate) fn assignment_targets(q: &Query) -> Vec<String> {
    let SetExpr::Select(s) = q.body.as_ref() else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for item in &s.projection {
        match item {
            SelectItem::ExprWithAlias { alias, .. } if alias.value.starts_with('@') => {
                names.push(alias.value.clone())
            }
            _ => return Vec::new(),
        }
    }
    names
}

impl Session {
    /// Takes the engine's database list as this connection's (after this session changed it).
    pub(crate) fn adopt_databases(&mut self) {
        self.attached = self.engine.databases_list();
        self.db_generation = self.engine.db_generation.load(Ordering::SeqCst);
    }
}
