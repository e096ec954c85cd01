//! Statements that produce result sets: SELECT (streamed, typed), `SELECT @x = ...`,
//! `SELECT ... INTO`.

use sqlparser::ast::{Query, SelectItem, SetExpr};
use tds_protocol::types::{ColumnMeta, SqlError, SqlType, Updateable, Value};

use crate::errors;
use crate::session::{assignment_targets, is_unnamed, Res, Session, CANCEL_CHECK};
use crate::sink::{Abort, ResultSink};
use crate::translate::expr::Rewriter;
use crate::translate::{self, Clustering};
use crate::typing::ProjectionNulls;
use crate::{typing, values};

impl Session {
    /// A SELECT: variable assignment (`SELECT @x = ...`) or a streamed result set.
    pub(crate) fn query(&mut self, q: &Query, out: &mut dyn ResultSink) -> Res<()> {
        let assigns = assignment_targets(q);
        let mut q = q.clone();
        if !assigns.is_empty() {
            if let SetExpr::Select(s) = q.body.as_mut() {
                for item in s.projection.iter_mut() {
                    if let SelectItem::ExprWithAlias { expr, .. } = item {
                        *item = SelectItem::UnnamedExpr(expr.clone());
                    }
                }
            }
        }
        let for_clause = translate::forclause::top_level_column(&q);
        let types = typing::projection_types(&q, &typing::Scope::of_query(&q, &self.resolver()));
        let named = typing::projection_named(&q);
        let nulls = typing::projection_nulls(&q, &self.resolver());
        let generation = self.engine.catalog_generation();
        {
            let r = self.resolver();
            Rewriter::new(&r).query(&mut q)?;
        }
        let sql = q.to_string();
        if !assigns.is_empty() {
            return self.select_into_vars(&sql, &assigns, out);
        }
        if let Some(column) = for_clause {
            return self.stream_chunked(&sql, column, out);
        }
        self.cache_query(generation, &sql, &types, &named, &nulls);
        let n = self.stream_described(&sql, &types, &named, &nulls, out)?;
        self.rowcount = n as i64;
        self.done(out, Some(n))
    }

    pub(crate) fn select_into_vars(
        &mut self,
        sql: &str,
        names: &[String],
        out: &mut dyn ResultSink,
    ) -> Res<()> {
        let mut last: Option<Vec<rusqlite::types::Value>> = None;
        let mut count = 0u64;
        {
            let mut stmt = self
                .conn
                .prepare_cached(sql)
                .map_err(|e| errors::from_sqlite(&e))?;
            self.bind(&mut stmt)?;
            let mut rows = stmt.raw_query();
            while let Some(row) = rows.next().map_err(|e| errors::from_sqlite(&e))? {
                count += 1;
                let mut vals = Vec::new();
                for i in 0..names.len() {
                    vals.push(
                        row.get::<_, rusqlite::types::Value>(i)
                            .map_err(|e| errors::from_sqlite(&e))?,
                    );
                }
                last = Some(vals);
            }
        }
        if let Some(vals) = last {
            for (name, v) in names.iter().zip(vals) {
                let key = name.to_ascii_lowercase();
                let ty = self
                    .vars
                    .get(&key)
                    .map(|(t, _)| *t)
                    .ok_or_else(|| errors::must_declare(name))?;
                let value = values::from_sqlite((&v).into(), &ty)?;
                self.vars.insert(key, (ty, value));
            }
        }
        self.rowcount = count as i64;
        self.done(out, Some(count))
    }

    /// The result columns as COLMETADATA describes them, where the column's origin or the
    /// T-SQL text tells them. A table's column (SQLite's origin sees through views and
    /// subqueries) is described as that column: its type, identity, whether SQL Server lets
    /// it be written; an expression as computed and read-only. `nulls` adds the NULLs the
    /// query brings itself (outer joins, set operations).
    pub(crate) fn origin_metas(
        &self,
        stmt: &rusqlite::Statement<'_>,
        static_types: &[Option<SqlType>],
        nulls: &ProjectionNulls,
    ) -> Vec<Option<ColumnMeta>> {
        let r = self.resolver();
        // Positions the text tells must be SQLite's, else they tell nothing.
        let unknown = ProjectionNulls::unknown();
        let nulls = match nulls.len() {
            Some(n) if n != stmt.column_count() => &unknown,
            _ => nulls,
        };
        let mut metas = Vec::new();
        for (i, col) in stmt.columns_with_metadata().enumerate() {
            let mut meta = None;
            if let (Some(db), Some(table), Some(origin)) =
                (col.database_name(), col.table_name(), col.origin_name())
            {
                if let Ok(Some(t)) = r.lookup(db, table) {
                    if let Some((_, c)) = t.column(origin) {
                        let nullable = nulls.nullable(i, Some(c.nullable));
                        let mut m = ColumnMeta::table_column(col.name(), c.ty, nullable);
                        // SQL Server assigns these: the client cannot write them.
                        if c.identity || c.ty == SqlType::RowVersion {
                            m.updateable = Updateable::ReadOnly;
                        }
                        m.identity = c.identity;
                        meta = Some(m);
                    }
                }
            }
            if meta.is_none() {
                if let Some(Some(ty)) = static_types.get(i) {
                    let mut m = ColumnMeta::new(col.name(), *ty);
                    m.nullable = nulls.nullable(i, None);
                    meta = Some(m);
                }
            }
            metas.push(meta);
        }
        metas
    }

