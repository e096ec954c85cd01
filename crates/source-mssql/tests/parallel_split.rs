//! One table split in key ranges read at once (`table_split_parts`):
//! every row exactly once, every STATE covering only rows written before
//! it, and a read killed after some checkpoints resumed from its state
//! with no row missing and none read twice.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Ids with gaps and negatives, so the ranges' cuts fall between rows.
fn ids() -> Vec<i64> {
    (0..20_000i64).map(|i| i * 3 - 7_000).collect()
}

fn big_table() -> mssql_emulator::RunningEmulator {
    let mut init = String::from(
        "CREATE TABLE dbo.big (id bigint NOT NULL PRIMARY KEY, label nvarchar(40))\nGO\n",
    );
    for chunk in ids().chunks(1000) {
        let values: Vec<String> = chunk.iter().map(|i| format!("({i}, N'row {i}')")).collect();
        init.push_str(&format!(
            "INSERT INTO dbo.big VALUES {}\n",
            values.join(", ")
        ));
    }
    emulator(&init)
}

fn split_config(server: &mssql_emulator::RunningEmulator) -> String {
    config(
        server,
        json!({"concurrency": 4, "table_split_parts": 4, "table_split_min_rows": 0,
               "checkpoint_interval_rows": 500}),
    )
}

/// The ids a split state says are done: in each range, every id up to its
/// position (all of it when finished).
fn covered(state: &Value, all: &[i64]) -> BTreeSet<i64> {
    assert_eq!(state["state_type"], "split_ordered_column", "{state}");
    let mut done = BTreeSet::new();
    for range in state["ranges"].as_array().unwrap() {
        let bound = |key: &str| range[key].as_str().map(|b| b.parse::<i64>().unwrap());
        let (lower, upper) = (bound("lower"), bound("upper"));
        let position = &range["position"];
        let finished = position["finished"] == true;
        let last = position["ordered_col_val"]
            .as_str()
            .map(|v| v.parse::<i64>().unwrap());
        for id in all {
            let inside = lower.is_none_or(|l| *id >= l) && upper.is_none_or(|u| *id < u);
            let read = finished || last.is_some_and(|last| *id <= last);
            if inside && read {
                done.insert(*id);
            }
        }
    }
    done
}

/// Walks stdout: each STATE covers only ids written before it, and its
/// record count is the records since the previous STATE.
fn check_states(run_stdout: &str, all: &[i64]) -> (Vec<i64>, Vec<Value>) {
    let mut written = Vec::new();
    let mut states = Vec::new();
    let mut since = 0u64;
    for line in run_stdout.lines() {
        let message: Value = serde_json::from_str(line).unwrap();
        match message["type"].as_str().unwrap() {
            "RECORD" => {
                written.push(message["record"]["data"]["id"].as_i64().unwrap());
                since += 1;
            }
            "STATE" => {
                let state = message["state"]["stream"]["stream_state"].clone();
                let seen: BTreeSet<i64> = written.iter().copied().collect();
                let missing: Vec<i64> = covered(&state, all).difference(&seen).copied().collect();
                assert!(missing.is_empty(), "state covers unwritten ids {missing:?}");
                assert_eq!(
                    message["state"]["sourceStats"]["recordCount"],
                    json!(since as f64)
                );
                since = 0;
                states.push(message["state"].clone());
            }
            _ => {}
        }
    }
    (written, states)
}

