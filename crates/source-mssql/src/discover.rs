//! What `discover` says about a table: its stream in the catalog, built from
//! the table's columns and primary key as the catalog views describe them.
//! (Querying those views is the connection's job; this part needs no server.)

use crate::protocol::airbyte::{Stream, SyncMode};
use crate::types::ColumnType;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub column_type: ColumnType,
    /// Whether the column may hold NULL (INFORMATION_SCHEMA's IS_NULLABLE).
    pub nullable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub schema: String,
    pub name: String,
    /// In ordinal order.
    pub columns: Vec<Column>,
    /// The primary key's columns in key order; empty when there is none.
    pub primary_key: Vec<String>,
    /// The unique, non-null key a read orders by, so that it can resume
    /// after the last key read: the clustered index's when it is unique
    /// (rows come in physical order, no lookup per row), else the primary
    /// key, else a unique index. Empty when there is none: the table is
    /// read in one pass.
    pub order_key: Vec<String>,
}

impl Table {
    /// The stream `discover` lists for this table. It can be read
    /// incrementally when some column can be a cursor, and a full read can
    /// resume after a failure when rows can be ordered by a unique key.
    pub fn stream(&self) -> Stream {
        let mut sync_modes = vec![SyncMode::FullRefresh];
        if self.columns.iter().any(|c| c.column_type.can_be_cursor()) {
            sync_modes.push(SyncMode::Incremental);
        }
        Stream {
            name: self.name.clone(),
            namespace: Some(self.schema.clone()),
            json_schema: self.json_schema(),
            supported_sync_modes: sync_modes,
            source_defined_cursor: false,
            default_cursor_field: Vec::new(),
            source_defined_primary_key: self
                .primary_key
                .iter()
                .map(|column| vec![column.clone()])
                .collect(),
            is_resumable: !self.order_key.is_empty(),
        }
    }

    /// `{"type": "object", "properties": {column: {"type": ..., "x-mssql-type": ...}}}`
    pub fn json_schema(&self) -> Value {
        let properties: Map<String, Value> = self
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.column_type.json_schema(c.nullable)))
            .collect();
        serde_json::json!({
            "type": "object",
            "additionalProperties": true,
            "properties": properties,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::SqlType;
    use serde_json::json;

    fn column(name: &str, type_name: &str, nullable: bool) -> Column {
        Column {
            name: name.into(),
            column_type: ColumnType::new(SqlType::from_name(type_name)),
            nullable,
        }
    }

    #[test]
    fn table_with_key_and_cursor() {
        let table = Table {
            schema: "dbo".into(),
            name: "users".into(),
            columns: vec![
                column("id", "int", false),
                column("email", "nvarchar", true),
                column("seen", "datetime2", true),
            ],
            primary_key: vec!["id".into()],
            order_key: vec!["id".into()],
        };
        let stream = serde_json::to_value(table.stream()).unwrap();
        assert_eq!(
            stream,
            json!({
                "name": "users", "namespace": "dbo",
                "json_schema": {"type": "object", "additionalProperties": true, "properties": {
                    "id": {"type": "integer", "x-mssql-type": "int"},
                    "email": {"type": ["null", "string"], "x-mssql-type": "nvarchar"},
                    "seen": {"type": ["null", "string"], "format": "date-time",
                             "airbyte_type": "timestamp_without_timezone",
                             "x-mssql-type": "datetime2"}}},
                "supported_sync_modes": ["full_refresh", "incremental"],
                "source_defined_cursor": false,
                "source_defined_primary_key": [["id"]],
                "is_resumable": true
            })
        );
    }

    #[test]
    fn table_without_key_or_cursor() {
        let table = Table {
            schema: "sales".into(),
            name: "notes".into(),
            columns: vec![column("body", "ntext", true), column("flag", "bit", false)],
            primary_key: vec![],
            order_key: vec![],
        };
        let stream = table.stream();
        assert_eq!(stream.supported_sync_modes, vec![SyncMode::FullRefresh]);
        assert!(!stream.is_resumable);
        assert!(stream.source_defined_primary_key.is_empty());
    }
}
