//! The configured catalog `read` is given: which streams to sync, and how.

use super::airbyte::{DestinationSyncMode, Stream, StreamDescriptor, SyncMode};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfiguredCatalog {
    pub streams: Vec<ConfiguredStream>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfiguredStream {
    pub stream: Stream,
    pub sync_mode: SyncMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_sync_mode: Option<DestinationSyncMode>,
    /// A path; a table column is a path of one name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cursor_field: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_key: Vec<Vec<String>>,
}

impl ConfiguredStream {
    pub fn descriptor(&self) -> StreamDescriptor {
        StreamDescriptor {
            name: self.stream.name.clone(),
            namespace: self.stream.namespace.clone(),
        }
    }

    /// `namespace.name`, as messages name the stream to the user.
    pub fn display_name(&self) -> String {
        display_name(&self.descriptor())
    }

    /// The cursor column of an incremental stream.
    pub fn cursor_column(&self) -> Option<&str> {
        self.cursor_field.first().map(String::as_str)
    }
}

pub fn display_name(stream: &StreamDescriptor) -> String {
    match &stream.namespace {
        Some(ns) => format!("{ns}.{}", stream.name),
        None => stream.name.clone(),
    }
}

impl ConfiguredCatalog {
    /// Parses and checks a configured catalog file's text.
    pub fn parse(text: &str) -> Result<Self> {
        let catalog: ConfiguredCatalog = serde_json::from_str(text).map_err(|e| {
            Error::config(format!(
                "catalog: not a valid configured catalog: {e}; \
                 it must be an object with a `streams` array, each with `stream` and `sync_mode`"
            ))
        })?;
        catalog.validate()?;
        Ok(catalog)
    }

    fn validate(&self) -> Result<()> {
        let mut seen = HashSet::new();
        for configured in &self.streams {
            let name = configured.display_name();
            if !seen.insert(configured.descriptor()) {
                return Err(Error::config(format!(
                    "catalog: stream `{name}` is listed twice; keep one"
                )));
            }
            validate_stream(configured, &name)?;
        }
        Ok(())
    }
}

fn validate_stream(configured: &ConfiguredStream, name: &str) -> Result<()> {
    if configured.stream.name.is_empty() {
        return Err(Error::config("catalog: a stream has an empty `name`"));
    }
    if configured.cursor_field.len() > 1 {
        return Err(Error::config(format!(
            "catalog: stream `{name}` has the nested cursor_field {:?}; a table's cursor is one column",
            configured.cursor_field
        )));
    }
    if configured.sync_mode == SyncMode::Incremental && configured.cursor_field.is_empty() {
        return Err(Error::config(format!(
            "catalog: stream `{name}` is incremental but has no cursor_field; \
             choose a cursor column for it, or sync it as full_refresh"
        )));
    }
    if let Some(path) = configured.primary_key.iter().find(|path| path.len() != 1) {
        return Err(Error::config(format!(
            "catalog: stream `{name}` has the primary key path {path:?}; each key must be one column"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = r#"{"streams": [
        {"stream": {"name": "users", "namespace": "dbo",
                    "json_schema": {"type": "object"},
                    "supported_sync_modes": ["full_refresh", "incremental"]},
         "sync_mode": "incremental", "destination_sync_mode": "append_dedup",
         "cursor_field": ["updated_at"], "primary_key": [["id"]]},
        {"stream": {"name": "events", "json_schema": {}},
         "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
    ]}"#;

    #[test]
    fn parses_a_catalog() {
        let catalog = ConfiguredCatalog::parse(CATALOG).unwrap();
        assert_eq!(catalog.streams.len(), 2);
        let users = &catalog.streams[0];
        assert_eq!(users.display_name(), "dbo.users");
        assert_eq!(users.sync_mode, SyncMode::Incremental);
        assert_eq!(
            users.destination_sync_mode,
            Some(DestinationSyncMode::AppendDedup)
        );
        assert_eq!(users.cursor_column(), Some("updated_at"));
        assert_eq!(users.primary_key, vec![vec!["id".to_string()]]);
        assert_eq!(catalog.streams[1].display_name(), "events");
        assert_eq!(catalog.streams[1].cursor_column(), None);
    }

    #[test]
    fn malformed_json_is_a_config_error() {
        let err = ConfiguredCatalog::parse("{\"streams\": [").unwrap_err();
        assert_eq!(
            err.failure_type,
            crate::protocol::airbyte::FailureType::ConfigError
        );
        assert!(err.message.starts_with("catalog:"), "{}", err.message);
    }

    #[test]
    fn unknown_sync_mode_is_named() {
        let text = CATALOG.replace(
            "\"full_refresh\", \"destination",
            "\"sometimes\", \"destination",
        );
        let err = ConfiguredCatalog::parse(&text).unwrap_err();
        assert!(err.message.contains("sometimes"), "{}", err.message);
    }

    #[test]
    fn incremental_needs_a_cursor() {
        let text = CATALOG.replace("\"cursor_field\": [\"updated_at\"], ", "");
        let err = ConfiguredCatalog::parse(&text).unwrap_err();
        assert!(
            err.message.contains("`dbo.users` is incremental"),
            "{}",
            err.message
        );
    }

    #[test]
    fn duplicate_streams_are_rejected() {
        let text = r#"{"streams": [
            {"stream": {"name": "t"}, "sync_mode": "full_refresh"},
            {"stream": {"name": "t"}, "sync_mode": "full_refresh"}]}"#;
        let err = ConfiguredCatalog::parse(text).unwrap_err();
        assert!(err.message.contains("listed twice"), "{}", err.message);
    }

    #[test]
    fn composite_key_paths_must_be_columns() {
        let text = CATALOG.replace("[[\"id\"]]", "[[\"a\", \"b\"]]");
        let err = ConfiguredCatalog::parse(&text).unwrap_err();
        assert!(err.message.contains("primary key path"), "{}", err.message);
    }
}
