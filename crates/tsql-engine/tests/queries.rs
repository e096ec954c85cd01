//! SELECT features, variables, system functions and result typing.

mod common;
use common::*;
use tsql_engine::SqlType;

fn setup() -> (std::sync::Arc<tsql_engine::Engine>, tsql_engine::Session) {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE dbo.emp (id int NOT NULL PRIMARY KEY, name nvarchar(50), dept varchar(10), salary decimal(18,2), boss int NULL)");
    ok(&mut s, "INSERT INTO emp (id, name, dept, salary, boss) VALUES (1, N'Ann', 'eng', 100.50, NULL), (2, N'Bob', 'eng', 80, 1), (3, N'Cid', 'ops', 70.25, 1), (4, N'Dee', 'ops', 60, 3)");
    (e, s)
}

#[test]
fn top_order_offset_fetch() {
    let (_e, mut s) = setup();
    let c = ok(
        &mut s,
        "SELECT TOP 2 id, name FROM emp WITH (NOLOCK) ORDER BY id DESC",
    );
    assert_eq!(rows(&c), vec![vec!["4", "Dee"], vec!["3", "Cid"]]);
    assert_eq!(c.results[0].columns[1].ty, SqlType::NVarChar(Some(50)));
    assert_eq!(c.results[0].columns[0].ty, SqlType::Int);
    assert!(!c.results[0].columns[0].nullable);
    let c = ok(
        &mut s,
        "SELECT TOP (1) [name] FROM [dbo].[emp] ORDER BY salary",
    );
    assert_eq!(rows(&c), vec![vec!["Dee"]]);
    let c = ok(
        &mut s,
        "SELECT id FROM emp ORDER BY id OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY",
    );
    assert_eq!(rows(&c), vec![vec!["2"], vec!["3"]]);
    assert_eq!(c.dones.last().and_then(|d| d.rowcount), Some(2));
}

#[test]
fn joins_aggregates_ctes_windows() {
    let (_e, mut s) = setup();
    let c = ok(&mut s, "SELECT e.name, b.name AS boss FROM emp e LEFT JOIN emp b ON b.id = e.boss WHERE e.id > 2 ORDER BY e.id");
    assert_eq!(rows(&c), vec![vec!["Cid", "Ann"], vec!["Dee", "Cid"]]);
    assert_eq!(c.results[0].columns[1].name, "boss");
    let c = ok(&mut s, "SELECT dept, COUNT(*) AS n, COUNT_BIG(*) FROM emp GROUP BY dept HAVING COUNT(*) > 1 ORDER BY dept");
    assert_eq!(rows(&c), vec![vec!["eng", "2", "2"], vec!["ops", "2", "2"]]);
    assert_eq!(c.results[0].columns[1].ty, SqlType::Int);
    assert_eq!(c.results[0].columns[2].ty, SqlType::BigInt);
    assert_eq!(c.results[0].columns[2].name, "");
    let c = ok(&mut s, "WITH r AS (SELECT id, ROW_NUMBER() OVER (PARTITION BY dept ORDER BY salary DESC) AS rn FROM emp) SELECT id FROM r WHERE rn = 1 ORDER BY id");
    assert_eq!(rows(&c), vec![vec!["1"], vec!["3"]]);
    let c = ok(&mut s, "SELECT name FROM emp WHERE id IN (SELECT boss FROM emp) AND EXISTS (SELECT 1 FROM emp x WHERE x.boss = emp.id) ORDER BY name");
    assert_eq!(rows(&c), vec![vec!["Ann"], vec!["Cid"]]);
}

#[test]
fn expressions_and_literals() {
    let (_e, mut s) = setup();
    let c = ok(&mut s, "SELECT 'a' + 'b' AS s, 1 + 2 AS n, CASE WHEN 1 = 1 THEN 'y' ELSE 'n' END, ISNULL(NULL, 5), COALESCE(NULL, NULL, 7), IIF(2 > 1, 'big', 'small')");
    assert_eq!(rows(&c), vec![vec!["ab", "3", "y", "5", "7", "big"]]);
    let cols = &c.results[0].columns;
    assert_eq!(cols[0].ty, SqlType::VarChar(Some(2)));
    assert_eq!(cols[1].ty, SqlType::Int);
    let c = ok(&mut s, "SELECT name + '/' + dept FROM emp WHERE id = 1");
    assert_eq!(rows(&c), vec![vec!["Ann/eng"]]);
    let c = ok(&mut s, "SELECT N'x', 1.5, 12345678901");
    let cols = &c.results[0].columns;
    assert_eq!(cols[0].ty, SqlType::NVarChar(Some(1)));
    assert_eq!(
        cols[1].ty,
        SqlType::Numeric {
            precision: 2,
            scale: 1
        }
    );
    assert_eq!(cols[2].ty, SqlType::BigInt);
    let c = ok(&mut s, "SELECT CAST(id AS varchar(10)) + 'x', CAST(id AS bigint), CONVERT(nvarchar(5), dept) FROM emp WHERE id = 2");
    assert_eq!(c.results[0].columns[1].ty, SqlType::BigInt);
    assert_eq!(c.results[0].columns[2].ty, SqlType::NVarChar(Some(5)));
    assert_eq!(rows(&c), vec![vec!["2x", "2", "eng"]]);
}

