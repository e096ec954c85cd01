//! INSERT/UPDATE/DELETE/TRUNCATE, identity, defaults and constraint errors.

mod common;
use common::*;

#[test]
fn identity_and_scope_identity() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE t (id int IDENTITY(10,5) PRIMARY KEY, v nvarchar(10) NOT NULL DEFAULT N'dflt', n int DEFAULT 0)");
    let c = ok(&mut s, "INSERT INTO t (v) VALUES (N'a'), (N'b')");
    assert_eq!(c.dones[0].rowcount, Some(2));
    ok(&mut s, "INSERT t DEFAULT VALUES");
    let c = ok(&mut s, "SELECT id, v, n FROM t ORDER BY id");
    assert_eq!(
        rows(&c),
        vec![
            vec!["10", "a", "0"],
            vec!["15", "b", "0"],
            vec!["20", "dflt", "0"]
        ]
    );
    assert!(c.results[0].columns[0].identity);
    assert_eq!(scalar(&mut s, "SELECT SCOPE_IDENTITY()"), "20");
    let c = run(&mut s, "INSERT INTO t (id, v) VALUES (1, N'x')");
    assert_eq!(c.errors[0].number, 544);
    ok(&mut s, "SET IDENTITY_INSERT dbo.t ON; INSERT INTO t (id, v) VALUES (100, N'x'); SET IDENTITY_INSERT dbo.t OFF");
    ok(&mut s, "INSERT INTO t (v) VALUES (N'y')");
    assert_eq!(scalar(&mut s, "SELECT max(id) FROM t"), "105");
    let c = ok(&mut s, "SELECT seed_value, increment_value, last_value FROM sys.identity_columns WHERE object_id = OBJECT_ID('t')");
    assert_eq!(rows(&c), vec![vec!["10", "5", "105"]]);
    assert_eq!(scalar(&mut s, "SELECT COLUMN_DEFAULT FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 't' AND COLUMN_NAME = 'n'"), "((0))");
    ok(&mut s, "TRUNCATE TABLE t; INSERT INTO t (v) VALUES (N'z')");
    assert_eq!(scalar(&mut s, "SELECT id FROM t"), "10");
}

#[test]
fn primary_key_and_unique_errors() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE k (a int NOT NULL, b int NOT NULL, c varchar(10), CONSTRAINT PK_k PRIMARY KEY (a, b), CONSTRAINT UQ_k_c UNIQUE (c))");
    ok(&mut s, "INSERT INTO k VALUES (1, 1, 'x')");
    let c = run(
        &mut s,
        "INSERT INTO k VALUES (1, 1, 'y'); SELECT count(*) FROM k",
    );
    assert_eq!(c.errors[0].number, 2627);
    assert_eq!(c.errors[0].class, 14);
    assert_eq!(c.errors[0].message, "Violation of PRIMARY KEY constraint 'PK_k'. Cannot insert duplicate key in object 'dbo.k'. The duplicate key value is (1, 1).");
    assert_eq!(rows(&c), vec![vec!["1"]], "the batch goes on after 2627");
    let c = run(&mut s, "INSERT INTO k VALUES (2, 2, 'X')");
    assert_eq!(c.errors[0].message, "Violation of UNIQUE KEY constraint 'UQ_k_c'. Cannot insert duplicate key in object 'dbo.k'. The duplicate key value is (X).");
    let c = run(&mut s, "INSERT INTO k (a, c) VALUES (3, 'q')");
    assert_eq!(c.errors[0].number, 515);
    assert_eq!(c.errors[0].message, "Cannot insert the value NULL into column 'b', table 'testdb.dbo.k'; column does not allow nulls. INSERT fails.");
    ok(&mut s, "CREATE UNIQUE INDEX ux ON k (c, a)");
    ok(&mut s, "CREATE TABLE auto (id int PRIMARY KEY)");
    let c = run(&mut s, "INSERT INTO auto VALUES (1), (1)");
    assert_eq!(c.errors[0].number, 2627);
    assert!(
        c.errors[0]
            .message
            .starts_with("Violation of PRIMARY KEY constraint 'PK__auto__"),
        "{}",
        c.errors[0].message
    );
    assert_eq!(
        scalar(&mut s, "SELECT count(*) FROM auto"),
        "0",
        "the failed statement changed nothing"
    );
}

