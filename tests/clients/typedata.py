"""The one table of SQL Server types and edge values shared by the Python client tests.

Each SqlType has cases; each Case gives
  literal  - a T-SQL expression that produces the value (used in INSERT ... VALUES)
  value    - the Python value a DB-API client must read back (None = NULL)
  param    - the Python value to bind as a parameter (default: value; NO_PARAM = skip)
  text121  - for date/time types: CONVERT(varchar(40), v, 121) as SQL Server prints it,
             which checks the full 100 ns precision that Python's types cannot hold.
Every type additionally gets a NULL case.
"""

import datetime as dt
import struct
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

NO_PARAM = object()
SAME = object()

MB = 1024 * 1024


@dataclass
class Case:
    label: str
    literal: str
    value: object
    param: object = SAME
    text121: str | None = None

    def param_value(self):
        return self.value if self.param is SAME else self.param


@dataclass
class SqlType:
    id: str            # pytest id / table suffix
    decl: str          # column declaration
    cases: list = field(default_factory=list)
    # how to compare server-side: "v = literal" needs a cast for LOB types
    cmp_cast: str | None = None
    comparable: bool = True
    temporal: bool = False
    can_insert: bool = True   # rowversion cannot be inserted


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def nlit(s: str) -> str:
    return "N'" + s.replace("'", "''") + "'"


def lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def hexlit(b: bytes) -> str:
    return "0x" + b.hex().upper()


def tz(minutes: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(minutes=minutes))


