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

/// Built-ins whose first argument after some position is a bare keyword, passed to SQLite as
/// a string: ISJSON's type constraint (`ISJSON(x, SCALAR)`).
pub fn keyword_arguments(name: &str, f: &mut Function) {
    let position = match name {
        "ISJSON" => 1,
        _ => return,
    };
    if let FunctionArguments::List(l) = &mut f.args {
        if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(id)))) =
            l.args.get_mut(position)
        {
            if id.quote_style.is_none() && !id.value.starts_with('@') {
                let word = id.value.to_ascii_uppercase();
                l.args[position] = FunctionArg::Unnamed(FunctionArgExpr::Expr(string(&word)));
            }
        }
    }
}

/// Built-ins that need what only the T-SQL text tells (an argument's type), as the internal
/// function to call instead and the argument to add after the others:
/// - JSON_MODIFY's new value is inserted by kind (`__mssql_json_modify(x, path, v, kind)`);
/// - HASHBYTES hashes a string's bytes in its type's encoding (`__mssql_hashbytes(alg, x, type)`).
pub fn completion(
    name: &str,
    args: &[&Expr],
    type_of: impl Fn(&Expr) -> Option<SqlType>,
) -> Option<(&'static str, Expr)> {
    match (name, args) {
        ("JSON_MODIFY", [_, _, v]) => {
            Some(("__mssql_json_modify", string(json_kind(v, type_of(v)))))
        }
        ("HASHBYTES", [_, x]) => {
            let ty = type_of(x).map(|t| t.to_string()).unwrap_or_default();
            Some(("__mssql_hashbytes", string(&ty)))
        }
        _ => None,
    }
}

/// How a value goes into JSON text: `json` when it already is JSON (JSON_QUERY, JSON_MODIFY,
/// a FOR JSON subquery), `bool` for bit, `number` for the numeric types, else `text`.
pub fn json_kind(e: &Expr, t: Option<SqlType>) -> &'static str {
    match e {
        Expr::Nested(x) => return json_kind(x, t),
        Expr::Function(f) => {
            let n = f.name.to_string().to_ascii_uppercase();
            if matches!(n.as_str(), "JSON_QUERY" | "JSON_MODIFY") {
                return "json";
            }
        }
        Expr::Subquery(q) => {
            if matches!(q.for_clause, Some(sqlparser::ast::ForClause::Json { .. })) {
                return "json";
            }
        }
        _ => {}
    }
    match t {
        Some(SqlType::Bit) => "bool",
        Some(
            SqlType::TinyInt
            | SqlType::SmallInt
            | SqlType::Int
            | SqlType::BigInt
            | SqlType::Decimal { .. }
            | SqlType::Numeric { .. }
            | SqlType::Money
            | SqlType::SmallMoney
            | SqlType::Real
            | SqlType::Float,
        ) => "number",
        _ => "text",
    }
}

/// COLUMNPROPERTY(id, column, property) as a subquery on the current database's columns
/// (renamed, so arguments naming outer columns keep meaning them).
pub fn column_property_sql(db: &str, id: &str, column: &str, property: &str) -> String {
    format!(
        "(SELECT __mssql_columnproperty(__t, __n, __i, __c, __id, {property}) FROM (SELECT type_text AS __t, is_nullable AS __n, is_identity AS __i, is_computed AS __c, column_id AS __id, object_id AS __o, name AS __nm FROM {db}.__mssql_columns) WHERE __o = {id} AND __nm = {column})"
    )
}

/// DATABASEPROPERTYEX(database, property) as a subquery on master's database list.
pub fn database_property_sql(database: &str, property: &str) -> String {
    format!(
        "(SELECT __mssql_databaseproperty(__n, __c, __s, __r, __u, __m, {property}) FROM (SELECT name AS __n, collation_name AS __c, state_desc AS __s, is_read_only AS __r, user_access_desc AS __u, recovery_model_desc AS __m FROM master.__mssql_databases) WHERE __n = {database})"
    )
}
