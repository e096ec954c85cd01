//! `FOR JSON PATH | AUTO [, ROOT('x')] [, INCLUDE_NULL_VALUES] [, WITHOUT_ARRAY_WRAPPER]` and
//! `FOR XML PATH('elem') [, ROOT('x')] [, TYPE]` (with `.value('.', 'type')` on the
//! result, the string-aggregation idiom), at the top of a batch or as a subquery.
//!
//! The query keeps its rows and order; the clause becomes an aggregate over them
//! (`functions::forclause`): `SELECT __mssql_for_json(options, name, kind, level, value,
//! ...) FROM (query) AS "__s"`. Names, kinds (the SQL Server type that decides how a
//! value is written) and AUTO's nesting levels come from the T-SQL text, before it is
//! rewritten. At the top of a batch the text goes to the client as SQL Server sends it: one
//! nvarchar(max) column named `JSON_F52E2B61-18A1-11d1-B105-00805F49916B` (or
//! `XML_F52E2B61-...`), cut into rows of 2033 characters ([`chunks`]).

use sqlparser::ast::{
    AccessExpr, Expr, ForClause, ForJson, ForXml, Ident, ObjectNamePart, Query, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, Value as AstValue,
};
use tds_protocol::types::{SqlError, SqlType};

use super::calls::{cast_call, json_kind};
use super::expr::{args_of, number, Rewriter};
use crate::catalog::{literal, quote};
use crate::errors;
use crate::typing::{projection_types, Scope};

/// The column SQL Server names a FOR JSON result.
pub const JSON_COLUMN: &str = "JSON_F52E2B61-18A1-11d1-B105-00805F49916B";
/// The column SQL Server names a FOR XML result.
pub const XML_COLUMN: &str = "XML_F52E2B61-18A1-11d1-B105-00805F49916B";
/// Characters per row of a FOR JSON / FOR XML result, as SQL Server cuts it.
const CHUNK: usize = 2033;

/// The result column of a top-level query with a FOR JSON or FOR XML clause.
pub fn top_level_column(q: &Query) -> Option<&'static str> {
    match q.for_clause {
        Some(ForClause::Json { .. }) => Some(JSON_COLUMN),
        Some(ForClause::Xml { .. }) => Some(XML_COLUMN),
        _ => None,
    }
}

