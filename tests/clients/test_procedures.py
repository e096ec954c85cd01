"""Stored procedures through the three Python clients: CREATE PROCEDURE, EXEC in a batch
with positional, named and default arguments, OUTPUT parameters and return codes by RPC
(python-tds and pymssql `callproc`, ODBC `{call p(?)}`), and SQL Server's errors 201
(missing parameter) and 2812 (no such procedure)."""

import secrets

import pytest


def _proc(client, conn):
    """Creates a procedure of its own; returns its name."""
    name = f"p_{secrets.token_hex(4)}"
    client.exec(conn, f"""CREATE PROCEDURE dbo.{name}
        @a int,
        @b int = 10,
        @sum int = NULL OUTPUT,
        @label nvarchar(20) = N'none' OUTPUT
    AS
    BEGIN
        SET NOCOUNT ON
        SET @sum = @a + @b
        SET @label = N'sum=' + CAST(@sum AS nvarchar(10))
        SELECT @a AS a, @b AS b, @sum AS total
        IF @sum > 100
            RETURN 2
        RETURN 1
    END""").close()
    return name


def _quiet_proc(client, conn):
    """A procedure with OUTPUT parameters and no result set: python-tds and pymssql hand
    the OUTPUT values back from callproc itself only then."""
    name = f"q_{secrets.token_hex(4)}"
    client.exec(conn, f"""CREATE PROCEDURE {name} @a int, @b int = 10, @sum int OUTPUT,
            @label nvarchar(20) = NULL OUTPUT
        AS
        BEGIN
            SET NOCOUNT ON
            SET @sum = @a + @b
            SET @label = N'sum=' + CAST(@sum AS nvarchar(10))
            RETURN CASE WHEN @sum > 100 THEN 2 ELSE 1 END
        END""").close()
    return name


def _results(client, conn, sql):
    """Every result set of a batch, as lists of tuples."""
    cur = client.exec(conn, sql)
    out = []
    while True:
        if cur.description is not None:
            out.append([tuple(r) for r in cur.fetchall()])
        if not cur.nextset():
            break
    cur.close()
    return out


def _error(client, exc):
    return client.error_number(exc), client.error_text(exc)


def test_exec_in_a_batch(client, conn):
    p = _proc(client, conn)
    assert client.rows(conn, f"EXEC {p} 1") == [(1, 10, 11)]
    assert client.rows(conn, f"EXEC dbo.{p} 1, 2") == [(1, 2, 3)]
    assert client.rows(conn, f"EXECUTE {p} @b = 5, @a = 7") == [(7, 5, 12)]
    assert client.rows(conn, f"EXEC {p} 4, DEFAULT") == [(4, 10, 14)]
    # OUTPUT parameters and the return status into the batch's variables.
    rows = _results(client, conn, f"""DECLARE @s int, @l nvarchar(20), @rc int
        EXEC @rc = {p} 100, 1, @s OUTPUT, @label = @l OUTPUT
        SELECT @s, @l, @rc""")
    assert rows[-1] == [(101, "sum=101", 2)]
    # Dynamic SQL and sp_executesql in a batch.
    assert client.scalar(conn, "DECLARE @q nvarchar(50) = N'SELECT 6 * 7'; EXEC (@q)") == 42
    assert _results(client, conn, "DECLARE @o int; EXEC sp_executesql N'SET @o = @i + 1', "
                                  "N'@i int, @o int OUTPUT', @i = 1, @o = @o OUTPUT; SELECT @o")[-1] == [(2,)]


def test_missing_parameter_is_201_and_unknown_procedure_2812(client, conn):
    p = _proc(client, conn)
    with pytest.raises(Exception) as e:
        client.rows(conn, f"EXEC {p}")
    number, text = _error(client, e.value)
    assert number in (201, None)
    assert f"Procedure or function '{p}' expects parameter '@a', which was not supplied." in text
    with pytest.raises(Exception) as e:
        client.rows(conn, "EXEC dbo.no_such_procedure 1")
    number, text = _error(client, e.value)
    assert number in (2812, None)
    assert "Could not find stored procedure 'dbo.no_such_procedure'." in text
    with pytest.raises(Exception) as e:
        client.rows(conn, f"EXEC {p} 1, 2, NULL, NULL, 5")
    number, text = _error(client, e.value)
    assert number in (8144, None)
    assert "too many arguments specified" in text


