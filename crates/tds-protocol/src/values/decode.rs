//! Values as RPC parameters carry them (MS-TDS 2.2.6.6), client to server.

use super::temporal::{self, read_date, read_time};
use super::type_id as id;
use super::typeinfo::TypeInfo;
use super::variant;
use super::wire::{err, read_u16, read_u32, read_u64, read_u8, take, utf16_string};
use crate::collation::{decode_with, Collation};
use crate::types::{Decimal, SqlType, Value};
use crate::Result;

const PLP_NULL: u64 = u64::MAX;
const PLP_UNKNOWN_LEN: u64 = u64::MAX - 1;

/// Reads one value of the wire type `info` describes and advances `input` past it.
pub fn read_value(info: &TypeInfo, input: &mut &[u8]) -> Result<Value> {
    match info.type_id {
        id::INT1 | id::BIT => decode_payload(info, take(input, 1, "value")?),
        id::INT2 => decode_payload(info, take(input, 2, "value")?),
        id::INT4 | id::FLT4 | id::MONEY4 | id::DATETIM4 => {
            decode_payload(info, take(input, 4, "value")?)
        }
        id::INT8 | id::FLT8 | id::MONEY | id::DATETIME => {
            decode_payload(info, take(input, 8, "value")?)
        }
        id::INTN
        | id::BITN
        | id::FLTN
        | id::MONEYN
        | id::DATETIMN
        | id::GUID
        | id::DECIMALN
        | id::NUMERICN
        | id::DATEN
        | id::TIMEN
        | id::DATETIME2N
        | id::DATETIMEOFFSETN => match read_u8(input, "value length")? {
            0 => Ok(Value::Null),
            len => decode_payload(info, take(input, usize::from(len), "value")?),
        },
        _ if info.is_plp() => match read_plp(input)? {
            None => Ok(Value::Null),
            Some(bytes) => decode_payload(info, &bytes),
        },
        id::BIGCHAR | id::BIGVARCHR | id::NCHAR | id::NVARCHAR | id::BIGBINARY | id::BIGVARBIN => {
            match read_u16(input, "value length")? {
                0xFFFF => Ok(Value::Null),
                len if u32::from(len) > info.max_len => Err(err(format!(
                    "value of {len} bytes is longer than its declared {} bytes",
                    info.max_len
                ))),
                len => decode_payload(info, take(input, usize::from(len), "value")?),
            }
        }
        id::TEXT | id::NTEXT | id::IMAGE => match read_u32(input, "value length")? {
            0xFFFF_FFFF => Ok(Value::Null),
            len => decode_payload(info, take(input, len as usize, "value")?),
        },
        id::SSVARIANT => match read_u32(input, "sql_variant length")? {
            0 => Ok(Value::Null),
            len => variant::decode(take(input, len as usize, "sql_variant value")?),
        },
        other => Err(err(format!("cannot read a value of type 0x{other:02X}"))),
    }
}

/// A PLP value: total length (or the unknown-length marker), chunks, zero terminator.
/// `None` is NULL.
fn read_plp(input: &mut &[u8]) -> Result<Option<Vec<u8>>> {
    let total = read_u64(input, "PLP length")?;
    if total == PLP_NULL {
        return Ok(None);
    }
    // Never trust the declared length for the allocation: the input bounds it.
    let capacity = match total {
        PLP_UNKNOWN_LEN => 0,
        n => usize::try_from(n).unwrap_or(usize::MAX).min(input.len()),
    };
    let mut data = Vec::with_capacity(capacity);
    loop {
        let len = read_u32(input, "PLP chunk length")?;
        if len == 0 {
            break;
        }
        data.extend_from_slice(take(input, len as usize, "PLP chunk")?);
    }
    if total != PLP_UNKNOWN_LEN && data.len() as u64 != total {
        return Err(err(format!(
            "PLP value declared {total} bytes but its chunks hold {}",
            data.len()
        )));
    }
    Ok(Some(data))
}

