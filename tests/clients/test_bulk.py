"""Large results drain completely; rolled-back work is invisible."""

import secrets

N = 100_000


def make_big(client, conn, t):
    client.exec(conn, f"CREATE TABLE {t}_d (n int NOT NULL)").close()
    client.exec(conn, f"INSERT INTO {t}_d (n) VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)").close()
    client.exec(conn, f"CREATE TABLE {t} (id int NOT NULL PRIMARY KEY, name nvarchar(40) NOT NULL, "
                      f"amount decimal(18,2) NOT NULL, flag bit NOT NULL)").close()
    client.exec(conn, f"""
        INSERT INTO {t} (id, name, amount, flag)
        SELECT x.id, N'row-' + CAST(x.id AS nvarchar(10)), CAST(x.id AS decimal(18,2)) / 100, x.id % 2
        FROM (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n AS id
              FROM {t}_d a CROSS JOIN {t}_d b CROSS JOIN {t}_d c CROSS JOIN {t}_d d CROSS JOIN {t}_d e) AS x
    """).close()


def test_100k_rows_drain(client, conn):
    from decimal import Decimal
    t = f"big_{secrets.token_hex(4)}"
    make_big(client, conn, t)
    try:
        assert client.scalar(conn, f"SELECT COUNT(*) FROM {t}") == N
        cur = client.exec(conn, f"SELECT id, name, amount, flag FROM {t} ORDER BY id")
        count = 0
        while True:
            batch = cur.fetchmany(5000)
            if not batch:
                break
            for r in batch:
                i = count
                assert tuple(r) == (i, f"row-{i}", Decimal(i) / 100, bool(i % 2)), f"row {i}: {tuple(r)!r}"
                count += 1
        cur.close()
        assert count == N
        # the connection is in a clean state after draining
        assert client.scalar(conn, "SELECT 7") == 7
        # an abandoned, half-read result does not break the next statement
        cur = client.exec(conn, f"SELECT id FROM {t} ORDER BY id")
        assert tuple(cur.fetchone()) == (0,)
        cur.close()
        assert client.scalar(conn, f"SELECT MAX(id) FROM {t}") == N - 1
    finally:
        client.exec(conn, f"DROP TABLE {t}").close()
        client.exec(conn, f"DROP TABLE {t}_d").close()


def test_rollback_sql(client, conn, emulator):
    t = f"tx_{secrets.token_hex(4)}"
    client.exec(conn, f"CREATE TABLE {t} (id int NOT NULL PRIMARY KEY)").close()
    client.exec(conn, f"INSERT INTO {t} VALUES (1)").close()
    client.exec(conn, "BEGIN TRANSACTION").close()
    assert client.scalar(conn, "SELECT @@TRANCOUNT") == 1
    client.exec(conn, f"INSERT INTO {t} VALUES (2)").close()
    client.exec(conn, f"DELETE FROM {t} WHERE id = 1").close()
    assert client.rows(conn, f"SELECT id FROM {t}") == [(2,)]
    client.exec(conn, "ROLLBACK TRANSACTION").close()
    assert client.scalar(conn, "SELECT @@TRANCOUNT") == 0
    assert client.rows(conn, f"SELECT id FROM {t}") == [(1,)]
    other = client.connect(emulator)
    try:
        assert client.rows(other, f"SELECT id FROM {t}") == [(1,)]
    finally:
        other.close()


def test_rollback_api(client, emulator):
    """The client's own transaction API (autocommit off, conn.rollback())."""
    setup = client.connect(emulator)
    t = f"txa_{secrets.token_hex(4)}"
    client.exec(setup, f"CREATE TABLE {t} (id int NOT NULL PRIMARY KEY, v nvarchar(10))").close()
    c = client.connect(emulator, autocommit=False)
    try:
        client.exec(c, f"INSERT INTO {t} VALUES (1, N'gone')").close()
        assert client.scalar(c, f"SELECT COUNT(*) FROM {t}") == 1
        c.rollback()
        assert client.scalar(c, f"SELECT COUNT(*) FROM {t}") == 0
        client.exec(c, f"INSERT INTO {t} VALUES (2, N'kept')").close()
        c.commit()
        assert client.rows(setup, f"SELECT id, v FROM {t}") == [(2, "kept")]
    finally:
        c.close()
        setup.close()


def test_executemany_parameters(client, conn):
    """Many parameter sets through one statement (how loaders write batches)."""
    from decimal import Decimal
    import datetime as dt
    t = f"many_{secrets.token_hex(4)}"
    client.exec(conn, f"CREATE TABLE {t} (id int NOT NULL PRIMARY KEY, s nvarchar(50) NULL, "
                      f"d decimal(12,3) NULL, ts datetime2(6) NULL)").close()
    rows = [(i, None if i % 7 == 0 else f"名前-{i}-😀", Decimal(i) / 8 - 100,
             dt.datetime(2024, 1, 1) + dt.timedelta(seconds=i, microseconds=i)) for i in range(1000)]
    cur = conn.cursor()
    cur.executemany(client.sql(f"INSERT INTO {t} (id, s, d, ts) VALUES (?, ?, ?, ?)"), rows)
    cur.close()
    got = client.rows(conn, f"SELECT id, s, d, ts FROM {t} ORDER BY id")
    assert len(got) == len(rows)
    bad = [(g, r) for g, r in zip(got, rows) if g != r]
    if client.name == "pymssql":
        # pymssql formats naive datetimes with milliseconds (see dbclients.can_bind)
        bad = [(g, r) for g, r in bad if g[:3] != r[:3] or g[3] != r[3].replace(microsecond=r[3].microsecond // 1000 * 1000)]
    assert not bad, f"{len(bad)} rows differ, first: got {bad[0][0]!r} expected {bad[0][1]!r}"


def test_concurrent_connections(client, emulator):
    """Eight connections working at once, each seeing its own session and data."""
    import threading
    t = f"conc_{secrets.token_hex(4)}"
    setup = client.connect(emulator)
    client.exec(setup, f"CREATE TABLE {t} (worker int NOT NULL, n int NOT NULL, PRIMARY KEY (worker, n))").close()
    errors = []

    def work(w):
        try:
            c = client.connect(emulator)
            try:
                for n in range(50):
                    client.exec(c, f"INSERT INTO {t} (worker, n) VALUES ({w}, {n})").close()
                total = client.scalar(c, f"SELECT SUM(n) FROM {t} WHERE worker = {w}")
                if total != sum(range(50)):
                    errors.append(f"worker {w}: SUM {total}")
                c.commit() if not getattr(c, "autocommit", True) else None
            finally:
                c.close()
        except Exception as e:  # noqa: BLE001
            errors.append(f"worker {w}: {e!r}")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    try:
        assert not errors, errors
        assert client.scalar(setup, f"SELECT COUNT(*) FROM {t}") == 8 * 50
    finally:
        client.exec(setup, f"DROP TABLE {t}").close()
        setup.close()
