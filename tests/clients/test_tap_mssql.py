"""pipelinewise tap-mssql (PyPI tap-mssql, on pymssql/FreeTDS) run for real against the emulator.

The tap lives in its own venv (.venv-tap-mssql) because of its pinned dependencies.
Its queries are its own: a failure here names the tap's SQL that the emulator rejected.
"""

import datetime as dt
import json
import os
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import REPO, start_emulator, stop_emulator

TAP = Path(os.environ.get("TAP_MSSQL_BIN", REPO / ".venv-tap-mssql" / "bin" / "tap-mssql"))

SETUP = [
    """CREATE TABLE orders (
        id int NOT NULL PRIMARY KEY,
        customer nvarchar(50) NOT NULL,
        note varchar(100) NULL,
        amount decimal(12,2) NOT NULL,
        price money NULL,
        qty smallint NULL,
        big bigint NULL,
        ratio float NULL,
        paid bit NOT NULL,
        order_date date NULL,
        created datetime NULL,
        updated datetime2(7) NULL,
        ext_id uniqueidentifier NULL,
        payload varbinary(20) NULL
    )""",
    """CREATE TABLE order_lines (
        order_id int NOT NULL,
        line_no int NOT NULL,
        sku char(8) NOT NULL,
        CONSTRAINT pk_order_lines PRIMARY KEY (order_id, line_no)
    )""",
    "CREATE TABLE no_key (a int NULL, b ntext NULL)",
    """INSERT INTO orders VALUES
        (1, N'Zoë 😀', 'first', 12.34, 5.0000, 3, 9223372036854775807, 0.5, 1, '2024-02-29',
         '2024-02-29 13:45:30.997', '2024-02-29 13:45:30.1234567', '6F9619FF-8B86-D011-B42D-00C04FC964FF', 0x0102),
        (2, N'Ann', NULL, -0.01, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL),
        (3, N'', '', 99999999.99, -12345.6789, -32768, -1, -1.25, 1, '0001-01-01',
         '1753-01-01 00:00:00', '9999-12-31 23:59:59.9999999', '00000000-0000-0000-0000-000000000000', 0x)""",
    "INSERT INTO order_lines VALUES (1, 1, 'SKU-1'), (1, 2, 'SKU-2')",
]

EXPECTED_RECORDS = {
    1: {"id": 1, "customer": "Zoë 😀", "note": "first", "amount": Decimal("12.34"), "price": Decimal("5"),
        "qty": 3, "big": 9223372036854775807, "ratio": 0.5, "paid": True,
        "order_date": "2024-02-29T00:00:00+00:00", "created": "2024-02-29T13:45:30.997000+00:00",
        "updated": "2024-02-29 13:45:30.1234567", "ext_id": "6f9619ff-8b86-d011-b42d-00c04fc964ff"},
    2: {"id": 2, "customer": "Ann", "note": None, "amount": Decimal("-0.01"), "price": None, "qty": None,
        "big": None, "ratio": None, "paid": False, "order_date": None, "created": None, "updated": None,
        "ext_id": None},
    3: {"id": 3, "customer": "", "note": "", "amount": Decimal("99999999.99"),
        "price": Decimal("-12345.6789"), "qty": -32768, "big": -1, "ratio": -1.25, "paid": True,
        "order_date": "0001-01-01T00:00:00+00:00", "created": "1753-01-01T00:00:00+00:00",
        "updated": "9999-12-31 23:59:59.9999999", "ext_id": "00000000-0000-0000-0000-000000000000"},
}

