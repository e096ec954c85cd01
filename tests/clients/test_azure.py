"""The emulator's imitation of Azure SQL judged by independent clients: Microsoft's ODBC
Driver 18 (mssql-python) logging in with an Azure AD access token (SQL_COPT_SS_ACCESS_TOKEN)
and following a routing answer; pymssql reading an injected transient error,
and python-tds retrying them by itself (but not 18456).
"""

import json
import secrets
import struct
import subprocess
import sys
import time

import pytest

from conftest import start_emulator, stop_emulator
from dbclients import PytdsAdapter

SQL_COPT_SS_ACCESS_TOKEN = 1256


@pytest.fixture
def emulators(tmp_path):
    started = []

    def start(*args, database="clienttest"):
        emu = start_emulator(tmp_path, list(args), database=database)
        started.append(emu)
        return emu

    yield start
    for emu in started:
        stop_emulator(emu)


def odbc_with_token(port, token, database="clienttest"):
    import mssql_python
    raw = token.encode("utf-16-le")
    return mssql_python.connect(
        f"Server=tcp:127.0.0.1,{port};Database={database};Encrypt=yes;TrustServerCertificate=yes",
        attrs_before={SQL_COPT_SS_ACCESS_TOKEN: struct.pack("<I", len(raw)) + raw},
        autocommit=True, timeout=15)


def scalar(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    value = cur.fetchall()[0][0]
    cur.close()
    return value


def test_odbc_access_token_logs_in_as_its_user(emulators):
    token = "eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(24)
    emu = emulators("--encryption", "required", "--accept-token", f"carol@contoso.com:{token}")
    conn = odbc_with_token(emu.port, token)
    assert scalar(conn, "SELECT SUSER_SNAME()") == "carol@contoso.com"
    conn.close()
    with pytest.raises(Exception) as bad:
        odbc_with_token(emu.port, token + "x")
    assert "Login failed for user '<token-identified principal>'." in str(bad.value)
    assert token not in emu.log_tail(200), "the emulator logged a token"


def test_odbc_follows_a_routing_answer(emulators, tmp_path):
    init = tmp_path / "target.sql"
    init.write_text("USE clienttest\nGO\nCREATE TABLE where_am_i (name nvarchar(20))\n"
                    "INSERT INTO where_am_i VALUES (N'target')\n")
    token = "eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(24)
    accept = ("--accept-token", f"carol@contoso.com:{token}")
    target = emulators("--encryption", "required", *accept, "--init", str(init))
    gateway = emulators("--encryption", "required", *accept,
                        "--route-to", f"127.0.0.1:{target.port}")
    conn = odbc_with_token(gateway.port, token)
    assert scalar(conn, "SELECT name FROM where_am_i") == "target"
    conn.close()


def test_python_tds_retries_transient_errors_by_itself_but_not_18456(emulators):
    """python-tds retries a failed login unless it is a login failure (18456...): the
    behaviour Azure asks of clients, judged against the emulator's injected errors."""
    adapter = PytdsAdapter()
    transient = emulators("--fail-logins", "2:40613")
    conn = adapter.connect(transient)
    assert adapter.scalar(conn, "SELECT 1") == 1
    conn.close()
    import pytds
    persistent = emulators("--fail-logins", "100000:40613")
    started = time.monotonic()
    with pytest.raises(Exception):
        pytds.connect(dsn="127.0.0.1", port=persistent.port, user=persistent.user,
                      password=persistent.password, database=persistent.database,
                      login_timeout=2)
    assert time.monotonic() - started >= 1.5, "python-tds gave up at once: it did not retry"
    refused = emulators("--fail-logins", "1:18456")
    with pytest.raises(Exception) as failed:
        adapter.connect(refused)
    assert adapter.error_number(failed.value) == 18456
    conn = adapter.connect(refused)
    conn.close()


FREETDS_PROBE = """
import json, sys
import pymssql
host, port, user, password, database = sys.argv[1:]
def connect():
    return pymssql.connect(server=host, port=port, user=user, password=password,
                           database=database, login_timeout=15, tds_version="7.4")
try:
    connect()
    first = None
except pymssql.OperationalError as e:
    number, text = e.args[0] if isinstance(e.args[0], tuple) else e.args
    first = [number, text.decode("utf-8", "replace")]
conn = connect()
cur = conn.cursor()
cur.execute("SELECT 1")
print(json.dumps({"first": first, "then": cur.fetchall()[0][0]}))
"""


def test_injected_error_as_freetds_reads_it(emulators):
    # In a process of its own: pymssql keeps the highest severity seen in failed logins
    # across connections, so this 40613 (severity 17) would be reported for the next
    # failed login of the test session (an 18456, severity 14) as well.
    emu = emulators("--fail-logins", "1:40613")
    probe = subprocess.run(
        [sys.executable, "-c", FREETDS_PROBE, emu.host, str(emu.port), emu.user, emu.password,
         emu.database],
        capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout)
    assert result["first"] is not None, "the first login should have failed"
    number, text = result["first"]
    assert number == 40613, text
    assert "Database 'clienttest' on server 'localhost' is not currently available." in text
    assert result["then"] == 1
