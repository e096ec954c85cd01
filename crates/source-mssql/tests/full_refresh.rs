//! Full refresh against the emulator: every column type, checked exactly
//! against what was inserted, and the messages around the records.

mod common;

use common::*;
use serde_json::{json, Value};

const INIT: &str = "
CREATE TABLE dbo.every_type (
    id int NOT NULL PRIMARY KEY,
    c_bit bit, c_tinyint tinyint, c_smallint smallint, c_int int, c_bigint bigint,
    c_decimal decimal(38,10), c_numeric numeric(10,2), c_money money, c_smallmoney smallmoney,
    c_real real, c_float float,
    c_date date, c_time time(7), c_smalldatetime smalldatetime, c_datetime datetime,
    c_datetime2 datetime2(7), c_datetime2_0 datetime2(0), c_datetimeoffset datetimeoffset(7),
    c_char char(5), c_varchar varchar(20), c_nchar nchar(3), c_nvarchar nvarchar(max),
    c_text text, c_ntext ntext, c_xml xml,
    c_guid uniqueidentifier, c_binary binary(4), c_varbinary varbinary(max), c_image image)
GO
INSERT INTO dbo.every_type VALUES (1,
    1, 255, -32768, -2147483648, 9223372036854775807,
    CAST('1234567890123456789012345678.1234567891' AS decimal(38,10)), -12345678.90,
    CAST('922337203685477.5807' AS money), CAST('-214748.3648' AS smallmoney),
    CAST(0.1 AS real), CAST(1e300 AS float),
    '2024-02-29', '23:59:59.9999999', '2024-02-29T10:30:00', '2024-02-29T10:30:00.997',
    '2024-02-29T10:30:00.1234567', '2024-02-29T10:30:01', '2024-02-29T10:30:00.1234567-08:00',
    'ab', 'plain', N'ü', N'quote \" backslash \\ tab' + NCHAR(9) + N'名前',
    'old text', N'old ntext', N'<a b=\"1\"/>',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 0x01020304, 0x, 0xFF00)
INSERT INTO dbo.every_type (id) VALUES (2)
";

