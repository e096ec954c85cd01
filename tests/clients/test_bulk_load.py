"""The emulator's bulk load (INSERT BULK + BulkLoad message) judged by independent bulk
clients: python-tds' ``cursor.copy_to`` and FreeTDS' ``freebcp in`` (character and native
mode). Each loads through its own metadata query and its own encoding of the rows; the
values are read back with python-tds and compared exactly."""

import datetime
import decimal
import io
import secrets
import shutil
import subprocess
import uuid

import pytest

import pytds
from pytds import tds_base, tds_types


def connect(emu, autocommit=True):
    return pytds.connect(dsn=emu.host, port=emu.port, user=emu.user, password=emu.password,
                         database=emu.database, autocommit=autocommit, login_timeout=15,
                         timeout=120, appname="pytest-bulk-load")


def rows(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]


def execute(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)


TYPES_TABLE = """CREATE TABLE {t} (
    id int NOT NULL PRIMARY KEY, n bigint NULL, flag bit NULL, amount decimal(38,9) NULL,
    price money NULL, ratio float NULL, d date NULL, t time(7) NULL, at datetime2(3) NULL,
    ato datetimeoffset(7) NULL, legacy datetime NULL, name nvarchar(50) NULL,
    note varchar(20) NULL, code nchar(4) NULL, doc nvarchar(max) NULL, g uniqueidentifier NULL,
    x xml NULL, dflt int NULL DEFAULT 42)"""

EXPECTED = [
    (1, -9223372036854775808, True, decimal.Decimal("12345678901234567890123456789.123456789"),
     decimal.Decimal("922337203685477.5807"), 0.30000000000000004, datetime.date(1, 1, 1),
     datetime.time(23, 59, 59, 999999), datetime.datetime(2024, 2, 29, 12, 34, 56, 789000),
     "2024-02-29 23:59:59.1234567 +05:30", datetime.datetime(1753, 1, 1, 0, 0, 0, 3000),
     "héllo ✓ 𝄞", "café", "ab  ", "x" * 4000, uuid.UUID("00112233-4455-6677-8899-aabbccddeeff"),
     "<a>1</a>", 42),
    (2, None, False, decimal.Decimal("-0.000000001"), None, None, None, None, None, None, None,
     "", "", None, "", None, None, 42),
]

READ_BACK = ("SELECT id, n, flag, amount, price, ratio, d, t, at, "
             "CONVERT(nvarchar(40), ato, 121), legacy, name, note, code, doc, g, "
             "CAST(x AS nvarchar(max)), dflt FROM {t} ORDER BY id")


def as_text(v):
    return None if v is None else str(v)


def test_copy_to_as_text_converts_to_every_column_type(emulator):
    """Without column types copy_to sends every value as nvarchar(4000): the server's
    implicit conversion to each column's type is what is judged."""
    t = f"bulk_text_{secrets.token_hex(4)}"
    with connect(emulator) as conn:
        execute(conn, TYPES_TABLE.format(t=t))
        data = [
            ["1", "-9223372036854775808", "1", "12345678901234567890123456789.123456789",
             "922337203685477.5807", "0.30000000000000004", "0001-01-01", "23:59:59.9999990",
             "2024-02-29 12:34:56.789", "2024-02-29 23:59:59.1234567 +05:30",
             "1753-01-01 00:00:00.003", "héllo ✓ 𝄞", "café", "ab", "x" * 4000,
             "00112233-4455-6677-8899-AABBCCDDEEFF", "<a>1</a>", None],
            ["2", None, "0", "-0.000000001", None, None, None, None, None, None, None,
             "", "", None, "", None, None, None],
        ]
        with conn.cursor() as cur:
            cur.copy_to(table_or_view=t, data=data, keep_nulls=False)
        got = rows(conn, READ_BACK.format(t=t))
        assert got == EXPECTED


