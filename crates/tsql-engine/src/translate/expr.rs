//! Rewrites a parsed T-SQL query in place into SQLite's dialect: table names resolved to
//! the SQLite tables, T-SQL functions and operators replaced by their SQLite forms,
//! TOP/OFFSET-FETCH turned into LIMIT/OFFSET (WITH TIES: `top`), APPLY into `json_each`
//! joins (`apply`). The rewriter keeps a [`Scope`] (the tables of the SELECTs it is in and
//! the batch's variables) so that each T-SQL expression is typed before it is rewritten;
//! the types choose operators (`ops`) and tell `__mssql_cast` what its source is.

use sqlparser::ast::{
    CastKind, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, GroupByExpr, Ident, JoinConstraint, JoinOperator, LimitClause, ObjectName,
    ObjectNamePart, OrderByKind, Query, Select, SelectItem, SetExpr, TableFactor, TableWithJoins,
    TopQuantity, Value as AstValue, WindowType,
};
use tds_protocol::types::{SqlError, SqlType};

use super::calls::{self, is_column};
use super::names::Resolver;
use super::ops;
use crate::errors;
use crate::typing::{self, static_type_in, Scope};

/// Rewrites one statement's expressions and queries.
pub struct Rewriter<'r, 'a> {
    pub r: &'r Resolver<'a>,
    /// Names of the CTEs in scope (not resolved as tables).
    ctes: Vec<String>,
    /// The tables and variables that type the T-SQL expressions being rewritten.
    scope: Scope,
    /// The APPLY tables in scope, whose columns are read from `json_each` rows.
    applied: Vec<super::apply::Applied>,
}

/// A call of SQLite function `name` on `args`.
pub fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|a| FunctionArg::Unnamed(FunctionArgExpr::Expr(a)))
                .collect(),
            clauses: vec![],
        }),
        within_group: vec![],
        filter: None,
        null_treatment: None,
        over: None,
    })
}

pub fn string(s: &str) -> Expr {
    Expr::value(AstValue::SingleQuotedString(s.to_string()))
}

pub fn number(n: i64) -> Expr {
    Expr::value(AstValue::Number(n.to_string(), false))
}

pub fn null() -> Expr {
    Expr::value(AstValue::Null)
}

/// A parameter reference `@name` (SQLite binds it by name).
pub fn param(name: &str) -> Expr {
    Expr::Identifier(Ident::new(name))
}

/// An SQL fragment parsed as an expression (for scalar subqueries over the catalog).
pub fn sql_expr(sql: &str) -> Result<Expr, SqlError> {
    let dialect = sqlparser::dialect::SQLiteDialect {};
    sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| SqlError::new(50000, 16, format!("internal rewrite error: {e}")))
}