#[test]
fn a_split_table_gives_every_row_exactly_once() {
    let server = big_table();
    let catalog = catalog(&[("dbo", "big", "full_refresh", None)]);
    let run = run(&[
        "read",
        "--config",
        &split_config(&server),
        "--catalog",
        &catalog,
    ]);
    run.assert_success();
    let all = ids();
    let (written, states) = check_states(&run.stdout, &all);
    let mut sorted = written.clone();
    sorted.sort();
    assert_eq!(sorted, all, "every row exactly once");
    // Read at once: the output is not in key order.
    assert!(
        written.windows(2).any(|w| w[0] > w[1]),
        "ranges were not interleaved"
    );

    let last = &states.last().unwrap()["stream"]["stream_state"];
    let ranges = last["ranges"].as_array().unwrap();
    assert_eq!(ranges.len(), 4, "{last}");
    assert!(
        ranges.iter().all(|r| r["position"]["finished"] == true),
        "{last}"
    );
    let statuses: Vec<String> = run
        .traces("STREAM_STATUS")
        .iter()
        .map(|t| t["stream_status"]["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["STARTED", "RUNNING", "COMPLETE"]);
    assert!(run.stdout.contains("is read in 4 ranges of `id` at once"));

    // A finished state starts the next full refresh over, in new ranges.
    let again = common::run(&[
        "read",
        "--config",
        &split_config(&server),
        "--catalog",
        &catalog,
        "--state",
        &run.state_file(),
    ]);
    again.assert_success();
    assert_eq!(again.records().len(), all.len());
}

#[test]
fn a_split_read_killed_midway_resumes_from_its_state() {
    let server = big_table();
    let catalog = catalog(&[("dbo", "big", "full_refresh", None)]);
    let config = split_config(&server);
    // Read until a few checkpoints are out, then kill.
    let lines = run_until_states(&["read", "--config", &config, "--catalog", &catalog], 6);
    let first = lines.join("\n");
    let all = ids();
    let (_, states) = check_states(&first, &all);
    let state = states.last().unwrap();
    let done = covered(&state["stream"]["stream_state"], &all);
    assert!(done.len() < all.len(), "the read was not stopped midway");

    let state_file = file(&json!([state]).to_string());
    let resumed = run(&[
        "read",
        "--config",
        &config,
        "--catalog",
        &catalog,
        "--state",
        &state_file,
    ]);
    resumed.assert_success();
    let again: Vec<i64> = resumed
        .records()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let twice: Vec<&i64> = again.iter().filter(|id| done.contains(id)).collect();
    assert!(twice.is_empty(), "read again after the state: {twice:?}");
    let union: BTreeSet<i64> = done.iter().chain(&again).copied().collect();
    assert_eq!(union.len(), all.len(), "a row is missing");
    assert_eq!(again.len() + done.len(), all.len(), "a row is read twice");
    eprintln!(
        "killed after {} rows checkpointed; the resumed read got the other {}",
        done.len(),
        again.len()
    );
}

/// Peak memory (VmHWM, kB) of a read of `rows` rows split in 4 ranges on
/// 4 connections, sampled while its stdout is drained slowly: the readers
/// outrun stdout all along, and must wait instead of queueing.
fn peak_kb_reading(rows: i64) -> u64 {
    let mut init = String::from(
        "CREATE TABLE dbo.big (id bigint NOT NULL PRIMARY KEY, label nvarchar(300))\nGO\n",
    );
    let ids: Vec<i64> = (0..rows).collect();
    for chunk in ids.chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| format!("({i}, REPLICATE(N'x', 250))"))
            .collect();
        init.push_str(&format!(
            "INSERT INTO dbo.big VALUES {}\n",
            values.join(", ")
        ));
    }
    let server = emulator(&init);
    let catalog = catalog(&[("dbo", "big", "full_refresh", None)]);
    let config = split_config(&server);
    let mut child = Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(["read", "--config", &config, "--catalog", &catalog])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let sample = || -> Option<u64> {
        let text = std::fs::read_to_string(&status).ok()?;
        let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let (mut peak, mut records) = (0, 0);
    for (n, line) in BufReader::new(child.stdout.take().unwrap())
        .lines()
        .enumerate()
    {
        records += usize::from(line.unwrap().starts_with(r#"{"type":"RECORD""#));
        if n % 50 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        if n % 1_000 == 0 {
            peak = peak.max(sample().unwrap_or(0));
        }
    }
    assert!(child.wait().unwrap().success());
    assert_eq!(records as i64, rows);
    peak
}

/// Memory doesn't grow with the table: ten times the rows (about 60 MB of
/// output against 6) peak within a few MB of each other.
#[test]
fn memory_stays_flat_as_the_table_grows() {
    let small = peak_kb_reading(20_000);
    let big = peak_kb_reading(200_000);
    eprintln!("peak RSS reading 20,000 rows: {small} kB; 200,000 rows: {big} kB");
    assert!(small > 0 && big > 0, "no memory figure was read");
    assert!(
        big < small + 8 * 1024,
        "peak grew from {small} kB to {big} kB"
    );
}

/// Date and datetime leading keys split too, cut at whole days and seconds:
/// every row once, whatever its fraction of a second.
#[test]
fn date_and_datetime_keys_split_without_gap_or_overlap() {
    const ROWS: usize = 3_000;
    let mut init = String::from(
        "CREATE TABLE dbo.days (d date NOT NULL PRIMARY KEY, n int)\nGO\n\
         CREATE TABLE dbo.moments (at datetime2(7) NOT NULL PRIMARY KEY, n int)\nGO\n",
    );
    for chunk in (0..ROWS).collect::<Vec<_>>().chunks(500) {
        let days: Vec<String> = chunk
            .iter()
            .map(|n| format!("(DATEADD(day, {n}, CAST('2001-01-01' AS date)), {n})"))
            .collect();
        init.push_str(&format!(
            "INSERT INTO dbo.days VALUES {}\n",
            days.join(", ")
        ));
        // 37 minutes and a fraction apart, so some rows fall near a cut.
        let moments: Vec<String> = chunk
            .iter()
            .map(|n| {
                format!(
                    "(DATEADD(millisecond, {}, DATEADD(minute, {}, CAST('2020-01-01T00:00:00' \
                     AS datetime2(7)))), {n})",
                    n % 1000,
                    n * 37
                )
            })
            .collect();
        init.push_str(&format!(
            "INSERT INTO dbo.moments VALUES {}\n",
            moments.join(", ")
        ));
    }
    let server = emulator(&init);
    let catalog = catalog(&[
        ("dbo", "days", "full_refresh", None),
        ("dbo", "moments", "full_refresh", None),
    ]);
    let run = run(&[
        "read",
        "--config",
        &split_config(&server),
        "--catalog",
        &catalog,
    ]);
    run.assert_success();
    for table in ["days", "moments"] {
        let mut numbers: Vec<i64> = run
            .of_type("RECORD")
            .iter()
            .filter(|m| m["record"]["stream"] == table)
            .map(|m| m["record"]["data"]["n"].as_i64().unwrap())
            .collect();
        numbers.sort();
        assert_eq!(numbers, (0..ROWS as i64).collect::<Vec<_>>(), "{table}");
        let note = format!("stream `dbo.{table}` is read in 4 ranges");
        assert!(run.stdout.contains(&note), "{table} was not split");
    }
}

/// In Singer mode a split table is still one stream: one SCHEMA, every
/// row once under one version, and the version activated once at its end.
#[test]
fn singer_mode_sees_one_stream_for_a_split_table() {
    let server = big_table();
    let config = split_config(&server);
    let tap = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_source-mssql"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (discovered, _) = tap(&["--config", &config, "--discover"]);
    let mut catalog: Value = serde_json::from_str(&discovered).unwrap();
    for stream in catalog["streams"].as_array_mut().unwrap() {
        stream["metadata"][0]["metadata"]["selected"] = json!(true);
        stream["metadata"][0]["metadata"]["replication-method"] = json!("FULL_TABLE");
    }
    let catalog = file(&catalog.to_string());
    let (stdout, stderr) = tap(&["--config", &config, "--catalog", &catalog]);
    assert!(stderr.contains("is read in 4 ranges"), "{stderr}");
    let messages: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |kind: &str| {
        messages
            .iter()
            .filter(|m| m["type"] == kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(of("SCHEMA").len(), 1);
    let records = of("RECORD");
    let versions: BTreeSet<i64> = records
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions.len(), 1, "one version for every range");
    let mut read: Vec<i64> = records
        .iter()
        .map(|r| r["record"]["id"].as_i64().unwrap())
        .collect();
    read.sort();
    assert_eq!(read, ids());
    // The first sync activates the version at its start and at its end.
    let activations = of("ACTIVATE_VERSION");
    assert_eq!(activations.len(), 2, "{activations:?}");
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.contains(r#""type":"STATE""#));
    assert!(
        last.is_some_and(|l| l.contains("ACTIVATE_VERSION")),
        "the version is activated after every range's rows"
    );
}