#[test]
fn system_functions() {
    let (_e, mut s) = setup();
    assert_eq!(scalar(&mut s, "SELECT DB_NAME()"), "testdb");
    assert!(scalar(&mut s, "SELECT @@VERSION").starts_with("Microsoft SQL Server 2022"));
    assert_eq!(scalar(&mut s, "SELECT @@SPID"), "51");
    assert_eq!(scalar(&mut s, "SELECT @@LOCK_TIMEOUT"), "-1");
    assert_eq!(scalar(&mut s, "SELECT @@SERVERNAME"), "testsrv");
    assert_eq!(scalar(&mut s, "SELECT @@TRANCOUNT"), "0");
    assert_eq!(scalar(&mut s, "SELECT SCHEMA_NAME()"), "dbo");
    assert_eq!(
        scalar(&mut s, "SELECT SERVERPROPERTY('ProductVersion')"),
        "16.0.1000.6"
    );
    assert_eq!(
        scalar(&mut s, "SELECT SERVERPROPERTY('EngineEdition')"),
        "3"
    );
    let id = scalar(&mut s, "SELECT OBJECT_ID('dbo.emp')");
    assert_ne!(id, "NULL");
    assert_eq!(scalar(&mut s, &format!("SELECT OBJECT_NAME({id})")), "emp");
    assert_eq!(scalar(&mut s, "SELECT OBJECT_ID('nope')"), "NULL");
    let c = ok(
        &mut s,
        "UPDATE emp SET boss = 2 WHERE boss = 1; SELECT @@ROWCOUNT",
    );
    assert_eq!(rows(&c), vec![vec!["2"]]);
}

#[test]
fn variables() {
    let (_e, mut s) = setup();
    let c = ok(&mut s, "DECLARE @x int = 2\nDECLARE @n nvarchar(20)\nSET @x = @x + 1\nSELECT @n = name FROM emp WHERE id = @x\nSELECT @x AS x, @n AS n");
    assert_eq!(rows(&c), vec![vec!["3", "Cid"]]);
    let c = run(&mut s, "SELECT @undeclared");
    assert_eq!(c.errors[0].number, 137);
}

#[test]
fn parameters_and_output() {
    let (_e, mut s) = setup();
    let mut params = vec![
        tsql_engine::Param {
            name: "@P1".into(),
            ty: SqlType::Int,
            value: tsql_engine::Value::Int(2),
            output: false,
        },
        tsql_engine::Param {
            name: "@out".into(),
            ty: SqlType::NVarChar(Some(50)),
            value: tsql_engine::Value::Null,
            output: true,
        },
    ];
    let mut c = Collect::default();
    s.execute(
        "SELECT name FROM emp WHERE id = @P1; SET @out = (SELECT name FROM emp WHERE id = @P1 + 1)",
        &mut params,
        &mut c,
    )
    .expect("runs");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(rows(&c), vec![vec!["Bob"]]);
    assert_eq!(params[1].value, tsql_engine::Value::String("Cid".into()));
}

#[test]
fn errors_208_207_102_stop_the_batch() {
    let (_e, mut s) = setup();
    let c = run(&mut s, "SELECT * FROM nope; SELECT 1");
    assert_eq!(c.errors.len(), 1);
    assert_eq!((c.errors[0].number, c.errors[0].class), (208, 16));
    assert_eq!(c.errors[0].message, "Invalid object name 'nope'.");
    assert!(c.results.is_empty());
    let c = run(&mut s, "SELECT nocol FROM emp");
    assert_eq!(c.errors[0].number, 207);
    assert_eq!(c.errors[0].message, "Invalid column name 'nocol'.");
    let c = run(&mut s, "SELECT 1\nSELEC 2 FROM");
    assert_eq!((c.errors[0].number, c.errors[0].class), (102, 15));
    assert_eq!(c.errors[0].line, 2);
    assert!(
        c.results.is_empty(),
        "a syntax error runs nothing of the batch"
    );
    assert_eq!(scalar(&mut s, "SELECT 1"), "1");
}

