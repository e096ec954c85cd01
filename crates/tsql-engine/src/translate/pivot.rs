//! PIVOT and UNPIVOT, as the derived tables SQL Server defines them by (T-SQL in, T-SQL out,
//! so typing and rewriting treat the result like any derived table):
//! - `src PIVOT (AGG(v) FOR c IN ([x], [y])) AS p` is
//!   `(SELECT <src's other columns>, AGG(CASE WHEN c = 'x' THEN v END) AS [x], ... FROM src
//!   GROUP BY <the other columns>) AS p`;
//! - `src UNPIVOT (v FOR c IN (x, y)) AS u` is
//!   `(SELECT <src's other columns>, CAST(N'x' AS nvarchar(128)) AS c, x AS v FROM src WHERE x
//!   IS NOT NULL UNION ALL ...) AS u`.
//!
//! TABLESAMPLE is here too ([`sample`]): the table read through
//! `__mssql_sample(seed, percent, row...)`, each row kept with that probability (a hash of its
//! values and the seed under REPEATABLE, so the same rows come back while the data stays).

use sqlparser::ast::{
    Expr, Ident, PivotValueSource, TableAlias, TableFactor, TableSampleKind, TableSampleUnit,
    Value as AstValue,
};
use tds_protocol::types::SqlError;

use super::names::Resolver;
use crate::catalog::quote;
use crate::errors;
use crate::typing::Scope;

/// The columns' names of a FROM item.
fn source_columns(
    tf: &TableFactor,
    scope: &Scope,
    r: &Resolver<'_>,
) -> Result<Vec<String>, SqlError> {
    scope
        .columns_of(tf, r)
        .map(|cols| cols.into_iter().map(|(n, _)| n).collect())
        .ok_or_else(|| errors::not_supported("PIVOT or UNPIVOT over this source"))
}

fn bracket(name: &str) -> String {
    format!("[{}]", name.replace(']', "]]"))
}

fn ident_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(i.value.clone()),
        Expr::CompoundIdentifier(ids) => ids.last().map(|i| i.value.clone()),
        _ => None,
    }
}

/// PIVOT or UNPIVOT as a T-SQL derived table; other items unchanged (`None`).
pub fn desugar(
    tf: &TableFactor,
    scope: &Scope,
    r: &Resolver<'_>,
) -> Result<Option<TableFactor>, SqlError> {
    let (sql, alias) = match tf {
        TableFactor::Pivot {
            table,
            aggregate_functions,
            value_column,
            value_source,
            alias,
            ..
        } => {
            let [agg] = aggregate_functions.as_slice() else {
                return Err(errors::syntax_near(","));
            };
            let Expr::Function(f) = &agg.expr else {
                return Err(errors::syntax_near("PIVOT"));
            };
            let args = super::expr::args_of(f);
            let [value] = args.as_slice() else {
                return Err(errors::syntax_near("PIVOT"));
            };
            let value_name = ident_name(value).ok_or_else(|| errors::syntax_near("PIVOT"))?;
            let [pcol] = value_column.as_slice() else {
                return Err(errors::syntax_near("PIVOT"));
            };
            let pcol_name = ident_name(pcol).ok_or_else(|| errors::syntax_near("FOR"))?;
            let PivotValueSource::List(values) = value_source else {
                return Err(errors::not_supported("PIVOT with this IN list"));
            };
            let cols = source_columns(table, scope, r)?;
            let groups: Vec<String> = cols
                .iter()
                .filter(|c| {
                    !c.eq_ignore_ascii_case(&value_name) && !c.eq_ignore_ascii_case(&pcol_name)
                })
                .map(|c| bracket(c))
                .collect();
            let mut items = groups.clone();
            for v in values {
                let label = v
                    .alias
                    .as_ref()
                    .map(|a| a.value.clone())
                    .or_else(|| ident_name(&v.expr))
                    .unwrap_or_else(|| v.expr.to_string());
                let key = match &v.expr {
                    Expr::Identifier(i) => format!("N'{}'", i.value.replace('\'', "''")),
                    other => other.to_string(),
                };
                items.push(format!(
                    "{}(CASE WHEN {} = {key} THEN {} END) AS {}",
                    f.name,
                    bracket(&pcol_name),
                    bracket(&value_name),
                    bracket(&label)
                ));
            }
            let group_by = if groups.is_empty() {
                String::new()
            } else {
                format!(" GROUP BY {}", groups.join(", "))
            };
            (
                format!("SELECT {} FROM {table}{group_by}", items.join(", ")),
                alias.clone(),
            )
        }
        TableFactor::Unpivot {
            table,
            value,
            name,
            columns,
            alias,
            ..
        } => {
            let value_name = ident_name(value).ok_or_else(|| errors::syntax_near("UNPIVOT"))?;
            let listed: Vec<String> = columns
                .iter()
                .map(|c| ident_name(&c.expr).ok_or_else(|| errors::syntax_near("IN")))
                .collect::<Result<_, _>>()?;
            let cols = source_columns(table, scope, r)?;
            let others: Vec<String> = cols
                .iter()
                .filter(|c| !listed.iter().any(|l| l.eq_ignore_ascii_case(c)))
                .map(|c| bracket(c))
                .collect();
            let parts: Vec<String> = listed
                .iter()
                .map(|l| {
                    let mut items = others.clone();
                    items.push(format!(
                        "CAST(N'{}' AS nvarchar(128)) AS {}",
                        l.replace('\'', "''"),
                        bracket(&name.value)
                    ));
                    items.push(format!("{} AS {}", bracket(l), bracket(&value_name)));
                    format!(
                        "SELECT {} FROM {table} WHERE {} IS NOT NULL",
                        items.join(", "),
                        bracket(l)
                    )
                })
                .collect();
            (parts.join(" UNION ALL "), alias.clone())
        }
        _ => return Ok(None),
    };
    let alias = alias.ok_or_else(|| errors::syntax_near(")"))?;
    let text = format!("SELECT * FROM ({sql}) AS {}", bracket(&alias.name.value));
    let dialect = sqlparser::dialect::MsSqlDialect {};
    let q = sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(&text)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| SqlError::new(50000, 16, format!("internal rewrite error: {e}")))?;
    let sqlparser::ast::SetExpr::Select(s) = *q.body else {
        return Err(errors::not_supported("PIVOT"));
    };
    Ok(s.from.into_iter().next().map(|t| t.relation))
}

