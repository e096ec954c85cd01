use super::*;

fn cast_text(s: &str, ty: &str, style: i32) -> Result<SqliteValue, SqlError> {
    let ty = crate::typename::parse_cast(ty).unwrap();
    cast(ValueRef::Text(s.as_bytes()), &ty, style)
}

fn t(v: SqliteValue) -> String {
    match v {
        SqliteValue::Text(s) => s,
        other => panic!("not text: {other:?}"),
    }
}

fn err(r: Result<SqliteValue, SqlError>) -> (i32, String) {
    let e = r.unwrap_err();
    (e.number, e.message)
}

#[test]
fn strings_to_integers() {
    assert_eq!(
        cast_text(" 42 ", "int", 0).unwrap(),
        SqliteValue::Integer(42)
    );
    assert_eq!(
        cast_text("-0042", "bigint", 0).unwrap(),
        SqliteValue::Integer(-42)
    );
    assert_eq!(cast_text("", "int", 0).unwrap(), SqliteValue::Integer(0));
    assert_eq!(
        err(cast_text("abc", "int", 0)),
        (
            245,
            "Conversion failed when converting the varchar value 'abc' to data type int.".into()
        )
    );
    assert_eq!(err(cast_text("1.5", "int", 0)).0, 245);
    assert_eq!(
        err(cast_text("99999999999", "int", 0)),
        (
            248,
            "The conversion of the varchar value '99999999999' overflowed an int column.".into()
        )
    );
    assert_eq!(err(cast_text("300", "tinyint", 0)).0, 244);
    assert_eq!(
        cast_text("TRUE", "bit", 0).unwrap(),
        SqliteValue::Integer(1)
    );
    assert_eq!(
        cast_text("false", "bit", 0).unwrap(),
        SqliteValue::Integer(0)
    );
    assert_eq!(cast_text("7", "bit", 0).unwrap(), SqliteValue::Integer(1));
    assert_eq!(err(cast_text("yes", "bit", 0)).0, 245);
    let n = Value::String("x".into());
    let e = from_value(&n, &SqlType::Int, "", "").unwrap_err();
    assert_eq!(
        e.message,
        "Conversion failed when converting the nvarchar value 'x' to data type int."
    );
}

#[test]
fn numbers_to_integers_truncate_or_round() {
    let int = SqlType::Int;
    assert_eq!(
        cast(ValueRef::Real(-2.9), &int, 0).unwrap(),
        SqliteValue::Integer(-2)
    );
    let dec = Value::Decimal(tds_protocol::types::Decimal {
        mantissa: 299,
        scale: 2,
    });
    assert_eq!(
        from_value(&dec, &int, "", "").unwrap(),
        SqliteValue::Integer(2)
    );
    assert_eq!(
        from_value(&Value::Money(25_000), &int, "", "").unwrap(),
        SqliteValue::Integer(3)
    );
    assert_eq!(
        err(cast(ValueRef::Integer(1 << 40), &int, 0)),
        (
            8115,
            "Arithmetic overflow error converting expression to data type int.".into()
        )
    );
}

#[test]
fn strings_to_decimal_and_money() {
    assert_eq!(
        t(cast_text(" 12.345 ", "decimal(10,2)", 0).unwrap()),
        "12.35"
    );
    assert_eq!(
        t(cast_text("-12.345", "decimal(10,2)", 0).unwrap()),
        "-12.35"
    );
    assert_eq!(t(cast_text("5", "numeric(5,3)", 0).unwrap()), "5.000");
    assert_eq!(
        err(cast_text("abc", "decimal(10,2)", 0)),
        (
            8114,
            "Error converting data type varchar to numeric.".into()
        )
    );
    assert_eq!(err(cast_text("1e5", "decimal(10,2)", 0)).0, 8114);
    assert_eq!(
        err(cast_text("1234", "decimal(5,2)", 0)),
        (
            8115,
            "Arithmetic overflow error converting varchar to data type numeric.".into()
        )
    );
    assert_eq!(
        err(cast(
            ValueRef::Real(1e10),
            &SqlType::Decimal {
                precision: 5,
                scale: 0
            },
            0
        )),
        (
            8115,
            "Arithmetic overflow error converting float to data type numeric.".into()
        )
    );
    assert_eq!(t(cast_text("$1,234.56", "money", 0).unwrap()), "1234.5600");
    assert_eq!(err(cast_text("12x", "money", 0)).0, 235);
    assert_eq!(err(cast_text("922337203685478", "money", 0)).0, 8115);
    assert_eq!(
        t(cast(
            ValueRef::Real(0.1),
            &SqlType::Decimal {
                precision: 38,
                scale: 20
            },
            0
        )
        .unwrap()),
        "0.10000000000000000555"
    );
}