#[test]
fn set_options_accepted() {
    let (_e, mut s) = setup();
    let c = ok(&mut s, "SET ANSI_NULLS ON; SET QUOTED_IDENTIFIER ON\nSET TEXTSIZE 2147483647 SET ARITHABORT ON SET CONCAT_NULL_YIELDS_NULL ON SET DATEFORMAT mdy SET LANGUAGE us_english SET LOCK_TIMEOUT -1 SET IMPLICIT_TRANSACTIONS OFF SET XACT_ABORT OFF SET DEADLOCK_PRIORITY NORMAL SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
    assert!(c.errors.is_empty());
    let c = ok(&mut s, "SET NOCOUNT ON; SELECT id FROM emp");
    assert_eq!(c.dones.last().and_then(|d| d.rowcount), None);
    ok(&mut s, "SET NOCOUNT OFF");
}

#[test]
fn print_raiserror_throw() {
    let (_e, mut s) = setup();
    let c = run(
        &mut s,
        "PRINT 'hello ' + 'world'; RAISERROR('careful', 10, 1); SELECT 1",
    );
    assert_eq!(
        c.infos
            .iter()
            .map(|m| m.message.as_str())
            .collect::<Vec<_>>(),
        vec!["hello world", "careful"]
    );
    assert_eq!(rows(&c), vec![vec!["1"]]);
    let c = run(&mut s, "RAISERROR('bad', 16, 2); SELECT 2");
    assert_eq!(
        (c.errors[0].number, c.errors[0].class, c.errors[0].state),
        (50000, 16, 2)
    );
    assert_eq!(
        rows(&c),
        vec![vec!["2"]],
        "RAISERROR does not stop the batch"
    );
    let c = run(&mut s, "THROW 51000, 'thrown', 1; SELECT 3");
    assert_eq!(
        (c.errors[0].number, c.errors[0].message.as_str()),
        (51000, "thrown")
    );
    assert!(c.results.is_empty(), "THROW ends the batch");
}

#[test]
fn select_into_creates_and_fills() {
    let (_e, mut s) = setup();
    let c = ok(
        &mut s,
        "SELECT id, name, salary * 2 AS dbl INTO #copy FROM emp WHERE dept = 'eng'",
    );
    assert_eq!(c.dones.last().and_then(|d| d.rowcount), Some(2));
    let c = ok(&mut s, "SELECT id, name FROM #copy ORDER BY id");
    assert_eq!(rows(&c), vec![vec!["1", "Ann"], vec!["2", "Bob"]]);
    assert_eq!(c.results[0].columns[1].ty, SqlType::NVarChar(Some(50)));
    ok(&mut s, "SELECT id INTO dbo.ids FROM emp");
    assert_eq!(
        scalar(
            &mut s,
            "SELECT DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'ids'"
        ),
        "int"
    );
}

#[test]
fn repeated_select_uses_fresh_catalog() {
    let (_e, mut s) = setup();
    for _ in 0..3 {
        let c = ok(&mut s, "SELECT name FROM emp WHERE id = 1");
        assert_eq!(rows(&c), vec![vec!["Ann"]]);
        assert_eq!(c.results[0].columns[0].ty, SqlType::NVarChar(Some(50)));
    }
    ok(
        &mut s,
        "DROP TABLE emp; CREATE TABLE emp (id int, name varchar(7))",
    );
    ok(&mut s, "INSERT INTO emp VALUES (1, 'Zed')");
    let c = ok(&mut s, "SELECT name FROM emp WHERE id = 1");
    assert_eq!(rows(&c), vec![vec!["Zed"]]);
    assert_eq!(c.results[0].columns[0].ty, SqlType::VarChar(Some(7)));
    ok(
        &mut s,
        "CREATE TABLE #tmp (a int); INSERT INTO #tmp VALUES (5)",
    );
    assert_eq!(scalar(&mut s, "SELECT a FROM #tmp"), "5");
    ok(&mut s, "DROP TABLE #tmp");
    let c = run(&mut s, "SELECT a FROM #tmp");
    assert_eq!(c.errors[0].number, 208);
}

#[test]
fn if_else_and_begin_end_blocks() {
    let (_e, mut s) = setup();
    let c = ok(&mut s, "IF EXISTS (SELECT 1 FROM emp WHERE id = 1)\nBEGIN\n  SELECT 'yes'\n  SELECT 'again'\nEND\nELSE\n  SELECT 'no'");
    assert_eq!(c.results.len(), 2);
    assert_eq!(rows(&c), vec![vec!["yes"]]);
    let c = ok(
        &mut s,
        "IF OBJECT_ID('dbo.nothing') IS NOT NULL SELECT 'x' ELSE SELECT 'y'",
    );
    assert_eq!(rows(&c), vec![vec!["y"]]);
    let c = ok(&mut s, "TRUNCATE TABLE emp");
    assert_eq!(c.dones[0].rowcount, None);
}

#[test]
fn expressions_on_columns_are_typed() {
    let (_e, mut s) = setup();
    let c = ok(
        &mut s,
        "SELECT SUM(salary), MAX(name), MIN(e.id), COUNT(dept) FROM emp e",
    );
    let cols = &c.results[0].columns;
    assert_eq!(
        cols[0].ty,
        SqlType::Decimal {
            precision: 38,
            scale: 2
        }
    );
    assert_eq!(cols[1].ty, SqlType::NVarChar(Some(50)));
    assert_eq!(cols[2].ty, SqlType::Int);
    assert_eq!(cols[3].ty, SqlType::Int);
    assert_eq!(rows(&c), vec![vec!["310.75", "Dee", "1", "4"]]);
    let c = ok(&mut s, "SELECT id + 1 AS next FROM emp WHERE id = 1");
    assert_eq!(c.results[0].columns[0].ty, SqlType::Int);
    assert_eq!(rows(&c), vec![vec!["2"]]);
}

#[test]
fn while_loop_with_variables() {
    let (_e, mut s) = setup();
    let c = ok(&mut s, "DECLARE @i int = 0\nWHILE @i < 5\nBEGIN\n  INSERT INTO emp (id, name) VALUES (100 + @i, N'loop')\n  SET @i = @i + 1\nEND\nSELECT count(*) FROM emp WHERE name = N'loop'");
    assert_eq!(rows(&c), vec![vec!["5"]]);
}

#[test]
fn error_variable() {
    let (_e, mut s) = setup();
    let c = run(
        &mut s,
        "INSERT INTO emp (id) VALUES (1)\nSELECT @@ERROR\nSELECT @@ERROR",
    );
    assert_eq!(c.errors[0].number, 2627);
    assert_eq!(c.errors[0].line, 1);
    assert_eq!(
        c.results
            .iter()
            .map(|r| show(&r.rows[0][0]))
            .collect::<Vec<_>>(),
        vec!["2627", "0"]
    );
}

#[test]
fn top_with_ties_keeps_tied_rows() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE sc (name varchar(10), score decimal(5,1))",
    );
    ok(
        &mut s,
        "INSERT INTO sc VALUES ('a', 9.5), ('b', 10.0), ('c', 9.5), ('d', 7), ('e', 9.5)",
    );
    let c = ok(
        &mut s,
        "SELECT TOP (2) WITH TIES name, score AS pts FROM sc ORDER BY pts DESC",
    );
    assert_eq!(c.results[0].columns[1].name, "pts");
    let mut got: Vec<String> = rows(&c).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(got[0], "b");
    got.sort();
    assert_eq!(got, ["a", "b", "c", "e"]);
    let c = ok(&mut s, "SELECT TOP 1 WITH TIES name FROM sc ORDER BY score");
    assert_eq!(rows(&c), vec![vec!["d"]]);
    let c = run(&mut s, "SELECT TOP 1 WITH TIES name FROM sc");
    assert_eq!(c.errors[0].number, 1062);
}

