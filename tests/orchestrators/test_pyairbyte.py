"""source-mssql under PyAirbyte (PyPI `airbyte`), as its users run a local connector:
`ab.get_source("source-mssql", local_executable=..., config=...)`, check, the config
validated against our spec, a read into PyAirbyte's DuckDB cache, and a second read
that resumes from the state PyAirbyte stored. Runs in .venv-pyairbyte.
"""

import atexit
import datetime as dt
import os
import shlex
import shutil
import stat
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest

# PyAirbyte reads these at import: no registry download, no telemetry.
os.environ["AIRBYTE_OFFLINE_MODE"] = "1"
os.environ["DO_NOT_TRACK"] = "1"
# Its logs in a temp dir of their own, not /tmp/airbyte (read at import too).
LOGS = Path(os.environ.setdefault("AIRBYTE_LOGGING_ROOT",
                                  tempfile.mkdtemp(prefix="pyairbyte-logs-")))
atexit.register(shutil.rmtree, LOGS, True)

import airbyte as ab  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from airbyte import exceptions as ab_exc  # noqa: E402
from airbyte.caches import DuckDBCache  # noqa: E402

from conftest import NEW_ROW_SQL, REPO, USER, DATABASE  # noqa: E402
from emulator_process import binary  # noqa: E402

sys.path.insert(0, str(REPO / "tests" / "airbyte"))
from protocol_check import validate_line  # noqa: E402

STREAM = "every_type"

# Row 1 as DuckDB must hold it. Fractions past microseconds are cut (DuckDB keeps
# microseconds); NUMERIC columns are PyAirbyte's DECIMAL(38,9).
ROW1 = {
    "id": 1, "c_bit": True, "c_tinyint": 255, "c_smallint": -32768,
    "c_int": -2147483648, "c_bigint": 9223372036854775807,
    "c_decimal": Decimal("1234567.0123"), "c_numeric": Decimal("-99999.9999"),
    "c_money": Decimal("12345678.9012"), "c_smallmoney": Decimal("-214748.3648"),
    "c_real": 0.5, "c_float": 12345.625,
    "c_date": dt.date(2024, 2, 29), "c_time": dt.time(23, 59, 59, 999999),
    "c_smalldatetime": dt.datetime(2024, 2, 29, 13, 45),
    "c_datetime": dt.datetime(2024, 2, 29, 13, 45, 30, 997000),
    "c_datetime2": dt.datetime(2024, 2, 29, 13, 45, 30, 123456),
    "c_char": "ab    ", "c_varchar": "café", "c_nchar": "Ωx  ",
    "c_nvarchar": "Grüße 日本 😀", "c_text": "long text", "c_ntext": "ntext ü",
    "c_xml": '<a b="1">x</a>', "c_uniqueidentifier": "6F9619FF-8B86-D011-B42D-00C04FC964FF",
    "c_binary": "AQIDBA==", "c_varbinary": "3q2+7w==", "c_image": "AP8=",
    "c_sql_variant": "42", "updated": dt.datetime(2024, 3, 1, 8, 0),
}
OFFSET_VALUE = dt.datetime(2024, 2, 29, 13, 45, 30, 123456,
                           tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))

# DuckDB column types by kind: what each column must be typed as, not VARCHAR.
INTEGERS = ("id", "c_tinyint", "c_smallint", "c_int", "c_bigint")
DECIMALS = ("c_decimal", "c_numeric", "c_money", "c_smallmoney")
FLOATS = ("c_real", "c_float")
TIMESTAMPS = ("c_smalldatetime", "c_datetime", "c_datetime2", "c_datetimeoffset", "updated")
STRINGS = ("c_char", "c_varchar", "c_nchar", "c_nvarchar", "c_text", "c_ntext", "c_xml",
           "c_uniqueidentifier", "c_binary", "c_varbinary", "c_image", "c_rowversion",
           "c_sql_variant")


def config(emulator, **overrides) -> dict:
    # The config a PyAirbyte user writes: the keys of Airbyte's own source-mssql.
    cfg = {"host": emulator.host, "port": emulator.port, "database": DATABASE,
           "username": USER, "password": emulator.password, "schemas": ["dbo"],
           "ssl_mode": {"mode": "unencrypted"}}
    cfg.update(overrides)
    return cfg


