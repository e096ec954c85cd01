//! The Singer catalog: `--discover`'s output, and the selections a sync is
//! given, turned into the Airbyte configured catalog and state the one read
//! loop takes.

use crate::discover::Table;
use crate::error::{Error, Result};
use crate::protocol::airbyte::{Stream, StreamDescriptor, SyncMode};
use crate::protocol::catalog::{ConfiguredCatalog, ConfiguredStream};
use crate::state::{InputState, StreamState};
use serde_json::{json, Map, Value};

/// `schema-table`, the id Singer names a stream by.
pub fn tap_stream_id(schema: &str, table: &str) -> String {
    format!("{schema}-{table}")
}

/// One catalog entry; `rows` is the table's estimated row count.
pub fn entry(table: &Table, database: &str, is_view: bool, rows: Option<u64>) -> Value {
    let properties: Map<String, Value> = table
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.column_type.airbyte_type().singer_schema()))
        .collect();
    let mut metadata = vec![
        json!({"breadcrumb": [], "metadata": stream_metadata(table, database, is_view, rows)}),
    ];
    metadata.extend(table.columns.iter().map(|c| {
        let inclusion = if table.primary_key.contains(&c.name) {
            "automatic"
        } else {
            "available"
        };
        json!({"breadcrumb": ["properties", c.name],
               "metadata": {"sql-datatype": c.column_type.to_string(), "inclusion": inclusion,
                            "selected-by-default": true}})
    }));
    json!({
        "tap_stream_id": tap_stream_id(&table.schema, &table.name),
        "stream": table.name,
        "table_name": table.name,
        "schema": {"type": "object", "properties": properties},
        "metadata": metadata,
    })
}

fn stream_metadata(table: &Table, database: &str, is_view: bool, rows: Option<u64>) -> Value {
    let keys: Vec<&str> = table
        .columns
        .iter()
        .filter(|c| c.column_type.can_be_cursor())
        .map(|c| c.name.as_str())
        .collect();
    let mut meta = json!({
        "table-key-properties": table.primary_key,
        "valid-replication-keys": keys,
        "schema-name": table.schema,
        "database-name": database,
        "is-view": is_view,
        "selected-by-default": false,
    });
    if let Some(rows) = rows {
        meta["row-count"] = json!(rows);
    }
    // Without a cursor column only a full read can work; a view without a
    // key is read in full too, as pipelinewise tap-mssql does.
    if keys.is_empty() || (is_view && table.primary_key.is_empty()) {
        meta["forced-replication-method"] = json!("FULL_TABLE");
    }
    meta
}

/// A selected stream of the sync's catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    pub tap_stream_id: String,
    pub configured: ConfiguredStream,
    /// The SCHEMA message's schema: the selected columns only.
    pub schema: Value,
    pub key_properties: Vec<String>,
    pub replication_key: Option<String>,
}

/// The selected streams of a Singer catalog file's text.
pub fn parse(text: &str) -> Result<Vec<Selected>> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::config(format!("catalog: the catalog file is not valid JSON: {e}")))?;
    let streams = value
        .get("streams")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::config("catalog: a Singer catalog needs a `streams` array"))?;
    let mut selected = Vec::new();
    for stream in streams {
        if let Some(one) = selected_stream(stream)? {
            selected.push(one);
        }
    }
    Ok(selected)
}

