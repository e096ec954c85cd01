//! INSERT, UPDATE, DELETE and TRUNCATE: every written value goes through `__mssql_conv`
//! (SQL Server's implicit conversion to the column's type), identity values are drawn from
//! `__mssql_identity`, and SQLite's constraint failures come back as SQL Server's errors.
//!
//! These are the ways rows change, the same for both kinds of table (`storage`: rowid
//! tables, and tables keyed by their clustered key): rows enter through `insert`'s
//! `INSERT ... SELECT`, which fills what no statement names (identity, rowversion,
//! defaults, the uniquifier of a non-unique clustered index) and then advances their
//! counters; UPDATE and DELETE name rows by condition; rows picked by a join (DELETE ...
//! FROM, MERGE) go through [`delete_located`], by locator (rowid, or the key of a keyed
//! table, which has no rowid). Other statements write through these (MERGE runs the T-SQL
//! statements it amounts to through [`run_one`]); a writer that builds its own SQLite
//! INSERT (a bulk load) must fill the hidden columns as `insert` does
//! (`column_values`, then `after_insert`, as the bulk load does).

use sqlparser::ast::{
    AssignmentTarget, Delete, Expr, FromTable, Insert, JoinConstraint, JoinOperator, OutputClause,
    Query, SelectItem, SetExpr, Statement, TableFactor, TableObject, TableWithJoins, Update,
    UpdateTableFromKind,
};
use tds_protocol::types::{SqlError, SqlType};

use crate::catalog::{literal, quote, TableMeta};
use crate::errors;
use crate::session::{Fail, Res, Session};
use crate::sink::ResultSink;
use crate::translate::expr::Rewriter;
use crate::translate::names::Parts;

pub fn run(s: &mut Session, stmt: &Statement, out: &mut dyn ResultSink) -> Res<u64> {
    match stmt {
        Statement::Merge(m) => s.atomic(|s| crate::merge::merge(s, m)),
        Statement::Insert(i) if i.output.is_some() => s.atomic(|s| insert(s, i, Some(out))),
        other => run_one(s, other),
    }
}

/// Runs one INSERT, UPDATE, DELETE or TRUNCATE.
pub fn run_one(s: &mut Session, stmt: &Statement) -> Res<u64> {
    match stmt {
        Statement::Insert(i) => s.atomic(|s| insert(s, i, None)),
        Statement::Update(u) => s.atomic(|s| update(s, u)),
        Statement::Delete(d) => s.atomic(|s| delete(s, d)),
        Statement::Truncate(t) => {
            for target in &t.table_names {
                s.atomic(|s| truncate(s, &target.name))?;
            }
            Ok(0)
        }
        _ => Err(errors::not_supported("MERGE").into()),
    }
}

/// SQL Server's 515 for SQLite's NOT NULL failures, other errors unchanged.
pub(crate) fn null_error(f: Fail, t: &TableMeta, op: &str) -> Fail {
    match f {
        Fail::Sql(e) if e.message.contains("NOT NULL constraint failed") => {
            let col = e.message.rsplit('.').next().unwrap_or("").to_string();
            let db = if t.db == "temp" {
                "tempdb".to_string()
            } else {
                t.db.clone()
            };
            Fail::Sql(
                SqlError::new(515, 16, format!("Cannot insert the value NULL into column '{col}', table '{db}.{}.{}'; column does not allow nulls. {op} fails.", t.schema, t.name))
                    .with_state(2),
            )
        }
        other => other,
    }
}

/// `expr` converted implicitly to column `col` of `t` (error 2628 names
/// `db.schema.table` and the column, as SQL Server does).
pub(crate) fn conv(expr: &str, t: &TableMeta, col: usize) -> String {
    let c = &t.columns[col];
    let db = if t.db == "temp" { "tempdb" } else { &t.db };
    format!(
        "__mssql_conv({expr}, {}, {}, {})",
        literal(&c.ty.to_string()),
        literal(&c.name),
        literal(&format!("{db}.{}.{}", t.schema, t.name))
    )
}

/// `e` as a sql_variant of its own type: a typed column, a parameter or a CAST keeps its
/// type as the base type, as SQL Server converts it (converted untyped, a
/// `CAST(1.5 AS decimal(5,2))` would reach the column as the varchar `1.50`).
fn as_variant(e: &Expr) -> Result<Expr, SqlError> {
    crate::translate::expr::sql_expr_tsql(&format!("CAST({e} AS sql_variant)"))
}

