//! `TOP (n) WITH TIES`: SQLite's LIMIT cannot keep the rows tied with the last one, so the
//! SELECT becomes a subquery ranking its rows by the ORDER BY keys, filtered on the rank.

use sqlparser::ast::{Expr, Ident, OrderByKind, Query, SelectItem, SetExpr};
use tds_protocol::types::SqlError;

use crate::catalog::quote;
use crate::errors;

/// The rewritten query `q` (its TOP removed) keeping the rows ranked `n` or better:
/// `SELECT a AS a, ... FROM (SELECT x AS __t0, ..., RANK() OVER (ORDER BY k) AS __rank
/// ...) WHERE __rank <= n ORDER BY __rank`.
pub fn with_ties(q: &Query, n: &Expr) -> Result<Query, SqlError> {
    let Some(OrderByKind::Expressions(keys)) = q.order_by.as_ref().map(|o| &o.kind) else {
        return Err(SqlError::new(
            1062,
            16,
            "The TOP N WITH TIES clause is not allowed without a corresponding ORDER BY clause.",
        ));
    };
    let SetExpr::Select(s) = q.body.as_ref() else {
        return Err(errors::not_supported("TOP WITH TIES on this query"));
    };
    let mut inner = s.as_ref().clone();
    let mut columns = Vec::new();
    let mut aliased: Vec<(String, Expr)> = Vec::new();
    for (i, item) in inner.projection.iter_mut().enumerate() {
        let hidden = Ident::new(format!("__t{i}"));
        let (expr, name) = match item {
            SelectItem::UnnamedExpr(e) => {
                let name = match e {
                    Expr::Identifier(id) => id.value.clone(),
                    Expr::CompoundIdentifier(ids) => {
                        ids.last().map(|i| i.value.clone()).unwrap_or_default()
                    }
                    _ => format!("__t{i}"),
                };
                (e.clone(), name)
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                aliased.push((alias.value.clone(), expr.clone()));
                (expr.clone(), alias.value.clone())
            }
            _ => return Err(errors::not_supported("TOP WITH TIES with *")),
        };
        *item = SelectItem::ExprWithAlias {
            expr,
            alias: hidden.clone(),
        };
        columns.push(format!("{hidden} AS {}", quote(&name)));
    }
    let order = keys
        .iter()
        .map(|o| {
            // The window cannot see select-list aliases: a key naming one is its expression.
            let mut o = o.clone();
            if let Expr::Identifier(id) = &o.expr {
                if let Some(e) = aliased
                    .iter()
                    .find_map(|(a, e)| a.eq_ignore_ascii_case(&id.value).then_some(e))
                {
                    o.expr = e.clone();
                }
            }
            o.to_string()
        })
        .collect::<Vec<_>>()
        .join(", ");
    inner.projection.push(SelectItem::ExprWithAlias {
        expr: super::expr::sql_expr(&format!("RANK() OVER (ORDER BY {order})"))?,
        alias: Ident::new("__rank"),
    });
    let sql = format!(
        "SELECT {} FROM ({inner}) AS __ties WHERE __rank <= {n} ORDER BY __rank",
        columns.join(", ")
    );
    let dialect = sqlparser::dialect::SQLiteDialect {};
    let mut out = sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| SqlError::new(50000, 16, format!("internal rewrite error: {e}")))?;
    out.with = q.with.clone();
    Ok(*out)
}
