use super::*;
use crate::protocol::airbyte::FailureType;
use crate::query::Param;
use crate::types::{ColumnType, SqlType};
use serde_json::json;

fn column(name: &str, type_name: &str) -> Column {
    Column {
        name: name.into(),
        column_type: ColumnType::new(SqlType::from_name(type_name)),
        nullable: true,
    }
}

fn events(schema: &str) -> Table {
    Table {
        schema: schema.into(),
        name: "events".into(),
        columns: vec![
            column("id", "int"),
            column("at", "datetime2"),
            column("body", "nvarchar"),
        ],
        primary_key: vec!["id".into()],
        order_key: vec!["id".into()],
    }
}

fn catalog(streams: serde_json::Value) -> ConfiguredCatalog {
    ConfiguredCatalog::parse(&json!({ "streams": streams }).to_string()).unwrap()
}

fn incremental(properties: serde_json::Value) -> serde_json::Value {
    json!({"stream": {"name": "events", "namespace": "dbo",
                      "json_schema": {"type": "object", "properties": properties}},
           "sync_mode": "incremental", "cursor_field": ["at"]})
}

fn descriptor() -> StreamDescriptor {
    StreamDescriptor {
        name: "events".into(),
        namespace: Some("dbo".into()),
    }
}

fn state(blob: serde_json::Value) -> InputState {
    let text = json!([{"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "events", "namespace": "dbo"}, "stream_state": blob}}]);
    InputState::parse(&text.to_string()).unwrap()
}

#[test]
fn incremental_stream_resumes_from_the_saved_cursor() {
    let saved = state(json!({"state_type": "cursor_based", "cursor_field": ["at"],
                             "cursor": "2024-01-01T00:00:00.1234567", "cursor_record_count": 2}));
    let plan = plan(
        &catalog(json!([incremental(json!({}))])),
        &[events("dbo")],
        &saved,
    )
    .unwrap();
    assert!(plan.missing.is_empty() && plan.warnings.is_empty());
    let stream = &plan.streams[0];
    assert_eq!(stream.stream, descriptor());
    assert_eq!(stream.columns, ["id", "at", "body"]);
    assert_eq!(
        stream.query.sql,
        "SELECT [id], [at], [body] FROM [dbo].[events] \
         WHERE [at] >= CAST(@P1 AS datetime2(7)) ORDER BY [at]"
    );
    assert_eq!(
        stream.query.params,
        [Param::Text("2024-01-01T00:00:00.1234567".into())]
    );
    assert_eq!(
        stream.cursor,
        Some(CursorPlan {
            column: "at".into(),
            index: 1,
            saved: Some("2024-01-01T00:00:00.1234567".into()),
            saved_count: 2,
        })
    );
}

fn keyless(schema: &str) -> Table {
    Table {
        primary_key: vec![],
        order_key: vec![],
        ..events(schema)
    }
}

#[test]
fn selected_columns_keep_the_cursor_and_warn_about_gone_ones() {
    let catalog = catalog(json!([incremental(json!({"body": {}, "gone": {}}))]));
    let plan = plan(&catalog, &[keyless("dbo")], &InputState::default()).unwrap();
    let stream = &plan.streams[0];
    assert_eq!(stream.columns, ["at", "body"]);
    assert_eq!(stream.cursor.as_ref().unwrap().index, 0);
    assert_eq!(
        stream.query.sql,
        "SELECT [at], [body] FROM [dbo].[events] ORDER BY [at]"
    );
    assert_eq!(plan.warnings.len(), 1);
    assert!(plan.warnings[0].contains("`gone`"), "{}", plan.warnings[0]);
}

#[test]
fn an_incremental_streams_first_read_is_an_initial_load_in_key_order() {
    let catalog = catalog(json!([incremental(json!({"body": {}}))]));
    let plan = plan(&catalog, &[events("dbo")], &InputState::default()).unwrap();
    let stream = &plan.streams[0];
    // The key and the cursor are read whatever the catalog selects.
    assert_eq!(stream.columns, ["id", "at", "body"]);
    assert_eq!(stream.cursor, None);
    assert_eq!(
        stream.query.sql,
        "SELECT [id], [at], [body] FROM [dbo].[events] ORDER BY [id]"
    );
    let key = stream.key.as_ref().unwrap();
    assert_eq!(
        (key.columns.as_slice(), key.indexes.as_slice()),
        (&["id".to_string()][..], &[0][..])
    );
    let load = key.initial_load.as_ref().unwrap();
    assert_eq!(load.cursor, "at");
    let LoadStart::Query(max) = &load.start else {
        panic!("{load:?}")
    };
    assert_eq!(max.sql, "SELECT MAX([at]) FROM [dbo].[events]");
    assert!(stream.incremental());

    // Resumed: after the saved key, with the saved cursor start.
    let saved = state(json!({"state_type": "ordered_column", "ordered_col": "id",
        "ordered_col_val": "7", "incremental_state": {"state_type": "cursor_based",
        "cursor_field": ["at"], "cursor": "2024-01-01T00:00:00"}}));
    let plan = super::plan(&catalog, &[events("dbo")], &saved).unwrap();
    let stream = &plan.streams[0];
    assert!(
        stream
            .query
            .sql
            .ends_with("WHERE [id] > CAST(@P1 AS int) ORDER BY [id]"),
        "{}",
        stream.query.sql
    );
    let load = stream.key.as_ref().unwrap().initial_load.as_ref().unwrap();
    assert_eq!(
        load.start,
        LoadStart::Saved(Some("2024-01-01T00:00:00".into()))
    );
}

#[test]
fn full_refresh_reads_in_key_order_and_resumes_after_the_saved_key() {
    let full = catalog(json!([{"stream": {"name": "events", "namespace": "dbo"},
                               "sync_mode": "full_refresh"}]));
    // A cursor state is not a full refresh's: from the start.
    let saved = state(json!({"cursor_field": ["at"], "cursor": "2024-01-01"}));
    let plan = plan(&full, &[events("dbo")], &saved).unwrap();
    assert_eq!(
        plan.streams[0].query.sql,
        "SELECT [id], [at], [body] FROM [dbo].[events] ORDER BY [id]"
    );
    assert_eq!(plan.streams[0].cursor, None);
    let saved =
        state(json!({"state_type": "ordered_column", "ordered_col": "id", "ordered_col_val": "7"}));
    let plan = super::plan(&full, &[events("dbo")], &saved).unwrap();
    assert_eq!(plan.streams[0].query.params, [Param::Text("7".into())]);
    assert_eq!(
        plan.streams[0].key.as_ref().unwrap().resumed_after,
        Some(vec!["7".into()])
    );
    // Finished: the next one starts over.
    let done = state(json!({"state_type": "ordered_column", "ordered_col": "id",
                            "ordered_col_val": "9", "finished": true}));
    let plan = super::plan(&full, &[events("dbo")], &done).unwrap();
    assert!(plan.streams[0].query.params.is_empty() && plan.warnings.is_empty());
    // Without a key: one pass, in no order.
    let plan = super::plan(&full, &[keyless("dbo")], &saved).unwrap();
    assert_eq!(
        plan.streams[0].query.sql,
        "SELECT [id], [at], [body] FROM [dbo].[events]"
    );
    assert_eq!(plan.streams[0].key, None);
}

#[test]
fn missing_tables_are_set_aside() {
    let catalog = catalog(json!([incremental(json!({}))]));
    let plan = plan(&catalog, &[events("sales")], &InputState::default()).unwrap();
    assert!(plan.streams.is_empty());
    assert_eq!(plan.missing, [descriptor()]);
    assert!(plan.warnings[0].contains("`dbo.events`"));
}

#[test]
fn a_stream_without_namespace_is_found_by_name_alone() {
    let catalog = catalog(json!([{"stream": {"name": "events"}, "sync_mode": "full_refresh"}]));
    let plan = plan(&catalog, &[events("sales")], &InputState::default()).unwrap();
    assert_eq!(plan.streams[0].schema, "sales");
    let err = super::plan(
        &catalog,
        &[events("dbo"), events("sales")],
        &InputState::default(),
    )
    .unwrap_err();
    assert!(err.message.contains("`dbo`, `sales`"), "{}", err.message);
}

#[test]
fn cursor_mistakes_are_config_errors() {
    let by = |cursor: &str| {
        catalog(json!([{"stream": {"name": "events", "namespace": "dbo"},
                        "sync_mode": "incremental", "cursor_field": [cursor]}]))
    };
    let err = plan(&by("body"), &[events("dbo")], &InputState::default()).unwrap_err();
    assert_eq!(err.failure_type, FailureType::ConfigError);
    assert!(
        err.message
            .contains("cursor column `body` of type nvarchar"),
        "{}",
        err.message
    );
    let err = plan(&by("nope"), &[events("dbo")], &InputState::default()).unwrap_err();
    assert!(
        err.message
            .contains("`nope`, which its table no longer has"),
        "{}",
        err.message
    );
}

#[test]
fn other_states_start_over_with_a_warning() {
    let other_cursor = state(json!({"cursor_field": ["id"], "cursor": "5"}));
    let unfinished = state(json!({"state_type": "primary_key", "pk_name": "id", "pk_val": "7"}));
    for saved in [other_cursor, unfinished] {
        let plan = plan(
            &catalog(json!([incremental(json!({}))])),
            &[events("dbo")],
            &saved,
        )
        .unwrap();
        if let Some(cursor) = plan.streams[0].cursor.as_ref() {
            assert_eq!((cursor.saved.as_deref(), cursor.saved_count), (None, 0));
        } else {
            let key = plan.streams[0].key.as_ref().unwrap();
            assert_eq!(key.resumed_after, None);
        }
        assert!(plan.streams[0].query.params.is_empty());
        assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
        assert!(
            plan.warnings[0].contains("from the start"),
            "{}",
            plan.warnings[0]
        );
    }
}

#[test]
fn schemas_of_the_catalog() {
    let config = Config::from_value(&json!({"host": "h", "database": "d", "username": "u",
                                            "schemas": ["dbo", "x"]}))
    .unwrap();
    let catalog = catalog(json!([
        {"stream": {"name": "a", "namespace": "sales"}, "sync_mode": "full_refresh"},
        {"stream": {"name": "b"}, "sync_mode": "full_refresh"},
        {"stream": {"name": "c", "namespace": "sales"}, "sync_mode": "full_refresh"}]));
    assert_eq!(
        schemas(&catalog, &config),
        Schemas::Only(vec!["sales".into(), "dbo".into(), "x".into()])
    );
}

#[test]
fn with_no_schema_configured_a_stream_without_namespace_looks_in_all() {
    let config =
        Config::from_value(&json!({"host": "h", "database": "d", "username": "u"})).unwrap();
    let named = catalog(json!([
        {"stream": {"name": "a", "namespace": "sales"}, "sync_mode": "full_refresh"}]));
    assert_eq!(
        schemas(&named, &config),
        Schemas::Only(vec!["sales".into()])
    );
    let bare = catalog(json!([
        {"stream": {"name": "a", "namespace": "sales"}, "sync_mode": "full_refresh"},
        {"stream": {"name": "b"}, "sync_mode": "full_refresh"}]));
    assert_eq!(schemas(&bare, &config), Schemas::All);
}

/// A catalog configured from an older discover, whose property schemas were
/// `$ref`s to Airbyte's well-known types: only the names of its properties
/// choose the columns, whatever their schemas say.
#[test]
fn a_catalog_of_well_known_type_references_selects_its_columns() {
    let reference =
        |name: &str| json!({"$ref": format!("WellKnownTypes.json#/definitions/{name}")});
    let properties =
        json!({"id": reference("Integer"), "at": reference("TimestampWithoutTimezone")});
    let plan = plan(
        &catalog(json!([incremental(properties)])),
        &[events("dbo")],
        &InputState::default(),
    )
    .unwrap();
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    assert_eq!(plan.streams[0].columns, ["id", "at"]);
}
