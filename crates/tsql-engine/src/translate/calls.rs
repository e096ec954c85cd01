//! Helpers of the rewriter for particular calls and clauses: CAST/CONVERT with their
//! source type, datepart keywords, and which ORDER BY keys must sort by value.

use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, OrderByKind, Query,
    SelectItem, SetExpr, Value as AstValue,
};
use tds_protocol::types::SqlType;

use super::expr::{call, string};
use crate::typing::{self, static_type_in, Scope};

/// For each ORDER BY key of `q`, whether it is a computed exact number (decimal text
/// that must sort by value); a key naming a select-list alias (or giving its position)
/// has that item's type. SQLite still reads `2 COLLATE x` and `alias COLLATE x` as
/// references to the select list.
pub fn order_by_value(q: &Query, scope: &Scope) -> Vec<bool> {
    let Some(OrderByKind::Expressions(list)) = q.order_by.as_ref().map(|o| &o.kind) else {
        return Vec::new();
    };
    let SetExpr::Select(s) = q.body.as_ref() else {
        return vec![false; list.len()];
    };
    list.iter()
        .map(|o| {
            let key = match &o.expr {
                Expr::Identifier(id) => s
                    .projection
                    .iter()
                    .find_map(|item| match item {
                        SelectItem::ExprWithAlias { expr, alias }
                            if alias.value.eq_ignore_ascii_case(&id.value) =>
                        {
                            Some(expr)
                        }
                        _ => None,
                    })
                    .unwrap_or(&o.expr),
                // `ORDER BY 2`: the second select-list item.
                Expr::Value(v) => match &v.value {
                    AstValue::Number(n, _) => n
                        .parse::<usize>()
                        .ok()
                        .and_then(|k| s.projection.get(k.checked_sub(1)?))
                        .and_then(|item| match item {
                            SelectItem::UnnamedExpr(e)
                            | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
                            _ => None,
                        })
                        .unwrap_or(&o.expr),
                    _ => &o.expr,
                },
                other => other,
            };
            !is_column(key)
                && static_type_in(key, scope).is_some_and(|t| typing::decimal::is_exact(&t))
        })
        .collect()
}

/// The built-ins whose first argument is a datepart keyword (`DATEADD(day, 1, x)`).
pub const DATEPART_FUNCTIONS: &[&str] = &[
    "DATEADD",
    "DATEDIFF",
    "DATEDIFF_BIG",
    "DATEPART",
    "DATENAME",
    "DATETRUNC",
];

/// Passes a datepart keyword (`day`, `dd`, `iso_week`...) as the string the SQLite
/// functions read, rather than as a column reference.
pub fn datepart_as_string(f: &mut Function) {
    if let FunctionArguments::List(l) = &mut f.args {
        if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(x))) = l.args.first_mut() {
            if let Expr::Identifier(id) = x {
                if id.quote_style.is_none() && !id.value.starts_with('@') {
                    *x = string(&id.value.to_ascii_lowercase());
                }
            }
        }
    }
}

/// A plain column reference (which brings its column's affinity and collation to SQLite).
pub fn is_column(e: &Expr) -> bool {
    match e {
        Expr::Identifier(id) => !id.value.starts_with('@'),
        Expr::CompoundIdentifier(_) => true,
        _ => false,
    }
}

/// `__mssql_cast(x, 'type', style[, 'fromtype'])`: with the source's type when it is known,
/// so stored text converts as the value it holds (a datetime's text, a decimal's digits).
pub fn cast_call(name: &str, x: Expr, ty: &str, style: Expr, from: Option<SqlType>) -> Expr {
    let mut args = vec![x, string(ty), style];
    if let Some(from) = from {
        // Any precision reads a decimal's text; the widest never rejects a computed value.
        // A sql_variant keeps the exact type as its base type.
        let from = match from {
            SqlType::Decimal { scale, .. } | SqlType::Numeric { scale, .. }
                if ty != "sql_variant" =>
            {
                SqlType::Decimal {
                    precision: 38,
                    scale,
                }
            }
            other => other,
        };
        args.push(string(&from.to_string()));
    }
    call(name, args)
}