/// Decodes the bytes of one non-NULL value of `info` (its length prefix already removed).
pub(crate) fn decode_payload(info: &TypeInfo, b: &[u8]) -> Result<Value> {
    let bad_len = || {
        err(format!(
            "value of {} bytes is invalid for type 0x{:02X}",
            b.len(),
            info.type_id
        ))
    };
    match info.type_id {
        id::INT1 | id::INT2 | id::INT4 | id::INT8 | id::INTN => {
            let v = match b.len() {
                1 => i64::from(b[0]),
                2 => i64::from(i16::from_le_bytes([b[0], b[1]])),
                4 => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                8 => i64::from_le_bytes(fixed(b)?),
                _ => return Err(bad_len()),
            };
            int_value(v, &info.ty)
        }
        id::BIT | id::BITN if b.len() == 1 => Ok(Value::Bit(b[0] != 0)),
        id::FLT4 | id::FLT8 | id::FLTN => match (b.len(), info.ty) {
            (4, SqlType::Real) => Ok(Value::Real(f32::from_le_bytes(fixed(b)?))),
            (4, _) => Ok(Value::Float(f64::from(f32::from_le_bytes(fixed(b)?)))),
            (8, _) => Ok(Value::Float(f64::from_le_bytes(fixed(b)?))),
            _ => Err(bad_len()),
        },
        id::MONEY | id::MONEY4 | id::MONEYN => match b.len() {
            4 => Ok(Value::Money(i64::from(i32::from_le_bytes(fixed(b)?)))),
            8 => {
                let high = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                let low = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
                Ok(Value::Money(
                    ((u64::from(high) << 32) | u64::from(low)) as i64,
                ))
            }
            _ => Err(bad_len()),
        },
        id::DATETIME | id::DATETIM4 | id::DATETIMN => decode_datetime(info, b),
        id::DECIMALN | id::NUMERICN => decode_decimal(info, b),
        id::DATEN => Ok(Value::Date(read_date(b)?)),
        id::TIMEN => Ok(Value::Time(read_time(b, scale_of(info))?)),
        id::DATETIME2N => {
            let split = b.len().checked_sub(3).ok_or_else(bad_len)?;
            let time = read_time(&b[..split], scale_of(info))?;
            Ok(Value::DateTime2(read_date(&b[split..])?, time))
        }
        id::DATETIMEOFFSETN => {
            let split = b.len().checked_sub(5).ok_or_else(bad_len)?;
            let utc_time = read_time(&b[..split], scale_of(info))?;
            let utc_date = read_date(&b[split..split + 3])?;
            let offset_minutes = i16::from_le_bytes([b[split + 3], b[split + 4]]);
            let (date, time) = temporal::utc_to_local(utc_date, utc_time, offset_minutes)?;
            Ok(Value::DateTimeOffset {
                date,
                time,
                offset_minutes,
            })
        }
        id::GUID => {
            let w: [u8; 16] = fixed(b)?;
            Ok(Value::Guid([
                w[3], w[2], w[1], w[0], w[5], w[4], w[7], w[6], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15],
            ]))
        }
        id::BIGCHAR | id::BIGVARCHR | id::TEXT => Ok(Value::String(decode_with(
            info.collation.unwrap_or(Collation::DEFAULT),
            b,
        ))),
        id::NCHAR | id::NVARCHAR | id::NTEXT => Ok(Value::String(utf16_string(b, "string")?)),
        id::XML => {
            let s = utf16_string(b, "xml")?;
            Ok(Value::String(match s.strip_prefix('\u{FEFF}') {
                Some(rest) => rest.to_string(),
                None => s,
            }))
        }
        id::BIGBINARY | id::BIGVARBIN | id::IMAGE => Ok(Value::Bytes(b.to_vec())),
        _ => Err(bad_len()),
    }
}

fn fixed<const N: usize>(b: &[u8]) -> Result<[u8; N]> {
    <[u8; N]>::try_from(b).map_err(|_| err(format!("value of {} bytes, expected {N}", b.len())))
}

fn scale_of(info: &TypeInfo) -> u8 {
    match info.ty {
        SqlType::Time { scale }
        | SqlType::DateTime2 { scale }
        | SqlType::DateTimeOffset { scale } => scale,
        _ => 7,
    }
}

/// An integer as the declared type's variant; a value the declared type cannot hold is an
/// error (the client sent more bytes than it declared).
fn int_value(v: i64, ty: &SqlType) -> Result<Value> {
    let value = match ty {
        SqlType::TinyInt => u8::try_from(v).ok().map(Value::TinyInt),
        SqlType::SmallInt => i16::try_from(v).ok().map(Value::SmallInt),
        SqlType::Int => i32::try_from(v).ok().map(Value::Int),
        _ => Some(Value::BigInt(v)),
    };
    value.ok_or_else(|| err(format!("integer {v} does not fit its declared type {ty}")))
}

fn decode_datetime(info: &TypeInfo, b: &[u8]) -> Result<Value> {
    match b.len() {
        4 => {
            let days = u16::from_le_bytes([b[0], b[1]]);
            let minutes = u16::from_le_bytes([b[2], b[3]]);
            temporal::check_smalldatetime(minutes)?;
            if info.ty == SqlType::DateTime {
                let (days, ticks) = temporal::smalldatetime_to_datetime(days, minutes);
                return Ok(Value::DateTime { days, ticks });
            }
            Ok(Value::SmallDateTime { days, minutes })
        }
        8 => {
            let days = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            let ticks = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
            temporal::check_datetime(days, ticks)?;
            Ok(Value::DateTime { days, ticks })
        }
        n => Err(err(format!("datetime value of {n} bytes"))),
    }
}

/// Sign byte (1 positive, 0 negative) and a little-endian magnitude of up to 16 bytes.
fn decode_decimal(info: &TypeInfo, b: &[u8]) -> Result<Value> {
    let scale = match info.ty {
        SqlType::Decimal { scale, .. } | SqlType::Numeric { scale, .. } => scale,
        _ => 0,
    };
    let (&sign, magnitude) = b.split_first().ok_or_else(|| err("empty decimal value"))?;
    if magnitude.is_empty() || magnitude.len() > 16 {
        return Err(err(format!(
            "decimal magnitude of {} bytes",
            magnitude.len()
        )));
    }
    let mut bytes = [0u8; 16];
    bytes[..magnitude.len()].copy_from_slice(magnitude);
    let magnitude = i128::try_from(u128::from_le_bytes(bytes))
        .map_err(|_| err("decimal magnitude out of range"))?;
    let mantissa = match sign {
        1 => magnitude,
        0 => -magnitude,
        other => return Err(err(format!("decimal sign byte {other}"))),
    };
    Ok(Value::Decimal(Decimal { mantissa, scale }))
}