#[test]
fn update_delete_and_update_from() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE a (id int PRIMARY KEY, v int); CREATE TABLE b (id int, w int)",
    );
    ok(
        &mut s,
        "INSERT INTO a VALUES (1, 10), (2, 20), (3, 30); INSERT INTO b VALUES (1, 100), (3, 300)",
    );
    let c = ok(&mut s, "UPDATE a SET v = b.w FROM a JOIN b ON a.id = b.id");
    assert_eq!(c.dones[0].rowcount, Some(2));
    let c = ok(&mut s, "SELECT v FROM a ORDER BY id");
    assert_eq!(rows(&c), vec![vec!["100"], vec!["20"], vec!["300"]]);
    let c = ok(&mut s, "DELETE FROM a WHERE v > 200");
    assert_eq!(c.dones[0].rowcount, Some(1));
    ok(&mut s, "UPDATE a SET v = v + 1 WHERE id = 2");
    assert_eq!(scalar(&mut s, "SELECT v FROM a WHERE id = 2"), "21");
    ok(
        &mut s,
        "INSERT INTO b (id, w) SELECT id, v FROM a WHERE id = 1",
    );
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM b"), "3");
}

#[test]
fn merge_upsert() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE tgt (id int PRIMARY KEY, v nvarchar(10)); CREATE TABLE src (id int, v nvarchar(10))");
    ok(&mut s, "INSERT INTO tgt VALUES (1, N'old'), (2, N'keep'), (9, N'gone'); INSERT INTO src VALUES (1, N'new'), (3, N'add')");
    let c = ok(&mut s, "MERGE INTO tgt AS t USING (SELECT id, v FROM src) AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET t.v = s.v WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v) WHEN NOT MATCHED BY SOURCE AND t.id > 5 THEN DELETE;");
    assert_eq!(c.dones[0].rowcount, Some(3));
    let c = ok(&mut s, "SELECT id, v FROM tgt ORDER BY id");
    assert_eq!(
        rows(&c),
        vec![vec!["1", "new"], vec!["2", "keep"], vec!["3", "add"]]
    );
}

#[test]
fn rowversion_is_set_on_insert_and_update() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE rv (id int PRIMARY KEY, v int, ts rowversion)",
    );
    ok(&mut s, "INSERT INTO rv (id, v) VALUES (1, 1), (2, 2)");
    let c = ok(&mut s, "SELECT ts FROM rv ORDER BY id");
    let first = c.results[0].rows[0][0].clone();
    let second = c.results[0].rows[1][0].clone();
    assert!(
        matches!(&first, tsql_engine::Value::Bytes(b) if b.len() == 8),
        "{first:?}"
    );
    assert_ne!(first, second);
    ok(&mut s, "UPDATE rv SET v = 5 WHERE id = 1");
    let c = ok(&mut s, "SELECT ts, @@DBTS FROM rv WHERE id = 1");
    assert_ne!(
        c.results[0].rows[0][0], first,
        "UPDATE bumps the rowversion"
    );
    assert_eq!(
        c.results[0].rows[0][0], c.results[0].rows[0][1],
        "@@DBTS is the last value used"
    );
    let c = run(&mut s, "INSERT INTO rv (id, v, ts) VALUES (3, 3, 0x01)");
    assert_eq!(c.errors[0].number, 273);
}

#[test]
fn insert_output_inserted() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE o (id int IDENTITY(1,1) PRIMARY KEY, v nvarchar(10))",
    );
    let c = ok(
        &mut s,
        "INSERT INTO o (v) OUTPUT INSERTED.id, inserted.v AS val VALUES (N'a'), (N'b')",
    );
    assert_eq!(rows(&c), vec![vec!["1", "a"], vec!["2", "b"]]);
    assert_eq!(c.results[0].columns[0].ty, tsql_engine::SqlType::Int);
    assert_eq!(c.results[0].columns[1].name, "val");
    assert_eq!(c.dones.last().and_then(|d| d.rowcount), Some(2));
}

#[test]
fn delete_with_join() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE d1 (id int, v int); CREATE TABLE d2 (id int)",
    );
    ok(
        &mut s,
        "INSERT INTO d1 VALUES (1, 1), (2, 2), (3, 3); INSERT INTO d2 VALUES (1), (3)",
    );
    let c = ok(
        &mut s,
        "DELETE x FROM d1 x JOIN d2 ON d2.id = x.id WHERE x.v > 1",
    );
    assert_eq!(c.dones[0].rowcount, Some(1));
    let c = ok(&mut s, "SELECT id FROM d1 ORDER BY id");
    assert_eq!(rows(&c), vec![vec!["1"], vec!["2"]]);
}
