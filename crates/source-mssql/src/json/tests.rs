use super::*;
use serde_json::{json, Value};
use std::borrow::Cow;
use tiberius::numeric::Numeric;
use tiberius::time::{Date, DateTime, DateTime2, DateTimeOffset, SmallDateTime, Time};
use tiberius::xml::XmlData;

/// The value's JSON text; also checks it parses as JSON.
fn json_text(value: ColumnData<'_>) -> String {
    let mut out = Vec::new();
    push_value(&mut out, &value);
    let text = String::from_utf8(out).expect("utf-8");
    serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    text
}

/// 2024-03-09 as days since 0001-01-01.
const MARCH_9_2024: u32 = 738_953;

#[test]
fn integers_are_exact() {
    assert_eq!(json_text(ColumnData::U8(Some(255))), "255");
    assert_eq!(json_text(ColumnData::I16(Some(-32768))), "-32768");
    assert_eq!(json_text(ColumnData::I32(Some(i32::MIN))), "-2147483648");
    assert_eq!(
        json_text(ColumnData::I64(Some(i64::MAX))),
        "9223372036854775807"
    );
    assert_eq!(
        json_text(ColumnData::I64(Some(i64::MIN))),
        "-9223372036854775808"
    );
}

#[test]
fn floats_are_shortest_round_trip() {
    assert_eq!(json_text(ColumnData::F32(Some(0.1))), "0.1");
    assert_eq!(json_text(ColumnData::F32(Some(123456.7))), "123456.7");
    assert_eq!(json_text(ColumnData::F64(Some(0.1))), "0.1");
    assert_eq!(json_text(ColumnData::F64(Some(-2.5))), "-2.5");
    assert_eq!(json_text(ColumnData::F64(Some(1.0))), "1.0");
    for x in [
        1e300,
        5e-324,
        1.7976931348623157e308,
        0.30000000000000004,
        -0.0,
    ] {
        let text = json_text(ColumnData::F64(Some(x)));
        let back: f64 = serde_json::from_str(&text).unwrap();
        assert_eq!(back.to_bits(), x.to_bits(), "{text}");
    }
    let back: f32 = serde_json::from_str(&json_text(ColumnData::F32(Some(3.4028235e38)))).unwrap();
    assert_eq!(back, 3.4028235e38);
}

#[test]
fn non_finite_floats_cannot_break_the_line() {
    assert_eq!(json_text(ColumnData::F64(Some(f64::NAN))), "null");
    assert_eq!(json_text(ColumnData::F32(Some(f32::INFINITY))), "null");
}

#[test]
fn decimals_keep_every_digit() {
    let n = |v, s| ColumnData::Numeric(Some(Numeric::new_with_scale(v, s)));
    assert_eq!(
        json_text(n(12345678901234567890123456789012345678, 4)),
        "1234567890123456789012345678901234.5678"
    );
    assert_eq!(
        json_text(n(-9223372036854775808, 4)),
        "-922337203685477.5808"
    );
    assert_eq!(json_text(n(10, 2)), "0.10");
    // Exactness survives serde_json's arbitrary-precision-less parse only as
    // text, so compare the text: no float ever touches it.
}

#[test]
fn booleans() {
    assert_eq!(json_text(ColumnData::Bit(Some(true))), "true");
    assert_eq!(json_text(ColumnData::Bit(Some(false))), "false");
}

