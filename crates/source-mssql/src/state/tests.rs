use super::*;
use crate::protocol::airbyte::FailureType;
use serde_json::json;

fn users() -> StreamDescriptor {
    StreamDescriptor {
        name: "users".into(),
        namespace: Some("dbo".into()),
    }
}

fn orders() -> StreamDescriptor {
    StreamDescriptor {
        name: "orders".into(),
        namespace: Some("sales".into()),
    }
}

fn cursor_blob() -> Value {
    json!({"version": 2, "state_type": "cursor_based", "stream_name": "users",
           "stream_namespace": "dbo", "cursor_field": ["updated_at"],
           "cursor": "2024-03-09T12:00:00.123", "cursor_record_count": 3})
}

fn error(text: &str) -> String {
    let err = InputState::parse(text).unwrap_err();
    assert_eq!(err.failure_type, FailureType::ConfigError);
    assert!(err.message.starts_with("state:"), "{}", err.message);
    err.message
}

#[test]
fn cursor_state_round_trips_with_airbyte_fields() {
    let state = StreamState::cursor(
        &users(),
        "updated_at",
        Some("2024-03-09T12:00:00.123".into()),
        3,
    );
    assert_eq!(state.to_value(), cursor_blob());
    let back: StreamState = serde_json::from_value(cursor_blob()).unwrap();
    assert_eq!(back, state);
}

#[test]
fn ordered_state_round_trips_in_airbytes_shape() {
    let incremental = StreamState::cursor(&users(), "id", None, 0);
    let mut ordered = OrderedState::new(&["id".into()], Some(vec!["1000".into()]), false);
    ordered.incremental_state = Some(Box::new(incremental));
    let state = StreamState::Ordered(ordered);
    let value = state.to_value();
    assert_eq!(
        value,
        json!({"state_type": "ordered_column", "version": 2, "ordered_col": "id",
               "ordered_col_val": "1000",
               "incremental_state": {"state_type": "cursor_based", "version": 2,
                   "stream_name": "users", "stream_namespace": "dbo", "cursor_field": ["id"],
                   "cursor": null, "cursor_record_count": 0}})
    );
    let back: StreamState = serde_json::from_value(value).unwrap();
    assert_eq!(back, state);
}

#[test]
fn composite_keys_keep_airbytes_first_column() {
    let columns = ["day".to_string(), "id".to_string()];
    let values = vec![
        "2024-01-02".to_string(),
        "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11".to_string(),
    ];
    let state = OrderedState::new(&columns, Some(values.clone()), true);
    let value = StreamState::Ordered(state.clone()).to_value();
    assert_eq!(
        value,
        json!({"state_type": "ordered_column", "version": 2, "ordered_col": "day",
               "ordered_col_val": "2024-01-02", "ordered_cols": ["day", "id"],
               "ordered_col_vals": values, "finished": true})
    );
    assert_eq!(state.columns(), columns);
    assert_eq!(state.values(), Some(values));
    // A hand-edited state whose columns disagree is refused.
    let text = json!([{"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "users", "namespace": "dbo"},
        "stream_state": {"state_type": "ordered_column", "ordered_col": "id",
                         "ordered_col_val": "1", "ordered_cols": ["day", "id"],
                         "ordered_col_vals": ["2024-01-02", "1"]}}}])
    .to_string();
    assert!(error(&text).contains("not the first of ordered_cols"));
}

#[test]
fn one_pass_state_says_it_cannot_resume() {
    let value = StreamState::FullRefresh(FullRefreshState::one_pass()).to_value();
    assert_eq!(
        value,
        json!({"state_type": "full_refresh", "version": 2, "resumable": false, "finished": true})
    );
    let text = json!([{"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "users", "namespace": "dbo"}, "stream_state": value}}])
    .to_string();
    assert!(matches!(
        InputState::parse(&text).unwrap().get(&users()),
        Some(StreamState::FullRefresh(_))
    ));
}

#[test]
fn empty_states() {
    for text in ["", "  \n", "null", "[]", "{}"] {
        assert_eq!(
            InputState::parse(text).unwrap(),
            InputState::default(),
            "{text:?}"
        );
    }
}

#[test]
fn per_stream_messages() {
    let text = json!([
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": "users", "namespace": "dbo"},
                                      "stream_state": cursor_blob()}},
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": "orders", "namespace": "sales"},
                                      "stream_state": {"state_type": "primary_key", "pk_name": "id",
                                                       "pk_val": "77", "version": 2}}},
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": "reset_me"},
                                      "stream_state": null}}
    ])
    .to_string();
    let state = InputState::parse(&text).unwrap();
    assert_eq!(state.streams.len(), 2);
    let Some(StreamState::Cursor(cursor)) = state.get(&users()) else {
        panic!("users should have a cursor state: {state:?}")
    };
    assert_eq!(cursor.cursor.as_deref(), Some("2024-03-09T12:00:00.123"));
    assert_eq!(cursor.cursor_record_count, Some(3));
    let Some(StreamState::Ordered(pk)) = state.get(&orders()) else {
        panic!("orders should have a primary key state: {state:?}")
    };
    assert_eq!(
        (pk.columns(), pk.values()),
        (vec!["id".into()], Some(vec!["77".into()]))
    );
}

