//! Values as borrowed views of their wire bytes: [`ValueRef`], and the one decoder of a
//! value's bytes ([`ValueRef::decode`]) that both the owned [`Value`] path (RPC parameters,
//! the convenience API) and a client's hot path (ROW/NBCROW straight from packet bytes)
//! go through.
//!
//! A `ValueRef` allocates nothing: integers and floats are read out, decimals stay a sign,
//! a magnitude and a scale, dates and times stay the integers the wire carries (in units of
//! their column's scale; `datetimeoffset` in UTC with its offset), and strings and binaries
//! are slices of the input (UTF-16LE, or the collation's code page). [`ValueRef::to_value`]
//! makes the owned [`Value`] when one is wanted.

use super::temporal::{self, check_scale, read_date, read_time_units, units_to_time};
use super::type_id as id;
use super::typeinfo::TypeInfo;
use super::variant;
use super::wire::{err, utf16_string};
use crate::collation::{decode_with, Collation};
use crate::types::{Date, Decimal, SqlType, Value};
use crate::Result;

/// One value of a row or parameter, borrowing its bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Bit(bool),
    TinyInt(u8),
    SmallInt(i16),
    Int(i32),
    BigInt(i64),
    Real(f32),
    Float(f64),
    /// decimal and numeric: `(-1 if negative) * magnitude / 10^scale`; the magnitude has at
    /// most 38 digits.
    Decimal {
        negative: bool,
        magnitude: u128,
        scale: u8,
    },
    /// money and smallmoney: ten-thousandths of the currency unit.
    Money(i64),
    /// date: days since 0001-01-01.
    Date(u32),
    /// time(scale): units of 10^-scale seconds since midnight.
    Time {
        units: u64,
        scale: u8,
    },
    /// datetime2(scale): days since 0001-01-01 and units of 10^-scale s since midnight.
    DateTime2 {
        days: u32,
        units: u64,
        scale: u8,
    },
    /// datetimeoffset(scale): the UTC date and time as the wire has them, and the offset
    /// from UTC in minutes (local = UTC + offset).
    DateTimeOffset {
        utc_days: u32,
        utc_units: u64,
        scale: u8,
        offset_minutes: i16,
    },
    /// smalldatetime: days since 1900-01-01 and minutes since midnight.
    SmallDateTime {
        days: u16,
        minutes: u16,
    },
    /// datetime: days since 1900-01-01 (negative back to 1753) and 1/300 s since midnight.
    DateTime {
        days: i32,
        ticks: u32,
    },
    /// uniqueidentifier, in the byte order of its text form (as [`Value::Guid`]).
    Guid([u8; 16]),
    /// char, varchar, text: bytes in the code page of the column's collation.
    Ansi(&'a [u8]),
    /// nchar, nvarchar, ntext: UTF-16LE (even length; surrogates unchecked).
    Utf16(&'a [u8]),
    /// xml: UTF-16LE, possibly starting with a byte-order mark.
    Xml(&'a [u8]),
    /// binary, varbinary, image, rowversion.
    Binary(&'a [u8]),
    /// sql_variant: its bytes after the total length (base type, properties, value).
    Variant(&'a [u8]),
}

impl<'a> ValueRef<'a> {
    pub fn is_null(&self) -> bool {
        matches!(self, ValueRef::Null)
    }

    /// Decodes the bytes of one non-NULL value of `info` (its length prefix, PLP chunking
    /// or text pointer already removed), checking lengths and ranges as SQL Server bounds
    /// them.
    pub fn decode(info: &TypeInfo, b: &'a [u8]) -> Result<ValueRef<'a>> {
        let bad_len = || {
            err(format!(
                "value of {} bytes is invalid for type 0x{:02X}",
                b.len(),
                info.type_id
            ))
        };
        Ok(match info.type_id {
            id::INT1 | id::INT2 | id::INT4 | id::INT8 | id::INTN => {
                let v = match b.len() {
                    1 => i64::from(b[0]),
                    2 => i64::from(i16::from_le_bytes([b[0], b[1]])),
                    4 => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    8 => i64::from_le_bytes(fixed(b)?),
                    _ => return Err(bad_len()),
                };
                int_ref(v, &info.ty)?
            }
            id::BIT | id::BITN if b.len() == 1 => ValueRef::Bit(b[0] != 0),
            id::FLT4 | id::FLT8 | id::FLTN => match (b.len(), info.ty) {
                (4, SqlType::Real) => ValueRef::Real(f32::from_le_bytes(fixed(b)?)),
                (4, _) => ValueRef::Float(f64::from(f32::from_le_bytes(fixed(b)?))),
                (8, _) => ValueRef::Float(f64::from_le_bytes(fixed(b)?)),
                _ => return Err(bad_len()),
            },
            id::MONEY | id::MONEY4 | id::MONEYN => match b.len() {
                4 => ValueRef::Money(i64::from(i32::from_le_bytes(fixed(b)?))),
                8 => {
                    let high = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    let low = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
                    ValueRef::Money(((u64::from(high) << 32) | u64::from(low)) as i64)
                }
                _ => return Err(bad_len()),
            },
            id::DATETIME | id::DATETIM4 | id::DATETIMN => datetime_ref(info, b)?,
            id::DECIMALN | id::NUMERICN => decimal_ref(info, b)?,
            id::DATEN => ValueRef::Date(read_date(b)?.0),
            id::TIMEN => {
                let scale = scale_of(info)?;
                ValueRef::Time {
                    units: read_time_units(b, scale)?,
                    scale,
                }
            }
            id::DATETIME2N => {
                let scale = scale_of(info)?;
                let split = b.len().checked_sub(3).ok_or_else(bad_len)?;
                ValueRef::DateTime2 {
                    units: read_time_units(&b[..split], scale)?,
                    days: read_date(&b[split..])?.0,
                    scale,
                }
            }
            id::DATETIMEOFFSETN => {
                let scale = scale_of(info)?;
                let split = b.len().checked_sub(5).ok_or_else(bad_len)?;
                let offset_minutes = i16::from_le_bytes([b[split + 3], b[split + 4]]);
                temporal::check_offset(offset_minutes)?;
                ValueRef::DateTimeOffset {
                    utc_units: read_time_units(&b[..split], scale)?,
                    utc_days: read_date(&b[split..split + 3])?.0,
                    scale,
                    offset_minutes,
                }
            }
            id::GUID => {
                let w: [u8; 16] = fixed(b)?;
                ValueRef::Guid([
                    w[3], w[2], w[1], w[0], w[5], w[4], w[7], w[6], w[8], w[9], w[10], w[11],
                    w[12], w[13], w[14], w[15],
                ])
            }
            id::BIGCHAR | id::BIGVARCHR | id::TEXT => ValueRef::Ansi(b),
            id::NCHAR | id::NVARCHAR | id::NTEXT => ValueRef::Utf16(even(b, "string")?),
            id::XML => ValueRef::Xml(even(b, "xml")?),
            id::BIGBINARY | id::BIGVARBIN | id::IMAGE => ValueRef::Binary(b),
            id::SSVARIANT => ValueRef::Variant(b),
            _ => return Err(bad_len()),
        })
    }

    /// The owned value, as [`Value`] holds it (strings decoded, times in 100-ns ticks,
    /// `datetimeoffset` as its local date and time).
    pub fn to_value(&self, info: &TypeInfo) -> Result<Value> {
        Ok(match *self {
            ValueRef::Null => Value::Null,
            ValueRef::Bit(b) => Value::Bit(b),
            ValueRef::TinyInt(n) => Value::TinyInt(n),
            ValueRef::SmallInt(n) => Value::SmallInt(n),
            ValueRef::Int(n) => Value::Int(n),
            ValueRef::BigInt(n) => Value::BigInt(n),
            ValueRef::Real(x) => Value::Real(x),
            ValueRef::Float(x) => Value::Float(x),
            ValueRef::Decimal {
                negative,
                magnitude,
                scale,
            } => {
                let magnitude =
                    i128::try_from(magnitude).map_err(|_| err("decimal magnitude out of range"))?;
                Value::Decimal(Decimal {
                    mantissa: if negative { -magnitude } else { magnitude },
                    scale,
                })
            }
            ValueRef::Money(m) => Value::Money(m),
            ValueRef::Date(days) => Value::Date(Date(days)),
            ValueRef::Time { units, scale } => Value::Time(units_to_time(units, scale)),
            ValueRef::DateTime2 { days, units, scale } => {
                Value::DateTime2(Date(days), units_to_time(units, scale))
            }
            ValueRef::DateTimeOffset {
                utc_days,
                utc_units,
                scale,
                offset_minutes,
            } => {
                let (date, time) = temporal::utc_to_local(
                    Date(utc_days),
                    units_to_time(utc_units, scale),
                    offset_minutes,
                )?;
                Value::DateTimeOffset {
                    date,
                    time,
                    offset_minutes,
                }
            }
            ValueRef::SmallDateTime { days, minutes } => Value::SmallDateTime { days, minutes },
            ValueRef::DateTime { days, ticks } => Value::DateTime { days, ticks },
            ValueRef::Guid(g) => Value::Guid(g),
            ValueRef::Ansi(b) => {
                Value::String(decode_with(info.collation.unwrap_or(Collation::DEFAULT), b))
            }
            ValueRef::Utf16(b) => Value::String(utf16_string(b, "string")?),
            ValueRef::Xml(b) => {
                let s = utf16_string(b, "xml")?;
                Value::String(match s.strip_prefix('\u{FEFF}') {
                    Some(rest) => rest.to_string(),
                    None => s,
                })
            }
            ValueRef::Binary(b) => Value::Bytes(b.to_vec()),
            ValueRef::Variant(b) => variant::decode(b)?,
        })
    }
}

fn fixed<const N: usize>(b: &[u8]) -> Result<[u8; N]> {
    <[u8; N]>::try_from(b).map_err(|_| err(format!("value of {} bytes, expected {N}", b.len())))
}

fn even<'a>(b: &'a [u8], what: &str) -> Result<&'a [u8]> {
    if !b.len().is_multiple_of(2) {
        return Err(err(format!("{what}: odd UTF-16 byte length {}", b.len())));
    }
    Ok(b)
}

fn scale_of(info: &TypeInfo) -> Result<u8> {
    let scale = match info.ty {
        SqlType::Time { scale }
        | SqlType::DateTime2 { scale }
        | SqlType::DateTimeOffset { scale } => scale,
        _ => 7,
    };
    check_scale(scale)?;
    Ok(scale)
}

/// An integer as the declared type's variant; a value the declared type cannot hold is an
/// error (the peer sent more bytes than it declared).
fn int_ref(v: i64, ty: &SqlType) -> Result<ValueRef<'static>> {
    let value = match ty {
        SqlType::TinyInt => u8::try_from(v).ok().map(ValueRef::TinyInt),
        SqlType::SmallInt => i16::try_from(v).ok().map(ValueRef::SmallInt),
        SqlType::Int => i32::try_from(v).ok().map(ValueRef::Int),
        _ => Some(ValueRef::BigInt(v)),
    };
    value.ok_or_else(|| err(format!("integer {v} does not fit its declared type {ty}")))
}

fn datetime_ref(info: &TypeInfo, b: &[u8]) -> Result<ValueRef<'static>> {
    match b.len() {
        4 => {
            let days = u16::from_le_bytes([b[0], b[1]]);
            let minutes = u16::from_le_bytes([b[2], b[3]]);
            temporal::check_smalldatetime(minutes)?;
            if info.ty == SqlType::DateTime {
                let (days, ticks) = temporal::smalldatetime_to_datetime(days, minutes);
                return Ok(ValueRef::DateTime { days, ticks });
            }
            Ok(ValueRef::SmallDateTime { days, minutes })
        }
        8 => {
            let days = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            let ticks = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
            temporal::check_datetime(days, ticks)?;
            Ok(ValueRef::DateTime { days, ticks })
        }
        n => Err(err(format!("datetime value of {n} bytes"))),
    }
}

/// Sign byte (1 positive, 0 negative) and a little-endian magnitude of up to 16 bytes.
fn decimal_ref(info: &TypeInfo, b: &[u8]) -> Result<ValueRef<'static>> {
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
    let magnitude = u128::from_le_bytes(bytes);
    if magnitude > i128::MAX as u128 {
        return Err(err("decimal magnitude out of range"));
    }
    let negative = match sign {
        1 => false,
        0 => true,
        other => return Err(err(format!("decimal sign byte {other}"))),
    };
    Ok(ValueRef::Decimal {
        negative,
        magnitude,
        scale,
    })
}