EXPECTED_SCHEMA = {  # column -> (JSON type list, format, extra checks)
    "id": (["null", "integer"], None, {"minimum": -2147483648, "maximum": 2147483647}),
    "customer": (["null", "string"], None, {"maxLength": 50}),
    "note": (["null", "string"], None, {"maxLength": 100}),
    "amount": (["null", "number"], None, {"multipleOf": 0.01}),
    "price": (["null", "number"], None, {"multipleOf": 0.0001}),
    "qty": (["null", "integer"], None, {"minimum": -32768, "maximum": 32767}),
    "big": (["null", "integer"], None, {"minimum": -(2 ** 63), "maximum": 2 ** 63 - 1}),
    "ratio": (["null", "number"], None, {}),
    "paid": (["null", "boolean"], None, {}),
    "order_date": (["null", "string"], "date-time", {}),
    "created": (["null", "string"], "date-time", {}),
    "updated": (["null", "string"], "date-time", {}),
    "ext_id": (["null", "string"], None, {"maxLength": None}),  # CHARACTER_MAXIMUM_LENGTH is NULL
}


@pytest.fixture(scope="module")
def tap_env(tmp_path_factory):
    if not TAP.is_file():
        pytest.fail(f"tap-mssql not installed at {TAP} (.ci/run creates .venv-tap-mssql)")
    tmp = tmp_path_factory.mktemp("tap")
    emu = start_emulator(tmp, database="tapdb")
    try:
        import pymssql
        c = pymssql.connect(server=emu.host, port=str(emu.port), user=emu.user, password=emu.password,
                            database="tapdb", autocommit=True, tds_version="7.4")
        cur = c.cursor()
        for s in SETUP:
            cur.execute(s)
        c.close()
        yield emu, tmp
    finally:
        stop_emulator(emu)


def config_for(emu, tmp, tds_version):
    cfg = {"host": emu.host, "port": str(emu.port), "user": emu.user, "password": emu.password,
           "database": "tapdb"}
    if tds_version:
        cfg["tds_version"] = tds_version
    p = tmp / f"config-{tds_version or 'default'}.json"
    p.write_text(json.dumps(cfg))
    return p


