"""The tap piped into MeltanoLabs target-postgres and a real PostgreSQL: a
full load, then an insert, then an incremental sync from the state the
target emitted."""

import json
from decimal import Decimal

from conftest import last_state, pipe, select_stream, venv_tool


def target(tmp_path, postgres):
    config = tmp_path / "target-postgres.json"
    config.write_text(json.dumps({
        "host": postgres.host, "port": postgres.port, "user": postgres.user,
        "password": "unused", "database": "postgres", "default_target_schema": "landed",
        "add_record_metadata": True,  # needed for ACTIVATE_VERSION
    }))
    return [str(venv_tool(".venv-target-postgres", "target-postgres")), "--config", str(config)]


def test_incremental_into_postgres(tap, emulator, postgres, tmp_path):
    catalog = tap.discover()
    select_stream(catalog, "dbo-orders", "INCREMENTAL", "updated")
    select_stream(catalog, "dbo-order_lines", "FULL_TABLE")
    cmd = target(tmp_path, postgres)

    first = pipe(tap.sync(catalog), cmd, tmp_path)
    rows = postgres.rows(
        "SELECT id, customer, amount, price, placed, updated, paid, note FROM landed.orders "
        "ORDER BY id")
    # PostgreSQL keeps microseconds: datetime2's seventh digit is cut.
    assert rows == [
        {"id": 1, "customer": "Zoë", "amount": Decimal("12.5000"), "price": Decimal("3.2500"),
         "placed": "2024-01-01", "updated": "2024-01-01T08:00:00.123456", "paid": True,
         "note": "first"},
        {"id": 2, "customer": 'Ana "quoted"', "amount": Decimal("99999999999999.9999"),
         "price": Decimal("922337203685477.5807"), "placed": "2024-01-02",
         "updated": "2024-01-02T08:00:00", "paid": False, "note": None},
        {"id": 3, "customer": "Li", "amount": Decimal("-0.0001"), "price": Decimal("-3.5000"),
         "placed": "2024-01-03", "updated": "2024-01-03T08:00:00", "paid": True,
         "note": "line\nbreak"},
        {"id": 4, "customer": "Kim", "amount": Decimal("1.0000"), "price": Decimal("0.0000"),
         "placed": "2024-01-04", "updated": "2024-01-03T08:00:00", "paid": False,
         "note": "same cursor as 3"},
    ], rows
    assert postgres.query("SELECT count(*) FROM landed.order_lines") == [["6"]]
    state = last_state(first.stdout)

    emulator.execute(
        "INSERT INTO dbo.orders VALUES "
        "(5, N'Late', 2, 2, 2, '2024-01-05', '2024-01-03T08:00:00', NULL, 'E5', "
        "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A15', 0x05, 1, N'same cursor, committed late'), "
        "(6, N'New', 3, 3, 3, '2024-01-06', '2024-01-06T08:00:00', NULL, 'F6', "
        "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A16', 0x06, 0, N'new')")
    orders_only = json.loads(json.dumps(catalog))
    for stream in orders_only["streams"]:
        if stream["tap_stream_id"] != "dbo-orders":
            stream["metadata"][0]["metadata"]["selected"] = False
    second_tap = tap.sync(orders_only, state)
    sent = [json.loads(line)["record"]["id"] for line in second_tap.splitlines()
            if json.loads(line)["type"] == "RECORD"]
    # Only rows at or past the bookmark: those sharing its value again, and the new ones.
    assert sent == [3, 4, 5, 6]
    pipe(second_tap, cmd, tmp_path)
    ids = postgres.query("SELECT id FROM landed.orders ORDER BY id")
    assert ids == [["1"], ["2"], ["3"], ["4"], ["5"], ["6"]]
