//! Round trips of every type through encoder and decoder (min, max, NULL, empty, Unicode,
//! 5 MB values), the coercions of engine values, and a timing check.

use super::tests::{assert_round_trip, dec, encoded, round_trip, type_info};
use super::*;
use crate::types::{Date, SqlType, Time, Value};

#[test]
fn every_type_round_trips_min_max_and_null() {
    let all_types = [
        SqlType::Bit,
        SqlType::TinyInt,
        SqlType::SmallInt,
        SqlType::Int,
        SqlType::BigInt,
        SqlType::Decimal {
            precision: 38,
            scale: 10,
        },
        SqlType::Numeric {
            precision: 9,
            scale: 0,
        },
        SqlType::Money,
        SqlType::SmallMoney,
        SqlType::Real,
        SqlType::Float,
        SqlType::Date,
        SqlType::Time { scale: 7 },
        SqlType::SmallDateTime,
        SqlType::DateTime,
        SqlType::DateTime2 { scale: 2 },
        SqlType::DateTimeOffset { scale: 5 },
        SqlType::Char(3),
        SqlType::VarChar(Some(3)),
        SqlType::VarChar(None),
        SqlType::NChar(3),
        SqlType::NVarChar(Some(3)),
        SqlType::NVarChar(None),
        SqlType::Binary(3),
        SqlType::VarBinary(Some(3)),
        SqlType::VarBinary(None),
        SqlType::UniqueIdentifier,
        SqlType::Xml,
        SqlType::RowVersion,
        SqlType::SqlVariant,
    ];
    for ty in all_types {
        assert_eq!(round_trip(&ty, &Value::Null), Value::Null, "{ty}");
        // TYPE_INFO reads back as the same type.
        // (rowversion is binary(8) on the wire, as SQL Server sends it.)
        let mut input: &[u8] = &type_info(&ty);
        let expected = if ty == SqlType::RowVersion {
            SqlType::Binary(8)
        } else {
            ty
        };
        assert_eq!(decode_type_info(&mut input).expect("type info"), expected);
        assert!(input.is_empty());
    }
    // Text types: TYPE_INFO without the COLMETADATA table name reads back.
    for ty in [SqlType::Text, SqlType::NText, SqlType::Image] {
        let mut bytes = Vec::new();
        TypeInfo::of(&ty).write(&mut bytes);
        assert_eq!(
            decode_type_info(&mut bytes.as_slice()).expect("type info"),
            ty
        );
    }

    assert_round_trip(&SqlType::Bit, Value::Bit(false));
    assert_round_trip(&SqlType::Bit, Value::Bit(true));
    assert_round_trip(&SqlType::TinyInt, Value::TinyInt(0));
    assert_round_trip(&SqlType::TinyInt, Value::TinyInt(255));
    for v in [i16::MIN, 0, i16::MAX] {
        assert_round_trip(&SqlType::SmallInt, Value::SmallInt(v));
    }
    for v in [i32::MIN, 0, i32::MAX] {
        assert_round_trip(&SqlType::Int, Value::Int(v));
    }
    for v in [i64::MIN, 0, i64::MAX] {
        assert_round_trip(&SqlType::BigInt, Value::BigInt(v));
    }
    let max38 = 10i128.pow(38) - 1;
    for (p, s, m) in [
        (38, 0, max38),
        (38, 0, -max38),
        (38, 38, max38),
        (9, 2, -999_999_999),
        (19, 4, 0),
        (28, 5, 10i128.pow(28) - 1),
        (1, 0, 9),
    ] {
        assert_round_trip(
            &SqlType::Decimal {
                precision: p,
                scale: s,
            },
            dec(m, s),
        );
        assert_round_trip(
            &SqlType::Numeric {
                precision: p,
                scale: s,
            },
            dec(m, s),
        );
    }
    for v in [i64::MIN, -1, 0, i64::MAX] {
        assert_round_trip(&SqlType::Money, Value::Money(v));
    }
    for v in [i32::MIN, 0, i32::MAX] {
        assert_round_trip(&SqlType::SmallMoney, Value::Money(i64::from(v)));
    }
    for v in [
        f32::MIN,
        f32::MIN_POSITIVE,
        0.0,
        -0.0,
        f32::MAX,
        f32::INFINITY,
    ] {
        assert_round_trip(&SqlType::Real, Value::Real(v));
    }
    for v in [f64::MIN, f64::MIN_POSITIVE, 0.0, 1.5, f64::MAX] {
        assert_round_trip(&SqlType::Float, Value::Float(v));
    }
    for d in [0, 730_119, MAX_DATE_DAYS] {
        assert_round_trip(&SqlType::Date, Value::Date(Date(d)));
    }
    for scale in 0..=7u8 {
        let unit = 10u64.pow(u32::from(7 - scale));
        let max = Time(TICKS_PER_DAY - unit);
        assert_round_trip(&SqlType::Time { scale }, Value::Time(Time(0)));
        assert_round_trip(&SqlType::Time { scale }, Value::Time(max));
        assert_round_trip(
            &SqlType::DateTime2 { scale },
            Value::DateTime2(Date(0), Time(0)),
        );
        assert_round_trip(
            &SqlType::DateTime2 { scale },
            Value::DateTime2(Date(MAX_DATE_DAYS), max),
        );
        let dto = |date, time, offset_minutes| Value::DateTimeOffset {
            date: Date(date),
            time,
            offset_minutes,
        };
        let ty = SqlType::DateTimeOffset { scale };
        assert_round_trip(&ty, dto(0, Time(0), 0));
        assert_round_trip(&ty, dto(0, Time(14 * 36_000_000_000), 840));
        assert_round_trip(&ty, dto(MAX_DATE_DAYS, max, 0));
        assert_round_trip(&ty, dto(MAX_DATE_DAYS, Time(9 * 36_000_000_000), -840));
        assert_round_trip(&ty, dto(730_119, Time(0), -330));
    }
    assert_round_trip(
        &SqlType::SmallDateTime,
        Value::SmallDateTime {
            days: 0,
            minutes: 0,
        },
    );
    assert_round_trip(
        &SqlType::SmallDateTime,
        Value::SmallDateTime {
            days: u16::MAX,
            minutes: 1439,
        },
    );
    assert_round_trip(
        &SqlType::DateTime,
        Value::DateTime {
            days: -53_690,
            ticks: 0,
        },
    );
    assert_round_trip(
        &SqlType::DateTime,
        Value::DateTime {
            days: 2_958_463,
            ticks: 25_919_999,
        },
    );
    let guid = Value::Guid(core::array::from_fn(|i| i as u8 * 17));
    assert_round_trip(&SqlType::UniqueIdentifier, guid.clone());
    assert_round_trip(
        &SqlType::RowVersion,
        Value::Bytes(vec![0, 0, 0, 0, 0, 0, 0x12, 0x34]),
    );
    assert_round_trip(&SqlType::Binary(3), Value::Bytes(vec![0xFF, 0, 0xFF]));
    assert_round_trip(
        &SqlType::VarBinary(Some(8000)),
        Value::Bytes(vec![0xAB; 8000]),
    );
    assert_round_trip(&SqlType::VarBinary(Some(3)), Value::Bytes(vec![]));
    assert_round_trip(&SqlType::VarBinary(None), Value::Bytes(vec![]));
}

