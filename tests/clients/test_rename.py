"""Swapping a freshly loaded table in for an old one, as a destination does, through the
Python clients: sp_rename of tables (in one transaction) and of a column, ALTER SCHEMA
TRANSFER, the object id kept, the old name gone (208), and errors 15248 / 15335 / 2714."""

import secrets

import pytest


def _results(client, conn, sql):
    cur = client.exec(conn, sql)
    out = []
    while True:
        if cur.description is not None:
            out.append([tuple(r) for r in cur.fetchall()])
        if not cur.nextset():
            break
    cur.close()
    return out


def _fails(client, conn, sql):
    with pytest.raises(Exception) as e:
        client.run_all(conn, sql)
    return client.error_number(e.value), client.error_text(e.value)


def _rename(client, conn, sql):
    """Runs a batch whose last statement is an sp_rename. Its caution (15477, severity 10)
    comes as an INFO token, as from SQL Server; pymssql raises any message of severity 6 or
    more (its `min_error_severity`) once the batch is done, so there it is an exception."""
    if client.name != "pymssql":
        client.run_all(conn, sql)
        return
    with pytest.raises(Exception) as e:
        client.run_all(conn, sql)
    assert client.error_number(e.value) == 15477
    assert "Caution: Changing any part of an object name could break scripts" in str(e.value)


def test_swap_a_loaded_table_in(client, conn):
    t = f"users_{secrets.token_hex(4)}"
    client.run_all(conn, f"CREATE TABLE dbo.{t} (id int PRIMARY KEY, name nvarchar(20))")
    client.run_all(conn, f"INSERT INTO dbo.{t} VALUES (1, N'old')")
    client.run_all(conn, f"CREATE TABLE dbo.{t}_tmp (id int PRIMARY KEY, name nvarchar(20))")
    client.run_all(conn, f"INSERT INTO dbo.{t}_tmp VALUES (1, N'new'), (2, N'two')")
    new_id = client.scalar(conn, f"SELECT OBJECT_ID('dbo.{t}_tmp')")
    client.run_all(conn, "BEGIN TRAN")
    _rename(client, conn, f"EXEC sp_rename 'dbo.{t}', '{t}_old'")
    _rename(client, conn,
            f"EXEC sp_rename @objname = N'dbo.{t}_tmp', @newname = N'{t}', @objtype = 'OBJECT'")
    client.run_all(conn, f"DROP TABLE dbo.{t}_old COMMIT")
    assert client.scalar(conn, f"SELECT OBJECT_ID('dbo.{t}')") == new_id
    assert client.rows(conn, f"SELECT id, name FROM dbo.{t} ORDER BY id") == [(1, "new"), (2, "two")]
    client.run_all(conn, f"INSERT INTO dbo.{t} VALUES (3, N'three')")
    number, text = _fails(client, conn, f"INSERT INTO dbo.{t} VALUES (3, N'again')")
    assert number in (2627, None) and f"in object 'dbo.{t}'" in text
    number, _ = _fails(client, conn, f"SELECT * FROM dbo.{t}_tmp")
    assert number in (208, None)
    assert client.scalar(
        conn, f"SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME LIKE '{t}%'") == 1

    _rename(client, conn, f"EXEC sp_rename 'dbo.{t}.name', 'full_name', 'COLUMN'")
    assert client.rows(conn, f"SELECT full_name FROM dbo.{t} WHERE id = 2") == [("two",)]

    number, text = _fails(client, conn, f"EXEC sp_rename 'dbo.{t}_nothing', 'x'")
    assert number in (15248, None)
    assert "Either the parameter @objname is ambiguous or the claimed @objtype (OBJECT) is wrong." in text
    client.run_all(conn, f"CREATE TABLE dbo.{t}_other (id int)")
    number, text = _fails(client, conn, f"EXEC sp_rename 'dbo.{t}_other', '{t}'")
    assert number in (15335, None)
    assert f"The new name '{t}' is already in use as a OBJECT name" in text


def test_alter_schema_transfer(client, conn):
    t = f"load_{secrets.token_hex(4)}"
    schema = f"s_{secrets.token_hex(4)}"
    client.run_all(conn, f"CREATE SCHEMA {schema}")
    client.run_all(conn, f"CREATE TABLE {schema}.{t} (n int IDENTITY(1,1), v varchar(5))")
    client.run_all(conn, f"INSERT INTO {schema}.{t} (v) VALUES ('a'), ('b')")
    object_id = client.scalar(conn, f"SELECT OBJECT_ID('{schema}.{t}')")
    client.run_all(conn, f"ALTER SCHEMA dbo TRANSFER OBJECT::{schema}.{t}")
    assert client.scalar(conn, f"SELECT OBJECT_ID('dbo.{t}')") == object_id
    assert client.scalar(
        conn, f"SELECT TABLE_SCHEMA FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = '{t}'") == "dbo"
    client.run_all(conn, f"INSERT INTO dbo.{t} (v) VALUES ('c')")
    assert client.rows(conn, f"SELECT n, v FROM dbo.{t} ORDER BY n") == [(1, "a"), (2, "b"), (3, "c")]
    client.run_all(conn, f"CREATE TABLE {schema}.{t} (id int)")
    number, text = _fails(client, conn, f"ALTER SCHEMA {schema} TRANSFER dbo.{t}")
    assert number in (2714, None)
    assert f"There is already an object named '{t}' in the database." in text
    number, _ = _fails(client, conn, f"ALTER SCHEMA {schema} TRANSFER dbo.{t}_nothing")
    assert number in (15151, None)
