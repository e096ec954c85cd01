//! Table-valued functions in FROM (and under CROSS/OUTER APPLY): `STRING_SPLIT(s, sep [, 1])`,
//! `OPENJSON(json [, path]) [WITH (col type ['path'] [AS JSON], ...)]`.
//!
//! How one is added: a [`Tvf`] gives the columns of a call, typed from its T-SQL arguments
//! (so result metadata is SQL Server's before anything runs), and its SQLite form. Its
//! rows come either from a SQLite table-valued function (a `functions::rowsets`
//! [`RowSource`](crate::functions::rowsets::RowSource), `__mssql_tvf_<name>(args)`; its
//! arguments may be columns of the tables on its left, so it works under APPLY) or from any
//! SQLite relation built in [`Tvf::relation`] (a derived table over the engine's own
//! tables, as `CHANGETABLE` or `cdc.fn_cdc_get_all_changes_*` would be; such a relation
//! cannot see the tables on its left, so APPLY of one needs constant arguments). Register
//! it in [`lookup`].
//!
//! The rewriter gives the call a SQLite alias `__tvfN` and reads each column through an
//! [`Applied`] entry (as it reads APPLY'd derived tables), so `alias.col`, `col` and `*` all
//! name the function's columns, and only them.

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, Ident, ObjectName, ObjectNamePart, OpenJsonTableColumn,
    TableAlias, TableFactor, TableFunctionArgs, Value as AstValue,
};
use tds_protocol::types::{SqlError, SqlType};

use super::apply::Applied;
use super::expr::{call, number, string};
use crate::functions::rowsets::module_name;
use crate::typing::{is_character, Scope};

/// Columns by name, typed where known (what typing's scope holds).
pub type TypedColumns = Vec<(String, Option<SqlType>)>;

/// One output column of a call.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
}

/// A table-valued function call as written in FROM.
pub struct Call<'a> {
    /// The function's name, upper case, without schema (`STRING_SPLIT`).
    pub name: String,
    pub args: Vec<&'a Expr>,
    /// OPENJSON's WITH clause.
    pub with: &'a [OpenJsonTableColumn],
    /// OPENJSON's path (a literal).
    pub path: Option<String>,
}

/// A table-valued function.
pub trait Tvf: Sync {
    /// The columns a call returns. `types` are the arguments' static types.
    fn columns(&self, call: &Call<'_>, types: &[Option<SqlType>]) -> Result<Vec<Column>, SqlError>;

    /// The SQLite relation (aliased `alias`) producing the rows, and each column's SQLite
    /// expression over it. `args` are already rewritten.
    fn relation(
        &self,
        call: &Call<'_>,
        args: Vec<Expr>,
        alias: &str,
        columns: &[Column],
    ) -> Result<(TableFactor, Vec<Expr>), SqlError>;
}

/// The table-valued function of that (upper-case) name.
pub fn lookup(name: &str) -> Option<&'static dyn Tvf> {
    match name {
        "STRING_SPLIT" => Some(&StringSplit),
        "OPENJSON" => Some(&OpenJson),
        _ => None,
    }
}

/// The call a FROM item makes, if it is a table-valued function.
pub fn call_of(tf: &TableFactor) -> Option<Call<'_>> {
    match tf {
        TableFactor::Table {
            name,
            args: Some(args),
            ..
        } => Some(Call {
            name: last_part(name).to_ascii_uppercase(),
            args: args
                .args
                .iter()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                })
                .collect(),
            with: &[],
            path: None,
        }),
        TableFactor::OpenJsonTable {
            json_expr,
            json_path,
            columns,
            ..
        } => Some(Call {
            name: "OPENJSON".into(),
            args: vec![json_expr],
            with: columns,
            path: json_path.as_ref().map(|p| match &p.value {
                AstValue::SingleQuotedString(s) | AstValue::NationalStringLiteral(s) => s.clone(),
                other => other.to_string(),
            }),
        }),
        _ => None,
    }
}

fn last_part(name: &ObjectName) -> String {
    match name.0.last() {
        Some(ObjectNamePart::Identifier(i)) => i.value.clone(),
        Some(ObjectNamePart::Function(f)) => f.name.value.clone(),
        None => String::new(),
    }
}

/// 208 for a name used as a table-valued function that is none.
fn unknown(name: &str) -> SqlError {
    SqlError::new(208, 16, format!("Invalid object name '{name}'."))
}