def test_catalog(client, conn):
    p = _proc(client, conn)
    assert client.rows(conn, f"SELECT type, type_desc FROM sys.objects WHERE name = '{p}'") == [
        ("P ", "SQL_STORED_PROCEDURE")]
    assert client.rows(conn, f"SELECT name, is_output FROM sys.parameters WHERE object_id = OBJECT_ID('{p}', 'P') "
                             "ORDER BY parameter_id") == [
        ("@a", False), ("@b", False), ("@sum", True), ("@label", True)]
    assert client.rows(conn, f"SELECT ROUTINE_TYPE FROM INFORMATION_SCHEMA.ROUTINES WHERE ROUTINE_NAME = '{p}'") == [
        ("PROCEDURE",)]
    definition = client.scalar(conn, f"SELECT OBJECT_DEFINITION(OBJECT_ID('{p}'))")
    assert definition.startswith(f"CREATE PROCEDURE dbo.{p}")
    client.exec(conn, f"DROP PROCEDURE {p}").close()
    assert client.scalar(conn, f"SELECT OBJECT_ID('{p}')") is None


def test_python_tds_callproc_outputs_and_status(emulator):
    import pytds
    from dbclients import PytdsAdapter
    client = PytdsAdapter()
    with client.connect(emulator) as conn:
        q = _quiet_proc(client, conn)
        p = _proc(client, conn)
        with conn.cursor() as cur:
            result = cur.callproc(q, (20, 30, pytds.output(param_type="int"),
                                      pytds.output(param_type="nvarchar(20)")))
            assert list(result) == [20, 30, 50, "sum=50"]
            assert cur.get_proc_return_status() == 1
            # By name, with a default left out.
            result = cur.callproc(q, {"@a": 200, "@sum": pytds.output(param_type="int")})
            # python-tds lists a dict call's names, with each OUTPUT value at its ordinal.
            assert list(result) == ["@a", 210]
            assert cur.get_proc_return_status() == 2
            # A procedure with a result set: its rows, then its status.
            cur.callproc(p, (1, 2))
            assert [tuple(r) for r in cur.fetchall()] == [(1, 2, 3)]
            while cur.nextset():
                pass
            assert cur.get_proc_return_status() == 1
            # EXEC in a batch: python-tds reads the RETURNSTATUS token SQL Server sends.
            cur.execute(f"EXEC {q} 500, 1, NULL")
            assert cur.get_proc_return_status() == 2
            with pytest.raises(pytds.Error) as e:
                cur.callproc(q, ())
            assert e.value.number == 201
            with pytest.raises(pytds.Error) as e:
                cur.callproc("no_such_procedure", (1,))
            assert e.value.number == 2812


def test_pymssql_callproc_outputs_and_status(emulator):
    import pymssql
    from dbclients import PymssqlAdapter
    client = PymssqlAdapter()
    conn = client.connect(emulator)
    try:
        q = _quiet_proc(client, conn)
        cur = conn.cursor()
        result = cur.callproc(q, (3, 4, pymssql.output(int), pymssql.output(str, "")))
        assert tuple(result) == (3, 4, 7, "sum=7")
        assert cur.returnvalue == 1
        p = _proc(client, conn)
        cur.callproc(p, (5, 6))
        assert [tuple(r) for r in cur.fetchall()] == [(5, 6, 11)]
        with pytest.raises(pymssql.Error) as e:
            cur.callproc("no_such_procedure", (1,))
        assert client.error_number(e.value) == 2812
    finally:
        conn.close()


def test_odbc_call_escape(emulator):
    from dbclients import MssqlPythonAdapter
    client = MssqlPythonAdapter()
    conn = client.connect(emulator)
    try:
        p = _proc(client, conn)
        cur = conn.cursor()
        cur.execute(f"{{call {p}(?, ?)}}", (8, 9))
        assert [tuple(r) for r in cur.fetchall()] == [(8, 9, 17)]
        # The same call again: the driver may run its prepared handle (sp_execute).
        cur.execute(f"{{call {p}(?, ?)}}", (1, 1))
        assert [tuple(r) for r in cur.fetchall()] == [(1, 1, 2)]
        cur.execute(f"{{call {p}(?)}}", (5,))
        assert [tuple(r) for r in cur.fetchall()] == [(5, 10, 15)]
        cur.close()
    finally:
        conn.close()
