//! Incremental reads against the emulator: no row lost between syncs,
//! checkpoints at cursor-value boundaries, states of Airbyte's own source
//! resumed, and the catalog mistakes that stop a sync.

mod common;

use common::*;
use serde_json::{json, Value};

fn read(
    server: &mssql_emulator::RunningEmulator,
    extra: Value,
    catalog: &str,
    state: Option<&str>,
) -> Run {
    let config = config(server, extra);
    let mut args = vec!["read", "--config", &config, "--catalog", catalog];
    if let Some(state) = state {
        args.extend(["--state", state]);
    }
    run(&args)
}

/// The `stream_state` of each STATE message.
fn stream_states(run: &Run) -> Vec<Value> {
    run.states()
        .iter()
        .map(|s| s["stream"]["stream_state"].clone())
        .collect()
}

fn ids(run: &Run) -> Vec<i64> {
    run.records()
        .iter()
        .map(|r| r["id"].as_i64().expect("an id"))
        .collect()
}

const EVENTS: &str = "
CREATE TABLE dbo.events (id int NOT NULL PRIMARY KEY, at datetime2(7) NOT NULL, what nvarchar(20))
GO
INSERT INTO dbo.events VALUES
    (1, '2024-01-01T00:00:00.0000001', N'a'),
    (2, '2024-01-01T00:00:00.0000002', N'b'),
    (3, '2024-01-01T00:00:00.1234567', N'c')
";

#[test]
fn second_sync_gets_every_new_row() {
    let server = emulator(EVENTS);
    let catalog = catalog(&[("dbo", "events", "incremental", Some("at"))]);
    let first = read(&server, json!({}), &catalog, None);
    first.assert_success();
    assert_eq!(ids(&first), [1, 2, 3]);
    // The first sync is an initial load in key order; its last state hands
    // over to the cursor, at its largest value when the load began.
    let last = stream_states(&first).pop().expect("a final state");
    assert_eq!(
        last,
        json!({"version": 2, "state_type": "cursor_based", "stream_name": "events",
               "stream_namespace": "dbo", "cursor_field": ["at"],
               "cursor": "2024-01-01T00:00:00.1234567", "cursor_record_count": 0})
    );

    // A row committed later with the saved cursor value, and later rows.
    execute(
        &server,
        "INSERT INTO dbo.events VALUES
             (4, '2024-01-01T00:00:00.1234567', N'same instant'),
             (5, '2024-01-01T00:00:00.1234568', N'next tick'),
             (6, '2025-06-01T00:00:00', N'later')",
    );
    let second = read(&server, json!({}), &catalog, Some(&first.state_file()));
    second.assert_success();
    let mut got = ids(&second);
    got.sort();
    // Row 3 again (it shares the saved value), and every new row.
    assert_eq!(got, [3, 4, 5, 6]);
    let last = stream_states(&second).pop().unwrap();
    assert_eq!(last["cursor"], "2025-06-01T00:00:00.0000000");
    assert_eq!(last["cursor_record_count"], 1);

    // Nothing new: only the rows at the saved value, and the same state.
    let third = read(&server, json!({}), &catalog, Some(&second.state_file()));
    third.assert_success();
    assert_eq!(ids(&third), [6]);
    assert_eq!(stream_states(&third).pop().unwrap(), last);
}

/// With `checkpoint_interval_rows`, STATE comes every N rows or so, but
/// only where the cursor value changes: a run of equal values is never split.
/// (The table has no key, so even its first sync is read by the cursor.)
#[test]
fn checkpoints_never_split_a_run_of_equal_values() {
    let values = [1, 1, 1, 2, 3, 3, 4, 5, 5, 5, 5, 6, 7, 7];
    let rows: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("({i}, {v})"))
        .collect();
    let server = emulator(&format!(
        "CREATE TABLE dbo.runs (id int NOT NULL, v bigint NOT NULL)
         GO
         INSERT INTO dbo.runs VALUES {}",
        rows.join(", ")
    ));
    let catalog = catalog(&[("dbo", "runs", "incremental", Some("v"))]);
    let run = read(
        &server,
        json!({"checkpoint_interval_rows": 2}),
        &catalog,
        None,
    );
    run.assert_success();

    // Walk the output: each STATE covers exactly the records before it.
    let mut seen: Vec<i64> = Vec::new();
    let mut since_last = 0u64;
    let mut checkpoints = Vec::new();
    for message in run.messages() {
        match message["type"].as_str().unwrap() {
            "RECORD" => {
                seen.push(message["record"]["data"]["v"].as_i64().unwrap());
                since_last += 1;
            }
            "STATE" => {
                let state = &message["state"];
                assert_eq!(
                    state["sourceStats"]["recordCount"],
                    json!(since_last as f64)
                );
                since_last = 0;
                let cursor: i64 = state["stream"]["stream_state"]["cursor"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                let count = state["stream"]["stream_state"]["cursor_record_count"]
                    .as_u64()
                    .unwrap();
                // Every row with the cursor value has been read, and none after it.
                let all = values.iter().filter(|v| **v == cursor).count() as u64;
                assert_eq!(count, all, "state at {cursor}");
                assert_eq!(*seen.last().unwrap(), cursor);
                assert_eq!(seen.iter().filter(|v| **v == cursor).count() as u64, all);
                checkpoints.push(cursor);
            }
            _ => {}
        }
    }
    assert_eq!(seen.len(), values.len());
    // Due after two rows, written where the value next changes (after
    // the 1s, the 3s, the 5s), and at the end.
    assert_eq!(checkpoints, [1, 3, 5, 7]);
}

