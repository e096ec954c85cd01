"""Row counts (DONE tokens), several result sets in one batch, and SET NOCOUNT."""

import secrets


def test_rowcount_and_multiple_results(client, conn):
    t = f"rc_{secrets.token_hex(4)}"
    client.exec(conn, f"CREATE TABLE {t} (id int NOT NULL PRIMARY KEY, v int)").close()
    cur = client.exec(conn, f"INSERT INTO {t} (id, v) VALUES (1, 10), (2, 20), (3, 30)")
    assert cur.rowcount == 3
    cur.close()
    cur = client.exec(conn, f"UPDATE {t} SET v = v + 1 WHERE id >= 2")
    assert cur.rowcount == 2
    cur.close()
    cur = client.exec(conn, f"DELETE FROM {t} WHERE id = 99")
    assert cur.rowcount == 0
    cur.close()

    cur = client.exec(conn, f"SELECT id FROM {t} ORDER BY id; SELECT N'second' AS s, 2.5 AS n; "
                            f"SELECT v FROM {t} WHERE id = 3")
    assert [tuple(r) for r in cur.fetchall()] == [(1,), (2,), (3,)]
    assert cur.nextset()
    assert [d[0] for d in cur.description] == ["s", "n"]
    rows = [tuple(r) for r in cur.fetchall()]
    assert len(rows) == 1 and rows[0][0] == "second" and str(rows[0][1]) == "2.5"
    assert cur.nextset()
    assert [tuple(r) for r in cur.fetchall()] == [(31,)]
    assert not cur.nextset()
    cur.close()


def test_set_nocount_and_variables(client, conn):
    cur = client.exec(conn, "SET NOCOUNT ON; DECLARE @x int = 41; SELECT @x + 1 AS answer")
    assert [d[0] for d in cur.description] == ["answer"]
    assert [tuple(r) for r in cur.fetchall()] == [(42,)]
    cur.close()
    client.exec(conn, "SET NOCOUNT OFF").close()


def test_session_functions(client, conn):
    row = client.rows(conn, "SELECT DB_NAME(), SUSER_SNAME(), @@SPID, CAST(SERVERPROPERTY('EngineEdition') AS int), "
                            "LEFT(CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)), 3)")[0]
    assert row[0] == "clienttest"
    assert row[1] == "sa"
    assert isinstance(row[2], int) and row[2] > 0
    assert row[3] in (2, 3, 4, 5, 8, 9, 11)
    assert row[4][:2].isdigit(), f"ProductVersion {row[4]!r}"
    assert "Microsoft SQL Server" in client.scalar(conn, "SELECT @@VERSION")
