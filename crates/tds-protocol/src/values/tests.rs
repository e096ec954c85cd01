//! Encoding tests: byte-exact TYPE_INFO and values against MS-TDS and hand-computed bytes,
//! and round trips of every type through the decoder.

use super::*;
use crate::types::{Date, Decimal, SqlType, Time, Value};

pub(super) const COLLATION: [u8; 5] = [0x09, 0x04, 0xD0, 0x00, 0x34];

pub(super) fn type_info(ty: &SqlType) -> Vec<u8> {
    let mut out = Vec::new();
    encode_type_info(ty, &mut out);
    out
}

pub(super) fn encoded(ty: &SqlType, value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value(ty, value, &mut out).unwrap_or_else(|e| panic!("{ty} {value:?}: {e}"));
    out
}

/// Encodes, decodes, and checks the decoder used up exactly the encoding.
pub(super) fn round_trip(ty: &SqlType, value: &Value) -> Value {
    let bytes = encoded(ty, value);
    let mut input = bytes.as_slice();
    let back = decode_value(ty, &mut input).unwrap_or_else(|e| panic!("{ty}: {e}"));
    assert!(input.is_empty(), "{ty}: {} bytes left", input.len());
    back
}

pub(super) fn assert_round_trip(ty: &SqlType, value: Value) {
    assert_eq!(round_trip(ty, &value), value, "{ty}");
}

