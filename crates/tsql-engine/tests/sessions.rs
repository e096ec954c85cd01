//! Sessions: USE, three-part names, temp tables, transactions, concurrency.

mod common;
use common::*;
use tsql_engine::EnvChange;

#[test]
fn use_and_three_part_names() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE DATABASE other");
    let c = run(&mut s, "CREATE DATABASE other");
    assert_eq!(c.errors[0].number, 1801);
    let c = ok(&mut s, "USE other");
    assert_eq!(
        c.env,
        vec![EnvChange::Database {
            old: "testdb".into(),
            new: "other".into()
        }]
    );
    assert_eq!(c.infos[0].number, 5701);
    assert_eq!(c.infos[0].message, "Changed database context to 'other'.");
    assert_eq!(s.database(), "other");
    ok(&mut s, "CREATE TABLE x (a int); INSERT INTO x VALUES (7)");
    ok(&mut s, "USE [testdb]");
    assert_eq!(scalar(&mut s, "SELECT a FROM other.dbo.x"), "7");
    assert_eq!(scalar(&mut s, "SELECT a FROM other..x"), "7");
    assert_eq!(
        scalar(
            &mut s,
            "SELECT count(*) FROM other.INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'x'"
        ),
        "1"
    );
    assert_eq!(
        scalar(
            &mut s,
            "SELECT count(*) FROM sys.databases WHERE name = 'other'"
        ),
        "1"
    );
    let c = run(&mut s, "USE nowhere");
    assert_eq!(c.errors[0].number, 911);
    let mut s2 = session(&e);
    assert_eq!(scalar(&mut s2, "SELECT a FROM other.dbo.x"), "7");
}

#[test]
fn temp_tables_are_private() {
    let e = engine();
    let mut s1 = session(&e);
    let mut s2 = session(&e);
    ok(&mut s1, "CREATE TABLE #t (id int IDENTITY(1,1), v varchar(5)); INSERT INTO #t (v) VALUES ('a'), ('b')");
    assert_eq!(scalar(&mut s1, "SELECT count(*) FROM #t"), "2");
    let c = run(&mut s2, "SELECT count(*) FROM #t");
    assert_eq!(c.errors[0].number, 208);
    ok(&mut s2, "CREATE TABLE #t (x int)");
    assert_eq!(scalar(&mut s1, "SELECT max(id) FROM #t"), "2");
    ok(&mut s1, "DROP TABLE #t");
}

#[test]
fn transactions_commit_and_rollback() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE t (a int)");
    let c = ok(
        &mut s,
        "BEGIN TRAN; INSERT INTO t VALUES (1); BEGIN TRANSACTION; SELECT @@TRANCOUNT",
    );
    assert_eq!(rows(&c), vec![vec!["2"]]);
    assert!(matches!(c.env[0], EnvChange::BeginTransaction { .. }));
    assert_eq!(s.transaction_count(), 2);
    let c = ok(&mut s, "ROLLBACK");
    assert!(matches!(c.env[0], EnvChange::RollbackTransaction { .. }));
    assert_eq!(s.transaction_count(), 0);
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t"), "0");
    ok(&mut s, "BEGIN TRAN; INSERT INTO t VALUES (2); COMMIT TRAN");
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t"), "1");
    let mut c = Collect::default();
    s.begin_transaction(&mut c).expect("tm begin");
    ok(&mut s, "INSERT INTO t VALUES (3)");
    s.rollback(&mut c).expect("tm rollback");
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t"), "1");
    let c = run(&mut s, "COMMIT");
    assert_eq!(c.errors[0].number, 3902);
}

#[test]
fn two_sessions_see_committed_writes_and_ddl() {
    let e = engine();
    let mut a = session(&e);
    let mut b = session(&e);
    ok(&mut a, "CREATE TABLE shared (v int)");
    ok(&mut b, "INSERT INTO shared VALUES (1)");
    assert_eq!(scalar(&mut a, "SELECT count(*) FROM shared"), "1");
    ok(&mut a, "BEGIN TRAN; INSERT INTO shared VALUES (2)");
    assert_eq!(
        scalar(&mut b, "SELECT count(*) FROM shared"),
        "1",
        "uncommitted rows are not seen"
    );
    ok(&mut a, "COMMIT");
    assert_eq!(scalar(&mut b, "SELECT count(*) FROM shared"), "2");
    ok(&mut a, "ALTER TABLE shared ADD w int NULL");
    ok(&mut b, "INSERT INTO shared (v, w) VALUES (3, 4)");
    assert_eq!(scalar(&mut a, "SELECT w FROM shared WHERE v = 3"), "4");
}

#[test]
fn savepoints() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE sp (a int)");
    let c = run(&mut s, "SAVE TRANSACTION nope");
    assert_eq!(c.errors[0].number, 628);
    ok(&mut s, "BEGIN TRAN; INSERT INTO sp VALUES (1); SAVE TRANSACTION [s1]; INSERT INTO sp VALUES (2); ROLLBACK TRANSACTION s1");
    assert_eq!(s.transaction_count(), 1);
    ok(&mut s, "COMMIT");
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM sp"), "1");
}

