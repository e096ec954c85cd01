"""The real source-mssql binary against the real mssql-emulator, as Airbyte's
platform runs it: spec, check, discover, read (full refresh, then incremental
from a state), and bad input. Every stdout line is validated with Airbyte's own
protocol models (see conftest.py and protocol_check.py), and no output may show
the password.
"""

import socket
import time

from conftest import DATABASE, USER
from protocol_check import configured_catalog

ORDERS = 4


def discovered(source, emulator) -> dict:
    run = source("discover", "--config", emulator.config())
    assert run.code == 0, run.stderr
    [catalog] = run.of_type("CATALOG")
    return catalog["catalog"]


def stream(catalog: dict, name: str) -> dict:
    [found] = [s for s in catalog["streams"] if s["name"] == name]
    return found


def test_spec(source):
    run = source("spec")
    assert run.code == 0, run.stderr
    [spec] = run.of_type("SPEC")
    props = spec["spec"]["connectionSpecification"]["properties"]
    assert props["password"]["airbyte_secret"] is True
    assert spec["spec"]["supportsIncremental"] is True


def test_check_succeeds(source, emulator):
    run = source("check", "--config", emulator.config())
    assert run.code == 0, run.stderr
    [status] = run.of_type("CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "SUCCEEDED"


def failed_check(run) -> str:
    """A check that ran and says no, as Airbyte's platform and PyAirbyte read it:
    CONNECTION_STATUS FAILED, no TRACE ERROR, exit code 0; returns its message."""
    assert run.code == 0, run.stderr
    assert run.errors() == []
    [status] = run.of_type("CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "FAILED"
    return status["connectionStatus"]["message"]


def test_check_wrong_password_fails_without_showing_it(source, emulator):
    wrong = "Wrong-" + emulator.password[::-1]
    run = source("check", "--config", emulator.config(password=wrong), secrets_=(wrong,))
    assert "`username` and `password`" in failed_check(run)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_check_of_a_refused_port_answers_within_10_s(source, emulator):
    started = time.monotonic()
    run = source("check", "--config", emulator.config(port=closed_port()))
    assert time.monotonic() - started < 10
    assert "check `host` and `port`" in failed_check(run)
    # Its retries, as LOG messages (validated like every line).
    logs = [m["log"] for m in run.of_type("LOG")]
    assert any(log["level"] == "WARN" and "connection refused" in log["message"]
               for log in logs), run.stdout


def test_a_reads_connect_retries_are_log_messages(source, emulator, tmp_path):
    """PyAirbyte drops a read's stderr: the retries are LOG messages on stdout too."""
    from emulator_process import sample_init, start_emulator, stop_emulator
    host, port, proc = start_emulator(
        ["--login", f"{USER}:{emulator.password}", "--database", DATABASE,
         "--init", str(sample_init(DATABASE, tmp_path)), "--fail-logins", "2:40613"],
        tmp_path / "stderr.log")
    try:
        catalog = configured_catalog(discovered(source, emulator),
                                     {"orders": ("full_refresh", None)})
        run = source("read", "--config", emulator.config(port=port), "--catalog", catalog)
    finally:
        stop_emulator(proc)
    assert run.code == 0, run.stderr
    retries = [m["log"] for m in run.of_type("LOG")
               if "failed (error 40613); retrying in" in m["log"]["message"]]
    assert len(retries) == 2, run.stdout
    assert all(log["level"] == "WARN" for log in retries)
    assert len(run.records("orders")) == ORDERS


def test_discover_describes_tables_keys_and_views(source, emulator):
    catalog = discovered(source, emulator)
    names = {s["name"] for s in catalog["streams"]}
    assert {"orders", "order_lines", "big_orders"} <= names
    assert stream(catalog, "order_lines")["source_defined_primary_key"] == [["order_id"], ["line"]]
    orders = stream(catalog, "orders")
    assert orders["namespace"] == "dbo"
    assert orders["source_defined_primary_key"] == [["id"]]
    props = orders["json_schema"]["properties"]
    assert set(props) == {"id", "customer", "amount", "price", "ratio", "placed", "updated",
                          "shipped", "code", "ref", "payload", "paid", "note"}


def test_discover_writes_airbyte_documented_types(source, emulator):
    """Airbyte's "Data Types in Records" forms, NULL in the type of a nullable
    column, and the SQL Server type under `x-mssql-type`."""
    props = stream(discovered(source, emulator), "orders")["json_schema"]["properties"]

    def prop(json_type, sql_type, **extra):
        return {"type": json_type, "x-mssql-type": sql_type, **extra}

    timestamp = {"format": "date-time", "airbyte_type": "timestamp_without_timezone"}
    assert props == {
        "id": prop("integer", "int"),
        "customer": prop("string", "nvarchar(50)"),
        "amount": prop("number", "decimal(18,4)"),
        "price": prop("number", "money"),
        "ratio": prop("number", "float"),
        "placed": prop("string", "date", format="date"),
        "updated": prop("string", "datetime2(7)", **timestamp),
        "shipped": prop(["null", "string"], "datetimeoffset(7)", format="date-time",
                        airbyte_type="timestamp_with_timezone"),
        "code": prop("string", "char(6)"),
        "ref": prop("string", "uniqueidentifier"),
        "payload": prop("string", "varbinary(8)", contentEncoding="base64"),
        "paid": prop("boolean", "bit"),
        "note": prop(["null", "string"], "nvarchar(100)"),
    }


def test_discover_without_schemas_reads_every_schema(source, emulator):
    config = emulator.config()
    del config["schemas"]
    run = source("discover", "--config", config)
    assert run.code == 0, run.stderr
    [catalog] = run.of_type("CATALOG")
    names = {(s["namespace"], s["name"]) for s in catalog["catalog"]["streams"]}
    assert {("dbo", "orders"), ("dbo", "order_lines"), ("dbo", "big_orders")} <= names


def test_read_with_a_catalog_of_well_known_type_references(source, emulator):
    """A catalog configured from an earlier discover, whose property schemas
    are `$ref`s to Airbyte's well-known types, still reads its columns."""
    found = stream(discovered(source, emulator), "order_lines")
    old = {"$ref": "WellKnownTypes.json#/definitions/Integer"}
    found["json_schema"]["properties"] = {"order_id": old, "line": old}
    catalog = configured_catalog({"streams": [found]}, {"order_lines": ("full_refresh", None)})
    run = source("read", "--config", emulator.config(), "--catalog", catalog)
    assert run.code == 0, run.stderr
    records = run.records("order_lines")
    assert len(records) == 6
    assert all(set(r) == {"order_id", "line"} for r in records)


def test_read_full_refresh(source, emulator):
    catalog = configured_catalog(discovered(source, emulator), {
        "orders": ("full_refresh", None), "order_lines": ("full_refresh", None),
        "big_orders": ("full_refresh", None)})
    run = source("read", "--config", emulator.config(), "--catalog", catalog)
    assert run.code == 0, run.stderr
    orders = {r["id"]: r for r in run.records("orders")}
    assert len(orders) == ORDERS
    assert len(run.records("order_lines")) == 6
    assert sorted(r["id"] for r in run.records("big_orders")) == [1, 2]
    first = orders[1]
    assert first["customer"] == "Zoë"
    assert first["amount"] == 12.5 and first["price"] == 3.25
    assert first["updated"] == "2024-01-01T08:00:00.1234567"
    assert first["ref"] == "6F9619FF-8B86-D011-B42D-00C04FC964FF"
    assert first["payload"] == "AQI="
    assert first["paid"] is True
    assert first["code"] == "A1    "
    # NULL is null, with its key present.
    assert "note" in orders[2] and orders[2]["note"] is None
    assert orders[3]["note"] == "line\nbreak"
    for name in ("orders", "order_lines", "big_orders"):
        assert run.statuses(name) == ["STARTED", "RUNNING", "COMPLETE"], name
    assert len(run.states()) == 3


def test_read_incremental_resumes_from_its_state(source, emulator):
    catalog = configured_catalog(discovered(source, emulator),
                                 {"orders": ("incremental", "updated")})
    first = source("read", "--config", emulator.config(), "--catalog", catalog)
    assert first.code == 0, first.stderr
    assert len(first.records("orders")) == ORDERS
    last_state = first.states()[-1]
    blob = last_state["stream"]["stream_state"]
    assert blob["cursor_field"] == ["updated"]
    assert blob["cursor"] == "2024-01-03T08:00:00.0000000"

    # The platform hands back the last STATE message; the next sync reads from it.
    second = source("read", "--config", emulator.config(), "--catalog", catalog,
                    "--state", [last_state])
    assert second.code == 0, second.stderr
    # No row lost: the rows at the saved cursor value (orders 3 and 4) are read again.
    assert sorted(r["id"] for r in second.records("orders")) == [3, 4]
    assert second.states()[-1]["stream"]["stream_state"]["cursor"] == blob["cursor"]


def test_read_incremental_from_a_hand_written_state(source, emulator):
    catalog = configured_catalog(discovered(source, emulator),
                                 {"orders": ("incremental", "updated")})
    state = [{"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "orders", "namespace": "dbo"},
        "stream_state": {"state_type": "cursor_based", "version": 2, "stream_name": "orders",
                         "stream_namespace": "dbo", "cursor_field": ["updated"],
                         "cursor": "2024-01-02T08:00:00.0000000", "cursor_record_count": 1}}}]
    run = source("read", "--config", emulator.config(), "--catalog", catalog, "--state", state)
    assert run.code == 0, run.stderr
    assert sorted(r["id"] for r in run.records("orders")) == [2, 3, 4]


def test_bad_config_is_a_config_error(source, emulator):
    config = emulator.config()
    del config["host"]
    run = source("discover", "--config", config)
    assert run.code != 0
    [error] = run.errors()
    assert error["failure_type"] == "config_error"
    assert "host" in error["message"]
    # check says it as its answer.
    assert "`host`" in failed_check(source("check", "--config", config))


def test_bad_catalog_is_a_config_error(source, emulator):
    run = source("read", "--config", emulator.config(), "--catalog", {"streams": "orders"})
    assert run.code != 0
    [error] = run.errors()
    assert error["failure_type"] == "config_error"


def test_missing_config_file_is_a_config_error(source, tmp_path):
    run = source("discover", "--config", tmp_path / "absent.json")
    assert run.code != 0
    [error] = run.errors()
    assert error["failure_type"] == "config_error"
