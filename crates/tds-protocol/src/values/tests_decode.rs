//! Decoding tests: RPC parameter forms clients send (legacy fixed types, declared lengths
//! longer than the value, PLP in several chunks or of unknown length, text types), and
//! malformed input (every truncation, random bytes) failing cleanly.

use super::tests::{encoded, type_info, COLLATION};
use super::*;
use crate::types::{Date, Decimal, SqlType, Time, Value};

/// Reads TYPE_INFO then the value, as an RPC parser does, and checks nothing is left.
fn read_param(bytes: &[u8]) -> Result<(SqlType, Value)> {
    let mut input = bytes;
    let info = TypeInfo::read(&mut input)?;
    let value = read_value(&info, &mut input)?;
    assert!(input.is_empty(), "{} bytes left", input.len());
    Ok((info.ty, value))
}

fn param(bytes: &[u8]) -> (SqlType, Value) {
    read_param(bytes).unwrap_or_else(|e| panic!("{bytes:02X?}: {e}"))
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

#[test]
fn legacy_fixed_types() {
    assert_eq!(
        param(&[0x30, 0xFF]),
        (SqlType::TinyInt, Value::TinyInt(255))
    );
    assert_eq!(
        param(&[0x34, 0xFE, 0xFF]),
        (SqlType::SmallInt, Value::SmallInt(-2))
    );
    assert_eq!(param(&[0x38, 1, 0, 0, 0]), (SqlType::Int, Value::Int(1)));
    assert_eq!(
        param(&[0x7F, 0, 0, 0, 0, 0, 0, 0, 0x80]),
        (SqlType::BigInt, Value::BigInt(i64::MIN))
    );
    assert_eq!(param(&[0x32, 1]), (SqlType::Bit, Value::Bit(true)));
    assert_eq!(
        param(&[0x3B, 0, 0, 0x80, 0x3F]),
        (SqlType::Real, Value::Real(1.0))
    );
    assert_eq!(
        param(&[0x3E, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F]),
        (SqlType::Float, Value::Float(1.5))
    );
    assert_eq!(
        param(&[0x3C, 0, 0, 0, 0, 0x10, 0x27, 0, 0]),
        (SqlType::Money, Value::Money(10_000))
    );
    assert_eq!(
        param(&[0x7A, 0x10, 0x27, 0, 0]),
        (SqlType::SmallMoney, Value::Money(10_000))
    );
    assert_eq!(
        param(&[0x3D, 1, 0, 0, 0, 0x2C, 0x01, 0, 0]),
        (
            SqlType::DateTime,
            Value::DateTime {
                days: 1,
                ticks: 300
            }
        )
    );
    assert_eq!(
        param(&[0x3A, 2, 0, 61, 0]),
        (
            SqlType::SmallDateTime,
            Value::SmallDateTime {
                days: 2,
                minutes: 61
            }
        )
    );
    // Through the SqlType-only API the type is the same; only read_value knows the form.
    assert_eq!(decode_type_info(&mut &[0x38][..]), Ok(SqlType::Int));
}

#[test]
fn nullable_types_with_shorter_or_null_values() {
    // INTN declared 8: a NULL, a 4-byte value (widened), an 8-byte value.
    assert_eq!(param(&[0x26, 8, 0]), (SqlType::BigInt, Value::Null));
    assert_eq!(
        param(&[0x26, 8, 4, 5, 0, 0, 0]),
        (SqlType::BigInt, Value::BigInt(5))
    );
    assert_eq!(
        param(&[0x26, 2, 1, 9]),
        (SqlType::SmallInt, Value::SmallInt(9))
    );
    // More bytes than declared, or a length no integer has.
    assert!(read_param(&[0x26, 4, 8, 0, 0, 0, 0, 1, 0, 0, 0]).is_err());
    assert!(read_param(&[0x26, 4, 3, 0, 0, 0]).is_err());
    assert!(read_param(&[0x26, 3, 0]).is_err());
    // FLTN declared 8 with a 4-byte value is a float; DATETIMN 8 with 4 bytes a datetime.
    assert_eq!(
        param(&[0x6D, 8, 4, 0, 0, 0xC0, 0x3F]),
        (SqlType::Float, Value::Float(1.5))
    );
    assert_eq!(
        param(&[0x6F, 8, 4, 1, 0, 1, 0]),
        (
            SqlType::DateTime,
            Value::DateTime {
                days: 1,
                ticks: 18_000
            }
        )
    );
    assert_eq!(param(&[0x68, 1, 1, 0]), (SqlType::Bit, Value::Bit(false)));
    assert_eq!(
        param(&[0x6E, 8, 4, 1, 0, 0, 0]),
        (SqlType::Money, Value::Money(1))
    );
    // DECIMALN declared 17 bytes with a 5-byte value; negative sign byte 0.
    assert_eq!(
        param(&[0x6A, 17, 38, 2, 5, 0, 0x39, 0x30, 0, 0]),
        (
            SqlType::Decimal {
                precision: 38,
                scale: 2
            },
            Value::Decimal(Decimal {
                mantissa: -12_345,
                scale: 2
            })
        )
    );
    assert!(
        read_param(&[0x6A, 17, 38, 2, 5, 2, 0x39, 0x30, 0, 0]).is_err(),
        "sign 2"
    );
    assert!(read_param(&[0x6A, 17, 39, 2, 0]).is_err(), "precision 39");
    assert!(
        read_param(&[0x6C, 17, 5, 6, 0]).is_err(),
        "scale > precision"
    );
    // GUID NULL.
    assert_eq!(
        param(&[0x24, 16, 0]),
        (SqlType::UniqueIdentifier, Value::Null)
    );
}

#[test]
fn dates_and_times_as_clients_send_them() {
    assert_eq!(
        param(&[0x28, 3, 0x07, 0x24, 0x0B]),
        (SqlType::Date, Value::Date(Date(730_119)))
    );
    assert_eq!(param(&[0x28, 0]), (SqlType::Date, Value::Null));
    assert_eq!(
        param(&[0x29, 0, 3, 1, 0, 0]),
        (SqlType::Time { scale: 0 }, Value::Time(Time(10_000_000)))
    );
    // datetimeoffset(0) 1999-12-31 23:30 UTC at +01:00 is local 2000-01-01 00:30.
    assert_eq!(
        param(&[0x2B, 0, 8, 0x78, 0x4A, 0x01, 0x06, 0x24, 0x0B, 60, 0]).1,
        Value::DateTimeOffset {
            date: Date(730_119),
            time: Time(30 * 600_000_000),
            offset_minutes: 60
        }
    );
    assert!(read_param(&[0x29, 8]).is_err(), "scale 8");
    // 24:00:00 at scale 0 (86400 = 0x015180) is no time of day.
    assert!(read_param(&[0x29, 0, 3, 0x80, 0x51, 0x01]).is_err());
    assert!(
        read_param(&[0x28, 3, 0xFF, 0xFF, 0xFF]).is_err(),
        "after 9999"
    );
    assert!(
        read_param(&[0x2B, 0, 8, 0, 0, 0, 0, 0, 0, 0x50, 0xFF]).is_err(),
        "offset"
    );
    assert!(
        read_param(&[0x3D, 0, 0, 0, 0, 0, 0, 0, 0x10]).is_err(),
        "datetime ticks"
    );
}

#[test]
fn strings_with_declared_lengths_and_collations() {
    // nvarchar declared 8000 bytes with a short value, as tiberius and ODBC send it.
    let bytes = cat(&[&[0xE7, 0x40, 0x1F], &COLLATION, &[6, 0], &utf16("héj")]);
    assert_eq!(
        param(&bytes),
        (SqlType::NVarChar(Some(4000)), Value::String("héj".into()))
    );
    let null = cat(&[&[0xE7, 0x40, 0x1F], &COLLATION, &[0xFF, 0xFF]]);
    assert_eq!(param(&null).1, Value::Null);
    // varchar in cp1252.
    let bytes = cat(&[&[0xA7, 0x40, 0x1F], &COLLATION, &[2, 0, 0xE9, 0x80]]);
    assert_eq!(
        param(&bytes),
        (SqlType::VarChar(Some(8000)), Value::String("é€".into()))
    );
    // A UTF-8 collation's bytes decode as UTF-8.
    let utf8_collation = [0x09, 0x04, 0xD0, 0x04, 0x34];
    let bytes = cat(&[
        &[0xA7, 0x40, 0x1F],
        &utf8_collation,
        &[2, 0],
        "é".as_bytes(),
    ]);
    assert_eq!(param(&bytes).1, Value::String("é".into()));
    // A value longer than its declared length, and odd UTF-16, are refused.
    let long = cat(&[&[0xE7, 2, 0], &COLLATION, &[4, 0, b'a', 0, b'b', 0]]);
    assert!(read_param(&long).is_err());
    let odd = cat(&[&[0xE7, 0x40, 0x1F], &COLLATION, &[3, 0, b'a', 0, b'b']]);
    assert!(read_param(&odd).is_err());
    // nchar/binary.
    let bytes = cat(&[&[0xEF, 4, 0], &COLLATION, &[4, 0, b'a', 0, b' ', 0]]);
    assert_eq!(
        param(&bytes),
        (SqlType::NChar(2), Value::String("a ".into()))
    );
    assert_eq!(
        param(&[0xAD, 2, 0, 2, 0, 1, 2]),
        (SqlType::Binary(2), Value::Bytes(vec![1, 2]))
    );
    assert_eq!(
        param(&[0xA5, 0x40, 0x1F, 0, 0]),
        (SqlType::VarBinary(Some(8000)), Value::Bytes(vec![]))
    );
}

#[test]
fn plp_in_many_chunks_and_of_unknown_length() {
    let header = cat(&[&[0xE7, 0xFF, 0xFF], &COLLATION]);
    let hello = utf16("hello");
    let mut known = header.clone();
    known.extend(10u64.to_le_bytes());
    for piece in [&hello[..4], &hello[4..6], &hello[6..]] {
        known.extend((piece.len() as u32).to_le_bytes());
        known.extend_from_slice(piece);
    }
    known.extend([0; 4]);
    assert_eq!(
        param(&known),
        (SqlType::NVarChar(None), Value::String("hello".into()))
    );

    let mut unknown = header.clone();
    unknown.extend((u64::MAX - 1).to_le_bytes());
    unknown.extend(10u32.to_le_bytes());
    unknown.extend_from_slice(&hello);
    unknown.extend([0; 4]);
    assert_eq!(param(&unknown).1, Value::String("hello".into()));

    let mut null = header.clone();
    null.extend(u64::MAX.to_le_bytes());
    assert_eq!(param(&null).1, Value::Null);

    // A total length the chunks do not add up to.
    let mut wrong = header.clone();
    wrong.extend(12u64.to_le_bytes());
    wrong.extend(10u32.to_le_bytes());
    wrong.extend_from_slice(&hello);
    wrong.extend([0; 4]);
    assert!(read_param(&wrong).is_err());

    // A huge declared length does not allocate it.
    let mut huge = header;
    huge.extend((u64::MAX - 2).to_le_bytes());
    huge.extend([0; 4]);
    assert!(read_param(&huge).is_err());

    // varbinary(max) and xml.
    let bin = cat(&[
        &[0xA5, 0xFF, 0xFF],
        &2u64.to_le_bytes(),
        &[1, 0, 0, 0, 7, 1, 0, 0, 0, 8, 0, 0, 0, 0],
    ]);
    assert_eq!(
        param(&bin),
        (SqlType::VarBinary(None), Value::Bytes(vec![7, 8]))
    );
    let xml = cat(&[
        &[0xF1, 0],
        &8u64.to_le_bytes(),
        &[8, 0, 0, 0],
        &utf16("\u{FEFF}<a>"),
        &[0, 0, 0, 0],
    ]);
    assert_eq!(param(&xml), (SqlType::Xml, Value::String("<a>".into())));
}

#[test]
fn xml_with_schema_collection() {
    let mut bytes = vec![0xF1, 1, 2];
    bytes.extend(utf16("db"));
    bytes.push(3);
    bytes.extend(utf16("dbo"));
    bytes.extend([1, 0]);
    bytes.extend(utf16("s"));
    bytes.extend(u64::MAX.to_le_bytes());
    assert_eq!(param(&bytes), (SqlType::Xml, Value::Null));
    assert!(read_param(&[0xF1, 2]).is_err());
}

#[test]
fn text_parameters_have_a_four_byte_length() {
    let text = cat(&[
        &[0x23, 0xFF, 0xFF, 0xFF, 0x7F],
        &COLLATION,
        &[2, 0, 0, 0, b'h', 0xE9],
    ]);
    assert_eq!(param(&text), (SqlType::Text, Value::String("hé".into())));
    let ntext = cat(&[
        &[0x63, 0xFE, 0xFF, 0xFF, 0x7F],
        &COLLATION,
        &[2, 0, 0, 0, b'h', 0],
    ]);
    assert_eq!(param(&ntext), (SqlType::NText, Value::String("h".into())));
    let image = [0x22, 0xFF, 0xFF, 0xFF, 0x7F, 1, 0, 0, 0, 9];
    assert_eq!(param(&image), (SqlType::Image, Value::Bytes(vec![9])));
    let null = [0x22, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF];
    assert_eq!(param(&null), (SqlType::Image, Value::Null));
}

#[test]
fn variant_parameters() {
    let v = [0x62, 0x49, 0x1F, 0, 0, 6, 0, 0, 0, 0x38, 0, 5, 0, 0, 0];
    assert_eq!(
        param(&v),
        (
            SqlType::SqlVariant,
            Value::Variant(Box::new((SqlType::Int, Value::Int(5))))
        )
    );
    assert_eq!(param(&[0x62, 0x49, 0x1F, 0, 0, 0, 0, 0, 0]).1, Value::Null);
    // Wrong property count, a (max) base type, an unknown base type.
    assert!(read_param(&[0x62, 0x49, 0x1F, 0, 0, 7, 0, 0, 0, 0x38, 1, 0, 5, 0, 0, 0]).is_err());
    let max = cat(&[
        &[0x62, 0x49, 0x1F, 0, 0, 9, 0, 0, 0, 0xA5, 2, 0xFF, 0xFF],
        &[0; 5],
    ]);
    assert!(read_param(&max).is_err());
    assert!(read_param(&[0x62, 0x49, 0x1F, 0, 0, 2, 0, 0, 0, 0xF1, 0]).is_err());
}

#[test]
fn unsupported_types_are_errors() {
    for id in [0x00, 0x1F, 0xF0, 0xF3, 0x2F, 0x27, 0xFF] {
        assert!(
            TypeInfo::read(&mut &[id, 0, 0, 0, 0, 0, 0, 0][..]).is_err(),
            "{id:#x}"
        );
    }
    assert!(TypeInfo::read(&mut &[][..]).is_err());
}

/// One parameter (TYPE_INFO and value) of every kind, as the encoder writes them.
fn sample_params() -> Vec<Vec<u8>> {
    let s = |x: &str| Value::String(x.to_string());
    let samples = [
        (SqlType::Bit, Value::Bit(true)),
        (SqlType::BigInt, Value::BigInt(-3)),
        (
            SqlType::Decimal {
                precision: 20,
                scale: 3,
            },
            Value::Decimal(Decimal {
                mantissa: -7,
                scale: 3,
            }),
        ),
        (SqlType::Money, Value::Money(5)),
        (SqlType::Real, Value::Real(0.5)),
        (SqlType::Date, Value::Date(Date(7))),
        (SqlType::Time { scale: 4 }, Value::Time(Time(1000))),
        (
            SqlType::DateTime2 { scale: 7 },
            Value::DateTime2(Date(7), Time(7)),
        ),
        (
            SqlType::DateTimeOffset { scale: 2 },
            Value::DateTimeOffset {
                date: Date(9),
                time: Time(0),
                offset_minutes: -5,
            },
        ),
        (
            SqlType::SmallDateTime,
            Value::SmallDateTime {
                days: 1,
                minutes: 1,
            },
        ),
        (SqlType::DateTime, Value::DateTime { days: 1, ticks: 1 }),
        (SqlType::Char(3), s("ab")),
        (SqlType::VarChar(None), s("abc")),
        (SqlType::NChar(2), s("é")),
        (SqlType::NVarChar(Some(9)), s("😀x")),
        (SqlType::NVarChar(None), s(&"y".repeat(40_000))),
        (SqlType::Binary(2), Value::Bytes(vec![1])),
        (SqlType::VarBinary(None), Value::Bytes(vec![1, 2, 3])),
        (SqlType::UniqueIdentifier, Value::Guid([3; 16])),
        (SqlType::Xml, s("<x/>")),
        (SqlType::SqlVariant, s("v")),
        (
            SqlType::SqlVariant,
            Value::Decimal(Decimal {
                mantissa: 1,
                scale: 0,
            }),
        ),
        (SqlType::NVarChar(None), Value::Null),
    ];
    samples
        .iter()
        .map(|(ty, value)| {
            let mut bytes = type_info(ty);
            bytes.extend(encoded(ty, value));
            bytes
        })
        .collect()
}

#[test]
fn every_truncation_is_an_error() {
    for bytes in sample_params() {
        assert!(
            read_param(&bytes).is_ok(),
            "{:02X?}",
            &bytes[..bytes.len().min(16)]
        );
        for cut in 0..bytes.len() {
            let mut input = &bytes[..cut];
            let result = TypeInfo::read(&mut input).and_then(|info| read_value(&info, &mut input));
            assert!(
                result.is_err(),
                "cut at {cut} of {:02X?}",
                &bytes[..bytes.len().min(16)]
            );
        }
    }
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Decoding either succeeds or fails; it never panics and never reads past the input.
fn decode_any(bytes: &[u8]) {
    let mut input = bytes;
    if let Ok(info) = TypeInfo::read(&mut input) {
        let _ = read_value(&info, &mut input);
    }
    for ty in [
        SqlType::Int,
        SqlType::NVarChar(None),
        SqlType::SqlVariant,
        SqlType::DateTimeOffset { scale: 7 },
    ] {
        let _ = decode_value(&ty, &mut &bytes[..]);
    }
}

#[test]
fn random_and_mutated_input_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let len = rng.below(40);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        decode_any(&bytes);
    }
    let samples = sample_params();
    for _ in 0..20_000 {
        let mut bytes = samples[rng.below(samples.len())].clone();
        bytes.truncate(bytes.len().min(200));
        for _ in 0..=rng.below(3) {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
        }
        decode_any(&bytes);
    }
}
