"""T-SQL built-ins and table-valued functions, read by python-tds, pymssql (FreeTDS) and
Microsoft's ODBC Driver 18 (mssql-python), checked against the results Microsoft's T-SQL
reference documents (known HASHBYTES digests, the PARSENAME and OPENJSON examples...)."""

import hashlib
import json
import secrets

import pytest

JSON_COLUMN = "JSON_F52E2B61-18A1-11d1-B105-00805F49916B"


def tname(prefix):
    return f"{prefix}_{secrets.token_hex(4)}"


def expect_error(client, conn, sql, number, text):
    with pytest.raises(Exception) as info:
        client.run_all(conn, sql)
    n = client.error_number(info.value)
    if n is not None:
        assert n == number, f"{sql!r}: error {n}, expected {number}: {client.error_text(info.value)}"
    assert text in client.error_text(info.value), client.error_text(info.value)


def test_parsename_choose_hashbytes(client, conn):
    row = client.rows(conn, "SELECT PARSENAME('AdventureWorksPDW2012.dbo.DimCustomer', 1), "
                            "PARSENAME('AdventureWorksPDW2012.dbo.DimCustomer', 2), "
                            "PARSENAME('AdventureWorksPDW2012.dbo.DimCustomer', 3), "
                            "PARSENAME('AdventureWorksPDW2012.dbo.DimCustomer', 4), "
                            "CHOOSE(3, 'Manager', 'Director', 'Developer', 'Tester')")[0]
    assert tuple(row) == ("DimCustomer", "dbo", "AdventureWorksPDW2012", None, "Developer")
    row = client.rows(conn, "SELECT HASHBYTES('SHA2_256', 'abc'), HASHBYTES('SHA2_256', N'abc'), "
                            "HASHBYTES('MD5', 'abc'), HASHBYTES('SHA1', 0x616263), HASHBYTES('SHA2_512', N'é')")[0]
    assert bytes(row[0]) == hashlib.sha256(b"abc").digest()
    assert bytes(row[1]) == hashlib.sha256("abc".encode("utf-16-le")).digest()
    assert bytes(row[2]) == hashlib.md5(b"abc").digest()
    assert bytes(row[3]) == hashlib.sha1(b"abc").digest()
    assert bytes(row[4]) == hashlib.sha512("é".encode("utf-16-le")).digest()


def test_json_functions(client, conn):
    doc = ('{"info":{"type":1,"address":{"town":"Bristol","county":"Avon"},'
           '"tags":["Sport", "Water polo"]},"type":"Basic"}')
    row = client.rows(conn, "SELECT JSON_VALUE(?, '$.info.address.town'), JSON_VALUE(?, '$.info.tags'), "
                            "JSON_QUERY(?, '$.info.tags'), ISJSON(?), ISJSON('123', SCALAR), "
                            "JSON_MODIFY(?, '$.type', 'Premium')", [doc] * 5)[0]
    assert row[0] == "Bristol"
    assert row[1] is None
    assert row[2] == '["Sport", "Water polo"]'
    assert (row[3], row[4]) == (1, 1)
    assert json.loads(row[5])["type"] == "Premium"
    expect_error(client, conn, "SELECT JSON_VALUE(N'{\"a\":1}', 'strict $.b')", 13608,
                 "Property cannot be found on the specified JSON path.")
    expect_error(client, conn, "SELECT JSON_VALUE(N'{\"a\":', '$.a')", 13609,
                 "JSON text is not properly formatted.")


def test_openjson_and_string_split_with_apply(client, conn):
    t = tname("orders")
    client.exec(conn, f"CREATE TABLE {t} (id int PRIMARY KEY, tags nvarchar(100), lines nvarchar(max))").close()
    try:
        client.exec(conn, f"INSERT INTO {t} VALUES (1, N'red,big', N'[{{\"sku\":\"A\",\"qty\":2}},{{\"sku\":\"B\",\"qty\":5}}]'), "
                          f"(2, NULL, N'[]')").close()
        rows = client.rows(conn, f"SELECT o.id, s.value FROM {t} o OUTER APPLY STRING_SPLIT(o.tags, ',') s "
                                 "ORDER BY o.id, s.value")
        assert [tuple(r) for r in rows] == [(1, "big"), (1, "red"), (2, None)]
        rows = client.rows(conn, f"SELECT o.id, l.sku, l.qty FROM {t} o CROSS APPLY OPENJSON(o.lines) "
                                 "WITH (sku nvarchar(10) '$.sku', qty int '$.qty') AS l ORDER BY l.qty")
        assert [tuple(r) for r in rows] == [(1, "A", 2), (1, "B", 5)]
        rows = client.rows(conn, "SELECT [key], value, type FROM OPENJSON(N'{\"a\":\"x\",\"n\":45,\"t\":true,\"z\":null,\"arr\":[1]}')")
        assert [tuple(r) for r in rows] == [("a", "x", 1), ("n", "45", 2), ("t", "true", 3), ("z", None, 0), ("arr", "[1]", 4)]
        cur = client.exec(conn, "SELECT * FROM STRING_SPLIT('a,b,c', ',', 1) ORDER BY ordinal DESC")
        assert [d[0] for d in cur.description] == ["value", "ordinal"]
        assert [tuple(r) for r in cur.fetchall()] == [("c", 3), ("b", 2), ("a", 1)]
        cur.close()
    finally:
        client.exec(conn, f"DROP TABLE {t}").close()