fn selected_stream(entry: &Value) -> Result<Option<Selected>> {
    let id = entry
        .get("tap_stream_id")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::config("catalog: a stream has no `tap_stream_id`"))?;
    let top = metadata(entry, &[]);
    if top.get("selected").and_then(Value::as_bool) != Some(true) {
        return Ok(None);
    }
    let table = entry
        .get("table_name")
        .or_else(|| entry.get("stream"))
        .and_then(Value::as_str)
        .ok_or_else(|| Error::config(format!("catalog: stream `{id}` has no `table_name`")))?;
    let schema_name = top
        .get("schema-name")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Error::config(format!(
                "catalog: stream `{id}` has no `schema-name` metadata"
            ))
        })?;
    let method = top
        .get("replication-method")
        .or_else(|| top.get("forced-replication-method"))
        .and_then(Value::as_str)
        .unwrap_or("FULL_TABLE");
    let replication_key = match method {
        "FULL_TABLE" => None,
        "INCREMENTAL" => Some(
            top.get("replication-key")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Error::config(format!(
                        "catalog: stream `{id}` is INCREMENTAL but has no `replication-key`; \
                         choose one of its `valid-replication-keys`"
                    ))
                })?
                .to_string(),
        ),
        other => {
            return Err(Error::config(format!(
                "catalog: stream `{id}` has the replication-method `{other}`; \
                 use FULL_TABLE or INCREMENTAL"
            )))
        }
    };
    let all = entry
        .pointer("/schema/properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let properties: Map<String, Value> = all
        .into_iter()
        .filter(|(name, _)| column_selected(entry, name) || replication_key.as_ref() == Some(name))
        .collect();
    let key_properties: Vec<String> = top
        .get("table-key-properties")
        .and_then(|k| serde_json::from_value(k.clone()).ok())
        .unwrap_or_default();
    let schema = json!({"type": "object", "properties": properties});
    let configured = ConfiguredStream {
        stream: Stream {
            name: table.to_string(),
            namespace: Some(schema_name.to_string()),
            json_schema: schema.clone(),
            supported_sync_modes: vec![],
            source_defined_cursor: false,
            default_cursor_field: vec![],
            source_defined_primary_key: vec![],
            is_resumable: false,
        },
        sync_mode: match replication_key {
            Some(_) => SyncMode::Incremental,
            None => SyncMode::FullRefresh,
        },
        destination_sync_mode: None,
        cursor_field: replication_key.iter().cloned().collect(),
        primary_key: vec![],
    };
    Ok(Some(Selected {
        tap_stream_id: id.to_string(),
        configured,
        schema,
        key_properties,
        replication_key,
    }))
}

/// Selected, automatic, or selected by default and not deselected.
fn column_selected(entry: &Value, column: &str) -> bool {
    let meta = metadata(entry, &["properties", column]);
    let flag = |key: &str| meta.get(key).and_then(Value::as_bool);
    match meta.get("inclusion").and_then(Value::as_str) {
        Some("automatic") => true,
        Some("unsupported") => false,
        _ => flag("selected")
            .or(flag("selected-by-default"))
            .unwrap_or(false),
    }
}

/// The metadata object at `breadcrumb`, or an empty one.
fn metadata(entry: &Value, breadcrumb: &[&str]) -> Map<String, Value> {
    entry
        .get("metadata")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|m| {
            m.get("breadcrumb")
                .and_then(Value::as_array)
                .is_some_and(|b| {
                    b.iter()
                        .map(Value::as_str)
                        .eq(breadcrumb.iter().map(|s| Some(*s)))
                })
        })
        .and_then(|m| m.get("metadata"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

pub fn configured_catalog(selected: &[Selected]) -> ConfiguredCatalog {
    ConfiguredCatalog {
        streams: selected.iter().map(|s| s.configured.clone()).collect(),
    }
}

/// The Singer state's bookmarks as the read loop's input state. Accepts the
/// state a target echoes (`{"bookmarks": ...}`) or a whole STATE message's `value`.
pub fn input_state(text: &str, selected: &[Selected]) -> Result<(InputState, Map<String, Value>)> {
    let mut state = InputState::default();
    if text.trim().is_empty() {
        return Ok((state, Map::new()));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::config(format!("state: the state file is not valid JSON: {e}")))?;
    let value = value.get("value").cloned().unwrap_or(value);
    let bookmarks = match value.get("bookmarks") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err(Error::config("state: `bookmarks` is not an object")),
    };
    for stream in selected {
        let Some(mark) = bookmarks.get(&stream.tap_stream_id) else {
            continue;
        };
        // A read in key order that did not finish: its position, kept as
        // in Airbyte mode (`plan` checks it is this read's).
        if let Some(position) = key_position(mark) {
            state
                .streams
                .insert(stream.configured.descriptor(), position);
            continue;
        }
        let Some(key) = &stream.replication_key else {
            continue;
        };
        if mark.get("replication_key").and_then(Value::as_str) != Some(key) {
            continue;
        }
        let saved = match mark.get("replication_key_value") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(other) => Some(other.to_string()),
        };
        let descriptor: StreamDescriptor = stream.configured.descriptor();
        let cursor = StreamState::cursor(&descriptor, key, saved, 0);
        state.streams.insert(descriptor, cursor);
    }
    Ok((state, bookmarks))
}

