"""TLS judged by independent clients: Microsoft's ODBC Driver 18 (mssql-python) with
Encrypt=yes and Encrypt=strict, FreeTDS (pymssql) with encryption='require', python-tds with
a CA file (pyOpenSSL).  Each connects through a relay that keeps every byte, runs a query, and
the relay shows the query never travelled in clear.  Login-only encryption (the emulator's
default, `--encryption off`) is checked the same way: the password hidden, the query plain.
"""

import secrets
import socket
import threading
import time

import pytest

from conftest import start_emulator, stop_emulator


class Relay:
    """A one-connection TCP relay on 127.0.0.1 that records both directions."""

    def __init__(self, port: int):
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.to_server = bytearray()
        self.to_client = bytearray()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        client, _ = self.listener.accept()
        upstream = socket.create_connection(("127.0.0.1", self.target))
        for src, dst, log in ((client, upstream, self.to_server), (upstream, client, self.to_client)):
            threading.Thread(target=self._pump, args=(src, dst, log), daemon=True).start()

    @staticmethod
    def _pump(src, dst, log):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                log.extend(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self):
        self.listener.close()


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def obfuscated(password: str) -> bytes:
    """The password as LOGIN7 carries it (MS-TDS 2.2.6.4)."""
    return bytes((((b << 4) | (b >> 4)) & 0xFF) ^ 0xA5 for b in utf16(password))


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """One emulator per encryption mode, each writing out the certificate it serves."""
    tmp = tmp_path_factory.mktemp("tls")
    started = {}
    for mode in ("off", "required", "strict"):
        cert = tmp / f"{mode}.pem"
        emu = start_emulator(tmp, ["--encryption", mode, "--write-certificate", str(cert)])
        emu.certificate = cert
        started[mode] = emu
    yield started
    for emu in started.values():
        stop_emulator(emu)


def odbc(emu, port, options):
    import mssql_python
    cs = (f"Server=tcp:127.0.0.1,{port};Database={emu.database};UID={emu.user};"
          f"PWD={{{emu.password}}};{options}")
    return mssql_python.connect(cs, autocommit=True, timeout=15)


def freetds(emu, port, encryption):
    import pymssql
    return pymssql.connect(server="127.0.0.1", port=str(port), user=emu.user, password=emu.password,
                           database=emu.database, autocommit=True, tds_version="7.4",
                           login_timeout=15, timeout=60, encryption=encryption)


def pytds_tls(emu, port, cafile):
    import pytds
    return pytds.connect(dsn="127.0.0.1", port=port, user=emu.user, password=emu.password,
                         database=emu.database, autocommit=True, login_timeout=15, timeout=60,
                         cafile=str(cafile), validate_host=False)


# (server mode, client name, connect(emu, port) -> DB-API connection)
ENCRYPTED = [
    ("required", "mssql-python Encrypt=yes",
     lambda emu, port: odbc(emu, port, "Encrypt=yes;TrustServerCertificate=yes")),
    ("strict", "mssql-python Encrypt=strict",
     lambda emu, port: odbc(emu, port, f"Encrypt=strict;ServerCertificate={emu.certificate}")),
    ("required", "pymssql encryption=require", lambda emu, port: freetds(emu, port, "require")),
    ("required", "python-tds cafile", lambda emu, port: pytds_tls(emu, port, emu.certificate)),
    ("off", "mssql-python Encrypt=yes on an off server",
     lambda emu, port: odbc(emu, port, "Encrypt=yes;TrustServerCertificate=yes")),
]


def session_through_relay(emu, connect, marker):
    relay = Relay(emu.port)
    try:
        conn = connect(emu, relay.port)
        try:
            cur = conn.cursor()
            cur.execute(f"SELECT N'{marker}'")
            assert cur.fetchall()[0][0] == marker
            cur.close()
        finally:
            conn.close()
    finally:
        relay.close()
    return relay


@pytest.mark.parametrize("mode,name,connect", ENCRYPTED, ids=[e[1] for e in ENCRYPTED])
def test_encrypted_session(servers, mode, name, connect):
    emu = servers[mode]
    marker = "tls-" + secrets.token_hex(6)
    relay = session_through_relay(emu, connect, marker)
    assert relay.to_server and relay.to_client, "the relay saw no traffic"
    assert utf16(marker) not in relay.to_server, f"{name}: the query travelled in clear"
    assert utf16(marker) not in relay.to_client, f"{name}: the result travelled in clear"
    assert obfuscated(emu.password) not in relay.to_server, f"{name}: the login travelled in clear"
    if mode == "strict":
        assert relay.to_server[0] == 0x16, "a strict client starts with a TLS record"


def log_says(emu, text: str) -> bool:
    """True once the emulator's stderr has `text` (it logs a refusal just after closing)."""
    for _ in range(40):
        if text in emu.log_tail(200):
            return True
        time.sleep(0.05)
    return False


def test_login_only_encryption_with_odbc_encrypt_no(servers):
    """Encrypt=no against a server with a certificate: SQL Server encrypts the login only."""
    emu = servers["off"]
    marker = "plain-" + secrets.token_hex(6)
    relay = session_through_relay(
        emu, lambda e, port: odbc(e, port, "Encrypt=no;TrustServerCertificate=yes"), marker)
    assert obfuscated(emu.password) not in relay.to_server, "the LOGIN7 travelled in clear"
    assert utf16(f"SELECT N'{marker}'") in relay.to_server, "after login the query is plain TDS"
    assert utf16(marker) in relay.to_client, "after login the result is plain TDS"


def test_required_refuses_a_client_that_cannot_encrypt(servers):
    import pytds
    emu = servers["required"]
    with pytest.raises(Exception):
        # python-tds without a CA file says ENCRYPT_NOT_SUP in PRELOGIN.
        pytds.connect(dsn="127.0.0.1", port=emu.port, user=emu.user, password=emu.password,
                      database=emu.database, login_timeout=10, disable_connect_retry=True)
    assert log_says(emu, "connection refused"), emu.log_tail()


def test_strict_refuses_a_tds7_client(servers):
    emu = servers["strict"]
    with pytest.raises(Exception):
        odbc(emu, emu.port, "Encrypt=yes;TrustServerCertificate=yes")
    assert log_says(emu, "requires TDS 8.0 strict encryption"), emu.log_tail()