def test_for_json_and_for_xml(client, conn):
    t = tname("emp")
    client.exec(conn, f"CREATE TABLE {t} (id int PRIMARY KEY, name nvarchar(20), pay decimal(10,2), active bit)").close()
    try:
        client.exec(conn, f"INSERT INTO {t} VALUES (1, N'Ann', 12.50, 1), (2, N'Bob', NULL, 0)").close()
        cur = client.exec(conn, f"SELECT id, name AS [who.name], pay, active FROM {t} ORDER BY id FOR JSON PATH")
        assert [d[0] for d in cur.description] == [JSON_COLUMN]
        text = "".join(r[0] for r in cur.fetchall())
        cur.close()
        assert text == ('[{"id":1,"who":{"name":"Ann"},"pay":12.50,"active":true},'
                        '{"id":2,"who":{"name":"Bob"},"active":false}]')
        # A long document comes in rows of 2033 characters, to be joined by the client.
        rows = client.rows(conn, "SELECT REPLICATE(CAST(N'é' AS nvarchar(max)), 5000) AS v FOR JSON PATH")
        assert [len(r[0]) for r in rows] == [2033, 2033, 944]
        assert json.loads("".join(r[0] for r in rows)) == [{"v": "é" * 5000}]
        agg = client.scalar(conn, f"SELECT STUFF((SELECT ',' + name FROM {t} ORDER BY id FOR XML PATH('')), 1, 1, '')")
        assert agg == "Ann,Bob"
    finally:
        client.exec(conn, f"DROP TABLE {t}").close()


def test_metadata_functions_and_dm_views(client, conn, emulator):
    t = tname("meta")
    client.exec(conn, f"CREATE TABLE {t} (id int IDENTITY PRIMARY KEY, name nvarchar(50) NOT NULL)").close()
    try:
        row = client.rows(conn, f"SELECT COLUMNPROPERTY(OBJECT_ID('{t}'), 'id', 'IsIdentity'), "
                                f"COLUMNPROPERTY(OBJECT_ID('{t}'), 'name', 'AllowsNull'), "
                                f"COLUMNPROPERTY(OBJECT_ID('{t}'), 'name', 'Precision'), "
                                "CAST(DATABASEPROPERTYEX(DB_NAME(), 'Collation') AS nvarchar(128)), "
                                "CAST(DATABASEPROPERTYEX(DB_NAME(), 'Updateability') AS nvarchar(128))")[0]
        assert tuple(row) == (1, 0, 50, "SQL_Latin1_General_CP1_CI_AS", "READ_WRITE")
        row = client.rows(conn, "SELECT login_name, status, is_user_process, DB_NAME(database_id) "
                                "FROM sys.dm_exec_sessions WHERE session_id = @@SPID")[0]
        assert tuple(row) == (emulator.user, "running", True, emulator.database)
        row = client.rows(conn, "SELECT net_transport, client_net_address FROM sys.dm_exec_connections "
                                "WHERE session_id = @@SPID")[0]
        assert tuple(row) == ("TCP", "127.0.0.1")
        rows = client.rows(conn, f"SELECT index_id, row_count FROM sys.dm_db_partition_stats "
                                 f"WHERE object_id = OBJECT_ID('{t}')")
        assert [tuple(r) for r in rows] == [(1, 0)]
    finally:
        client.exec(conn, f"DROP TABLE {t}").close()


def test_pivot_and_unpivot(client, conn):
    t = tname("sales")
    client.exec(conn, f"CREATE TABLE {t} (yr int, q varchar(2), amount int)").close()
    try:
        client.exec(conn, f"INSERT INTO {t} VALUES (2023, 'Q1', 10), (2023, 'Q1', 5), (2023, 'Q2', 7), (2024, 'Q2', 1)").close()
        cur = client.exec(conn, f"SELECT * FROM {t} PIVOT (SUM(amount) FOR q IN ([Q1], [Q2])) AS p ORDER BY yr")
        assert [d[0] for d in cur.description] == ["yr", "Q1", "Q2"]
        assert [tuple(r) for r in cur.fetchall()] == [(2023, 15, 7), (2024, None, 1)]
        cur.close()
        rows = client.rows(conn, f"SELECT yr, qtr, amt FROM (SELECT yr, SUM(amount) AS Q9 FROM {t} GROUP BY yr) s "
                                 "UNPIVOT (amt FOR qtr IN (Q9)) AS u ORDER BY yr")
        assert [tuple(r) for r in rows] == [(2023, "Q9", 22), (2024, "Q9", 1)]
    finally:
        client.exec(conn, f"DROP TABLE {t}").close()