    /// `SELECT ... INTO t FROM ...`: creates `t` with the result's columns, then fills it.
    pub(crate) fn select_into(
        &mut self,
        q: &Query,
        clustering: &mut Clustering,
        out: &mut dyn ResultSink,
    ) -> Res<()> {
        let mut q = q.clone();
        let target = match q.body.as_mut() {
            SetExpr::Select(s) => s
                .into
                .take()
                .and_then(|i| i.targets.first().map(|t| t.to_string())),
            _ => None,
        }
        .ok_or_else(|| errors::syntax_near("INTO"))?;
        let source = q.to_string();
        let types = typing::projection_types(&q, &typing::Scope::of_query(&q, &self.resolver()));
        let mut translated = q.clone();
        {
            let r = self.resolver();
            Rewriter::new(&r).query(&mut translated)?;
        }
        let (names, metas) = {
            let stmt = self
                .conn
                .prepare(&translated.to_string())
                .map_err(|e| errors::from_sqlite(&e))?;
            let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
            let metas = self.origin_metas(&stmt, &types, &ProjectionNulls::default());
            (names, metas)
        };
        let named = typing::projection_named(&q);
        let mut cols = Vec::new();
        for (i, (name, meta)) in names.iter().zip(metas).enumerate() {
            if named.get(i) == Some(&false) {
                return Err(SqlError::new(1038, 15, "An object or column name is missing or empty. For SELECT INTO statements, verify each column has a name. For other statements, look for empty alias names. Aliases defined as \"\" or [] are not allowed. Change the alias to a valid name.").into());
            }
            let ty = meta.map_or(SqlType::NVarChar(Some(4000)), |m| m.ty);
            let ty = if ty == SqlType::RowVersion {
                SqlType::Binary(8)
            } else {
                ty
            };
            cols.push(format!("[{}] {ty} NULL", name.replace(']', "]]")));
        }
        let create =
            translate::parse_batch(&format!("CREATE TABLE {target} ({})", cols.join(", ")))?;
        for (stmt, _) in &create.statements {
            crate::ddl::run(self, stmt, clustering)?;
        }
        let insert = translate::parse_batch(&format!("INSERT INTO {target} {source}"))?;
        let mut n = 0;
        for (stmt, _) in &insert.statements {
            n += crate::dml::run(self, stmt, out)?;
        }
        self.rowcount = n as i64;
        self.done(out, Some(n))
    }

    /// A FOR JSON / FOR XML result as SQL Server sends it: one nvarchar(max) column of that
    /// name, the text in rows of 2033 characters (no row when it is NULL).
    fn stream_chunked(&mut self, sql: &str, column: &str, out: &mut dyn ResultSink) -> Res<()> {
        let text = match self.scalar(sql)? {
            rusqlite::types::Value::Text(t) => Some(t),
            _ => None,
        };
        out.columns(&[ColumnMeta::new(column, SqlType::NVarChar(None))])?;
        let mut n = 0u64;
        for chunk in text
            .as_deref()
            .map(translate::forclause::chunks)
            .unwrap_or_default()
        {
            out.row(&[Value::String(chunk)])?;
            n += 1;
        }
        self.rowcount = n as i64;
        self.done(out, Some(n))
    }

    /// Runs a query and streams its rows; returns the row count.
    pub(crate) fn stream(
        &self,
        sql: &str,
        static_types: &[Option<SqlType>],
        named: &[bool],
        out: &mut dyn ResultSink,
    ) -> Res<u64> {
        let nulls = ProjectionNulls::default();
        self.stream_described(sql, static_types, named, &nulls, out)
    }

    /// [`Session::stream`], told by the query's text which columns can be NULL.
    pub(crate) fn stream_described(
        &self,
        sql: &str,
        static_types: &[Option<SqlType>],
        named: &[bool],
        nulls: &ProjectionNulls,
        out: &mut dyn ResultSink,
    ) -> Res<u64> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| errors::from_sqlite(&e))?;
        self.bind(&mut stmt)?;
        let metas = self.origin_metas(&stmt, static_types, nulls);
        let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
        let mut rows = stmt.raw_query();
        let first = rows.next().map_err(|e| errors::from_sqlite(&e))?;
        let columns: Vec<ColumnMeta> = metas
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                m.unwrap_or_else(|| {
                    let ty = first
                        .as_ref()
                        .and_then(|row| row.get_ref(i).ok())
                        .map_or(SqlType::Int, typing::from_value);
                    let mut m = ColumnMeta::new(names[i].clone(), ty);
                    m.nullable = nulls.nullable(i, None);
                    m
                })
            })
            .enumerate()
            .map(|(i, mut m)| {
                let unnamed = match named.get(i) {
                    Some(n) => !n,
                    None => is_unnamed(&m.name),
                };
                if unnamed {
                    m.name = String::new();
                }
                m
            })
            .collect();
        out.columns(&columns)?;
        let mut values = vec![Value::Null; columns.len()];
        let mut count = 0u64;
        let mut row = first;
        while let Some(r) = row {
            for (i, c) in columns.iter().enumerate() {
                let cell = r.get_ref(i).map_err(|e| errors::from_sqlite(&e))?;
                values[i] = values::from_sqlite(cell, &c.ty)?;
            }
            out.row(&values)?;
            count += 1;
            if count.is_multiple_of(CANCEL_CHECK) && out.cancelled() {
                return Err(Abort::Cancelled.into());
            }
            row = rows.next().map_err(|e| errors::from_sqlite(&e))?;
        }
        Ok(count)
    }
}