#[test]
fn strings_to_float() {
    let f = SqlType::Float;
    assert_eq!(
        cast_text("1e5", "float", 0).unwrap(),
        SqliteValue::Real(1e5)
    );
    assert_eq!(
        cast_text(" -.5 ", "float", 0).unwrap(),
        SqliteValue::Real(-0.5)
    );
    assert_eq!(
        err(cast_text("inf", "float", 0)),
        (8114, "Error converting data type varchar to float.".into())
    );
    assert_eq!(err(cast_text("1e400", "float", 0)).0, 8115);
    assert_eq!(
        cast(ValueRef::Integer(3), &f, 0).unwrap(),
        SqliteValue::Real(3.0)
    );
    let r = cast_text("0.1", "real", 0).unwrap();
    assert_eq!(r, SqliteValue::Real(f64::from(0.1f32)));
}

#[test]
fn values_to_strings_with_styles() {
    let dt = cast_text("2024-01-05 13:04:05.123", "datetime", 0).unwrap();
    let stored = match &dt {
        SqliteValue::Text(s) => s.clone(),
        _ => unreachable!(),
    };
    let conv = |style| {
        t(cast_typed(
            ValueRef::Text(stored.as_bytes()),
            &SqlType::DateTime,
            &SqlType::VarChar(Some(30)),
            style,
        )
        .unwrap())
    };
    assert_eq!(conv(0), "Jan  5 2024  1:04PM");
    assert_eq!(conv(103), "05/01/2024");
    assert_eq!(conv(121), "2024-01-05 13:04:05.123");
    assert_eq!(
        t(cast(ValueRef::Real(1234567.0), &SqlType::VarChar(Some(30)), 0).unwrap()),
        "1.23457e+006"
    );
    assert_eq!(
        t(cast(ValueRef::Integer(12345), &SqlType::VarChar(Some(3)), 0).unwrap()),
        "*"
    );
    assert_eq!(
        err(cast(
            ValueRef::Integer(12345),
            &SqlType::NVarChar(Some(3)),
            0
        )),
        (
            8115,
            "Arithmetic overflow error converting expression to data type nvarchar.".into()
        )
    );
    assert_eq!(t(cast_text("abcdef", "varchar(3)", 0).unwrap()), "abc");
    assert_eq!(t(cast_text("ab", "char(4)", 0).unwrap()), "ab  ");
    assert_eq!(
        t(cast(ValueRef::Blob(&[0xAB, 1]), &SqlType::VarChar(Some(30)), 1).unwrap()),
        "0xAB01"
    );
    assert_eq!(
        t(cast(ValueRef::Blob(&[0xAB, 1]), &SqlType::VarChar(Some(30)), 2).unwrap()),
        "AB01"
    );
    assert_eq!(t(cast_text("€ 日", "varchar(10)", 0).unwrap()), "€ ?");
}

#[test]
fn implicit_truncation_is_an_error_but_trailing_blanks_are_dropped() {
    let ty = SqlType::NVarChar(Some(3));
    assert_eq!(
        t(implicit_in(ValueRef::Text(b"abc   "), &ty, "t", "c").unwrap()),
        "abc"
    );
    let (n, m) = err(implicit_in(
        ValueRef::Text(b"abcd"),
        &ty,
        "master.dbo.t",
        "c",
    ));
    assert_eq!(n, 2628);
    assert_eq!(m, "String or binary data would be truncated in table 'master.dbo.t', column 'c'. Truncated value: 'abc'.");
}