/// A FOR JSON/XML result cut into SQL Server's rows of 2033 characters (UTF-16 units; a
/// surrogate pair is never split).
pub fn chunks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut units = 0;
    for c in text.chars() {
        let n = c.len_utf16();
        if units + n > CHUNK {
            out.push(std::mem::take(&mut cur));
            units = 0;
        }
        cur.push(c);
        units += n;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Rewrites a query whose FOR clause is set (called by the rewriter first thing).
pub fn rewrite(rw: &mut Rewriter<'_, '_>, q: &mut Query, xml_text: bool) -> Result<(), SqlError> {
    let Some(clause) = q.for_clause.take() else {
        return rw.query(q);
    };
    let scope = rw.scope().enter_query(q, rw.r);
    if let SetExpr::Select(s) = q.body.as_mut() {
        expand_stars(&mut s.projection, &scope)?;
    }
    match clause {
        ForClause::Json {
            for_json,
            root,
            include_null_values,
            without_array_wrapper,
        } => {
            if root.is_some() && without_array_wrapper {
                return Err(SqlError::new(13620, 16, "ROOT option and WITHOUT_ARRAY_WRAPPER option cannot be used together in FOR JSON. Remove one of these options."));
            }
            let auto = matches!(for_json, ForJson::Auto);
            let mut options = vec![if auto { "auto" } else { "path" }.to_string()];
            if let Some(r) = root {
                options.push(format!("root={}", if r.is_empty() { "root" } else { &r }));
            }
            if include_null_values {
                options.push("nulls".into());
            }
            if without_array_wrapper {
                options.push("bare".into());
            }
            let columns = json_columns(q, &scope, auto)?;
            rw.query(q)?;
            let mut args = vec![literal(&options.join("|"))];
            for c in &columns {
                args.push(literal(&c.label));
                args.push(literal(&c.kind));
                args.push(c.level.to_string());
                args.push(format!("\"__s\".{}", quote(&c.name)));
            }
            *q = parse_sqlite(&format!(
                "SELECT __mssql_for_json({}) FROM ({q}) AS \"__s\"",
                args.join(", ")
            ))?;
            Ok(())
        }
        ForClause::Xml {
            for_xml: ForXml::Path(row),
            root,
            ..
        } => {
            let SetExpr::Select(s) = q.body.as_mut() else {
                return Err(errors::not_supported("FOR XML of this query form"));
            };
            // Columns are read by position: XML allows unnamed ones.
            let mut names = Vec::new();
            for (k, item) in s.projection.iter_mut().enumerate() {
                let (expr, name) = match std::mem::replace(item, SelectItem::UnnamedExpr(number(0)))
                {
                    SelectItem::ExprWithAlias { expr, alias } => (expr, alias.value),
                    SelectItem::UnnamedExpr(e) => {
                        let name = match &e {
                            Expr::Identifier(i) if !i.value.starts_with('@') => i.value.clone(),
                            Expr::CompoundIdentifier(ids) => {
                                ids.last().map(|i| i.value.clone()).unwrap_or_default()
                            }
                            _ => String::new(),
                        };
                        (e, name)
                    }
                    _ => return Err(errors::not_supported("FOR XML of this select list")),
                };
                *item = SelectItem::ExprWithAlias {
                    expr,
                    alias: Ident::new(format!("__x{k}")),
                };
                names.push(name);
            }
            let mut options = vec![format!("row={}", row.unwrap_or_else(|| "row".into()))];
            if let Some(r) = root {
                options.push(format!("root={}", if r.is_empty() { "root" } else { &r }));
            }
            if xml_text {
                options.push("text".into());
            }
            rw.query(q)?;
            let mut args = vec![literal(&options.join("|"))];
            for (k, n) in names.iter().enumerate() {
                args.push(literal(n));
                args.push(format!("\"__s\".\"__x{k}\""));
            }
            *q = parse_sqlite(&format!(
                "SELECT __mssql_for_xml({}) FROM ({q}) AS \"__s\"",
                args.join(", ")
            ))?;
            Ok(())
        }
        ForClause::Xml { for_xml, .. } => Err(errors::not_supported(&format!("FOR XML {for_xml}"))),
        ForClause::Browse => Err(errors::not_supported("FOR BROWSE")),
    }
}

/// A method call on a value: `(SELECT ... FOR XML PATH(''), TYPE).value('.', 'nvarchar(max)')`,
/// the text content of the XML converted to the type.
pub fn method(
    rw: &mut Rewriter<'_, '_>,
    root: &Expr,
    chain: &[AccessExpr],
) -> Result<Expr, SqlError> {
    let mut target = root;
    while let Expr::Nested(x) = target {
        target = x;
    }
    let (Expr::Subquery(q), [AccessExpr::Dot(Expr::Function(f))]) = (target, chain) else {
        return Err(errors::not_supported("method calls on this value"));
    };
    let name = f.name.to_string();
    let args = args_of(f);
    let is_xml = matches!(q.for_clause, Some(ForClause::Xml { .. }));
    let text_path = |e: &Expr| matches!(e, Expr::Value(v) if matches!(&v.value, AstValue::SingleQuotedString(s) if s == "." || s == "text()[1]" || s == "(./text())[1]"));
    match (is_xml, name.to_ascii_lowercase().as_str(), args.as_slice()) {
        (true, "value", [path, Expr::Value(ty)]) if text_path(path) => {
            let AstValue::SingleQuotedString(ty) = &ty.value else {
                return Err(errors::not_supported("xml value() with this type"));
            };
            let ty = ty.to_ascii_lowercase();
            crate::typename::parse_cast(&ty)?;
            let mut q = q.clone();
            rewrite(rw, &mut q, true)?;
            Ok(cast_call(
                "__mssql_cast",
                Expr::Subquery(q),
                &ty,
                number(0),
                Some(SqlType::NVarChar(None)),
            ))
        }
        _ => Err(errors::not_supported(&format!("the {name}() method"))),
    }
}

/// One FOR JSON column: its SQLite output name, the property name (AUTO: the table's
/// name, `\u{1}`, the column's), how its values are written, and AUTO's level.
struct JsonColumn {
    name: String,
    label: String,
    kind: String,
    level: usize,
}

fn json_columns(q: &Query, scope: &Scope, auto: bool) -> Result<Vec<JsonColumn>, SqlError> {
    let mut body = q.body.as_ref();
    let select = loop {
        match body {
            SetExpr::Select(s) => break s,
            SetExpr::SetOperation { left, .. } => body = left,
            SetExpr::Query(inner) => body = inner.body.as_ref(),
            _ => return Err(errors::not_supported("FOR JSON of this query form")),
        }
    };
    if auto && select.from.is_empty() {
        return Err(SqlError::new(13600, 16, "FOR JSON AUTO requires at least one table for generating JSON objects. Use FOR JSON PATH or add a FROM clause with a table name."));
    }
    let types = projection_types(q, scope);
    // AUTO: tables numbered by their first column in the select list.
    let mut tables: Vec<String> = Vec::new();
    let mut out: Vec<JsonColumn> = Vec::new();
    for (k, item) in select.projection.iter().enumerate() {
        let (expr, alias) = match item {
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.value.clone())),
            SelectItem::UnnamedExpr(e) => (e, None),
            _ => return Err(errors::not_supported("FOR JSON of this select list")),
        };
        let (qualifier, column) = match expr {
            Expr::Identifier(i) if !i.value.starts_with('@') => (None, Some(i.value.clone())),
            Expr::CompoundIdentifier(ids) if ids.len() >= 2 => (
                Some(ids[ids.len() - 2].value.clone()),
                Some(ids[ids.len() - 1].value.clone()),
            ),
            _ => (None, None),
        };
        let Some(name) = alias.or_else(|| column.clone()) else {
            return Err(SqlError::new(13605, 16, "Column expressions and data sources without names or aliases cannot be formatted as JSON text using FOR JSON clause. Add alias to the unnamed column or table."));
        };
        if !auto && (name.starts_with('.') || name.ends_with('.') || name.contains("..")) {
            return Err(SqlError::new(13603, 16, format!("Property '{name}' cannot be generated in JSON output due to invalid character in the column name or alias. Column name or alias that contains '..', starts or ends with '.' is not allowed in query that has FOR JSON clause.")));
        }
        if out.iter().any(|c| c.name.eq_ignore_ascii_case(&name)) {
            return Err(SqlError::new(13601, 16, format!("Property '{name}' cannot be generated in JSON output due to a conflict with another column name or alias. Use different names and aliases for each column in SELECT list.")));
        }
        let ty = types.get(k).copied().flatten();
        let kind = match json_kind(expr, ty) {
            "json" => "json".to_string(),
            _ => ty.map(|t| t.to_string()).unwrap_or_default(),
        };
        let (label, level) = if auto {
            let table = match (&qualifier, &column) {
                (Some(q), _) => Some(q.clone()),
                (None, Some(c)) => scope
                    .source_items()
                    .iter()
                    .find(|(_, cols)| {
                        cols.as_ref()
                            .is_some_and(|cols| cols.iter().any(|(n, _)| n.eq_ignore_ascii_case(c)))
                    })
                    .map(|(t, _)| t.clone()),
                _ => None,
            };
            let level = match table {
                Some(t) => match tables.iter().position(|x| x.eq_ignore_ascii_case(&t)) {
                    Some(l) => l,
                    None => {
                        tables.push(t);
                        tables.len() - 1
                    }
                },
                // An expression goes with the table before it.
                None => out.last().map_or(0, |c| c.level),
            };
            let table = tables.get(level).cloned().unwrap_or_default();
            (format!("{table}\u{1}{name}"), level)
        } else {
            (name.clone(), 0)
        };
        out.push(JsonColumn {
            name,
            label,
            kind,
            level,
        });
    }
    Ok(out)
}

