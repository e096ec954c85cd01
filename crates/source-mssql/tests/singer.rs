//! The Singer tap mode against the emulator: the catalog `--discover`
//! prints, the messages a sync writes, an incremental resume from the state
//! a target would echo, and bad input.

mod common;

use common::{config, config_value, emulator, execute, file, PASSWORD};
use serde_json::{json, Value};
use std::process::Command;

const INIT: &str = "
CREATE TABLE dbo.events (id int NOT NULL PRIMARY KEY, at datetime2(3) NOT NULL, what nvarchar(20), price decimal(9,2))
GO
INSERT INTO dbo.events VALUES (1, '2024-01-01T00:00:00', N'a', 1.50), (2, '2024-01-02T00:00:00', N'b', NULL), (3, '2024-01-02T00:00:00', N'c', 3.00)
GO
CREATE VIEW dbo.named AS SELECT what FROM dbo.events
GO
";

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Output {
    fn messages(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    fn of_type(&self, kind: &str) -> Vec<Value> {
        self.messages()
            .into_iter()
            .filter(|m| m["type"] == kind)
            .collect()
    }

    fn ids(&self) -> Vec<i64> {
        self.of_type("RECORD")
            .iter()
            .map(|r| r["record"]["id"].as_i64().expect("an id"))
            .collect()
    }
}

fn tap(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(args)
        .output()
        .expect("the binary runs");
    let run = Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8"),
    };
    assert!(!run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD));
    run
}

fn discover(config: &str) -> Value {
    let run = tap(&["--config", config, "--discover"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("a catalog")
}

fn entry<'c>(catalog: &'c mut Value, id: &str) -> &'c mut Value {
    catalog["streams"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["tap_stream_id"] == id)
        .unwrap_or_else(|| panic!("no stream {id}"))
}

fn select(catalog: &mut Value, id: &str, method: &str, key: Option<&str>) {
    let meta = &mut entry(catalog, id)["metadata"][0]["metadata"];
    meta["selected"] = json!(true);
    meta["replication-method"] = json!(method);
    if let Some(key) = key {
        meta["replication-key"] = json!(key);
    }
}

