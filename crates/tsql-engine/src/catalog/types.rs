//! What SQL Server's catalog says about each type: `sys.types` rows and the per-column
//! figures (`max_length`, `precision`, INFORMATION_SCHEMA lengths) derived from a [`SqlType`].

use tds_protocol::types::SqlType;

/// The server's default collation, reported for every character column.
pub const COLLATION: &str = "SQL_Latin1_General_CP1_CI_AS";

/// The catalog figures of one column type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypeInfo {
    pub system_type_id: i64,
    pub max_length: i64,
    pub precision: i64,
    pub scale: i64,
    pub collation: Option<&'static str>,
    pub char_max_len: Option<i64>,
    pub char_octet_len: Option<i64>,
    pub num_precision: Option<i64>,
    pub num_radix: Option<i64>,
    pub num_scale: Option<i64>,
    pub dt_precision: Option<i64>,
    pub charset: Option<&'static str>,
}

fn frac_len(scale: u8, base: i64) -> i64 {
    base + match scale {
        0..=2 => 0,
        3..=4 => 1,
        _ => 2,
    }
}

fn frac_precision(scale: u8, base: i64) -> i64 {
    base + if scale > 0 { scale as i64 + 1 } else { 0 }
}

fn decimal_len(p: u8) -> i64 {
    match p {
        0..=9 => 5,
        10..=19 => 9,
        20..=28 => 13,
        _ => 17,
    }
}

fn exact(id: i64, len: i64, prec: i64, scale: i64) -> TypeInfo {
    TypeInfo {
        system_type_id: id,
        max_length: len,
        precision: prec,
        scale,
        num_precision: Some(prec),
        num_radix: Some(10),
        num_scale: Some(scale),
        ..TypeInfo::default()
    }
}

fn temporal(id: i64, len: i64, prec: i64, scale: i64) -> TypeInfo {
    TypeInfo {
        system_type_id: id,
        max_length: len,
        precision: prec,
        scale,
        dt_precision: Some(scale),
        ..TypeInfo::default()
    }
}

/// A character or binary type: `chars` is the declared length (`None` = max), `width` bytes
/// per character, `unicode` whether its character set is UNICODE.
fn chars(id: i64, chars: Option<i64>, width: i64, charset: Option<&'static str>) -> TypeInfo {
    TypeInfo {
        system_type_id: id,
        max_length: chars.map_or(-1, |n| n * width),
        collation: charset.map(|_| COLLATION),
        char_max_len: Some(chars.unwrap_or(-1)),
        char_octet_len: Some(chars.map_or(-1, |n| n * width)),
        charset,
        ..TypeInfo::default()
    }
}

