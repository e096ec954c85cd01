//! CROSS APPLY / OUTER APPLY of a derived table. SQLite has no LATERAL join, but the
//! arguments of a table-valued function may refer to the tables on their left: the
//! correlated subquery is packed into a JSON array of rows and unpacked by `json_each`,
//! one row per element; references to its columns (`a.col`, or `col` alone) read the
//! element (`json_extract(value, '$[i]')`).

use sqlparser::ast::{
    Expr, Ident, JoinConstraint, JoinOperator, Query, SelectItem, SetExpr, TableFactor,
};
use tds_protocol::types::SqlError;

use super::expr::{call, string};
use crate::catalog::quote;
use crate::errors;

/// An applied derived table: its T-SQL alias and column names, and the SQLite alias of
/// the `json_each` that unpacks it.
#[derive(Clone)]
pub struct Applied {
    pub alias: String,
    pub columns: Vec<String>,
    pub sqlite_alias: String,
}

impl Applied {
    /// The element read for column `name` of this applied table, if it has one.
    pub fn column(&self, name: &str) -> Option<Expr> {
        let i = self
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))?;
        let value = Expr::CompoundIdentifier(vec![
            Ident::with_quote('"', self.sqlite_alias.clone()),
            Ident::new("value"),
        ]);
        Some(call(
            "json_extract",
            vec![value, string(&format!("$[{i}]"))],
        ))
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
    let applied = Applied {
        alias: alias.name.value.clone(),
        columns,
        sqlite_alias,
    };
    *relation = s.from[0].relation.clone();
    *operator = match operator {
        JoinOperator::OuterApply => JoinOperator::LeftOuter(JoinConstraint::On(Expr::value(
            sqlparser::ast::Value::Number("1".into(), false),
        ))),
        _ => JoinOperator::CrossJoin(JoinConstraint::None),
    };
    Ok(applied)
}
