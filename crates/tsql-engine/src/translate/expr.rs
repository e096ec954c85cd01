//! Rewrites a parsed T-SQL query in place into SQLite's dialect: table names resolved to
//! the SQLite tables, T-SQL functions and operators replaced by their SQLite forms,
//! TOP/OFFSET-FETCH turned into LIMIT/OFFSET.

use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, GroupByExpr, Ident, JoinConstraint, JoinOperator, LimitClause, ObjectName,
    ObjectNamePart, OrderByKind, Query, Select, SelectItem, SetExpr, TableFactor, TableWithJoins,
    TopQuantity, Value as AstValue, WindowType,
};
use tds_protocol::types::SqlError;

use super::names::Resolver;
use crate::errors;
use crate::typing::static_type;

/// Rewrites one statement's expressions and queries.
pub struct Rewriter<'r, 'a> {
    pub r: &'r Resolver<'a>,
    /// Names of the CTEs in scope (not resolved as tables).
    ctes: Vec<String>,
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
        }
    }

    pub fn query(&mut self, q: &mut Query) -> Result<(), SqlError> {
        let scope = self.ctes.len();
        if let Some(with) = &mut q.with {
            for cte in &mut with.cte_tables {
                requote(&mut cte.alias.name);
                self.ctes.push(cte.alias.name.value.to_ascii_lowercase());
                self.query(&mut cte.query)?;
            }
        }
        // TOP n of the outermost SELECT becomes LIMIT n.
        let mut limit = None;
        if let SetExpr::Select(s) = q.body.as_mut() {
            if let Some(top) = s.top.take() {
                if top.percent || top.with_ties {
                    return Err(errors::not_supported("TOP PERCENT / WITH TIES"));
                }
                limit = match top.quantity {
                    Some(TopQuantity::Expr(e)) => Some(e),
                    Some(TopQuantity::Constant(n)) => Some(number(n as i64)),
                    None => None,
                };
            }
        }
        self.set_expr(&mut q.body)?;
        if let Some(ob) = &mut q.order_by {
            if let OrderByKind::Expressions(list) = &mut ob.kind {
                for o in list {
                    self.expr(&mut o.expr)?;
                }
            }
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
        self.ctes.truncate(scope);
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
        for t in &mut s.from {
            self.table_with_joins(t)?;
        }
        for item in &mut s.projection {
            match item {
                SelectItem::UnnamedExpr(e) => self.expr(e)?,
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
            self.table_factor(&mut j.relation)?;
            let c = match &mut j.join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c)
                | JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c)
                | JoinOperator::CrossJoin(c) => c,
                _ => return Err(errors::not_supported("APPLY")),
            };
            if let JoinConstraint::On(e) = c {
                self.expr(e)?;
            }
        }
        Ok(())
    }

    pub fn table_factor(&mut self, t: &mut TableFactor) -> Result<(), SqlError> {
        match t {
            TableFactor::Table {
                name,
                alias,
                with_hints,
                args,
                ..
            } => {
                if args.is_some() {
                    return Err(errors::not_supported("table-valued functions"));
                }
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
                    ObjectNamePart::Identifier(Ident::with_quote('"', db)),
                    ObjectNamePart::Identifier(Ident::with_quote('"', table)),
                ]);
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
                } else {
                    requote(id);
                }
            }
            Expr::CompoundIdentifier(ids) => ids.iter_mut().for_each(requote),
            Expr::Value(v) => {
                if let AstValue::NationalStringLiteral(s) = &v.value {
                    v.value = AstValue::SingleQuotedString(s.clone());
                }
            }
            Expr::IsNull(x)
            | Expr::IsNotNull(x)
            | Expr::Nested(x)
            | Expr::IsTrue(x)
            | Expr::IsFalse(x) => self.expr(x)?,
            Expr::UnaryOp { expr, .. } => self.expr(expr)?,
            Expr::BinaryOp { left, op, right } => {
                let concat = *op == BinaryOperator::Plus && (is_string(left) || is_string(right));
                let numeric = *op == BinaryOperator::Plus && is_number(left) && is_number(right);
                self.expr(left)?;
                self.expr(right)?;
                if concat {
                    *op = BinaryOperator::StringConcat;
                } else if *op == BinaryOperator::Plus && !numeric {
                    let l = std::mem::replace(left.as_mut(), null());
                    let r = std::mem::replace(right.as_mut(), null());
                    *e = call("__mssql_add", vec![l, r]);
                }
            }
            Expr::InList { expr, list, .. } => {
                self.expr(expr)?;
                self.exprs(list)?;
            }
            Expr::InSubquery { expr, subquery, .. } => {
                self.expr(expr)?;
                self.query(subquery)?;
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.expr(expr)?;
                self.expr(low)?;
                self.expr(high)?;
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
                self.expr(expr)?;
                let inner = std::mem::replace(expr.as_mut(), null());
                *e = call(name, vec![inner, string(&ty), null()]);
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
                self.expr(expr)?;
                let style = match styles.first_mut() {
                    Some(s) => {
                        self.expr(s)?;
                        s.clone()
                    }
                    None => null(),
                };
                let inner = std::mem::replace(expr.as_mut(), null());
                let name = if *is_try {
                    "__mssql_try_cast"
                } else {
                    "__mssql_cast"
                };
                *e = call(name, vec![inner, string(&ty), style]);
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
            _ => None,
        };
        if let Some(n) = rename {
            f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(n))]);
        }
        // Session-dependent functions on non-constant arguments: catalog subqueries.
        let args: Vec<Expr> = args_of(f).into_iter().cloned().collect();
        if let Some(sub) = self.r.catalog_function(&fname, &args)? {
            *e = sub;
        }
        Ok(())
    }
}

fn is_string(e: &Expr) -> bool {
    static_type(e).is_some_and(|t| crate::typing::is_character(&t))
}

fn is_number(e: &Expr) -> bool {
    static_type(e).is_some_and(|t| crate::typing::is_numeric(&t))
}

/// A T-SQL expression from stored text (a column's DEFAULT).
pub fn sql_expr_tsql(sql: &str) -> Result<Expr, SqlError> {
    let dialect = sqlparser::dialect::MsSqlDialect {};
    sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| SqlError::new(50000, 16, format!("internal rewrite error: {e}")))
}
