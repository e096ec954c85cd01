//! Conversions to character, binary, uniqueidentifier and sql_variant.

use rusqlite::types::Value as SqliteValue;
use tds_protocol::types::{SqlError, SqlType};

use super::{msg, style, Ctx, Kind, Src};
use crate::values::{decimal, temporal, text};

/// Length limit and padding of a character target: (max chars, pad, single-byte code page).
fn char_shape(ty: &SqlType) -> (Option<usize>, bool, bool) {
    match *ty {
        SqlType::Char(n) => (Some(usize::from(n)), true, true),
        SqlType::VarChar(n) => (n.map(usize::from), false, true),
        SqlType::NChar(n) => (Some(usize::from(n)), true, false),
        SqlType::NVarChar(n) => (n.map(usize::from), false, false),
        SqlType::Text => (None, false, true),
        _ => (None, false, false),
    }
}

/// The text form of a source value (CONVERT's style applies to dates, float, money, binary).
fn source_text(src: Src<'_>, ctx: &Ctx<'_>, unicode_target: bool) -> Result<String, SqlError> {
    Ok(match src {
        Src::Null => String::new(),
        Src::Bit(b) => if b { "1" } else { "0" }.to_string(),
        Src::Int(i) => i.to_string(),
        Src::Float(f) => style::format_float(f, ctx.style),
        Src::Decimal(m, s) => decimal::format(m, s),
        Src::Money(m) => style::format_money(m, ctx.style),
        Src::Text(t, _) => t.to_owned(),
        Src::Guid(g) => text::format_guid(&g),
        Src::Temporal(st, kind) => style::format_temporal(st, kind, ctx.style)?,
        Src::Blob(b) => match ctx.style {
            1 => format!("0x{}", text::hex(b)),
            2 => text::hex(b),
            _ if unicode_target => {
                let units: Vec<u16> = b
                    .chunks(2)
                    .map(|p| u16::from_le_bytes([p[0], *p.get(1).unwrap_or(&0)]))
                    .collect();
                String::from_utf16_lossy(&units)
            }
            _ => text::from_cp1252_bytes(b),
        },
    })
}

/// Length of a string in the target's units (UTF-16 code units for n-types).
fn units(s: &str, unicode: bool) -> usize {
    if unicode {
        s.encode_utf16().count()
    } else {
        s.chars().count()
    }
}

/// The longest prefix of `s` of at most `n` units.
fn prefix(s: &str, n: usize, unicode: bool) -> &str {
    let mut count = 0;
    for (i, c) in s.char_indices() {
        let w = if unicode { c.len_utf16() } else { 1 };
        if count + w > n {
            return &s[..i];
        }
        count += w;
    }
    s
}

/// To char, varchar, nchar, nvarchar, text, ntext or xml.
pub fn to_text(src: Src<'_>, ty: &SqlType, ctx: &Ctx<'_>) -> Result<SqliteValue, SqlError> {
    let (limit, pad, single_byte) = char_shape(ty);
    let unicode = !single_byte;
    let mut s = source_text(src, ctx, unicode)?;
    if single_byte {
        s = text::to_cp1252_text(&s);
    }
    if let Some(n) = limit {
        if units(&s, unicode) > n {
            let cut = prefix(&s, n, unicode);
            let rest_blank = s[cut.len()..].bytes().all(|b| b == b' ');
            let numeric = matches!(
                src,
                Src::Int(_) | Src::Float(_) | Src::Decimal(..) | Src::Money(_)
            );
            if ctx.implicit && !rest_blank {
                return Err(msg::truncated(ctx.table, ctx.column, cut));
            }
            if numeric && !ctx.implicit {
                if unicode {
                    return Err(msg::overflow("expression", ty));
                }
                s = "*".to_string();
            } else {
                s.truncate(cut.len());
            }
        }
        if pad {
            let have = units(&s, unicode);
            s.extend(std::iter::repeat_n(' ', n.saturating_sub(have)));
        }
    }
    Ok(SqliteValue::Text(s))
}

/// Bytes of a number as SQL Server's binary conversion gives them (big-endian).
fn number_bytes(src: &Src<'_>) -> Option<Vec<u8>> {
    Some(match *src {
        Src::Bit(b) => vec![u8::from(b)],
        Src::Int(i) => match i32::try_from(i) {
            Ok(n) => n.to_be_bytes().to_vec(),
            Err(_) => i.to_be_bytes().to_vec(),
        },
        Src::Float(f) => f.to_be_bytes().to_vec(),
        Src::Money(m) => m.to_be_bytes().to_vec(),
        Src::Decimal(m, s) => {
            // precision, scale, sign (1 = positive), then the magnitude little-endian.
            let mag = m.unsigned_abs().to_le_bytes();
            let p = decimal::digit_count(m).max(u32::from(s)) as u8;
            let len = if p <= 9 {
                4
            } else if p <= 19 {
                8
            } else if p <= 28 {
                12
            } else {
                16
            };
            let mut v = vec![p, s, u8::from(m >= 0)];
            v.extend_from_slice(&mag[..len]);
            v
        }
        _ => return None,
    })
}