/// The catalog figures of `ty`.
pub fn info(ty: &SqlType) -> TypeInfo {
    let n = |v: &Option<u16>| v.map(|n| n as i64);
    match *ty {
        SqlType::Bit => TypeInfo {
            system_type_id: 104,
            max_length: 1,
            precision: 1,
            ..TypeInfo::default()
        },
        SqlType::TinyInt => exact(48, 1, 3, 0),
        SqlType::SmallInt => exact(52, 2, 5, 0),
        SqlType::Int => exact(56, 4, 10, 0),
        SqlType::BigInt => exact(127, 8, 19, 0),
        SqlType::Decimal { precision, scale } => {
            exact(106, decimal_len(precision), precision as i64, scale as i64)
        }
        SqlType::Numeric { precision, scale } => {
            exact(108, decimal_len(precision), precision as i64, scale as i64)
        }
        SqlType::Money => exact(60, 8, 19, 4),
        SqlType::SmallMoney => exact(122, 4, 10, 4),
        SqlType::Real => TypeInfo {
            num_radix: Some(2),
            num_scale: None,
            ..exact(59, 4, 24, 0)
        },
        SqlType::Float => TypeInfo {
            num_radix: Some(2),
            num_scale: None,
            ..exact(62, 8, 53, 0)
        },
        SqlType::Date => temporal(40, 3, 10, 0),
        SqlType::Time { scale } => temporal(
            41,
            frac_len(scale, 3),
            frac_precision(scale, 8),
            scale as i64,
        ),
        SqlType::SmallDateTime => temporal(58, 4, 16, 0),
        SqlType::DateTime => temporal(61, 8, 23, 3),
        SqlType::DateTime2 { scale } => temporal(
            42,
            frac_len(scale, 6),
            frac_precision(scale, 19),
            scale as i64,
        ),
        SqlType::DateTimeOffset { scale } => temporal(
            43,
            frac_len(scale, 8),
            frac_precision(scale, 26),
            scale as i64,
        ),
        SqlType::Char(len) => chars(175, Some(len as i64), 1, Some("iso_1")),
        SqlType::VarChar(len) => chars(167, n(&len), 1, Some("iso_1")),
        SqlType::NChar(len) => chars(239, Some(len as i64), 2, Some("UNICODE")),
        SqlType::NVarChar(len) => chars(231, n(&len), 2, Some("UNICODE")),
        SqlType::Text => TypeInfo {
            max_length: 16,
            char_max_len: Some(2147483647),
            char_octet_len: Some(2147483647),
            ..chars(35, None, 1, Some("iso_1"))
        },
        SqlType::NText => TypeInfo {
            max_length: 16,
            char_max_len: Some(1073741823),
            char_octet_len: Some(2147483646),
            ..chars(99, None, 2, Some("UNICODE"))
        },
        SqlType::Binary(len) => chars(173, Some(len as i64), 1, None),
        SqlType::VarBinary(len) => chars(165, n(&len), 1, None),
        SqlType::Image => TypeInfo {
            max_length: 16,
            char_max_len: Some(2147483647),
            char_octet_len: Some(2147483647),
            ..chars(34, None, 1, None)
        },
        SqlType::Xml => chars(241, None, 1, None),
        SqlType::UniqueIdentifier => TypeInfo {
            system_type_id: 36,
            max_length: 16,
            ..TypeInfo::default()
        },
        SqlType::RowVersion => TypeInfo {
            system_type_id: 189,
            max_length: 8,
            ..TypeInfo::default()
        },
        SqlType::SqlVariant => TypeInfo {
            system_type_id: 98,
            max_length: 8016,
            ..TypeInfo::default()
        },
    }
}

/// A row of `sys.types`: name, system_type_id, user_type_id, max_length, precision, scale,
/// collation_name.
pub type TypeRow = (&'static str, i64, i64, i64, i64, i64, Option<&'static str>);

/// The rows of `sys.types`.
pub fn system_types() -> Vec<TypeRow> {
    let all = [
        SqlType::Image,
        SqlType::Text,
        SqlType::UniqueIdentifier,
        SqlType::Date,
        SqlType::Time { scale: 7 },
        SqlType::DateTime2 { scale: 7 },
        SqlType::DateTimeOffset { scale: 7 },
        SqlType::TinyInt,
        SqlType::SmallInt,
        SqlType::Int,
        SqlType::SmallDateTime,
        SqlType::Real,
        SqlType::Money,
        SqlType::DateTime,
        SqlType::Float,
        SqlType::SqlVariant,
        SqlType::NText,
        SqlType::Bit,
        SqlType::Decimal {
            precision: 18,
            scale: 0,
        },
        SqlType::Numeric {
            precision: 18,
            scale: 0,
        },
        SqlType::SmallMoney,
        SqlType::BigInt,
        SqlType::VarBinary(Some(8000)),
        SqlType::VarChar(Some(8000)),
        SqlType::Binary(8000),
        SqlType::Char(8000),
        SqlType::RowVersion,
        SqlType::NVarChar(Some(4000)),
        SqlType::NChar(4000),
        SqlType::Xml,
    ];
    let mut rows: Vec<_> = all
        .iter()
        .map(|t| {
            let i = info(t);
            let (precision, scale) = match t {
                SqlType::Decimal { .. } | SqlType::Numeric { .. } => (38, 38),
                _ => (i.precision, i.scale),
            };
            let len = match t {
                SqlType::Decimal { .. } | SqlType::Numeric { .. } => 17,
                SqlType::NVarChar(_) | SqlType::NChar(_) => 8000,
                _ => i.max_length,
            };
            (
                t.name(),
                i.system_type_id,
                i.system_type_id,
                len,
                precision,
                scale,
                i.collation,
            )
        })
        .collect();
    rows.push(("sysname", 231, 256, 256, 0, 0, Some(COLLATION)));
    rows
}
