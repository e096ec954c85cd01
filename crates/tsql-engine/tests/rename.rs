//! sp_rename (a table, a column) and ALTER SCHEMA TRANSFER: the object keeps its id, rows,
//! keys and identity; the catalog views show the new name; the old name is gone (208); and
//! the errors SQL Server reports for a missing object or a name in use.

mod common;

use common::*;

fn setup(s: &mut tsql_engine::Session) {
    // A clustered primary key (stored WITHOUT ROWID) with a unique constraint and an index.
    ok(
        s,
        "CREATE TABLE dbo.orders_new (id int PRIMARY KEY, code varchar(10) UNIQUE, qty int)",
    );
    ok(s, "CREATE INDEX ix_qty ON dbo.orders_new (qty)");
    ok(
        s,
        "INSERT INTO dbo.orders_new VALUES (1, 'a', 10), (2, 'b', 20)",
    );
    // A heap with an identity column.
    ok(
        s,
        "CREATE TABLE dbo.log_heap (n int IDENTITY(1,1), msg nvarchar(20))",
    );
    ok(s, "INSERT INTO dbo.log_heap (msg) VALUES (N'x'), (N'y')");
}

fn error_of(s: &mut tsql_engine::Session, sql: &str) -> (i32, u8, String) {
    let c = run(s, sql);
    let e = c
        .errors
        .first()
        .unwrap_or_else(|| panic!("no error: {sql}"));
    (e.number, e.class, e.message.clone())
}

#[test]
fn renaming_a_keyed_table_keeps_id_rows_and_keys() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    let id = scalar(&mut s, "SELECT OBJECT_ID('dbo.orders_new')");
    let c = ok(&mut s, "EXEC sp_rename 'dbo.orders_new', 'orders'");
    let info = c.infos.iter().find(|i| i.number == 15477).expect("15477");
    assert_eq!(info.class, 10);
    assert_eq!(
        info.message,
        "Caution: Changing any part of an object name could break scripts and stored procedures."
    );
    assert_eq!(scalar(&mut s, "SELECT OBJECT_ID('dbo.orders')"), id);
    assert_eq!(scalar(&mut s, "SELECT OBJECT_ID('dbo.orders_new')"), "NULL");
    assert_eq!(
        rows(&ok(&mut s, "SELECT id, code, qty FROM orders ORDER BY id")),
        vec![vec!["1", "a", "10"], vec!["2", "b", "20"]]
    );
    ok(&mut s, "INSERT INTO orders VALUES (3, 'c', 30)");
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM orders"), "3");
    // The keys still hold, and their messages name the table by its new name.
    let (n, _, m) = error_of(&mut s, "INSERT INTO orders VALUES (1, 'z', 0)");
    assert_eq!(n, 2627);
    assert!(m.contains("in object 'dbo.orders'"), "{m}");
    let (n, _, _) = error_of(&mut s, "INSERT INTO orders VALUES (9, 'a', 0)");
    assert_eq!(n, 2627);
    assert_eq!(
        rows(&ok(
            &mut s,
            "SELECT t.name, s.name FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id WHERE t.object_id = OBJECT_ID('dbo.orders')"
        )),
        vec![vec!["orders", "dbo"]]
    );
    assert_eq!(
        scalar(
            &mut s,
            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME IN ('orders', 'orders_new')"
        ),
        "1"
    );
    assert_eq!(
        rows(&ok(
            &mut s,
            "SELECT name FROM sys.indexes WHERE object_id = OBJECT_ID('dbo.orders') AND name = 'ix_qty'"
        )),
        vec![vec!["ix_qty"]]
    );
    assert_eq!(
        scalar(
            &mut s,
            "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS WHERE CONSTRAINT_TYPE = 'PRIMARY KEY'"
        ),
        "orders"
    );
    assert_eq!(
        error_of(&mut s, "SELECT * FROM orders_new").0,
        208,
        "the old name is gone"
    );
    // A new table can take the old name, index names and all.
    ok(
        &mut s,
        "CREATE TABLE dbo.orders_new (id int PRIMARY KEY, qty int)",
    );
    ok(&mut s, "CREATE INDEX ix_qty ON dbo.orders_new (qty)");
    ok(&mut s, "INSERT INTO dbo.orders_new VALUES (1, 5)");
    assert_eq!(scalar(&mut s, "SELECT qty FROM orders WHERE id = 1"), "10");
}

#[test]
fn renaming_a_heap_keeps_its_identity() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    ok(
        &mut s,
        "EXEC sp_rename @objname = N'log_heap', @newname = N'log', @objtype = 'OBJECT'",
    );
    ok(&mut s, "INSERT INTO log (msg) VALUES (N'z')");
    assert_eq!(
        rows(&ok(&mut s, "SELECT n, msg FROM dbo.log ORDER BY n")),
        vec![vec!["1", "x"], vec!["2", "y"], vec!["3", "z"]]
    );
    assert_eq!(scalar(&mut s, "SELECT IDENT_CURRENT('dbo.log')"), "3");
    assert_eq!(error_of(&mut s, "SELECT * FROM log_heap").0, 208);
}