#[test]
fn strings_are_escaped() {
    let cases = [
        ("plain", r#""plain""#),
        ("a\"b\\c", r#""a\"b\\c""#),
        ("line\nfeed\r\ttab", r#""line\nfeed\r\ttab""#),
        ("\u{0}\u{1}\u{8}\u{c}\u{1f}", r#""\u0000\u0001\b\f\u001f""#),
        // DEL needs no escape in JSON.
        ("\u{7f}", "\"\u{7f}\""),
        ("héllo ✓ 😀", "\"héllo ✓ 😀\""),
        ("padded    ", r#""padded    ""#),
        ("</script>", r#""</script>""#),
    ];
    for (input, expected) in cases {
        let got = json_text(ColumnData::String(Some(Cow::Borrowed(input))));
        assert_eq!(got, expected, "{input:?}");
        let back: String = serde_json::from_str(&got).unwrap();
        assert_eq!(back, input);
    }
}

#[test]
fn xml_is_a_string() {
    let xml = XmlData::new("<a x=\"1\">&amp;</a>");
    assert_eq!(
        json_text(ColumnData::Xml(Some(Cow::Owned(xml)))),
        r#""<a x=\"1\">&amp;</a>""#
    );
}

#[test]
fn guid_matches_sql_server_text() {
    // SQL Server sends 6F9619FF-8B86-D011-B42D-00C04FC964FF with its first
    // three groups little-endian; tiberius swaps them back before building
    // the Uuid (tds/codec/guid.rs), as done here.
    let mut bytes = [
        0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64,
        0xFF,
    ];
    bytes.swap(0, 3);
    bytes.swap(1, 2);
    bytes.swap(4, 5);
    bytes.swap(6, 7);
    let guid = tiberius::Uuid::from_bytes(bytes);
    assert_eq!(
        json_text(ColumnData::Guid(Some(guid))),
        r#""6F9619FF-8B86-D011-B42D-00C04FC964FF""#
    );
}

#[test]
fn binary_is_base64() {
    let b = |bytes: &'static [u8]| ColumnData::Binary(Some(Cow::Borrowed(bytes)));
    assert_eq!(json_text(b(b"")), r#""""#);
    assert_eq!(json_text(b(b"\x00\xff")), r#""AP8=""#);
    assert_eq!(json_text(b(b"hello")), r#""aGVsbG8=""#);
    // A rowversion: 8 bytes.
    assert_eq!(
        json_text(b(&[0, 0, 0, 0, 0, 0, 0x07, 0xD1])),
        r#""AAAAAAAAB9E=""#
    );
}

#[test]
fn temporal_values() {
    let date = Date::new(MARCH_9_2024);
    let noon = 12 * 3600;
    assert_eq!(json_text(ColumnData::Date(Some(date))), r#""2024-03-09""#);
    assert_eq!(
        json_text(ColumnData::Time(Some(Time::new(noon * 10_000_000 + 1, 7)))),
        r#""12:00:00.0000001""#
    );
    let dt2 = DateTime2::new(date, Time::new(noon * 1000 + 123, 3));
    assert_eq!(
        json_text(ColumnData::DateTime2(Some(dt2))),
        r#""2024-03-09T12:00:00.123""#
    );
    let days_since_1900 = (MARCH_9_2024 - 693_595) as i32;
    assert_eq!(
        json_text(ColumnData::DateTime(Some(DateTime::new(
            days_since_1900,
            noon as u32 * 300 + 2
        )))),
        r#""2024-03-09T12:00:00.007""#
    );
    assert_eq!(
        json_text(ColumnData::SmallDateTime(Some(SmallDateTime::new(
            days_since_1900 as u16,
            61
        )))),
        r#""2024-03-09T01:01:00""#
    );
    let dto = DateTimeOffset::new(DateTime2::new(date, Time::new(noon, 0)), 60);
    assert_eq!(
        json_text(ColumnData::DateTimeOffset(Some(dto))),
        r#""2024-03-09T13:00:00+01:00""#
    );
}

#[test]
fn nulls_of_every_type() {
    let nulls = [
        ColumnData::U8(None),
        ColumnData::I16(None),
        ColumnData::I32(None),
        ColumnData::I64(None),
        ColumnData::F32(None),
        ColumnData::F64(None),
        ColumnData::Bit(None),
        ColumnData::String(None),
        ColumnData::Guid(None),
        ColumnData::Binary(None),
        ColumnData::Numeric(None),
        ColumnData::Xml(None),
        ColumnData::DateTime(None),
        ColumnData::SmallDateTime(None),
        ColumnData::Time(None),
        ColumnData::Date(None),
        ColumnData::DateTime2(None),
        ColumnData::DateTimeOffset(None),
    ];
    for value in nulls {
        assert_eq!(json_text(value.clone()), "null", "{value:?}");
    }
}

fn users() -> StreamDescriptor {
    StreamDescriptor {
        name: "users".into(),
        namespace: Some("dbo".into()),
    }
}

#[test]
fn record_line() {
    let writer = RecordWriter::new(&users(), &["id", "name", "note \"x\"", "deleted_at"]);
    let row = [
        ColumnData::I32(Some(7)),
        ColumnData::String(Some("Zoë".into())),
        ColumnData::Bit(Some(true)),
        ColumnData::DateTime2(None),
    ];
    let mut out = Vec::new();
    writer.write(&mut out, 1_700_000_000_123, &row).unwrap();
    writer.write(&mut out, 1_700_000_000_124, &row).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        r#"{"type":"RECORD","record":{"stream":"users","namespace":"dbo","emitted_at":1700000000123,"data":{"id":7,"name":"Zoë","note \"x\"":true,"deleted_at":null}}}"#
    );
    let parsed: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(
        parsed,
        json!({"type": "RECORD", "record": {"stream": "users", "namespace": "dbo",
               "emitted_at": 1_700_000_000_124_i64,
               "data": {"id": 7, "name": "Zoë", "note \"x\"": true, "deleted_at": null}}})
    );
    let message: crate::protocol::airbyte::Message = serde_json::from_str(lines[0]).unwrap();
    assert!(matches!(
        message,
        crate::protocol::airbyte::Message::Record { .. }
    ));
}

#[test]
fn record_without_namespace() {
    let stream = StreamDescriptor {
        name: "t".into(),
        namespace: None,
    };
    let mut out = Vec::new();
    RecordWriter::new(&stream, &["a"])
        .write(&mut out, 1, &[ColumnData::U8(Some(1))])
        .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"type\":\"RECORD\",\"record\":{\"stream\":\"t\",\"emitted_at\":1,\"data\":{\"a\":1}}}\n"
    );
}

#[test]
fn singer_record_line() {
    let header = br#"{"type":"RECORD","stream":"dbo-t","version":5,"record":"#.to_vec();
    let writer = RecordWriter::singer(header, &["a", "b"]);
    let mut out = Vec::new();
    let row = [ColumnData::U8(Some(1)), ColumnData::String(None)];
    writer.write(&mut out, 1, &row).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"type\":\"RECORD\",\"stream\":\"dbo-t\",\"version\":5,\"record\":{\"a\":1,\"b\":null}}\n"
    );
}

#[test]
fn wrong_value_count_is_an_error_and_writes_nothing() {
    let writer = RecordWriter::new(&users(), &["a", "b"]);
    let mut out = b"previous\n".to_vec();
    assert!(writer
        .write(&mut out, 1, &[ColumnData::U8(Some(1))])
        .is_err());
    let three = [
        ColumnData::U8(None),
        ColumnData::U8(None),
        ColumnData::U8(None),
    ];
    assert!(writer.write(&mut out, 1, &three).is_err());
    assert_eq!(out, b"previous\n");
}

#[test]
fn value_text_for_cursors() {
    assert_eq!(
        value_text(&ColumnData::I64(Some(42))).as_deref(),
        Some("42")
    );
    assert_eq!(
        value_text(&ColumnData::Date(Some(Date::new(MARCH_9_2024)))).as_deref(),
        Some("2024-03-09")
    );
    assert_eq!(
        value_text(&ColumnData::String(Some("a\"b".into()))).as_deref(),
        Some("a\"b")
    );
    assert_eq!(value_text(&ColumnData::I64(None)), None);
}

/// The hot path's speed: `cargo test --release -p source-mssql -- --ignored
/// record_throughput --nocapture`. The aim is well over a million rows a
/// second for a typical ten-column row, leaving time for the driver.
#[test]
#[ignore]
fn record_throughput() {
    let columns = [
        "id",
        "name",
        "email",
        "created_at",
        "amount",
        "active",
        "score",
        "note",
        "guid",
        "day",
    ];
    let writer = RecordWriter::new(&users(), &columns);
    let date = Date::new(MARCH_9_2024);
    let rows: Vec<Vec<ColumnData<'static>>> = (0..1000)
        .map(|i| {
            vec![
                ColumnData::I64(Some(i)),
                ColumnData::String(Some(format!("user number {i}").into())),
                ColumnData::String(Some(format!("user{i}@example.com").into())),
                ColumnData::DateTime2(Some(DateTime2::new(
                    date,
                    Time::new(i as u64 * 1_234_567, 7),
                ))),
                ColumnData::Numeric(Some(Numeric::new_with_scale(i as i128 * 12_345, 2))),
                ColumnData::Bit(Some(i % 2 == 0)),
                ColumnData::F64(Some(i as f64 / 7.0)),
                ColumnData::String(None),
                ColumnData::Guid(Some(tiberius::Uuid::from_u128(
                    i as u128 * 0x1234_5678_9abc,
                ))),
                ColumnData::Date(Some(date)),
            ]
        })
        .collect();
    let mut out = Vec::with_capacity(1 << 20);
    let total = 2_000_000;
    let start = std::time::Instant::now();
    let mut bytes = 0;
    for n in 0..total / rows.len() {
        for row in &rows {
            writer
                .write(&mut out, 1_700_000_000_000 + n as i64, row)
                .unwrap();
        }
        bytes += out.len();
        out.clear();
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{:.0} rows/s, {:.0} MB/s",
        total as f64 / seconds,
        bytes as f64 / seconds / 1e6
    );
}

#[test]
fn owned_values_are_accepted_too() {
    let writer = RecordWriter::new(&users(), &["a", "b"]);
    let row = vec![
        ColumnData::U8(Some(1)),
        ColumnData::String(Some("x".into())),
    ];
    let (mut by_ref, mut owned) = (Vec::new(), Vec::new());
    writer.write(&mut by_ref, 5, row.iter()).unwrap();
    writer.write(&mut owned, 5, row).unwrap();
    assert_eq!(by_ref, owned);
}