fn sync(config: &str, catalog: &Value, state: Option<&str>) -> Output {
    let catalog = file(&catalog.to_string());
    let mut args = vec!["--config", config, "--catalog", &catalog];
    if let Some(state) = state {
        args.extend(["--state", state]);
    }
    let run = tap(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

#[test]
fn discover_shape() {
    let server = emulator(INIT);
    let mut catalog = discover(&config(&server, json!({})));
    let events = entry(&mut catalog, "dbo-events").clone();
    assert_eq!(events["stream"], "events");
    assert_eq!(events["table_name"], "events");
    assert_eq!(
        events["schema"]["properties"],
        json!({"id": {"type": ["null", "integer"]},
               "at": {"type": ["null", "string"], "format": "date-time"},
               "what": {"type": ["null", "string"]},
               "price": {"type": ["null", "number"]}})
    );
    let top = &events["metadata"][0];
    assert_eq!(top["breadcrumb"], json!([]));
    assert_eq!(
        top["metadata"],
        json!({"table-key-properties": ["id"], "valid-replication-keys": ["id", "at", "price"],
               "schema-name": "dbo", "database-name": "shop", "is-view": false,
               "row-count": 3, "selected-by-default": false})
    );
    let id = events["metadata"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["breadcrumb"] == json!(["properties", "id"]))
        .unwrap();
    assert_eq!(id["metadata"]["inclusion"], "automatic");
    assert_eq!(id["metadata"]["sql-datatype"], "int");
    // Each column's exact SQL Server type, as Airbyte mode's `x-mssql-type`.
    let sql_types: Vec<(String, String)> = events["metadata"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|m| {
            (
                m["breadcrumb"][1].as_str().unwrap().to_string(),
                m["metadata"]["sql-datatype"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("id", "int"),
        ("at", "datetime2(3)"),
        ("what", "nvarchar(20)"),
        ("price", "decimal(9,2)"),
    ];
    assert_eq!(
        sql_types,
        expected.map(|(c, t)| (c.to_string(), t.to_string()))
    );
    let view = &entry(&mut catalog, "dbo-named")["metadata"][0]["metadata"];
    assert_eq!(view["is-view"], true);
    assert_eq!(view["forced-replication-method"], "FULL_TABLE");
}

#[test]
fn full_table_sync_messages() {
    let server = emulator(INIT);
    let config = config(&server, json!({}));
    let mut catalog = discover(&config);
    select(&mut catalog, "dbo-events", "FULL_TABLE", None);
    let run = sync(&config, &catalog, None);
    let kinds: Vec<String> = run
        .messages()
        .iter()
        .map(|m| m["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "SCHEMA",
            "ACTIVATE_VERSION",
            "RECORD",
            "RECORD",
            "RECORD",
            "STATE",
            "ACTIVATE_VERSION",
            "STATE"
        ]
    );
    let schema = &run.of_type("SCHEMA")[0];
    assert_eq!(schema["stream"], "dbo-events");
    assert_eq!(schema["key_properties"], json!(["id"]));
    let record = &run.of_type("RECORD")[0];
    assert_eq!(
        record["record"],
        json!({"id": 1, "at": "2024-01-01T00:00:00.000", "what": "a", "price": 1.50})
    );
    assert_eq!(
        record["version"],
        run.of_type("ACTIVATE_VERSION")[0]["version"]
    );
    assert!(record["time_extracted"].as_str().unwrap().ends_with('Z'));
    let last = run.of_type("STATE").pop().unwrap();
    assert_eq!(last["value"]["currently_syncing"], Value::Null);
}

#[test]
fn columns_not_selected_are_not_read() {
    let server = emulator(INIT);
    let config = config(&server, json!({}));
    let mut catalog = discover(&config);
    select(&mut catalog, "dbo-events", "FULL_TABLE", None);
    for m in entry(&mut catalog, "dbo-events")["metadata"]
        .as_array_mut()
        .unwrap()
    {
        if m["breadcrumb"] == json!(["properties", "what"]) {
            m["metadata"]["selected"] = json!(false);
        }
    }
    let run = sync(&config, &catalog, None);
    assert_eq!(
        run.of_type("RECORD")[0]["record"],
        json!({"id": 1, "at": "2024-01-01T00:00:00.000", "price": 1.50})
    );
}

#[test]
fn incremental_resume_loses_no_row() {
    let server = emulator(INIT);
    // pipelinewise's key names.
    let config = file(
        &config_value(
            &server,
            json!({"username": null, "user": "reader", "filter_dbs": "dbo"}),
        )
        .to_string(),
    );
    let mut catalog = discover(&config);
    select(&mut catalog, "dbo-events", "INCREMENTAL", Some("at"));
    let first = sync(&config, &catalog, None);
    assert_eq!(first.ids(), [1, 2, 3]);
    assert_eq!(
        first.of_type("SCHEMA")[0]["bookmark_properties"],
        json!(["at"])
    );
    let state = first.of_type("STATE").pop().unwrap()["value"].clone();
    assert_eq!(
        state["bookmarks"]["dbo-events"],
        json!({"replication_key": "at", "replication_key_value": "2024-01-02T00:00:00.000"})
    );
    execute(
        &server,
        "INSERT INTO dbo.events VALUES (4, '2024-01-02T00:00:00', N'late', 4), (5, '2024-01-03T00:00:00', N'new', 5)",
    );
    // The state as a target echoes it: the STATE message's value.
    let second = sync(&config, &catalog, Some(&file(&state.to_string())));
    assert_eq!(second.ids(), [2, 3, 4, 5]);
    let last = second.of_type("STATE").pop().unwrap();
    assert_eq!(
        last["value"]["bookmarks"]["dbo-events"]["replication_key_value"],
        "2024-01-03T00:00:00.000"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let server = emulator(INIT);
    let bad = file(&config_value(&server, json!({"host": null})).to_string());
    let run = tap(&["--config", &bad, "--discover"]);
    assert_ne!(run.code, 0);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("`host`"), "{}", run.stderr);

    let wrong = file(&config_value(&server, json!({"password": "nope"})).to_string());
    let run = tap(&["--config", &wrong, "--discover"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("source-mssql:"), "{}", run.stderr);

    let config = config(&server, json!({}));
    let mut catalog = discover(&config);
    select(&mut catalog, "dbo-events", "INCREMENTAL", None);
    let path = file(&catalog.to_string());
    let run = tap(&["--config", &config, "--catalog", &path]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("replication-key"), "{}", run.stderr);

    let run = tap(&["--config", &config]);
    assert_eq!(run.code, 2);
}