/// The bookmark's `key_position`, when it holds a read in key order: in
/// one piece, or split in ranges (each with its own position).
pub(crate) fn key_position(mark: &Value) -> Option<StreamState> {
    let position = mark.get("key_position")?;
    match serde_json::from_value(position.clone()) {
        Ok(state @ (StreamState::Ordered(_) | StreamState::Split(_))) => Some(state),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(top: Value, what: Value) -> String {
        json!({"streams": [{
            "tap_stream_id": "dbo-events", "stream": "events", "table_name": "events",
            "schema": {"type": "object", "properties": {
                "id": {"type": ["null", "integer"]}, "at": {"type": ["null", "string"]},
                "what": {"type": ["null", "string"]}}},
            "metadata": [
                {"breadcrumb": [], "metadata": top},
                {"breadcrumb": ["properties", "id"], "metadata": {"inclusion": "automatic"}},
                {"breadcrumb": ["properties", "at"], "metadata": {"inclusion": "available"}},
                {"breadcrumb": ["properties", "what"], "metadata": what}]}]})
        .to_string()
    }

    #[test]
    fn unselected_streams_are_skipped() {
        let text = catalog(json!({"schema-name": "dbo"}), json!({}));
        assert!(parse(&text).unwrap().is_empty());
    }

    #[test]
    fn selected_automatic_and_replication_key_columns_are_read() {
        let top = json!({"schema-name": "dbo", "selected": true, "table-key-properties": ["id"],
                         "replication-method": "INCREMENTAL", "replication-key": "at"});
        let text = catalog(top, json!({"inclusion": "available", "selected": false}));
        let [one] = parse(&text).unwrap().try_into().unwrap();
        let columns: Vec<&String> = one.schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(columns, ["at", "id"]);
        assert_eq!(one.configured.sync_mode, SyncMode::Incremental);
        assert_eq!(one.configured.cursor_field, ["at"]);
        assert_eq!(one.configured.stream.namespace.as_deref(), Some("dbo"));
        assert_eq!(one.key_properties, ["id"]);
    }

    #[test]
    fn incremental_needs_a_key_and_methods_are_known() {
        let top =
            json!({"schema-name": "dbo", "selected": true, "replication-method": "INCREMENTAL"});
        let error = parse(&catalog(top, json!({}))).unwrap_err();
        assert!(
            error.message.contains("replication-key"),
            "{}",
            error.message
        );
        let top =
            json!({"schema-name": "dbo", "selected": true, "replication-method": "LOG_BASED"});
        let error = parse(&catalog(top, json!({}))).unwrap_err();
        assert!(error.message.contains("LOG_BASED"), "{}", error.message);
    }

    #[test]
    fn bookmarks_become_the_input_state() {
        let top = json!({"schema-name": "dbo", "selected": true,
                         "replication-method": "INCREMENTAL", "replication-key": "at"});
        let selected = parse(&catalog(top, json!({}))).unwrap();
        let mark = json!({"value": {"bookmarks": {"dbo-events": {
            "replication_key": "at", "replication_key_value": "2024-01-02"}}}});
        let (state, bookmarks) = input_state(&mark.to_string(), &selected).unwrap();
        assert!(bookmarks.contains_key("dbo-events"));
        let descriptor = selected[0].configured.descriptor();
        match state.get(&descriptor) {
            Some(StreamState::Cursor(c)) => assert_eq!(c.cursor.as_deref(), Some("2024-01-02")),
            other => panic!("{other:?}"),
        }
        // A bookmark for another key is not resumed from.
        let other = json!({"bookmarks": {"dbo-events": {
            "replication_key": "id", "replication_key_value": "9"}}});
        let (state, _) = input_state(&other.to_string(), &selected).unwrap();
        assert!(state.get(&descriptor).is_none());
    }
}
