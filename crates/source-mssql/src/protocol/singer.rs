//! The read loop's events as Singer messages: SCHEMA, RECORD, STATE and
//! ACTIVATE_VERSION on stdout; logs go to stderr, where Singer wants them.
//!
//! A stream's bookmark keeps `replication_key` / `replication_key_value`
//! for a read by cursor, and, while a read in key order is unfinished, its
//! position as `key_position` (the same blob as Airbyte mode's state: an
//! `ordered_column` one, or a `split_ordered_column` one for a table read
//! in key ranges at once).

use super::airbyte::{now_millis, LogLevel, StreamDescriptor, StreamStatus};
use super::output::ReadOutput;
use super::writer::MessageWriter;
use crate::json::{push_str, RecordWriter};
use crate::source::plan::StreamPlan;
use crate::source::singer_catalog::{key_position, Selected};
use crate::state::StreamState;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::{self, Write};

pub struct SingerWriter<W: Write> {
    out: MessageWriter<W>,
    streams: HashMap<StreamDescriptor, Selected>,
    /// Every stream's bookmark, those of streams not read this time included:
    /// each STATE is the whole state.
    bookmarks: Map<String, Value>,
    currently_syncing: Option<String>,
}

impl<W: Write> SingerWriter<W> {
    pub fn new(out: W, selected: &[Selected], bookmarks: Map<String, Value>) -> Self {
        let streams = selected
            .iter()
            .map(|s| (s.configured.descriptor(), s.clone()))
            .collect();
        Self {
            out: MessageWriter::new(out),
            streams,
            bookmarks,
            currently_syncing: None,
        }
    }

    pub fn into_inner(self) -> io::Result<W> {
        self.out.into_inner()
    }

    fn selected(&self, stream: &StreamDescriptor) -> io::Result<&Selected> {
        self.streams
            .get(stream)
            .ok_or_else(|| io::Error::other("a stream that was not selected was read"))
    }

    fn message(&mut self, message: &Value) -> io::Result<()> {
        let mut line = serde_json::to_vec(message).map_err(io::Error::from)?;
        line.push(b'\n');
        self.out.write_lines(&line)
    }

    fn state(&mut self) -> io::Result<()> {
        let value =
            json!({"bookmarks": self.bookmarks, "currently_syncing": self.currently_syncing});
        self.message(&json!({"type": "STATE", "value": value}))
    }

    fn bookmark(&mut self, id: &str) -> &mut Map<String, Value> {
        let entry = self
            .bookmarks
            .entry(id.to_string())
            .or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        entry.as_object_mut().expect("made an object above")
    }

    fn activate_version(&mut self, id: &str, version: i64) -> io::Result<()> {
        self.message(&json!({"type": "ACTIVATE_VERSION", "stream": id, "version": version}))
    }
}

/// The SCHEMA message's schema: the catalog's, for the columns read.
fn read_schema(selected: &Selected, plan: &StreamPlan) -> Value {
    let mut schema = selected.schema.clone();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        properties.retain(|name, _| plan.columns.contains(name));
    }
    schema
}

/// Whether the read of `plan` goes on from the position in its bookmark
/// `mark` (the one it started with: the read's first checkpoint comes
/// after this): a read in one piece after its saved key, or a split read
/// whose unfinished ranges `source::split` takes up again (same column).
fn resumes(plan: &StreamPlan, mark: &Map<String, Value>) -> bool {
    let Some(key) = &plan.key else {
        return false;
    };
    if key.resumed_after.is_some() {
        return true;
    }
    match key_position(&Value::Object(mark.clone())) {
        Some(StreamState::Split(split)) => {
            key.columns.first() == Some(&split.split_col) && !split.finished()
        }
        _ => false,
    }
}

impl<W: Write> ReadOutput for SingerWriter<W> {
    fn log(&mut self, level: LogLevel, message: &str) -> io::Result<()> {
        eprintln!("{} {message}", format!("{level:?}").to_uppercase());
        Ok(())
    }