/// Makes the values a VALUES list or a SELECT stores into sql_variant columns variants of
/// their own type; true for each target column so converted (no `conv` needed then).
fn typed_variants(q: &mut Query, t: &TableMeta, targets: &[usize]) -> Result<Vec<bool>, SqlError> {
    let is_variant = |k: usize| {
        targets
            .get(k)
            .is_some_and(|&j| t.columns[j].ty == SqlType::SqlVariant)
    };
    let mut done = vec![false; targets.len()];
    match q.body.as_mut() {
        SetExpr::Values(v) => {
            for row in &mut v.rows {
                for (k, e) in row.iter_mut().enumerate() {
                    if is_variant(k) && !e.to_string().eq_ignore_ascii_case("DEFAULT") {
                        *e = as_variant(e)?;
                    }
                }
            }
            (0..targets.len()).for_each(|k| done[k] = is_variant(k));
        }
        SetExpr::Select(sel) if sel.projection.len() == targets.len() => {
            for (k, item) in sel.projection.iter_mut().enumerate() {
                let e = match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
                    _ => continue,
                };
                if is_variant(k) {
                    *e = as_variant(e)?;
                    done[k] = true;
                }
            }
        }
        _ => {}
    }
    Ok(done)
}

/// The rowversion counter a table's writes draw from (temp tables use the current database's).
fn dbts_table(s: &Session, t: &TableMeta) -> String {
    let db = if t.db == "temp" {
        s.db.as_str()
    } else {
        t.db.as_str()
    };
    format!("{}.__mssql_dbts", quote(db))
}

/// Advances `@@DBTS` past the `n` rowversion values a write of `t` used.
fn bump_dbts(s: &Session, t: &TableMeta, n: u64) -> Res<()> {
    if n > 0 && t.columns.iter().any(|c| c.ty == SqlType::RowVersion) {
        s.exec(&format!(
            "UPDATE {} SET value = value + {n}",
            dbts_table(s, t)
        ))?;
    }
    Ok(())
}

fn identity_table(t: &TableMeta) -> String {
    format!("{}.__mssql_identity", quote(&t.db))
}

/// `OUTPUT INSERTED.a, INSERTED.b` as SQLite's `RETURNING a, b`, with the columns' types.
fn returning(
    t: &TableMeta,
    output: &OutputClause,
) -> Res<(String, Vec<Option<SqlType>>, Vec<bool>)> {
    let OutputClause::Output {
        select_items,
        into_table: None,
        ..
    } = output
    else {
        return Err(errors::not_supported("OUTPUT INTO").into());
    };
    let mut items = Vec::new();
    let mut types = Vec::new();
    let mut named = Vec::new();
    for item in select_items {
        let (expr, alias) = match item {
            SelectItem::UnnamedExpr(e) => (e, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.value.clone())),
            SelectItem::QualifiedWildcard(..) | SelectItem::Wildcard(_) => {
                for c in &t.columns {
                    items.push(quote(&c.name));
                    types.push(Some(c.ty));
                    named.push(true);
                }
                continue;
            }
            _ => return Err(errors::not_supported("this OUTPUT item").into()),
        };
        let col = match expr {
            Expr::CompoundIdentifier(ids)
                if ids.len() == 2 && ids[0].value.eq_ignore_ascii_case("inserted") =>
            {
                ids[1].value.clone()
            }
            Expr::Identifier(id) => id.value.clone(),
            _ => {
                return Err(
                    errors::not_supported("OUTPUT expressions other than INSERTED columns").into(),
                )
            }
        };
        let (_, c) = t.column(&col).ok_or_else(|| errors::invalid_column(&col))?;
        items.push(match alias {
            Some(a) => format!("{} AS {}", quote(&c.name), quote(&a)),
            None => quote(&c.name),
        });
        types.push(Some(c.ty));
        named.push(true);
    }
    Ok((format!(" RETURNING {}", items.join(", ")), types, named))
}

