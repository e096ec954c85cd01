//! Operators and literals on SQL Server's numbers and strings, chosen by the operands'
//! static types (see `typing`): decimal and money are stored as text, which SQLite's own
//! operators would read as floats (or compare as text), so exact operands go through
//! engine-values' `__mssql_add/sub/mul/div/mod` and compare under `MSSQL_DECIMAL`.

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, Ident, ObjectName, ObjectNamePart, UnaryOperator,
    Value as AstValue,
};
use tds_protocol::types::SqlType;

use super::expr::{call, null};
use crate::typing::decimal::{is_exact, is_integer};
use crate::typing::is_character;

/// How an operand takes part in arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Char,
    Integer,
    Float,
    Exact,
    /// datetime or smalldatetime: `+ n` adds n days.
    DateTime,
    /// Unknown, or a type whose `+` the value decides (dates, binary).
    Other,
}

fn kind(t: Option<&SqlType>) -> Kind {
    match t {
        Some(t) if is_character(t) => Kind::Char,
        Some(t) if is_integer(t) => Kind::Integer,
        Some(t) if is_exact(t) => Kind::Exact,
        Some(SqlType::Float | SqlType::Real) => Kind::Float,
        Some(SqlType::DateTime | SqlType::SmallDateTime) => Kind::DateTime,
        _ => Kind::Other,
    }
}

/// Rewrites an already-rewritten `left op right` (`e`) by the T-SQL operand types.
pub fn binary(e: &mut Expr, lt: Option<&SqlType>, rt: Option<&SqlType>, l_col: bool, r_col: bool) {
    let Expr::BinaryOp { left, op, right } = e else {
        return;
    };
    let (l, r) = (kind(lt), kind(rt));
    let native = |k: Kind| matches!(k, Kind::Integer | Kind::Float);
    let days = |k: Kind| matches!(k, Kind::Integer | Kind::Exact | Kind::Float);
    let function = match op {
        BinaryOperator::Plus | BinaryOperator::Minus if l == Kind::DateTime && days(r) => {
            let minus = *op == BinaryOperator::Minus;
            let date = std::mem::replace(left.as_mut(), null());
            let n = std::mem::replace(right.as_mut(), null());
            *e = add_days(date, n, minus);
            return;
        }
        BinaryOperator::Plus if r == Kind::DateTime && days(l) => {
            let n = std::mem::replace(left.as_mut(), null());
            let date = std::mem::replace(right.as_mut(), null());
            *e = add_days(date, n, false);
            return;
        }
        BinaryOperator::Plus => {
            let text = |k: Kind| matches!(k, Kind::Char | Kind::Other);
            if (l == Kind::Char && text(r)) || (r == Kind::Char && text(l)) {
                *op = BinaryOperator::StringConcat;
                return;
            }
            if native(l) && native(r) {
                return;
            }
            "__mssql_add"
        }
        // Integers and floats keep SQLite's operators; division goes through the function
        // for its divide-by-zero error.
        BinaryOperator::Minus if !(native(l) && native(r)) => "__mssql_sub",
        BinaryOperator::Multiply if !(native(l) && native(r)) => "__mssql_mul",
        BinaryOperator::Divide => "__mssql_div",
        BinaryOperator::Modulo => "__mssql_mod",
        BinaryOperator::Eq
        | BinaryOperator::NotEq
        | BinaryOperator::Lt
        | BinaryOperator::LtEq
        | BinaryOperator::Gt
        | BinaryOperator::GtEq => {
            // A column brings its own affinity and collation; two computed values need
            // one to compare as numbers.
            if !l_col && !r_col && decimal_compare(l, r) {
                by_value(left);
                by_value(right);
            }
            return;
        }
        _ => return,
    };
    let a = std::mem::replace(left.as_mut(), null());
    let b = std::mem::replace(right.as_mut(), null());
    *e = call(function, vec![a, b]);
}

/// `datetime ± n`: n days later (or earlier), as `DATEADD(day, n, x)`.
fn add_days(date: Expr, n: Expr, minus: bool) -> Expr {
    let n = if minus {
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: Box::new(Expr::Nested(Box::new(n))),
        }
    } else {
        n
    };
    call("DATEADD", vec![super::expr::string("day"), n, date])
}

/// Whether a comparison of these operand kinds is between exact numbers (and integers).
fn decimal_compare(l: Kind, r: Kind) -> bool {
    let exactish = |k: Kind| matches!(k, Kind::Exact | Kind::Integer);
    (l == Kind::Exact || r == Kind::Exact) && exactish(l) && exactish(r)
}

/// [`decimal_compare`] from types.
pub fn decimal_compare_types(l: Option<&SqlType>, r: Option<&SqlType>) -> bool {
    decimal_compare(kind(l), kind(r))
}

/// `CAST(x AS TEXT) COLLATE MSSQL_DECIMAL`: a number that compares (and sorts) by value
/// against decimal text, whatever SQLite storage class it has.
pub fn by_value(x: &mut Expr) {
    let inner = std::mem::replace(x, null());
    *x = Expr::Collate {
        expr: Box::new(Expr::Cast {
            kind: CastKind::Cast,
            expr: Box::new(inner),
            data_type: DataType::Text,
            format: None,
        }),
        collation: ObjectName(vec![ObjectNamePart::Identifier(Ident::new(
            "MSSQL_DECIMAL",
        ))]),
    };
}

/// `x COLLATE MSSQL_DECIMAL` for an ORDER BY key of exact type (text that must sort by value).
pub fn sort_by_value(x: &mut Expr) {
    let inner = std::mem::replace(x, null());
    *x = Expr::Collate {
        expr: Box::new(inner),
        collation: ObjectName(vec![ObjectNamePart::Identifier(Ident::new(
            "MSSQL_DECIMAL",
        ))]),
    };
}

/// A numeric literal as SQLite should see it: integers as numbers; decimals (and integers
/// too large for i64) as their text, so that conversions read every digit (`typing` still
/// types them numeric(p, s) from the T-SQL text).
pub fn literal(v: &mut AstValue) {
    if let AstValue::Number(n, _) = v {
        let float = n.contains(['e', 'E']);
        if !float && (n.contains('.') || n.parse::<i64>().is_err()) {
            *v = AstValue::SingleQuotedString(n.clone());
        }
    }
}

/// `-x` (its operand already rewritten): folds the sign into a numeric literal; exact values subtract from 0 exactly.
/// Returns false when SQLite's own negation is right.
pub fn negate(e: &mut Expr, t: Option<&SqlType>) -> bool {
    let Expr::UnaryOp {
        op: UnaryOperator::Minus,
        expr,
    } = e
    else {
        return false;
    };
    if let Expr::Value(v) = expr.as_ref() {
        let folded = match &v.value {
            AstValue::Number(n, long) => AstValue::Number(format!("-{n}"), *long),
            // A decimal literal already made text.
            AstValue::SingleQuotedString(n) if kind(t) == Kind::Exact => {
                AstValue::SingleQuotedString(format!("-{n}"))
            }
            _ => return false,
        };
        *e = Expr::value(folded);
        return true;
    }
    if kind(t) == Kind::Exact {
        let x = std::mem::replace(expr.as_mut(), null());
        *e = call(
            "__mssql_sub",
            vec![Expr::value(AstValue::Number("0".into(), false)), x],
        );
        return true;
    }
    false
}
