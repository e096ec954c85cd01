//! MERGE, which SQLite lacks, as the UPDATE / INSERT / DELETE statements it amounts to:
//! WHEN MATCHED → `UPDATE ... FROM target JOIN source ON ...`; WHEN NOT MATCHED →
//! `INSERT ... SELECT ... FROM source WHERE NOT EXISTS (target match)`; WHEN MATCHED THEN
//! DELETE and WHEN NOT MATCHED BY SOURCE → `DELETE ... WHERE [NOT] EXISTS (...)`.
//! Deletes skip the rows this MERGE inserted, since SQL Server decides every row's fate
//! before changing any.

use sqlparser::ast::{
    Merge, MergeAction, MergeClauseKind, MergeInsertKind, MergeUpdateKind, Statement, TableFactor,
};
use tds_protocol::types::SqlError;

use crate::errors;
use crate::session::{Res, Session};
use crate::translate::names::Parts;

/// Runs `m`; returns the rows it inserted, updated and deleted.
pub fn merge(s: &mut Session, m: &Merge) -> Res<u64> {
    let TableFactor::Table { name, alias, .. } = &m.table else {
        return Err(errors::not_supported("MERGE into this target").into());
    };
    let t = s.resolver().table(name)?;
    let tgt = match alias {
        Some(a) => a.name.to_string(),
        None => Parts::of(name)?.name,
    };
    let target = format!("{name} AS {tgt}");
    let source = m.source.to_string();
    let on = m.on.to_string();
    let rowid_bound = s.scalar(&format!(
        "SELECT coalesce(max(rowid), 0) FROM {}",
        t.qualified()
    ))?;
    let bound = match rowid_bound {
        rusqlite::types::Value::Integer(n) => n,
        _ => 0,
    };
    let mut sql = Vec::new();
    let mut deletes = Vec::new();
    for c in &m.clauses {
        let pred = c
            .predicate
            .as_ref()
            .map(|p| format!(" AND ({p})"))
            .unwrap_or_default();
        match (&c.clause_kind, &c.action) {
            (MergeClauseKind::Matched, MergeAction::Update(u)) => {
                let MergeUpdateKind::Set(assignments) = &u.kind else {
                    return Err(errors::not_supported("UPDATE SET *").into());
                };
                let sets: Vec<String> = assignments.iter().map(|a| a.to_string()).collect();
                let filter = c
                    .predicate
                    .as_ref()
                    .map(|p| format!(" WHERE {p}"))
                    .unwrap_or_default();
                sql.push(format!(
                    "UPDATE {tgt} SET {} FROM {target} JOIN {source} ON {on}{filter}",
                    sets.join(", ")
                ));
            }
            (MergeClauseKind::Matched, MergeAction::Delete { .. }) => {
                deletes.push(format!("DELETE FROM {target} WHERE EXISTS (SELECT 1 FROM {source} WHERE {on}{pred}) AND {tgt}.rowid <= {bound}"));
            }
            (
                MergeClauseKind::NotMatched | MergeClauseKind::NotMatchedByTarget,
                MergeAction::Insert(i),
            ) => {
                let MergeInsertKind::Values(v) = &i.kind else {
                    return Err(errors::not_supported("INSERT ROW").into());
                };
                let row = v
                    .rows
                    .first()
                    .ok_or_else(|| errors::syntax_near("VALUES"))?;
                let exprs: Vec<String> = row.iter().map(|e| e.to_string()).collect();
                let cols: Vec<String> = i.columns.iter().map(|c| c.to_string()).collect();
                let cols = if cols.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", cols.join(", "))
                };
                sql.push(format!(
                    "INSERT INTO {name}{cols} SELECT {} FROM {source} WHERE NOT EXISTS (SELECT 1 FROM {target} WHERE {on}){pred}",
                    exprs.join(", ")
                ));
            }
            (MergeClauseKind::NotMatchedBySource, MergeAction::Delete { .. }) => {
                deletes.push(format!("DELETE FROM {target} WHERE NOT EXISTS (SELECT 1 FROM {source} WHERE {on}){pred} AND {tgt}.rowid <= {bound}"));
            }
            (MergeClauseKind::NotMatchedBySource, MergeAction::Update(u)) => {
                let MergeUpdateKind::Set(assignments) = &u.kind else {
                    return Err(errors::not_supported("UPDATE SET *").into());
                };
                let sets: Vec<String> = assignments.iter().map(|a| a.to_string()).collect();
                sql.push(format!("UPDATE {target} SET {} WHERE NOT EXISTS (SELECT 1 FROM {source} WHERE {on}){pred}", sets.join(", ")));
            }
            _ => {
                return Err(SqlError::new(
                    10711,
                    15,
                    "An action of type this MERGE clause requires is not allowed here.",
                )
                .into())
            }
        }
    }
    sql.extend(deletes);
    let mut total = 0;
    for text in sql {
        let batch = crate::translate::parse_batch(&text)?;
        for (stmt, _) in &batch.statements {
            total += match stmt {
                Statement::Merge(_) => 0,
                other => crate::dml::run_one(s, other)?,
            };
        }
    }
    Ok(total)
}