fn insert(s: &mut Session, ins: &Insert, out: Option<&mut dyn ResultSink>) -> Res<u64> {
    let TableObject::TableName(name) = &ins.table else {
        return Err(errors::not_supported("INSERT INTO FUNCTION").into());
    };
    let t = s.resolver().table(name)?;
    if t.is_view {
        return Err(errors::not_supported("INSERT into a view").into());
    }
    let explicit_identity_allowed = s
        .identity_insert
        .as_ref()
        .is_some_and(|(d, n)| d == &t.db && n.eq_ignore_ascii_case(&t.sqlite_name));
    let targets: Vec<usize> = if ins.source.is_none() {
        Vec::new()
    } else if ins.columns.is_empty() {
        (0..t.columns.len())
            .filter(|&i| !t.columns[i].identity || explicit_identity_allowed)
            .filter(|&i| t.columns[i].ty != SqlType::RowVersion)
            .collect()
    } else {
        let mut v = Vec::new();
        for c in &ins.columns {
            let n = Parts::of(c)?.name;
            let (i, _) = t.column(&n).ok_or_else(|| errors::invalid_column(&n))?;
            v.push(i);
        }
        v
    };
    if targets
        .iter()
        .any(|&i| t.columns[i].ty == SqlType::RowVersion)
    {
        return Err(SqlError::new(273, 16, "Cannot insert an explicit value into a timestamp column. Use INSERT with a column list to exclude the timestamp column, or insert a DEFAULT into the timestamp column.").into());
    }
    if let Some(id) = t.identity {
        if targets.contains(&id.column) && !explicit_identity_allowed {
            return Err(SqlError::new(544, 16, format!("Cannot insert explicit value for identity column in table '{}' when IDENTITY_INSERT is set to OFF.", t.name)).into());
        }
        if explicit_identity_allowed && !targets.contains(&id.column) {
            return Err(SqlError::new(545, 16, format!("Explicit value must be specified for identity column in table '{}' either when IDENTITY_INSERT is set to ON or when a replication user is inserting into a NOT FOR REPLICATION identity column.", t.name)).into());
        }
    }
    // Target columns the source already converted to sql_variant.
    let mut variants = Vec::new();
    let source = match &ins.source {
        Some(q) => {
            if let SetExpr::Values(v) = q.body.as_ref() {
                for row in &v.rows {
                    if ins.columns.is_empty() && row.len() != targets.len() {
                        return Err(SqlError::new(213, 16, "Column name or number of supplied values does not match table definition.").into());
                    }
                    if row.len() > targets.len() {
                        return Err(SqlError::new(110, 15, "There are fewer columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement.").into());
                    }
                    if row.len() < targets.len() {
                        return Err(SqlError::new(109, 15, "There are more columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement.").into());
                    }
                }
            }
            let mut q = q.clone();
            variants = typed_variants(&mut q, &t, &targets)?;
            let r = s.resolver();
            Rewriter::new(&r).query(&mut q)?;
            Some(q.to_string())
        }
        None => None,
    };
    let (cols, exprs) = column_values(s, &t, &targets, "row_number() OVER ()", |k, j| {
        Ok(if variants.get(k) == Some(&true) {
            format!("__c{k}")
        } else {
            conv(&format!("__c{k}"), &t, j)
        })
    })?;
    let names: Vec<String> = (0..targets.len()).map(|k| format!("__c{k}")).collect();
    // Rows go into a keyed table in key order: appends to its b-tree instead of scattered
    // inserts (a third of the work for a large INSERT ... SELECT).
    let order = match &t.storage {
        crate::storage::Storage::Keyed { key, .. } => {
            let at: Vec<String> = key
                .iter()
                .filter_map(|k| cols.iter().position(|c| *c == quote(k)))
                .map(|i| (i + 1).to_string())
                .collect();
            if at.is_empty() {
                String::new()
            } else {
                format!(" ORDER BY {}", at.join(", "))
            }
        }
        crate::storage::Storage::Rowid => String::new(),
    };
    let sql = match source {
        Some(src) if !targets.is_empty() => format!(
            "WITH __src({}) AS ({src}) INSERT INTO {} ({}) SELECT {} FROM __src{order}",
            names.join(", "),
            t.qualified(),
            cols.join(", "),
            exprs.join(", ")
        ),
        _ if cols.is_empty() => format!("INSERT INTO {} DEFAULT VALUES", t.qualified()),
        _ => format!(
            "INSERT INTO {} ({}) SELECT {}",
            t.qualified(),
            cols.join(", "),
            exprs.join(", ")
        ),
    };
    crate::keys::ensure_triggers(s, &t)?;
    let n = match (&ins.output, out) {
        (Some(output), Some(out)) => {
            let (ret, types, named) = returning(&t, output)?;
            s.stream(&format!("{sql}{ret}"), &types, &named, out)
        }
        _ => s.exec(&sql),
    }
    .map_err(|f| null_error(f, &t, "INSERT"))?;
    after_insert(s, &t, n, explicit_identity_allowed)?;
    Ok(n)
}

