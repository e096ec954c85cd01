//! Coercing the value the engine hands over to the type of its column.
//!
//! SQLite keeps fewer kinds of values than SQL Server has types, so the engine may produce
//! `Int` for a `bigint` column, `Float` for a `decimal` one, or `String` for a
//! `uniqueidentifier`. These helpers accept every neighbour that converts exactly (or rounds
//! the way SQL Server's own conversion to that type rounds) and refuse the rest.

use std::borrow::Cow;

use super::temporal;
use super::wire::err;
use crate::types::{Date, SqlType, Time, Value};
use crate::{ProtocolError, Result};

/// The variant's name, for error messages (never the value: it may be megabytes).
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bit(_) => "Bit",
        Value::TinyInt(_) => "TinyInt",
        Value::SmallInt(_) => "SmallInt",
        Value::Int(_) => "Int",
        Value::BigInt(_) => "BigInt",
        Value::Decimal(_) => "Decimal",
        Value::Money(_) => "Money",
        Value::Real(_) => "Real",
        Value::Float(_) => "Float",
        Value::Date(_) => "Date",
        Value::Time(_) => "Time",
        Value::SmallDateTime { .. } => "SmallDateTime",
        Value::DateTime { .. } => "DateTime",
        Value::DateTime2(..) => "DateTime2",
        Value::DateTimeOffset { .. } => "DateTimeOffset",
        Value::String(_) => "String",
        Value::Bytes(_) => "Bytes",
        Value::Guid(_) => "Guid",
        Value::Variant(_) => "Variant",
    }
}

pub(crate) fn mismatch(ty: &SqlType, value: &Value) -> ProtocolError {
    err(format!("cannot encode a {} value as {ty}", kind(value)))
}

pub(crate) fn out_of_range(ty: &SqlType) -> ProtocolError {
    err(format!("value out of range for {ty}"))
}

/// An integer value, from any integer variant (or an integral float or whole decimal).
pub(crate) fn to_i64(ty: &SqlType, value: &Value) -> Result<i64> {
    match *value {
        Value::Int(v) => Ok(i64::from(v)),
        Value::BigInt(v) => Ok(v),
        Value::SmallInt(v) => Ok(i64::from(v)),
        Value::TinyInt(v) => Ok(i64::from(v)),
        Value::Bit(b) => Ok(i64::from(b)),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(f as i64),
        Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(f as i64),
        Value::Decimal(d) => {
            let m = rescale(d.mantissa, d.scale, 0).ok_or_else(|| out_of_range(ty))?;
            if rescale(m, 0, d.scale) != Some(d.mantissa) {
                return Err(mismatch(ty, value));
            }
            i64::try_from(m).map_err(|_| out_of_range(ty))
        }
        _ => Err(mismatch(ty, value)),
    }
}

/// An integer within `min..=max` (the column type's range).
pub(crate) fn to_int_in(ty: &SqlType, value: &Value, min: i64, max: i64) -> Result<i64> {
    let v = to_i64(ty, value)?;
    if v < min || v > max {
        return Err(out_of_range(ty));
    }
    Ok(v)
}

/// A bit: any nonzero integer is 1, as SQL Server converts.
pub(crate) fn to_bit(ty: &SqlType, value: &Value) -> Result<bool> {
    match value {
        Value::Bit(b) => Ok(*b),
        _ => Ok(to_i64(ty, value)? != 0),
    }
}

pub(crate) fn to_f64(ty: &SqlType, value: &Value) -> Result<f64> {
    match *value {
        Value::Float(f) => Ok(f),
        Value::Real(f) => Ok(f64::from(f)),
        Value::Decimal(d) => Ok(d.mantissa as f64 / 10f64.powi(i32::from(d.scale))),
        Value::Money(m) => Ok(m as f64 / 10_000.0),
        _ => to_i64(ty, value).map(|v| v as f64),
    }
}

/// `mantissa / 10^from` as a mantissa of scale `to`, rounding half away from zero.
/// `None` on overflow.
pub fn rescale(mantissa: i128, from: u8, to: u8) -> Option<i128> {
    if to >= from {
        let factor = 10i128.checked_pow(u32::from(to - from))?;
        return mantissa.checked_mul(factor);
    }
    let factor = 10i128.checked_pow(u32::from(from - to))?;
    let quotient = mantissa / factor;
    let remainder = (mantissa % factor).abs();
    if remainder * 2 >= factor {
        Some(quotient + mantissa.signum())
    } else {
        Some(quotient)
    }
}