/// To binary, varbinary, image or rowversion.
pub fn to_binary(src: Src<'_>, ty: &SqlType, ctx: &Ctx<'_>) -> Result<SqliteValue, SqlError> {
    let (limit, pad) = match *ty {
        SqlType::Binary(n) => (Some(usize::from(n)), true),
        SqlType::VarBinary(n) => (n.map(usize::from), false),
        SqlType::RowVersion => (Some(8), true),
        _ => (None, false),
    };
    let numeric = number_bytes(&src);
    let mut bytes = match src {
        Src::Null => return Ok(SqliteValue::Null),
        Src::Blob(b) => b.to_vec(),
        Src::Text(_, _) if ctx.implicit => return Err(msg::implicit_not_allowed(&src, ty)),
        Src::Text(t, unicode) => match ctx.style {
            1 => t
                .strip_prefix("0x")
                .or_else(|| t.strip_prefix("0X"))
                .and_then(|h| text::unhex(h.as_bytes()))
                .ok_or_else(|| msg::error_converting(&src, ty))?,
            2 => text::unhex(t.as_bytes()).ok_or_else(|| msg::error_converting(&src, ty))?,
            _ if unicode => t.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            _ => text::to_cp1252_bytes(t),
        },
        Src::Guid(g) => text::guid_binary_swap(&g).to_vec(),
        Src::Temporal(st, Kind::DateTime) => {
            let days = (st.days - temporal::DAYS_TO_1900) as i32;
            let mut v = days.to_be_bytes().to_vec();
            v.extend_from_slice(&temporal::ticks_to_300(st.ticks).to_be_bytes());
            v
        }
        Src::Temporal(..) => return Err(msg::not_allowed(&src, ty, ctx.implicit)),
        _ => numeric.clone().unwrap_or_default(),
    };
    if let Some(n) = limit {
        if bytes.len() > n {
            if ctx.implicit {
                return Err(msg::truncated(
                    ctx.table,
                    ctx.column,
                    &text::from_cp1252_bytes(&bytes[..n]),
                ));
            }
            if numeric.is_some() {
                bytes.drain(..bytes.len() - n);
            } else {
                bytes.truncate(n);
            }
        }
        if pad && bytes.len() < n {
            if numeric.is_some() {
                let mut v = vec![0; n - bytes.len()];
                v.extend_from_slice(&bytes);
                bytes = v;
            } else {
                bytes.resize(n, 0);
            }
        }
    }
    Ok(SqliteValue::Blob(bytes))
}

/// To uniqueidentifier: text with or without braces, any case (characters after the 36th
/// are ignored, as SQL Server ignores them), or SQL Server's 16-byte binary form.
pub fn to_guid(src: Src<'_>, ty: &SqlType, ctx: &Ctx<'_>) -> Result<SqliteValue, SqlError> {
    let g = match src {
        Src::Null => return Ok(SqliteValue::Null),
        Src::Guid(g) => g,
        Src::Text(t, _) => {
            let t = t.trim();
            text::parse_guid(t)
                .or_else(|| t.get(..36).and_then(text::parse_guid))
                .ok_or_else(msg::bad_guid)?
        }
        Src::Blob(b) if b.len() >= 16 => {
            let mut g = [0u8; 16];
            g.copy_from_slice(&b[..16]);
            text::guid_binary_swap(&g)
        }
        Src::Blob(_) => return Err(msg::bad_guid()),
        _ => return Err(msg::not_allowed(&src, ty, ctx.implicit)),
    };
    Ok(SqliteValue::Text(text::format_guid(&g)))
}

/// To sql_variant: `basetype|canonical storage` (binary as hex).
pub fn to_variant(src: Src<'_>, ctx: &Ctx<'_>) -> Result<SqliteValue, SqlError> {
    let base = match src {
        Src::Null => return Ok(SqliteValue::Null),
        Src::Bit(_) => SqlType::Bit,
        Src::Int(i) if i32::try_from(i).is_ok() => SqlType::Int,
        Src::Int(_) => SqlType::BigInt,
        Src::Float(_) => SqlType::Float,
        Src::Decimal(m, s) => SqlType::Numeric {
            precision: (decimal::digit_count(m).max(u32::from(s) + 1)).min(38) as u8,
            scale: s,
        },
        Src::Money(_) => SqlType::Money,
        Src::Text(t, unicode) => {
            let n = t
                .chars()
                .count()
                .clamp(1, if unicode { 4000 } else { 8000 }) as u16;
            if unicode {
                SqlType::NVarChar(Some(n))
            } else {
                SqlType::VarChar(Some(n))
            }
        }
        Src::Blob(b) => SqlType::VarBinary(Some(b.len().clamp(1, 8000) as u16)),
        Src::Guid(_) => SqlType::UniqueIdentifier,
        Src::Temporal(_, kind) => match kind {
            Kind::Date => SqlType::Date,
            Kind::Time(scale) => SqlType::Time { scale },
            Kind::SmallDateTime => SqlType::SmallDateTime,
            Kind::DateTime => SqlType::DateTime,
            Kind::DateTime2(scale) => SqlType::DateTime2 { scale },
            Kind::DateTimeOffset(scale) => SqlType::DateTimeOffset { scale },
        },
    };
    variant_of(src, &base, ctx)
}

/// A sql_variant holding `src` as a value of `base` (its storage: `base|canonical value`).
pub fn variant_of(src: Src<'_>, base: &SqlType, ctx: &Ctx<'_>) -> Result<SqliteValue, SqlError> {
    let inner = super::convert(src, base, ctx)?;
    let body = match inner {
        SqliteValue::Integer(i) => i.to_string(),
        SqliteValue::Real(f) => format!("{f:?}"),
        SqliteValue::Text(t) => t,
        SqliteValue::Blob(b) => text::hex(&b),
        SqliteValue::Null => return Ok(SqliteValue::Null),
    };
    Ok(SqliteValue::Text(format!("{base}|{body}")))
}