/// The columns an INSERT of `t` writes and the SQL expression that fills each: the target
/// columns (`targets`, in order) from `target(k, j)` for the k-th target, column `j`; a
/// rowversion from `@@DBTS`, an identity column from its next value, the others from their
/// DEFAULT, and the hidden uniquifier of a non-unique clustered key (`storage`). `row` is an SQL expression numbering the rows of the statement from 1
/// (`row_number() OVER ()` for a set; a bound parameter for a statement run row by row).
/// INSERT and the bulk load both build their statement with it.
pub(crate) fn column_values(
    s: &Session,
    t: &TableMeta,
    targets: &[usize],
    row: &str,
    mut target: impl FnMut(usize, usize) -> Res<String>,
) -> Res<(Vec<String>, Vec<String>)> {
    let mut cols = Vec::new();
    let mut exprs = Vec::new();
    for (j, c) in t.columns.iter().enumerate() {
        if let Some(k) = targets.iter().position(|&x| x == j) {
            cols.push(quote(&c.name));
            exprs.push(target(k, j)?);
        } else if c.ty == SqlType::RowVersion {
            cols.push(quote(&c.name));
            exprs.push(format!(
                "__mssql_rv((SELECT value FROM {}) + {row})",
                dbts_table(s, t)
            ));
        } else if c.identity {
            let id = t.identity.map_or(1, |i| i.increment);
            cols.push(quote(&c.name));
            exprs.push(format!(
                "(SELECT next_value FROM {} WHERE object_id = {}) + ({row} - 1) * {id}",
                identity_table(t),
                t.object_id
            ));
        } else if let Some(e) = default_value(s, t, j)? {
            cols.push(quote(&c.name));
            exprs.push(e);
        }
    }
    if t.storage.has_uniquifier() {
        cols.push(quote(crate::storage::UNIQUIFIER));
        exprs.push(crate::storage::next_uniquifier(t, row));
    }
    Ok((cols, exprs))
}

/// Column `j`'s DEFAULT as SQL, converted to the column's type; `None` without one.
pub(crate) fn default_value(s: &Session, t: &TableMeta, j: usize) -> Res<Option<String>> {
    let Some(d) = &t.columns[j].default else {
        return Ok(None);
    };
    let mut e = crate::translate::expr::sql_expr_tsql(d)?;
    let r = s.resolver();
    Rewriter::new(&r).expr(&mut e)?;
    Ok(Some(conv(&e.to_string(), t, j)))
}

/// After `n` rows went into `t`: `@@DBTS` past the rowversions they used, the identity's
/// next value past theirs (past the largest explicit one when `explicit_identity`), and
/// `SCOPE_IDENTITY()`.
pub(crate) fn after_insert(
    s: &mut Session,
    t: &TableMeta,
    n: u64,
    explicit_identity: bool,
) -> Res<()> {
    bump_dbts(s, t, n)?;
    crate::storage::advance_uniquifier(s, t, n)?;
    if let (Some(id), true) = (t.identity, n > 0) {
        let it = identity_table(t);
        if explicit_identity {
            let col = quote(&t.columns[id.column].name);
            let (agg, cmp) = if id.increment >= 0 {
                ("max", "max")
            } else {
                ("min", "min")
            };
            s.exec(&format!(
                "UPDATE {it} SET last_value = (SELECT {agg}({col}) FROM {}), next_value = {cmp}(next_value, (SELECT {agg}({col}) FROM {}) + increment_value) WHERE object_id = {}",
                t.qualified(), t.qualified(), t.object_id
            ))?;
        } else {
            s.exec(&format!(
                "UPDATE {it} SET last_value = next_value + {} * increment_value, next_value = next_value + {n} * increment_value WHERE object_id = {}",
                n - 1, t.object_id
            ))?;
        }
        let last = s.scalar(&format!(
            "SELECT last_value FROM {it} WHERE object_id = {}",
            t.object_id
        ))?;
        if let rusqlite::types::Value::Integer(v) = last {
            s.scope_identity = Some(v);
        }
    }
    Ok(())
}