/// TABLESAMPLE on a table already rewritten to SQLite (`"db"."t" AS alias`): the same table
/// read through `__mssql_sample`. `columns` are the table's columns (hashed under
/// REPEATABLE).
pub fn sample(tf: &mut TableFactor, columns: &[String]) -> Result<(), SqlError> {
    let TableFactor::Table {
        name,
        alias,
        sample,
        ..
    } = tf
    else {
        return Ok(());
    };
    let Some(kind) = sample.take() else {
        return Ok(());
    };
    let s = match kind {
        TableSampleKind::BeforeTableAlias(s) | TableSampleKind::AfterTableAlias(s) => s,
    };
    let q = s
        .quantity
        .as_ref()
        .ok_or_else(|| errors::syntax_near("TABLESAMPLE"))?;
    let n = match &q.value {
        Expr::Value(v) => match &v.value {
            AstValue::Number(n, _) => n.clone(),
            AstValue::SingleQuotedString(n) => n.clone(),
            _ => return Err(errors::syntax_near("TABLESAMPLE")),
        },
        other => other.to_string(),
    };
    let table: String = name.to_string();
    let percent = match q.unit {
        Some(TableSampleUnit::Rows) => {
            format!("({n}) * 100.0 / max(1, (SELECT count(*) FROM {table}))")
        }
        _ => format!("({n})"),
    };
    let seed = match &s.seed {
        Some(seed) => seed.value.to_string(),
        None => "NULL".into(),
    };
    let alias = alias
        .take()
        .map(|a| a.name.value)
        .unwrap_or_else(|| name.0.last().map(|p| p.to_string()).unwrap_or_default());
    let row: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let mut args = vec![seed, percent];
    args.extend(row);
    let sql = format!(
        "SELECT * FROM {table} WHERE __mssql_sample({})",
        args.join(", ")
    );
    let dialect = sqlparser::dialect::SQLiteDialect {};
    let subquery = sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| SqlError::new(50000, 16, format!("internal rewrite error: {e}")))?;
    *tf = TableFactor::Derived {
        lateral: false,
        subquery,
        alias: Some(TableAlias {
            explicit: true,
            name: Ident::with_quote('"', alias),
            columns: vec![],
            at: None,
        }),
        sample: None,
    };
    Ok(())
}
