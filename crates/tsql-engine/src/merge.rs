//! MERGE, which SQLite lacks, as the UPDATE / INSERT / DELETE statements it amounts to:
//! WHEN MATCHED → `UPDATE ... FROM target JOIN source ON ...`; WHEN NOT MATCHED →
//! `INSERT ... SELECT ... FROM source WHERE NOT EXISTS (target match)`; WHEN MATCHED THEN
//! DELETE and WHEN NOT MATCHED BY SOURCE → `DELETE ... WHERE [NOT] EXISTS (...)`.
//! SQL Server decides every row's fate before changing any, so the rows to delete are chosen
//! first (their locators, `storage::Storage`, kept in a temporary table when other clauses
//! run), and the deletes never reach a row this MERGE inserted or updated into a match.

use sqlparser::ast::{
    Merge, MergeAction, MergeClauseKind, MergeInsertKind, MergeUpdateKind, Statement, TableFactor,
};
use tds_protocol::types::SqlError;

use crate::errors;
use crate::session::{Res, Session};
use crate::translate::expr::Rewriter;
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
    let mut sql = Vec::new();
    let mut deletes = Vec::new();
    // A row goes to the first WHEN MATCHED (or NOT MATCHED BY SOURCE) clause whose
    // condition it meets: each later clause leaves out the rows an earlier one took.
    let mut taken: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    for c in &m.clauses {
        let mut pred = String::new();
        let group = match c.clause_kind {
            MergeClauseKind::Matched => Some(0),
            MergeClauseKind::NotMatchedBySource => Some(1),
            _ => None,
        };
        if let Some(g) = group {
            for p in &taken[g] {
                pred.push_str(&format!(" AND CASE WHEN ({p}) THEN 0 ELSE 1 END = 1"));
            }
        }
        if let Some(p) = &c.predicate {
            pred.push_str(&format!(" AND ({p})"));
            if let Some(g) = group {
                taken[g].push(p.to_string());
            }
        }
        match (&c.clause_kind, &c.action) {
            (MergeClauseKind::Matched, MergeAction::Update(u)) => {
                let MergeUpdateKind::Set(assignments) = &u.kind else {
                    return Err(errors::not_supported("UPDATE SET *").into());
                };
                let sets: Vec<String> = assignments.iter().map(|a| a.to_string()).collect();
                let filter = match pred.strip_prefix(" AND ") {
                    Some(p) => format!(" WHERE {p}"),
                    None => String::new(),
                };
                sql.push(format!(
                    "UPDATE {tgt} SET {} FROM {target} JOIN {source} ON {on}{filter}",
                    sets.join(", ")
                ));
            }
            (MergeClauseKind::Matched, MergeAction::Delete { .. }) => {
                deletes.push(format!("EXISTS (SELECT 1 FROM {source} WHERE {on}{pred})"));
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
                deletes.push(format!(
                    "NOT EXISTS (SELECT 1 FROM {source} WHERE {on}){pred}"
                ));
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
    let mut total = 0;
    let doomed = if deletes.is_empty() {
        None
    } else {
        // The rows to delete, by locator, as a SQLite query.
        let locator: Vec<String> = t
            .storage
            .locator()
            .iter()
            .map(|c| format!("{tgt}.{}", tsql_quote(c)))
            .collect();
        let conds: Vec<String> = deletes.iter().map(|d| format!("({d})")).collect();
        let rows = translate_select(
            s,
            &format!(
                "SELECT {} FROM {target} WHERE {}",
                locator.join(", "),
                conds.join(" OR ")
            ),
        )?;
        if sql.is_empty() {
            Some(rows)
        } else {
            s.exec_ddl(&format!("DROP TABLE IF EXISTS temp.{DOOMED}"))?;
            s.exec_ddl(&format!("CREATE TEMP TABLE {DOOMED} AS {rows}"))?;
            Some(format!("SELECT * FROM temp.{DOOMED}"))
        }
    };
    for text in sql {
        let batch = crate::translate::parse_batch(&text)?;
        for (stmt, _) in &batch.statements {
            total += match stmt {
                Statement::Merge(_) => 0,
                other => crate::dml::run_one(s, other)?,
            };
        }
    }
    if let Some(rows) = doomed {
        total += crate::dml::delete_located(s, &t, &rows)?;
        s.exec_ddl(&format!("DROP TABLE IF EXISTS temp.{DOOMED}"))?;
    }
    Ok(total)
}

/// The temporary table holding the locators of the rows a MERGE deletes.
const DOOMED: &str = "__mssql_merge_doomed";

/// `[name]`, or `rowid` as it is.
fn tsql_quote(name: &str) -> String {
    if name == "rowid" {
        name.to_string()
    } else {
        format!("[{}]", name.replace(']', "]]"))
    }
}

/// A T-SQL SELECT rewritten for SQLite.
fn translate_select(s: &Session, text: &str) -> Res<String> {
    let batch = crate::translate::parse_batch(text)?;
    let Some((Statement::Query(q), _)) = batch.statements.first() else {
        return Err(errors::syntax_near("MERGE").into());
    };
    let mut q = q.clone();
    let r = s.resolver();
    Rewriter::new(&r).query(&mut q)?;
    Ok(q.to_string())
}
