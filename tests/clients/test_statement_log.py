"""`--log-statements`: a line per login, SQL batch and RPC on the emulator's stderr, with the
connection's id, the duration and the first error number; never the password or a token."""

import re
import secrets
import time

from conftest import start_emulator, stop_emulator


def log_lines(emu, expect, seconds=10):
    """The statement lines, once `expect` of them are there."""
    deadline = time.monotonic() + seconds
    while True:
        lines = [line for line in emu.log_path.read_text(errors="replace").splitlines()
                 if line.startswith("statement ")]
        if len(lines) >= expect or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_batches_rpcs_and_logins_are_logged_without_secrets(tmp_path):
    import pytds
    token = "tok-" + secrets.token_hex(16)
    emu = start_emulator(tmp_path, ["--log-statements", "--accept-token", f"robot:{token}"])
    try:
        c = pytds.connect(dsn=emu.host, port=emu.port, user=emu.user, password=emu.password,
                          database=emu.database, autocommit=True, login_timeout=15)
        cur = c.cursor()
        cur.execute("SELECT 1 AS one\nUNION ALL SELECT 2")
        cur.fetchall()
        cur.execute("SELECT %s AS v, %s AS w", (7, "x" * 200))
        cur.fetchall()
        try:
            cur.execute("SELECT * FROM no_such_table_logged")
        except pytds.ProgrammingError:
            pass
        try:
            cur.execute("CREATE LOGIN someone WITH PASSWORD = 'Hidden-Secret-1'")
        except pytds.Error:
            pass
        c.close()
        try:
            pytds.connect(dsn=emu.host, port=emu.port, user=emu.user, password="Wrong-Secret-2",
                          database=emu.database, login_timeout=15)
        except pytds.Error:
            pass
        lines = log_lines(emu, 7)
    finally:
        stop_emulator(emu)
    text = "\n".join(lines)
    for secret in (emu.password, "Hidden-Secret-1", "Wrong-Secret-2", token):
        assert secret not in emu.log_path.read_text(errors="replace"), f"{secret!r} was logged"
    assert re.search(r"^statement conn=\d+ login ok: user 'sa', database 'clienttest'", text, re.M), text
    assert re.search(r"^statement conn=\d+ login error 18456: user 'sa'", text, re.M), text
    batch = [line for line in lines if "SELECT 1 AS one" in line]
    assert len(batch) == 1 and re.match(
        r"statement conn=(\d+) batch \d+\.\d{3}ms ok: SELECT 1 AS one\\nUNION ALL SELECT 2$", batch[0]), batch
    conn_id = re.match(r"statement conn=(\d+)", batch[0]).group(1)
    failed = [line for line in lines if "no_such_table_logged" in line]
    assert len(failed) == 1 and f"conn={conn_id} " in failed[0] and " error 208: " in failed[0], failed
    # python-tds sends a parameterized query as an RPC: names, types, values, the long one cut.
    rpc = [line for line in lines if " rpc " in line and "AS v, " in line]
    assert len(rpc) == 1, lines
    assert "@P1 int = 7" in rpc[0] or "= 7" in rpc[0], rpc
    assert "x" * 200 not in rpc[0] and "characters)" in rpc[0], rpc
    assert "PASSWORD = '******'" in text, text
