//! CROSS APPLY / OUTER APPLY of a derived table. SQLite has no LATERAL join, but the
//! arguments of a table-valued function may refer to the tables on their left: the
//! correlated subquery is packed into a JSON array of rows and unpacked by `json_each`,
//! one row per element; references to its columns (`a.col`, or `col` alone) read the
//! element (`json_extract(value, '$[i]')`).
//!
//! [`Applied`] is also how the rewriter reads the columns of a table-valued function
//! (`translate::tvf`): whatever the relation, each T-SQL column has its SQLite expression.
//! [`operator`] turns the APPLY join into SQLite's: CROSS JOIN (which keeps the left table
//! the outer loop) or LEFT JOIN ... ON 1.

use sqlparser::ast::{
    Expr, Ident, JoinConstraint, JoinOperator, ObjectName, ObjectNamePart, Query, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, TableFactor, TableWithJoins,
};
use tds_protocol::types::SqlError;

use super::expr::{call, string};
use crate::catalog::quote;
use crate::errors;

/// An applied derived table or a table-valued function: its T-SQL alias, its columns'
/// T-SQL names with the SQLite expression reading each, and the SQLite alias of the
/// relation that produces its rows.
#[derive(Clone)]
pub struct Applied {
    pub alias: String,
    pub columns: Vec<(String, Expr)>,
    pub sqlite_alias: String,
}

impl Applied {
    /// The expression read for column `name` of this table, if it has one.
    pub fn column(&self, name: &str) -> Option<Expr> {
        self.columns
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(name))
            .map(|(_, e)| e.clone())
    }

    /// Its columns as select-list items (`*` over it), each named as in T-SQL.
    pub fn items(&self) -> Vec<SelectItem> {
        self.columns
            .iter()
            .map(|(name, e)| SelectItem::ExprWithAlias {
                expr: e.clone(),
                alias: Ident::with_quote('"', name.clone()),
            })
            .collect()
    }
}

/// The SQLite join for `CROSS APPLY` (CROSS JOIN) or `OUTER APPLY` (LEFT JOIN ... ON 1).
pub fn operator(op: &JoinOperator) -> JoinOperator {
    match op {
        JoinOperator::OuterApply => JoinOperator::LeftOuter(JoinConstraint::On(Expr::value(
            sqlparser::ast::Value::Number("1".into(), false),
        ))),
        _ => JoinOperator::CrossJoin(JoinConstraint::None),
    }
}

/// The output column names of a subquery as SQLite names them (`column1`... for VALUES).
fn inner_names(q: &Query) -> Result<Vec<String>, SqlError> {
    match q.body.as_ref() {
        SetExpr::Values(v) => {
            let n = v.rows.first().map_or(0, |r| r.len());
            Ok((1..=n).map(|i| format!("column{i}")).collect())
        }
        SetExpr::Select(s) => s
            .projection
            .iter()
            .map(|item| match item {
                SelectItem::ExprWithAlias { alias, .. } => Ok(alias.value.clone()),
                SelectItem::UnnamedExpr(Expr::Identifier(id)) => Ok(id.value.clone()),
                SelectItem::UnnamedExpr(Expr::CompoundIdentifier(ids)) => {
                    Ok(ids.last().map(|i| i.value.clone()).unwrap_or_default())
                }
                _ => Err(SqlError::new(
                    8155,
                    16,
                    "No column name was specified for a column of the applied table.",
                )),
            })
            .collect(),
        _ => Err(errors::not_supported("APPLY of this query")),
    }
}

