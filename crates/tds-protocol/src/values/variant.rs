//! sql_variant values (MS-TDS 2.2.5.5.4): a four-byte total length (0 = NULL), the base
//! type byte, a count of property bytes, the properties (precision and scale, scale, or
//! collation and maximum length), and the base type's value without its length prefix.
//!
//! Fixed-size base types use their legacy fixed-length type bytes (`INT4`, not `INTN`),
//! as SQL Server writes them and as tiberius, FreeTDS and python-tds read them.

use super::decode::decode_payload;
use super::encode::encode_value;
use super::type_id as id;
use super::typeinfo::{is_max, TypeInfo, MAX_INROW_BYTES, MAX_INROW_CHARS};
use super::wire::{err, read_u8, take};
use crate::collation::Collation;
use crate::types::{Decimal, SqlType, Value};
use crate::Result;

/// Writes a sql_variant column value: `Value::Variant` carries its base type; any other
/// non-NULL value is stored as the type SQL Server would give it (strings as nvarchar,
/// binaries as varbinary, times at scale 7).
pub(crate) fn encode(value: &Value, out: &mut Vec<u8>) -> Result<()> {
    let (ty, inner) = match value {
        Value::Variant(boxed) => (boxed.0, &boxed.1),
        other => (infer_type(other)?, other),
    };
    if inner.is_null() {
        out.extend_from_slice(&[0; 4]);
        return Ok(());
    }
    if matches!(inner, Value::Variant(_)) {
        return Err(err("a sql_variant cannot hold a sql_variant"));
    }
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let prefix = write_base_type(&ty, out)?;
    let data_at = out.len();
    encode_value(&ty, inner, out)?;
    // The value as a column of its base type carries it, less the length prefix.
    out.drain(data_at..data_at + prefix);
    let total = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&total.to_le_bytes());
    Ok(())
}

/// Writes base type, property count and properties; returns the length-prefix size of the
/// base type's column form (1 or 2 bytes), which the variant form leaves out.
fn write_base_type(ty: &SqlType, out: &mut Vec<u8>) -> Result<usize> {
    let collation = Collation::DEFAULT.to_bytes();
    let mut with_len = |type_id: u8, len: u16, collate: bool| {
        out.push(type_id);
        if collate {
            out.push(7);
            out.extend_from_slice(&collation);
        } else {
            out.push(2);
        }
        out.extend_from_slice(&len.to_le_bytes());
        2
    };
    let prefix = match *ty {
        SqlType::Char(n) => with_len(id::BIGCHAR, n, true),
        SqlType::VarChar(Some(n)) if !is_max(Some(n), MAX_INROW_BYTES) => {
            with_len(id::BIGVARCHR, n, true)
        }
        SqlType::NChar(n) if n <= MAX_INROW_CHARS => with_len(id::NCHAR, n * 2, true),
        SqlType::NVarChar(Some(n)) if !is_max(Some(n), MAX_INROW_CHARS) => {
            with_len(id::NVARCHAR, n * 2, true)
        }
        SqlType::Binary(n) => with_len(id::BIGBINARY, n, false),
        SqlType::VarBinary(Some(n)) if !is_max(Some(n), MAX_INROW_BYTES) => {
            with_len(id::BIGVARBIN, n, false)
        }
        SqlType::Decimal { precision, scale } | SqlType::Numeric { precision, scale } => {
            let type_id = TypeInfo::of(ty).type_id;
            out.extend_from_slice(&[type_id, 2, precision, scale]);
            1
        }
        SqlType::Time { scale }
        | SqlType::DateTime2 { scale }
        | SqlType::DateTimeOffset { scale } => {
            out.extend_from_slice(&[TypeInfo::of(ty).type_id, 1, scale]);
            1
        }
        _ => {
            let type_id = fixed_type_id(ty)
                .ok_or_else(|| err(format!("a sql_variant cannot hold a value of type {ty}")))?;
            out.extend_from_slice(&[type_id, 0]);
            1
        }
    };
    Ok(prefix)
}

/// The base type byte of the types without properties.
fn fixed_type_id(ty: &SqlType) -> Option<u8> {
    Some(match ty {
        SqlType::Bit => id::BIT,
        SqlType::TinyInt => id::INT1,
        SqlType::SmallInt => id::INT2,
        SqlType::Int => id::INT4,
        SqlType::BigInt => id::INT8,
        SqlType::Real => id::FLT4,
        SqlType::Float => id::FLT8,
        SqlType::Money => id::MONEY,
        SqlType::SmallMoney => id::MONEY4,
        SqlType::DateTime => id::DATETIME,
        SqlType::SmallDateTime => id::DATETIM4,
        SqlType::Date => id::DATEN,
        SqlType::UniqueIdentifier => id::GUID,
        _ => return None,
    })
}