/// The argument expressions of a call (empty when it has none or they are not plain).
pub fn args_of(f: &Function) -> Vec<&Expr> {
    match &f.args {
        FunctionArguments::List(l) => l
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

fn string_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            AstValue::SingleQuotedString(s) | AstValue::NationalStringLiteral(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// A T-SQL identifier re-quoted for SQLite (`[a]` → `"a"`).
pub fn requote(id: &mut Ident) {
    if id.quote_style == Some('[') {
        id.quote_style = Some('"');
    }
}

impl<'r, 'a> Rewriter<'r, 'a> {
    pub fn new(r: &'r Resolver<'a>) -> Self {
        Rewriter {
            r,
            ctes: Vec::new(),
            scope: Scope::root(r),
            applied: Vec::new(),
        }
    }

    /// A rewriter whose expressions see the columns of `t` (an UPDATE's or DELETE's target).
    pub fn with_table(
        r: &'r Resolver<'a>,
        exposed: &str,
        t: std::sync::Arc<crate::catalog::TableMeta>,
    ) -> Self {
        let mut rw = Rewriter::new(r);
        rw.scope = rw.scope.with_table(exposed, t);
        rw
    }

    /// An APPLY table's column (`a.col`, or `col` when no FROM table has one so named),
    /// as the read of its `json_each` element.
    fn applied_column(&self, qualifier: Option<&str>, name: &str) -> Option<Expr> {
        if self.applied.is_empty() {
            return None;
        }
        if qualifier.is_none() && self.scope.table_has_column(name) {
            return None;
        }
        self.applied
            .iter()
            .rev()
            .filter(|a| qualifier.is_none_or(|q| q.eq_ignore_ascii_case(&a.alias)))
            .find_map(|a| a.column(name))
    }

    /// The SQL Server type of a T-SQL expression (not yet rewritten) in the current scope.
    fn type_of(&self, e: &Expr) -> Option<SqlType> {
        static_type_in(e, &self.scope)
    }

    /// The tables and variables in scope.
    pub(super) fn scope(&self) -> &Scope {
        &self.scope
    }

    pub fn query(&mut self, q: &mut Query) -> Result<(), SqlError> {
        if q.for_clause.is_some() {
            return super::forclause::rewrite(self, q, false);
        }
        let scope = self.ctes.len();
        let saved = self.scope.clone();
        // APPLY tables stay visible to the query's ORDER BY, not beyond it.
        let applied = self.applied.len();
        if let Some(with) = &mut q.with {
            for cte in &mut with.cte_tables {
                // Typed from the T-SQL text, before it is rewritten.
                let cols = self
                    .scope
                    .query_columns(&cte.query, &cte.alias.columns, self.r);
                requote(&mut cte.alias.name);
                self.ctes.push(cte.alias.name.value.to_ascii_lowercase());
                self.query(&mut cte.query)?;
                self.scope = self.scope.with_cte(&cte.alias.name.value, cols);
            }
        }
        // TOP n of the outermost SELECT becomes LIMIT n.
        let mut limit = None;
        let mut with_ties = false;
        if let SetExpr::Select(s) = q.body.as_mut() {
            if let Some(top) = s.top.take() {
                if top.percent {
                    return Err(errors::not_supported("TOP PERCENT"));
                }
                with_ties = top.with_ties;
                limit = match top.quantity {
                    Some(TopQuantity::Expr(e)) => Some(e),
                    Some(TopQuantity::Constant(n)) => Some(number(n as i64)),
                    None => None,
                };
            }
        }
        let outer = self.scope.clone();
        let inner = match q.body.as_ref() {
            SetExpr::Select(s) => outer.enter(s, self.r),
            _ => outer.clone(),
        };
        let by_value = calls::order_by_value(q, &inner);
        self.set_expr(&mut q.body)?;
        self.scope = inner;
        if let Some(ob) = &mut q.order_by {
            if let OrderByKind::Expressions(list) = &mut ob.kind {
                for (o, by_value) in list.iter_mut().zip(by_value) {
                    self.expr(&mut o.expr)?;
                    if by_value {
                        ops::sort_by_value(&mut o.expr);
                    }
                }
            }
        }
        self.scope = outer;
        if with_ties {
            let mut n = limit.ok_or_else(|| errors::syntax_near("TIES"))?;
            self.expr(&mut n)?;
            *q = super::top::with_ties(q, &n)?;
            self.scope = saved;
            self.ctes.truncate(scope);
            self.applied.truncate(applied);
            return Ok(());
        }
        let mut offset = None;
        if let Some(LimitClause::LimitOffset {
            limit: l,
            offset: o,
            ..
        }) = q.limit_clause.take()
        {
            if l.is_some() {
                limit = l;
            }
            offset = o;
        }
        if let Some(fetch) = q.fetch.take() {
            limit = fetch.quantity;
        }
        if let Some(l) = &mut limit {
            self.expr(l)?;
        }
        if let Some(o) = &mut offset {
            self.expr(&mut o.value)?;
            o.rows = sqlparser::ast::OffsetRows::None;
        }
        if limit.is_some() || offset.is_some() {
            let limit = limit.or_else(|| Some(number(-1)));
            q.limit_clause = Some(LimitClause::LimitOffset {
                limit,
                offset,
                limit_by: vec![],
            });
        }
        self.scope = saved;
        self.ctes.truncate(scope);
        self.applied.truncate(applied);
        Ok(())
    }

    pub fn set_expr(&mut self, s: &mut SetExpr) -> Result<(), SqlError> {
        match s {
            SetExpr::Select(sel) => self.select(sel),
            SetExpr::Query(q) => self.query(q),
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left)?;
                self.set_expr(right)
            }
            SetExpr::Values(v) => {
                for row in &mut v.rows {
                    for e in row.iter_mut() {
                        self.expr(e)?;
                    }
                }
                Ok(())
            }
            _ => Err(errors::not_supported("this query form")),
        }
    }

    pub fn select(&mut self, s: &mut Select) -> Result<(), SqlError> {
        if s.top.is_some() {
            return Err(errors::not_supported("TOP in this position"));
        }
        let outer = self.scope.clone();
        self.scope = outer.enter(s, self.r);
        let result = self.select_in_scope(s);
        self.scope = outer;
        result
    }

    fn select_in_scope(&mut self, s: &mut Select) -> Result<(), SqlError> {
        let first_applied = self.applied.len();
        super::wildcard::expand(s, &self.scope, self.r);
        for t in &mut s.from {
            self.table_with_joins(t)?;
        }
        for item in &mut s.projection {
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let name = match &*e {
                        Expr::Identifier(id) if !id.value.starts_with('@') => Some(id.clone()),
                        Expr::CompoundIdentifier(ids) => ids.last().cloned(),
                        _ => None,
                    };
                    self.expr(e)?;
                    // A column reference rewritten into an expression (an APPLY column)
                    // keeps the column's name.
                    if let Some(mut alias) = name.filter(|_| !is_column(e)) {
                        requote(&mut alias);
                        let expr = std::mem::replace(e, null());
                        *item = SelectItem::ExprWithAlias { expr, alias };
                    }
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    requote(alias);
                    self.expr(expr)?
                }
                SelectItem::QualifiedWildcard(
                    sqlparser::ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                    _,
                ) => {
                    for p in &mut n.0 {
                        if let ObjectNamePart::Identifier(id) = p {
                            requote(id);
                        }
                    }
                }
                _ => {}
            }
        }
        super::apply::expand_wildcards(&mut s.projection, &s.from, &self.applied[first_applied..]);
        if let Some(w) = &mut s.selection {
            self.expr(w)?;
        }
        if let GroupByExpr::Expressions(list, _) = &mut s.group_by {
            for e in list {
                self.expr(e)?;
            }
        }
        if let Some(h) = &mut s.having {
            self.expr(h)?;
        }
        Ok(())
    }

    pub fn table_with_joins(&mut self, t: &mut TableWithJoins) -> Result<(), SqlError> {
        self.table_factor(&mut t.relation)?;
        for j in &mut t.joins {
            let apply = matches!(
                j.join_operator,
                JoinOperator::CrossApply | JoinOperator::OuterApply
            );
            if apply && super::tvf::call_of(&j.relation).is_some() {
                // APPLY of a table-valued function: its arguments may name the left tables.
                self.table_factor(&mut j.relation)?;
                j.join_operator = super::apply::operator(&j.join_operator);
                continue;
            }
            // The applied subquery's T-SQL column names, before it is rewritten.
            let names = match (&j.relation, apply) {
                (TableFactor::Derived { subquery, .. }, true) => self
                    .scope
                    .query_columns(subquery, &[], self.r)
                    .into_iter()
                    .map(|(n, _)| n)
                    .collect(),
                _ => Vec::new(),
            };
            self.table_factor(&mut j.relation)?;
            if apply {
                let n = self.applied.len();
                let a = super::apply::rewrite(&mut j.join_operator, &mut j.relation, names, n)?;
                self.applied.push(a);
            }
            let c = match &mut j.join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c)
                | JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c)
                | JoinOperator::CrossJoin(c) => c,
                JoinOperator::CrossApply | JoinOperator::OuterApply => continue,
                _ => return Err(errors::not_supported("this join")),
            };
            if let JoinConstraint::On(e) = c {
                self.expr(e)?;
            }
        }
        Ok(())
    }

    pub fn table_factor(&mut self, t: &mut TableFactor) -> Result<(), SqlError> {
        if let Some(d) = super::pivot::desugar(t, &self.scope, self.r)? {
            *t = d;
            return self.table_factor(t);
        }
        if super::tvf::call_of(t).is_some() {
            let scope = self.scope.clone();
            let n = self.applied.len();
            if let Some(a) = super::tvf::rewrite(t, &scope, n, |e| self.expr(e))? {
                self.applied.push(a);
            }
            return Ok(());
        }
        match t {
            TableFactor::Table {
                name,
                alias,
                with_hints,
                args,
                sample,
                ..
            } => {
                debug_assert!(args.is_none(), "table-valued functions are rewritten above");
                with_hints.clear();
                if let Some(a) = alias {
                    requote(&mut a.name);
                }
                if name.0.len() == 1 {
                    if let ObjectNamePart::Identifier(id) = &mut name.0[0] {
                        if self.ctes.contains(&id.value.to_ascii_lowercase()) {
                            requote(id);
                            return Ok(());
                        }
                    }
                }
                let (db, table) = self.r.sqlite_name(name)?;
                // Keep the T-SQL name visible as the alias, so `t.col` still resolves.
                if alias.is_none() {
                    if let Some(ObjectNamePart::Identifier(last)) = name.0.last() {
                        *alias = Some(sqlparser::ast::TableAlias {
                            explicit: true,
                            name: Ident::with_quote('"', last.value.clone()),
                            columns: vec![],
                            at: None,
                        });
                    }
                }
                *name = ObjectName(vec![
                    ObjectNamePart::Identifier(Ident::with_quote('"', db.clone())),
                    ObjectNamePart::Identifier(Ident::with_quote('"', table.clone())),
                ]);
                if sample.is_some() {
                    let columns: Vec<String> = match self.r.lookup(&db, &table)? {
                        Some(meta) => meta.columns.iter().map(|c| c.name.clone()).collect(),
                        None => Vec::new(),
                    };
                    super::pivot::sample(t, &columns)?;
                }
                Ok(())
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                if let Some(a) = alias {
                    requote(&mut a.name);
                }
                self.query(subquery)
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => self.table_with_joins(table_with_joins),
            _ => Err(errors::not_supported("this table source")),
        }
    }

    pub fn exprs(&mut self, list: &mut [Expr]) -> Result<(), SqlError> {
        for e in list {
            self.expr(e)?;
        }
        Ok(())
    }

    pub fn expr(&mut self, e: &mut Expr) -> Result<(), SqlError> {
        match e {
            Expr::Identifier(id) => {
                if id.value.starts_with("@@") {
                    *e = self.r.system_variable(&id.value)?;
                } else if let Some(x) = self.applied_column(None, &id.value) {
                    *e = x;
                } else {
                    requote(id);
                }
            }
            Expr::CompoundIdentifier(ids) => {
                let (q, name) = match ids.as_slice() {
                    [.., q, n] => (Some(q.value.clone()), n.value.clone()),
                    _ => (None, String::new()),
                };
                match q.and_then(|q| self.applied_column(Some(&q), &name)) {
                    Some(x) => *e = x,
                    None => {
                        // `schema.table.column` (SQLAlchemy's reflection writes them): the
                        // table is exposed under its last name part (see `table_factor`).
                        if ids.len() > 2 {
                            ids.drain(..ids.len() - 2);
                        }
                        ids.iter_mut().for_each(requote)
                    }
                }
            }
            Expr::Value(v) => {
                if let AstValue::NationalStringLiteral(s) = &v.value {
                    v.value = AstValue::SingleQuotedString(s.clone());
                }
                ops::literal(&mut v.value);
            }
            Expr::IsNull(x)
            | Expr::IsNotNull(x)
            | Expr::Nested(x)
            | Expr::IsTrue(x)
            | Expr::IsFalse(x) => self.expr(x)?,
            Expr::UnaryOp { expr, .. } => {
                let t = self.type_of(expr);
                self.expr(expr)?;
                ops::negate(e, t.as_ref());
            }
            Expr::BinaryOp { left, right, .. } => {
                let (lt, rt) = (self.type_of(left), self.type_of(right));
                let (l_col, r_col) = (is_column(left), is_column(right));
                self.expr(left)?;
                self.expr(right)?;
                ops::binary(e, lt.as_ref(), rt.as_ref(), l_col, r_col);
            }
            Expr::InList { expr, list, .. } => {
                let t = self.type_of(expr);
                let by_value = !is_column(expr)
                    && list
                        .iter()
                        .all(|x| ops::decimal_compare_types(t.as_ref(), self.type_of(x).as_ref()));
                self.expr(expr)?;
                self.exprs(list)?;
                if by_value {
                    ops::by_value(expr);
                    list.iter_mut().for_each(ops::by_value);
                }
            }
            Expr::InSubquery { expr, subquery, .. } => {
                self.expr(expr)?;
                self.query(subquery)?;
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                let t = self.type_of(expr);
                let by_value = !is_column(expr)
                    && ops::decimal_compare_types(t.as_ref(), self.type_of(low).as_ref())
                    && ops::decimal_compare_types(t.as_ref(), self.type_of(high).as_ref());
                self.expr(expr)?;
                self.expr(low)?;
                self.expr(high)?;
                if by_value {
                    ops::by_value(expr);
                }
            }
            Expr::Like {
                expr,
                pattern,
                escape_char,
                ..
            } => {
                self.expr(expr)?;
                self.expr(pattern)?;
                if let Some(x) = escape_char {
                    self.expr(x)?;
                }
            }
            Expr::Cast {
                kind,
                expr,
                data_type,
                ..
            } => {
                let ty = data_type.to_string().to_ascii_lowercase();
                let name = if matches!(kind, CastKind::TryCast | CastKind::SafeCast) {
                    "__mssql_try_cast"
                } else {
                    "__mssql_cast"
                };
                crate::typename::parse_cast(&ty)?;
                let from = self.type_of(expr);
                self.expr(expr)?;
                let inner = std::mem::replace(expr.as_mut(), null());
                *e = calls::cast_call(name, inner, &ty, number(0), from);
            }
            Expr::Convert {
                is_try,
                expr,
                data_type: Some(dt),
                styles,
                ..
            } => {
                let ty = dt.to_string().to_ascii_lowercase();
                crate::typename::parse_cast(&ty)?;
                let from = self.type_of(expr);
                self.expr(expr)?;
                // No style is style 0; an explicit NULL style makes the result NULL.
                let style = match styles.first_mut() {
                    Some(s) => {
                        self.expr(s)?;
                        s.clone()
                    }
                    None => number(0),
                };
                let inner = std::mem::replace(expr.as_mut(), null());
                let name = if *is_try {
                    "__mssql_try_cast"
                } else {
                    "__mssql_cast"
                };
                *e = calls::cast_call(name, inner, &ty, style, from);
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                if let Some(o) = operand {
                    self.expr(o)?;
                }
                for c in conditions {
                    self.expr(&mut c.condition)?;
                    self.expr(&mut c.result)?;
                }
                if let Some(x) = else_result {
                    self.expr(x)?;
                }
            }
            Expr::Exists { subquery, .. } | Expr::Subquery(subquery) => self.query(subquery)?,
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                self.expr(expr)?;
                if let Some(x) = substring_from {
                    self.expr(x)?;
                }
                if let Some(x) = substring_for {
                    self.expr(x)?;
                }
            }
            Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => self.expr(expr)?,
            Expr::Trim { expr, .. } => self.expr(expr)?,
            Expr::Collate { expr, .. } => {
                self.expr(expr)?;
                let inner = std::mem::replace(expr.as_mut(), null());
                *e = inner;
            }
            Expr::Tuple(list) => self.exprs(list)?,
            Expr::Function(_) => self.function(e)?,
            Expr::CompoundFieldAccess { root, access_chain } => {
                let (root, chain) = (root.as_ref().clone(), access_chain.clone());
                *e = super::forclause::method(self, &root, &chain)?;
            }
            Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => {}
            _ => {}
        }
        Ok(())
    }

    fn function(&mut self, e: &mut Expr) -> Result<(), SqlError> {
        let Expr::Function(f) = e else { return Ok(()) };
        let fname = f.name.to_string().to_ascii_uppercase();
        let lits: Vec<Option<String>> = args_of(f)
            .iter()
            .map(|a| string_literal(a).map(str::to_string))
            .collect();
        if let Some(folded) = self.r.session_function(&fname, &lits, args_of(f).len())? {
            *e = folded;
            return Ok(());
        }
        if calls::DATEPART_FUNCTIONS.contains(&fname.as_str()) {
            calls::datepart_as_string(f);
        }
        calls::keyword_arguments(&fname, f);
        let completion = calls::completion(&fname, &args_of(f), |a| self.type_of(a));
        let exact_total = matches!(fname.as_str(), "SUM" | "AVG")
            && args_of(f).first().is_some_and(|a| {
                // Unknown types too: the exact aggregates add integers as integers.
                self.type_of(a)
                    .is_none_or(|t| typing::decimal::is_exact(&t))
            });
        match &mut f.args {
            FunctionArguments::List(l) => {
                for a in &mut l.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(x))
                    | FunctionArg::Named {
                        arg: FunctionArgExpr::Expr(x),
                        ..
                    } = a
                    {
                        self.expr(x)?;
                    }
                }
            }
            FunctionArguments::Subquery(q) => self.query(q)?,
            FunctionArguments::None => {}
        }
        if let Some(WindowType::WindowSpec(w)) = &mut f.over {
            self.exprs(&mut w.partition_by)?;
            for o in &mut w.order_by {
                self.expr(&mut o.expr)?;
            }
        }
        let rename = match fname.as_str() {
            "ISNULL" => Some("ifnull"),
            "COUNT_BIG" => Some("count"),
            "SUM" if exact_total => Some("__mssql_sum"),
            "AVG" if exact_total => Some("__mssql_avg"),
            _ => None,
        };
        if let Some(n) = rename {
            f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(n))]);
        }
        if let Some((n, extra)) = completion {
            f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(n))]);
            if let FunctionArguments::List(l) = &mut f.args {
                l.args
                    .push(FunctionArg::Unnamed(FunctionArgExpr::Expr(extra)));
            }
        }
        // Session-dependent functions on non-constant arguments: catalog subqueries.
        let args: Vec<Expr> = args_of(f).into_iter().cloned().collect();
        if let Some(sub) = self.r.catalog_function(&fname, &args)? {
            *e = sub;
        }
        Ok(())
    }
}

/// A T-SQL expression from stored text (a column's DEFAULT).
pub fn sql_expr_tsql(sql: &str) -> Result<Expr, SqlError> {
    let dialect = sqlparser::dialect::MsSqlDialect {};
    sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| SqlError::new(50000, 16, format!("internal rewrite error: {e}")))
}