/// The exposed name and typed columns of a table-valued function in FROM (for typing).
pub fn scope_columns(tf: &TableFactor, scope: &Scope) -> Option<(String, TypedColumns)> {
    let call = call_of(tf)?;
    let tvf = lookup(&call.name)?;
    let types: Vec<Option<SqlType>> = call.args.iter().map(|a| scope.type_of(a)).collect();
    let cols = tvf.columns(&call, &types).ok()?;
    let exposed = exposed_name(tf, &call);
    Some((
        exposed,
        cols.into_iter().map(|c| (c.name, Some(c.ty))).collect(),
    ))
}

fn alias_of(tf: &TableFactor) -> Option<&TableAlias> {
    match tf {
        TableFactor::Table { alias, .. } | TableFactor::OpenJsonTable { alias, .. } => {
            alias.as_ref()
        }
        _ => None,
    }
}

/// The name a call's columns are qualified by: its alias, else the function's name.
fn exposed_name(tf: &TableFactor, call: &Call<'_>) -> String {
    alias_of(tf).map_or_else(|| call.name.clone(), |a| a.name.value.clone())
}

/// Rewrites a table-valued function in FROM into its SQLite relation. `rewrite_arg` rewrites
/// each argument (the rewriter's `expr`); `n` numbers the alias.
pub fn rewrite(
    tf: &mut TableFactor,
    scope: &Scope,
    n: usize,
    mut rewrite_arg: impl FnMut(&mut Expr) -> Result<(), SqlError>,
) -> Result<Option<Applied>, SqlError> {
    let sqlite_alias = format!("__tvf{n}");
    let (relation, exprs, columns, alias) = {
        let Some(call) = call_of(tf) else {
            return Ok(None);
        };
        let tvf = lookup(&call.name).ok_or_else(|| unknown(&call.name))?;
        let types: Vec<Option<SqlType>> = call.args.iter().map(|a| scope.type_of(a)).collect();
        let columns = tvf.columns(&call, &types)?;
        let mut args: Vec<Expr> = call.args.iter().map(|a| (*a).clone()).collect();
        for a in &mut args {
            rewrite_arg(a)?;
        }
        let (relation, exprs) = tvf.relation(&call, args, &sqlite_alias, &columns)?;
        (relation, exprs, columns, exposed_name(tf, &call))
    };
    *tf = relation;
    Ok(Some(Applied {
        alias,
        columns: columns.into_iter().map(|c| c.name).zip(exprs).collect(),
        sqlite_alias,
    }))
}

/// `__mssql_tvf_<name>(args) AS alias`.
fn table_call(name: &str, args: Vec<Expr>, alias: &str) -> TableFactor {
    TableFactor::Table {
        name: ObjectName(vec![ObjectNamePart::Identifier(Ident::new(module_name(
            name,
        )))]),
        alias: Some(TableAlias {
            explicit: true,
            name: Ident::with_quote('"', alias),
            columns: vec![],
            at: None,
        }),
        args: Some(TableFunctionArgs {
            args: args
                .into_iter()
                .map(|a| FunctionArg::Unnamed(FunctionArgExpr::Expr(a)))
                .collect(),
            settings: None,
        }),
        with_hints: vec![],
        version: None,
        with_ordinality: false,
        partitions: vec![],
        json_path: None,
        sample: None,
        index_hints: vec![],
    }
}

/// `"alias"."column"`.
fn column_of(alias: &str, column: &str) -> Expr {
    Expr::CompoundIdentifier(vec![
        Ident::with_quote('"', alias),
        Ident::with_quote('"', column),
    ])
}

fn too_many(name: &str) -> SqlError {
    SqlError::new(
        8144,
        16,
        format!("Procedure or function {name} has too many arguments specified."),
    )
}

fn too_few(name: &str, n: usize) -> SqlError {
    SqlError::new(
        313,
        16,
        format!("An insufficient number of arguments were supplied for the procedure or function {name}."),
    )
    .with_state(n.min(255) as u8)
}

struct StringSplit;

impl StringSplit {
    /// The literal value of `enable_ordinal` (it must be a constant 0 or 1, or NULL).
    fn ordinal(call: &Call<'_>) -> Result<bool, SqlError> {
        let Some(arg) = call.args.get(2) else {
            return Ok(false);
        };
        let mut e = *arg;
        while let Expr::Nested(x) = e {
            e = x;
        }
        match e {
            Expr::Value(v) => match &v.value {
                AstValue::Null => Ok(false),
                AstValue::Number(n, _) if n == "0" => Ok(false),
                AstValue::Number(n, _) if n == "1" => Ok(true),
                _ => Err(Self::bad_ordinal()),
            },
            _ => Err(Self::bad_ordinal()),
        }
    }

    fn bad_ordinal() -> SqlError {
        SqlError::new(
            8748,
            16,
            "The enable_ordinal argument for STRING_SPLIT only supports constant values (not variables or columns).",
        )
    }
}

