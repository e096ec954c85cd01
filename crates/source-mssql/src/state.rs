//! The sync state: what each stream's `stream_state` holds, and reading the
//! state file `read` is given.
//!
//! The blob has the fields of Airbyte's own SQL Server source, so a
//! connection can switch between the two without a resync. The state file may
//! be any shape that source wrote over the years: a list of per-stream STATE
//! messages, a GLOBAL message without CDC, or the legacy
//! `{"cdc": false, "streams": [...]}` object. A state we can't read is a
//! config error: silently starting over would resync every table.

use crate::config::json_kind;
use crate::error::{Error, Result};
use crate::protocol::airbyte::StreamDescriptor;
use crate::protocol::catalog::display_name;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

mod ordered;
mod split;
pub use ordered::{FullRefreshState, OrderedState};
pub use split::{RangeState, SplitState};

/// The `version` written in every state blob.
pub const STATE_VERSION: u32 = 2;

/// One stream's `stream_state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state_type")]
pub enum StreamState {
    /// Incremental: rows whose cursor column is past `cursor` are new.
    #[serde(rename = "cursor_based")]
    Cursor(CursorState),
    /// A read in key order, resumable after the last key read: a full
    /// refresh, or an incremental stream's initial load. Older Airbyte
    /// versions called it `primary_key`.
    #[serde(rename = "ordered_column", alias = "primary_key")]
    Ordered(OrderedState),
    /// A full refresh of a table without a key to order by: read in one
    /// pass, it can't resume.
    #[serde(rename = "full_refresh")]
    FullRefresh(FullRefreshState),
    /// A full refresh split in key ranges read at once (`source::split`):
    /// each range's own read in key order.
    #[serde(rename = "split_ordered_column")]
    Split(SplitState),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CursorState {
    #[serde(default = "current_version")]
    pub version: u32,
    /// Filled in from the stream when missing (a nested `incremental_state`).
    #[serde(default)]
    pub stream_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_namespace: Option<String>,
    /// A path; a table's cursor is one column.
    pub cursor_field: Vec<String>,
    /// The largest cursor value read, as text; `None` while the table is empty.
    #[serde(default)]
    pub cursor: Option<String>,
    /// How many rows have exactly that value, all already read: the next
    /// sync reads `>= cursor` and skips this many, so rows sharing the value
    /// that commit later are not lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_record_count: Option<u64>,
}

pub(crate) fn current_version() -> u32 {
    STATE_VERSION
}

impl StreamState {
    pub fn cursor(
        stream: &StreamDescriptor,
        column: &str,
        cursor: Option<String>,
        cursor_record_count: u64,
    ) -> Self {
        StreamState::Cursor(CursorState {
            version: STATE_VERSION,
            stream_name: stream.name.clone(),
            stream_namespace: stream.namespace.clone(),
            cursor_field: vec![column.to_string()],
            cursor,
            cursor_record_count: Some(cursor_record_count),
        })
    }

    pub fn to_value(&self) -> Value {
        // A derived Serialize of strings and numbers can't fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The state `read` starts from: each stream's last checkpoint.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputState {
    pub streams: BTreeMap<StreamDescriptor, StreamState>,
}

impl InputState {
    pub fn get(&self, stream: &StreamDescriptor) -> Option<&StreamState> {
        self.streams.get(stream)
    }