/// The T-SQL name a table factor is known by in the statement (alias or last name part).
fn exposed_name(tf: &TableFactor) -> Option<String> {
    match tf {
        TableFactor::Table { name, alias, .. } => Some(match alias {
            Some(a) => a.name.value.clone(),
            None => Parts::of(name).ok()?.name,
        }),
        _ => None,
    }
}

fn update(s: &mut Session, u: &Update) -> Res<u64> {
    let TableFactor::Table { name, alias, .. } = &u.table.relation else {
        return Err(errors::not_supported("UPDATE of this target").into());
    };
    let target_name = alias
        .as_ref()
        .map(|a| a.name.value.clone())
        .unwrap_or(Parts::of(name)?.name);
    let mut selection = u.selection.clone();
    // T-SQL's `UPDATE x SET ... FROM t x JOIN s ON ...`: the target is the FROM's `x`;
    // SQLite's UPDATE ... FROM must not repeat it, so its join condition moves to WHERE.
    let mut from: Vec<TableWithJoins> = match &u.from {
        Some(UpdateTableFromKind::AfterSet(f) | UpdateTableFromKind::BeforeSet(f)) => f.clone(),
        None => vec![],
    };
    let mut target = (name.clone(), alias.clone());
    if let Some(first) = from.first() {
        if exposed_name(&first.relation).is_some_and(|n| n.eq_ignore_ascii_case(&target_name)) {
            let mut first = from.remove(0);
            if let TableFactor::Table { name, alias, .. } = &first.relation {
                target = (name.clone(), alias.clone());
            }
            if !first.joins.is_empty() {
                let j = first.joins.remove(0);
                let cond = match j.join_operator {
                    JoinOperator::Join(c) | JoinOperator::Inner(c) => c,
                    _ => {
                        return Err(errors::not_supported(
                            "UPDATE ... FROM with an outer join on the target",
                        )
                        .into())
                    }
                };
                if let JoinConstraint::On(e) = cond {
                    selection = Some(match selection {
                        Some(w) => Expr::BinaryOp {
                            left: Box::new(Expr::Nested(Box::new(e))),
                            op: sqlparser::ast::BinaryOperator::And,
                            right: Box::new(Expr::Nested(Box::new(w))),
                        },
                        None => e,
                    });
                }
                from.insert(
                    0,
                    TableWithJoins {
                        relation: j.relation,
                        joins: first.joins,
                    },
                );
            }
        }
    }
    let t = s.resolver().table(&target.0)?;
    let exposed = target
        .1
        .as_ref()
        .map(|a| a.name.value.clone())
        .unwrap_or_else(|| t.name.clone());
    let r = s.resolver();
    let mut rw = Rewriter::with_table(&r, &exposed, t.clone());
    let mut sets = Vec::new();
    for a in &u.assignments {
        let AssignmentTarget::ColumnName(col) = &a.target else {
            return Err(errors::not_supported("tuple assignment").into());
        };
        let cname = Parts::of(col)?.name;
        if cname.starts_with('@') {
            return Err(errors::not_supported("variable assignment in UPDATE").into());
        }
        let (i, c) = t
            .column(&cname)
            .ok_or_else(|| errors::invalid_column(&cname))?;
        if c.identity {
            return Err(SqlError::new(
                8102,
                16,
                format!("Cannot update identity column '{}'.", c.name),
            )
            .into());
        }
        let variant = c.ty == SqlType::SqlVariant;
        let mut v = if variant {
            as_variant(&a.value)?
        } else {
            a.value.clone()
        };
        rw.expr(&mut v)?;
        let value = if variant {
            v.to_string()
        } else {
            conv(&v.to_string(), &t, i)
        };
        sets.push(format!("{} = {value}", quote(&c.name)));
    }
    if let Some(rv) = t.columns.iter().find(|c| c.ty == SqlType::RowVersion) {
        sets.push(format!(
            "{} = __mssql_rv((SELECT value FROM {}) + 1)",
            quote(&rv.name),
            dbts_table(s, &t)
        ));
    }
    let mut from_sql = Vec::new();
    for f in &mut from {
        rw.table_with_joins(f)?;
        from_sql.push(f.to_string());
    }
    if let Some(w) = &mut selection {
        rw.expr(w)?;
    }
    let mut sql = format!(
        "UPDATE {} AS {} SET {}",
        t.qualified(),
        quote(&exposed),
        sets.join(", ")
    );
    if !from_sql.is_empty() {
        sql.push_str(&format!(" FROM {}", from_sql.join(", ")));
    }
    if let Some(w) = selection {
        sql.push_str(&format!(" WHERE {w}"));
    }
    crate::keys::ensure_triggers(s, &t)?;
    let n = s.exec(&sql).map_err(|f| null_error(f, &t, "UPDATE"))?;
    bump_dbts(s, &t, n)?;
    Ok(n)
}

