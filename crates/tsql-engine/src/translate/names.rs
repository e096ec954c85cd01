//! Name resolution: T-SQL object names (`t`, `dbo.t`, `db.dbo.t`, `db..t`, `#t`,
//! `sys.tables`) to the SQLite tables that hold them, and the session-dependent built-ins
//! (`DB_NAME()`, `OBJECT_ID('x')`, `@@SPID`...) folded or turned into catalog subqueries.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::Connection;
use sqlparser::ast::{Expr, ObjectName, ObjectNamePart};
use tds_protocol::types::{SqlError, SqlType, Value};

use super::expr::{null, number, param, sql_expr, string};
use crate::catalog::{self, quote, TableMeta};
use crate::errors;
use crate::Engine;

/// `@@VERSION`: what SQL Server 2022 answers.
pub const VERSION: &str = "Microsoft SQL Server 2022 (RTM) - 16.0.1000.6 (X64) \n\tOct  8 2022 05:58:25 \n\tCopyright (C) 2022 Microsoft Corporation\n\tDeveloper Edition (64-bit) on Linux (Ubuntu 22.04.4 LTS) <X64>";

/// What a statement's names resolve against: the session's view of the server.
pub struct Resolver<'a> {
    pub conn: &'a Connection,
    pub engine: &'a Engine,
    /// The current database.
    pub db: &'a str,
    /// The session's temporary tables by lower-case name.
    pub temps: &'a HashMap<String, Arc<TableMeta>>,
    pub spid: u16,
    pub login: &'a str,
    /// The batch's variables and parameters (their types type expressions).
    pub vars: &'a HashMap<String, (SqlType, Value)>,
    /// The error the running CATCH block handles.
    pub caught: Option<&'a SqlError>,
    /// What the client said about itself at login.
    pub client: &'a crate::ClientInfo,
}

/// A T-SQL object name split into its parts (unquoted); empty parts are `None`.
pub struct Parts {
    pub db: Option<String>,
    pub schema: Option<String>,
    pub name: String,
}

impl Parts {
    pub fn of(name: &ObjectName) -> Result<Parts, SqlError> {
        let mut ids: Vec<String> = name
            .0
            .iter()
            .map(|p| match p {
                ObjectNamePart::Identifier(i) => i.value.clone(),
                ObjectNamePart::Function(f) => f.name.value.clone(),
            })
            .collect();
        let some = |s: String| if s.is_empty() { None } else { Some(s) };
        let name_part = ids.pop().ok_or_else(|| errors::syntax_near(""))?;
        let schema = ids.pop().and_then(some);
        let db = ids.pop().and_then(some);
        if !ids.is_empty() {
            return Err(errors::invalid_object(&name.to_string()));
        }
        Ok(Parts {
            db,
            schema,
            name: name_part,
        })
    }

    /// Parses a name given as a string (`OBJECT_ID('dbo.t')`).
    pub fn parse(text: &str) -> Result<Parts, SqlError> {
        let mut parts = Vec::new();
        let mut cur = String::new();
        let mut chars = text.trim().chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '[' => {
                    while let Some(c) = chars.next() {
                        if c == ']' {
                            if chars.peek() == Some(&']') {
                                chars.next();
                                cur.push(']');
                            } else {
                                break;
                            }
                        } else {
                            cur.push(c);
                        }
                    }
                }
                '"' => cur.extend(chars.by_ref().take_while(|c| *c != '"')),
                '.' => parts.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        parts.push(cur);
        let name = parts.pop().unwrap_or_default();
        let some = |s: String| if s.is_empty() { None } else { Some(s) };
        let schema = parts.pop().and_then(some);
        let db = parts.pop().and_then(some);
        Ok(Parts { db, schema, name })
    }

    pub fn display(&self) -> String {
        match (&self.db, &self.schema) {
            (Some(d), Some(s)) => format!("{d}.{s}.{}", self.name),
            (Some(d), None) => format!("{d}..{}", self.name),
            (None, Some(s)) => format!("{s}.{}", self.name),
            (None, None) => self.name.clone(),
        }
    }
}

impl<'a> Resolver<'a> {
    /// The database a name refers to, as it was created (208 for an unknown one).
    pub fn database(&self, parts: &Parts) -> Result<String, SqlError> {
        match &parts.db {
            None => Ok(self.db.to_string()),
            Some(d) if d.eq_ignore_ascii_case("tempdb") && parts.name.starts_with('#') => {
                Ok("temp".into())
            }
            Some(d) => self
                .engine
                .database(d)
                .map(|e| e.name)
                .ok_or_else(|| errors::invalid_object(&parts.display())),
        }
    }