#[test]
fn binary_conversions() {
    let vb = SqlType::VarBinary(Some(10));
    assert_eq!(
        cast_text("0x0aFF", "varbinary(10)", 1).unwrap(),
        SqliteValue::Blob(vec![10, 255])
    );
    assert_eq!(
        cast_text("0aFF", "varbinary(10)", 2).unwrap(),
        SqliteValue::Blob(vec![10, 255])
    );
    assert_eq!(
        cast_text("AB", "varbinary(10)", 0).unwrap(),
        SqliteValue::Blob(vec![0x41, 0x42])
    );
    assert_eq!(err(cast_text("0xZZ", "varbinary(10)", 1)).0, 8114);
    assert_eq!(
        cast(ValueRef::Integer(1), &vb, 0).unwrap(),
        SqliteValue::Blob(vec![0, 0, 0, 1])
    );
    assert_eq!(
        cast(ValueRef::Integer(258), &SqlType::Binary(2), 0).unwrap(),
        SqliteValue::Blob(vec![1, 2])
    );
    assert_eq!(
        cast(ValueRef::Integer(1), &SqlType::Binary(6), 0).unwrap(),
        SqliteValue::Blob(vec![0, 0, 0, 0, 0, 1])
    );
    assert_eq!(err(implicit(ValueRef::Text(b"ab"), &vb)).0, 257);
    assert_eq!(
        cast(ValueRef::Blob(&[0, 0, 1, 0]), &SqlType::Int, 0).unwrap(),
        SqliteValue::Integer(256)
    );
}

#[test]
fn guid_conversions() {
    let g = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
    assert_eq!(
        t(cast_text(&g.to_lowercase(), "uniqueidentifier", 0).unwrap()),
        g
    );
    assert_eq!(
        t(cast_text(&format!("{g}xyz"), "uniqueidentifier", 0).unwrap()),
        g
    );
    assert_eq!(
        err(cast_text("6F9619FF-8B86", "uniqueidentifier", 0)),
        (
            8169,
            "Conversion failed when converting from a character string to uniqueidentifier.".into()
        )
    );
    let bin = cast_text(g, "uniqueidentifier", 0).and_then(|v| {
        let s = t(v);
        cast_typed(
            ValueRef::Text(s.as_bytes()),
            &SqlType::UniqueIdentifier,
            &SqlType::Binary(16),
            0,
        )
    });
    match bin.unwrap() {
        SqliteValue::Blob(b) => assert_eq!(&b[..4], &[0xFF, 0x19, 0x96, 0x6F]),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err(cast(ValueRef::Integer(1), &SqlType::UniqueIdentifier, 0)).0,
        529
    );
}

/// Odd input never panics: every conversion either succeeds or returns a SQL Server error.
#[test]
fn never_panics_on_odd_input() {
    let inputs: Vec<ValueRef<'_>> = vec![
        ValueRef::Text(b""),
        ValueRef::Text(b" "),
        ValueRef::Text(b"-"),
        ValueRef::Text(b"."),
        ValueRef::Text(b"+."),
        ValueRef::Text(b"1e"),
        ValueRef::Text(b"99999999999999999999999999999999999999999999"),
        ValueRef::Text(b"-0.000000000000000000000000000000000000000001"),
        ValueRef::Text(b"2024-01-01T"),
        ValueRef::Text(b"2024-99999999999-01"),
        ValueRef::Text(b"12:"),
        ValueRef::Text(b"1/"),
        ValueRef::Text(b"Jan"),
        ValueRef::Text(b"\xff\xfe"),
        ValueRef::Text("日本".as_bytes()),
        ValueRef::Text(b"{}"),
        ValueRef::Integer(i64::MIN),
        ValueRef::Integer(i64::MAX),
        ValueRef::Real(f64::NAN),
        ValueRef::Real(f64::INFINITY),
        ValueRef::Real(-1e308),
        ValueRef::Blob(&[]),
        ValueRef::Blob(&[0xFF; 17]),
    ];
    let types = [
        "bit",
        "tinyint",
        "smallint",
        "int",
        "bigint",
        "decimal(38,38)",
        "decimal(1,0)",
        "money",
        "smallmoney",
        "real",
        "float",
        "date",
        "time(0)",
        "smalldatetime",
        "datetime",
        "datetime2(3)",
        "datetimeoffset(7)",
        "char(1)",
        "varchar(2)",
        "nchar(1)",
        "nvarchar(max)",
        "text",
        "binary(1)",
        "varbinary(max)",
        "uniqueidentifier",
        "xml",
        "rowversion",
        "sql_variant",
    ];
    for ty in types {
        let ty = crate::typename::parse(ty).unwrap();
        for v in &inputs {
            for style in [0, 1, 2, 3, 101, 103, 112, 121, 126, 999] {
                let _ = cast(*v, &ty, style);
            }
            let _ = implicit(*v, &ty);
            if let Ok(stored) = implicit(*v, &ty) {
                // What was stored reads back.
                crate::values::from_sqlite(ValueRef::from(&stored), &ty)
                    .unwrap_or_else(|e| panic!("{v:?} as {ty} stored {stored:?}: {e}"));
            }
        }
    }
}
