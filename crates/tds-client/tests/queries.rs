//! Requests and their responses against the emulator: every type read back as owned and as
//! borrowed values, results larger than a packet and values larger than a PLP chunk,
//! sp_executesql with typed and OUTPUT parameters, errors that leave the session usable,
//! INFO messages, transactions, and cancelling a result half-read.

mod common;

use common::{client, config, start};
use tds_client::{
    Column, Encryption, Error, Event, Param, RowRef, RowVisitor, SqlType, Value, ValueRef,
};
use tds_protocol::types::{Date, Decimal, Time};

const TYPES_TABLE: &str = "
CREATE TABLE dbo.types (
  id int NOT NULL PRIMARY KEY, b bit, t tinyint, s smallint, i int, g bigint,
  d decimal(38,10), m money, sm smallmoney, r real, f float,
  dt date, tm time(3), sdt smalldatetime, dtt datetime, dt2 datetime2(7), dto datetimeoffset(2),
  c char(5), vc varchar(20), nc nchar(3), nvc nvarchar(50), nmax nvarchar(max), tx text, ntx ntext,
  bin binary(3), vb varbinary(10), vbmax varbinary(max), u uniqueidentifier, x xml);
INSERT INTO dbo.types VALUES (1, 1, 255, -32768, -2147483648, 9223372036854775807,
  -1234567890.0123456789, 922337203685477.5807, -214748.3648, 1.5, -2.25,
  '2024-02-29', '13:14:15.123', '2079-06-06 23:59', '1753-01-01 00:00:00.003',
  '9999-12-31 23:59:59.9999999', '2024-01-01 00:30:00.12 +05:30',
  'ab', 'Café', N'ü', N'Zürich 😀', N'max', 'text é', N'ntext ü',
  0x010203, 0xCAFE, 0xBEEF, '6F9619FF-8B86-D011-B42D-00C04FC964FF', N'<a>1</a>');
INSERT INTO dbo.types (id) VALUES (2);
";

fn guid() -> [u8; 16] {
    [
        0x6F, 0x96, 0x19, 0xFF, 0x8B, 0x86, 0xD0, 0x11, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64,
        0xFF,
    ]
}

#[tokio::test]
async fn every_type_reads_back_exactly() {
    let server = start(TYPES_TABLE);
    let mut client = client(&server, &config(Encryption::Off)).await;
    let rows = client
        .batch("SELECT * FROM dbo.types ORDER BY id")
        .await
        .unwrap()
        .rows()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let row = &rows[0];
    let expected = vec![
        Value::Int(1),
        Value::Bit(true),
        Value::TinyInt(255),
        Value::SmallInt(-32768),
        Value::Int(i32::MIN),
        Value::BigInt(i64::MAX),
        Value::Decimal(Decimal {
            mantissa: -12_345_678_900_123_456_789,
            scale: 10,
        }),
        Value::Money(i64::MAX),
        Value::Money(-2_147_483_648),
        Value::Real(1.5),
        Value::Float(-2.25),
        Value::Date(Date(738_944)),
        Value::Time(Time(476_551_230_000)),
        Value::SmallDateTime {
            days: 65_535,
            minutes: 1439,
        },
        Value::DateTime {
            days: -53_690,
            ticks: 1,
        },
        Value::DateTime2(Date(3_652_058), Time(863_999_999_999)),
        Value::DateTimeOffset {
            date: Date(738_885),
            time: Time(18_001_200_000),
            offset_minutes: 330,
        },
        Value::String("ab   ".into()),
        Value::String("Café".into()),
        Value::String("ü  ".into()),
        Value::String("Zürich 😀".into()),
        Value::String("max".into()),
        Value::String("text é".into()),
        Value::String("ntext ü".into()),
        Value::Bytes(vec![1, 2, 3]),
        Value::Bytes(vec![0xCA, 0xFE]),
        Value::Bytes(vec![0xBE, 0xEF]),
        Value::Guid(guid()),
        Value::String("<a>1</a>".into()),
    ];
    assert_eq!(row, &expected);
    assert!(rows[1][1..].iter().all(Value::is_null), "{:?}", rows[1]);
}

/// Checks borrowed values: the wire's own forms, no decoding into owned types.
struct Borrowed {
    rows: usize,
}