#[test]
fn connect_time_queries_of_drivers_and_orms() {
    let e = engine();
    let mut s = session(&e);
    assert_eq!(scalar(&mut s, "SELECT default_schema_name FROM sys.database_principals WHERE principal_id = DATABASE_PRINCIPAL_ID()"), "dbo");
    assert_eq!(
        scalar(
            &mut s,
            "SELECT is_read_committed_snapshot_on FROM sys.databases WHERE name = DB_NAME()"
        ),
        "0"
    );
    assert_eq!(
        scalar(
            &mut s,
            "SELECT CAST(SERVERPROPERTY('ProductVersion') AS varchar(20))"
        ),
        "16.0.1000.6"
    );
    assert_eq!(
        scalar(
            &mut s,
            "SELECT compatibility_level FROM sys.databases WHERE name = 'master'"
        ),
        "160"
    );
}

#[test]
fn xact_abort_rolls_back_on_error() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE xa (id int PRIMARY KEY)");
    let c = run(&mut s, "SET XACT_ABORT ON; BEGIN TRAN; INSERT INTO xa VALUES (1); INSERT INTO xa VALUES (1); INSERT INTO xa VALUES (2)");
    assert_eq!(c.errors[0].number, 2627);
    assert!(matches!(
        c.env.last(),
        Some(EnvChange::RollbackTransaction { .. })
    ));
    assert_eq!(s.transaction_count(), 0);
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM xa"), "0");
    ok(
        &mut s,
        "SET XACT_ABORT OFF; BEGIN TRAN; INSERT INTO xa VALUES (1)",
    );
    let c = run(
        &mut s,
        "INSERT INTO xa VALUES (1); INSERT INTO xa VALUES (2); COMMIT",
    );
    assert_eq!(c.errors.len(), 1);
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM xa"), "2");
}

#[test]
fn sessions_move_between_threads() {
    fn send<T: Send>() {}
    fn sync<T: Send + Sync>() {}
    send::<tsql_engine::Session>();
    sync::<tsql_engine::Engine>();
    let e = engine();
    let mut s = session(&e);
    let handle = std::thread::spawn(move || scalar(&mut s, "SELECT 40 + 2"));
    assert_eq!(handle.join().expect("thread"), "42");
}

/// Concurrent autocommit writers wait for each other (LOCK_TIMEOUT -1), never 1222.
#[test]
fn concurrent_autocommit_inserts_wait_instead_of_failing() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE dbo.conc (worker int NOT NULL, n int NOT NULL, v rowversion, PRIMARY KEY (worker, n))");
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let e = e.clone();
            std::thread::spawn(move || {
                // Sessions come and go while others write, as client connections do.
                for round in 0..4 {
                    let mut s = session(&e);
                    for n in round * 50..(round + 1) * 50 {
                        ok(
                            &mut s,
                            &format!("INSERT INTO conc (worker, n) VALUES ({w}, {n})"),
                        );
                        ok(
                            &mut s,
                            &format!("SELECT SUM(n) FROM conc WHERE worker = {w}"),
                        );
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker succeeds");
    }
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM conc"), "1600");
}

/// SET LOCK_TIMEOUT bounds the wait for a lock another session holds.
#[test]
fn lock_timeout_bounds_the_wait() {
    let e = engine();
    let mut a = session(&e);
    let mut b = session(&e);
    ok(&mut a, "CREATE TABLE dbo.lt (id int)");
    ok(&mut a, "BEGIN TRAN; INSERT INTO lt VALUES (1)");
    ok(&mut b, "SET LOCK_TIMEOUT 100");
    assert_eq!(scalar(&mut b, "SELECT @@LOCK_TIMEOUT"), "100");
    let started = std::time::Instant::now();
    let c = run(&mut b, "INSERT INTO lt VALUES (2)");
    assert_eq!(c.errors[0].number, 1222);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    ok(&mut a, "COMMIT");
    ok(&mut b, "INSERT INTO lt VALUES (2)");
    assert_eq!(scalar(&mut b, "SELECT COUNT(*) FROM lt"), "2");
}

/// A transaction that has only read holds no lock, and can still write after another
/// session committed since its reads (SQLite's snapshot would refuse the upgrade).
#[test]
fn read_then_write_transactions_do_not_conflict() {
    let e = engine();
    let mut a = session(&e);
    let mut b = session(&e);
    ok(&mut a, "CREATE TABLE dbo.rw (id int)");
    ok(&mut a, "BEGIN TRAN");
    assert_eq!(scalar(&mut a, "SELECT COUNT(*) FROM rw"), "0");
    ok(&mut b, "SET LOCK_TIMEOUT 0");
    ok(&mut b, "INSERT INTO rw VALUES (1)");
    ok(&mut a, "SAVE TRAN s1");
    ok(&mut a, "INSERT INTO rw VALUES (2)");
    ok(&mut a, "ROLLBACK TRAN s1");
    ok(&mut a, "INSERT INTO rw VALUES (3)");
    ok(&mut a, "COMMIT");
    assert_eq!(scalar(&mut b, "SELECT SUM(id) FROM rw"), "4");
}