def test_copy_to_with_typed_columns_and_keep_nulls(emulator):
    t = f"bulk_typed_{secrets.token_hex(4)}"
    with connect(emulator) as conn:
        execute(conn, TYPES_TABLE.format(t=t))
        nullable = tds_base.Column.fNullable
        columns = [
            tds_base.Column("id", tds_types.IntType(), flags=0),
            tds_base.Column("n", tds_types.BigIntType(), flags=nullable),
            tds_base.Column("flag", tds_types.BitType(), flags=nullable),
            tds_base.Column("amount", tds_types.DecimalType(precision=38, scale=9), flags=nullable),
            tds_base.Column("ratio", tds_types.FloatType(), flags=nullable),
            tds_base.Column("d", tds_types.DateType(), flags=nullable),
            tds_base.Column("t", tds_types.TimeType(precision=7), flags=nullable),
            tds_base.Column("at", tds_types.DateTime2Type(precision=3), flags=nullable),
            tds_base.Column("name", tds_types.NVarCharType(size=50), flags=nullable),
            tds_base.Column("doc", tds_types.NVarCharMaxType(), flags=nullable),
            tds_base.Column("g", tds_types.UniqueIdentifierType(), flags=nullable),
            tds_base.Column("dflt", tds_types.IntType(), flags=nullable),
        ]
        data = [
            [1, -9223372036854775808, True, decimal.Decimal("12345678901234567890123456789.123456789"),
             0.30000000000000004, datetime.date(1, 1, 1), datetime.time(23, 59, 59, 999999),
             datetime.datetime(2024, 2, 29, 12, 34, 56, 789000), "héllo ✓ 𝄞", "x✓" * 1_500_000,
             uuid.UUID("00112233-4455-6677-8899-aabbccddeeff"), None],
            [2, None, False, decimal.Decimal("-0.000000001"), None, None, None, None, "", "", None, 5],
        ]
        with conn.cursor() as cur:
            cur.copy_to(table_or_view=t, columns=columns, data=data, keep_nulls=True, tablock=True)
        got = rows(conn, f"SELECT id, n, flag, amount, ratio, d, t, at, name, doc, g, dflt FROM {t} ORDER BY id")
        assert got == [
            (1, -9223372036854775808, True, decimal.Decimal("12345678901234567890123456789.123456789"),
             0.30000000000000004, datetime.date(1, 1, 1), datetime.time(23, 59, 59, 999999),
             datetime.datetime(2024, 2, 29, 12, 34, 56, 789000), "héllo ✓ 𝄞", "x✓" * 1_500_000,
             uuid.UUID("00112233-4455-6677-8899-aabbccddeeff"), None),
            (2, None, False, decimal.Decimal("-0.000000001"), None, None, None, None, "", "", None, 5),
        ], "KEEP_NULLS keeps the NULL in a column with a default"


def test_copy_to_from_a_csv_file(emulator):
    t = f"bulk_csv_{secrets.token_hex(4)}"
    with connect(emulator) as conn:
        execute(conn, f"CREATE TABLE {t} (id int NOT NULL PRIMARY KEY, name nvarchar(20) NULL, "
                      "amount decimal(10,2) NULL)")
        csv = io.StringIO("".join(f"{i}\tname {i}\t{'NULL' if i % 3 == 0 else f'{i}.25'}\n"
                                  for i in range(1, 10_001)))
        with conn.cursor() as cur:
            cur.copy_to(file=csv, table_or_view=t, sep="\t", null_string="NULL")
        assert rows(conn, f"SELECT COUNT(*), COUNT(amount), SUM(amount), MAX(name) FROM {t}") == [
            (10_000, 6_667, sum(decimal.Decimal(f"{i}.25") for i in range(1, 10_001) if i % 3),
             "name 9999")]


def test_errors_roll_the_whole_load_back(emulator):
    t = f"bulk_err_{secrets.token_hex(4)}"
    with connect(emulator) as conn:
        execute(conn, f"CREATE TABLE {t} (id int NOT NULL PRIMARY KEY, name nvarchar(5) NOT NULL)")
        cases = [
            ([["1", "a"], ["x", "b"]], 4864, "row 2, column 1 (id)"),
            ([["1", "a"], ["2", "toolong"]], 4863, "row 2, column 2 (name)"),
            ([["1", "a"], ["1", "b"]], 2627, "duplicate key value is (1)"),
            ([["1", "a"], ["2", None]], 515, "column 'name'"),
        ]
        for data, number, text in cases:
            with conn.cursor() as cur:
                with pytest.raises(pytds.Error) as e:
                    cur.copy_to(table_or_view=t, data=data)
            assert e.value.msg_no == number, str(e.value)
            assert text in str(e.value)
            assert rows(conn, f"SELECT COUNT(*) FROM {t}") == [(0,)]
        with conn.cursor() as cur:
            cur.copy_to(table_or_view=t, data=[["1", "fine"]])
        assert rows(conn, f"SELECT id, name FROM {t}") == [(1, "fine")]


