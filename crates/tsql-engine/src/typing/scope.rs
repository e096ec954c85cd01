//! What the names in a T-SQL expression refer to, for typing it: the columns of the tables,
//! derived tables and CTEs of the enclosing SELECTs, and the batch's variables.

use std::collections::HashMap;
use std::sync::Arc;

use sqlparser::ast::{Expr, Ident, Query, Select, SelectItem, SetExpr, TableFactor};
use tds_protocol::types::SqlType;

use super::projection_types;
use crate::catalog::TableMeta;
use crate::translate::names::{Parts, Resolver};

/// The columns of a derived table or CTE: name and type (when known).
type Columns = Arc<Vec<(String, Option<SqlType>)>>;

/// Where a FROM item's columns come from.
#[derive(Clone)]
enum Source {
    Table(Arc<TableMeta>),
    Derived(Columns),
}

impl Source {
    /// Its columns in order (`None` when a `*` inside it hides them).
    fn columns(&self) -> Option<Vec<(String, Option<SqlType>)>> {
        match self {
            Source::Table(t) => Some(
                t.columns
                    .iter()
                    .map(|c| (c.name.clone(), Some(c.ty)))
                    .collect(),
            ),
            Source::Derived(cols) if cols.is_empty() => None,
            Source::Derived(cols) => Some(cols.as_ref().clone()),
        }
    }

    fn column(&self, name: &str) -> Option<SqlType> {
        match self {
            Source::Table(t) => t.column(name).map(|(_, c)| c.ty),
            Source::Derived(cols) => cols
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .and_then(|(_, t)| *t),
        }
    }
}

/// The tables a SELECT reads, by the name its expressions use for each, so that column
/// references inside expressions (`price * qty`, `SUM(amount)`) have types; and the
/// batch's variables and parameters.
#[derive(Default, Clone)]
pub struct Scope {
    /// Innermost SELECT's tables first, so they shadow the outer query's.
    tables: Vec<(String, Source)>,
    /// The CTEs in scope by name.
    ctes: Vec<(String, Columns)>,
    /// Variable types by lower-case name with `@`.
    vars: Arc<HashMap<String, SqlType>>,
    /// The innermost SELECT's FROM items in order: exposed name and columns (`None`:
    /// unknown).
    from: Arc<Vec<FromItem>>,
    /// That SELECT has a table-valued function or an APPLY: its `*` is expanded from `from`
    /// (the rewriter expands it the same way, see `translate::apply::expand_wildcards`).
    expands_wildcards: bool,
}

/// A FROM item's exposed name and columns (`None` when they cannot be known).
pub type FromItem = (String, Option<Vec<(String, Option<SqlType>)>>);

impl Scope {
    /// The scope outside any SELECT: the session's variables only.
    pub fn root(r: &Resolver<'_>) -> Scope {
        let vars = r.vars.iter().map(|(k, (t, _))| (k.clone(), *t)).collect();
        Scope {
            vars: Arc::new(vars),
            ..Scope::default()
        }
    }

    /// The scope of a query's outermost SELECT (its CTEs and FROM tables).
    pub fn of_query(q: &Query, r: &Resolver<'_>) -> Scope {
        Scope::root(r).enter_query(q, r)
    }