/// The raw `data` object of each RECORD line, as written: decimals are
/// checked digit by digit, which parsing them as floats would hide.
fn raw_data(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter(|line| line.starts_with(r#"{"type":"RECORD""#))
        .map(|line| {
            let start = line.find(r#""data":"#).expect("a data key") + 7;
            line[start..line.len() - 2].to_string()
        })
        .collect()
}

#[test]
fn every_type_exactly() {
    let server = emulator(INIT);
    let catalog = catalog(&[("dbo", "every_type", "full_refresh", None)]);
    let run = run(&[
        "read",
        "--config",
        &config(&server, json!({})),
        "--catalog",
        &catalog,
    ]);
    run.assert_success();
    let data = raw_data(&run);
    assert_eq!(data.len(), 2, "{}", run.stdout);
    let expected = concat!(
        r#"{"id":1,"c_bit":true,"c_tinyint":255,"c_smallint":-32768,"c_int":-2147483648,"#,
        r#""c_bigint":9223372036854775807,"#,
        r#""c_decimal":1234567890123456789012345678.1234567891,"c_numeric":-12345678.90,"#,
        r#""c_money":922337203685477.5807,"c_smallmoney":-214748.3648,"#,
        r#""c_real":0.1,"c_float":1e300,"#,
        r#""c_date":"2024-02-29","c_time":"23:59:59.9999999","#,
        r#""c_smalldatetime":"2024-02-29T10:30:00","c_datetime":"2024-02-29T10:30:00.997","#,
        r#""c_datetime2":"2024-02-29T10:30:00.1234567","c_datetime2_0":"2024-02-29T10:30:01","#,
        r#""c_datetimeoffset":"2024-02-29T10:30:00.1234567-08:00","#,
        r#""c_char":"ab   ","c_varchar":"plain","c_nchar":"ü  ","#,
        r#""c_nvarchar":"quote \" backslash \\ tab\t名前","#,
        r#""c_text":"old text","c_ntext":"old ntext","c_xml":"<a b=\"1\"/>","#,
        r#""c_guid":"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11","c_binary":"AQIDBA==","#,
        r#""c_varbinary":"","c_image":"/wA="}"#
    );
    assert_eq!(data[0], expected);
    // NULL is present, as null, in every column.
    let nulls: Value = serde_json::from_str(&data[1]).unwrap();
    let nulls = nulls.as_object().unwrap();
    assert_eq!(nulls.len(), 30);
    assert!(
        nulls.iter().all(|(k, v)| k == "id" || v.is_null()),
        "{nulls:?}"
    );
}

/// The catalog's streams, from `discover`.
fn discovered(server: &mssql_emulator::RunningEmulator) -> Vec<Value> {
    let run = run(&["discover", "--config", &config(server, json!({}))]);
    run.assert_success();
    run.of_type("CATALOG")[0]["catalog"]["streams"]
        .as_array()
        .unwrap()
        .clone()
}

/// Whether `value` is one that `schema`, an Airbyte property schema, allows:
/// its JSON type (null only in a `["null", T]` union), and for strings the
/// form its `format`, `airbyte_type` or `contentEncoding` names.
fn matches(schema: &Value, value: &Value) -> bool {
    use base64::Engine;
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
    let (json_type, nullable) = match &schema["type"] {
        Value::String(t) => (t.as_str(), false),
        Value::Array(types) => match types.as_slice() {
            [null, t] if null == "null" => (t.as_str().unwrap(), true),
            _ => panic!("unexpected type union in {schema}"),
        },
        _ => panic!("no type in {schema}"),
    };
    let text = value.as_str().unwrap_or_default();
    match (json_type, value) {
        (_, Value::Null) => nullable,
        ("boolean", v) => v.is_boolean(),
        ("integer", v) => v.is_i64() || v.is_u64(),
        ("number", v) => v.is_number(),
        ("string", Value::String(_)) => {
            match (
                schema["format"].as_str(),
                schema["airbyte_type"].as_str(),
                schema["contentEncoding"].as_str(),
            ) {
                (None, None, None) => true,
                (None, None, Some("base64")) => base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .is_ok(),
                (Some("date"), None, None) => NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
                (Some("time"), Some("time_without_timezone"), None) => {
                    NaiveTime::parse_from_str(text, "%H:%M:%S%.f").is_ok()
                }
                (Some("date-time"), Some("timestamp_without_timezone"), None) => {
                    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
                }
                (Some("date-time"), Some("timestamp_with_timezone"), None) => {
                    DateTime::parse_from_rfc3339(text).is_ok()
                }
                other => panic!("unexpected string schema {other:?} in {schema}"),
            }
        }
        _ => false,
    }
}

/// Every value of every type, and every NULL, is one its discovered
/// schema allows; the schema names the column's SQL Server type. The read
/// uses the discovered stream as its catalog, as Airbyte's platform does.
#[test]
fn records_match_the_discovered_schemas() {
    let server = emulator(INIT);
    let streams = discovered(&server);
    let [stream] = streams.as_slice() else {
        panic!("one stream expected: {streams:?}")
    };
    let properties = stream["json_schema"]["properties"].as_object().unwrap();
    assert_eq!(properties["c_decimal"]["x-mssql-type"], "decimal(38,10)");
    assert_eq!(
        properties["c_datetimeoffset"]["x-mssql-type"],
        "datetimeoffset(7)"
    );
    assert_eq!(properties["c_nvarchar"]["x-mssql-type"], "nvarchar(max)");
    assert_eq!(properties["id"]["type"], "integer");
    let catalog = json!({"streams": [{"stream": stream, "sync_mode": "full_refresh",
                                      "destination_sync_mode": "overwrite"}]});
    let run = run(&[
        "read",
        "--config",
        &config(&server, json!({})),
        "--catalog",
        &file(&catalog.to_string()),
    ]);
    run.assert_success();
    let records = run.records();
    assert_eq!(records.len(), 2);
    for record in &records {
        let data = record.as_object().unwrap();
        assert_eq!(data.len(), properties.len());
        for (column, value) in data {
            let schema = &properties[column];
            assert!(matches(schema, value), "{column}: {value} against {schema}");
        }
    }
}

/// A catalog configured from an older discover, whose property schemas are
/// `$ref`s to Airbyte's well-known types, still reads its columns.
#[test]
fn a_catalog_of_well_known_type_references_still_reads() {
    let server = emulator(INIT);
    let reference =
        |name: &str| json!({"$ref": format!("WellKnownTypes.json#/definitions/{name}")});
    let catalog = json!({"streams": [{
        "stream": {"name": "every_type", "namespace": "dbo",
                   "json_schema": {"type": "object", "properties": {
                       "id": reference("Integer"), "c_bit": reference("Boolean"),
                       "c_datetime2": reference("TimestampWithoutTimezone"),
                       "c_binary": reference("BinaryData")}},
                   "supported_sync_modes": ["full_refresh", "incremental"]},
        "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]});
    let run = run(&[
        "read",
        "--config",
        &config(&server, json!({})),
        "--catalog",
        &file(&catalog.to_string()),
    ]);
    run.assert_success();
    assert_eq!(
        run.records(),
        [
            json!({"id": 1, "c_bit": true, "c_datetime2": "2024-02-29T10:30:00.1234567",
                   "c_binary": "AQIDBA=="}),
            json!({"id": 2, "c_bit": null, "c_datetime2": null, "c_binary": null})
        ]
    );
}

#[test]
fn messages_around_the_records() {
    let server = emulator(
        "CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY, name nvarchar(20))
         GO
         INSERT INTO dbo.items VALUES (1, N'a'), (2, N'b'), (3, N'c')",
    );
    let catalog = catalog(&[("dbo", "items", "full_refresh", None)]);
    let run = run(&[
        "read",
        "--config",
        &config(&server, json!({"checkpoint_interval_rows": 1})),
        "--catalog",
        &catalog,
    ]);
    run.assert_success();
    let kinds: Vec<String> = run
        .messages()
        .iter()
        .map(|m| match m["type"].as_str().unwrap() {
            "TRACE" => format!("TRACE {}", m["trace"]["type"].as_str().unwrap()),
            other => other.to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "TRACE STREAM_STATUS",
            "TRACE ESTIMATE",
            "LOG",
            "TRACE STREAM_STATUS",
            "RECORD",
            "STATE",
            "LOG",
            "RECORD",
            "STATE",
            "LOG",
            "RECORD",
            "STATE",
            "LOG",
            "TRACE STREAM_STATUS"
        ]
    );
    let statuses: Vec<Value> = run
        .traces("STREAM_STATUS")
        .iter()
        .map(|t| t["stream_status"]["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [json!("STARTED"), json!("RUNNING"), json!("COMPLETE")]
    );
    assert_eq!(
        run.traces("ESTIMATE")[0]["estimate"],
        json!({"name": "items", "namespace": "dbo", "type": "STREAM", "row_estimate": 3,
               "byte_estimate": 8192})
    );
    let record = &run.of_type("RECORD")[0]["record"];
    assert_eq!(record["stream"], "items");
    assert_eq!(record["namespace"], "dbo");
    assert!(record["emitted_at"].as_i64().unwrap() > 1_600_000_000_000);
    // A checkpoint after every row, in key order; the last says the table is done.
    let state = |id: &str, finished: bool| {
        let mut blob = json!({"state_type": "ordered_column", "version": 2,
                              "ordered_col": "id", "ordered_col_val": id});
        if finished {
            blob["finished"] = json!(true);
        }
        json!({"type": "STREAM",
               "stream": {"stream_descriptor": {"name": "items", "namespace": "dbo"},
                          "stream_state": blob},
               "sourceStats": {"recordCount": 1.0}})
    };
    assert_eq!(
        run.states(),
        [state("1", false), state("2", false), state("3", true)]
    );
    let logs: Vec<String> = run
        .of_type("LOG")
        .iter()
        .map(|m| m["log"]["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        logs[1].starts_with("stream `dbo.items`: 1 rows read in ")
            && logs[1].ends_with("rows/s), about 33% of the 3 rows estimated"),
        "{logs:?}"
    );
    let names: Vec<Value> = run.records().iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, [json!("a"), json!("b"), json!("c")]);
}

/// Only the columns the catalog selects are read; identifiers are quoted.
#[test]
fn selected_columns_and_odd_identifiers() {
    let server = emulator(
        "CREATE SCHEMA [my schema]
         GO
         CREATE TABLE [my schema].[odd ]]name] ([select] int, [名前] nvarchar(10), [a b] bit, secret nvarchar(10))
         GO
         INSERT INTO [my schema].[odd ]]name] VALUES (1, N'x', 0, N'hidden')",
    );
    let catalog = json!({"streams": [{
        "stream": {"name": "odd ]name", "namespace": "my schema",
                   "json_schema": {"type": "object", "properties": {
                       "select": {}, "名前": {}, "a b": {}, "dropped": {}}},
                   "supported_sync_modes": ["full_refresh"]},
        "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]});
    let run = run(&[
        "read",
        "--config",
        &config(&server, json!({"schemas": ["my schema"]})),
        "--catalog",
        &file(&catalog.to_string()),
    ]);
    run.assert_success();
    assert_eq!(
        run.records(),
        [json!({"select": 1, "名前": "x", "a b": false})]
    );
    let warning = run
        .of_type("LOG")
        .into_iter()
        .find(|m| m["log"]["level"] == "WARN")
        .expect("a warning about the dropped column");
    assert!(warning["log"]["message"]
        .as_str()
        .unwrap()
        .contains("`dropped`"));
}

/// How fast rows go from the emulator to stdout. Run it in release:
/// `cargo test --release -p source-mssql --test full_refresh -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn read_speed() {
    const ROWS: usize = 200_000;
    let mut init = String::from(
        "CREATE TABLE dbo.wide (id int NOT NULL PRIMARY KEY, n bigint, amount decimal(18,2), \
         name nvarchar(50), at datetime2(7), flag bit)\nGO\n",
    );
    for chunk in 0..ROWS / 1000 {
        let values: Vec<String> = (chunk * 1000..(chunk + 1) * 1000)
            .map(|i| {
                format!(
                    "({i}, {}, {i}.25, N'name {i}', '2024-01-01T00:00:00.1234567', 1)",
                    i * 7
                )
            })
            .collect();
        init.push_str(&format!(
            "INSERT INTO dbo.wide VALUES {}\n",
            values.join(", ")
        ));
    }
    let server = emulator(&init);
    let catalog = catalog(&[("dbo", "wide", "full_refresh", None)]);
    let config = config(&server, json!({}));
    let started = std::time::Instant::now();
    let run = run(&["read", "--config", &config, "--catalog", &catalog]);
    let took = started.elapsed();
    run.assert_success();
    assert_eq!(run.of_type("RECORD").len(), ROWS);
    eprintln!(
        "{ROWS} rows in {took:?}: {:.0} rows/s",
        ROWS as f64 / took.as_secs_f64()
    );
}

/// A stream whose query fails ends the sync: INCOMPLETE, then a TRACE ERROR
/// saying what to do, and a non-zero exit. Streams before it are complete
/// (read one at a time here; `tests/parallel.rs` has the parallel case).
#[test]
fn a_failing_stream_ends_the_sync() {
    let server = emulator(
        "CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY)
         GO
         INSERT INTO dbo.items VALUES (1)
         GO
         CREATE TABLE dbo.base (id int)
         GO
         CREATE VIEW dbo.broken AS SELECT id FROM dbo.base
         GO
         DROP TABLE dbo.base",
    );
    let catalog = catalog(&[
        ("dbo", "items", "full_refresh", None),
        ("dbo", "broken", "full_refresh", None),
    ]);
    let run = run(&[
        "read",
        "--config",
        &config(&server, json!({"concurrency": 1})),
        "--catalog",
        &catalog,
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.records(), [json!({"id": 1})]);
    let statuses: Vec<String> = run
        .traces("STREAM_STATUS")
        .iter()
        .map(|t| {
            let s = &t["stream_status"];
            format!(
                "{} {}",
                s["stream_descriptor"]["name"].as_str().unwrap(),
                s["status"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            "items STARTED",
            "items RUNNING",
            "items COMPLETE",
            "broken STARTED",
            "broken INCOMPLETE"
        ]
    );
    let error = run.error();
    assert_eq!(error["failure_type"], "config_error");
    let message = error["message"].as_str().unwrap();
    assert!(message.starts_with("stream `dbo.broken`: "), "{message}");
    assert!(message.contains("Refresh the source schema"), "{message}");
    // The error is the last message.
    assert_eq!(run.messages().last().unwrap()["trace"]["type"], "ERROR");
}
