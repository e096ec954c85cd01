//! Result column types: what SQL Server would declare for each column of a result set.
//!
//! Plain column references get their table's declared type (found through SQLite's column
//! origin, which sees through views and subqueries); other expressions are typed
//! statically from the T-SQL text (literals, CAST targets, known built-ins); what remains is
//! typed from the first row's SQLite values. Whether a column can be NULL is told by the
//! text too (`nulls`: outer joins, set operations, literals).

use rusqlite::types::ValueRef;
use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, Function, Query, SelectItem, SetExpr, Value as AstValue,
};
use tds_protocol::types::SqlType;

pub mod decimal;
mod nulls;
mod scope;

pub use nulls::{projection_nulls, ProjectionNulls};
pub use scope::Scope;

use crate::translate::expr::args_of;

pub fn is_character(t: &SqlType) -> bool {
    matches!(
        t,
        SqlType::Char(_)
            | SqlType::VarChar(_)
            | SqlType::NChar(_)
            | SqlType::NVarChar(_)
            | SqlType::Text
            | SqlType::NText
    )
}

fn unicode(t: &SqlType) -> bool {
    matches!(t, SqlType::NChar(_) | SqlType::NVarChar(_) | SqlType::NText)
}

/// The type of a numeric literal as SQL Server gives it: int, bigint, or numeric(p, s).
fn number_type(text: &str) -> SqlType {
    if text.contains(['e', 'E']) {
        return SqlType::Float;
    }
    if let Some((int, frac)) = text.split_once('.') {
        let int = int.trim_start_matches(['-', '+']).trim_start_matches('0');
        let p = (int.len() + frac.len()).clamp(1, 38) as u8;
        return SqlType::Numeric {
            precision: p.max(frac.len() as u8),
            scale: frac.len().min(38) as u8,
        };
    }
    match text.parse::<i64>() {
        Ok(n) if i32::try_from(n).is_ok() => SqlType::Int,
        Ok(_) => SqlType::BigInt,
        Err(_) => SqlType::Numeric {
            precision: text.len().min(38) as u8,
            scale: 0,
        },
    }
}

fn string_type(s: &str, national: bool) -> SqlType {
    let n = s.chars().count().max(1);
    if national {
        SqlType::NVarChar(Some(n.min(4000) as u16))
    } else {
        SqlType::VarChar(Some(n.min(8000) as u16))
    }
}

/// A large value type (`varchar(max)`, `nvarchar(max)`, text, ntext).
fn is_max(t: &SqlType) -> bool {
    matches!(
        t,
        SqlType::VarChar(None) | SqlType::NVarChar(None) | SqlType::Text | SqlType::NText
    )
}

/// The type of a string built from arguments of these types (REPLICATE, CONCAT): max when
/// one of them is max (the result is not cut at 8000 bytes), Unicode when one of them is.
fn string_result<'a>(types: impl Iterator<Item = &'a SqlType>) -> SqlType {
    let (mut max, mut wide) = (false, false);
    for t in types {
        max |= is_max(t);
        wide |= unicode(t);
    }
    match (wide, max) {
        (true, true) => SqlType::NVarChar(None),
        (true, false) => SqlType::NVarChar(Some(4000)),
        (false, true) => SqlType::VarChar(None),
        (false, false) => SqlType::VarChar(Some(8000)),
    }
}