    /// The scope inside `q`: its CTEs and, when it is a SELECT, that SELECT's tables.
    pub fn enter_query(&self, q: &Query, r: &Resolver<'_>) -> Scope {
        let mut scope = self.clone();
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                let cols = scope.query_columns(&cte.query, &cte.alias.columns, r);
                scope = scope.with_cte(&cte.alias.name.value, cols);
            }
        }
        match q.body.as_ref() {
            SetExpr::Select(s) => scope.enter(s, r),
            _ => scope,
        }
    }

    /// This scope with CTE `name` defined.
    pub fn with_cte(&self, name: &str, cols: Vec<(String, Option<SqlType>)>) -> Scope {
        let mut scope = self.clone();
        scope.ctes.insert(0, (name.to_string(), Arc::new(cols)));
        scope
    }

    /// The output columns of `q` (named by `aliases` when given), typed in this scope.
    pub fn query_columns(
        &self,
        q: &Query,
        aliases: &[sqlparser::ast::TableAliasColumnDef],
        r: &Resolver<'_>,
    ) -> Vec<(String, Option<SqlType>)> {
        let types = projection_types(q, &self.enter_query(q, r));
        let names = projection_names(q);
        names
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                let name = aliases.get(i).map_or(n, |a| a.name.value.clone());
                (name, types.get(i).copied().flatten())
            })
            .collect()
    }

    /// The scope inside `s`: its FROM tables in front of this scope's.
    pub fn enter(&self, s: &Select, r: &Resolver<'_>) -> Scope {
        let mut tables = Vec::new();
        let mut items = Vec::new();
        let mut applies = false;
        for twj in &s.from {
            applies |= twj.joins.iter().any(|j| {
                matches!(
                    j.join_operator,
                    sqlparser::ast::JoinOperator::CrossApply
                        | sqlparser::ast::JoinOperator::OuterApply
                )
            });
            for tf in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)) {
                applies |= crate::translate::tvf::call_of(tf).is_some();
                // A table-valued function's arguments see the items on its left.
                let left = Scope {
                    tables: tables.iter().chain(self.tables.iter()).cloned().collect(),
                    ..self.clone()
                };
                let t = left.source(tf, r);
                items.push(match &t {
                    Some((name, src)) => (name.clone(), src.columns()),
                    None => (String::new(), None),
                });
                if let Some(t) = t {
                    tables.push(t);
                }
            }
        }
        tables.extend(self.tables.iter().cloned());
        Scope {
            tables,
            from: Arc::new(items),
            expands_wildcards: applies,
            ..self.clone()
        }
    }

    /// The innermost SELECT's FROM items, in order.
    pub fn source_items(&self) -> &[FromItem] {
        &self.from
    }

    /// The types of `*` (`qualifier` None) or `qualifier.*` in the innermost SELECT, when it
    /// has a table-valued function or an APPLY and every column is known.
    pub fn wildcard_types(&self, qualifier: Option<&str>) -> Option<Vec<Option<SqlType>>> {
        if !self.expands_wildcards {
            return None;
        }
        let items = &self.from;
        let mut out = Vec::new();
        for (name, cols) in items.iter() {
            if qualifier.is_some_and(|q| !q.eq_ignore_ascii_case(name)) {
                continue;
            }
            out.extend(cols.as_ref()?.iter().map(|(_, t)| *t));
        }
        Some(out)
    }

    /// The SQL Server type of a T-SQL expression in this scope.
    pub fn type_of(&self, e: &sqlparser::ast::Expr) -> Option<SqlType> {
        super::static_type_in(e, self)
    }

    /// A FROM item's exposed name and columns (`None` when they cannot be known).
    /// The columns of a FROM item, in order, typed where known.
    pub fn columns_of(
        &self,
        tf: &TableFactor,
        r: &Resolver<'_>,
    ) -> Option<Vec<(String, Option<SqlType>)>> {
        self.source(tf, r).and_then(|(_, s)| s.columns())
    }

    fn source(&self, tf: &TableFactor, r: &Resolver<'_>) -> Option<(String, Source)> {
        if let Ok(Some(d)) = crate::translate::pivot::desugar(tf, self, r) {
            return self.source(&d, r);
        }
        if crate::translate::tvf::call_of(tf).is_some() {
            let (exposed, cols) = crate::translate::tvf::scope_columns(tf, self)?;
            return Some((exposed, Source::Derived(Arc::new(cols))));
        }
        match tf {
            TableFactor::Table { name, alias, .. } => {
                let parts = Parts::of(name).ok()?;
                let exposed = alias
                    .as_ref()
                    .map_or(parts.name.clone(), |a| a.name.value.clone());
                let cte = (parts.db.is_none() && parts.schema.is_none())
                    .then(|| {
                        self.ctes
                            .iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case(&parts.name))
                    })
                    .flatten();
                if let Some((_, cols)) = cte {
                    return Some((exposed, Source::Derived(cols.clone())));
                }
                let t = r.find_table(&parts).ok()??;
                Some((exposed, Source::Table(t)))
            }
            TableFactor::Derived {
                subquery,
                alias: Some(a),
                ..
            } => {
                let cols = self.query_columns(subquery, &a.columns, r);
                Some((a.name.value.clone(), Source::Derived(Arc::new(cols))))
            }
            _ => None,
        }
    }

    /// This scope with `t` (known as `exposed`) in front (an UPDATE's or DELETE's target).
    pub fn with_table(&self, exposed: &str, t: Arc<TableMeta>) -> Scope {
        let mut scope = self.clone();
        scope
            .tables
            .insert(0, (exposed.to_string(), Source::Table(t)));
        scope
    }

    pub(super) fn column(&self, qualifier: Option<&str>, name: &str) -> Option<SqlType> {
        self.tables
            .iter()
            .filter(|(exposed, _)| qualifier.is_none_or(|q| q.eq_ignore_ascii_case(exposed)))
            .find_map(|(_, t)| t.column(name))
    }

    /// Whether a table (not a derived table) of this scope has a column `name`.
    pub fn table_has_column(&self, name: &str) -> bool {
        self.tables
            .iter()
            .any(|(_, s)| matches!(s, Source::Table(t) if t.column(name).is_some()))
    }

    /// Whether a table of this scope has storage columns of its own (`storage::UNIQUIFIER`).
    pub fn has_hidden_columns(&self) -> bool {
        self.tables
            .iter()
            .any(|(_, s)| matches!(s, Source::Table(t) if t.storage.has_uniquifier()))
    }

    /// The FROM items of `s` in order (joins included): each one's exposed name and, for a
    /// table, its description; `None` for an item without a name.
    pub fn tables_of(
        &self,
        s: &Select,
        r: &Resolver<'_>,
    ) -> Vec<Option<(String, Option<Arc<TableMeta>>)>> {
        let mut items = Vec::new();
        for twj in &s.from {
            for tf in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)) {
                items.push(self.source(tf, r).map(|(exposed, source)| match source {
                    Source::Table(t) => (exposed, Some(t)),
                    Source::Derived(_) => (exposed, None),
                }));
            }
        }
        items
    }

    pub(super) fn variable(&self, name: &str) -> Option<SqlType> {
        self.vars.get(&name.to_ascii_lowercase()).copied()
    }
}

/// The output column names of a query (an alias, else a column reference's name, else
/// empty); empty when a `*` makes them unknowable.
fn projection_names(q: &Query) -> Vec<String> {
    let mut body = q.body.as_ref();
    loop {
        match body {
            SetExpr::Select(s) => {
                let mut out = Vec::new();
                for item in &s.projection {
                    out.push(match item {
                        SelectItem::ExprWithAlias { alias, .. } => alias.value.clone(),
                        SelectItem::UnnamedExpr(Expr::Identifier(Ident { value, .. })) => {
                            value.clone()
                        }
                        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(ids)) => {
                            ids.last().map(|i| i.value.clone()).unwrap_or_default()
                        }
                        SelectItem::UnnamedExpr(_) => String::new(),
                        _ => return Vec::new(),
                    });
                }
                return out;
            }
            SetExpr::SetOperation { left, .. } => body = left,
            SetExpr::Query(q) => body = q.body.as_ref(),
            _ => return Vec::new(),
        }
    }
}
