//! Streams read at once (`concurrency`) against the emulator: the same
//! records and states as one at a time, records of different streams
//! interleaved, every STATE after the records it covers, and a failing
//! stream among parallel ones.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const TABLES: [&str; 4] = ["t0", "t1", "t2", "t3"];
const ROWS: usize = 12_000;

/// Tables `t0`..`t3` of `ROWS` rows each, plus `init_more`.
fn tables(init_more: &str) -> mssql_emulator::RunningEmulator {
    let mut init = String::new();
    for table in TABLES {
        init.push_str(&format!(
            "CREATE TABLE dbo.{table} (id int NOT NULL PRIMARY KEY, label nvarchar(40))\nGO\n"
        ));
        for chunk in 0..ROWS / 1000 {
            let values: Vec<String> = (chunk * 1000..(chunk + 1) * 1000)
                .map(|i| format!("({i}, N'{table} row {i}')"))
                .collect();
            init.push_str(&format!(
                "INSERT INTO dbo.{table} VALUES {}\n",
                values.join(", ")
            ));
        }
        init.push_str("GO\n");
    }
    init.push_str(init_more);
    emulator(&init)
}

/// Every table in full, in key order, so each STATE names the last row it covers.
fn tables_catalog(extra: &[(&str, &str, &str, Option<&str>)]) -> String {
    let mut streams: Vec<(&str, &str, &str, Option<&str>)> = TABLES
        .iter()
        .map(|t| ("dbo", *t, "full_refresh", None))
        .collect();
    streams.extend_from_slice(extra);
    catalog(&streams)
}

fn read(server: &mssql_emulator::RunningEmulator, concurrency: u64, catalog: &str) -> Run {
    let config = config(
        server,
        json!({"concurrency": concurrency, "checkpoint_interval_rows": 1000}),
    );
    run(&["read", "--config", &config, "--catalog", catalog])
}

/// What one stream emitted, in stdout's order.
#[derive(Default, Debug)]
struct Emitted {
    ids: Vec<i64>,
    /// The cursor of each STATE.
    states: Vec<i64>,
    statuses: Vec<String>,
}

