//! The types of arithmetic on exact numbers, by SQL Server's rules: the operand of higher
//! precedence wins (float > real > decimal > money > smallmoney > integers), and a decimal
//! result's precision and scale follow from the operands'
//! (learn.microsoft.com/sql/t-sql/data-types/precision-scale-and-length-transact-sql).

use sqlparser::ast::BinaryOperator;
use tds_protocol::types::SqlType;

/// decimal, numeric, money or smallmoney: the types whose arithmetic must be exact (and
/// whose storage is text that SQLite's own operators would read as a float).
pub fn is_exact(t: &SqlType) -> bool {
    matches!(
        t,
        SqlType::Decimal { .. } | SqlType::Numeric { .. } | SqlType::Money | SqlType::SmallMoney
    )
}

pub fn is_integer(t: &SqlType) -> bool {
    matches!(
        t,
        SqlType::Bit | SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt
    )
}

/// An exact number type as the decimal (precision, scale) SQL Server treats it as.
fn as_decimal(t: &SqlType) -> Option<(u8, u8)> {
    Some(match t {
        SqlType::Bit => (1, 0),
        SqlType::TinyInt => (3, 0),
        SqlType::SmallInt => (5, 0),
        SqlType::Int => (10, 0),
        SqlType::BigInt => (19, 0),
        SqlType::SmallMoney => (10, 4),
        SqlType::Money => (19, 4),
        SqlType::Decimal { precision, scale } | SqlType::Numeric { precision, scale } => {
            (*precision, *scale)
        }
        _ => return None,
    })
}

fn int_rank(t: &SqlType) -> u8 {
    match t {
        SqlType::BigInt => 4,
        SqlType::Int => 3,
        SqlType::SmallInt => 2,
        SqlType::TinyInt => 1,
        _ => 0,
    }
}

/// The type of `a op b` for numbers; `None` when an operand is not a number.
pub fn arith(op: &BinaryOperator, a: SqlType, b: SqlType) -> Option<SqlType> {
    let (pa, pb) = (as_decimal(&a), as_decimal(&b));
    let either = |t: SqlType| a == t || b == t;
    if either(SqlType::Float) && (pa.is_some() || pb.is_some() || a == b) {
        return Some(SqlType::Float);
    }
    if either(SqlType::Real) && (pa.is_some() || pb.is_some() || a == b) {
        return Some(SqlType::Real);
    }
    let (pa, pb) = (pa?, pb?);
    if is_integer(&a) && is_integer(&b) {
        // bit with bit computes as int; otherwise the wider integer.
        let t = if int_rank(&a) >= int_rank(&b) { a } else { b };
        return Some(if t == SqlType::Bit { SqlType::Int } else { t });
    }
    let decimal = |t: &SqlType| matches!(t, SqlType::Decimal { .. } | SqlType::Numeric { .. });
    if !decimal(&a) && !decimal(&b) {
        // Money with money or integers stays money.
        let small = (a == SqlType::SmallMoney || is_integer(&a))
            && (b == SqlType::SmallMoney || is_integer(&b));
        return Some(if small {
            SqlType::SmallMoney
        } else {
            SqlType::Money
        });
    }
    let (precision, scale) = decimal_result(op, pa, pb)?;
    Some(SqlType::Decimal { precision, scale })
}

/// SQL Server's precision and scale of a decimal operation, capped at 38 digits.
fn decimal_result(op: &BinaryOperator, (p1, s1): (u8, u8), (p2, s2): (u8, u8)) -> Option<(u8, u8)> {
    let (p1, s1, p2, s2) = (i32::from(p1), i32::from(s1), i32::from(p2), i32::from(s2));
    let (p, s) = match op {
        BinaryOperator::Plus | BinaryOperator::Minus => {
            let s = s1.max(s2);
            (s + (p1 - s1).max(p2 - s2) + 1, s)
        }
        BinaryOperator::Multiply => (p1 + p2 + 1, s1 + s2),
        BinaryOperator::Divide => {
            let s = 6.max(s1 + p2 + 1);
            (p1 - s1 + s2 + s, s)
        }
        BinaryOperator::Modulo => {
            let s = s1.max(s2);
            ((p1 - s1).min(p2 - s2) + s, s)
        }
        _ => return None,
    };
    if p <= 38 {
        return Some((p as u8, s as u8));
    }
    // Too wide: keep the integral digits, giving up scale down to min(s, 6).
    let integral = p - s;
    let s = s.min((38 - integral).max(s.min(6))).max(0);
    Some((38, s as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(precision: u8, scale: u8) -> SqlType {
        SqlType::Decimal { precision, scale }
    }

    #[test]
    fn sql_server_result_types() {
        let mul = BinaryOperator::Multiply;
        assert_eq!(arith(&mul, dec(10, 2), SqlType::Int), Some(dec(21, 2)));
        assert_eq!(
            arith(&BinaryOperator::Plus, dec(10, 2), dec(10, 2)),
            Some(dec(11, 2))
        );
        assert_eq!(
            arith(&BinaryOperator::Divide, dec(10, 2), dec(5, 2)),
            Some(dec(18, 8))
        );
        assert_eq!(arith(&mul, dec(38, 10), dec(38, 10)), Some(dec(38, 6)));
        assert_eq!(
            arith(&BinaryOperator::Plus, SqlType::Money, SqlType::Int),
            Some(SqlType::Money)
        );
        assert_eq!(
            arith(&mul, SqlType::Int, SqlType::Float),
            Some(SqlType::Float)
        );
        assert_eq!(
            arith(&mul, SqlType::Int, SqlType::SmallInt),
            Some(SqlType::Int)
        );
    }
}