#[test]
fn strings_round_trip_with_padding_and_unicode() {
    let s = |x: &str| Value::String(x.to_string());
    assert_eq!(round_trip(&SqlType::Char(3), &s("")), s("   "));
    assert_eq!(round_trip(&SqlType::Char(3), &s("a")), s("a  "));
    assert_eq!(round_trip(&SqlType::NChar(4), &s("😀")), s("😀  "));
    assert_eq!(
        round_trip(&SqlType::Binary(3), &Value::Bytes(vec![1])),
        Value::Bytes(vec![1, 0, 0])
    );
    let cp1252 = "Ÿ€ƒ‰ éàüß\u{81}";
    assert_round_trip(&SqlType::VarChar(Some(20)), s(cp1252));
    assert_round_trip(&SqlType::VarChar(None), s(cp1252));
    assert_round_trip(&SqlType::VarChar(Some(8000)), s(&"x".repeat(8000)));
    let unicode = "Grüße 😀 日本語 \u{10FFFF} 𝄞";
    for ty in [
        SqlType::NVarChar(Some(40)),
        SqlType::NVarChar(None),
        SqlType::Xml,
    ] {
        assert_round_trip(&ty, s(unicode));
        assert_round_trip(&ty, s(""));
    }
    assert_round_trip(&SqlType::NVarChar(Some(4000)), s(&"ü".repeat(4000)));
    assert_round_trip(&SqlType::NChar(1), s("é"));
}