#[test]
fn states_of_airbytes_own_source_are_resumed() {
    let server = emulator(
        "CREATE TABLE dbo.orders (id int NOT NULL PRIMARY KEY, updated datetime NOT NULL, amount decimal(18,2))
         GO
         INSERT INTO dbo.orders VALUES
             (1, '2024-01-01T10:00:00.000', 1.50), (2, '2024-01-02T10:00:00.997', 2.50),
             (3, '2024-01-03T10:00:00.000', 3.50)",
    );
    let catalog = catalog(&[("dbo", "orders", "incremental", Some("updated"))]);
    // Airbyte's source keeps six fraction digits, and older versions wrote
    // the legacy shape.
    let legacy = file(
        &json!({"cdc": false, "streams": [{"stream_name": "orders", "stream_namespace": "dbo",
                "cursor_field": ["updated"], "cursor": "2024-01-02T10:00:00.997000",
                "cursor_record_count": 1}]})
        .to_string(),
    );
    let run = read(&server, json!({}), &catalog, Some(&legacy));
    run.assert_success();
    assert_eq!(ids(&run), [2, 3]);

    // A per-stream state without `state_type`, as older versions wrote it.
    let untyped = file(
        &json!([{"type": "STREAM", "stream": {
            "stream_descriptor": {"name": "orders", "namespace": "dbo"},
            "stream_state": {"cursor_field": ["updated"], "cursor": "2024-01-03T10:00:00.000000",
                             "version": 2}}}])
        .to_string(),
    );
    let run = read(&server, json!({}), &catalog, Some(&untyped));
    run.assert_success();
    assert_eq!(ids(&run), [3]);
    assert_eq!(
        stream_states(&run).pop().unwrap()["cursor"],
        "2024-01-03T10:00:00.000"
    );
}

#[test]
fn decimal_and_datetimeoffset_cursors() {
    let server = emulator(
        "CREATE TABLE dbo.prices (id int NOT NULL PRIMARY KEY, p decimal(38,10) NOT NULL, at datetimeoffset(7) NOT NULL)
         GO
         INSERT INTO dbo.prices VALUES
             (1, CAST('1234567890123456789012345678.1234567890' AS decimal(38,10)), '2024-01-01T12:00:00.1234567+02:00'),
             (2, CAST('1234567890123456789012345678.1234567891' AS decimal(38,10)), '2024-01-01T11:00:00.1234568+01:00')",
    );
    let by_price = catalog(&[("dbo", "prices", "incremental", Some("p"))]);
    let run = read(&server, json!({}), &by_price, None);
    run.assert_success();
    let state = stream_states(&run).pop().unwrap();
    assert_eq!(state["cursor"], "1234567890123456789012345678.1234567891");
    let again = read(&server, json!({}), &by_price, Some(&run.state_file()));
    again.assert_success();
    assert_eq!(ids(&again), [2]);

    let by_time = catalog(&[("dbo", "prices", "incremental", Some("at"))]);
    let run = read(&server, json!({}), &by_time, None);
    run.assert_success();
    // 10:00:00.1234567Z, then 10:00:00.1234568Z: the later instant, in its own offset.
    assert_eq!(ids(&run), [1, 2]);
    let state = stream_states(&run).pop().unwrap();
    assert_eq!(state["cursor"], "2024-01-01T11:00:00.1234568+01:00");
    let again = read(&server, json!({}), &by_time, Some(&run.state_file()));
    assert_eq!(ids(&again), [2]);
}