/// Walks stdout, checking as it goes that each STATE covers exactly the
/// records of its stream written before it: its cursor is the last id
/// written, and its record count the records since the stream's last STATE.
fn walk(run: &Run) -> BTreeMap<String, Emitted> {
    let mut streams: BTreeMap<String, Emitted> = BTreeMap::new();
    let mut since_state: BTreeMap<String, u64> = BTreeMap::new();
    for message in run.messages() {
        match message["type"].as_str().unwrap() {
            "RECORD" => {
                let name = message["record"]["stream"].as_str().unwrap().to_string();
                let id = message["record"]["data"]["id"].as_i64().unwrap();
                streams.entry(name.clone()).or_default().ids.push(id);
                *since_state.entry(name).or_default() += 1;
            }
            "STATE" => {
                let state = &message["state"];
                let name = state["stream"]["stream_descriptor"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let cursor = position(&state["stream"]["stream_state"]);
                let emitted = streams.entry(name.clone()).or_default();
                assert_eq!(emitted.ids.last(), Some(&cursor), "{name}: state {state}");
                let since = since_state.insert(name.clone(), 0).unwrap_or(0);
                assert_eq!(
                    state["sourceStats"]["recordCount"],
                    json!(since as f64),
                    "{name}"
                );
                emitted.states.push(cursor);
            }
            "TRACE" if message["trace"]["type"] == "STREAM_STATUS" => {
                let status = &message["trace"]["stream_status"];
                let name = status["stream_descriptor"]["name"].as_str().unwrap();
                streams
                    .entry(name.to_string())
                    .or_default()
                    .statuses
                    .push(status["status"].as_str().unwrap().to_string());
            }
            _ => {}
        }
    }
    streams
}

/// The last id a state covers: a read in key order saves the last key,
/// an incremental one its cursor.
fn position(state: &Value) -> i64 {
    let value = match state["state_type"].as_str().unwrap() {
        "ordered_column" => &state["ordered_col_val"],
        "cursor_based" => &state["cursor"],
        other => panic!("a state of type {other}: {state}"),
    };
    value.as_str().unwrap().parse().unwrap()
}

/// How often stdout switches from one stream's records to another's.
fn switches(run: &Run) -> usize {
    let names: Vec<String> = run
        .of_type("RECORD")
        .iter()
        .map(|m| m["record"]["stream"].as_str().unwrap().to_string())
        .collect();
    names.windows(2).filter(|w| w[0] != w[1]).count()
}

#[test]
fn streams_read_at_once_match_one_at_a_time() {
    let server = tables("");
    let catalog = tables_catalog(&[]);
    let serial = read(&server, 1, &catalog);
    let parallel = read(&server, 4, &catalog);
    serial.assert_success();
    parallel.assert_success();

    let serial_streams = walk(&serial);
    let parallel_streams = walk(&parallel);
    let all: Vec<i64> = (0..ROWS as i64).collect();
    for table in TABLES {
        let (one, four) = (&serial_streams[table], &parallel_streams[table]);
        assert_eq!(one.ids, all, "{table} read alone");
        assert_eq!(four.ids, all, "{table} read in parallel");
        // A state every 1,000 rows and one at the end, in order.
        assert_eq!(four.states, one.states, "{table}");
        assert!(four.states.windows(2).all(|w| w[0] < w[1]), "{table}");
        assert_eq!(four.states.last(), Some(&(ROWS as i64 - 1)));
        assert_eq!(four.statuses, ["STARTED", "RUNNING", "COMPLETE"], "{table}");
    }
    // One at a time, stdout switches stream only when one ends; four at
    // once, the streams' records are mixed.
    assert_eq!(switches(&serial), TABLES.len() - 1);
    let mixed = switches(&parallel);
    eprintln!("records switched stream {mixed} times with concurrency 4");
    assert!(mixed > TABLES.len(), "no interleaving: {mixed} switches");
}

/// A stream that fails among parallel ones fails the sync with its own
/// error; the others stop (or finish), and what they wrote stays valid.
#[test]
fn a_failing_stream_stops_the_others_cleanly() {
    let server = tables(
        "CREATE TABLE dbo.base (id int)
         GO
         CREATE VIEW dbo.broken AS SELECT id FROM dbo.base
         GO
         DROP TABLE dbo.base",
    );
    let catalog = tables_catalog(&[("dbo", "broken", "full_refresh", None)]);
    let run = read(&server, 4, &catalog);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let error = run.error();
    let message = error["message"].as_str().unwrap();
    assert!(message.starts_with("stream `dbo.broken`"), "{message}");
    assert!(!message.contains("stopping"), "{message}");

    // `walk` checks every STATE written covers only records before it.
    let streams = walk(&run);
    assert_eq!(streams["broken"].statuses.last().unwrap(), "INCOMPLETE");
    for table in TABLES {
        let Some(emitted) = streams.get(table) else {
            continue; // not started before the failure
        };
        let last = emitted.statuses.last().map(String::as_str);
        match last {
            Some("COMPLETE") => assert_eq!(emitted.ids.len(), ROWS, "{table}"),
            Some("INCOMPLETE") => {}
            other => panic!("{table} ends with {other:?}"),
        }
        assert_eq!(emitted.statuses[0], "STARTED", "{table}");
        // Ids in order, none twice: the records of a clean stop.
        assert!(emitted.ids.windows(2).all(|w| w[0] < w[1]), "{table}");
    }
}

/// Singer mode renders every reader's events in one place: each STATE is
/// the whole state, with every stream's bookmark as far as it is written.
#[test]
fn singer_bookmarks_aggregate_across_parallel_streams() {
    let server = tables("");
    let config = config(&server, json!({"concurrency": 4}));
    let discovered = std::process::Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(["--config", &config, "--discover"])
        .output()
        .unwrap();
    let mut catalog: Value = serde_json::from_slice(&discovered.stdout).unwrap();
    for stream in catalog["streams"].as_array_mut().unwrap() {
        for entry in stream["metadata"].as_array_mut().unwrap() {
            if entry["breadcrumb"] == json!([]) {
                entry["metadata"]["selected"] = json!(true);
                entry["metadata"]["replication-method"] = json!("INCREMENTAL");
                entry["metadata"]["replication-key"] = json!("id");
            }
        }
    }
    let catalog = file(&catalog.to_string());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(["--config", &config, "--catalog", &catalog])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut last_state = Value::Null;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for line in stdout.lines() {
        let message: Value = serde_json::from_str(line).unwrap();
        match message["type"].as_str().unwrap() {
            "RECORD" => *counts.entry(message["stream"].to_string()).or_default() += 1,
            "STATE" => last_state = message["value"].clone(),
            _ => {}
        }
    }
    assert_eq!(counts.len(), TABLES.len(), "{counts:?}");
    assert!(counts.values().all(|n| *n == ROWS), "{counts:?}");
    let bookmarks = last_state["bookmarks"].as_object().unwrap();
    assert_eq!(bookmarks.len(), TABLES.len(), "{last_state}");
    for bookmark in bookmarks.values() {
        assert_eq!(
            bookmark["replication_key_value"],
            json!((ROWS - 1).to_string()),
            "{last_state}"
        );
    }
}
