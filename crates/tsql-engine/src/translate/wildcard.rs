//! `SELECT *` and `t.*` over a table with a hidden storage column (the uniquifier of a
//! non-unique clustered index, `storage`): spelled out as the table's own columns, since
//! SQLite's `*` would show it. Other queries keep their `*`.

use sqlparser::ast::{
    Expr, Ident, ObjectName, ObjectNamePart, Select, SelectItem, SelectItemQualifiedWildcardKind,
    WildcardAdditionalOptions,
};

use crate::catalog::TableMeta;
use crate::translate::names::Resolver;
use crate::typing::Scope;

/// Rewrites the wildcards of `s` (whose FROM is not rewritten yet) in `scope`, the scope
/// inside `s`.
pub fn expand(s: &mut Select, scope: &Scope, r: &Resolver<'_>) {
    let wild = |i: &SelectItem| {
        matches!(
            i,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    };
    if !s.projection.iter().any(wild) || !scope.has_hidden_columns() {
        return;
    }
    let items = scope.tables_of(s, r);
    let mut out = Vec::new();
    for item in std::mem::take(&mut s.projection) {
        match &item {
            SelectItem::Wildcard(_) if items.iter().all(Option::is_some) => {
                for (exposed, table) in items.iter().flatten() {
                    spell_out(&mut out, exposed, table.as_deref());
                }
            }
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                let qualifier = match n.0.last() {
                    Some(ObjectNamePart::Identifier(id)) => id.value.as_str(),
                    _ => "",
                };
                let hidden = items.iter().flatten().find(|(exposed, t)| {
                    exposed.eq_ignore_ascii_case(qualifier)
                        && t.as_ref().is_some_and(|t| t.storage.has_uniquifier())
                });
                match hidden {
                    Some((exposed, table)) => spell_out(&mut out, exposed, table.as_deref()),
                    None => out.push(item),
                }
            }
            _ => out.push(item),
        }
    }
    s.projection = out;
}

/// `exposed.c1, exposed.c2...` for a table, `exposed.*` for a derived table.
fn spell_out(out: &mut Vec<SelectItem>, exposed: &str, table: Option<&TableMeta>) {
    let qualifier = Ident::with_quote('"', exposed);
    match table {
        Some(t) => out.extend(t.columns.iter().map(|c| {
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(vec![
                qualifier.clone(),
                Ident::with_quote('"', c.name.clone()),
            ]))
        })),
        None => out.push(SelectItem::QualifiedWildcard(
            SelectItemQualifiedWildcardKind::ObjectName(ObjectName(vec![
                ObjectNamePart::Identifier(qualifier),
            ])),
            WildcardAdditionalOptions::default(),
        )),
    }
}
