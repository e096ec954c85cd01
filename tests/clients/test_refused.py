"""Statements the engine refuses, each with SQL Server's own error number, severity and text
(python-tds and pymssql report the number and class; ODBC the text), never a dropped
connection: after each, the same connection runs a query.

Statements SQL Server runs and the emulator does not (DBCC, BACKUP, CREATE FULLTEXT...) are
refused as Azure SQL Database refuses what it lacks: 40510 "Statement '...' is not supported
in this version of SQL Server."; options it does not have, 40517.
"""

import secrets

import pytest

from test_errors import check_error, expect_error

DEEP = "SELECT " + "(" * 300 + "1" + ")" * 300

# id, setup ({t} = a fresh table), refused statement, number, class, message fragments
REFUSED = [
    ("keyword_as_table_156", [], "SELECT * FROM WHERE", 156, 15,
     ["Incorrect syntax near the keyword 'WHERE'."]),
    ("keyword_as_joined_table_156", ["CREATE TABLE {t} (id int)"], "SELECT * FROM {t} JOIN ORDER ON 1 = 1",
     156, 15, ["Incorrect syntax near the keyword 'ORDER'."]),
    ("batch_ends_early_102", ["CREATE TABLE {t} (id int)"], "SELECT * FROM {t} WHERE (id = 1", 102, 15,
     ["Incorrect syntax near '1'."]),
    ("stray_token_102", [], "SELECT 1 +* 2", 102, 15, ["Incorrect syntax near '*'."]),
    ("nested_too_deeply_191", [], DEEP, 191, 15,
     ["Some part of your SQL statement is nested too deeply."]),
    ("invalid_object_208", [], "SELECT * FROM no_such_table_refused", 208, 16,
     ["Invalid object name 'no_such_table_refused'."]),
    ("unknown_function_195", [], "SELECT nosuchfunc(1)", 195, 15,
     ["'nosuchfunc' is not a recognized built-in function name."]),
    ("undeclared_variable_137", [], "DECLARE @x int; SELECT @y", 137, 15,
     ['Must declare the scalar variable "@y".']),
    ("values_count_213", ["CREATE TABLE {t} (a int, b int)"], "INSERT INTO {t} VALUES (1, 2, 3)", 213, 16,
     ["Column name or number of supplied values does not match table definition."]),
    ("ambiguous_column_209", ["CREATE TABLE {t} (id int)"],
     "SELECT id FROM {t} a JOIN {t} b ON a.id = b.id", 209, 16, ["Ambiguous column name 'id'."]),
    ("divide_by_zero_8134", [], "SELECT 1/0", 8134, 16, ["Divide by zero error encountered."]),
    ("commit_without_begin_3902", [], "COMMIT", 3902, 16,
     ["The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION."]),
    ("unknown_database_911", [], "USE no_such_db_refused", 911, 16,
     ["Database 'no_such_db_refused' does not exist. Make sure that the name is entered correctly."]),
    ("raiserror_50000", [], "RAISERROR('refused on purpose', 16, 1)", 50000, 16, ["refused on purpose"]),
    ("dbcc_40510", [], "DBCC CHECKDB", 40510, 16,
     ["Statement 'DBCC' is not supported in this version of SQL Server."]),
    ("backup_40510", [], "BACKUP DATABASE clienttest TO DISK = '/tmp/x.bak'", 40510, 16,
     ["Statement 'BACKUP DATABASE' is not supported in this version of SQL Server."]),
    ("fulltext_40510", [], "CREATE FULLTEXT CATALOG ftc", 40510, 16,
     ["Statement 'CREATE FULLTEXT' is not supported in this version of SQL Server."]),
    ("shutdown_40510", [], "SHUTDOWN", 40510, 16,
     ["Statement 'SHUTDOWN' is not supported in this version of SQL Server."]),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_statement(client, conn, case):
    _, setup, refused, number, klass, fragments = case
    t = f"ref_{secrets.token_hex(4)}"
    for s in setup:
        client.exec(conn, s.format(t=t)).close()
    exc = expect_error(client, lambda: client.run_all(conn, refused.format(t=t)))
    check_error(client, exc, number, klass, fragments)
    assert client.scalar(conn, "SELECT 42") == 42


def test_refused_statements_in_a_row_keep_the_connection(client, conn):
    """Every refused statement on one connection, then ordinary work."""
    for _, setup, refused, *_ in REFUSED:
        if setup:
            continue
        expect_error(client, lambda: client.run_all(conn, refused))
    assert client.rows(conn, "SELECT 1 AS a UNION ALL SELECT 2 ORDER BY a") == [(1,), (2,)]
