//! Whether each result column can be NULL, as SQL Server describes it (COLMETADATA's
//! fNullable, sp_describe_first_result_set's `is_nullable`), from the T-SQL text.
//!
//! A column keeps its table's nullability unless the query brings NULLs of its own: the
//! inner side of an outer join or OUTER APPLY, ROLLUP and CUBE, a UNION's other branch. An
//! expression is nullable unless it is one of the few that never yield NULL (a literal,
//! COUNT, ROW_NUMBER, ISNULL with a non-null fallback...). SQLite's column origin alone
//! would call `b.x` of `a LEFT JOIN b` NOT NULL, and a NULL row would then break the
//! result set (a NOT NULL int travels in the fixed-length INT4 form, which has no NULL).

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, GroupByWithModifier,
    JoinOperator, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator,
    TableFactor, TableWithJoins, Value as AstValue,
};

use crate::translate::names::{Parts, Resolver};

/// Output columns' nullability as the T-SQL text tells it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectionNulls {
    /// By position, when the positions are known: `Some(true)` may be NULL, `Some(false)`
    /// never is, `None` as the table column it comes from.
    columns: Option<Vec<Option<bool>>>,
    /// The query can bring NULLs of its own (outer join, ROLLUP, set operation): with the
    /// positions unknown, every column is then nullable.
    adds_nulls: bool,
}

impl ProjectionNulls {
    /// Whether output column `i` can be NULL, given the nullability of the table column it
    /// comes from (`None` for an expression).
    pub fn nullable(&self, i: usize, origin: Option<bool>) -> bool {
        let text = match &self.columns {
            Some(columns) => columns.get(i).copied().flatten(),
            None => self.adds_nulls.then_some(true),
        };
        match (text, origin) {
            (Some(text), Some(origin)) => text || origin,
            (Some(text), None) => text,
            (None, Some(origin)) => origin,
            (None, None) => true,
        }
    }

    /// Nothing known: every column may be NULL.
    pub fn unknown() -> ProjectionNulls {
        ProjectionNulls {
            columns: None,
            adds_nulls: true,
        }
    }

    /// The number of columns the text accounts for, if it tells their positions.
    pub fn len(&self) -> Option<usize> {
        self.columns.as_ref().map(Vec::len)
    }
}

/// The nullability of `q`'s output columns.
pub fn projection_nulls(q: &Query, r: &Resolver<'_>) -> ProjectionNulls {
    let out = Analysis {
        r,
        ctes: Vec::new(),
    }
    .query(q);
    ProjectionNulls {
        columns: out
            .columns
            .map(|cols| cols.into_iter().map(|(_, n)| n).collect()),
        adds_nulls: out.adds_nulls,
    }
}

/// A query's output: its columns by name, and whether it brings NULLs of its own.
struct Output {
    columns: Option<Vec<(String, Option<bool>)>>,
    adds_nulls: bool,
}

impl Output {
    fn unknown(adds_nulls: bool) -> Output {
        Output {
            columns: None,
            adds_nulls,
        }
    }
}

/// A FROM item: the name its columns are qualified with, its columns when known, and
/// whether every one of them may be NULL (the inner side of an outer join).
struct Item {
    exposed: String,
    columns: Option<Vec<(String, Option<bool>)>>,
    outer: bool,
}

impl Item {
    fn column(&self, name: &str) -> Option<Option<bool>> {
        self.columns
            .as_ref()?
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, nullable)| *nullable)
    }
}

/// A CTE in scope: its name and, when known, its columns' (name, nullable).
type Cte = (String, Option<Vec<(String, Option<bool>)>>);

struct Analysis<'a, 'r> {
    r: &'a Resolver<'r>,
    /// The CTEs in scope, innermost last.
    ctes: Vec<Cte>,
}

