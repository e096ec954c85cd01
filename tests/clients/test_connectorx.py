"""ConnectorX (Rust, on tiberius 0.12; what data engineers use to read into Arrow and pandas)
against the emulator, its values compared with python-tds' reading of the same rows.

It reads the speed race's narrow and wide tables (their shapes are taken from
bench/src/seed.rs, fewer rows), plain and split with `partition_on`/`partition_num`, and a
table of every type of the type suite (typedata.py).

Where ConnectorX converts by its own rules, the comparison applies the same rule to
python-tds' value, so that every value is still compared exactly:
- money and smallmoney become float64 (ConnectorX's type mapping): compared with the
  float nearest python-tds' Decimal;
- decimal and numeric become Arrow decimal128(38, 10) through rust_decimal, which holds 28
  digits: a decimal(38,10) of 29 digits or more makes ConnectorX panic, so those values are
  left out (the 28-digit ones are compared);
- time, datetime2 and datetimeoffset become microseconds (Arrow time64[us]/timestamp[us]):
  the type suite's values have at most 6 fraction digits that matter to Python;
- datetime becomes microseconds truncated from its 1/300 s ticks (python-tds rounds to the
  millisecond SQL Server shows, so .997 is 299 ticks, 996666 us);
- datetimeoffset becomes a UTC timestamp that tiberius 0.12 computes as the wire's UTC time
  minus the offset (it takes the UTC value for local time): the expected value applies the
  same shift, so a wrong offset or instant on the wire still fails;
- uniqueidentifier becomes its lower-case text;
- xml and sql_variant are not implemented by ConnectorX 0.4.6 ("not implemented: Xml"):
  left out.
"""

import datetime as dt
import re
import secrets
import uuid
from decimal import Decimal
from pathlib import Path

import connectorx as cx
import pytest

from compare import mismatch, short
from typedata import TYPES

REPO = Path(__file__).resolve().parents[2]
SEED_RS = REPO / "bench" / "src" / "seed.rs"

NARROW_ROWS = 20_000
WIDE_ROWS = 4_000
# ConnectorX's rust_decimal holds 96 bits of mantissa.
RUST_DECIMAL_MAX = 2**96 - 1
UNSUPPORTED = {"xml", "sql_variant"}


def url(emu):
    return (f"mssql://{emu.user}:{emu.password}@{emu.host}:{emu.port}/{emu.database}"
            "?encrypt=false&trust_server_certificate=true")


def race_columns(name):
    """(column, type[, value expression]) tuples of bench/src/seed.rs's `name` array."""
    text = SEED_RS.read_text()
    m = re.search(rf"pub const {name}: \[[^\]]*\] = \[(.*?)\n\];", text, re.S)
    assert m, f"{name} not found in {SEED_RS}"
    string = r'"((?:[^"\\]|\\.)*)"'
    rows = re.findall(rf"\(\s*{string}\s*,\s*{string}\s*(?:,\s*{string}\s*)?\)", m.group(1))
    return [tuple(part.replace('\\"', '"') for part in row if part != "") for row in rows]


def numbers(limit):
    """`WITH seq(i)`: 0 .. limit-1 (limit <= 100,000)."""
    digits = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(10))
    return (f"WITH d AS ({digits}), seq AS (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n "
            "+ 10000 * f.n AS i FROM d a CROSS JOIN d b CROSS JOIN d c CROSS JOIN d e "
            f"CROSS JOIN d f) ")


@pytest.fixture(scope="module")
def pytds_conn(_emulator_manager):
    import pytds
    emu = _emulator_manager.get()
    c = pytds.connect(dsn=emu.host, port=emu.port, user=emu.user, password=emu.password,
                      database=emu.database, autocommit=True, timeout=300)
    yield emu, c
    c.close()


