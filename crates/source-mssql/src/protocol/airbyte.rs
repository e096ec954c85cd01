//! The Airbyte protocol messages this source writes, as serde types.
//!
//! Only what a source emits is modelled. RECORD messages on the read path are
//! written by [`crate::json`] straight from the row values; the [`Record`]
//! type here exists for the rare record built from a `serde_json::Value`
//! (and for tests that read records back).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One line of the source's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Message {
    #[serde(rename = "SPEC")]
    Spec { spec: Value },
    #[serde(rename = "CONNECTION_STATUS")]
    ConnectionStatus {
        #[serde(rename = "connectionStatus")]
        connection_status: ConnectionStatus,
    },
    #[serde(rename = "CATALOG")]
    Catalog { catalog: Catalog },
    #[serde(rename = "RECORD")]
    Record { record: Record },
    #[serde(rename = "STATE")]
    State { state: StateMessage },
    #[serde(rename = "TRACE")]
    Trace { trace: Trace },
    #[serde(rename = "LOG")]
    Log { log: Log },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionStatus {
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Catalog {
    pub streams: Vec<Stream>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    FullRefresh,
    Incremental,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationSyncMode {
    Append,
    Overwrite,
    AppendDedup,
    OverwriteDedup,
}

/// A table as `discover` describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stream {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default)]
    pub json_schema: Value,
    #[serde(default)]
    pub supported_sync_modes: Vec<SyncMode>,
    #[serde(default)]
    pub source_defined_cursor: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_cursor_field: Vec<String>,
    /// Each key is a path; for a table every path is a single column name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_defined_primary_key: Vec<Vec<String>>,
    #[serde(default)]
    pub is_resumable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub stream: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub data: Value,
    /// Milliseconds since the Unix epoch.
    pub emitted_at: i64,
}

/// Which stream a STATE or TRACE message is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StreamDescriptor {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A STATE message; this source only writes per-stream state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateMessage {
    #[serde(rename = "type")]
    pub state_type: StateType,
    pub stream: StreamState,
    #[serde(
        rename = "sourceStats",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub source_stats: Option<SourceStats>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StateType {
    Stream,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamState {
    pub stream_descriptor: StreamDescriptor,
    pub stream_state: Value,
}

/// The records emitted for a stream since its previous STATE message, which
/// the platform checks against what it received.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SourceStats {
    #[serde(rename = "recordCount")]
    pub record_count: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Trace {
    #[serde(rename = "STREAM_STATUS")]
    StreamStatus {
        emitted_at: i64,
        stream_status: StreamStatusTrace,
    },
    #[serde(rename = "ESTIMATE")]
    Estimate { emitted_at: i64, estimate: Estimate },
    #[serde(rename = "ERROR")]
    Error { emitted_at: i64, error: ErrorTrace },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StreamStatus {
    Started,
    Running,
    Complete,
    Incomplete,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamStatusTrace {
    pub stream_descriptor: StreamDescriptor,
    pub status: StreamStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EstimateType {
    Stream,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(rename = "type")]
    pub estimate_type: EstimateType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_estimate: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_estimate: Option<u64>,
}

/// Who has to act on a failure: the user (config), us (system), or nobody
/// but a retry (transient).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureType {
    ConfigError,
    SystemError,
    TransientError,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorTrace {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_message: Option<String>,
    pub failure_type: FailureType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_descriptor: Option<StreamDescriptor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LogLevel {
    Fatal,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Log {
    pub level: LogLevel,
    pub message: String,
}

/// Milliseconds since the Unix epoch, the unit of every `emitted_at`.
pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Message {
    pub fn log(level: LogLevel, message: impl Into<String>) -> Self {
        Message::Log {
            log: Log {
                level,
                message: message.into(),
            },
        }
    }

    pub fn connection_status(status: Status, message: Option<String>) -> Self {
        Message::ConnectionStatus {
            connection_status: ConnectionStatus { status, message },
        }
    }

    pub fn stream_status(stream: StreamDescriptor, status: StreamStatus) -> Self {
        Message::Trace {
            trace: Trace::StreamStatus {
                emitted_at: now_millis(),
                stream_status: StreamStatusTrace {
                    stream_descriptor: stream,
                    status,
                },
            },
        }
    }

    pub fn estimate(stream: StreamDescriptor, rows: Option<u64>, bytes: Option<u64>) -> Self {
        Message::Trace {
            trace: Trace::Estimate {
                emitted_at: now_millis(),
                estimate: Estimate {
                    name: stream.name,
                    namespace: stream.namespace,
                    estimate_type: EstimateType::Stream,
                    row_estimate: rows,
                    byte_estimate: bytes,
                },
            },
        }
    }

    pub fn error(failure_type: FailureType, message: String, internal: Option<String>) -> Self {
        Message::Trace {
            trace: Trace::Error {
                emitted_at: now_millis(),
                error: ErrorTrace {
                    message,
                    internal_message: internal,
                    failure_type,
                    stream_descriptor: None,
                },
            },
        }
    }

    /// A per-stream checkpoint; `records` counts the records emitted for the
    /// stream since its previous checkpoint.
    pub fn stream_state(stream: StreamDescriptor, state: Value, records: u64) -> Self {
        Message::State {
            state: StateMessage {
                state_type: StateType::Stream,
                stream: StreamState {
                    stream_descriptor: stream,
                    stream_state: state,
                },
                source_stats: Some(SourceStats {
                    record_count: records as f64,
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn to_json(m: &Message) -> Value {
        serde_json::to_value(m).expect("messages serialize")
    }

    fn users() -> StreamDescriptor {
        StreamDescriptor {
            name: "users".into(),
            namespace: Some("dbo".into()),
        }
    }

    #[test]
    fn connection_status_uses_camel_case_key() {
        let m = Message::connection_status(Status::Failed, Some("no route".into()));
        assert_eq!(
            to_json(&m),
            json!({"type": "CONNECTION_STATUS",
                   "connectionStatus": {"status": "FAILED", "message": "no route"}})
        );
    }

    #[test]
    fn catalog_stream_has_every_field() {
        let m = Message::Catalog {
            catalog: Catalog {
                streams: vec![Stream {
                    name: "users".into(),
                    namespace: Some("dbo".into()),
                    json_schema: json!({"type": "object", "properties": {}}),
                    supported_sync_modes: vec![SyncMode::FullRefresh, SyncMode::Incremental],
                    source_defined_cursor: false,
                    default_cursor_field: vec![],
                    source_defined_primary_key: vec![vec!["id".into()]],
                    is_resumable: true,
                }],
            },
        };
        assert_eq!(
            to_json(&m),
            json!({"type": "CATALOG", "catalog": {"streams": [{
                "name": "users", "namespace": "dbo",
                "json_schema": {"type": "object", "properties": {}},
                "supported_sync_modes": ["full_refresh", "incremental"],
                "source_defined_cursor": false,
                "source_defined_primary_key": [["id"]],
                "is_resumable": true}]}})
        );
    }

    #[test]
    fn stream_state_carries_source_stats() {
        let m = Message::stream_state(users(), json!({"cursor": "5"}), 42);
        assert_eq!(
            to_json(&m),
            json!({"type": "STATE", "state": {
                "type": "STREAM",
                "stream": {"stream_descriptor": {"name": "users", "namespace": "dbo"},
                           "stream_state": {"cursor": "5"}},
                "sourceStats": {"recordCount": 42.0}}})
        );
    }

    #[test]
    fn stream_status_trace_shape() {
        let v = to_json(&Message::stream_status(users(), StreamStatus::Incomplete));
        assert_eq!(v["type"], "TRACE");
        assert_eq!(v["trace"]["type"], "STREAM_STATUS");
        assert_eq!(v["trace"]["stream_status"]["status"], "INCOMPLETE");
        assert_eq!(
            v["trace"]["stream_status"]["stream_descriptor"],
            json!({"name": "users", "namespace": "dbo"})
        );
        assert!(v["trace"]["emitted_at"].as_i64().unwrap() > 1_600_000_000_000);
    }

    #[test]
    fn estimate_trace_shape() {
        let v = to_json(&Message::estimate(users(), Some(10), Some(2048)));
        assert_eq!(
            v["trace"]["estimate"],
            json!({"name": "users", "namespace": "dbo", "type": "STREAM",
                   "row_estimate": 10, "byte_estimate": 2048})
        );
    }

    #[test]
    fn error_trace_shape() {
        let v = to_json(&Message::error(
            FailureType::ConfigError,
            "config: `host` is missing".into(),
            None,
        ));
        assert_eq!(v["trace"]["type"], "ERROR");
        assert_eq!(
            v["trace"]["error"],
            json!({"message": "config: `host` is missing", "failure_type": "config_error"})
        );
    }

    #[test]
    fn log_shape() {
        let v = to_json(&Message::log(LogLevel::Warn, "careful"));
        assert_eq!(
            v,
            json!({"type": "LOG", "log": {"level": "WARN", "message": "careful"}})
        );
    }

    #[test]
    fn messages_read_back() {
        let m = Message::Record {
            record: Record {
                stream: "users".into(),
                namespace: None,
                data: json!({"id": 1}),
                emitted_at: 7,
            },
        };
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Message>(&text).unwrap(), m);
    }
}