    /// Reads and checks the state file at `path`.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!(
                "state: cannot read the state file {}: {e}",
                path.display()
            ))
        })?;
        Self::parse(&text)
    }

    /// Parses a state file's text in any shape Airbyte's SQL Server source
    /// has written.
    pub fn parse(text: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::config(format!("state: the state file is not valid JSON: {e}")))?;
        let mut state = Self::default();
        match value {
            Value::Null => {}
            Value::Array(messages) => {
                for message in &messages {
                    state.add_message(message)?;
                }
            }
            Value::Object(ref map) if map.is_empty() => {}
            Value::Object(ref map) if map.contains_key("type") => state.add_message(&value)?,
            Value::Object(ref map) => state.add_legacy(map)?,
            other => {
                return Err(foreign(&format!(
                    "it is {}, not a list of STATE messages",
                    json_kind(&other)
                )))
            }
        }
        Ok(state)
    }

    /// One AirbyteStateMessage: STREAM, GLOBAL or LEGACY.
    fn add_message(&mut self, message: &Value) -> Result<()> {
        let kind = message.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "STREAM" => {
                let stream = message.get("stream").unwrap_or(&Value::Null);
                self.add_stream(stream)
            }
            "GLOBAL" => self.add_global(message.get("global").unwrap_or(&Value::Null)),
            "LEGACY" => match message.get("data") {
                Some(Value::Object(map)) => self.add_legacy(map),
                Some(Value::Null) | None => Ok(()),
                Some(_) => Err(foreign("its LEGACY message's `data` is not an object")),
            },
            "" => Err(foreign("a STATE message has no `type`")),
            other => Err(foreign(&format!(
                "a STATE message has the type \"{other}\""
            ))),
        }
    }

    /// `{"stream_descriptor": {...}, "stream_state": {...}}`
    fn add_stream(&mut self, stream: &Value) -> Result<()> {
        let descriptor: StreamDescriptor = stream
            .get("stream_descriptor")
            .cloned()
            .and_then(|d| serde_json::from_value(d).ok())
            .ok_or_else(|| foreign("a STREAM state has no valid `stream_descriptor`"))?;
        match stream.get("stream_state") {
            // A stream that was reset: it starts over, as the user asked.
            None | Some(Value::Null) => Ok(()),
            // What a full refresh saves: there is nothing to resume from.
            Some(Value::Object(map)) if map.is_empty() => Ok(()),
            Some(blob) => {
                let parsed = parse_stream_state(&descriptor, blob)?;
                self.insert(descriptor, parsed)
            }
        }
    }

    /// A GLOBAL state is only ours when it holds no CDC position.
    fn add_global(&mut self, global: &Value) -> Result<()> {
        let shared = global.get("shared_state").unwrap_or(&Value::Null);
        let cdc = shared.get("cdc").and_then(Value::as_bool).unwrap_or(false)
            || shared.get("cdc_state").is_some_and(|s| !s.is_null());
        if cdc {
            return Err(Error::config(
                "state: the state comes from a CDC sync, and this source reads with \
                 STANDARD replication; reset the connection's streams to start over",
            ));
        }
        let streams = match global.get("stream_states") {
            Some(Value::Array(streams)) => streams.as_slice(),
            None | Some(Value::Null) => &[],
            Some(_) => return Err(foreign("its GLOBAL `stream_states` is not a list")),
        };
        for stream in streams {
            self.add_stream(stream)?;
        }
        Ok(())
    }

    /// `{"cdc": false, "streams": [{stream_name, cursor_field, cursor, ...}]}`
    fn add_legacy(&mut self, map: &Map<String, Value>) -> Result<()> {
        if map.get("cdc").and_then(Value::as_bool) == Some(true) {
            return Err(Error::config(
                "state: the legacy state comes from a CDC sync, and this source reads with \
                 STANDARD replication; reset the connection's streams to start over",
            ));
        }
        let Some(Value::Array(streams)) = map.get("streams") else {
            return Err(foreign(
                "it has neither STATE messages nor a `streams` list",
            ));
        };
        for entry in streams {
            let cursor: CursorState = serde_json::from_value(entry.clone()).map_err(|e| {
                foreign(&format!(
                    "a legacy `streams` entry is not a cursor state ({e})"
                ))
            })?;
            let descriptor = StreamDescriptor {
                name: cursor.stream_name.clone(),
                namespace: cursor.stream_namespace.clone(),
            };
            check_cursor(&descriptor, &cursor)?;
            self.insert(descriptor, StreamState::Cursor(cursor))?;
        }
        Ok(())
    }

    fn insert(&mut self, descriptor: StreamDescriptor, state: StreamState) -> Result<()> {
        if self.streams.contains_key(&descriptor) {
            return Err(Error::config(format!(
                "state: stream `{}` has two states; keep the latest",
                display_name(&descriptor)
            )));
        }
        self.streams.insert(descriptor, state);
        Ok(())
    }
}

/// One stream's blob. Airbyte's older versions wrote cursor states without a
/// `state_type`, so a blob with a `cursor_field` and no type is a cursor.
fn parse_stream_state(descriptor: &StreamDescriptor, blob: &Value) -> Result<StreamState> {
    let name = display_name(descriptor);
    let Value::Object(map) = blob else {
        return Err(stream_error(&name, "is not an object"));
    };
    let mut map = map.clone();
    match map.get("state_type") {
        Some(Value::String(t))
            if matches!(
                t.as_str(),
                "cursor_based"
                    | "primary_key"
                    | "ordered_column"
                    | "full_refresh"
                    | "split_ordered_column"
            ) => {}
        Some(Value::String(other)) => {
            return Err(stream_error(
                &name,
                &format!("has the state_type \"{other}\", which this source doesn't write"),
            ))
        }
        Some(_) => {
            return Err(stream_error(
                &name,
                "has a `state_type` that is not a string",
            ))
        }
        None if map.contains_key("cursor_field") => {
            map.insert("state_type".into(), Value::from("cursor_based"));
        }
        None => {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            return Err(stream_error(
                &name,
                &format!("has neither `state_type` nor `cursor_field` (keys: {keys:?})"),
            ));
        }
    }
    // The blob names its stream only in cursor states; fill it in so a
    // hand-trimmed state still parses.
    map.entry("stream_name")
        .or_insert_with(|| Value::from(descriptor.name.clone()));
    let state: StreamState = serde_json::from_value(Value::Object(map))
        .map_err(|e| stream_error(&name, &format!("is malformed: {e}")))?;
    match &state {
        StreamState::Cursor(cursor) => check_cursor(descriptor, cursor)?,
        StreamState::Ordered(ordered) => {
            ordered
                .check()
                .map_err(|problem| stream_error(&name, &problem))?;
            if let Some(StreamState::Cursor(cursor)) = ordered.incremental_state.as_deref() {
                check_cursor(descriptor, cursor)?;
            }
        }
        StreamState::FullRefresh(_) => {}
        StreamState::Split(split) => split
            .check()
            .map_err(|problem| stream_error(&name, &problem))?,
    }
    Ok(state)
}

fn check_cursor(descriptor: &StreamDescriptor, cursor: &CursorState) -> Result<()> {
    if cursor.cursor_field.len() != 1 {
        return Err(stream_error(
            &display_name(descriptor),
            &format!(
                "has the cursor_field {:?}; a table's cursor is one column",
                cursor.cursor_field
            ),
        ));
    }
    Ok(())
}

fn stream_error(stream: &str, problem: &str) -> Error {
    Error::config(format!(
        "state: the state of stream `{stream}` {problem}; it may come from another connector. \
         Fix the state, or reset this stream to read it again from the start"
    ))
}

fn foreign(problem: &str) -> Error {
    Error::config(format!(
        "state: this is not a state source-mssql understands: {problem}. \
         Pass the state a previous sync of this connection emitted, or none to start over"
    ))
}

#[cfg(test)]
mod tests;