def run(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    cur.close()


def rows_of(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    out = [tuple(r) for r in cur.fetchall()]
    cur.close()
    return out


@pytest.fixture(scope="module")
def race_tables(pytds_conn):
    """The narrow and wide tables of the race, as bench/src/seed.rs makes them."""
    emu, conn = pytds_conn
    narrow = f"narrow_{secrets.token_hex(3)}"
    names = [c for c, _ in race_columns("NARROW_COLUMNS")]
    assert names == ["id", "big", "name", "ts", "amount"], names
    run(conn, f"CREATE TABLE {narrow} (id int NOT NULL PRIMARY KEY, big bigint NOT NULL, "
              "name nvarchar(50) NOT NULL, ts datetime2 NOT NULL, amount decimal(18,4) NOT NULL)")
    run(conn, numbers(NARROW_ROWS) + f"INSERT INTO {narrow} (id, big, name, ts, amount) "
              "SELECT i, CAST(i AS bigint) * 1000003, N'customer ' + CAST(i AS nvarchar(10)), "
              "DATEADD(second, i, CAST('2024-01-01T00:00:00.1234567' AS datetime2)), i * 1.25 "
              f"FROM seq WHERE i < {NARROW_ROWS}")
    wide = f"wide_{secrets.token_hex(3)}"
    cols = race_columns("WIDE_COLUMNS")
    assert len(cols) == 30, cols
    run(conn, f"CREATE TABLE {wide} ({', '.join(f'{c} {t}' for c, t, _ in cols)})")
    run(conn, numbers(WIDE_ROWS) + f"INSERT INTO {wide} ({', '.join(c for c, _, _ in cols)}) "
              f"SELECT {', '.join(v for _, _, v in cols)} FROM seq WHERE i < {WIDE_ROWS}")
    types = {narrow: dict(race_columns("NARROW_COLUMNS")), wide: {c: t for c, t, _ in cols}}
    return emu, conn, {"narrow": narrow, "wide": wide}, types


# ---------------------------------------------------------------------------------------
# ConnectorX's own conversions, applied to python-tds' value (see the module docstring).

def datetime_ticks_us(v):
    """A datetime as tiberius gives it: its 1/300 s tick, truncated to microseconds."""
    ms = v.microsecond // 1000
    ticks = round(ms * 3 / 10)
    return v.replace(microsecond=ticks * 1_000_000 // 300)


def as_connectorx(sql_type, v):
    """python-tds' value `v` of a column declared `sql_type`, as ConnectorX returns it."""
    if v is None:
        return None
    base = sql_type.split("(")[0].strip().lower()
    if base in ("money", "smallmoney"):
        return float(v)
    if base == "datetime":
        return datetime_ticks_us(v)
    if base == "datetimeoffset":
        shifted = v.replace(tzinfo=None) - 2 * v.utcoffset()
        return shifted.replace(tzinfo=dt.timezone.utc)
    if base == "uniqueidentifier":
        return str(v)
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    return v


def same(actual, expected):
    """None when ConnectorX's value is exactly the expected one."""
    if isinstance(expected, Decimal) and isinstance(actual, Decimal):
        return None if actual == expected else f"expected Decimal {expected}, got {actual}"
    if isinstance(expected, dt.datetime) and expected.tzinfo is not None:
        if actual is None or actual.tzinfo is None or actual != expected:
            return f"expected {expected!r}, got {actual!r}"
        return None
    return mismatch(actual, expected)


def compare_tables(table, types, arrow, expected_rows, label):
    names = arrow.column_names
    got = list(zip(*(arrow.column(n).to_pylist() for n in names)))
    got.sort(key=lambda r: r[0])
    problems = []
    if len(got) != len(expected_rows):
        problems.append(f"{label}: {len(got)} rows, python-tds read {len(expected_rows)}")
    for g, e in zip(got, expected_rows):
        for name, a, b in zip(names, g, e):
            m = same(a, as_connectorx(types[name], b))
            if m:
                problems.append(f"{label} {table} id={g[0]} {name}: {m}")
                if len(problems) > 20:
                    return problems
    return problems


@pytest.mark.parametrize("shape", ["narrow", "wide"])
def test_race_tables_plain_and_partitioned(race_tables, shape):
    emu, conn, tables, types = race_tables
    table = tables[shape]
    cols = list(types[table])
    select = f"SELECT {', '.join(cols)} FROM {table}"
    expected = rows_of(conn, f"{select} ORDER BY id")
    assert len(expected) == (NARROW_ROWS if shape == "narrow" else WIDE_ROWS)
    problems = []
    plain = cx.read_sql(url(emu), select, return_type="arrow")
    problems += compare_tables(table, types[table], plain, expected, "plain")
    split = cx.read_sql(url(emu), select, return_type="arrow", partition_on="id", partition_num=4)
    problems += compare_tables(table, types[table], split, expected, "partition_num=4")
    assert not problems, "\n".join(problems)


def test_pandas_reads_the_narrow_table(race_tables):
    emu, conn, tables, _ = race_tables
    table = tables["narrow"]
    df = cx.read_sql(url(emu), f"SELECT id, big, name, amount FROM {table}", return_type="pandas",
                     partition_on="id", partition_num=3)
    assert len(df) == NARROW_ROWS
    (count, total, big), = rows_of(conn, f"SELECT COUNT(*), SUM(CAST(id AS bigint)), MAX(big) FROM {table}")
    assert (len(df), int(df["id"].sum()), int(df["big"].max())) == (count, total, big)
    assert sorted(df["name"])[:2] == ["customer 0", "customer 1"]


def suite_cases(t):
    """The type suite's cases ConnectorX can read (see the module docstring)."""
    out = []
    for c in t.cases:
        if isinstance(c.value, Decimal) and t.id.startswith("decimal_38"):
            sign, digits, exp = c.value.as_tuple()
            if int("".join(map(str, digits)) or "0") > RUST_DECIMAL_MAX:
                continue
        out.append(c)
    return out


def test_every_type_of_the_type_suite(pytds_conn):
    emu, conn = pytds_conn
    table = f"cx_types_{secrets.token_hex(3)}"
    types = [t for t in TYPES if t.id not in UNSUPPORTED]
    run(conn, f"CREATE TABLE {table} (id int NOT NULL PRIMARY KEY, "
              + ", ".join(f"c_{t.id} {t.decl} NULL" for t in types) + ")")
    width = max(len(suite_cases(t)) for t in types)
    for row in range(width):
        values = []
        for t in types:
            cases = suite_cases(t)
            values.append(cases[row].literal if row < len(cases) else "NULL")
        run(conn, f"INSERT INTO {table} VALUES ({row}, {', '.join(values)})")
    run(conn, f"INSERT INTO {table} (id) VALUES ({width})")
    names = ["id"] + [f"c_{t.id}" for t in types]
    decls = {"id": "int", **{f"c_{t.id}": t.decl for t in types}}
    select = f"SELECT {', '.join(names)} FROM {table}"
    expected = rows_of(conn, f"{select} ORDER BY id")
    arrow = cx.read_sql(url(emu), select, return_type="arrow")
    problems = compare_tables(table, decls, arrow, expected, "types")
    # The suite's own values, not only python-tds' reading of them.
    got = {n: arrow.column(n).to_pylist() for n in names}
    order = sorted(range(len(got["id"])), key=lambda i: got["id"][i])
    for t in types:
        for row, c in enumerate(suite_cases(t)):
            m = same(got[f"c_{t.id}"][order[row]], as_connectorx(t.decl, c.value))
            if m:
                problems.append(f"{t.decl} {c.label}: {short(m, 300)}")
    assert not problems, "\n".join(problems)