#[test]
fn five_megabyte_values_round_trip_in_whole_chunks() {
    let big_ascii = "0123456789".repeat(500_000);
    let big_unicode: String = "a😀é日".repeat(600_000);
    let big_bytes: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
    for (ty, value) in [
        (SqlType::VarChar(None), Value::String(big_ascii.clone())),
        (SqlType::NVarChar(None), Value::String(big_ascii)),
        (SqlType::NVarChar(None), Value::String(big_unicode.clone())),
        (SqlType::Xml, Value::String(big_unicode)),
        (SqlType::VarBinary(None), Value::Bytes(big_bytes)),
    ] {
        let bytes = encoded(&ty, &value);
        // Every chunk is within PLP_CHUNK, and UTF-16 chunks decode on their own
        // (no surrogate pair is split).
        let mut rest = &bytes[8..];
        let mut chunks = 0;
        loop {
            let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            rest = &rest[4..];
            if len == 0 {
                break;
            }
            assert!(len <= PLP_CHUNK, "{ty}: chunk of {len}");
            if matches!(ty, SqlType::NVarChar(_) | SqlType::Xml) {
                let units: Vec<u16> = rest[..len]
                    .chunks(2)
                    .map(|p| u16::from_le_bytes([p[0], p[1]]))
                    .collect();
                assert!(String::from_utf16(&units).is_ok(), "{ty}: split surrogate");
            }
            rest = &rest[len..];
            chunks += 1;
        }
        assert!(rest.is_empty());
        assert!(chunks > 100, "{ty}: {chunks} chunks");
        let total = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
        assert_eq!(total as usize, bytes.len() - 8 - 4 * (chunks + 1));
        assert_eq!(round_trip(&ty, &value), value, "{ty}");
    }
}