impl RowVisitor for Borrowed {
    type Error = Error;

    fn columns(&mut self, columns: &[Column]) -> Result<(), Error> {
        assert_eq!(columns.len(), 29);
        assert_eq!(columns[0].name, "id");
        assert!(!columns[0].nullable());
        assert_eq!(
            columns[6].ty(),
            SqlType::Decimal {
                precision: 38,
                scale: 10
            }
        );
        Ok(())
    }

    fn row(&mut self, row: &RowRef<'_>) -> Result<(), Error> {
        self.rows += 1;
        if row.get(0)? != ValueRef::Int(1) {
            assert!(row.get(5)?.is_null());
            return Ok(());
        }
        assert_eq!(
            row.get(6)?,
            ValueRef::Decimal {
                negative: true,
                magnitude: 12_345_678_900_123_456_789,
                scale: 10
            }
        );
        assert_eq!(
            row.get(15)?,
            ValueRef::DateTime2 {
                days: 3_652_058,
                units: 863_999_999_999,
                scale: 7
            }
        );
        assert_eq!(
            row.get(16)?,
            // 2024-01-01 00:30:00.12 +05:30 is 2023-12-31 19:00:00.12 UTC.
            ValueRef::DateTimeOffset {
                utc_days: 738_884,
                utc_units: 6_840_012,
                scale: 2,
                offset_minutes: 330
            }
        );
        assert_eq!(row.get(18)?, ValueRef::Ansi(b"Caf\xE9"));
        let zurich: Vec<u8> = "Zürich 😀"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(row.get(20)?, ValueRef::Utf16(&zurich));
        assert_eq!(row.get(25)?, ValueRef::Binary(&[0xCA, 0xFE]));
        assert_eq!(row.get(27)?, ValueRef::Guid(guid()));
        Ok(())
    }
}

#[tokio::test]
async fn rows_are_visited_as_borrowed_wire_values() {
    let server = start(TYPES_TABLE);
    let mut client = client(&server, &config(Encryption::Off)).await;
    let mut visitor = Borrowed { rows: 0 };
    let summary = client
        .batch("SELECT * FROM dbo.types ORDER BY id")
        .await
        .unwrap()
        .visit(&mut visitor)
        .await
        .unwrap();
    assert_eq!(
        (visitor.rows, summary.rows, summary.counts.as_slice()),
        (2, 2, &[2][..])
    );
}

#[tokio::test]
async fn results_span_many_packets_and_values_many_chunks() {
    let server = start(
        "CREATE TABLE dbo.big (id int PRIMARY KEY, s nvarchar(100));
         WITH d AS (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
                    UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
                    UNION ALL SELECT 8 UNION ALL SELECT 9)
         INSERT INTO dbo.big SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n,
                N'row ' + CAST(a.n + 10 * b.n + 100 * c.n + 1000 * e.n AS nvarchar(10))
         FROM d a CROSS JOIN d b CROSS JOIN d c CROSS JOIN d e;",
    );
    let mut config = config(Encryption::Off);
    // Small packets: rows and tokens cross packet boundaries all the time.
    config.packet_size = 512;
    let mut client = client(&server, &config).await;
    assert_eq!(client.packet_size(), 512);
    let rows = client
        .batch("SELECT id, s FROM dbo.big ORDER BY id")
        .await
        .unwrap()
        .rows()
        .await
        .unwrap();
    assert_eq!(rows.len(), 10_000);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            row,
            &vec![Value::Int(i as i32), Value::String(format!("row {i}"))]
        );
    }
    // A 3 MB value: many PLP chunks, many packets, assembled once.
    let rows = client
        .batch("SELECT REPLICATE(CAST(N'ab' AS nvarchar(max)), 750000)")
        .await
        .unwrap()
        .rows()
        .await
        .unwrap();
    assert_eq!(rows, vec![vec![Value::String("ab".repeat(750_000))]]);
}