fn with_collation(prefix: &[u8]) -> Vec<u8> {
    let mut v = prefix.to_vec();
    v.extend_from_slice(&COLLATION);
    v
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

pub(super) fn dec(mantissa: i128, scale: u8) -> Value {
    Value::Decimal(Decimal { mantissa, scale })
}

#[test]
fn int_is_intn_4() {
    assert_eq!(type_info(&SqlType::Int), [0x26, 0x04]);
    assert_eq!(
        encoded(&SqlType::Int, &Value::Int(1)),
        [0x04, 0x01, 0x00, 0x00, 0x00]
    );
    assert_eq!(encoded(&SqlType::Int, &Value::Null), [0x00]);
}

#[test]
fn fixed_type_infos_are_exact() {
    let cases: Vec<(SqlType, Vec<u8>)> = vec![
        (SqlType::Bit, vec![0x68, 1]),
        (SqlType::TinyInt, vec![0x26, 1]),
        (SqlType::SmallInt, vec![0x26, 2]),
        (SqlType::BigInt, vec![0x26, 8]),
        (
            SqlType::Decimal {
                precision: 5,
                scale: 2,
            },
            vec![0x6A, 5, 5, 2],
        ),
        (
            SqlType::Decimal {
                precision: 19,
                scale: 4,
            },
            vec![0x6A, 9, 19, 4],
        ),
        (
            SqlType::Numeric {
                precision: 28,
                scale: 0,
            },
            vec![0x6C, 13, 28, 0],
        ),
        (
            SqlType::Numeric {
                precision: 38,
                scale: 38,
            },
            vec![0x6C, 17, 38, 38],
        ),
        (SqlType::Money, vec![0x6E, 8]),
        (SqlType::SmallMoney, vec![0x6E, 4]),
        (SqlType::Real, vec![0x6D, 4]),
        (SqlType::Float, vec![0x6D, 8]),
        (SqlType::Date, vec![0x28]),
        (SqlType::Time { scale: 7 }, vec![0x29, 7]),
        (SqlType::DateTime2 { scale: 3 }, vec![0x2A, 3]),
        (SqlType::DateTimeOffset { scale: 0 }, vec![0x2B, 0]),
        (SqlType::SmallDateTime, vec![0x6F, 4]),
        (SqlType::DateTime, vec![0x6F, 8]),
        (SqlType::UniqueIdentifier, vec![0x24, 16]),
        (SqlType::Xml, vec![0xF1, 0]),
        (SqlType::RowVersion, vec![0xAD, 8, 0]),
        (SqlType::SqlVariant, vec![0x62, 0x49, 0x1F, 0, 0]),
        (SqlType::Binary(4), vec![0xAD, 4, 0]),
        (SqlType::VarBinary(Some(8000)), vec![0xA5, 0x40, 0x1F]),
        (SqlType::VarBinary(None), vec![0xA5, 0xFF, 0xFF]),
    ];
    for (ty, bytes) in cases {
        assert_eq!(type_info(&ty), bytes, "{ty}");
    }
}

#[test]
fn character_type_infos_carry_length_and_collation() {
    assert_eq!(type_info(&SqlType::Char(5)), with_collation(&[0xAF, 5, 0]));
    assert_eq!(
        type_info(&SqlType::VarChar(Some(10))),
        with_collation(&[0xA7, 10, 0])
    );
    assert_eq!(
        type_info(&SqlType::VarChar(None)),
        with_collation(&[0xA7, 0xFF, 0xFF])
    );
    assert_eq!(type_info(&SqlType::NChar(3)), with_collation(&[0xEF, 6, 0]));
    assert_eq!(
        type_info(&SqlType::NVarChar(Some(4000))),
        with_collation(&[0xE7, 0x40, 0x1F])
    );
    assert_eq!(
        type_info(&SqlType::NVarChar(None)),
        with_collation(&[0xE7, 0xFF, 0xFF])
    );
    // Lengths beyond the in-row limits are sent as (max).
    assert_eq!(
        type_info(&SqlType::NVarChar(Some(5000))),
        type_info(&SqlType::NVarChar(None))
    );
}

#[test]
fn text_type_infos_carry_table_name() {
    let mut text = with_collation(&[0x23, 0xFF, 0xFF, 0xFF, 0x7F]);
    text.extend_from_slice(&[1, 0, 0]);
    assert_eq!(type_info(&SqlType::Text), text);
    let mut ntext = with_collation(&[0x63, 0xFE, 0xFF, 0xFF, 0x7F]);
    ntext.extend_from_slice(&[1, 0, 0]);
    assert_eq!(type_info(&SqlType::NText), ntext);
    assert_eq!(
        type_info(&SqlType::Image),
        [0x22, 0xFF, 0xFF, 0xFF, 0x7F, 1, 0, 0]
    );

    let mut out = Vec::new();
    encode_type_info_with_table(&SqlType::Image, &["dbo", "t"], &mut out);
    let mut expected = vec![0x22, 0xFF, 0xFF, 0xFF, 0x7F, 2, 3, 0];
    expected.extend(utf16("dbo"));
    expected.extend([1, 0]);
    expected.extend(utf16("t"));
    assert_eq!(out, expected);
    // Only text types have a table name.
    let mut out = Vec::new();
    encode_type_info_with_table(&SqlType::Int, &["t"], &mut out);
    assert_eq!(out, [0x26, 4]);
}

#[test]
fn numeric_values_are_exact() {
    assert_eq!(encoded(&SqlType::Bit, &Value::Bit(true)), [1, 1]);
    assert_eq!(
        encoded(&SqlType::BigInt, &Value::Int(-1)),
        [8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
    );
    assert_eq!(encoded(&SqlType::SmallInt, &Value::TinyInt(2)), [2, 2, 0]);
    let d52 = SqlType::Decimal {
        precision: 5,
        scale: 2,
    };
    assert_eq!(encoded(&d52, &dec(12345, 2)), [5, 1, 0x39, 0x30, 0, 0]);
    assert_eq!(encoded(&d52, &dec(-5, 1)), [5, 0, 0x32, 0, 0, 0]);
    let n38 = SqlType::Numeric {
        precision: 38,
        scale: 0,
    };
    let mut minus_one = vec![17, 0, 1];
    minus_one.extend([0; 15]);
    assert_eq!(encoded(&n38, &dec(-1, 0)), minus_one);
    assert_eq!(
        encoded(&SqlType::Money, &Value::Money(10_000)),
        [8, 0, 0, 0, 0, 0x10, 0x27, 0, 0]
    );
    assert_eq!(
        encoded(&SqlType::Money, &Value::Money(-10_000)),
        [8, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0, 0xD8, 0xFF, 0xFF]
    );
    assert_eq!(
        encoded(&SqlType::SmallMoney, &Value::Money(-1)),
        [4, 0xFF, 0xFF, 0xFF, 0xFF]
    );
    assert_eq!(
        encoded(&SqlType::Real, &Value::Real(1.0)),
        [4, 0, 0, 0x80, 0x3F]
    );
    assert_eq!(
        encoded(&SqlType::Float, &Value::Float(-2.0)),
        [8, 0, 0, 0, 0, 0, 0, 0, 0xC0]
    );
}

#[test]
fn temporal_values_are_exact() {
    // 2000-01-01 is day 730119 = 0x0B2407.
    let y2k = Date(730_119);
    assert_eq!(
        encoded(&SqlType::Date, &Value::Date(y2k)),
        [3, 0x07, 0x24, 0x0B]
    );
    // 00:00:01 at scale 0 is 1; at scale 7, 10^7 = 0x989680.
    let second = Time(10_000_000);
    assert_eq!(
        encoded(&SqlType::Time { scale: 0 }, &Value::Time(second)),
        [3, 1, 0, 0]
    );
    assert_eq!(
        encoded(&SqlType::Time { scale: 7 }, &Value::Time(second)),
        [5, 0x80, 0x96, 0x98, 0, 0]
    );
    assert_eq!(
        encoded(
            &SqlType::DateTime2 { scale: 3 },
            &Value::DateTime2(y2k, second)
        ),
        [7, 0xE8, 0x03, 0, 0, 0x07, 0x24, 0x0B]
    );
    // 2000-01-01 00:30 at +01:00 is 1999-12-31 23:30 UTC: 84600 s = 0x014A78.
    let dto = Value::DateTimeOffset {
        date: y2k,
        time: Time(30 * 600_000_000),
        offset_minutes: 60,
    };
    assert_eq!(
        encoded(&SqlType::DateTimeOffset { scale: 0 }, &dto),
        [8, 0x78, 0x4A, 0x01, 0x06, 0x24, 0x0B, 60, 0]
    );
    assert_eq!(
        encoded(
            &SqlType::DateTime,
            &Value::DateTime {
                days: 1,
                ticks: 300
            }
        ),
        [8, 1, 0, 0, 0, 0x2C, 0x01, 0, 0]
    );
    assert_eq!(
        encoded(
            &SqlType::SmallDateTime,
            &Value::SmallDateTime {
                days: 2,
                minutes: 61
            }
        ),
        [4, 2, 0, 61, 0]
    );
    // A date is a datetime2 at midnight; a datetime converts exactly.
    assert_eq!(
        encoded(&SqlType::DateTime2 { scale: 7 }, &Value::Date(y2k)),
        [8, 0, 0, 0, 0, 0, 0x07, 0x24, 0x0B]
    );
    assert_eq!(
        encoded(
            &SqlType::DateTime,
            &Value::DateTime2(Date(693_596), Time(0))
        ),
        [8, 1, 0, 0, 0, 0, 0, 0, 0]
    );
}

#[test]
fn string_values_are_exact() {
    assert_eq!(
        encoded(&SqlType::Char(5), &Value::String("ab".into())),
        [5, 0, b'a', b'b', b' ', b' ', b' ']
    );
    assert_eq!(
        encoded(&SqlType::VarChar(Some(10)), &Value::String("é€".into())),
        [2, 0, 0xE9, 0x80]
    );
    assert_eq!(
        encoded(&SqlType::VarChar(Some(10)), &Value::String("日".into())),
        [1, 0, b'?']
    );
    assert_eq!(
        encoded(&SqlType::NChar(3), &Value::String("a".into())),
        [6, 0, b'a', 0, b' ', 0, b' ', 0]
    );
    assert_eq!(
        encoded(&SqlType::NVarChar(Some(2)), &Value::String("😀".into())),
        [4, 0, 0x3D, 0xD8, 0x00, 0xDE]
    );
    assert_eq!(
        encoded(&SqlType::NVarChar(Some(2)), &Value::Null),
        [0xFF, 0xFF]
    );
    assert_eq!(
        encoded(&SqlType::VarChar(None), &Value::String("abc".into())),
        [3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, b'a', b'b', b'c', 0, 0, 0, 0]
    );
    assert_eq!(
        encoded(&SqlType::VarChar(None), &Value::String(String::new())),
        [0; 12]
    );
    assert_eq!(encoded(&SqlType::NVarChar(None), &Value::Null), [0xFF; 8]);
    assert_eq!(encoded(&SqlType::Xml, &Value::Null), [0xFF; 8]);
    assert_eq!(
        encoded(&SqlType::Xml, &Value::String("<a/>".into())),
        [8, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, b'<', 0, b'a', 0, b'/', 0, b'>', 0, 0, 0, 0, 0]
    );
}

#[test]
fn text_values_have_text_pointer() {
    let bytes = encoded(&SqlType::Text, &Value::String("hé".into()));
    assert_eq!(bytes[0], 16);
    assert_eq!(&bytes[17..25], &[0; 8]);
    assert_eq!(&bytes[25..], &[2, 0, 0, 0, b'h', 0xE9]);
    let bytes = encoded(&SqlType::NText, &Value::String("h".into()));
    assert_eq!(&bytes[25..], &[2, 0, 0, 0, b'h', 0]);
    let bytes = encoded(&SqlType::Image, &Value::Bytes(vec![7]));
    assert_eq!(&bytes[25..], &[1, 0, 0, 0, 7]);
    for ty in [SqlType::Text, SqlType::NText, SqlType::Image] {
        assert_eq!(encoded(&ty, &Value::Null), [0], "{ty}");
    }
}

#[test]
fn binary_guid_rowversion_variant_values_are_exact() {
    assert_eq!(
        encoded(&SqlType::Binary(4), &Value::Bytes(vec![1, 2])),
        [4, 0, 1, 2, 0, 0]
    );
    assert_eq!(
        encoded(&SqlType::VarBinary(Some(4)), &Value::Bytes(vec![1, 2])),
        [2, 0, 1, 2]
    );
    assert_eq!(encoded(&SqlType::Binary(4), &Value::Null), [0xFF, 0xFF]);
    let guid: [u8; 16] = [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE,
        0xFF,
    ];
    let wire = [
        16, 0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD,
        0xEE, 0xFF,
    ];
    assert_eq!(
        encoded(&SqlType::UniqueIdentifier, &Value::Guid(guid)),
        wire
    );
    let text = Value::String("00112233-4455-6677-8899-aabbccddeeff".into());
    assert_eq!(encoded(&SqlType::UniqueIdentifier, &text), wire);
    assert_eq!(
        encoded(&SqlType::RowVersion, &Value::BigInt(0x0102)),
        [8, 0, 0, 0, 0, 0, 0, 0, 1, 2]
    );
    assert_eq!(
        encoded(&SqlType::SqlVariant, &Value::Int(5)),
        [6, 0, 0, 0, 0x38, 0, 5, 0, 0, 0]
    );
    let mut nvarchar = vec![13, 0, 0, 0, 0xE7, 7];
    nvarchar.extend(COLLATION);
    nvarchar.extend([4, 0, b'a', 0, b'b', 0]);
    assert_eq!(
        encoded(&SqlType::SqlVariant, &Value::String("ab".into())),
        nvarchar
    );
    assert_eq!(
        encoded(&SqlType::SqlVariant, &dec(-15, 1)),
        [9, 0, 0, 0, 0x6A, 2, 2, 1, 0, 15, 0, 0, 0]
    );
    assert_eq!(encoded(&SqlType::SqlVariant, &Value::Null), [0, 0, 0, 0]);
}
