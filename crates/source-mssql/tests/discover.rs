//! `discover` against the emulator: one CATALOG with a stream per table and
//! view of the configured schemas.

mod common;

use common::*;
use mssql_emulator::RunningEmulator;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const INIT: &str = "
CREATE SCHEMA sales
GO
CREATE SCHEMA other
GO
CREATE TABLE dbo.order_lines (
    order_id int NOT NULL, line_no smallint NOT NULL, sku nvarchar(20) NOT NULL,
    qty int NULL, updated_at datetime2(7) NULL,
    CONSTRAINT pk_order_lines PRIMARY KEY (line_no, order_id))
GO
CREATE VIEW dbo.big_lines AS SELECT order_id, qty FROM dbo.order_lines WHERE qty > 10
GO
CREATE TABLE sales.[odd ]]name] ([select] int NOT NULL PRIMARY KEY, [名前] nvarchar(10), [a b] bit)
GO
CREATE TABLE other.hidden (id int)
GO
CREATE TABLE dbo.notes (body nvarchar(max), flag bit)
GO
CREATE TABLE guest.visits (id int)
";

fn catalog_streams(run: &Run) -> Vec<Value> {
    let catalogs = run.of_type("CATALOG");
    assert_eq!(catalogs.len(), 1, "{}", run.stdout);
    catalogs[0]["catalog"]["streams"]
        .as_array()
        .expect("streams")
        .clone()
}

fn stream<'a>(streams: &'a [Value], namespace: &str, name: &str) -> &'a Value {
    streams
        .iter()
        .find(|s| s["namespace"] == namespace && s["name"] == name)
        .unwrap_or_else(|| panic!("no stream {namespace}.{name}: {streams:?}"))
}

/// A property schema: `{"type": json_type, "x-mssql-type": sql_type}`, its
/// type `["null", json_type]` when the column is `nullable`.
fn property(json_type: &str, nullable: bool, sql_type: &str) -> Value {
    let json_type = if nullable {
        json!(["null", json_type])
    } else {
        json!(json_type)
    };
    json!({"type": json_type, "x-mssql-type": sql_type})
}

fn names(streams: &[Value]) -> Vec<String> {
    streams
        .iter()
        .map(|s| {
            format!(
                "{}.{}",
                s["namespace"].as_str().unwrap(),
                s["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn streams_of_the_configured_schemas() {
    let server = emulator(INIT);
    let run = run(&[
        "discover",
        "--config",
        &config(&server, json!({"schemas": ["dbo", "sales"]})),
    ]);
    run.assert_success();
    let streams = catalog_streams(&run);
    assert_eq!(
        names(&streams),
        [
            "dbo.big_lines",
            "dbo.notes",
            "dbo.order_lines",
            "sales.odd ]name"
        ]
    );

    // A composite key, every column in key order.
    let lines = stream(&streams, "dbo", "order_lines");
    assert_eq!(
        lines["source_defined_primary_key"],
        json!([["line_no"], ["order_id"]])
    );
    assert_eq!(lines["is_resumable"], true);
    assert_eq!(
        lines["supported_sync_modes"],
        json!(["full_refresh", "incremental"])
    );
    // Airbyte's documented types; NULL allowed where the column allows it;
    // the exact SQL Server type alongside.
    assert_eq!(
        lines["json_schema"]["properties"],
        json!({"order_id": property("integer", false, "int"),
               "line_no": property("integer", false, "smallint"),
               "sku": property("string", false, "nvarchar(20)"),
               "qty": property("integer", true, "int"),
               "updated_at": {"type": ["null", "string"], "format": "date-time",
                              "airbyte_type": "timestamp_without_timezone",
                              "x-mssql-type": "datetime2(7)"}})
    );

    // A view: its columns, no key.
    let view = stream(&streams, "dbo", "big_lines");
    assert_eq!(
        view["json_schema"]["properties"],
        json!({"order_id": property("integer", false, "int"),
               "qty": property("integer", true, "int")})
    );
    assert!(view.get("source_defined_primary_key").is_none());
    assert_eq!(view["is_resumable"], false);

    // Odd identifiers come through as they are.
    let odd = stream(&streams, "sales", "odd ]name");
    assert_eq!(odd["source_defined_primary_key"], json!([["select"]]));
    assert_eq!(
        odd["json_schema"]["properties"],
        json!({"select": property("integer", false, "int"),
               "名前": property("string", true, "nvarchar(10)"),
               "a b": property("boolean", true, "bit")})
    );

    // No column can be a cursor: full refresh only.
    let notes = stream(&streams, "dbo", "notes");
    assert_eq!(notes["supported_sync_modes"], json!(["full_refresh"]));
}

/// With no `schemas` in the config, every schema the login can read but
/// SQL Server's own (`guest` is one: a table made there is not a stream).
#[test]
fn with_no_schemas_every_user_schema() {
    let server = emulator(INIT);
    let run = run(&["discover", "--config", &config(&server, json!({}))]);
    run.assert_success();
    assert_eq!(
        names(&catalog_streams(&run)),
        [
            "dbo.big_lines",
            "dbo.notes",
            "dbo.order_lines",
            "other.hidden",
            "sales.odd ]name"
        ]
    );
    // A named schema still limits the catalog to it.
    let run = run_with(&server, json!({"schemas": ["other"]}));
    assert_eq!(names(&catalog_streams(&run)), ["other.hidden"]);
}

fn run_with(server: &RunningEmulator, extra: Value) -> Run {
    let run = run(&["discover", "--config", &config(server, extra)]);
    run.assert_success();
    run
}

#[test]
fn an_empty_schema_gives_an_empty_catalog() {
    let server = emulator("CREATE SCHEMA empty");
    let run = run(&[
        "discover",
        "--config",
        &config(&server, json!({"schemas": ["empty"]})),
    ]);
    run.assert_success();
    assert!(catalog_streams(&run).is_empty());
}

#[test]
fn wrong_password_is_a_config_error() {
    let server = emulator("");
    let run = run(&[
        "discover",
        "--config",
        &config(&server, json!({"password": "nope"})),
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(run.error()["failure_type"], "config_error");
    assert!(run.of_type("CATALOG").is_empty());
}

/// A fixed number of catalog queries: 5,000 tables of 20 columns discover
/// in well under 10 seconds.
#[test]
fn five_thousand_tables() {
    let mut init = String::new();
    for t in 0..5000 {
        let columns: Vec<String> = (1..20).map(|c| format!("c{c} nvarchar(20)")).collect();
        init.push_str(&format!(
            "CREATE TABLE dbo.t{t:04} (id int NOT NULL PRIMARY KEY, {})\n",
            columns.join(", ")
        ));
    }
    let server = emulator(&init);
    let config = config(&server, json!({}));
    let started = Instant::now();
    let run = run(&["discover", "--config", &config]);
    let took = started.elapsed();
    eprintln!("discover of 5,000 tables of 20 columns: {took:?}");
    run.assert_success();
    let streams = catalog_streams(&run);
    assert_eq!(streams.len(), 5000);
    let last = stream(&streams, "dbo", "t4999");
    assert_eq!(
        last["json_schema"]["properties"].as_object().unwrap().len(),
        20
    );
    assert_eq!(last["source_defined_primary_key"], json!([["id"]]));
    assert!(took < Duration::from_secs(10), "discover took {took:?}");
}
