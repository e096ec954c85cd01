//! Singer mode resumes a table split in key ranges: a sync killed after
//! some STATE messages, resumed from the last one's `value` (what a target
//! echoes), reads every range on after its own last key under the same
//! table version, so no row is missing and only rows the state did not
//! cover are read twice; the finished bookmark starts the next sync over.

mod common;

use common::{config, emulator, file, run_until_states};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::process::Command;

/// Ids with gaps and negatives, so the cuts fall between rows.
fn ids() -> Vec<i64> {
    (0..6_000i64).map(|i| i * 3 - 2_000).collect()
}

fn server() -> mssql_emulator::RunningEmulator {
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

fn tap(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn sync(args: &[&str]) -> Vec<Value> {
    parse(&tap(args))
}

fn parse(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn of_type<'m>(messages: &'m [Value], kind: &str) -> Vec<&'m Value> {
    messages.iter().filter(|m| m["type"] == kind).collect()
}

fn ids_of(messages: &[Value]) -> Vec<i64> {
    of_type(messages, "RECORD")
        .iter()
        .map(|m| m["record"]["id"].as_i64().unwrap())
        .collect()
}

/// The ids a bookmark's split `key_position` says are done: in each
/// range, every id up to its position (all of it when finished).
fn covered(position: &Value, all: &[i64]) -> BTreeSet<i64> {
    assert_eq!(position["state_type"], "split_ordered_column", "{position}");
    let mut done = BTreeSet::new();
    for range in position["ranges"].as_array().unwrap() {
        let bound = |key: &str| range[key].as_str().map(|b| b.parse::<i64>().unwrap());
        let (lower, upper) = (bound("lower"), bound("upper"));
        let finished = range["position"]["finished"] == true;
        let last = range["position"]["ordered_col_val"]
            .as_str()
            .map(|v| v.parse::<i64>().unwrap());
        for id in all {
            let inside = lower.is_none_or(|l| *id >= l) && upper.is_none_or(|u| *id < u);
            if inside && (finished || last.is_some_and(|last| *id <= last)) {
                done.insert(*id);
            }
        }
    }
    done
}

#[test]
fn a_split_table_resumes_from_the_singer_bookmark() {
    let server = server();
    let config = config(
        &server,
        json!({"concurrency": 4, "table_split_parts": 3, "table_split_min_rows": 0,
               "checkpoint_interval_rows": 300}),
    );
    let mut catalog: Value =
        serde_json::from_str(&tap(&["--config", &config, "--discover"])).unwrap();
    let meta = &mut catalog["streams"][0]["metadata"][0]["metadata"];
    meta["selected"] = json!(true);
    meta["replication-method"] = json!("FULL_TABLE");
    let catalog = file(&catalog.to_string());

    // The first sync is killed after a few STATE messages.
    let lines = run_until_states(&["--config", &config, "--catalog", &catalog], 5);
    let first = parse(&lines.join("\n"));
    let all = ids();
    let version = of_type(&first, "ACTIVATE_VERSION")[0]["version"].clone();
    let before: BTreeSet<i64> = ids_of(&first).into_iter().collect();
    let last_state = of_type(&first, "STATE").pop().unwrap()["value"].clone();
    let position = &last_state["bookmarks"]["dbo-big"]["key_position"];
    let done = covered(position, &all);
    assert!(
        done.is_subset(&before),
        "the bookmark covers rows not yet written"
    );
    assert!(done.len() < all.len(), "the sync was not stopped midway");
    assert_eq!(
        position["ranges"].as_array().unwrap().len(),
        3,
        "{position}"
    );

    // Resumed from the last STATE's value: every range after its own key.
    let state = file(&last_state.to_string());
    let second = sync(&[
        "--config",
        &config,
        "--catalog",
        &catalog,
        "--state",
        &state,
    ]);
    let again = ids_of(&second);
    let twice: Vec<&i64> = again.iter().filter(|id| done.contains(id)).collect();
    assert!(twice.is_empty(), "read again though bookmarked: {twice:?}");
    assert_eq!(again.len() + done.len(), all.len(), "a row is read twice");
    let union: BTreeSet<i64> = before.iter().chain(&again).copied().collect();
    assert_eq!(union, all.iter().copied().collect(), "a row is missing");
    // Under the same version: the ACTIVATE_VERSION at the end keeps the
    // rows of the first sync, and none comes at the start.
    for record in of_type(&second, "RECORD") {
        assert_eq!(record["version"], version);
    }
    let activations = of_type(&second, "ACTIVATE_VERSION");
    assert_eq!(activations.len(), 1, "{activations:?}");
    assert_eq!(activations[0]["version"], version);
    let finished = of_type(&second, "STATE").pop().unwrap()["value"].clone();
    assert!(
        finished["bookmarks"]["dbo-big"]
            .get("key_position")
            .is_none(),
        "{finished}"
    );
    eprintln!(
        "killed with {} of {} rows bookmarked ({} written); the resumed sync read {}",
        done.len(),
        all.len(),
        before.len(),
        again.len()
    );

    // The finished bookmark starts the next sync over, under a new version.
    let state = file(&finished.to_string());
    let third = sync(&[
        "--config",
        &config,
        "--catalog",
        &catalog,
        "--state",
        &state,
    ]);
    let mut every = ids_of(&third);
    every.sort();
    assert_eq!(every, all);
    let renewed = &of_type(&third, "RECORD")[0]["version"];
    assert_ne!(*renewed, version, "a new full table keeps the old version");
}