def run_tap(args, emu, timeout=300):
    r = subprocess.run([str(TAP), *args], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        pytest.fail(f"tap-mssql {' '.join(args)} exited {r.returncode}\n--- tap stderr (tail) ---\n"
                    f"{r.stderr[-6000:]}\n--- emulator stderr (tail) ---\n{emu.log_tail(40)}")
    return r


def discover(emu, tmp, tds_version):
    cfg = config_for(emu, tmp, tds_version)
    r = run_tap(["--config", str(cfg), "--discover"], emu)
    return cfg, json.loads(r.stdout)


def md_root(stream):
    for m in stream["metadata"]:
        if m["breadcrumb"] == []:
            return m["metadata"]
    raise AssertionError(f"no root metadata in {stream['tap_stream_id']}")


def md_prop(stream, col):
    for m in stream["metadata"]:
        if m["breadcrumb"] == ["properties", col]:
            return m["metadata"]
    raise AssertionError(f"no metadata for column {col}")


# tap-mssql's own default is TDS 7.3; 7.4 is what the emulator speaks natively.
TDS_VERSIONS = [None, "7.4"]


@pytest.mark.parametrize("tds_version", TDS_VERSIONS, ids=["tds-default-7.3", "tds-7.4"])
def test_tap_discover(tap_env, tds_version):
    emu, tmp = tap_env
    _, catalog = discover(emu, tmp, tds_version)
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert {"dbo-orders", "dbo-order_lines", "dbo-no_key"} <= set(streams), sorted(streams)
    orders = streams["dbo-orders"]
    assert orders.get("table_name") == "orders" and orders.get("stream") == "orders", orders.get("table_name")
    root = md_root(orders)
    assert root["table-key-properties"] == ["id"]
    assert root["database-name"] == "dbo"
    assert root["is-view"] is False
    props = orders["schema"]["properties"]
    assert list(props) == ["id", "customer", "note", "amount", "price", "qty", "big", "ratio", "paid",
                           "order_date", "created", "updated", "ext_id", "payload"]
    problems = []
    for col, (typ, fmt, extra) in EXPECTED_SCHEMA.items():
        p = props[col]
        if p.get("type") != typ:
            problems.append(f"{col}: type {p.get('type')} != {typ}")
        if p.get("format") != fmt:
            problems.append(f"{col}: format {p.get('format')} != {fmt}")
        for k, v in extra.items():
            if p.get(k) != v:
                problems.append(f"{col}: {k} {p.get(k)!r} != {v!r}")
    for col, sqltype in [("id", "int"), ("customer", "nvarchar"), ("amount", "decimal"), ("price", "money"),
                         ("paid", "bit"), ("updated", "datetime2"), ("ext_id", "uniqueidentifier"),
                         ("payload", "varbinary")]:
        got = md_prop(orders, col).get("sql-datatype")
        if got != sqltype:
            problems.append(f"{col}: sql-datatype {got!r} != {sqltype!r}")
    assert props["payload"].get("inclusion") == "unsupported"
    assert props["id"].get("inclusion") == "automatic"
    lines = streams["dbo-order_lines"]
    if md_root(lines)["table-key-properties"] != ["order_id", "line_no"]:
        problems.append(f"order_lines key properties {md_root(lines)['table-key-properties']}")
    if md_root(streams["dbo-no_key"])["table-key-properties"] != []:
        problems.append(f"no_key key properties {md_root(streams['dbo-no_key'])['table-key-properties']}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("tds_version", TDS_VERSIONS, ids=["tds-default-7.3", "tds-7.4"])
def test_tap_full_table_sync(tap_env, tds_version):
    emu, tmp = tap_env
    cfg, catalog = discover(emu, tmp, tds_version)
    for s in catalog["streams"]:
        if s["tap_stream_id"] != "dbo-orders":
            continue
        for m in s["metadata"]:
            if m["breadcrumb"] == []:
                m["metadata"]["selected"] = True
                m["metadata"]["replication-method"] = "FULL_TABLE"
            elif m["metadata"].get("selected-by-default"):
                m["metadata"]["selected"] = True
    cat = tmp / f"catalog-{tds_version or 'default'}.json"
    cat.write_text(json.dumps(catalog))
    r = run_tap(["--config", str(cfg), "--catalog", str(cat)], emu)
    # numbers parsed as Decimal: the tap writes Decimal values as exact JSON numbers
    msgs = [json.loads(line, parse_float=Decimal) for line in r.stdout.splitlines() if line.strip()]
    schema_msgs = [m for m in msgs if m["type"] == "SCHEMA"]
    records = [m for m in msgs if m["type"] == "RECORD"]
    assert [m["stream"] for m in schema_msgs] == ["dbo-orders"], schema_msgs
    assert schema_msgs[0]["key_properties"] == ["id"]
    assert {m["stream"] for m in records} == {"dbo-orders"}
    assert any(m["type"] == "ACTIVATE_VERSION" for m in msgs)
    assert any(m["type"] == "STATE" for m in msgs)
    got = {rec["record"]["id"]: rec["record"] for rec in records}
    assert sorted(got) == [1, 2, 3], f"record ids {sorted(got)} (records: {len(records)})"
    problems = []
    for rid, exp in EXPECTED_RECORDS.items():
        rec = got[rid]
        if "payload" in rec:
            problems.append(f"id {rid}: unsupported column payload was emitted")
        for col, want in exp.items():
            have = rec.get(col, "<missing>")
            if isinstance(want, Decimal):
                ok = isinstance(have, (Decimal, int)) and not isinstance(have, bool) and Decimal(have) == want
            elif isinstance(want, float):
                ok = isinstance(have, (Decimal, int)) and not isinstance(have, bool) and float(have) == want
            else:
                ok = have == want and type(have) is type(want)
            if not ok:
                problems.append(f"id {rid} {col}: got {have!r}, expected {want!r}")
    assert not problems, "\n".join(problems)


def test_expected_values_are_consistent():
    """Guard the test data itself (the tap formats date/uuid values in Python)."""
    assert dt.date(2024, 2, 29).isoformat() + "T00:00:00+00:00" == EXPECTED_RECORDS[1]["order_date"]
    assert str(uuid.UUID("6F9619FF-8B86-D011-B42D-00C04FC964FF")) == EXPECTED_RECORDS[1]["ext_id"]