/// The wider of two types for `+`, CASE, COALESCE (a simplified precedence).
fn wider(a: SqlType, b: SqlType) -> SqlType {
    if is_character(&a) && is_character(&b) {
        let len = |t: &SqlType| match t {
            SqlType::VarChar(n) | SqlType::NVarChar(n) => *n,
            SqlType::Char(n) | SqlType::NChar(n) => Some(*n),
            _ => None,
        };
        let total = match (len(&a), len(&b)) {
            (Some(x), Some(y)) => Some(x.saturating_add(y)),
            _ => None,
        };
        return if unicode(&a) || unicode(&b) {
            SqlType::NVarChar(total.filter(|n| *n <= 4000))
        } else {
            SqlType::VarChar(total.filter(|n| *n <= 8000))
        };
    }
    let rank = |t: &SqlType| match t {
        SqlType::Bit => 1,
        SqlType::TinyInt => 2,
        SqlType::SmallInt => 3,
        SqlType::Int => 4,
        SqlType::BigInt => 5,
        SqlType::Decimal { .. } | SqlType::Numeric { .. } => 6,
        SqlType::SmallMoney | SqlType::Money => 7,
        SqlType::Real => 8,
        SqlType::Float => 9,
        SqlType::Date
        | SqlType::Time { .. }
        | SqlType::SmallDateTime
        | SqlType::DateTime
        | SqlType::DateTime2 { .. }
        | SqlType::DateTimeOffset { .. } => 10,
        _ => 0,
    };
    if rank(&a) >= rank(&b) {
        a
    } else {
        b
    }
}

/// CEILING and FLOOR keep their argument's type, a decimal's scale dropping to 0.
fn whole(t: SqlType) -> SqlType {
    match t {
        SqlType::Decimal { precision, .. } | SqlType::Numeric { precision, .. } => {
            SqlType::Decimal {
                precision,
                scale: 0,
            }
        }
        other => other,
    }
}

