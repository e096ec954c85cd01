"""Thin adapters over the three Python clients so one test body drives all of them.

Every adapter connects over TCP without asking for TLS, with autocommit on, to the
emulator's default `--encryption off`: python-tds says it cannot encrypt and goes plain;
ODBC's Encrypt=no says ENCRYPT_OFF, so its LOGIN7 alone is encrypted, as with SQL Server
(test_tls.py covers TLS itself).  SQL is written with '?' placeholders; adapters with the
pyformat paramstyle translate them.
"""

import pytest


class ClientAdapter:
    name = ""
    binds_for_real = True   # False: the client interpolates parameters into the SQL text

    def connect(self, emu, user=None, password=None, database=None, autocommit=True):
        raise NotImplementedError

    def sql(self, text: str) -> str:
        return text

    reads_sql_variant = True

    def can_bind(self, value) -> bool:
        """False where the client itself cannot carry the value (a documented client limit)."""
        return True

    def adapt_param(self, value):
        """The client's documented way to send a Python value as the SQL type it stands for."""
        return value

    def error_number(self, exc):
        return getattr(exc, "number", None)

    def error_class(self, exc):
        return None

    def error_text(self, exc) -> str:
        return str(exc)

    def exec(self, conn, sql, params=None):
        cur = conn.cursor()
        if params is None:
            cur.execute(self.sql(sql))
        else:
            cur.execute(self.sql(sql), tuple(self.adapt_param(p) for p in params))
        return cur

    def run_all(self, conn, sql, params=None):
        """Execute and walk every result set (so errors of later statements surface)."""
        cur = self.exec(conn, sql, params)
        while True:
            if cur.description is not None:
                cur.fetchall()
            if not cur.nextset():
                break
        cur.close()

    def rows(self, conn, sql, params=None):
        cur = self.exec(conn, sql, params)
        rows = [tuple(r) for r in cur.fetchall()]
        cur.close()
        return rows

    def scalar(self, conn, sql, params=None):
        rows = self.rows(conn, sql, params)
        assert len(rows) == 1 and len(rows[0]) == 1, f"expected one value from {sql!r}, got {rows!r}"
        return rows[0][0]


class PytdsAdapter(ClientAdapter):
    name = "python-tds"

    def connect(self, emu, user=None, password=None, database=None, autocommit=True):
        import pytds
        return pytds.connect(
            dsn=emu.host, port=emu.port, user=user or emu.user,
            password=password if password is not None else emu.password,
            database=database or emu.database, autocommit=autocommit,
            login_timeout=15, timeout=120, appname="pytest-python-tds")

    def sql(self, text):
        return text.replace("?", "%s")

    def error_class(self, exc):
        return getattr(exc, "severity", None)

    def error_text(self, exc):
        return " ".join(str(a) for a in exc.args if a is not None)

    def adapt_param(self, value):
        # python-tds sends plain bytes as a string; pytds.Binary is its varbinary
        if isinstance(value, bytes):
            import pytds
            return pytds.Binary(value)
        return value


class PymssqlAdapter(ClientAdapter):
    name = "pymssql"
    binds_for_real = False
    # pymssql hands sql_variant values over as the raw bytes of the base value
    reads_sql_variant = False

    def adapt_param(self, value):
        # pymssql quotes ASCII-only bytes as a '...' string literal (which SQL Server refuses
        # to convert implicitly to binary, error 257); a bytearray becomes a 0x... literal.
        return bytearray(value) if isinstance(value, bytes) else value

    def connect(self, emu, user=None, password=None, database=None, autocommit=True):
        import pymssql
        return pymssql.connect(
            server=emu.host, port=str(emu.port), user=user or emu.user,
            password=password if password is not None else emu.password,
            database=database or emu.database, autocommit=autocommit,
            tds_version="7.4", login_timeout=15, timeout=120, appname="pytest-pymssql")

    def sql(self, text):
        return text.replace("?", "%s")

    def can_bind(self, value):
        # pymssql formats naive datetimes with milliseconds only (use_datetime2=False, which
        # datetime columns need): sub-millisecond values cannot be sent as parameters.
        import datetime as dt
        return not (isinstance(value, dt.datetime) and value.tzinfo is None and value.microsecond % 1000)

    @staticmethod
    def _native(exc):
        """pymssql re-raises _mssql's exception (which has number/severity) as a DB-API one."""
        for e in (exc, exc.__cause__, exc.__context__):
            if e is not None and isinstance(getattr(e, "number", None), int):
                return e
        return None

    def error_number(self, exc):
        native = self._native(exc)
        if native is not None:
            return native.number
        a = exc.args
        if a and isinstance(a[0], int):
            return a[0]
        if a and isinstance(a[0], tuple) and a[0] and isinstance(a[0][0], int):
            return a[0][0]
        return None

    def error_class(self, exc):
        native = self._native(exc)
        return getattr(native, "severity", None) if native is not None else None

    def error_text(self, exc):
        parts = []
        for a in exc.args:
            if isinstance(a, tuple):
                parts.extend(a)
            else:
                parts.append(a)
        return " ".join(p.decode("utf-8", "replace") if isinstance(p, bytes) else str(p) for p in parts)


class MssqlPythonAdapter(ClientAdapter):
    """Microsoft's ODBC Driver 18 (bundled in mssql-python).  It does not expose the
    native error number, so error checks use the server's message text and SQLSTATE."""
    name = "mssql-python"

    def connect(self, emu, user=None, password=None, database=None, autocommit=True):
        import mssql_python
        cs = (f"Server=tcp:{emu.host},{emu.port};Database={database or emu.database};"
              f"UID={user or emu.user};PWD={{{password if password is not None else emu.password}}};"
              "Encrypt=no;TrustServerCertificate=yes")
        return mssql_python.connect(cs, autocommit=autocommit, timeout=15)

    def can_bind(self, value):
        # mssql-python refuses dates before 1753 as parameters ("Date out of range for SQL
        # Server (1753-9999)"), a check of its own that SQL Server's date type does not have.
        import datetime as dt
        return not (isinstance(value, dt.date) and value.year < 1753)

    def error_number(self, exc):
        return None

    def error_text(self, exc):
        return f"{getattr(exc, 'driver_error', '')} | {getattr(exc, 'ddbc_error', '')} | {exc}"


ADAPTERS = [PytdsAdapter(), PymssqlAdapter(), MssqlPythonAdapter()]


@pytest.fixture(params=ADAPTERS, ids=[a.name for a in ADAPTERS])
def client(request):
    return request.param


@pytest.fixture
def conn(client, emulator):
    c = client.connect(emulator)
    yield c
    try:
        c.close()
    except Exception:
        pass