# Strings --------------------------------------------------------------------
CONTROL = "a\tb\nc\rd\x01e\x1f\x7f"            # control characters (no NUL)
UNICODE = "Grüße ñ € 日本語 😀 𝄞 \U0010FFFF ok"   # BMP + surrogate pairs
CP1252 = "café £ € ÿ"                         # fits code page 1252 (varchar)
BIG_ASCII = ("0123456789abcdefghijklmnopqrstuvwxyz-" * (3 * MB // 37 + 1))[: 3 * MB]
BIG_UNICODE = ("Ωmega😀 日本 " * (1 * MB // 10 + 1))[: 1 * MB]   # ~1M UTF-16 units -> >2 MB on the wire
BIG_BYTES = bytes(range(256)) * (4 * MB // 256)  # 4 MiB, all byte values

TYPES = [
    SqlType("bit", "bit", [
        Case("zero", "0", False), Case("one", "1", True)]),
    SqlType("tinyint", "tinyint", [
        Case("min", "0", 0), Case("max", "255", 255)]),
    SqlType("smallint", "smallint", [
        Case("min", "-32768", -32768), Case("max", "32767", 32767)]),
    SqlType("int", "int", [
        Case("min", "-2147483648", -2147483648), Case("max", "2147483647", 2147483647),
        Case("zero", "0", 0)]),
    SqlType("bigint", "bigint", [
        Case("min", "-9223372036854775808", -9223372036854775808),
        Case("max", "9223372036854775807", 9223372036854775807)]),
    SqlType("decimal_38_10", "decimal(38,10)", [
        Case("min", "-9999999999999999999999999999.9999999999",
             Decimal("-9999999999999999999999999999.9999999999")),
        Case("max", "9999999999999999999999999999.9999999999",
             Decimal("9999999999999999999999999999.9999999999")),
        Case("tiny", "0.0000000001", Decimal("0.0000000001")),
        Case("zero", "0", Decimal("0E-10"))]),
    SqlType("numeric_18_4", "numeric(18,4)", [
        Case("min", "-99999999999999.9999", Decimal("-99999999999999.9999")),
        Case("max", "99999999999999.9999", Decimal("99999999999999.9999")),
        Case("frac", "-0.0001", Decimal("-0.0001"))]),
    SqlType("money", "money", [
        Case("min", "-922337203685477.5808", Decimal("-922337203685477.5808")),
        Case("max", "922337203685477.5807", Decimal("922337203685477.5807")),
        Case("cent", "0.0100", Decimal("0.0100"))]),
    SqlType("smallmoney", "smallmoney", [
        Case("min", "-214748.3648", Decimal("-214748.3648")),
        Case("max", "214748.3647", Decimal("214748.3647"))]),
    SqlType("real", "real", [
        Case("min", "-3.4028235E+38", f32(-3.4028235e38)),
        Case("max", "3.4028235E+38", f32(3.4028235e38)),
        Case("smallest_normal", "1.17549435E-38", f32(1.17549435e-38)),
        Case("third", "CAST(1 AS real) / 3", f32(1 / 3), param=f32(1 / 3))]),
    SqlType("float", "float", [
        Case("min", "-1.7976931348623157E+308", -1.7976931348623157e308),
        Case("max", "1.7976931348623157E+308", 1.7976931348623157e308),
        Case("smallest_normal", "2.2250738585072014E-308", 2.2250738585072014e-308),
        Case("pi", "3.141592653589793", 3.141592653589793)]),
    SqlType("date", "date", [
        Case("min", "'0001-01-01'", dt.date(1, 1, 1), text121="0001-01-01"),
        Case("max", "'9999-12-31'", dt.date(9999, 12, 31), text121="9999-12-31"),
        Case("leap", "'2024-02-29'", dt.date(2024, 2, 29), text121="2024-02-29")], temporal=True),
    SqlType("time7", "time(7)", [
        Case("min", "'00:00:00'", dt.time(0, 0, 0), text121="00:00:00.0000000"),
        Case("max", "'23:59:59.9999999'", dt.time(23, 59, 59, 999999),
             param=NO_PARAM, text121="23:59:59.9999999"),
        Case("micro", "'12:34:56.123456'", dt.time(12, 34, 56, 123456),
             text121="12:34:56.1234560")], temporal=True),
    SqlType("time0", "time(0)", [
        Case("min", "'00:00:00'", dt.time(0, 0, 0), text121="00:00:00"),
        Case("max", "'23:59:59'", dt.time(23, 59, 59), text121="23:59:59")], temporal=True),
    SqlType("smalldatetime", "smalldatetime", [
        Case("min", "'1900-01-01 00:00'", dt.datetime(1900, 1, 1), text121="1900-01-01 00:00:00.000"),
        Case("max", "'2079-06-06 23:59'", dt.datetime(2079, 6, 6, 23, 59),
             text121="2079-06-06 23:59:00.000")], temporal=True),
    SqlType("datetime", "datetime", [
        Case("min", "'1753-01-01 00:00:00.000'", dt.datetime(1753, 1, 1),
             text121="1753-01-01 00:00:00.000"),
        Case("max", "'9999-12-31 23:59:59.997'", dt.datetime(9999, 12, 31, 23, 59, 59, 997000),
             text121="9999-12-31 23:59:59.997"),
        # datetime rounds to 1/300 s: .003 and .007 must survive the trip
        Case("tick", "'2001-02-03 04:05:06.007'", dt.datetime(2001, 2, 3, 4, 5, 6, 7000),
             text121="2001-02-03 04:05:06.007")], temporal=True),
    SqlType("datetime2_7", "datetime2(7)", [
        Case("min", "'0001-01-01 00:00:00.0000000'", dt.datetime(1, 1, 1),
             text121="0001-01-01 00:00:00.0000000"),
        Case("max", "'9999-12-31 23:59:59.9999999'", dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
             param=NO_PARAM, text121="9999-12-31 23:59:59.9999999"),
        Case("micro", "'2024-02-29 13:45:30.123456'", dt.datetime(2024, 2, 29, 13, 45, 30, 123456),
             text121="2024-02-29 13:45:30.1234560")], temporal=True),
    SqlType("datetime2_0", "datetime2(0)", [
        Case("min", "'0001-01-01 00:00:00'", dt.datetime(1, 1, 1), text121="0001-01-01 00:00:00"),
        Case("max", "'9999-12-31 23:59:59'", dt.datetime(9999, 12, 31, 23, 59, 59),
             text121="9999-12-31 23:59:59")], temporal=True),
    SqlType("datetimeoffset7", "datetimeoffset(7)", [
        Case("min", "'0001-01-01 00:00:00.0000000 +00:00'", dt.datetime(1, 1, 1, tzinfo=tz(0)),
             text121="0001-01-01 00:00:00.0000000 +00:00"),
        Case("max", "'9999-12-31 23:59:59.9999999 +00:00'",
             dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=tz(0)), param=NO_PARAM,
             text121="9999-12-31 23:59:59.9999999 +00:00"),
        Case("minus14", "'2024-02-29 13:45:30.1234560 -14:00'",
             dt.datetime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=tz(-14 * 60)),
             text121="2024-02-29 13:45:30.1234560 -14:00"),
        Case("plus0545", "'2024-12-31 23:59:59.5000000 +05:45'",
             dt.datetime(2024, 12, 31, 23, 59, 59, 500000, tzinfo=tz(5 * 60 + 45)),
             text121="2024-12-31 23:59:59.5000000 +05:45")], temporal=True),
    SqlType("char10", "char(10)", [
        Case("short", "'abc'", "abc       "), Case("empty", "''", " " * 10),
        Case("full", "'0123456789'", "0123456789")]),
    SqlType("varchar50", "varchar(50)", [
        Case("empty", "''", ""), Case("full", lit("x" * 50), "x" * 50),
        Case("control", lit(CONTROL), CONTROL), Case("cp1252", lit(CP1252), CP1252),
        Case("quote", "'it''s'", "it's"), Case("trailing_space", "'ab  '", "ab  ")]),
    SqlType("varcharmax", "varchar(max)", [
        Case("empty", "''", ""), Case("control", lit(CONTROL), CONTROL),
        Case("big_3MB", lit(BIG_ASCII), BIG_ASCII)], cmp_cast=None),
    SqlType("nchar10", "nchar(10)", [
        Case("short", "N'😀日本'", "😀日本" + " " * 6),  # surrogate pair counts as 2 of 10
        Case("empty", "N''", " " * 10)]),
    SqlType("nvarchar50", "nvarchar(50)", [
        Case("empty", "N''", ""), Case("unicode", nlit(UNICODE), UNICODE),
        Case("control", nlit(CONTROL), CONTROL), Case("full", nlit("ж" * 50), "ж" * 50)]),
    SqlType("nvarcharmax", "nvarchar(max)", [
        Case("empty", "N''", ""), Case("unicode", nlit(UNICODE), UNICODE),
        Case("big_2MB", nlit(BIG_UNICODE), BIG_UNICODE)]),
    SqlType("text", "text", [
        Case("empty", "''", ""), Case("cp1252", lit(CP1252), CP1252),
        Case("big_3MB", lit(BIG_ASCII), BIG_ASCII)], cmp_cast="varchar(max)"),
    SqlType("ntext", "ntext", [
        Case("empty", "N''", ""), Case("unicode", nlit(UNICODE), UNICODE),
        Case("big_2MB", nlit(BIG_UNICODE), BIG_UNICODE)], cmp_cast="nvarchar(max)"),
    SqlType("binary8", "binary(8)", [
        Case("short", "0x0102", b"\x01\x02" + b"\x00" * 6, param=b"\x01\x02"),
        Case("empty", "0x", b"\x00" * 8, param=b""),
        Case("full", "0xFFFFFFFFFFFFFFFF", b"\xff" * 8)]),
    SqlType("varbinary50", "varbinary(50)", [
        Case("empty", "0x", b""), Case("zero", "0x00", b"\x00"),
        Case("full", hexlit(bytes(range(50))), bytes(range(50)))]),
    SqlType("varbinarymax", "varbinary(max)", [
        Case("empty", "0x", b""), Case("big_4MB", hexlit(BIG_BYTES), BIG_BYTES)]),
    SqlType("image", "image", [
        Case("empty", "0x", b""), Case("small", "0x00FF10", b"\x00\xff\x10"),
        Case("big_4MB", hexlit(BIG_BYTES), BIG_BYTES)], cmp_cast="varbinary(max)"),
    SqlType("uniqueidentifier", "uniqueidentifier", [
        Case("zero", "'00000000-0000-0000-0000-000000000000'", uuid.UUID(int=0)),
        Case("ones", "'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'", uuid.UUID(int=(1 << 128) - 1)),
        # mixed-endian on the wire: byte order bugs show here
        Case("mixed", "'6F9619FF-8B86-D011-B42D-00C04FC964FF'",
             uuid.UUID("6F9619FF-8B86-D011-B42D-00C04FC964FF"))]),
    SqlType("xml", "xml", [
        Case("doc", "N'<root><item id=\"1\">héllo 😀</item></root>'",
             '<root><item id="1">héllo 😀</item></root>'),
        Case("empty", "N''", "")], cmp_cast="nvarchar(max)"),
    SqlType("sql_variant", "sql_variant", [
        Case("int", "CAST(42 AS int)", 42, param=NO_PARAM),
        Case("nvarchar", "CAST(N'héllo' AS nvarchar(20))", "héllo", param=NO_PARAM),
        Case("decimal", "CAST(12.34 AS decimal(10,2))", Decimal("12.34"), param=NO_PARAM)]),
]

# rowversion is generated by the server; it is tested separately.
ROWVERSION = SqlType("rowversion", "rowversion", [], can_insert=False)

BY_ID = {t.id: t for t in TYPES}


def all_cases():
    """(type, case) pairs including a NULL case for every type."""
    for t in TYPES:
        for c in t.cases:
            yield t, c
        yield t, Case("null", "NULL", None, param=None)


def case_id(t: SqlType, c: Case) -> str:
    return f"{t.id}-{c.label}"


def server_equal_predicate(t: SqlType, c: Case) -> str | None:
    """A predicate true exactly when column v holds the case's value (server side)."""
    if c.value is None:
        return "v IS NULL"
    if t.cmp_cast:
        return f"CAST(v AS {t.cmp_cast}) = CAST({c.literal} AS {t.cmp_cast})"
    if t.id in ("char10", "varchar50", "varcharmax", "nchar10", "nvarchar50", "nvarcharmax"):
        # '=' ignores trailing spaces in T-SQL: compare lengths too
        return f"v = {c.literal} AND DATALENGTH(v) = DATALENGTH(CAST({c.literal} AS {t.decl}))"
    # compare in the column's own type (e.g. a float literal is not equal to the real it becomes)
    return f"v = CAST({c.literal} AS {t.decl})"