#[tokio::test]
async fn sp_executesql_with_typed_and_output_parameters() {
    let server = start(TYPES_TABLE);
    let mut client = client(&server, &config(Encryption::Off)).await;
    let params = [
        Param::new("@id", SqlType::Int, Value::Int(1)),
        Param::new(
            "@name",
            SqlType::NVarChar(Some(50)),
            Value::String("Zürich 😀".into()),
        ),
        Param::output("@count", SqlType::Int, Value::Null),
    ];
    let mut results = client
        .execute(
            "SELECT id, nvc FROM dbo.types WHERE id = @id AND nvc = @name; \
             SELECT @count = COUNT(*) FROM dbo.types",
            &params,
        )
        .await
        .unwrap();
    let mut rows = 0;
    let mut output = None;
    while let Some(event) = results.next_event().await.unwrap() {
        match event {
            Event::Row(row) => {
                assert_eq!(row.get(0).unwrap(), ValueRef::Int(1));
                rows += 1;
            }
            Event::ReturnValue(value) => output = Some((value.name, value.value)),
            _ => {}
        }
    }
    assert_eq!(rows, 1);
    assert_eq!(output, Some(("@count".into(), Value::Int(2))));
}

#[tokio::test]
async fn errors_are_typed_and_leave_the_session_usable() {
    let server = start("");
    let mut client = client(&server, &config(Encryption::Off)).await;
    let Err(Error::Server(error)) = client
        .batch("SELECT * FROM dbo.missing")
        .await
        .unwrap()
        .rows()
        .await
    else {
        panic!("no error");
    };
    assert_eq!((error.number, error.class), (208, 16));
    assert!(error.message.contains("missing"), "{error}");
    assert_eq!(error.line, 1);
    assert!(!error.server.is_empty());
    let rows = client
        .batch("SELECT 1")
        .await
        .unwrap()
        .rows()
        .await
        .unwrap();
    assert_eq!(rows, vec![vec![Value::Int(1)]]);
}

#[tokio::test]
async fn info_messages_and_transactions() {
    let server = start("CREATE TABLE dbo.t (id int PRIMARY KEY);");
    let mut client = client(&server, &config(Encryption::Off)).await;
    let summary = client
        .batch("PRINT 'hello'")
        .await
        .unwrap()
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.messages[0].message, "hello");
    client
        .batch("BEGIN TRANSACTION")
        .await
        .unwrap()
        .finish()
        .await
        .unwrap();
    assert!(client.in_transaction());
    client
        .batch("INSERT INTO dbo.t VALUES (1)")
        .await
        .unwrap()
        .finish()
        .await
        .unwrap();
    client
        .batch("ROLLBACK")
        .await
        .unwrap()
        .finish()
        .await
        .unwrap();
    assert!(!client.in_transaction());
    let rows = client
        .batch("SELECT COUNT(*) FROM dbo.t")
        .await
        .unwrap()
        .rows()
        .await
        .unwrap();
    assert_eq!(rows, vec![vec![Value::Int(0)]]);
}

#[tokio::test]
async fn a_result_cancelled_or_dropped_half_read_leaves_the_session_usable() {
    let server = start(
        "CREATE TABLE dbo.n (id int PRIMARY KEY);
         WITH d AS (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
                    UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
                    UNION ALL SELECT 8 UNION ALL SELECT 9)
         INSERT INTO dbo.n SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 10000 * f.n
         FROM d a CROSS JOIN d b CROSS JOIN d c CROSS JOIN d e CROSS JOIN d f;",
    );
    let mut client = client(&server, &config(Encryption::Off)).await;
    let mut results = client
        .batch("SELECT id FROM dbo.n ORDER BY id")
        .await
        .unwrap();
    let mut seen = 0;
    while let Some(event) = results.next_event().await.unwrap() {
        if let Event::Row(_) = event {
            seen += 1;
            if seen == 10 {
                break;
            }
        }
    }
    results.cancel().await.unwrap();
    let rows = client
        .batch("SELECT 42")
        .await
        .unwrap()
        .rows()
        .await
        .unwrap();
    assert_eq!(rows, vec![vec![Value::Int(42)]]);

    // Left half-read (its `Results` gone): the next request cancels it first.
    {
        let mut results = client
            .batch("SELECT id FROM dbo.n ORDER BY id")
            .await
            .unwrap();
        results.next_event().await.unwrap();
    }
    let rows = client
        .batch("SELECT 43")
        .await
        .unwrap()
        .rows()
        .await
        .unwrap();
    assert_eq!(rows, vec![vec![Value::Int(43)]]);
}
