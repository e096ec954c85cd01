//! Catalog rows written by DDL: a table's object, columns, identity and heap rows.

use tds_protocol::types::SqlType;

use crate::catalog::types::info;
use crate::catalog::{literal, quote, ColumnInfo, TableMeta};
use crate::session::{Res, Session};

fn now() -> &'static str {
    "strftime('%Y-%m-%d %H:%M:%f0000', 'now')"
}

/// Writes a new table's rows in `__mssql_objects`, `__mssql_columns`, `__mssql_identity`.
pub fn record_table(s: &Session, t: &TableMeta, schema_id: i64) -> Res<()> {
    let db = quote(&t.db);
    s.exec_ddl(&format!(
        "INSERT INTO {db}.__mssql_objects VALUES ({}, {}, NULL, {schema_id}, 0, 'U ', 'USER_TABLE', {now}, {now}, 0, 0, 0, {}, {}, 'BASE TABLE', NULL, {}, NULL, 0, NULL, NULL)",
        t.object_id, literal(&t.name), literal(&t.db), literal(&t.schema), literal(&t.sqlite_name), now = now()
    ))?;
    for (i, c) in t.columns.iter().enumerate() {
        record_column(s, t, i + 1, c)?;
    }
    if let Some(id) = t.identity {
        s.exec_ddl(&format!(
            "INSERT INTO {db}.__mssql_identity VALUES ({}, {}, {}, {}, {}, NULL)",
            t.object_id,
            id.column + 1,
            id.seed,
            id.increment,
            id.seed
        ))?;
    }
    Ok(())
}

pub fn opt(v: Option<i64>) -> String {
    v.map_or("NULL".into(), |v| v.to_string())
}

pub fn opt_str(v: Option<&str>) -> String {
    v.map_or("NULL".into(), literal)
}

pub fn record_column(s: &Session, t: &TableMeta, column_id: usize, c: &ColumnInfo) -> Res<()> {
    let i = info(&c.ty);
    let ansi = matches!(
        c.ty,
        SqlType::Char(_)
            | SqlType::VarChar(_)
            | SqlType::NChar(_)
            | SqlType::NVarChar(_)
            | SqlType::Binary(_)
            | SqlType::VarBinary(_)
    );
    s.exec_ddl(&format!(
        "INSERT INTO {}.__mssql_columns VALUES ({}, {}, {column_id}, {}, {}, {}, {}, {}, {}, {}, {}, 0, {}, 0, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, NULL)",
        quote(&t.db), t.object_id, literal(&c.name), i.system_type_id, i.system_type_id, i.max_length, i.precision, i.scale,
        opt_str(i.collation), c.nullable as i64, ansi as i64, c.identity as i64, literal(&c.ty.to_string()),
        opt_str(c.default.as_deref()), literal(&t.db), literal(&t.schema), literal(&t.name), literal(c.ty.name()),
        opt(i.char_max_len), opt(i.char_octet_len), opt(i.num_precision), opt(i.num_radix), opt(i.num_scale), opt(i.dt_precision),
        opt_str(i.charset), literal(if c.nullable { "YES" } else { "NO" })
    ))?;
    Ok(())
}

pub fn record_heap(s: &Session, t: &TableMeta) -> Res<()> {
    s.exec_ddl(&format!(
        "INSERT INTO {}.__mssql_indexes VALUES ({}, NULL, 0, 0, 'HEAP', 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, {}, {}, {}, NULL, {}, NULL, {}, 1)",
        quote(&t.db), t.object_id, literal(&t.db), literal(&t.schema), literal(&t.name), literal(&t.sqlite_name), t.object_id * 65536
    ))?;
    Ok(())
}
