//! Resumable reads in key order: a read stopped after any checkpoint and
//! resumed from it delivers every row of the table exactly once, for every
//! key shape; the key is the clustered one; a table without a key is read
//! in one pass; an incremental stream's initial load resumes, then hands over
//! to its cursor; rows inserted and deleted between two runs and while the
//! query streams.

mod common;

use common::*;
use serde_json::{json, Value};
use source_mssql::json::RecordWriter;
use source_mssql::protocol::airbyte::{LogLevel, StreamDescriptor, StreamStatus};
use source_mssql::protocol::output::ReadOutput;
use source_mssql::protocol::writer::MessageWriter;
use source_mssql::source::plan::StreamPlan;
use source_mssql::state::StreamState;
use std::collections::BTreeMap;
use std::io;

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
    let run = run(&args);
    run.assert_success();
    run
}

/// The key of a record: its key columns' values, as one JSON array.
fn key_of(record: &Value, key: &[&str]) -> Value {
    Value::Array(key.iter().map(|k| record[*k].clone()).collect())
}

/// The records before the `n`th STATE (counting from 0), and that STATE as
/// a state file for the next run: what a platform keeps of a sync that
/// died right after that checkpoint.
fn cut(run: &Run, n: usize) -> (Vec<Value>, String) {
    let mut records = Vec::new();
    let mut states = 0;
    for message in run.messages() {
        match message["type"].as_str().unwrap() {
            "RECORD" => records.push(message["record"]["data"].clone()),
            "STATE" if states == n => {
                return (records, file(&json!([message["state"]]).to_string()));
            }
            "STATE" => states += 1,
            _ => {}
        }
    }
    panic!("no STATE number {n} in {}", run.stdout)
}

/// Counts of each key among `records`.
fn tally(records: &[Value], key: &[&str]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for record in records {
        *counts.entry(key_of(record, key).to_string()).or_insert(0) += 1;
    }
    counts
}

/// The keys `expected` each once.
fn once(expected: &[Value]) -> BTreeMap<String, usize> {
    expected.iter().map(|k| (k.to_string(), 1)).collect()
}

/// Stops a read after every checkpoint in turn and resumes it: each time,
/// the records before the checkpoint and those of the resumed run are the
/// table's rows, each exactly once.
/// Returns the keys in the order the server gave them.
fn every_cut_resumes_exactly(
    init: &str,
    table: &str,
    key: &[&str],
    expected: &[Value],
) -> Vec<Value> {
    let server = emulator(init);
    let catalog = catalog(&[("dbo", table, "full_refresh", None)]);
    let extra = json!({"checkpoint_interval_rows": 3});
    let full = read(&server, extra.clone(), &catalog, None);
    assert_eq!(
        tally(&full.records(), key),
        once(expected),
        "{}",
        full.stdout
    );
    let states = full.states();
    assert!(states.len() >= 3, "{}", full.stdout);
    let last = &states.last().unwrap()["stream"]["stream_state"];
    assert_eq!(last["finished"], true, "{last}");
    assert_eq!(last["ordered_col"], key[0], "{last}");
    for n in 0..states.len() - 1 {
        let (before, state) = cut(&full, n);
        let resumed = read(&server, extra.clone(), &catalog, Some(&state));
        let mut union = before.clone();
        union.extend(resumed.records());
        assert_eq!(
            tally(&union, key),
            once(expected),
            "cut after STATE {n}: {}",
            resumed.stdout
        );
        // The resumed run picks up in key order right after the cut.
        assert_eq!(resumed.records(), full.records()[before.len()..], "cut {n}");
    }
    full.records().iter().map(|r| key_of(r, key)).collect()
}