fn delete(s: &mut Session, d: &Delete) -> Res<u64> {
    let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &d.from;
    let sources = d.using.as_ref().unwrap_or(from);
    let joined = !d.tables.is_empty()
        || sources.len() != 1
        || !sources[0].joins.is_empty()
        || d.using.is_some();
    if joined {
        return delete_joined(s, d, from, sources);
    }
    let TableFactor::Table { name, alias, .. } = &from[0].relation else {
        return Err(errors::not_supported("DELETE of this target").into());
    };
    let t = s.resolver().table(name)?;
    let exposed = alias
        .as_ref()
        .map(|a| a.name.value.clone())
        .unwrap_or_else(|| t.name.clone());
    let mut sql = format!("DELETE FROM {} AS {}", t.qualified(), quote(&exposed));
    if let Some(w) = &d.selection {
        let mut w = w.clone();
        let r = s.resolver();
        Rewriter::with_table(&r, &exposed, t.clone()).expr(&mut w)?;
        sql.push_str(&format!(" WHERE {w}"));
    }
    s.exec(&sql)
}

/// `DELETE x FROM t x JOIN s ON ...`: the target's rows found by the join, by locator.
fn delete_joined(
    s: &mut Session,
    d: &Delete,
    from: &[TableWithJoins],
    sources: &[TableWithJoins],
) -> Res<u64> {
    // The target: named after DELETE, else the first table of FROM.
    let target_name = match d.tables.first() {
        Some(n) => Parts::of(n)?.name,
        None => from
            .first()
            .and_then(|f| exposed_name(&f.relation))
            .ok_or_else(|| errors::not_supported("DELETE of this target"))?,
    };
    let mut target = None;
    for twj in sources {
        for tf in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)) {
            if let TableFactor::Table { name, .. } = tf {
                if exposed_name(tf).is_some_and(|n| n.eq_ignore_ascii_case(&target_name)) {
                    target = Some(name.clone());
                }
            }
        }
    }
    let target = match target {
        Some(t) => t,
        None => d
            .tables
            .first()
            .cloned()
            .ok_or_else(|| errors::invalid_object(&target_name))?,
    };
    let t = s.resolver().table(&target)?;
    let r = s.resolver();
    let mut rw = Rewriter::new(&r);
    let mut list = Vec::new();
    for twj in sources {
        let mut twj = twj.clone();
        rw.table_with_joins(&mut twj)?;
        list.push(twj.to_string());
    }
    let mut rows = format!(
        "SELECT {} FROM {}",
        t.storage.locator_items(Some(&quote(&target_name))),
        list.join(", ")
    );
    if let Some(w) = &d.selection {
        let mut w = w.clone();
        rw.expr(&mut w)?;
        rows.push_str(&format!(" WHERE {w}"));
    }
    delete_located(s, &t, &rows)
}

/// Deletes the rows of `t` whose locators (`storage::Storage::locator`: rowid, or the key
/// columns of a keyed table) the SQLite query `rows` returns.
pub(crate) fn delete_located(s: &Session, t: &TableMeta, rows: &str) -> Res<u64> {
    s.exec(&format!(
        "DELETE FROM {} WHERE {} IN ({rows})",
        t.qualified(),
        t.storage.locator_value(None)
    ))
}

fn truncate(s: &mut Session, name: &sqlparser::ast::ObjectName) -> Res<u64> {
    let t = s.resolver().table(name)?;
    s.exec(&format!("DELETE FROM {}", t.qualified()))?;
    if t.identity.is_some() {
        s.exec(&format!(
            "UPDATE {} SET next_value = seed_value, last_value = NULL WHERE object_id = {}",
            identity_table(&t),
            t.object_id
        ))?;
    }
    Ok(0)
}