impl Tvf for StringSplit {
    fn columns(&self, call: &Call<'_>, types: &[Option<SqlType>]) -> Result<Vec<Column>, SqlError> {
        match call.args.len() {
            0 | 1 => return Err(too_few("STRING_SPLIT", 1)),
            2 | 3 => {}
            _ => return Err(too_many("STRING_SPLIT")),
        }
        let wide = types.iter().take(2).any(|t| {
            matches!(
                t,
                Some(SqlType::NChar(_) | SqlType::NVarChar(_) | SqlType::NText) | None
            )
        });
        // The length of the string argument.
        let len = match types.first() {
            Some(Some(SqlType::Char(n) | SqlType::NChar(n))) => Some(*n),
            Some(Some(SqlType::VarChar(n) | SqlType::NVarChar(n))) => *n,
            Some(Some(SqlType::Text | SqlType::NText)) => None,
            Some(Some(t)) if !is_character(t) => Some(if wide { 4000 } else { 8000 }),
            _ => Some(4000),
        };
        let ty = if wide {
            SqlType::NVarChar(len.map(|n| n.min(4000)))
        } else {
            SqlType::VarChar(len)
        };
        let mut cols = vec![Column {
            name: "value".into(),
            ty,
        }];
        if Self::ordinal(call)? {
            cols.push(Column {
                name: "ordinal".into(),
                ty: SqlType::BigInt,
            });
        }
        Ok(cols)
    }

    fn relation(
        &self,
        _: &Call<'_>,
        mut args: Vec<Expr>,
        alias: &str,
        columns: &[Column],
    ) -> Result<(TableFactor, Vec<Expr>), SqlError> {
        args.truncate(2);
        let exprs = columns.iter().map(|c| column_of(alias, &c.name)).collect();
        Ok((table_call("string_split", args, alias), exprs))
    }
}

struct OpenJson;

impl Tvf for OpenJson {
    fn columns(&self, call: &Call<'_>, _: &[Option<SqlType>]) -> Result<Vec<Column>, SqlError> {
        if call.with.is_empty() {
            return Ok(vec![
                Column {
                    name: "key".into(),
                    ty: SqlType::NVarChar(Some(4000)),
                },
                Column {
                    name: "value".into(),
                    ty: SqlType::NVarChar(None),
                },
                Column {
                    name: "type".into(),
                    ty: SqlType::Int,
                },
            ]);
        }
        call.with
            .iter()
            .map(|c| {
                let ty = crate::typename::parse(&c.r#type.to_string())?;
                if matches!(ty, SqlType::Text | SqlType::NText | SqlType::Image | SqlType::SqlVariant) {
                    return Err(SqlError::new(13614, 16, "TEXT, NTEXT, SQL_VARIANT and IMAGE types cannot be used as column types in OPENJSON function with explicit schema. These types are not supported in WITH clause."));
                }
                if c.as_json && ty != SqlType::NVarChar(None) {
                    return Err(SqlError::new(
                        13618,
                        16,
                        "AS JSON option can be specified only for column of nvarchar(max) type in WITH clause.",
                    ));
                }
                Ok(Column {
                    name: c.name.value.clone(),
                    ty,
                })
            })
            .collect()
    }

    fn relation(
        &self,
        call: &Call<'_>,
        mut args: Vec<Expr>,
        alias: &str,
        columns: &[Column],
    ) -> Result<(TableFactor, Vec<Expr>), SqlError> {
        if let Some(p) = &call.path {
            // A malformed path is refused before any row is read, as SQL Server does.
            crate::functions::json::path::Path::parse(p, false)?;
            args.push(string(p));
        }
        let exprs = if call.with.is_empty() {
            columns.iter().map(|c| column_of(alias, &c.name)).collect()
        } else {
            call.with
                .iter()
                .zip(columns)
                .map(|(w, c)| {
                    let path = match &w.path {
                        Some(p) => p.clone(),
                        None => {
                            let mut quoted = String::new();
                            crate::functions::json::parse::quote(&c.name, &mut quoted);
                            format!("$.{quoted}")
                        }
                    };
                    crate::functions::json::path::Path::parse(&path, false)?;
                    Ok(call_expr(alias, &path, &c.ty, w.as_json))
                })
                .collect::<Result<Vec<_>, SqlError>>()?
        };
        Ok((table_call("openjson", args, alias), exprs))
    }
}

/// `__mssql_openjson_col("alias"."__raw", 'path', 'type', as_json)`.
fn call_expr(alias: &str, path: &str, ty: &SqlType, as_json: bool) -> Expr {
    call(
        "__mssql_openjson_col",
        vec![
            column_of(alias, "__raw"),
            string(path),
            string(&ty.to_string()),
            number(i64::from(as_json)),
        ],
    )
}