impl Analysis<'_, '_> {
    fn query(&mut self, q: &Query) -> Output {
        let depth = self.ctes.len();
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                let out = self.query(&cte.query);
                let columns = out.columns.map(|cols| {
                    cols.into_iter()
                        .enumerate()
                        .map(|(i, (name, n))| {
                            let name = cte
                                .alias
                                .columns
                                .get(i)
                                .map_or(name, |a| a.name.value.clone());
                            (name, n)
                        })
                        .collect()
                });
                self.ctes.push((cte.alias.name.value.clone(), columns));
            }
        }
        let out = self.body(&q.body);
        self.ctes.truncate(depth);
        out
    }

    fn body(&mut self, body: &SetExpr) -> Output {
        match body {
            SetExpr::Select(s) => self.select(s),
            SetExpr::Query(q) => self.query(q),
            SetExpr::SetOperation {
                op, left, right, ..
            } => {
                let (l, r) = (self.body(left), self.body(right));
                match (l.columns, r.columns) {
                    (Some(lc), Some(rc)) if lc.len() == rc.len() => {
                        let columns = lc
                            .into_iter()
                            .zip(rc)
                            .map(|((name, a), (_, b))| {
                                // SQLite's origin is the first branch's: an unknown side
                                // counts as nullable. EXCEPT and INTERSECT return rows of
                                // the left branch only.
                                let n = match op {
                                    SetOperator::Union => {
                                        Some(a.unwrap_or(true) || b.unwrap_or(true))
                                    }
                                    _ => Some(a.unwrap_or(true)),
                                };
                                (name, n)
                            })
                            .collect();
                        Output {
                            columns: Some(columns),
                            adds_nulls: true,
                        }
                    }
                    _ => Output::unknown(true),
                }
            }
            _ => Output::unknown(true),
        }
    }

    fn select(&mut self, s: &Select) -> Output {
        let items = self.source_items(&s.from);
        let rollup = has_rollup(&s.group_by);
        let any_outer = items.iter().any(|i| i.outer);
        let mut columns = Vec::new();
        for item in &s.projection {
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let name = match e {
                        Expr::Identifier(id) => id.value.clone(),
                        Expr::CompoundIdentifier(ids) => {
                            ids.last().map(|i| i.value.clone()).unwrap_or_default()
                        }
                        _ => String::new(),
                    };
                    columns.push((name, expr_nulls(e, &items, rollup)));
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    columns.push((alias.value.clone(), expr_nulls(expr, &items, rollup)));
                }
                SelectItem::Wildcard(_) => {
                    for item in &items {
                        let Some(cols) = &item.columns else {
                            return Output::unknown(any_outer || rollup);
                        };
                        columns.extend(star(cols, item.outer || rollup));
                    }
                }
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(n),
                    _,
                ) => {
                    let qualifier = n.0.last().map(|p| p.to_string()).unwrap_or_default();
                    let qualifier = unquote(&qualifier);
                    let item = items
                        .iter()
                        .find(|i| i.exposed.eq_ignore_ascii_case(&qualifier));
                    let Some((item, Some(cols))) = item.map(|i| (i, &i.columns)) else {
                        return Output::unknown(any_outer || rollup);
                    };
                    columns.extend(star(cols, item.outer || rollup));
                }
                _ => return Output::unknown(any_outer || rollup),
            }
        }
        Output {
            columns: Some(columns),
            adds_nulls: any_outer || rollup,
        }
    }

    /// The items of a FROM clause, each marked when an outer join can make it all NULL.
    fn source_items(&mut self, from: &[TableWithJoins]) -> Vec<Item> {
        let mut items = Vec::new();
        for twj in from {
            let start = items.len();
            self.factor(&twj.relation, false, &mut items);
            for join in &twj.joins {
                let (left_outer, right_outer) = match join.join_operator {
                    JoinOperator::Left(_)
                    | JoinOperator::LeftOuter(_)
                    | JoinOperator::OuterApply => (false, true),
                    JoinOperator::Right(_) | JoinOperator::RightOuter(_) => (true, false),
                    JoinOperator::FullOuter(_) => (true, true),
                    _ => (false, false),
                };
                if left_outer {
                    for item in &mut items[start..] {
                        item.outer = true;
                    }
                }
                self.factor(&join.relation, right_outer, &mut items);
            }
        }
        items
    }

    fn factor(&mut self, tf: &TableFactor, outer: bool, items: &mut Vec<Item>) {
        let alias_of =
            |a: &Option<sqlparser::ast::TableAlias>| a.as_ref().map(|a| a.name.value.clone());
        match tf {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                let Ok(parts) = Parts::of(name) else {
                    return;
                };
                let exposed = alias_of(alias).unwrap_or_else(|| parts.name.clone());
                let columns = if args.is_some() {
                    // A table-valued function: its columns are not known here.
                    None
                } else {
                    self.table_columns(&parts)
                };
                items.push(Item {
                    exposed,
                    columns,
                    outer,
                });
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                let out = self.query(subquery);
                let aliases = alias.as_ref().map(|a| &a.columns);
                let columns = out.columns.map(|cols| {
                    cols.into_iter()
                        .enumerate()
                        .map(|(i, (name, n))| {
                            let name = aliases
                                .and_then(|a| a.get(i))
                                .map_or(name, |a| a.name.value.clone());
                            (name, n)
                        })
                        .collect::<Vec<_>>()
                });
                let unknown = columns.is_none();
                items.push(Item {
                    exposed: alias_of(alias).unwrap_or_default(),
                    columns,
                    outer: outer || (unknown && out.adds_nulls),
                });
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => {
                let mut inner = self.source_items(std::slice::from_ref(table_with_joins.as_ref()));
                for item in &mut inner {
                    item.outer |= outer;
                }
                items.extend(inner);
            }
            // PIVOT, UNPIVOT, OPENJSON and other table functions: columns unknown here.
            other => items.push(Item {
                exposed: factor_alias(other).unwrap_or_default(),
                columns: None,
                outer,
            }),
        }
    }

    /// A CTE's or a catalog table's (or view's) columns.
    fn table_columns(&self, parts: &Parts) -> Option<Vec<(String, Option<bool>)>> {
        if parts.db.is_none() && parts.schema.is_none() {
            if let Some((_, cols)) = self
                .ctes
                .iter()
                .rev()
                .find(|(n, _)| n.eq_ignore_ascii_case(&parts.name))
            {
                return cols.clone();
            }
        }
        let t = self.r.find_table(parts).ok()??;
        Some(
            t.columns
                .iter()
                .map(|c| (c.name.clone(), Some(c.nullable)))
                .collect(),
        )
    }
}