#[test]
fn cross_and_outer_apply() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE cu (id int, name varchar(10))");
    ok(
        &mut s,
        "CREATE TABLE od (cid int, amount decimal(8,2), at int)",
    );
    ok(
        &mut s,
        "INSERT INTO cu VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')",
    );
    ok(
        &mut s,
        "INSERT INTO od VALUES (1, 10.50, 1), (1, 20.25, 2), (2, 5.00, 1)",
    );
    // The latest order of each customer.
    let c = ok(
        &mut s,
        "SELECT c.name, l.amount FROM cu c CROSS APPLY (SELECT TOP 1 o.amount FROM od o WHERE o.cid = c.id ORDER BY o.at DESC) l ORDER BY c.id",
    );
    assert_eq!(rows(&c), vec![vec!["ann", "20.25"], vec!["bob", "5.00"]]);
    assert_eq!(
        c.results[0].columns[1].ty,
        SqlType::Decimal {
            precision: 8,
            scale: 2
        }
    );
    let c = ok(
        &mut s,
        "SELECT c.name, t.total FROM cu c OUTER APPLY (SELECT SUM(amount) AS total FROM od WHERE cid = c.id) t ORDER BY c.id",
    );
    assert_eq!(
        rows(&c),
        vec![
            vec!["ann", "30.75"],
            vec!["bob", "5.00"],
            vec!["cy", "NULL"]
        ]
    );
    // Unpivot with VALUES.
    let c = ok(
        &mut s,
        "SELECT c.id, v.x FROM cu c CROSS APPLY (VALUES (c.id * 10), (c.id * 100)) v(x) WHERE c.id = 1 ORDER BY x",
    );
    assert_eq!(rows(&c), vec![vec!["1", "10"], vec!["1", "100"]]);
    assert_eq!(c.results[0].columns[1].name, "x");
}