/// A mantissa of `scale` with at most `precision` digits.
pub(crate) fn to_decimal(ty: &SqlType, value: &Value, precision: u8, scale: u8) -> Result<i128> {
    let mantissa = match *value {
        Value::Decimal(d) => rescale(d.mantissa, d.scale, scale),
        Value::Money(m) => rescale(i128::from(m), 4, scale),
        Value::Float(_) | Value::Real(_) => {
            let f = to_f64(ty, value)? * 10f64.powi(i32::from(scale));
            (f.is_finite() && f.abs() < 1e38).then(|| f.round() as i128)
        }
        _ => rescale(i128::from(to_i64(ty, value)?), 0, scale),
    };
    let limit = 10i128.checked_pow(u32::from(precision.min(38)));
    match (mantissa, limit) {
        (Some(m), Some(limit)) if m.abs() < limit => Ok(m),
        _ => Err(out_of_range(ty)),
    }
}

/// Money in ten-thousandths.
pub(crate) fn to_money(ty: &SqlType, value: &Value) -> Result<i64> {
    let m = match *value {
        Value::Money(m) => return Ok(m),
        Value::Decimal(d) => rescale(d.mantissa, d.scale, 4),
        Value::Float(_) | Value::Real(_) => {
            let f = to_f64(ty, value)? * 10_000.0;
            (f.is_finite() && f.abs() < 9.2e18).then(|| f.round() as i128)
        }
        _ => rescale(i128::from(to_i64(ty, value)?), 0, 4),
    };
    m.and_then(|m| i64::try_from(m).ok())
        .ok_or_else(|| out_of_range(ty))
}

/// A date and time of day from any temporal variant but datetimeoffset and time.
pub(crate) fn to_datetime2(ty: &SqlType, value: &Value) -> Result<(Date, Time)> {
    match *value {
        Value::DateTime2(d, t) => Ok((d, t)),
        Value::Date(d) => Ok((d, Time(0))),
        Value::DateTime { days, ticks } => temporal::datetime_to_dt2(days, ticks),
        Value::SmallDateTime { days, minutes } => {
            let (days, ticks) = temporal::smalldatetime_to_datetime(days, minutes);
            temporal::datetime_to_dt2(days, ticks)
        }
        _ => Err(mismatch(ty, value)),
    }
}

/// A date: a date, or a date-and-time at midnight.
pub(crate) fn to_date(ty: &SqlType, value: &Value) -> Result<Date> {
    match to_datetime2(ty, value)? {
        (d, Time(0)) => Ok(d),
        _ => Err(mismatch(ty, value)),
    }
}

pub(crate) fn to_time(ty: &SqlType, value: &Value) -> Result<Time> {
    match *value {
        Value::Time(t) => Ok(t),
        _ => Err(mismatch(ty, value)),
    }
}

/// Local date, time and offset; a value without offset is taken at +00:00.
pub(crate) fn to_datetimeoffset(ty: &SqlType, value: &Value) -> Result<(Date, Time, i16)> {
    match *value {
        Value::DateTimeOffset {
            date,
            time,
            offset_minutes,
        } => Ok((date, time, offset_minutes)),
        _ => to_datetime2(ty, value).map(|(d, t)| (d, t, 0)),
    }
}

/// `datetime` days since 1900 and 1/300 s ticks.
pub(crate) fn to_datetime(ty: &SqlType, value: &Value) -> Result<(i32, u32)> {
    match *value {
        Value::DateTime { days, ticks } => {
            temporal::check_datetime(days, ticks)?;
            Ok((days, ticks))
        }
        Value::SmallDateTime { days, minutes } => {
            temporal::check_smalldatetime(minutes)?;
            Ok(temporal::smalldatetime_to_datetime(days, minutes))
        }
        _ => {
            let (d, t) = to_datetime2(ty, value)?;
            temporal::dt2_to_datetime(d, t)
        }
    }
}

/// `smalldatetime` days since 1900 and minutes.
pub(crate) fn to_smalldatetime(ty: &SqlType, value: &Value) -> Result<(u16, u16)> {
    match *value {
        Value::SmallDateTime { days, minutes } => {
            temporal::check_smalldatetime(minutes)?;
            Ok((days, minutes))
        }
        _ => {
            let (days, ticks) = to_datetime(ty, value)?;
            temporal::datetime_to_smalldatetime(days, ticks)
        }
    }
}

