"""Tables stored in clustered-key order, judged by each client: the order SQL Server keeps
(case-insensitive strings, uniqueidentifier by its byte groups), a keyset resume with typed
parameters, the catalog's view of heaps and clustered indexes, and the hidden uniquifier of a
non-unique clustered index staying hidden."""

import secrets
import uuid


def fresh(prefix):
    return f"{prefix}_{secrets.token_hex(4)}"


def test_keyed_order_and_keyset_resume(client, conn):
    t = fresh("ko")
    client.exec(conn, f"CREATE TABLE {t} (name nvarchar(20) NOT NULL, g uniqueidentifier NOT NULL, "
                      f"v int NOT NULL, CONSTRAINT pk_{t} PRIMARY KEY (name, g))").close()
    guids = ["00000000-0000-0000-0000-000000000002", "FF000000-0000-0000-0000-000000000001",
             "00000000-0000-0000-0100-000000000000"]
    values = ", ".join(f"(N'{n}', '{g}', {i})" for i, (n, g) in
                       enumerate([("b", guids[0]), ("A", guids[1]), ("a", guids[2]), ("B", guids[1])]))
    client.exec(conn, f"INSERT INTO {t} (name, g, v) VALUES {values}").close()
    rows = client.rows(conn, f"SELECT name, v FROM {t} ORDER BY name, g")
    # 'A' and 'a' are one name to the key's collation; under it, the last byte group of
    # the uniqueidentifier orders first.
    assert [tuple(r) for r in rows] == [("a", 2), ("A", 1), ("B", 3), ("b", 0)]
    resume = (f"SELECT name, v FROM {t} WHERE name >= CAST(? AS nvarchar(20)) AND "
              f"(name > CAST(? AS nvarchar(20)) OR g > CAST(? AS uniqueidentifier)) ORDER BY name, g")
    rows = client.rows(conn, resume, ("a", "a", guids[2]))
    assert [tuple(r) for r in rows] == [("A", 1), ("B", 3), ("b", 0)]
    cur = client.exec(conn, f"SELECT i.index_id, i.type_desc, p.rows FROM sys.indexes i "
                            f"JOIN sys.partitions p ON p.object_id = i.object_id AND p.index_id = i.index_id "
                            f"WHERE i.object_id = OBJECT_ID('{t}')")
    assert [tuple(r) for r in cur.fetchall()] == [(1, "CLUSTERED", 4)]
    cur.close()


def test_clustered_index_on_a_heap(client, conn):
    t = fresh("ch")
    client.exec(conn, f"CREATE TABLE {t} (at datetime2 NOT NULL, what nvarchar(10) NULL)").close()
    client.exec(conn, f"INSERT INTO {t} VALUES ('2024-01-02', N'b'), ('2024-01-01', N'a'), "
                      f"('2024-01-02', N'c')").close()
    assert client.scalar(conn, f"SELECT type_desc FROM sys.indexes WHERE object_id = OBJECT_ID('{t}')") == "HEAP"
    client.exec(conn, f"CREATE CLUSTERED INDEX cx_{t} ON {t} (at)").close()
    cur = client.exec(conn, f"SELECT * FROM {t} ORDER BY at, what")
    assert [d[0] for d in cur.description] == ["at", "what"]
    assert [r[1] for r in cur.fetchall()] == ["a", "b", "c"]
    cur.close()
    client.exec(conn, f"INSERT INTO {t} VALUES ('2024-01-01', N'd')").close()
    assert client.scalar(conn, f"SELECT count(*) FROM {t} WHERE at = '2024-01-01'") == 2
    client.exec(conn, f"DROP INDEX cx_{t} ON {t}").close()
    assert client.scalar(conn, f"SELECT type_desc FROM sys.indexes WHERE object_id = OBJECT_ID('{t}')") == "HEAP"
    assert client.scalar(conn, f"SELECT count(*) FROM {t}") == 4


def test_guid_key_round_trips(client, conn):
    t = fresh("gk")
    client.exec(conn, f"CREATE TABLE {t} (id uniqueidentifier NOT NULL PRIMARY KEY, n int)").close()
    ids = [uuid.uuid4() for _ in range(20)]
    values = ", ".join(f"('{u}', {i})" for i, u in enumerate(ids))
    client.exec(conn, f"INSERT INTO {t} VALUES {values}").close()
    got = [str(r[0]).upper() for r in client.rows(conn, f"SELECT CAST(id AS char(36)) FROM {t}")]

    def sql_server_order(u):
        # SqlGuid's order over the stored (mixed-endian) bytes, in text-order positions.
        return bytes(u.bytes[i] for i in (10, 11, 12, 13, 14, 15, 8, 9, 7, 6, 5, 4, 3, 2, 1, 0))
    assert got == [str(u).upper() for u in sorted(ids, key=sql_server_order)]