/// `*` and `t.*` as the columns of the FROM items, so every column has a name.
fn expand_stars(projection: &mut Vec<SelectItem>, scope: &Scope) -> Result<(), SqlError> {
    if !projection.iter().any(|i| {
        matches!(
            i,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    }) {
        return Ok(());
    }
    let mut out = Vec::new();
    for item in projection.drain(..) {
        let qualifier = match &item {
            SelectItem::Wildcard(_) => None,
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                match n.0.last() {
                    Some(ObjectNamePart::Identifier(i)) => Some(i.value.clone()),
                    _ => None,
                }
            }
            _ => {
                out.push(item);
                continue;
            }
        };
        for (table, cols) in scope.source_items() {
            if qualifier
                .as_ref()
                .is_some_and(|q| !q.eq_ignore_ascii_case(table))
            {
                continue;
            }
            let cols = cols
                .as_ref()
                .ok_or_else(|| errors::not_supported("FOR JSON of * over this source"))?;
            for (c, _) in cols {
                out.push(SelectItem::UnnamedExpr(Expr::CompoundIdentifier(vec![
                    Ident::with_quote('[', table.clone()),
                    Ident::with_quote('[', c.clone()),
                ])));
            }
        }
    }
    *projection = out;
    Ok(())
}

fn parse_sqlite(sql: &str) -> Result<Query, SqlError> {
    let dialect = sqlparser::dialect::SQLiteDialect {};
    sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_query())
        .map(|q| *q)
        .map_err(|e| SqlError::new(50000, 16, format!("internal rewrite error: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_2033_characters() {
        let text = "x".repeat(2033 * 2 + 5);
        let c = chunks(&text);
        assert_eq!(
            c.iter().map(|s| s.len()).collect::<Vec<_>>(),
            vec![2033, 2033, 5]
        );
        assert!(chunks("").is_empty());
    }
}