pub(crate) fn to_str<'a>(ty: &SqlType, value: &'a Value) -> Result<&'a str> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(mismatch(ty, value)),
    }
}

/// Binary data; a `BigInt` stands for a rowversion counter (big-endian, as SQL Server
/// shows `@@DBTS`).
pub(crate) fn to_bytes<'a>(ty: &SqlType, value: &'a Value) -> Result<Cow<'a, [u8]>> {
    match value {
        Value::Bytes(b) => Ok(Cow::Borrowed(b)),
        Value::BigInt(v) if *ty == SqlType::RowVersion => Ok(Cow::Owned(v.to_be_bytes().to_vec())),
        _ => Err(mismatch(ty, value)),
    }
}

/// A GUID in text byte order, from a Guid, 16 bytes, or its 36-character text form
/// (optionally in braces), which is how SQLite keeps it.
pub(crate) fn to_guid(ty: &SqlType, value: &Value) -> Result<[u8; 16]> {
    match value {
        Value::Guid(g) => Ok(*g),
        Value::Bytes(b) => <[u8; 16]>::try_from(b.as_slice()).map_err(|_| mismatch(ty, value)),
        Value::String(s) => parse_guid(s).ok_or_else(|| {
            err("conversion failed when converting from a character string to uniqueidentifier")
        }),
        _ => Err(mismatch(ty, value)),
    }
}

/// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (or in braces) into text-order bytes.
pub fn parse_guid(text: &str) -> Option<[u8; 16]> {
    let text = text.trim();
    let text = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    let bytes = text.as_bytes();
    if bytes.len() != 36 || [8, 13, 18, 23].iter().any(|&i| bytes[i] != b'-') {
        return None;
    }
    let mut digits = bytes.iter().filter(|&&b| b != b'-');
    let mut guid = [0u8; 16];
    for byte in guid.iter_mut() {
        let hi = (*digits.next()? as char).to_digit(16)?;
        let lo = (*digits.next()? as char).to_digit(16)?;
        *byte = (hi * 16 + lo) as u8;
    }
    digits.next().is_none().then_some(guid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescale_rounds_half_away_from_zero() {
        assert_eq!(rescale(12345, 2, 1), Some(1235));
        assert_eq!(rescale(-12345, 2, 1), Some(-1235));
        assert_eq!(rescale(12344, 2, 1), Some(1234));
        assert_eq!(rescale(15, 1, 0), Some(2));
        assert_eq!(rescale(7, 0, 3), Some(7000));
        assert_eq!(rescale(i128::MAX, 0, 1), None);
    }

    #[test]
    fn guid_text_parses() {
        let g = parse_guid("00112233-4455-6677-8899-AabBccDdeEfF").expect("valid");
        assert_eq!(g[0], 0x00);
        assert_eq!(g[15], 0xFF);
        assert_eq!(
            parse_guid("{00112233-4455-6677-8899-aabbccddeeff}"),
            Some(g)
        );
        assert_eq!(parse_guid("00112233-4455-6677-8899-aabbccddeef"), None);
        assert_eq!(parse_guid("0011223304455-6677-8899-aabbccddeeff"), None);
        assert_eq!(parse_guid("00112233-4455-6677-8899-aabbccddeefg"), None);
        assert_eq!(parse_guid("00112233-4455-6677-8899-aabbccddeéf"), None);
    }

    #[test]
    fn coercions_refuse_lossy_values() {
        let ty = SqlType::Int;
        assert_eq!(to_i64(&ty, &Value::Float(3.0)).ok(), Some(3));
        assert!(to_i64(&ty, &Value::Float(3.5)).is_err());
        assert!(to_int_in(&ty, &Value::BigInt(1 << 40), -(1 << 31), (1 << 31) - 1).is_err());
        let d = SqlType::Decimal {
            precision: 5,
            scale: 2,
        };
        assert_eq!(to_decimal(&d, &Value::Int(12), 5, 2).ok(), Some(1200));
        assert!(to_decimal(&d, &Value::Int(1000), 5, 2).is_err());
        assert_eq!(to_decimal(&d, &Value::Float(1.005), 5, 2).ok(), Some(100));
        assert_eq!(
            to_money(&SqlType::Money, &Value::Int(-3)).ok(),
            Some(-30_000)
        );
    }
}