    fn stream_status(&mut self, stream: &StreamDescriptor, status: StreamStatus) -> io::Result<()> {
        if status == StreamStatus::Started {
            self.currently_syncing = Some(self.selected(stream)?.tap_stream_id.clone());
        }
        Ok(())
    }

    fn estimate(
        &mut self,
        _stream: &StreamDescriptor,
        rows: Option<u64>,
        bytes: Option<u64>,
    ) -> io::Result<()> {
        let rows = rows.map_or("an unknown number of".to_string(), |r| r.to_string());
        let bytes = bytes.map_or(String::new(), |b| format!(" ({b} bytes)"));
        self.log(LogLevel::Info, &format!("about {rows} rows to read{bytes}"))
    }

    fn stream_started(&mut self, plan: &StreamPlan) -> io::Result<RecordWriter> {
        let selected = self.selected(&plan.stream)?.clone();
        let id = selected.tap_stream_id.as_str();
        self.message(&json!({
            "type": "SCHEMA",
            "stream": id,
            "schema": read_schema(&selected, plan),
            "key_properties": selected.key_properties,
            "bookmark_properties": selected.replication_key.iter().collect::<Vec<_>>(),
        }))?;
        let mut header = br#"{"type":"RECORD","stream":"#.to_vec();
        push_str(&mut header, id);
        header.extend_from_slice(br#","time_extracted":"#);
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        push_str(&mut header, &now);
        if selected.replication_key.is_none() {
            // A full table's rows carry a version; the ACTIVATE_VERSION at its
            // end tells the target to drop rows of older versions. The first
            // time, one at the start too, so the target shows the table at once.
            // A read resumed after a key keeps its version, or the
            // ACTIVATE_VERSION at its end would drop the rows read before.
            let resumed = resumes(plan, self.bookmark(id));
            let kept = self.bookmark(id).get("version").and_then(Value::as_i64);
            let version = kept.filter(|_| resumed).unwrap_or_else(now_millis);
            let first = self
                .bookmark(id)
                .insert("version".into(), json!(version))
                .is_none();
            if first {
                self.activate_version(id, version)?;
            }
            header.extend_from_slice(br#","version":"#);
            header.extend_from_slice(version.to_string().as_bytes());
        }
        header.extend_from_slice(br#","record":"#);
        Ok(RecordWriter::singer(header, &plan.columns))
    }

    fn records(&mut self, lines: &[u8]) -> io::Result<()> {
        self.out.write_lines(lines)
    }

    fn checkpoint(
        &mut self,
        plan: &StreamPlan,
        state: Option<&StreamState>,
        _records: u64,
    ) -> io::Result<()> {
        let id = self.selected(&plan.stream)?.tap_stream_id.clone();
        let mark = self.bookmark(&id);
        match state {
            Some(StreamState::Cursor(cursor)) => {
                let key = cursor.cursor_field.first().cloned().unwrap_or_default();
                mark.insert("replication_key".into(), json!(key));
                mark.insert("replication_key_value".into(), json!(cursor.cursor));
                mark.remove("key_position");
            }
            // Where a read in key order resumes, in one piece or in ranges:
            // the same blob as in Airbyte mode.
            Some(ordered @ StreamState::Ordered(o)) if !o.finished => {
                mark.insert("key_position".into(), ordered.to_value());
            }
            Some(split @ StreamState::Split(s)) if !s.finished() => {
                mark.insert("key_position".into(), split.to_value());
            }
            Some(_) => {
                mark.remove("key_position");
            }
            None => {}
        }
        self.state()
    }

    fn stream_finished(&mut self, plan: &StreamPlan) -> io::Result<()> {
        let id = self.selected(&plan.stream)?.tap_stream_id.clone();
        let version = self.bookmark(&id).get("version").and_then(Value::as_i64);
        if !plan.incremental() {
            if let Some(version) = version {
                self.activate_version(&id, version)?;
            }
        }
        self.currently_syncing = None;
        self.state()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