fn function_type(f: &Function, scope: &Scope) -> Option<SqlType> {
    let name = f.name.to_string().to_ascii_uppercase();
    let args = args_of(f);
    let first = args.first().and_then(|a| static_type_in(a, scope));
    Some(match name.as_str() {
        "COUNT" => SqlType::Int,
        "COUNT_BIG" | "ROW_NUMBER" | "RANK" | "DENSE_RANK" | "NTILE" => SqlType::BigInt,
        "GETDATE" | "GETUTCDATE" | "CURRENT_TIMESTAMP" => SqlType::DateTime,
        "SYSDATETIME" | "SYSUTCDATETIME" => SqlType::DateTime2 { scale: 7 },
        "SYSDATETIMEOFFSET" => SqlType::DateTimeOffset { scale: 7 },
        "NEWID" => SqlType::UniqueIdentifier,
        "LEN" | "CHARINDEX" | "DATEDIFF" | "DATEPART" | "YEAR" | "MONTH" | "DAY" | "ASCII"
        | "UNICODE" | "PATINDEX" | "@@SPID" | "DB_ID" | "OBJECT_ID" | "SCHEMA_ID"
        | "OBJECTPROPERTY" => SqlType::Int,
        "DATALENGTH" => SqlType::Int,
        "DATEDIFF_BIG" => SqlType::BigInt,
        "EOMONTH" | "DATEFROMPARTS" => SqlType::Date,
        "DATENAME" => SqlType::NVarChar(Some(30)),
        "OBJECT_DEFINITION" => SqlType::NVarChar(None),
        "DB_NAME" | "SCHEMA_NAME" | "OBJECT_NAME" | "OBJECT_SCHEMA_NAME" | "TYPE_NAME"
        | "USER_NAME" | "SUSER_SNAME" | "SUSER_NAME" | "HOST_NAME" | "APP_NAME" => {
            SqlType::NVarChar(Some(128))
        }
        "UPPER" | "LOWER" | "LTRIM" | "RTRIM" | "TRIM" | "LEFT" | "RIGHT" | "SUBSTRING"
        | "REPLACE" | "REVERSE" | "STUFF" => first
            .filter(is_character)
            .unwrap_or(SqlType::VarChar(Some(8000))),
        "REPLICATE" => string_result(first.iter()),
        "CHAR" => SqlType::Char(1),
        "NCHAR" => SqlType::NChar(1),
        "SPACE" => SqlType::VarChar(Some(8000)),
        "CONCAT" | "CONCAT_WS" | "STRING_AGG" => {
            let types: Vec<Option<SqlType>> =
                args.iter().map(|a| static_type_in(a, scope)).collect();
            // An argument of unknown type may be Unicode: keep its characters.
            if types.iter().any(Option::is_none) {
                let max = types.iter().flatten().any(is_max);
                SqlType::NVarChar(if max { None } else { Some(4000) })
            } else {
                string_result(types.iter().flatten())
            }
        }
        "FORMAT" => SqlType::NVarChar(Some(4000)),
        "JSON_VALUE" => SqlType::NVarChar(Some(4000)),
        "JSON_QUERY" | "JSON_MODIFY" => SqlType::NVarChar(None),
        "ISJSON" | "JSON_PATH_EXISTS" | "COLUMNPROPERTY" => SqlType::Int,
        "PARSENAME" => SqlType::NVarChar(Some(128)),
        "HASHBYTES" => SqlType::VarBinary(Some(8000)),
        "DATABASEPROPERTYEX" => SqlType::SqlVariant,
        "CHOOSE" => {
            let mut types = args.iter().skip(1).filter_map(|a| static_type_in(a, scope));
            let mut t = types.next()?;
            for u in types {
                t = wider(t, u);
            }
            t
        }
        "SQL_VARIANT_PROPERTY" => SqlType::SqlVariant,
        "ISNULL" | "COALESCE" | "IIF" | "NULLIF" => {
            let mut types = args.iter().filter_map(|a| static_type_in(a, scope));
            let skip = if name == "IIF" { 1 } else { 0 };
            if name == "NULLIF" {
                return first;
            }
            if name == "ISNULL" {
                // ISNULL(NULL, x) has x's type.
                return first.or_else(|| args.get(1).and_then(|a| static_type_in(a, scope)));
            }
            let mut t = types.nth(skip)?;
            for u in types {
                t = wider(t, u);
            }
            t
        }
        "SUM" => match first? {
            SqlType::TinyInt | SqlType::SmallInt | SqlType::Int => SqlType::Int,
            SqlType::BigInt => SqlType::BigInt,
            SqlType::Decimal { scale, .. } | SqlType::Numeric { scale, .. } => SqlType::Decimal {
                precision: 38,
                scale,
            },
            SqlType::Real | SqlType::Float => SqlType::Float,
            other => other,
        },
        "AVG" => match first? {
            SqlType::TinyInt | SqlType::SmallInt | SqlType::Int => SqlType::Int,
            SqlType::Decimal { scale, .. } | SqlType::Numeric { scale, .. } => SqlType::Decimal {
                precision: 38,
                scale: scale.max(6),
            },
            SqlType::Real | SqlType::Float => SqlType::Float,
            other => other,
        },
        "CEILING" | "FLOOR" => whole(first?),
        "MIN" | "MAX" | "ABS" | "ROUND" => first?,
        "POWER" | "SQRT" | "EXP" | "LOG" | "LOG10" | "SIN" | "COS" | "TAN" | "RAND" | "PI" => {
            SqlType::Float
        }
        // A string date adds as datetime.
        "DATEADD" => args
            .get(2)
            .and_then(|a| static_type_in(a, scope))
            .filter(|t| !is_character(t))
            .unwrap_or(SqlType::DateTime),
        "SCOPE_IDENTITY" | "IDENT_CURRENT" => SqlType::Numeric {
            precision: 38,
            scale: 0,
        },
        _ => return None,
    })
}

/// An integer literal next to a decimal counts as decimal(digits, 0), as SQL Server types
/// constants (`d * 2` with d decimal(10,2) is decimal(12,2)).
fn literal_as_decimal(e: &Expr, t: Option<SqlType>, other: Option<SqlType>) -> Option<SqlType> {
    let other_decimal = matches!(
        other,
        Some(SqlType::Decimal { .. } | SqlType::Numeric { .. })
    );
    match e {
        Expr::Value(v) if other_decimal && matches!(t, Some(SqlType::Int | SqlType::BigInt)) => {
            match &v.value {
                AstValue::Number(n, _) => Some(SqlType::Numeric {
                    precision: n.trim_start_matches('-').len().clamp(1, 38) as u8,
                    scale: 0,
                }),
                _ => t,
            }
        }
        _ => t,
    }
}