    /// The SQLite (database, table) that the T-SQL name designates.
    pub fn sqlite_name(&self, name: &ObjectName) -> Result<(String, String), SqlError> {
        let parts = Parts::of(name)?;
        let schema = parts.schema.clone().unwrap_or_else(|| "dbo".into());
        if catalog::is_system_schema(&schema) {
            let db = self.database(&parts)?;
            return match catalog::system_view(&schema, &parts.name) {
                Some(v) if v == "sys.databases" => Ok(("master".into(), v)),
                // Server-wide views are the connection's own (TEMP) views.
                Some(v) if catalog::dm::server_view(&parts.name).is_some() => {
                    Ok(("temp".into(), v))
                }
                Some(v) => Ok((db, v)),
                None => Err(errors::invalid_object(&parts.display())),
            };
        }
        let t = self.table_parts(&parts)?;
        Ok((t.db.clone(), t.sqlite_name.clone()))
    }

    /// The user table, view or temporary table a T-SQL name designates (208 if none).
    pub fn table(&self, name: &ObjectName) -> Result<Arc<TableMeta>, SqlError> {
        self.table_parts(&Parts::of(name)?)
    }

    pub fn table_parts(&self, parts: &Parts) -> Result<Arc<TableMeta>, SqlError> {
        self.find_table(parts)?
            .ok_or_else(|| errors::invalid_object(&parts.display()))
    }

    /// Like [`Resolver::table_parts`] but `None` when it does not exist.
    pub fn find_table(&self, parts: &Parts) -> Result<Option<Arc<TableMeta>>, SqlError> {
        if parts.name.starts_with('#') {
            return Ok(self.temps.get(&parts.name.to_ascii_lowercase()).cloned());
        }
        let db = self.database(parts)?;
        let schema = parts.schema.clone().unwrap_or_else(|| "dbo".into());
        self.lookup(&db, &format!("{schema}.{}", parts.name))
    }

    /// A table by its SQLite location, through the engine's shared cache.
    pub fn lookup(&self, db: &str, sqlite_name: &str) -> Result<Option<Arc<TableMeta>>, SqlError> {
        if db.eq_ignore_ascii_case("temp") {
            return Ok(self.temps.get(&sqlite_name.to_ascii_lowercase()).cloned());
        }
        if sqlite_name.starts_with("__mssql_") {
            return Ok(catalog::base_table(sqlite_name).map(Arc::new));
        }
        let generation = self.engine.catalog_generation();
        let mut cache = self.engine.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = cache.get(generation, db, sqlite_name) {
            return Ok(Some(t));
        }
        let loaded = catalog::load_table(self.conn, db, sqlite_name)?.map(Arc::new);
        if let Some(t) = &loaded {
            cache.put(generation, t.clone());
        }
        Ok(loaded)
    }

    /// `OBJECT_ID('name' [, 'type'])`: any object (table, view, constraint, procedure) or
    /// NULL; with a type, only an object of that type.
    fn object_id(&self, text: &str, kind: Option<&str>) -> Result<Option<i64>, SqlError> {
        let parts = Parts::parse(text)?;
        if parts.name.starts_with('#') {
            return Ok(self
                .temps
                .get(&parts.name.to_ascii_lowercase())
                .map(|t| t.object_id));
        }
        let Ok(db) = self.database(&parts) else {
            return Ok(None);
        };
        let schema = parts.schema.clone().unwrap_or_else(|| "dbo".into());
        Ok(catalog::find_object(self.conn, &db, &schema, &parts.name)?
            .filter(|(_, t)| kind.is_none_or(|k| k.trim().eq_ignore_ascii_case(t)))
            .map(|(id, _)| id))
    }

    /// `@@name`: constants folded, per-execution values bound as `@__name` parameters.
    pub fn system_variable(&self, name: &str) -> Result<Expr, SqlError> {
        Ok(match name.to_ascii_uppercase().as_str() {
            "@@VERSION" => string(VERSION),
            "@@SPID" => number(self.spid as i64),
            "@@SERVERNAME" => string(&self.engine.server_name),
            "@@SERVICENAME" => string("MSSQLSERVER"),
            "@@LOCK_TIMEOUT" => param("@__lock_timeout"),
            "@@LANGUAGE" => string("us_english"),
            "@@MAX_PRECISION" => number(38),
            "@@DATEFIRST" => number(7),
            "@@TEXTSIZE" => number(2147483647),
            "@@MAX_CONNECTIONS" => number(32767),
            "@@NESTLEVEL" => param("@__nestlevel"),
            "@@OPTIONS" => number(5496),
            "@@TRANCOUNT" => param("@__trancount"),
            "@@ROWCOUNT" => param("@__rowcount"),
            "@@IDENTITY" => param("@__identity"),
            "@@ERROR" => param("@__error"),
            "@@DBTS" => sql_expr(&format!(
                "(SELECT __mssql_rv(value) FROM {}.__mssql_dbts)",
                quote(self.db)
            ))?,
            "@@FETCH_STATUS" => number(-1),
            _ => return Err(errors::must_declare(name)),
        })
    }