#[test]
fn int_key() {
    let values: Vec<i64> = (0..20).map(|i| i * 7 - 50).collect();
    let rows: Vec<String> = values.iter().map(|v| format!("({v}, N'r{v}')")).collect();
    let init = format!(
        "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v nvarchar(10))\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    );
    let expected: Vec<Value> = values.iter().map(|v| json!([v])).collect();
    every_cut_resumes_exactly(&init, "t", &["id"], &expected);
}

#[test]
fn bigint_key() {
    let values: Vec<i64> = vec![
        i64::MIN,
        -9_000_000_000_000,
        -1,
        0,
        1,
        2_147_483_648,
        4_000_000_000,
        9_000_000_000_000_000,
        i64::MAX,
    ];
    let rows: Vec<String> = values.iter().map(|v| format!("({v})")).collect();
    let init = format!(
        "CREATE TABLE dbo.t (id bigint NOT NULL PRIMARY KEY)\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    );
    let expected: Vec<Value> = values.iter().map(|v| json!([v])).collect();
    every_cut_resumes_exactly(&init, "t", &["id"], &expected);
}

/// Under the default case-insensitive, accent-sensitive collation: the
/// server's order, not the bytes', decides what comes after a saved key.
#[test]
fn nvarchar_key_under_the_columns_collation() {
    let values = [
        "apple", "Banana", "cherry  ", "école", "ecole", "Zebra", "zoo", "Ärger", "a b", "",
        "  lead", "ß", "Ω", "名前", "x'quote", "MiXeD", "mixe",
    ];
    let rows: Vec<String> = values
        .iter()
        .map(|v| format!("(N'{}')", v.replace('\'', "''")))
        .collect();
    let init = format!(
        "CREATE TABLE dbo.t (name nvarchar(40) NOT NULL PRIMARY KEY)\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    );
    let expected: Vec<Value> = values.iter().map(|v| json!([v])).collect();
    let order = every_cut_resumes_exactly(&init, "t", &["name"], &expected);
    let at = |v: &str| order.iter().position(|k| k == &json!([v])).unwrap();
    // Case-insensitive, accents after their base letter: not byte order.
    assert!(
        at("apple") < at("Banana") && at("Banana") < at("cherry  "),
        "{order:?}"
    );
    assert!(
        at("ecole") < at("école") && at("école") < at("Zebra"),
        "{order:?}"
    );
}

/// Guids that differ in each byte group: SQL Server orders the last group
/// first, so text order would skip or repeat rows.
fn guids() -> Vec<String> {
    let mut guids = Vec::new();
    for (n, group) in [0usize, 1, 2, 3, 4].iter().cycle().take(15).enumerate() {
        let mut digits: Vec<String> = ["00000000", "0000", "0000", "0000", "000000000000"]
            .iter()
            .map(|g| g.to_string())
            .collect();
        let g = &mut digits[*group];
        let tail = format!("{:02X}", n * 17 % 256);
        g.replace_range(g.len() - 2.., &tail);
        guids.push(digits.join("-"));
    }
    guids
}

#[test]
fn uniqueidentifier_key() {
    let guids = guids();
    let rows: Vec<String> = guids.iter().map(|g| format!("('{g}')")).collect();
    let init = format!(
        "CREATE TABLE dbo.t (id uniqueidentifier NOT NULL PRIMARY KEY)\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    );
    let expected: Vec<Value> = guids.iter().map(|g| json!([g])).collect();
    let order = every_cut_resumes_exactly(&init, "t", &["id"], &expected);
    // SQL Server's order: the last byte group first, the first group last.
    assert_eq!(
        order.first(),
        Some(&json!(["00000000-0000-0000-0000-000000000000"]))
    );
    assert!(
        order[1][0].as_str().unwrap().starts_with("000000"),
        "{order:?}"
    );
    assert!(
        order.last().unwrap()[0]
            .as_str()
            .unwrap()
            .starts_with("00000000-0000-0000-0000-0000000000"),
        "{order:?}"
    );
    let mut as_text = order.clone();
    as_text.sort_by_key(|k| k[0].as_str().unwrap().to_string());
    assert_ne!(order, as_text);
}

#[test]
fn datetime2_key() {
    let values: Vec<String> = (0..12)
        .map(|i| {
            format!(
                "20{:02}-0{}-1{}T0{}:00:00.{:07}",
                10 + i,
                1 + i % 9,
                i % 10,
                i % 10,
                i * 1_234_567 % 10_000_000
            )
        })
        .collect();
    let rows: Vec<String> = values.iter().map(|v| format!("('{v}')")).collect();
    let init = format!(
        "CREATE TABLE dbo.t (at datetime2(7) NOT NULL PRIMARY KEY)\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    );
    let expected: Vec<Value> = values.iter().map(|v| json!([v])).collect();
    every_cut_resumes_exactly(&init, "t", &["at"], &expected);
}

#[test]
fn composite_int_nvarchar_key() {
    let mut expected = Vec::new();
    let mut rows = Vec::new();
    for n in [1, 2, 10] {
        for s in ["a", "B", "c ", "é", "Z"] {
            rows.push(format!("({n}, N'{s}')"));
            expected.push(json!([n, s]));
        }
    }
    let init = format!(
        "CREATE TABLE dbo.t (n int NOT NULL, s nvarchar(10) NOT NULL, PRIMARY KEY (n, s))\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    );
    every_cut_resumes_exactly(&init, "t", &["n", "s"], &expected);
}

#[test]
fn composite_date_uniqueidentifier_key() {
    let mut expected = Vec::new();
    let mut rows = Vec::new();
    for day in ["2024-01-01", "2024-02-29", "2025-12-31"] {
        for g in guids().iter().step_by(3) {
            rows.push(format!("('{day}', '{g}')"));
            expected.push(json!([day, g]));
        }
    }
    let init = format!(
        "CREATE TABLE dbo.t (day date NOT NULL, id uniqueidentifier NOT NULL, PRIMARY KEY (day, id))\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    );
    every_cut_resumes_exactly(&init, "t", &["day", "id"], &expected);
}

/// The clustered unique index is the physical order: it is chosen over a
/// nonclustered primary key.
#[test]
fn the_clustered_unique_index_is_chosen_over_a_nonclustered_primary_key() {
    let server = emulator(
        "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY NONCLUSTERED, code int NOT NULL, other int NULL)
         GO
         CREATE UNIQUE CLUSTERED INDEX cx_code ON dbo.t (code)
         GO
         CREATE UNIQUE INDEX ux_other ON dbo.t (other)
         GO
         INSERT INTO dbo.t VALUES (1, 30, 1), (2, 20, 2), (3, 10, 3)",
    );
    let catalog = catalog(&[("dbo", "t", "full_refresh", None)]);
    let run = read(&server, json!({}), &catalog, None);
    let codes: Vec<Value> = run.records().iter().map(|r| r["code"].clone()).collect();
    assert_eq!(codes, [json!(10), json!(20), json!(30)]);
    let state = &run.states()[0]["stream"]["stream_state"];
    assert_eq!(state["ordered_col"], "code", "{state}");
    // Discover still reports the primary key as the stream's key.
    let config = config(&server, json!({}));
    let discover = run_discover(&config);
    assert_eq!(discover["source_defined_primary_key"], json!([["id"]]));
    assert_eq!(discover["is_resumable"], true);
}

fn run_discover(config: &str) -> Value {
    let run = run(&["discover", "--config", config]);
    run.assert_success();
    run.of_type("CATALOG")[0]["catalog"]["streams"][0].clone()
}

/// A table without a unique non-null key (a nullable unique column is not
/// one) is read in one pass, and its state says it can't resume.
#[test]
fn a_table_without_a_key_is_read_in_one_pass() {
    let server = emulator(
        "CREATE TABLE dbo.t (a int NULL UNIQUE, b nvarchar(10))
         GO
         INSERT INTO dbo.t VALUES (1, N'x'), (2, N'y'), (NULL, N'z')",
    );
    let stream = run_discover(&config(&server, json!({})));
    assert_eq!(stream["is_resumable"], false);
    let catalog = catalog(&[("dbo", "t", "full_refresh", None)]);
    let run = read(
        &server,
        json!({"checkpoint_interval_rows": 1}),
        &catalog,
        None,
    );
    assert_eq!(run.records().len(), 3);
    let states: Vec<Value> = run
        .states()
        .iter()
        .map(|s| s["stream"]["stream_state"].clone())
        .collect();
    assert_eq!(
        states,
        [json!({"state_type": "full_refresh", "version": 2, "resumable": false, "finished": true})]
    );
    assert_eq!(run.states()[0]["sourceStats"]["recordCount"], 3.0);
    // Its state starts the next run over.
    let again = read(&server, json!({}), &catalog, Some(&run.state_file()));
    assert_eq!(again.records().len(), 3);
}

#[test]
fn a_finished_full_refresh_starts_over() {
    let server = emulator(
        "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY)
         GO
         INSERT INTO dbo.t VALUES (1), (2), (3)",
    );
    let catalog = catalog(&[("dbo", "t", "full_refresh", None)]);
    let first = read(&server, json!({}), &catalog, None);
    let last = first.states().pop().unwrap();
    assert_eq!(last["stream"]["stream_state"]["finished"], true);
    let second = read(&server, json!({}), &catalog, Some(&first.state_file()));
    assert_eq!(second.records(), first.records());
}

/// The first sync of an incremental stream loads the table in key order,
/// resumably; then the cursor takes over from its largest value when the
/// load began, so rows changed during the load are read again, not lost.
#[test]
fn an_interrupted_initial_load_resumes_then_hands_over_to_the_cursor() {
    let rows: Vec<String> = (1..=10)
        .map(|i| format!("({i}, '2024-01-{i:02}T00:00:00')"))
        .collect();
    let server = emulator(&format!(
        "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, at datetime2(0) NOT NULL)
         GO
         INSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    ));
    let catalog = catalog(&[("dbo", "t", "incremental", Some("at"))]);
    let extra = json!({"checkpoint_interval_rows": 3});
    let first = read(&server, extra.clone(), &catalog, None);
    let (before, state) = cut(&first, 0);
    let ids = |records: &[Value]| -> Vec<i64> {
        records.iter().map(|r| r["id"].as_i64().unwrap()).collect()
    };
    assert_eq!(ids(&before), [1, 2, 3]);
    let saved = &first.states()[0]["stream"]["stream_state"];
    assert_eq!(saved["ordered_col_val"], "3");
    assert_eq!(saved["incremental_state"]["cursor"], "2024-01-10T00:00:00");

    // While the sync is down: a row already loaded changes, a new one comes.
    execute(
        &server,
        "UPDATE dbo.t SET at = '2024-02-01T00:00:00' WHERE id = 2
         INSERT INTO dbo.t VALUES (11, '2024-03-01T00:00:00')",
    );
    let second = read(&server, extra.clone(), &catalog, Some(&state));
    assert_eq!(ids(&second.records()), [4, 5, 6, 7, 8, 9, 10, 11]);
    let handed_over = second.states().pop().unwrap()["stream"]["stream_state"].clone();
    assert_eq!(handed_over["state_type"], "cursor_based");
    assert_eq!(handed_over["cursor"], "2024-01-10T00:00:00");

    // Incremental now: from the saved maximum on, the changed row included.
    let third = read(&server, extra, &catalog, Some(&second.state_file()));
    let mut got = ids(&third.records());
    got.sort();
    assert_eq!(got, [2, 10, 11]);
    assert_eq!(
        third.states().pop().unwrap()["stream"]["stream_state"]["cursor"],
        "2024-03-01T00:00:00"
    );
}

/// Rows inserted and deleted while a full refresh is stopped at a
/// checkpoint: every row present for the whole sync is delivered once, and
/// rows inserted past the checkpoint too.
#[test]
fn rows_inserted_and_deleted_during_a_resumable_full_refresh() {
    let rows: Vec<String> = (1..=20).map(|i| format!("({})", i * 10)).collect();
    let server = emulator(&format!(
        "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY)\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    ));
    let catalog = catalog(&[("dbo", "t", "full_refresh", None)]);
    let extra = json!({"checkpoint_interval_rows": 5});
    let first = read(&server, extra.clone(), &catalog, None);
    let (before, state) = cut(&first, 1);
    assert_eq!(before.len(), 10);
    execute(
        &server,
        "DELETE FROM dbo.t WHERE id IN (30, 150)
         INSERT INTO dbo.t VALUES (55), (155), (1000)",
    );
    let second = read(&server, extra, &catalog, Some(&state));
    let mut union = before;
    union.extend(second.records());
    let counts = tally(&union, &["id"]);
    let stayed = (1..=20)
        .map(|i| i * 10)
        .filter(|id| ![30, 150].contains(id));
    for id in stayed {
        assert_eq!(
            counts.get(&json!([id]).to_string()),
            Some(&1),
            "row {id}: {counts:?}"
        );
    }
    for id in [155, 1000] {
        assert_eq!(counts.get(&json!([id]).to_string()), Some(&1), "row {id}");
    }
    assert!(!counts.contains_key(&json!([150]).to_string()));
}

/// The process killed right after its second checkpoint: what the platform
/// had (records before that STATE) and the resumed run make the table.
#[test]
fn killed_after_a_checkpoint_and_resumed() {
    let rows: Vec<String> = (1..=3000).map(|i| format!("({i}, N'row {i}')")).collect();
    let server = emulator(&format!(
        "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v nvarchar(20))\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    ));
    let catalog = catalog(&[("dbo", "t", "full_refresh", None)]);
    let config = config(&server, json!({"checkpoint_interval_rows": 100}));
    let lines = run_until_states(&["read", "--config", &config, "--catalog", &catalog], 2);
    let messages: Vec<Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let mut delivered: Vec<Value> = messages
        .iter()
        .filter(|m| m["type"] == "RECORD")
        .map(|m| m["record"]["data"].clone())
        .collect();
    let last = messages.last().expect("the read wrote its STATE lines");
    assert_eq!(last["type"], "STATE");
    let state = Some(file(&json!([last["state"]]).to_string()));
    assert_eq!(delivered.len(), 200);
    let resumed = read(&server, json!({}), &catalog, state.as_deref());
    delivered.extend(resumed.records());
    let expected: Vec<Value> = (1..=3000).map(|i| json!([i])).collect();
    assert_eq!(tally(&delivered, &["id"]), once(&expected));
}

/// TRACE ESTIMATE before the stream, from the catalog; a LOG at every
/// checkpoint with the rows so far and the share done.
#[test]
fn estimates_and_progress() {
    let rows: Vec<String> = (1..=2000)
        .map(|i| format!("({i}, N'some text for row {i}')"))
        .collect();
    let server = emulator(&format!(
        "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v nvarchar(40))\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    ));
    let catalog = catalog(&[("dbo", "t", "full_refresh", None)]);
    let run = read(
        &server,
        json!({"checkpoint_interval_rows": 500}),
        &catalog,
        None,
    );
    let estimate = &run.traces("ESTIMATE")[0]["estimate"];
    assert_eq!(estimate["row_estimate"], 2000);
    let bytes = estimate["byte_estimate"].as_u64().unwrap();
    assert!(
        bytes.is_multiple_of(8192) && (2000 * 20..2000 * 200).contains(&bytes),
        "{estimate}"
    );
    let progress: Vec<String> = run
        .of_type("LOG")
        .iter()
        .map(|m| m["log"]["message"].as_str().unwrap().to_string())
        .filter(|m| m.contains("rows read"))
        .collect();
    assert_eq!(progress.len(), 4, "{progress:?}");
    for (n, line) in progress.iter().enumerate() {
        let share = (n + 1) * 25;
        assert!(
            line.starts_with(&format!("stream `dbo.t`: {} rows read in ", (n + 1) * 500)),
            "{line}"
        );
        assert!(
            line.ends_with(&format!("about {share}% of the 2000 rows estimated")),
            "{line}"
        );
    }
}

/// Writes the read's messages, and runs `during` on another connection
/// at the read's first checkpoint, while its query is still streaming.
struct WritesDuring<F: FnMut()> {
    out: MessageWriter<Vec<u8>>,
    during: Option<F>,
}

impl<F: FnMut()> ReadOutput for WritesDuring<F> {
    fn log(&mut self, level: LogLevel, message: &str) -> io::Result<()> {
        self.out.log(level, message)
    }
    fn stream_status(&mut self, stream: &StreamDescriptor, status: StreamStatus) -> io::Result<()> {
        self.out.stream_status(stream, status)
    }
    fn estimate(
        &mut self,
        stream: &StreamDescriptor,
        rows: Option<u64>,
        bytes: Option<u64>,
    ) -> io::Result<()> {
        self.out.estimate(stream, rows, bytes)
    }
    fn stream_started(&mut self, plan: &StreamPlan) -> io::Result<RecordWriter> {
        self.out.stream_started(plan)
    }
    fn records(&mut self, lines: &[u8]) -> io::Result<()> {
        self.out.records(lines)
    }
    fn checkpoint(
        &mut self,
        plan: &StreamPlan,
        state: Option<&StreamState>,
        records: u64,
    ) -> io::Result<()> {
        if let Some(mut during) = self.during.take() {
            during();
        }
        self.out.checkpoint(plan, state, records)
    }
    fn stream_finished(&mut self, plan: &StreamPlan) -> io::Result<()> {
        self.out.stream_finished(plan)
    }
    fn flush(&mut self) -> io::Result<()> {
        ReadOutput::flush(&mut self.out)
    }
}

/// Rows inserted and deleted on another connection while the read's query
/// streams (through the library's `read`): every row present for the whole
/// sync is delivered, once.
#[test]
fn rows_inserted_and_deleted_while_the_query_streams() {
    let rows: Vec<String> = (1..=5000).map(|i| format!("({})", i * 2)).collect();
    let server = emulator(&format!(
        "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY)\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    ));
    let config = source_mssql::config::Config::from_value(&config_value(
        &server,
        json!({"checkpoint_interval_rows": 100}),
    ))
    .unwrap();
    let catalog = source_mssql::protocol::catalog::ConfiguredCatalog::parse(
        &std::fs::read_to_string(catalog(&[("dbo", "t", "full_refresh", None)])).unwrap(),
    )
    .unwrap();
    let writes = || {
        // On its own thread: the read's runtime is busy streaming.
        let server = &server;
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    execute(
                        server,
                        "DELETE FROM dbo.t WHERE id IN (4, 5000, 9998)
                         INSERT INTO dbo.t VALUES (1), (5001), (20001)",
                    )
                })
                .join()
                .unwrap()
        });
    };
    let mut out = WritesDuring {
        out: MessageWriter::new(Vec::new()),
        during: Some(writes),
    };
    source_mssql::source::block_on(source_mssql::source::read::read(
        &mut out,
        &config,
        &catalog,
        &source_mssql::state::InputState::default(),
    ))
    .unwrap();
    assert!(out.during.is_none(), "the writes ran during the read");
    let text = String::from_utf8(out.out.into_inner().unwrap()).unwrap();
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|m| m["type"] == "RECORD")
        .map(|m| m["record"]["data"].clone())
        .collect();
    let counts = tally(&records, &["id"]);
    for id in (1..=5000)
        .map(|i| i * 2)
        .filter(|id| ![4, 5000, 9998].contains(id))
    {
        assert_eq!(counts.get(&json!([id]).to_string()), Some(&1), "row {id}");
    }
    assert!(counts.values().all(|n| *n == 1), "a row read twice");
}

/// A state of Airbyte's own source keeps one ordered column, even for a
/// key of several: the read resumes at that value (`>=`), repeating the
/// rows that share it and skipping none.
#[test]
fn airbytes_single_column_state_on_a_composite_key_resumes_at_its_value() {
    let server = emulator(
        "CREATE TABLE dbo.t (n int NOT NULL, s nvarchar(5) NOT NULL, PRIMARY KEY (n, s))
         GO
         INSERT INTO dbo.t VALUES (1, N'a'), (1, N'b'), (2, N'a'), (2, N'b'), (3, N'a')",
    );
    let catalog = catalog(&[("dbo", "t", "full_refresh", None)]);
    let state = file(
        &json!([{"type": "STREAM", "stream": {
            "stream_descriptor": {"name": "t", "namespace": "dbo"},
            "stream_state": {"state_type": "ordered_column", "version": 2,
                             "ordered_col": "n", "ordered_col_val": "2"}}}])
        .to_string(),
    );
    let run = read(&server, json!({}), &catalog, Some(&state));
    let keys: Vec<Value> = run
        .records()
        .iter()
        .map(|r| key_of(r, &["n", "s"]))
        .collect();
    assert_eq!(keys, [json!([2, "a"]), json!([2, "b"]), json!([3, "a"])]);
    let last = &run.states().pop().unwrap()["stream"]["stream_state"];
    assert_eq!(last["ordered_cols"], json!(["n", "s"]));
    assert_eq!(last["ordered_col_vals"], json!(["3", "a"]));
}