#[test]
fn a_cursor_that_cannot_be_one_is_a_config_error() {
    let server = emulator(EVENTS);
    let catalog = catalog(&[("dbo", "events", "incremental", Some("what"))]);
    let run = read(&server, json!({}), &catalog, None);
    assert_eq!(run.code, 1);
    let error = run.error();
    assert_eq!(error["failure_type"], "config_error");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("cursor column `what` of type nvarchar(20)"),
        "{message}"
    );
    assert!(run.records().is_empty());
}

#[test]
fn a_cursor_column_that_is_gone_is_a_config_error() {
    let server = emulator(EVENTS);
    let catalog = catalog(&[("dbo", "events", "incremental", Some("nope"))]);
    let run = read(&server, json!({}), &catalog, None);
    assert_eq!(run.code, 1);
    assert_eq!(run.error()["failure_type"], "config_error");
    assert!(run.error()["message"]
        .as_str()
        .unwrap()
        .contains("cursor column `nope`"));
}

/// As in Airbyte's source, the other streams are still read; unlike it (it
/// only logs), the sync then fails with a config error naming the stream.
#[test]
fn a_stream_that_no_longer_exists() {
    let server = emulator(EVENTS);
    let catalog = catalog(&[
        ("dbo", "dropped_table", "full_refresh", None),
        ("dbo", "events", "incremental", Some("at")),
    ]);
    let run = read(&server, json!({}), &catalog, None);
    assert_eq!(run.code, 1);
    assert_eq!(ids(&run), [1, 2, 3]);
    let error = run.error();
    assert_eq!(error["failure_type"], "config_error");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("`dbo.dropped_table`"),
        "{error}"
    );
    let statuses: Vec<(String, String)> = run
        .traces("STREAM_STATUS")
        .iter()
        .map(|t| {
            let s = &t["stream_status"];
            (
                s["stream_descriptor"]["name"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(statuses.contains(&("events".into(), "COMPLETE".into())));
    assert!(statuses.contains(&("dropped_table".into(), "INCOMPLETE".into())));
    // The stream that was read has its state.
    assert_eq!(run.states().len(), 1);
}

#[test]
fn an_initial_load_state_of_airbytes_source_is_resumed() {
    let server = emulator(EVENTS);
    let catalog = catalog(&[("dbo", "events", "incremental", Some("at"))]);
    let state = file(
        &json!([{"type": "STREAM", "stream": {
            "stream_descriptor": {"name": "events", "namespace": "dbo"},
            "stream_state": {"state_type": "ordered_column", "ordered_col": "id",
                             "ordered_col_val": "2", "version": 2,
                             "incremental_state": {"state_type": "cursor_based", "stream_name": "events",
                                "cursor_field": ["at"], "cursor": "2024-01-01T00:00:00.1234567"}}}}])
        .to_string(),
    );
    let run = read(&server, json!({}), &catalog, Some(&state));
    run.assert_success();
    assert_eq!(ids(&run), [3]);
    assert_eq!(
        stream_states(&run).pop().unwrap(),
        json!({"version": 2, "state_type": "cursor_based", "stream_name": "events",
               "stream_namespace": "dbo", "cursor_field": ["at"],
               "cursor": "2024-01-01T00:00:00.1234567", "cursor_record_count": 0})
    );
}

#[test]
fn rowversion_cursor() {
    let server = emulator(
        "CREATE TABLE dbo.versions (id int NOT NULL PRIMARY KEY, name nvarchar(10), rv rowversion)
         GO
         INSERT INTO dbo.versions (id, name) VALUES (1, N'a'), (2, N'b')",
    );
    let catalog = catalog(&[("dbo", "versions", "incremental", Some("rv"))]);
    let first = read(&server, json!({}), &catalog, None);
    first.assert_success();
    assert_eq!(ids(&first), [1, 2]);
    let cursor = stream_states(&first).pop().unwrap()["cursor"].clone();
    assert!(cursor.as_str().is_some_and(|c| c.len() == 12), "{cursor}");

    execute(&server, "UPDATE dbo.versions SET name = N'a2' WHERE id = 1");
    let second = read(&server, json!({}), &catalog, Some(&first.state_file()));
    second.assert_success();
    // Row 2 again (it had the saved rowversion), and the updated row 1.
    assert_eq!(ids(&second), [2, 1]);
}