/// The type of `a op b`: character `+` concatenates (a side of unknown type taking the
/// other's), numbers follow SQL Server's precision and scale rules.
fn binary_type(op: &BinaryOperator, a: Option<SqlType>, b: Option<SqlType>) -> Option<SqlType> {
    match op {
        BinaryOperator::Plus | BinaryOperator::StringConcat => match (a, b) {
            (Some(x), None) | (None, Some(x)) if is_character(&x) => Some(x),
            (Some(x), Some(y)) if is_character(&x) && is_character(&y) => Some(wider(x, y)),
            (Some(x), Some(y)) => decimal::arith(op, x, y).or(Some(wider(x, y))),
            _ => None,
        },
        BinaryOperator::Minus
        | BinaryOperator::Multiply
        | BinaryOperator::Divide
        | BinaryOperator::Modulo => {
            let (x, y) = (a?, b?);
            decimal::arith(op, x, y).or(Some(wider(x, y)))
        }
        _ => None,
    }
}

/// The SQL Server type of a T-SQL expression when it can be told from the text and the
/// columns and variables of `scope`.
pub fn static_type_in(e: &Expr, scope: &Scope) -> Option<SqlType> {
    let static_type = |e: &Expr| static_type_in(e, scope);
    match e {
        Expr::Value(v) => match &v.value {
            AstValue::Number(n, _) => Some(number_type(n)),
            AstValue::SingleQuotedString(s) => Some(string_type(s, false)),
            AstValue::NationalStringLiteral(s) => Some(string_type(s, true)),
            _ => None,
        },
        Expr::Nested(x) => static_type(x),
        Expr::UnaryOp { expr, .. } => static_type(expr),
        Expr::Cast {
            data_type, kind, ..
        } => {
            let _ = kind == &CastKind::Cast;
            crate::typename::parse_cast(&data_type.to_string()).ok()
        }
        Expr::Convert {
            data_type: Some(dt),
            ..
        } => crate::typename::parse_cast(&dt.to_string()).ok(),
        Expr::BinaryOp { left, op, right } => {
            let (l, r) = (static_type(left), static_type(right));
            binary_type(
                op,
                literal_as_decimal(left, l, r),
                literal_as_decimal(right, r, l),
            )
        }
        Expr::Case {
            conditions,
            else_result,
            ..
        } => {
            let mut t = None;
            for c in conditions {
                if let Some(u) = static_type(&c.result) {
                    t = Some(t.map_or(u, |t| wider(t, u)));
                }
            }
            if let Some(u) = else_result
                .as_deref()
                .and_then(|e| static_type_in(e, scope))
            {
                t = Some(t.map_or(u, |t| wider(t, u)));
            }
            t
        }
        Expr::Function(f) => function_type(f, scope),
        // FOR JSON and FOR XML subqueries are one text value (FOR XML ..., TYPE is xml).
        Expr::Subquery(q) => match &q.for_clause {
            Some(sqlparser::ast::ForClause::Json { .. }) => Some(SqlType::NVarChar(None)),
            Some(sqlparser::ast::ForClause::Xml { r#type: true, .. }) => Some(SqlType::Xml),
            Some(sqlparser::ast::ForClause::Xml { .. }) => Some(SqlType::NVarChar(None)),
            _ => None,
        },
        Expr::Substring { expr, .. } => Some(
            static_type(expr)
                .filter(is_character)
                .unwrap_or(SqlType::VarChar(Some(8000))),
        ),
        Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => static_type(expr).map(whole),
        Expr::CompoundIdentifier(ids) if ids.len() >= 2 => {
            scope.column(Some(&ids[ids.len() - 2].value), &ids[ids.len() - 1].value)
        }
        Expr::Identifier(id) if !id.value.starts_with('@') => scope.column(None, &id.value),
        Expr::Identifier(id) if !id.value.starts_with("@@") => scope.variable(&id.value),
        Expr::Identifier(id) => match id.value.to_ascii_uppercase().as_str() {
            "@@VERSION" => Some(SqlType::NVarChar(Some(300))),
            "@@SERVERNAME" | "@@SERVICENAME" | "@@LANGUAGE" => Some(SqlType::NVarChar(Some(128))),
            "@@SPID" | "@@LOCK_TIMEOUT" | "@@TRANCOUNT" | "@@ROWCOUNT" | "@@ERROR"
            | "@@MAX_PRECISION" | "@@TEXTSIZE" | "@@DATEFIRST" | "@@OPTIONS" => Some(SqlType::Int),
            "@@IDENTITY" => Some(SqlType::Numeric {
                precision: 38,
                scale: 0,
            }),
            "@@DBTS" => Some(SqlType::VarBinary(Some(8))),
            _ => None,
        },
        Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::Exists { .. }
        | Expr::InList { .. }
        | Expr::Between { .. }
        | Expr::Like { .. } => Some(SqlType::Int),
        _ => None,
    }
}

/// Static types of a query's output columns by position (empty when a `*` makes the
/// positions unknowable).
pub fn projection_types(q: &Query, scope: &Scope) -> Vec<Option<SqlType>> {
    let mut body = q.body.as_ref();
    loop {
        match body {
            SetExpr::Select(s) => {
                let mut out = Vec::new();
                for item in &s.projection {
                    let expanded = match item {
                        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                            out.push(static_type_in(e, scope));
                            continue;
                        }
                        SelectItem::Wildcard(_) => scope.wildcard_types(None),
                        SelectItem::QualifiedWildcard(
                            sqlparser::ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                            _,
                        ) => n.0.last().and_then(|p| match p {
                            sqlparser::ast::ObjectNamePart::Identifier(i) => {
                                scope.wildcard_types(Some(&i.value))
                            }
                            _ => None,
                        }),
                        _ => None,
                    };
                    match expanded {
                        Some(types) => out.extend(types),
                        None => return Vec::new(),
                    }
                }
                return out;
            }
            SetExpr::SetOperation { left, .. } => body = left,
            SetExpr::Query(q) => body = q.body.as_ref(),
            _ => return Vec::new(),
        }
    }
}

/// Whether each output column has a name in SQL Server's eyes (an alias or a plain column
/// reference; other expressions are unnamed). Empty when a `*` makes positions unknowable.
pub fn projection_named(q: &Query) -> Vec<bool> {
    let mut body = q.body.as_ref();
    loop {
        match body {
            SetExpr::Select(s) => {
                let mut out = Vec::new();
                for item in &s.projection {
                    match item {
                        SelectItem::ExprWithAlias { .. } => out.push(true),
                        SelectItem::UnnamedExpr(e) => out.push(
                            matches!(e, Expr::Identifier(i) if !i.value.starts_with('@'))
                                || matches!(e, Expr::CompoundIdentifier(_)),
                        ),
                        _ => return Vec::new(),
                    }
                }
                return out;
            }
            SetExpr::SetOperation { left, .. } => body = left,
            SetExpr::Query(q) => body = q.body.as_ref(),
            _ => return Vec::new(),
        }
    }
}

/// The type of a column known only by a value of it.
pub fn from_value(v: ValueRef<'_>) -> SqlType {
    match v {
        ValueRef::Integer(i) if i32::try_from(i).is_err() => SqlType::BigInt,
        ValueRef::Null | ValueRef::Integer(_) => SqlType::Int,
        ValueRef::Real(_) => SqlType::Float,
        ValueRef::Text(_) => SqlType::NVarChar(Some(4000)),
        ValueRef::Blob(_) => SqlType::VarBinary(Some(8000)),
    }
}