def test_copy_to_inside_a_transaction(emulator):
    t = f"bulk_tx_{secrets.token_hex(4)}"
    with connect(emulator) as setup:
        execute(setup, f"CREATE TABLE {t} (id int NOT NULL PRIMARY KEY)")
    with connect(emulator, autocommit=False) as conn:
        with conn.cursor() as cur:
            cur.copy_to(table_or_view=t, data=[[str(i)] for i in range(100)])
        assert rows(conn, f"SELECT COUNT(*) FROM {t}") == [(100,)]
        conn.rollback()
        assert rows(conn, f"SELECT COUNT(*) FROM {t}") == [(0,)]
        with conn.cursor() as cur:
            cur.copy_to(table_or_view=t, data=[[str(i)] for i in range(7)])
        conn.commit()
    with connect(emulator) as other:
        assert rows(other, f"SELECT COUNT(*) FROM {t}") == [(7,)]


FREEBCP = shutil.which("freebcp")
needs_freebcp = pytest.mark.skipif(FREEBCP is None and not __import__("os").environ.get("CI"),
                                   reason="freebcp (Debian freetds-bin) is not installed")


def freebcp(emulator, *args):
    cmd = [FREEBCP or "freebcp", *args, "-S", f"{emulator.host}:{emulator.port}",
           "-U", emulator.user, "-P", emulator.password, "-D", emulator.database, "-O", "SET TEXTSIZE 2147483647"]
    env = {"TDSVER": "7.4", "PATH": "/usr/bin:/bin"}
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    return p


@needs_freebcp
def test_freebcp_in_character_mode(emulator, tmp_path):
    t = f"bcp_char_{secrets.token_hex(4)}"
    with connect(emulator) as conn:
        execute(conn, f"CREATE TABLE {t} (id int NOT NULL PRIMARY KEY, name nvarchar(30) NULL, "
                      "amount decimal(18,4) NULL, at datetime2(7) NULL, flag bit NULL, "
                      "id2 int IDENTITY(1,1) NOT NULL)")
    # FreeTDS reads the file in its default client charset, ISO-8859-1.
    data = tmp_path / "rows.tsv"
    n = 5_000
    # id2's field is there (bcp files hold every column) and ignored: without -E the
    # identity is generated.
    data.write_text("".join(f"{i}\tname {i} é\t{i}.1234\t2024-02-29 12:34:56.1234567\t{i % 2}\t0\n"
                            for i in range(1, n + 1)), encoding="latin-1")
    p = freebcp(emulator, f"{emulator.database}.dbo.{t}", "in", str(data), "-c", "-t", "\t")
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"{n} rows copied" in p.stdout, p.stdout
    with connect(emulator) as conn:
        assert rows(conn, f"SELECT COUNT(*), MIN(id), MAX(id), MAX(id2) FROM {t}") == [(n, 1, n, n)]
        assert rows(conn, f"SELECT id, name, amount, at, flag FROM {t} WHERE id = 7") == [
            (7, "name 7 é", decimal.Decimal("7.1234"), datetime.datetime(2024, 2, 29, 12, 34, 56, 123456), True)]


@needs_freebcp
def test_freebcp_native_mode_round_trip(emulator, tmp_path):
    """freebcp out in native mode from one table, then in into another: the native file is
    FreeTDS' own binary encoding of each type. (Only types freebcp 1.3 reads back from its own
    native files: a file it wrote with bigint, float, date, datetime, money or
    uniqueidentifier columns fails its own `in` with "Unexpected EOF encountered in bcp
    datafile" before any row reaches the server; its native nvarchar goes out in the client
    charset, unconverted; a NULL string comes back empty.)"""
    src, dst = f"bcp_src_{secrets.token_hex(4)}", f"bcp_dst_{secrets.token_hex(4)}"
    cols = ("id int NOT NULL PRIMARY KEY, amount decimal(38,9) NULL, at datetime2(7) NULL, "
            "note varchar(20) NULL, b varbinary(20) NULL")
    with connect(emulator) as conn:
        execute(conn, f"CREATE TABLE {src} ({cols})")
        execute(conn, f"CREATE TABLE {dst} ({cols})")
        execute(conn, f"""INSERT INTO {src} VALUES
            (1, 12345678901234567890123456789.123456789, '9999-12-31 23:59:59.9999999', 'plain',
             0x00FF10),
            (2, -0.000000001, '0001-01-01 00:00:00', 'x', 0x01)""")
    data = tmp_path / "rows.bcp"
    p = freebcp(emulator, f"{emulator.database}.dbo.{src}", "out", str(data), "-n")
    assert p.returncode == 0, p.stdout + p.stderr
    p = freebcp(emulator, f"{emulator.database}.dbo.{dst}", "in", str(data), "-n")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "2 rows copied" in p.stdout, p.stdout
    with connect(emulator) as conn:
        assert rows(conn, f"SELECT * FROM {dst} ORDER BY id") == rows(conn, f"SELECT * FROM {src} ORDER BY id")