    /// Built-ins that depend on the session, folded when their arguments are constants.
    pub fn session_function(
        &self,
        name: &str,
        lits: &[Option<String>],
        argc: usize,
    ) -> Result<Option<Expr>, SqlError> {
        let lit = |i: usize| lits.get(i).cloned().flatten();
        Ok(Some(match (name, argc) {
            ("DB_NAME", 0) => string(self.db),
            ("DB_ID", 0) => number(self.engine.database(self.db).map_or(0, |d| d.id)),
            ("DB_ID", 1) if lit(0).is_some() => {
                match self.engine.database(&lit(0).unwrap_or_default()) {
                    Some(d) => number(d.id),
                    None => null(),
                }
            }
            ("SCHEMA_NAME", 0) => string("dbo"),
            ("SCHEMA_ID", 0) => number(1),
            ("DATABASE_PRINCIPAL_ID" | "USER_ID", 0) => number(1),
            ("IS_SRVROLEMEMBER" | "IS_MEMBER", 1) => number(1),
            ("OBJECT_ID", 1 | 2) if lit(0).is_some() && (argc == 1 || lit(1).is_some()) => {
                match self.object_id(&lit(0).unwrap_or_default(), lit(1).as_deref())? {
                    Some(id) => number(id),
                    None => null(),
                }
            }
            ("SERVERPROPERTY", 1) if lit(0).is_some() => {
                self.server_property(&lit(0).unwrap_or_default())
            }
            ("SCOPE_IDENTITY", 0) => param("@__scope_identity"),
            ("USER_NAME" | "CURRENT_USER" | "SESSION_USER", 0) => string("dbo"),
            ("SUSER_SNAME" | "SUSER_NAME" | "SYSTEM_USER" | "ORIGINAL_LOGIN", 0) => {
                string(self.login)
            }
            ("HOST_NAME", 0) => string(&self.client.host_name),
            ("APP_NAME", 0) => string(&self.client.program_name),
            ("@@SPID", 0) => number(self.spid as i64),
            (
                "ERROR_MESSAGE" | "ERROR_NUMBER" | "ERROR_SEVERITY" | "ERROR_STATE" | "ERROR_LINE"
                | "ERROR_PROCEDURE",
                0,
            ) => self.caught_error(name),
            _ => return Ok(None),
        }))
    }

    /// `ERROR_MESSAGE()` and friends: the error the CATCH block handles, NULL outside one.
    fn caught_error(&self, name: &str) -> Expr {
        let Some(e) = self.caught else { return null() };
        match name {
            "ERROR_MESSAGE" => string(&e.message),
            "ERROR_NUMBER" => number(i64::from(e.number)),
            "ERROR_SEVERITY" => number(i64::from(e.class)),
            "ERROR_STATE" => number(i64::from(e.state)),
            "ERROR_LINE" => number(i64::from(e.line)),
            _ => null(),
        }
    }

    fn server_property(&self, prop: &str) -> Expr {
        match prop.to_ascii_lowercase().as_str() {
            "productversion" => string("16.0.1000.6"),
            "productlevel" => string("RTM"),
            "productmajorversion" => string("16"),
            "productminorversion" => string("0"),
            "productbuild" => string("1000"),
            "edition" => string("Developer Edition (64-bit)"),
            "editionid" => number(-2117995310),
            "engineedition" => number(3),
            "servername" | "machinename" | "computernamephysicalnetbios" => {
                string(&self.engine.server_name)
            }
            "collation" => string(catalog::types::COLLATION),
            "isclustered"
            | "isintegratedsecurityonly"
            | "ishadrenabled"
            | "isfulltextinstalled"
            | "issingleuser" => number(0),
            "lcid" => number(1033),
            "sqlcharset" => number(1),
            "sqlcharsetname" => string("iso_1"),
            "sqlsortorder" => number(52),
            "sqlsortordername" => string("nocase_iso"),
            "processid" => number(std::process::id() as i64),
            _ => null(),
        }
    }

