//! Singer mode resumes a full table read in key order from the bookmark a
//! target echoes, under the same table version, so the target keeps the
//! rows read before the interruption.

mod common;

use common::{config, emulator, file};
use serde_json::{json, Value};
use std::process::Command;

fn tap(args: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(args)
        .output()
        .expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn of_type<'m>(messages: &'m [Value], kind: &str) -> Vec<&'m Value> {
    messages.iter().filter(|m| m["type"] == kind).collect()
}

#[test]
fn full_table_resumes_after_the_bookmarked_key() {
    let rows: Vec<String> = (1..=9).map(|i| format!("({i}, N'{}')", i * i)).collect();
    let server = emulator(&format!(
        "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v nvarchar(10))\nGO\nINSERT INTO dbo.t VALUES {}",
        rows.join(", ")
    ));
    let config = config(&server, json!({"checkpoint_interval_rows": 4}));
    let out = Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(["--config", &config, "--discover"])
        .output()
        .unwrap();
    let mut catalog: Value = serde_json::from_slice(&out.stdout).unwrap();
    let meta = &mut catalog["streams"][0]["metadata"][0]["metadata"];
    meta["selected"] = json!(true);
    meta["replication-method"] = json!("FULL_TABLE");
    let catalog = file(&catalog.to_string());

    let first = tap(&["--config", &config, "--catalog", &catalog]);
    let version = of_type(&first, "ACTIVATE_VERSION")[0]["version"].clone();
    // The sync dies after its first STATE: the target echoes that state.
    let cut = first.iter().position(|m| m["type"] == "STATE").unwrap();
    let before: Vec<i64> = first[..cut]
        .iter()
        .filter(|m| m["type"] == "RECORD")
        .map(|m| m["record"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(before, [1, 2, 3, 4]);
    let mark = &first[cut]["value"]["bookmarks"]["dbo-t"];
    assert_eq!(mark["key_position"]["ordered_col_val"], "4", "{mark}");
    let state = file(&first[cut]["value"].to_string());

    let second = tap(&[
        "--config",
        &config,
        "--catalog",
        &catalog,
        "--state",
        &state,
    ]);
    let after: Vec<i64> = of_type(&second, "RECORD")
        .iter()
        .map(|m| m["record"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(after, [5, 6, 7, 8, 9]);
    for record in of_type(&second, "RECORD") {
        assert_eq!(record["version"], version);
    }
    let activate = of_type(&second, "ACTIVATE_VERSION");
    assert_eq!(activate.last().unwrap()["version"], version);
    // Finished: the bookmark no longer holds a position.
    let last = of_type(&second, "STATE").pop().unwrap();
    assert!(
        last["value"]["bookmarks"]["dbo-t"]
            .get("key_position")
            .is_none(),
        "{last}"
    );
}
