"""SQL Server error numbers, classes and messages as each client reports them."""

import secrets

import pytest

from compare import short

# id, setup statements ({t} = a fresh table), failing statement, number, class, message fragments
STATEMENT_ERRORS = [
    ("invalid_object_208", [], "SELECT * FROM no_such_table_xyz", 208, 16,
     ["Invalid object name 'no_such_table_xyz'."]),
    ("invalid_column_207", ["CREATE TABLE {t} (id int NOT NULL PRIMARY KEY)"],
     "SELECT no_such_col FROM {t}", 207, 16, ["Invalid column name 'no_such_col'."]),
    ("syntax_102", ["CREATE TABLE {t} (id int NOT NULL PRIMARY KEY)"],
     "SELECT * FROM {t} WHERE (id = 1", 102, 15, ["Incorrect syntax near"]),
    ("duplicate_key_2627",
     ["CREATE TABLE {t} (id int NOT NULL CONSTRAINT pk_{t} PRIMARY KEY, v int)",
      "INSERT INTO {t} (id, v) VALUES (1, 1)"],
     "INSERT INTO {t} (id, v) VALUES (1, 2)", 2627, 14,
     ["Violation of PRIMARY KEY constraint 'pk_{t}'.", "Cannot insert duplicate key in object 'dbo.{t}'.",
      "The duplicate key value is (1)."]),
    ("null_515", ["CREATE TABLE {t} (id int NOT NULL PRIMARY KEY, v int NOT NULL)"],
     "INSERT INTO {t} (id, v) VALUES (1, NULL)", 515, 16,
     ["Cannot insert the value NULL into column 'v', table 'clienttest.dbo.{t}'; column does not allow nulls."]),
    ("truncation_2628", ["CREATE TABLE {t} (id int NOT NULL PRIMARY KEY, s varchar(3))"],
     "INSERT INTO {t} (id, s) VALUES (1, 'abcdef')", 2628, 16,
     ["String or binary data would be truncated in table 'clienttest.dbo.{t}', column 's'.",
      "Truncated value: 'abc'."]),
    ("conversion_245", [], "SELECT CAST('abc' AS int)", 245, 16,
     ["Conversion failed when converting the varchar value 'abc' to data type int."]),
    ("conversion_8114", [], "SELECT CAST('abc' AS decimal(10,2))", 8114, 16,
     ["Error converting data type varchar to numeric."]),
]


def expect_error(client, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return e
    pytest.fail("expected a server error, the statement succeeded")


def check_error(client, exc, number, klass, fragments, login=False):
    text = client.error_text(exc)
    if login and client.name == "pymssql":
        # pymssql keeps the server's message text of a failed login only sometimes (it is
        # stored per process, not per connection): the number and class are reliable.
        fragments = []
    problems = []
    n = client.error_number(exc)
    if client.name != "mssql-python" and n != number:  # ODBC does not expose the number
        problems.append(f"error number {n}, expected {number}")
    k = client.error_class(exc)
    if k is not None and k != klass:
        problems.append(f"error class {k}, expected {klass}")
    for f in fragments:
        if f not in text:
            problems.append(f"message lacks {f!r}")
    assert not problems, f"{'; '.join(problems)}; error was: {short(text, 600)}"


@pytest.mark.parametrize("case", STATEMENT_ERRORS, ids=[c[0] for c in STATEMENT_ERRORS])
def test_statement_error(client, conn, case):
    _, setup, failing, number, klass, fragments = case
    t = f"err_{secrets.token_hex(4)}"
    for s in setup:
        client.exec(conn, s.format(t=t)).close()
    exc = expect_error(client, lambda: client.run_all(conn, failing.format(t=t)))
    check_error(client, exc, number, klass, [f.format(t=t) for f in fragments])
    # the connection is still usable, and the failed statement changed nothing
    assert client.scalar(conn, "SELECT 42") == 42
    if setup and "INSERT" in failing:
        assert client.scalar(conn, f"SELECT COUNT(*) FROM {t}") == sum("INSERT" in s for s in setup)


def test_wrong_password_18456(client, emulator):
    exc = expect_error(client, lambda: client.connect(emulator, password="definitely-wrong"))
    check_error(client, exc, 18456, 14, ["Login failed for user 'sa'."], login=True)


def test_unknown_user_18456(client, emulator):
    exc = expect_error(client, lambda: client.connect(emulator, user="nobody", password="x"))
    check_error(client, exc, 18456, 14, ["Login failed for user 'nobody'."], login=True)


def test_unknown_database_4060(client, emulator):
    """SQL Server sends 4060 (class 11) and then 18456 (class 14).  python-tds shows both
    texts; pymssql and the ODBC driver surface only the last one (18456), so for them this
    checks that the login fails as SQL Server's would.  tedious checks 4060 by number."""
    exc = expect_error(client, lambda: client.connect(emulator, database="no_such_db"))
    if client.name == "python-tds":
        check_error(client, exc, 18456, 14, [
            'Cannot open database "no_such_db" requested by the login. The login failed.',
            "Login failed for user 'sa'."])
    else:
        check_error(client, exc, 18456, 14, ["Login failed for user 'sa'."], login=True)


def test_good_login_after_failures(client, emulator):
    for _ in range(2):
        expect_error(client, lambda: client.connect(emulator, password="nope"))
    c = client.connect(emulator)
    try:
        assert client.scalar(c, "SELECT DB_NAME()") == "clienttest"
        assert client.scalar(c, "SELECT SUSER_SNAME()") == "sa"
    finally:
        c.close()


def test_error_inside_batch_keeps_connection(client, conn):
    """A run-time error in a multi-statement batch; then many good statements."""
    t = f"errb_{secrets.token_hex(4)}"
    client.exec(conn, f"CREATE TABLE {t} (id int NOT NULL PRIMARY KEY)").close()
    client.exec(conn, f"INSERT INTO {t} VALUES (1)").close()
    exc = expect_error(client, lambda: client.run_all(conn, f"INSERT INTO {t} VALUES (2); INSERT INTO {t} VALUES (1)"))
    check_error(client, exc, 2627, 14, ["Violation of PRIMARY KEY constraint"])
    # 2627 is statement-terminating: row 2 stays
    assert client.rows(conn, f"SELECT id FROM {t} ORDER BY id") == [(1,), (2,)]
    for i in range(20):
        assert client.scalar(conn, f"SELECT {i} + 1") == i + 1