def get_source(emulator, executable=None, **overrides):
    exe = executable or binary("source-mssql", "SOURCE_MSSQL_BIN")
    return ab.get_source("source-mssql", local_executable=str(exe),
                         config=config(emulator, **overrides))


def duckdb_cache(path: Path) -> DuckDBCache:
    return DuckDBCache(db_path=str(path / "cache.duckdb"), cache_dir=str(path / "cache"),
                       schema_name="main")


def query(cache: DuckDBCache, sql: str) -> list:
    with cache.get_sql_engine().connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql)).fetchall()]


def column_types(cache: DuckDBCache) -> dict:
    return dict(query(cache, "SELECT column_name, data_type FROM information_schema.columns"
                             f" WHERE table_name = '{STREAM}'"))


def rows_by_id(cache: DuckDBCache) -> dict:
    with cache.get_sql_engine().connect() as conn:
        result = conn.execute(sa.text(f"SELECT * FROM main.{STREAM} ORDER BY id"))
        return {row["id"]: dict(row) for row in result.mappings()}


def timed(label: str, call):
    start = time.monotonic()
    result = call()
    print(f"{label}: {time.monotonic() - start:.1f} s")
    return result


def test_check_and_config_validation(emulator):
    source = get_source(emulator)
    # validate_config checks the config against the spec our `spec` prints.
    timed("validate_config", source.validate_config)
    timed("check", source.check)
    with pytest.raises(ab_exc.AirbyteConnectorValidationFailedError):
        source.validate_config(config(emulator, port="not a port"))
    missing = config(emulator)
    del missing["database"]
    with pytest.raises(ab_exc.AirbyteConnectorValidationFailedError):
        source.validate_config(missing)


def test_check_wrong_password_is_a_failed_status(emulator):
    """A failed check is a CONNECTION_STATUS FAILED (exit 0) that PyAirbyte shows the user,
    not a crashed connector (PyAirbyte wraps a non-zero exit as original_exception)."""
    wrong = "Wrong-" + emulator.password[::-1]
    source = get_source(emulator, password=wrong)
    with pytest.raises(ab_exc.AirbyteConnectorCheckFailedError) as failed:
        source.check()
    assert failed.value.original_exception is None, f"the connector crashed: {failed.value}"
    reason = (failed.value.context or {}).get("failure_reason", "")
    assert reason, f"no failure reason: {failed.value}"
    assert wrong not in str(failed.value) and emulator.password not in str(failed.value)


def test_check_refused_host_answers_fast(emulator):
    """Nothing listens on port 1 of 127.0.0.1: check answers FAILED within 10 s."""
    source = get_source(emulator, port=1)
    start = time.monotonic()
    with pytest.raises(ab_exc.AirbyteConnectorCheckFailedError) as failed:
        source.check()
    took = time.monotonic() - start
    print(f"check against a refused port: {took:.1f} s")
    assert failed.value.original_exception is None, f"the connector crashed: {failed.value}"
    assert took < 10, f"check took {took:.1f} s to report a refused connection"


def test_read_types_every_column_in_duckdb(emulator, tmp_path):
    source = get_source(emulator)
    source.select_streams([STREAM])
    cache = duckdb_cache(tmp_path)
    result = timed("read", lambda: source.read(cache=cache, force_full_refresh=True))
    assert result.processed_records == 2

    types = column_types(cache)
    wrong = {}
    for name in INTEGERS:
        if types[name] not in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT"):
            wrong[name] = types[name]
    for name in DECIMALS:
        if not types[name].startswith("DECIMAL"):
            wrong[name] = types[name]
    for name in FLOATS:
        if not (types[name].startswith("DECIMAL") or types[name] in ("DOUBLE", "FLOAT")):
            wrong[name] = types[name]
    for name in TIMESTAMPS:
        if not types[name].startswith("TIMESTAMP"):
            wrong[name] = types[name]
    for name, want in (("c_bit", "BOOLEAN"), ("c_date", "DATE"), ("c_time", "TIME")):
        if types[name] != want:
            wrong[name] = types[name]
    for name in STRINGS:
        if types[name] != "VARCHAR":
            wrong[name] = types[name]
    assert not wrong, f"DuckDB column types not as documented (all types: {types})"

    rows = rows_by_id(cache)
    first = rows[1]
    for name, want in ROW1.items():
        assert first[name] == want, f"{name}: {first[name]!r} != {want!r}"
    # datetimeoffset: the instant in a TIMESTAMPTZ column, or the wall clock we wrote in
    # a TIMESTAMP one (PyAirbyte's DuckDB types timestamp_with_timezone so and drops the offset).
    got = first["c_datetimeoffset"]
    want = OFFSET_VALUE if got.tzinfo else OFFSET_VALUE.replace(tzinfo=None)
    assert got == want, f"c_datetimeoffset: {got!r} != {want!r}"
    assert len(first["c_rowversion"]) == 12  # base64 of 8 bytes
    second = rows[2]
    for name in ("c_int", "c_decimal", "c_float", "c_date", "c_time", "c_datetime2",
                 "c_datetimeoffset", "c_varchar", "c_nvarchar", "c_xml", "c_sql_variant"):
        assert second[name] is None, f"{name} of row 2 is NULL, not {second[name]!r}"
    assert second["c_bit"] is False and second["c_bigint"] == -9223372036854775808
    assert second["c_datetime"] == dt.datetime(1753, 1, 1)