#[test]
fn renaming_a_column() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    ok(
        &mut s,
        "EXEC sp_rename 'dbo.orders_new.code', 'order_code', 'COLUMN'",
    );
    ok(
        &mut s,
        "EXEC sp_rename 'orders_new.id', 'order_id', 'COLUMN'",
    );
    assert_eq!(
        rows(&ok(
            &mut s,
            "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'orders_new' ORDER BY ORDINAL_POSITION"
        )),
        vec![vec!["order_id"], vec!["order_code"], vec!["qty"]]
    );
    assert_eq!(
        scalar(
            &mut s,
            "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.KEY_COLUMN_USAGE WHERE CONSTRAINT_NAME LIKE 'PK%'"
        ),
        "order_id"
    );
    ok(
        &mut s,
        "INSERT INTO orders_new (order_id, order_code) VALUES (5, 'e')",
    );
    assert_eq!(
        error_of(&mut s, "INSERT INTO orders_new (order_id) VALUES (5)").0,
        2627
    );
    assert_eq!(error_of(&mut s, "SELECT code FROM orders_new").0, 207);
}

#[test]
fn sp_rename_errors() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    assert_eq!(
        error_of(&mut s, "EXEC sp_rename 'dbo.nothing', 'x'"),
        (
            15248,
            11,
            "Either the parameter @objname is ambiguous or the claimed @objtype (OBJECT) is wrong."
                .into()
        )
    );
    assert_eq!(
        error_of(&mut s, "EXEC sp_rename 'orders_new.nope', 'x', 'COLUMN'").0,
        15248
    );
    assert_eq!(
        error_of(&mut s, "EXEC sp_rename 'orders_new', 'log_heap'"),
        (
            15335,
            11,
            "Error: The new name 'log_heap' is already in use as a OBJECT name and would cause a duplicate that is not permitted."
                .into()
        )
    );
    assert_eq!(
        error_of(&mut s, "EXEC sp_rename 'orders_new.qty', 'code', 'COLUMN'").0,
        15335
    );
    assert_eq!(
        error_of(&mut s, "EXEC sp_rename 'orders_new', NULL").0,
        15223
    );
    assert_eq!(error_of(&mut s, "EXEC sp_rename 'orders_new'").0, 201);
    // Nothing changed.
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM orders_new"), "2");
}

#[test]
fn transferring_a_table_to_another_schema() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    ok(&mut s, "CREATE SCHEMA staging");
    let id = scalar(&mut s, "SELECT OBJECT_ID('dbo.orders_new')");
    ok(&mut s, "ALTER SCHEMA staging TRANSFER dbo.orders_new");
    ok(&mut s, "ALTER SCHEMA staging TRANSFER OBJECT::dbo.log_heap");
    assert_eq!(scalar(&mut s, "SELECT OBJECT_ID('staging.orders_new')"), id);
    assert_eq!(
        rows(&ok(
            &mut s,
            "SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES ORDER BY TABLE_NAME"
        )),
        vec![vec!["staging", "log_heap"], vec!["staging", "orders_new"]]
    );
    assert_eq!(
        scalar(
            &mut s,
            "SELECT SCHEMA_NAME(schema_id) FROM sys.tables WHERE name = 'orders_new'"
        ),
        "staging"
    );
    ok(&mut s, "INSERT INTO staging.orders_new VALUES (3, 'c', 30)");
    ok(&mut s, "INSERT INTO staging.log_heap (msg) VALUES (N'z')");
    assert_eq!(scalar(&mut s, "SELECT MAX(n) FROM staging.log_heap"), "3");
    assert_eq!(
        error_of(&mut s, "INSERT INTO staging.orders_new VALUES (3, 'q', 0)").0,
        2627
    );
    assert_eq!(error_of(&mut s, "SELECT * FROM dbo.orders_new").0, 208);
    // And back, with errors on the way.
    ok(&mut s, "CREATE TABLE dbo.orders_new (id int)");
    assert_eq!(
        error_of(&mut s, "ALTER SCHEMA dbo TRANSFER staging.orders_new"),
        (
            2714,
            16,
            "There is already an object named 'orders_new' in the database.".into()
        )
    );
    assert_eq!(
        error_of(&mut s, "ALTER SCHEMA dbo TRANSFER staging.nothing").0,
        15151
    );
    assert_eq!(
        error_of(&mut s, "ALTER SCHEMA nowhere TRANSFER staging.orders_new"),
        (
            15151,
            16,
            "Cannot alter the schema 'nowhere', because it does not exist or you do not have permission."
                .into()
        )
    );
    ok(&mut s, "DROP TABLE dbo.orders_new");
    ok(&mut s, "ALTER SCHEMA dbo TRANSFER staging.orders_new");
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM dbo.orders_new"), "3");
}

#[test]
fn a_rename_rolls_back_with_its_transaction() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    ok(&mut s, "BEGIN TRAN");
    ok(&mut s, "EXEC sp_rename 'orders_new', 'orders'");
    ok(&mut s, "EXEC sp_rename 'orders.qty', 'amount', 'COLUMN'");
    assert_eq!(scalar(&mut s, "SELECT SUM(amount) FROM orders"), "30");
    ok(&mut s, "ROLLBACK");
    assert_eq!(scalar(&mut s, "SELECT SUM(qty) FROM orders_new"), "30");
    assert_eq!(error_of(&mut s, "SELECT * FROM orders").0, 208);
    ok(&mut s, "INSERT INTO orders_new VALUES (3, 'c', 1)");
    assert_eq!(
        error_of(&mut s, "INSERT INTO orders_new VALUES (3, 'd', 1)").0,
        2627
    );
}
