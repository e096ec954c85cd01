"""The tap piped into the real target-jsonl: what lands, row for row."""

import json
from decimal import Decimal

from conftest import last_state, pipe, select_stream, venv_tool

ORDERS = [
    {"id": 1, "customer": "Zoë", "amount": Decimal("12.5000"), "price": Decimal("3.2500"),
     "ratio": 0.1, "placed": "2024-01-01", "updated": "2024-01-01T08:00:00.1234567",
     "shipped": "2024-01-02T09:00:00.0000000+02:00", "code": "A1    ",
     "ref": "6F9619FF-8B86-D011-B42D-00C04FC964FF", "payload": "AQI=", "paid": True,
     "note": "first"},
    {"id": 2, "customer": 'Ana "quoted"', "amount": Decimal("99999999999999.9999"),
     "price": Decimal("922337203685477.5807"), "ratio": 1e300, "placed": "2024-01-02",
     "updated": "2024-01-02T08:00:00.0000000", "shipped": None, "code": "B2    ",
     "ref": "00000000-0000-0000-0000-000000000001", "payload": "/w==", "paid": False,
     "note": None},
    {"id": 3, "customer": "Li", "amount": Decimal("-0.0001"), "price": Decimal("-3.5000"),
     "ratio": -2.5, "placed": "2024-01-03", "updated": "2024-01-03T08:00:00.0000000",
     "shipped": None, "code": "C3    ", "ref": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
     "payload": "AA==", "paid": True, "note": "line\nbreak"},
    {"id": 4, "customer": "Kim", "amount": Decimal("1.0000"), "price": Decimal("0.0000"),
     "ratio": 0.0, "placed": "2024-01-04", "updated": "2024-01-03T08:00:00.0000000",
     "shipped": None, "code": "D4    ", "ref": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12",
     "payload": "Cgs=", "paid": False, "note": "same cursor as 3"},
]


def landed(directory, stream):
    files = sorted(directory.glob(f"{stream}-*.jsonl"))
    assert files, f"target-jsonl wrote no file for {stream}: {list(directory.iterdir())}"
    rows = []
    for path in files:
        rows += [json.loads(line, parse_float=Decimal) for line in path.read_text().splitlines()]
    return rows


def numbers_as_written(row):
    # Floats were parsed as Decimal to keep every digit; compare them as floats.
    return {k: float(v) if k == "ratio" else v for k, v in row.items()}


def test_rows_land_value_for_value(tap, tmp_path):
    catalog = tap.discover()
    select_stream(catalog, "dbo-orders", "INCREMENTAL", "updated")
    select_stream(catalog, "dbo-order_lines", "FULL_TABLE")
    out_dir = tmp_path / "jsonl"
    out_dir.mkdir()
    config = tmp_path / "target.json"
    config.write_text(json.dumps({"destination_path": str(out_dir)}))
    target = [str(venv_tool(".venv-target-jsonl", "target-jsonl")), "--config", str(config)]
    run = pipe(tap.sync(catalog), target, tmp_path)
    assert [numbers_as_written(r) for r in landed(out_dir, "dbo-orders")] == ORDERS
    lines = landed(out_dir, "dbo-order_lines")
    assert [(r["order_id"], r["line"], r["qty"]) for r in lines] == [
        (1, 1, 2), (1, 2, 1), (2, 1, 5), (3, 1, 7), (4, 1, 1), (4, 2, 3)]
    state = last_state(run.stdout)
    assert state["bookmarks"]["dbo-orders"]["replication_key_value"].startswith("2024-01-03T08")
