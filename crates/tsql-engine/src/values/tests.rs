use super::*;
use tds_protocol::types::Decimal;

fn store(v: &Value, ty: &SqlType) -> SqliteValue {
    to_sqlite(v, ty).unwrap_or_else(|e| panic!("{v:?} as {ty}: {e}"))
}

fn round_trip(v: Value, ty: SqlType) {
    let stored = store(&v, &ty);
    let back = from_sqlite(ValueRef::from(&stored), &ty).unwrap();
    assert_eq!(back, v, "{ty} stored as {stored:?}");
}

fn text(v: &SqliteValue) -> &str {
    match v {
        SqliteValue::Text(t) => t,
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn declarations_carry_collations() {
    assert_eq!(sqlite_decl(&SqlType::Int), "INTEGER");
    assert_eq!(
        sqlite_decl(&SqlType::NVarChar(Some(5))),
        "TEXT COLLATE MSSQL_CI_AS"
    );
    assert_eq!(
        sqlite_decl(&SqlType::Decimal {
            precision: 18,
            scale: 2
        }),
        "TEXT COLLATE MSSQL_DECIMAL"
    );
    assert_eq!(
        sqlite_decl(&SqlType::DateTimeOffset { scale: 7 }),
        "TEXT COLLATE MSSQL_DATETIMEOFFSET"
    );
    assert_eq!(
        sqlite_decl(&SqlType::UniqueIdentifier),
        "TEXT COLLATE MSSQL_GUID"
    );
    assert_eq!(sqlite_decl(&SqlType::RowVersion), "BLOB");
    assert_eq!(sqlite_decl(&SqlType::Float), "REAL");
}

#[test]
fn integers_round_trip_at_their_limits() {
    round_trip(Value::Bit(true), SqlType::Bit);
    round_trip(Value::TinyInt(255), SqlType::TinyInt);
    round_trip(Value::SmallInt(i16::MIN), SqlType::SmallInt);
    round_trip(Value::Int(i32::MAX), SqlType::Int);
    round_trip(Value::BigInt(i64::MIN), SqlType::BigInt);
    let e = to_sqlite(&Value::Int(256), &SqlType::TinyInt).unwrap_err();
    assert_eq!(e.number, 8115);
    assert_eq!(
        e.message,
        "Arithmetic overflow error converting expression to data type tinyint."
    );
    assert_eq!(
        store(&Value::Int(7), &SqlType::Bit),
        SqliteValue::Integer(1)
    );
}

#[test]
fn decimals_keep_all_38_digits() {
    let max = decimal::pow10(38) - 1;
    let ty = SqlType::Decimal {
        precision: 38,
        scale: 0,
    };
    round_trip(
        Value::Decimal(Decimal {
            mantissa: max,
            scale: 0,
        }),
        ty,
    );
    round_trip(
        Value::Decimal(Decimal {
            mantissa: -max,
            scale: 0,
        }),
        ty,
    );
    let ty = SqlType::Numeric {
        precision: 38,
        scale: 38,
    };
    round_trip(
        Value::Decimal(Decimal {
            mantissa: max,
            scale: 38,
        }),
        ty,
    );
    let ty = SqlType::Decimal {
        precision: 18,
        scale: 4,
    };
    let stored = store(&Value::Int(5), &ty);
    assert_eq!(text(&stored), "5.0000");
    let stored = store(
        &Value::Decimal(Decimal {
            mantissa: -123_456,
            scale: 5,
        }),
        &ty,
    );
    assert_eq!(text(&stored), "-1.2346");
    let stored = store(
        &Value::Decimal(Decimal {
            mantissa: -4,
            scale: 5,
        }),
        &ty,
    );
    assert_eq!(text(&stored), "0.0000", "no negative zero");
    let e = to_sqlite(
        &Value::BigInt(1_000_000_000_000_000),
        &SqlType::Decimal {
            precision: 5,
            scale: 2,
        },
    )
    .unwrap_err();
    assert_eq!(
        e.message,
        "Arithmetic overflow error converting bigint to data type numeric."
    );
}

#[test]
fn money_has_four_decimals_and_its_range() {
    round_trip(Value::Money(i64::MAX), SqlType::Money);
    round_trip(Value::Money(i64::MIN), SqlType::Money);
    round_trip(Value::Money(-2_147_483_648), SqlType::SmallMoney);
    assert_eq!(
        text(&store(&Value::Money(12_345), &SqlType::Money)),
        "1.2345"
    );
    let e = to_sqlite(&Value::Money(2_147_483_648), &SqlType::SmallMoney).unwrap_err();
    assert_eq!(e.number, 8115);
}

#[test]
fn floats_keep_their_bits_and_real_rounds() {
    for f in [0.1, -1e308, f64::MIN_POSITIVE, 123_456_789.123_456_78] {
        round_trip(Value::Float(f), SqlType::Float);
    }
    let stored = store(&Value::Float(0.1), &SqlType::Real);
    assert_eq!(stored, SqliteValue::Real(f64::from(0.1f32)));
    assert_eq!(
        from_sqlite(ValueRef::from(&stored), &SqlType::Real).unwrap(),
        Value::Real(0.1)
    );
    assert_eq!(
        to_sqlite(&Value::Float(1e300), &SqlType::Real)
            .unwrap_err()
            .number,
        8115
    );
}

#[test]
fn dates_and_times_round_trip() {
    use tds_protocol::types::{Date, Time};
    round_trip(Value::Date(Date(0)), SqlType::Date);
    round_trip(Value::Date(Date(temporal::MAX_DAYS as u32)), SqlType::Date);
    round_trip(
        Value::Time(Time(863_999_999_999)),
        SqlType::Time { scale: 7 },
    );
    round_trip(
        Value::DateTime {
            days: -53_690,
            ticks: 0,
        },
        SqlType::DateTime,
    );
    round_trip(
        Value::DateTime {
            days: 2_958_463,
            ticks: 25_919_999,
        },
        SqlType::DateTime,
    );
    for t in [1, 2, 299, 300, 12_345_678] {
        round_trip(
            Value::DateTime {
                days: 45_000,
                ticks: t,
            },
            SqlType::DateTime,
        );
    }
    round_trip(
        Value::SmallDateTime {
            days: 65_535,
            minutes: 1439,
        },
        SqlType::SmallDateTime,
    );
    round_trip(
        Value::DateTime2(Date(738_000), Time(123_456_789)),
        SqlType::DateTime2 { scale: 7 },
    );
    round_trip(
        Value::DateTimeOffset {
            date: Date(738_000),
            time: Time(1),
            offset_minutes: -840,
        },
        SqlType::DateTimeOffset { scale: 7 },
    );
    // A datetime2(3) column rounds a parameter to milliseconds.
    let stored = store(
        &Value::DateTime2(Date(738_000), Time(5_555)),
        &SqlType::DateTime2 { scale: 3 },
    );
    assert!(text(&stored).ends_with("00:00:00.0010000"), "{stored:?}");
    // A string parameter for a date column.
    let stored = store(
        &Value::String("2024-01-02T03:04:05".into()),
        &SqlType::DateTime,
    );
    assert_eq!(text(&stored), "2024-01-02 03:04:05.0000000");
}

#[test]
fn strings_pad_map_and_refuse_truncation() {
    round_trip(Value::String("héllo 日本".into()), SqlType::NVarChar(None));
    assert_eq!(
        text(&store(&Value::String("ab".into()), &SqlType::Char(4))),
        "ab  "
    );
    assert_eq!(
        text(&store(
            &Value::String("日本é".into()),
            &SqlType::VarChar(Some(10))
        )),
        "??é"
    );
    assert_eq!(
        text(&store(
            &Value::String("abc   ".into()),
            &SqlType::VarChar(Some(3))
        )),
        "abc"
    );
    let e = convert::from_value(
        &Value::String("abcd".into()),
        &SqlType::VarChar(Some(3)),
        "db.dbo.t",
        "c",
    )
    .unwrap_err();
    assert_eq!(e.number, 2628);
    assert_eq!(
        e.message,
        "String or binary data would be truncated in table 'db.dbo.t', column 'c'. Truncated value: 'abc'."
    );
    // nvarchar counts UTF-16 code units.
    assert!(to_sqlite(&Value::String("😀".into()), &SqlType::NVarChar(Some(1))).is_err());
}

#[test]
fn binary_guid_and_variant() {
    round_trip(Value::Bytes(vec![1, 2, 3]), SqlType::VarBinary(Some(3)));
    assert_eq!(
        store(&Value::Bytes(vec![1]), &SqlType::Binary(3)),
        SqliteValue::Blob(vec![1, 0, 0])
    );
    assert_eq!(
        to_sqlite(&Value::Bytes(vec![1, 2]), &SqlType::Binary(1))
            .unwrap_err()
            .number,
        2628
    );
    let g = *b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xAA\xBB\xCC\xDD\xEE\xFF";
    round_trip(Value::Guid(g), SqlType::UniqueIdentifier);
    assert_eq!(
        text(&store(&Value::Guid(g), &SqlType::UniqueIdentifier)),
        "00112233-4455-6677-8899-AABBCCDDEEFF"
    );
    let stored = store(
        &Value::String("{00112233-4455-6677-8899-aabbccddeeff}".into()),
        &SqlType::UniqueIdentifier,
    );
    assert_eq!(
        from_sqlite(ValueRef::from(&stored), &SqlType::UniqueIdentifier).unwrap(),
        Value::Guid(g)
    );
    let e = to_sqlite(&Value::String("nope".into()), &SqlType::UniqueIdentifier).unwrap_err();
    assert_eq!(e.number, 8169);
    round_trip(
        Value::Variant(Box::new((SqlType::Int, Value::Int(5)))),
        SqlType::SqlVariant,
    );
    let dec = Value::Decimal(Decimal {
        mantissa: 150,
        scale: 2,
    });
    let stored = store(&dec, &SqlType::SqlVariant);
    assert_eq!(text(&stored), "numeric(3,2)|1.50");
    match from_sqlite(ValueRef::from(&stored), &SqlType::SqlVariant).unwrap() {
        Value::Variant(b) => assert_eq!(b.1, dec),
        other => panic!("{other:?}"),
    }
}

#[test]
fn reads_non_canonical_cells_exactly() {
    let ty = SqlType::Decimal {
        precision: 38,
        scale: 2,
    };
    // SUM() of a decimal column gives a REAL, COUNT an INTEGER.
    assert_eq!(
        from_sqlite(ValueRef::Real(12.345), &ty).unwrap(),
        Value::Decimal(Decimal {
            mantissa: 1235,
            scale: 2
        })
    );
    assert_eq!(
        from_sqlite(ValueRef::Integer(3), &ty).unwrap(),
        Value::Decimal(Decimal {
            mantissa: 300,
            scale: 2
        })
    );
    assert_eq!(
        from_sqlite(ValueRef::Text(b"7"), &SqlType::Int).unwrap(),
        Value::Int(7)
    );
    assert_eq!(
        from_sqlite(ValueRef::Real(7.9), &SqlType::Int).unwrap(),
        Value::Int(7)
    );
    assert_eq!(
        from_sqlite(ValueRef::Text(b"2024-01-02"), &SqlType::DateTime).unwrap(),
        Value::DateTime {
            days: 45_291,
            ticks: 0
        }
    );
    assert_eq!(
        from_sqlite(ValueRef::Integer(42), &SqlType::NVarChar(None)).unwrap(),
        Value::String("42".into())
    );
    assert_eq!(
        from_sqlite(ValueRef::Text(b"3.99"), &SqlType::Int).unwrap(),
        Value::Int(3)
    );
    assert_eq!(
        from_sqlite(ValueRef::Real(0.1 + 0.2), &SqlType::NVarChar(Some(10))).unwrap(),
        Value::String("0.30000000000000004".into())
    );
    assert_eq!(
        from_sqlite(ValueRef::Text(b"2.50"), &SqlType::Float).unwrap(),
        Value::Float(2.5)
    );
    assert_eq!(
        from_sqlite(ValueRef::Text(b"abc"), &SqlType::Int)
            .unwrap_err()
            .number,
        245
    );
}

/// Prints the scan throughput of from_sqlite (not asserted: machines differ).
#[test]
fn from_sqlite_throughput() {
    let cells: Vec<(SqliteValue, SqlType)> = vec![
        (SqliteValue::Integer(123_456), SqlType::Int),
        (
            SqliteValue::Text("12345.67".into()),
            SqlType::Decimal {
                precision: 18,
                scale: 2,
            },
        ),
        (
            SqliteValue::Text("2024-01-02 03:04:05.1234567".into()),
            SqlType::DateTime2 { scale: 7 },
        ),
        (
            SqliteValue::Text("customer name".into()),
            SqlType::NVarChar(Some(50)),
        ),
        (SqliteValue::Real(1.5), SqlType::Float),
    ];
    let rows = 200_000;
    let start = std::time::Instant::now();
    let mut nulls = 0;
    for _ in 0..rows {
        for (v, ty) in &cells {
            if from_sqlite(ValueRef::from(v), ty).unwrap().is_null() {
                nulls += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(nulls, 0);
    println!("from_sqlite: {:.0} rows/s of 5 columns", rows as f64 / secs);
}