/// A `*`'s columns from one item.
fn star(
    cols: &[(String, Option<bool>)],
    all_nullable: bool,
) -> impl Iterator<Item = (String, Option<bool>)> + '_ {
    cols.iter().map(move |(name, n)| {
        let n = if all_nullable { Some(true) } else { *n };
        (name.clone(), n)
    })
}

fn factor_alias(tf: &TableFactor) -> Option<String> {
    let alias = match tf {
        TableFactor::Pivot { alias, .. }
        | TableFactor::Unpivot { alias, .. }
        | TableFactor::TableFunction { alias, .. }
        | TableFactor::Function { alias, .. }
        | TableFactor::UNNEST { alias, .. }
        | TableFactor::JsonTable { alias, .. }
        | TableFactor::OpenJsonTable { alias, .. } => alias.as_ref(),
        _ => None,
    };
    alias.map(|a| a.name.value.clone())
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    let inner = s
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .or_else(|| s.strip_prefix('"').and_then(|x| x.strip_suffix('"')));
    inner.unwrap_or(s).to_string()
}

fn has_rollup(g: &GroupByExpr) -> bool {
    let modifiers = match g {
        GroupByExpr::All(m) => m,
        GroupByExpr::Expressions(exprs, m) => {
            if exprs
                .iter()
                .any(|e| matches!(e, Expr::Rollup(_) | Expr::Cube(_) | Expr::GroupingSets(_)))
            {
                return true;
            }
            m
        }
    };
    modifiers.iter().any(|m| {
        matches!(
            m,
            GroupByWithModifier::Rollup
                | GroupByWithModifier::Cube
                | GroupByWithModifier::GroupingSets(_)
        )
    })
}

/// Whether an expression of a SELECT over `items` can be NULL (`None`: as the column it
/// names).
fn expr_nulls(e: &Expr, items: &[Item], rollup: bool) -> Option<bool> {
    let any_outer = items.iter().any(|i| i.outer);
    match e {
        Expr::Value(v) => Some(matches!(v.value, AstValue::Null | AstValue::Placeholder(_))),
        Expr::Nested(x) | Expr::UnaryOp { expr: x, .. } => expr_nulls(x, items, rollup),
        Expr::Identifier(id) if id.value.starts_with('@') => Some(true),
        Expr::Identifier(id) => {
            if rollup {
                return Some(true);
            }
            match items
                .iter()
                .find_map(|i| i.column(&id.value).map(|n| (i, n)))
            {
                Some((item, n)) => {
                    if item.outer {
                        Some(true)
                    } else {
                        n
                    }
                }
                None => any_outer.then_some(true),
            }
        }
        Expr::CompoundIdentifier(ids) if ids.len() >= 2 => {
            if rollup {
                return Some(true);
            }
            let qualifier = &ids[ids.len() - 2].value;
            let name = &ids[ids.len() - 1].value;
            match items
                .iter()
                .find(|i| i.exposed.eq_ignore_ascii_case(qualifier))
            {
                Some(item) if item.outer => Some(true),
                Some(item) => item.column(name).flatten(),
                None => any_outer.then_some(true),
            }
        }
        Expr::Function(f) => {
            let name = f
                .name
                .0
                .last()
                .map(|p| p.to_string().to_ascii_uppercase())
                .unwrap_or_default();
            let args = function_args(&f.args);
            let arg = |i: usize| args.get(i).and_then(|a| expr_nulls(a, items, rollup));
            Some(match name.as_str() {
                "COUNT" | "COUNT_BIG" | "ROW_NUMBER" | "RANK" | "DENSE_RANK" | "NTILE" => false,
                "ISNULL" => arg(0) != Some(false) && arg(1) != Some(false),
                "COALESCE" => !(0..args.len()).any(|i| arg(i) == Some(false)),
                _ => true,
            })
        }
        Expr::Case {
            conditions,
            else_result,
            ..
        } => {
            let never = |e: &Expr| expr_nulls(e, items, rollup) == Some(false);
            let all = conditions.iter().all(|c| never(&c.result))
                && else_result.as_deref().is_some_and(never);
            Some(!all)
        }
        _ => Some(true),
    }
}

fn function_args(args: &FunctionArguments) -> Vec<&Expr> {
    match args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                | FunctionArg::Named {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