#[test]
fn single_message_and_ordered_column_spelling() {
    let text = json!({"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "orders", "namespace": "sales"},
        "stream_state": {"state_type": "ordered_column", "ordered_col": "id",
                         "ordered_col_val": "5", "version": 2}}})
    .to_string();
    let state = InputState::parse(&text).unwrap();
    let Some(StreamState::Ordered(pk)) = state.get(&orders()) else {
        panic!("{state:?}")
    };
    assert_eq!(pk.ordered_col_val.as_deref(), Some("5"));
}

#[test]
fn untyped_cursor_blob_from_older_versions() {
    let text = json!([{"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "users", "namespace": "dbo"},
        "stream_state": {"cursor_field": ["id"], "cursor": "10"}}}])
    .to_string();
    let state = InputState::parse(&text).unwrap();
    let Some(StreamState::Cursor(cursor)) = state.get(&users()) else {
        panic!("{state:?}")
    };
    assert_eq!(cursor.stream_name, "users");
    assert_eq!(cursor.cursor.as_deref(), Some("10"));
    assert_eq!(cursor.version, STATE_VERSION);
}

#[test]
fn legacy_object_and_legacy_message() {
    let legacy = json!({"cdc": false, "streams": [
        {"stream_name": "users", "stream_namespace": "dbo", "cursor_field": ["updated_at"],
         "cursor": "2024-03-09T12:00:00.123", "cursor_record_count": 3}]});
    for text in [
        legacy.to_string(),
        json!({"type": "LEGACY", "data": legacy}).to_string(),
        json!([{"type": "LEGACY", "data": legacy}]).to_string(),
    ] {
        let state = InputState::parse(&text).unwrap();
        let Some(StreamState::Cursor(cursor)) = state.get(&users()) else {
            panic!("{text}: {state:?}")
        };
        assert_eq!(cursor.cursor_field, vec!["updated_at"]);
        assert_eq!(cursor.cursor_record_count, Some(3));
    }
}

#[test]
fn global_without_cdc() {
    let text = json!([{"type": "GLOBAL", "global": {
        "shared_state": {"cdc": false},
        "stream_states": [{"stream_descriptor": {"name": "users", "namespace": "dbo"},
                           "stream_state": cursor_blob()}]}}])
    .to_string();
    let state = InputState::parse(&text).unwrap();
    assert!(state.get(&users()).is_some());
}

#[test]
fn cdc_states_are_refused() {
    let global = json!([{"type": "GLOBAL", "global": {
        "shared_state": {"state": {"mssql_cdc_offset": {}}, "cdc_state": {"state": {}}},
        "stream_states": []}}])
    .to_string();
    assert!(error(&global).contains("CDC sync"));
    assert!(error(r#"{"cdc": true, "streams": []}"#).contains("CDC sync"));
}

#[test]
fn malformed_and_foreign_states_are_explained() {
    let cases = [
        ("[{\"type\": \"STREAM\"", "not valid JSON"),
        ("42", "it is a number"),
        (r#"[{"stream": {}}]"#, "has no `type`"),
        (r#"[{"type": "PER_TABLE"}]"#, "the type \"PER_TABLE\""),
        (
            r#"[{"type": "STREAM", "stream": {"stream_state": {}}}]"#,
            "no valid `stream_descriptor`",
        ),
        (
            r#"[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "t"},
                "stream_state": {"state_type": "ctid", "ctid": "(0,1)"}}}]"#,
            "state_type \"ctid\"",
        ),
        (
            r#"[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "t"},
                "stream_state": {"lsn": 5}}}]"#,
            "neither `state_type` nor `cursor_field`",
        ),
        (
            r#"[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "t"},
                "stream_state": {"state_type": "cursor_based", "cursor_field": "id"}}}]"#,
            "is malformed",
        ),
        (
            r#"[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "t"},
                "stream_state": {"state_type": "cursor_based", "cursor_field": ["a", "b"]}}}]"#,
            "one column",
        ),
        (
            r#"{"streams": "x"}"#,
            "neither STATE messages nor a `streams` list",
        ),
        (
            r#"{"something": 1}"#,
            "neither STATE messages nor a `streams` list",
        ),
    ];
    for (text, expected) in cases {
        let message = error(text);
        assert!(message.contains(expected), "{text}: {message}");
    }
}

#[test]
fn a_stream_twice_is_an_error() {
    let message = json!({"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "users", "namespace": "dbo"}, "stream_state": cursor_blob()}});
    let text = json!([message, message]).to_string();
    assert!(error(&text).contains("`dbo.users` has two states"));
}

/// A full refresh saves an empty blob: there is nothing to resume from.
#[test]
fn empty_stream_state_is_no_state() {
    let text = json!([{"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "users", "namespace": "dbo"},
        "stream_state": {}}}])
    .to_string();
    assert_eq!(InputState::parse(&text).unwrap(), InputState::default());
}