/// Turns a join `CROSS|OUTER APPLY (subquery) alias` (the subquery already rewritten;
/// `names` its T-SQL output names) into a join on `json_each`.
pub fn rewrite(
    operator: &mut JoinOperator,
    relation: &mut TableFactor,
    names: Vec<String>,
    n: usize,
) -> Result<Applied, SqlError> {
    let TableFactor::Derived {
        subquery,
        alias: Some(alias),
        ..
    } = relation
    else {
        return Err(errors::not_supported("APPLY of a table-valued function"));
    };
    let inner = inner_names(subquery)?;
    let columns: Vec<String> = if alias.columns.is_empty() {
        names
    } else {
        alias.columns.iter().map(|c| c.name.value.clone()).collect()
    };
    let packed: Vec<String> = inner.iter().map(|c| format!("__s.{}", quote(c))).collect();
    let sqlite_alias = format!("__apply{n}");
    let sql = format!(
        "SELECT 1 FROM json_each((SELECT json_group_array(json_array({})) FROM ({subquery}) AS __s)) AS {}",
        packed.join(", "),
        quote(&sqlite_alias)
    );
    let dialect = sqlparser::dialect::SQLiteDialect {};
    let parsed = sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| SqlError::new(50000, 16, format!("internal rewrite error: {e}")))?;
    let SetExpr::Select(s) = *parsed.body else {
        return Err(errors::not_supported("APPLY"));
    };
    let value = Expr::CompoundIdentifier(vec![
        Ident::with_quote('"', sqlite_alias.clone()),
        Ident::new("value"),
    ]);
    let columns = columns
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let read = call(
                "json_extract",
                vec![value.clone(), string(&format!("$[{i}]"))],
            );
            (name, read)
        })
        .collect();
    let applied = Applied {
        alias: alias.name.value.clone(),
        columns,
        sqlite_alias,
    };
    *relation = s.from[0].relation.clone();
    *operator = self::operator(operator);
    Ok(applied)
}

/// The SQLite alias of a FROM item (after rewriting every item has one).
fn sqlite_alias(tf: &TableFactor) -> Option<String> {
    match tf {
        TableFactor::Table { alias, .. } | TableFactor::Derived { alias, .. } => {
            alias.as_ref().map(|a| a.name.value.clone())
        }
        _ => None,
    }
}

/// `*` and `alias.*` over a FROM clause with APPLY'd or table-valued items: expanded, so
/// that those items show their T-SQL columns (not the SQLite relation's) and every other
/// item `alias.*`. `applied` are the items of this FROM clause.
pub fn expand_wildcards(
    projection: &mut Vec<SelectItem>,
    from: &[TableWithJoins],
    applied: &[Applied],
) {
    if applied.is_empty()
        || !projection.iter().any(|i| {
            matches!(
                i,
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
            )
        })
    {
        return;
    }
    let mut out = Vec::with_capacity(projection.len());
    for item in projection.drain(..) {
        match item {
            SelectItem::Wildcard(options) => {
                for twj in from {
                    let relations =
                        std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation));
                    for r in relations {
                        let Some(alias) = sqlite_alias(r) else {
                            continue;
                        };
                        match applied.iter().find(|a| a.sqlite_alias == alias) {
                            Some(a) => out.extend(a.items()),
                            None => out.push(SelectItem::QualifiedWildcard(
                                SelectItemQualifiedWildcardKind::ObjectName(ObjectName(vec![
                                    ObjectNamePart::Identifier(Ident::with_quote('"', alias)),
                                ])),
                                options.clone(),
                            )),
                        }
                    }
                }
            }
            SelectItem::QualifiedWildcard(
                SelectItemQualifiedWildcardKind::ObjectName(n),
                options,
            ) => {
                let last = match n.0.last() {
                    Some(ObjectNamePart::Identifier(i)) => i.value.clone(),
                    _ => String::new(),
                };
                match applied.iter().find(|a| a.alias.eq_ignore_ascii_case(&last)) {
                    Some(a) => out.extend(a.items()),
                    None => out.push(SelectItem::QualifiedWildcard(
                        SelectItemQualifiedWildcardKind::ObjectName(n),
                        options,
                    )),
                }
            }
            other => out.push(other),
        }
    }
    *projection = out;
}