def test_second_read_resumes_from_stored_state(emulator, tmp_path):
    source = get_source(emulator)
    source.select_streams([STREAM])
    # Our stream has no source-defined cursor: the user picks one, as in Airbyte's UI.
    source.set_cursor_key(STREAM, "updated")
    cache = duckdb_cache(tmp_path)
    first = timed("first incremental read", lambda: source.read(cache=cache))
    assert first.processed_records == 2
    [stored] = cache.get_state_provider(source_name=source.name).stream_state_artifacts
    assert stored.stream_descriptor.name == STREAM
    assert stored.stream_state.cursor == "2024-03-02T08:00:00.0000000"

    emulator.execute(NEW_ROW_SQL)
    second = timed("second incremental read", lambda: source.read(cache=cache))
    # Only rows at or after the stored cursor arrive: row 2 (at it: no row is lost at the
    # boundary, README "Incremental syncs") and the new row 3; row 1 is not read again.
    assert second.processed_records == 2
    rows = rows_by_id(cache)
    # (Compared as text: the column types are test_read_types_every_column_in_duckdb's.)
    assert sorted(int(key) for key in rows) == [1, 2, 3], "merged by primary key: each once"
    new = next(row for key, row in rows.items() if int(key) == 3)
    assert Decimal(str(new["c_numeric"])) == Decimal("3.5") and new["c_nchar"] == "new "
    [stored] = cache.get_state_provider(source_name=source.name).stream_state_artifacts
    assert stored.stream_state.cursor == "2024-03-03T08:00:00.0000000"


def teeing_executable(tmp_path: Path) -> tuple:
    """An executable that runs source-mssql and copies its stdout to a file on the way
    to PyAirbyte: the lines PyAirbyte read, to check with Airbyte's models."""
    log = tmp_path / "source-stdout.jsonl"
    script = tmp_path / "source-mssql"
    exe = shlex.quote(str(binary("source-mssql", "SOURCE_MSSQL_BIN")))
    script.write_text("#!/usr/bin/env bash\nset -o pipefail\n"
                      f'{exe} "$@" | tee -a {shlex.quote(str(log))}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def test_every_line_pyairbyte_read_validates(emulator, tmp_path):
    exe, log = teeing_executable(tmp_path)
    source = get_source(emulator, executable=exe)
    source.check()
    assert STREAM in source.get_available_streams()
    source.select_streams([STREAM])
    source.set_cursor_key(STREAM, "updated")
    cache = duckdb_cache(tmp_path)
    source.read(cache=cache)
    source.read(cache=cache)
    lines = log.read_text().splitlines()
    kinds = [validate_line(line)[0]["type"] for line in lines]
    for kind in ("SPEC", "CONNECTION_STATUS", "CATALOG", "RECORD", "STATE", "TRACE"):
        assert kind in kinds, f"no {kind} line among {len(lines)}"
    assert emulator.password not in log.read_text(), "stdout shows the password"
    for path in LOGS.rglob("*"):  # PyAirbyte's logs hold our stderr
        if path.is_file():
            assert emulator.password not in path.read_text(errors="replace"), path
