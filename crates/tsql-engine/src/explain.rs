//! SQLite's plan for a T-SQL query (`Session::query_plan`): how tests, and whoever wonders
//! why a read is slow, see that a read in clustered-key order is the one pass it should be.

use sqlparser::ast::Statement;
use tds_protocol::types::SqlError;

use crate::session::{Fail, Session};
use crate::sink::Param;
use crate::translate::expr::Rewriter;
use crate::{errors, translate};

impl Session {
    /// The `detail` lines of SQLite's `EXPLAIN QUERY PLAN` for the translation of `sql`, one
    /// T-SQL SELECT, with these parameters (as an RPC would bind them).
    pub fn query_plan(&mut self, sql: &str, params: &[Param]) -> Result<Vec<String>, SqlError> {
        self.vars.clear();
        for p in params {
            self.vars
                .insert(p.name.to_ascii_lowercase(), (p.ty, p.value.clone()));
        }
        let plan = self.plan_of(sql);
        self.vars.clear();
        plan
    }

    fn plan_of(&self, sql: &str) -> Result<Vec<String>, SqlError> {
        let batch = translate::parse_batch(sql)?;
        let [(Statement::Query(q), _)] = batch.statements.as_slice() else {
            return Err(errors::not_supported(
                "a query plan of anything but one SELECT",
            ));
        };
        let mut q = q.clone();
        Rewriter::new(&self.resolver()).query(&mut q)?;
        let mut stmt = self
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {q}"))
            .map_err(|e| errors::from_sqlite(&e))?;
        self.bind(&mut stmt).map_err(|f| match f {
            Fail::Sql(e) => e,
            _ => errors::not_supported("these parameters"),
        })?;
        let mut rows = stmt.raw_query();
        let mut lines = Vec::new();
        while let Some(row) = rows.next().map_err(|e| errors::from_sqlite(&e))? {
            lines.push(row.get::<_, String>(3).map_err(|e| errors::internal(&e))?);
        }
        Ok(lines)
    }
}