#[test]
fn variants_round_trip_with_their_base_type() {
    let variant = |ty: SqlType, v: Value| Value::Variant(Box::new((ty, v)));
    let cases = [
        (SqlType::Bit, Value::Bit(true)),
        (SqlType::TinyInt, Value::TinyInt(7)),
        (SqlType::SmallInt, Value::SmallInt(-7)),
        (SqlType::Int, Value::Int(i32::MIN)),
        (SqlType::BigInt, Value::BigInt(i64::MAX)),
        (SqlType::Real, Value::Real(1.5)),
        (SqlType::Float, Value::Float(-0.25)),
        (SqlType::Money, Value::Money(-12_345)),
        (SqlType::SmallMoney, Value::Money(12_345)),
        (
            SqlType::DateTime,
            Value::DateTime {
                days: 40_000,
                ticks: 7,
            },
        ),
        (
            SqlType::SmallDateTime,
            Value::SmallDateTime {
                days: 40_000,
                minutes: 7,
            },
        ),
        (
            SqlType::Decimal {
                precision: 38,
                scale: 2,
            },
            dec(-(10i128.pow(38) - 1), 2),
        ),
        (
            SqlType::Numeric {
                precision: 5,
                scale: 5,
            },
            dec(12_345, 5),
        ),
        (SqlType::Date, Value::Date(Date(730_119))),
        (SqlType::Time { scale: 3 }, Value::Time(Time(12_340_000))),
        (
            SqlType::DateTime2 { scale: 7 },
            Value::DateTime2(Date(1), Time(1)),
        ),
        (
            SqlType::DateTimeOffset { scale: 7 },
            Value::DateTimeOffset {
                date: Date(1),
                time: Time(1),
                offset_minutes: -60,
            },
        ),
        (SqlType::Char(4), Value::String("ab  ".into())),
        (SqlType::VarChar(Some(10)), Value::String("é€".into())),
        (SqlType::NChar(2), Value::String("😀".into())),
        (SqlType::NVarChar(Some(4000)), Value::String("日本".into())),
        (SqlType::Binary(2), Value::Bytes(vec![1, 2])),
        (SqlType::VarBinary(Some(8000)), Value::Bytes(vec![9; 8000])),
        (SqlType::UniqueIdentifier, Value::Guid([7; 16])),
    ];
    for (ty, value) in cases {
        let v = variant(ty, value);
        assert_eq!(round_trip(&SqlType::SqlVariant, &v), v, "{ty}");
    }
    // Plain values get the type SQL Server would give them.
    assert_eq!(
        round_trip(&SqlType::SqlVariant, &Value::String("ab".into())),
        variant(SqlType::NVarChar(Some(2)), Value::String("ab".into()))
    );
    assert_eq!(
        round_trip(&SqlType::SqlVariant, &dec(-12_345, 2)),
        variant(
            SqlType::Decimal {
                precision: 5,
                scale: 2
            },
            dec(-12_345, 2)
        )
    );
    // A variant of a NULL is a NULL variant; (max) types cannot be stored.
    assert_eq!(
        round_trip(&SqlType::SqlVariant, &variant(SqlType::Int, Value::Null)),
        Value::Null
    );
    let mut out = Vec::new();
    assert!(encode_value(
        &SqlType::SqlVariant,
        &variant(SqlType::NVarChar(None), Value::String("a".into())),
        &mut out
    )
    .is_err());
    assert!(encode_value(
        &SqlType::SqlVariant,
        &variant(SqlType::SqlVariant, variant(SqlType::Int, Value::Int(1))),
        &mut out
    )
    .is_err());
    assert!(out.is_empty());
}