/// The type SQL Server gives a plain value stored in a sql_variant.
fn infer_type(value: &Value) -> Result<SqlType> {
    Ok(match value {
        Value::Null => SqlType::Int,
        Value::Bit(_) => SqlType::Bit,
        Value::TinyInt(_) => SqlType::TinyInt,
        Value::SmallInt(_) => SqlType::SmallInt,
        Value::Int(_) => SqlType::Int,
        Value::BigInt(_) => SqlType::BigInt,
        Value::Decimal(d) => SqlType::Decimal {
            precision: decimal_digits(*d).max(d.scale).clamp(1, 38),
            scale: d.scale.min(38),
        },
        Value::Money(_) => SqlType::Money,
        Value::Real(_) => SqlType::Real,
        Value::Float(_) => SqlType::Float,
        Value::Date(_) => SqlType::Date,
        Value::Time(_) => SqlType::Time { scale: 7 },
        Value::SmallDateTime { .. } => SqlType::SmallDateTime,
        Value::DateTime { .. } => SqlType::DateTime,
        Value::DateTime2(..) => SqlType::DateTime2 { scale: 7 },
        Value::DateTimeOffset { .. } => SqlType::DateTimeOffset { scale: 7 },
        Value::String(s) => {
            let units = s.encode_utf16().count();
            match u16::try_from(units) {
                Ok(n) if n <= MAX_INROW_CHARS => SqlType::NVarChar(Some(n.max(1))),
                _ => return Err(err("a sql_variant holds at most 8000 bytes")),
            }
        }
        Value::Bytes(b) => match u16::try_from(b.len()) {
            Ok(n) if n <= MAX_INROW_BYTES => SqlType::VarBinary(Some(n.max(1))),
            _ => return Err(err("a sql_variant holds at most 8000 bytes")),
        },
        Value::Guid(_) => SqlType::UniqueIdentifier,
        Value::Variant(boxed) => boxed.0,
    })
}

/// Digits of the decimal's mantissa (at least 1).
fn decimal_digits(d: Decimal) -> u8 {
    let mut m = d.mantissa.unsigned_abs();
    let mut digits = 1;
    while m >= 10 {
        m /= 10;
        digits += 1;
    }
    digits
}

/// Reads a non-NULL sql_variant from exactly its `data` (the bytes its total length counts).
pub(crate) fn decode(data: &[u8]) -> Result<Value> {
    let mut input = data;
    let base = read_u8(&mut input, "sql_variant base type")?;
    let prop_count = read_u8(&mut input, "sql_variant property count")?;
    let props = take(
        &mut input,
        usize::from(prop_count),
        "sql_variant properties",
    )?;
    let info = base_type_info(base, props)?;
    let value = decode_payload(&info, input)?;
    Ok(Value::Variant(Box::new((info.ty, value))))
}

/// Rebuilds the TYPE_INFO of a variant's base type from its properties.
fn base_type_info(base: u8, props: &[u8]) -> Result<TypeInfo> {
    let expected = match base {
        id::DECIMALN | id::NUMERICN | id::BIGBINARY | id::BIGVARBIN => 2,
        id::TIMEN | id::DATETIME2N | id::DATETIMEOFFSETN => 1,
        id::BIGCHAR | id::BIGVARCHR | id::NCHAR | id::NVARCHAR => 7,
        _ => 0,
    };
    if props.len() != expected {
        return Err(err(format!(
            "sql_variant base type 0x{base:02X} with {} property bytes, expected {expected}",
            props.len()
        )));
    }
    // Lay the properties out in TYPE_INFO order and read that.
    let mut type_info = vec![base];
    match base {
        id::DECIMALN | id::NUMERICN => {
            // The length byte TYPE_INFO has is implied by the value; any valid one will do.
            type_info.push(17);
            type_info.extend_from_slice(props);
        }
        id::GUID => type_info.push(16),
        id::BIGCHAR | id::BIGVARCHR | id::NCHAR | id::NVARCHAR => {
            type_info.extend_from_slice(&props[5..7]);
            type_info.extend_from_slice(&props[..5]);
        }
        id::INT1
        | id::BIT
        | id::INT2
        | id::INT4
        | id::INT8
        | id::FLT4
        | id::FLT8
        | id::MONEY
        | id::MONEY4
        | id::DATETIME
        | id::DATETIM4
        | id::DATEN
        | id::TIMEN
        | id::DATETIME2N
        | id::DATETIMEOFFSETN
        | id::BIGBINARY
        | id::BIGVARBIN => type_info.extend_from_slice(props),
        other => {
            return Err(err(format!(
                "type 0x{other:02X} cannot be the base type of a sql_variant"
            )))
        }
    }
    let mut input = type_info.as_slice();
    let info = TypeInfo::read(&mut input)?;
    if info.is_plp() {
        return Err(err("a sql_variant cannot hold a (max) value"));
    }
    Ok(info)
}