    /// Session-dependent built-ins on column arguments, as subqueries on the catalog.
    pub fn catalog_function(&self, name: &str, args: &[Expr]) -> Result<Option<Expr>, SqlError> {
        let db = quote(self.db);
        let a = |i: usize| {
            args.get(i)
                .map(|e| e.to_string())
                .unwrap_or_else(|| "NULL".into())
        };
        let sql = match (name, args.len()) {
            ("OBJECT_NAME", 1) => lookup(&db, "__mssql_objects", "name", "object_id", &a(0)),
            ("OBJECT_SCHEMA_NAME", 1) => lookup(&db, "__mssql_objects", "schema_name", "object_id", &a(0)),
            ("SCHEMA_NAME", 1) => lookup(&db, "__mssql_schemas", "name", "schema_id", &a(0)),
            ("SCHEMA_ID", 1) => lookup(&db, "__mssql_schemas", "schema_id", "name", &a(0)),
            ("DB_NAME", 1) => lookup("master", "__mssql_databases", "name", "database_id", &a(0)),
            ("DB_ID", 1) => lookup("master", "__mssql_databases", "database_id", "name", &a(0)),
            ("COL_NAME", 2) => format!(
                "(SELECT name FROM {db}.__mssql_columns WHERE object_id = {} AND column_id = {})",
                a(0),
                a(1)
            ),
            ("TYPE_NAME", 1) => lookup(&db, "__mssql_types", "name", "user_type_id", &a(0)),
            // A name only known at run time (a parameter, a column) is parsed there.
            ("OBJECT_ID", 1) => format!(
                "(SELECT object_id FROM {db}.__mssql_objects WHERE sqlite_name = __mssql_object_key({}) COLLATE NOCASE)",
                a(0)
            ),
            ("OBJECT_ID", 2) => format!(
                "(SELECT object_id FROM {db}.__mssql_objects WHERE sqlite_name = __mssql_object_key({}) COLLATE NOCASE AND trim(type) = trim({}))",
                a(0),
                a(1)
            ),
            ("OBJECT_DEFINITION", 1) => lookup(&db, "__mssql_objects", "definition", "object_id", &a(0)),
            ("OBJECTPROPERTY", 2) => object_property(&db, &a(0), &a(1)),
            ("COLUMNPROPERTY", 3) => super::calls::column_property_sql(&db, &a(0), &a(1), &a(2)),
            ("DATABASEPROPERTYEX", 2) => super::calls::database_property_sql(&a(0), &a(1)),
            ("IDENT_CURRENT", 1) => format!(
                "(SELECT i.last_value FROM {db}.__mssql_identity i JOIN {db}.__mssql_objects o ON o.object_id = i.object_id WHERE o.sqlite_name = {0} OR (o.schema_name = 'dbo' AND o.name = {0}))",
                a(0)
            ),
            _ => return Ok(None),
        };
        sql_expr(&sql).map(Some)
    }
}

/// `(SELECT value FROM table WHERE key = arg)`, with the table's columns renamed so that an
/// argument naming a column of the outer query (`OBJECT_NAME(object_id)` over sys.indexes)
/// still means the outer one.
fn lookup(db: &str, table: &str, value: &str, key: &str, arg: &str) -> String {
    format!("(SELECT __v FROM (SELECT {value} AS __v, {key} AS __k FROM {db}.{table}) WHERE __k = {arg})")
}

/// `OBJECTPROPERTY(id, property)` for the common properties; NULL for an unknown object
/// or property, as on SQL Server.
fn object_property(db: &str, id: &str, property: &str) -> String {
    format!(
        "(SELECT CASE lower({property}) \
            WHEN 'isusertable' THEN trim(o.type) = 'U' \
            WHEN 'istable' THEN trim(o.type) IN ('U', 'S', 'IT') \
            WHEN 'isview' THEN trim(o.type) = 'V' \
            WHEN 'isprimarykey' THEN trim(o.type) = 'PK' \
            WHEN 'isuniquecnst' THEN trim(o.type) = 'UQ' \
            WHEN 'isforeignkey' THEN trim(o.type) = 'F' \
            WHEN 'isprocedure' THEN trim(o.type) = 'P' \
            WHEN 'ismsshipped' THEN o.is_ms_shipped \
            WHEN 'tablehasprimarykey' THEN trim(o.type) = 'U' AND EXISTS (SELECT 1 FROM {db}.__mssql_objects k WHERE k.parent_object_id = o.object_id AND trim(k.type) = 'PK') \
            WHEN 'tablehasidentity' THEN trim(o.type) = 'U' AND EXISTS (SELECT 1 FROM {db}.__mssql_identity i WHERE i.object_id = o.object_id) \
            END FROM {db}.__mssql_objects o WHERE o.object_id = {id})"
    )
}