#[test]
fn engine_values_are_widened_or_refused() {
    // Widening and exact conversions.
    assert_eq!(
        round_trip(&SqlType::BigInt, &Value::Int(-5)),
        Value::BigInt(-5)
    );
    assert_eq!(round_trip(&SqlType::Int, &Value::BigInt(7)), Value::Int(7));
    assert_eq!(
        round_trip(&SqlType::Float, &Value::Int(3)),
        Value::Float(3.0)
    );
    assert_eq!(round_trip(&SqlType::Bit, &Value::Int(2)), Value::Bit(true));
    assert_eq!(
        round_trip(
            &SqlType::Decimal {
                precision: 10,
                scale: 2
            },
            &Value::BigInt(5)
        ),
        dec(500, 2)
    );
    assert_eq!(
        round_trip(
            &SqlType::Decimal {
                precision: 10,
                scale: 2
            },
            &Value::Float(2.345)
        ),
        dec(235, 2)
    );
    assert_eq!(
        round_trip(&SqlType::Money, &Value::Int(2)),
        Value::Money(20_000)
    );
    assert_eq!(
        round_trip(&SqlType::SqlVariant, &Value::Int(1)),
        Value::Variant(Box::new((SqlType::Int, Value::Int(1))))
    );
    // A variant value in a typed column is its inner value.
    assert_eq!(
        round_trip(
            &SqlType::Int,
            &Value::Variant(Box::new((SqlType::Int, Value::Int(9))))
        ),
        Value::Int(9)
    );

    // Trailing blanks beyond the length are cut, as SQL Server stores them.
    let s = |x: &str| Value::String(x.to_string());
    assert_eq!(round_trip(&SqlType::Char(2), &s("ab   ")), s("ab"));
    assert_eq!(
        round_trip(&SqlType::VarChar(Some(3)), &s("a     ")),
        s("a  ")
    );
    assert_eq!(round_trip(&SqlType::NVarChar(Some(2)), &s("😀 ")), s("😀"));
    assert_eq!(round_trip(&SqlType::NChar(3), &s("é    ")), s("é  "));

    // Refusals leave `out` untouched.
    let refused = [
        (SqlType::TinyInt, Value::Int(256)),
        (SqlType::TinyInt, Value::Int(-1)),
        (SqlType::SmallInt, Value::Int(40_000)),
        (SqlType::Int, Value::BigInt(1 << 31)),
        (SqlType::Int, Value::String("1".into())),
        (SqlType::Int, Value::Float(1.5)),
        (SqlType::SmallMoney, Value::Money(1 << 31)),
        (
            SqlType::Decimal {
                precision: 3,
                scale: 0,
            },
            dec(1000, 0),
        ),
        (
            SqlType::Decimal {
                precision: 38,
                scale: 2,
            },
            Value::Float(f64::NAN),
        ),
        (SqlType::Char(2), Value::String("abc".into())),
        (SqlType::Char(2), Value::String("a b ".into())),
        (SqlType::Real, Value::Float(1e300)),
        (SqlType::VarChar(Some(2)), Value::String("abc".into())),
        (SqlType::NChar(1), Value::String("😀".into())),
        (SqlType::NVarChar(Some(1)), Value::String("ab".into())),
        (SqlType::Binary(1), Value::Bytes(vec![1, 2])),
        (SqlType::VarBinary(Some(1)), Value::Bytes(vec![1, 2])),
        (SqlType::RowVersion, Value::Bytes(vec![0; 9])),
        (
            SqlType::UniqueIdentifier,
            Value::String("not a guid".into()),
        ),
        (SqlType::Date, Value::Date(Date(MAX_DATE_DAYS + 1))),
        (SqlType::Date, Value::DateTime2(Date(1), Time(1))),
        (SqlType::Time { scale: 7 }, Value::Time(Time(TICKS_PER_DAY))),
        (
            SqlType::DateTime,
            Value::DateTime {
                days: -53_691,
                ticks: 0,
            },
        ),
        (
            SqlType::DateTime,
            Value::DateTime {
                days: 0,
                ticks: 25_920_000,
            },
        ),
        (
            SqlType::SmallDateTime,
            Value::SmallDateTime {
                days: 0,
                minutes: 1440,
            },
        ),
        (
            SqlType::SmallDateTime,
            Value::DateTime { days: -1, ticks: 0 },
        ),
        (
            SqlType::DateTimeOffset { scale: 7 },
            Value::DateTimeOffset {
                date: Date(0),
                time: Time(0),
                offset_minutes: 1,
            },
        ),
        (
            SqlType::DateTimeOffset { scale: 7 },
            Value::DateTimeOffset {
                date: Date(5),
                time: Time(0),
                offset_minutes: 900,
            },
        ),
        (SqlType::Xml, Value::Int(1)),
        (SqlType::Image, Value::String("x".into())),
    ];
    for (ty, value) in refused {
        let mut out = vec![0xAA];
        assert!(
            encode_value(&ty, &value, &mut out).is_err(),
            "{ty} accepted {value:?}"
        );
        assert_eq!(out, [0xAA], "{ty}: out changed on error");
    }
}

/// Timing check for the benchmark's hot path: `cargo test --release -p tds-protocol
/// encode_speed -- --ignored --nocapture`.
#[test]
#[ignore]
fn encode_speed() {
    let row = [
        (SqlType::Int, Value::Int(42)),
        (SqlType::BigInt, Value::BigInt(1 << 40)),
        (
            SqlType::NVarChar(Some(50)),
            Value::String("hello world".into()),
        ),
        (
            SqlType::Decimal {
                precision: 18,
                scale: 4,
            },
            dec(123_456_789, 4),
        ),
        (
            SqlType::DateTime2 { scale: 7 },
            Value::DateTime2(Date(730_119), Time(123_456_789)),
        ),
        (SqlType::Float, Value::Float(1.5)),
    ];
    let mut out = Vec::with_capacity(1 << 20);
    let n = 1_000_000;
    let start = std::time::Instant::now();
    for _ in 0..n {
        out.clear();
        for (ty, v) in &row {
            encode_value(ty, v, &mut out).expect("encodes");
        }
    }
    let per_second = (n * row.len()) as f64 / start.elapsed().as_secs_f64();
    println!("{per_second:.0} values/s");
}
