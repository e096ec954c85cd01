//! Stored procedures: CREATE/ALTER/DROP PROCEDURE, EXEC with positional, named, default
//! and OUTPUT arguments, return codes, the errors SQL Server reports for bad calls, dynamic
//! SQL, and the catalog views that list procedures.

mod common;

use common::*;
use tsql_engine::{Param, SqlType, Value};

fn setup(s: &mut tsql_engine::Session) {
    ok(
        s,
        "CREATE TABLE items (id int PRIMARY KEY, name nvarchar(20))",
    );
    ok(
        s,
        "INSERT INTO items VALUES (1, N'one'), (2, N'two'), (3, N'three')",
    );
    ok(
        s,
        "CREATE PROCEDURE dbo.get_items
            @min int,
            @max int = 100,
            @count int = NULL OUTPUT
        AS
        BEGIN
            SET NOCOUNT ON;
            SELECT id, name FROM items WHERE id BETWEEN @min AND @max ORDER BY id;
            SELECT @count = COUNT(*) FROM items WHERE id BETWEEN @min AND @max;
            IF @count = 0
                RETURN 1;
            RETURN 0;
        END",
    );
}

#[test]
fn positional_named_and_default_arguments() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    assert_eq!(
        rows(&ok(&mut s, "EXEC get_items 2")),
        vec![vec!["2", "two"], vec!["3", "three"]]
    );
    assert_eq!(
        rows(&ok(&mut s, "EXECUTE dbo.get_items 1, 2")),
        vec![vec!["1", "one"], vec!["2", "two"]]
    );
    assert_eq!(
        rows(&ok(&mut s, "EXEC get_items @max = 1, @min = 1")),
        vec![vec!["1", "one"]]
    );
    assert_eq!(rows(&ok(&mut s, "EXEC get_items 3, DEFAULT")).len(), 1);
    assert_eq!(
        rows(&ok(&mut s, "EXEC get_items @min = 2, @max = DEFAULT")).len(),
        2
    );
    // A statement after an EXEC without a semicolon is a statement of its own.
    let c = ok(&mut s, "EXEC get_items 3\nSELECT 42");
    assert_eq!(c.results.len(), 2);
    assert_eq!(show(&c.results[1].rows[0][0]), "42");
}

#[test]
fn output_parameters_and_return_status() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    let c = ok(
        &mut s,
        "DECLARE @n int, @rc int;
         EXEC @rc = get_items 2, 3, @n OUTPUT;
         SELECT @n, @rc;
         EXEC @rc = get_items @min = 50, @count = @n OUTPUT;
         SELECT @n, @rc;",
    );
    assert_eq!(show(&c.results[1].rows[0][0]), "2");
    assert_eq!(show(&c.results[1].rows[0][1]), "0");
    assert_eq!(show(&c.results[3].rows[0][0]), "0");
    assert_eq!(show(&c.results[3].rows[0][1]), "1");
    // Without OUTPUT at the call the variable keeps its value.
    let c = ok(
        &mut s,
        "DECLARE @n int = 7; EXEC get_items 1, 3, @n; SELECT @n",
    );
    assert_eq!(show(&c.results[1].rows[0][0]), "7");
    // As the emulator's RPC path calls it: parameters bound to the batch, OUTPUT written back.
    let mut params = vec![
        Param {
            name: "@rc".into(),
            ty: SqlType::Int,
            value: Value::Null,
            output: true,
        },
        Param {
            name: "@n".into(),
            ty: SqlType::Int,
            value: Value::Null,
            output: true,
        },
    ];
    let mut c = Collect::default();
    s.execute(
        "EXEC @rc = get_items @min = 1, @count = @n OUTPUT",
        &mut params,
        &mut c,
    )
    .unwrap();
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(params[0].value, Value::Int(0));
    assert_eq!(params[1].value, Value::Int(3));
}

#[test]
fn bad_calls_report_sql_servers_errors() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    let c = run(&mut s, "EXEC get_items");
    assert_eq!(c.errors[0].number, 201);
    assert_eq!(
        c.errors[0].message,
        "Procedure or function 'get_items' expects parameter '@min', which was not supplied."
    );
    let c = run(&mut s, "EXEC no_such_proc 1");
    assert_eq!(c.errors[0].number, 2812);
    assert_eq!(
        c.errors[0].message,
        "Could not find stored procedure 'no_such_proc'."
    );
    assert_eq!(
        run(&mut s, "EXEC get_items 1, 2, NULL, 4").errors[0].number,
        8144
    );
    assert_eq!(
        run(&mut s, "EXEC get_items @nope = 1").errors[0].number,
        8145
    );
    assert_eq!(
        run(&mut s, "EXEC get_items @min = 1, 2").errors[0].number,
        119
    );
    assert_eq!(
        run(&mut s, "EXEC get_items 1, 2, 5 OUTPUT").errors[0].number,
        179
    );
    assert_eq!(
        run(&mut s, "DECLARE @x int; EXEC get_items @x OUTPUT").errors[0].number,
        8162
    );
    // The batch goes on after a failed call, as SQL Server's does.
    let c = run(&mut s, "EXEC no_such_proc\nSELECT 1");
    assert_eq!(c.results.len(), 1);
}

#[test]
fn create_alter_drop() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE PROC p AS SELECT 1 AS one");
    assert_eq!(
        run(&mut s, "CREATE PROC p AS SELECT 2").errors[0].number,
        2714
    );
    ok(
        &mut s,
        "ALTER PROCEDURE p @x int = 5 AS SELECT @x * 2 AS two",
    );
    assert_eq!(scalar(&mut s, "EXEC p"), "10");
    ok(&mut s, "CREATE OR ALTER PROCEDURE p AS SELECT 3");
    assert_eq!(scalar(&mut s, "EXEC p"), "3");
    assert_eq!(
        run(&mut s, "ALTER PROCEDURE nope AS SELECT 1").errors[0].number,
        208
    );
    // Not the first statement of its batch.
    assert_eq!(
        run(&mut s, "SELECT 1\nCREATE PROCEDURE q AS SELECT 1").errors[0].number,
        111
    );
    // A body that does not parse is refused at CREATE.
    assert_eq!(
        run(&mut s, "CREATE PROC bad AS SELEC 1").errors[0].number,
        102
    );
    ok(&mut s, "DROP PROCEDURE p");
    assert_eq!(run(&mut s, "EXEC p").errors[0].number, 2812);
    assert_eq!(run(&mut s, "DROP PROCEDURE p").errors[0].number, 3701);
    ok(&mut s, "DROP PROCEDURE IF EXISTS p");
    // Schema-qualified, in a schema of its own.
    ok(&mut s, "CREATE SCHEMA app");
    ok(
        &mut s,
        "CREATE PROCEDURE app.hello (@who nvarchar(10)) AS SELECT N'hello ' + @who",
    );
    assert_eq!(scalar(&mut s, "EXEC app.hello N'world'"), "hello world");
    assert_eq!(run(&mut s, "EXEC hello N'x'").errors[0].number, 2812);
}

#[test]
fn bodies_run_the_batch_statements() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE log (n int)");
    ok(
        &mut s,
        "CREATE PROCEDURE fill @upto int AS
         BEGIN
            DECLARE @i int = 1;
            WHILE @i <= @upto
            BEGIN
                INSERT INTO log VALUES (@i);
                SET @i = @i + 1;
            END
            IF @upto > 2
            BEGIN
                RETURN @upto;
            END
            SELECT 'not reached when @upto > 2';
         END",
    );
    let c = ok(
        &mut s,
        "DECLARE @rc int; EXEC @rc = fill 4; SELECT @rc, (SELECT COUNT(*) FROM log)",
    );
    assert_eq!(c.results.len(), 1);
    assert_eq!(rows(&c), vec![vec!["4", "4"]]);
    // Variables of the caller are not visible in the body, and the body's are gone after.
    ok(&mut s, "CREATE PROCEDURE peek AS SELECT @outer");
    let c = run(&mut s, "DECLARE @outer int = 1; EXEC peek");
    assert_eq!(c.errors[0].number, 137);
    assert_eq!(c.errors[0].procedure, "peek");
    // Errors carry the line of the procedure's text; SET NOCOUNT ends with the body.
    ok(
        &mut s,
        "CREATE PROCEDURE lines AS\nBEGIN\n  SET NOCOUNT ON\n  SELECT 1\n  SELECT 1/0\nEND",
    );
    let c = run(&mut s, "EXEC lines\nSELECT 2");
    assert_eq!(c.errors[0].line, 5);
    assert_eq!(c.dones.last().unwrap().rowcount, Some(1));
    // A procedure calls another; @@NESTLEVEL counts them.
    ok(
        &mut s,
        "CREATE PROCEDURE inner_p @v int OUTPUT AS BEGIN SET @v = @v * 10; SELECT @@NESTLEVEL END",
    );
    ok(&mut s, "CREATE PROCEDURE outer_p AS BEGIN DECLARE @v int = 4; EXEC inner_p @v OUTPUT; SELECT @v, @@NESTLEVEL END");
    let c = ok(&mut s, "EXEC outer_p; SELECT @@NESTLEVEL");
    assert_eq!(show(&c.results[0].rows[0][0]), "2");
    let row: Vec<String> = c.results[1].rows[0].iter().map(show).collect();
    assert_eq!(row, vec!["40", "1"]);
    assert_eq!(show(&c.results[2].rows[0][0]), "0");
}

#[test]
fn errors_in_a_body_reach_the_callers_catch() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE PROCEDURE boom AS BEGIN SELECT 1/0; SELECT 'after' END",
    );
    // Outside TRY: the statement fails, the body goes on, the status says it failed.
    let c = run(&mut s, "DECLARE @rc int; EXEC @rc = boom; SELECT @rc");
    assert_eq!(c.errors[0].number, 8134);
    assert_eq!(c.errors[0].procedure, "boom");
    assert_eq!(show(&c.results.last().unwrap().rows[0][0]), "-6");
    assert!(c
        .results
        .iter()
        .any(|r| r.rows.first().is_some_and(|row| show(&row[0]) == "after")));
    // Inside TRY: the first error goes to the caller's CATCH block.
    let c = ok(
        &mut s,
        "BEGIN TRY EXEC boom; SELECT 'no' END TRY BEGIN CATCH SELECT ERROR_NUMBER() END CATCH",
    );
    assert_eq!(show(&c.results.last().unwrap().rows[0][0]), "8134");
    assert!(!c
        .results
        .iter()
        .any(|r| r.rows.first().is_some_and(|row| show(&row[0]) == "after")));
}

#[test]
fn dynamic_sql_and_sp_executesql() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE t (a int)");
    let c = ok(&mut s, "DECLARE @sql nvarchar(100) = N'INSERT INTO t VALUES (7)'; EXEC (@sql); EXEC ('SELECT a ' + 'FROM t')");
    assert_eq!(show(&c.results[0].rows[0][0]), "7");
    // Dynamic SQL has a scope of its own.
    assert_eq!(
        run(&mut s, "DECLARE @x int = 1; EXEC ('SELECT @x')").errors[0].number,
        137
    );
    let c = ok(
        &mut s,
        "DECLARE @out int;
         EXEC sp_executesql N'SELECT @b = @a * 3', N'@a int, @b int OUTPUT', @a = 5, @b = @out OUTPUT;
         SELECT @out",
    );
    assert_eq!(show(&c.results[0].rows[0][0]), "15");
    assert_eq!(scalar(&mut s, "EXECUTE sp_executesql N'SELECT 2 + 2'"), "4");
    assert_eq!(
        run(&mut s, "EXEC sp_executesql N'SELECT @a', N'@a int'").errors[0].number,
        8178
    );
    // A procedure's name in a variable.
    ok(&mut s, "CREATE PROCEDURE seven AS SELECT 7");
    assert_eq!(
        scalar(&mut s, "DECLARE @p sysname = N'dbo.seven'; EXEC @p"),
        "7"
    );
}

#[test]
fn catalog_lists_procedures() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    assert_eq!(
        rows(&ok(
            &mut s,
            "SELECT name, type, type_desc FROM sys.objects WHERE type = 'P'"
        )),
        vec![vec!["get_items", "P ", "SQL_STORED_PROCEDURE"]]
    );
    assert_eq!(
        rows(&ok(
            &mut s,
            "SELECT p.name, SCHEMA_NAME(p.schema_id) FROM sys.procedures p"
        )),
        vec![vec!["get_items", "dbo"]]
    );
    assert_eq!(
        rows(&ok(&mut s, "SELECT name, parameter_id, TYPE_NAME(user_type_id), is_output FROM sys.parameters WHERE object_id = OBJECT_ID('dbo.get_items') ORDER BY parameter_id")),
        vec![
            vec!["@min", "1", "int", "0"],
            vec!["@max", "2", "int", "0"],
            vec!["@count", "3", "int", "1"],
        ]
    );
    assert_eq!(
        rows(&ok(
            &mut s,
            "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE FROM INFORMATION_SCHEMA.ROUTINES"
        )),
        vec![vec!["dbo", "get_items", "PROCEDURE"]]
    );
    assert_eq!(
        rows(&ok(&mut s, "SELECT PARAMETER_NAME, PARAMETER_MODE FROM INFORMATION_SCHEMA.PARAMETERS WHERE SPECIFIC_NAME = 'get_items' ORDER BY ORDINAL_POSITION")),
        vec![vec!["@min", "IN"], vec!["@max", "IN"], vec!["@count", "INOUT"]]
    );
    assert_ne!(scalar(&mut s, "SELECT OBJECT_ID('get_items', 'P')"), "NULL");
    assert_eq!(scalar(&mut s, "SELECT OBJECT_ID('get_items', 'U')"), "NULL");
    assert_eq!(
        scalar(
            &mut s,
            "SELECT OBJECTPROPERTY(OBJECT_ID('get_items'), 'IsProcedure')"
        ),
        "1"
    );
    let def = scalar(&mut s, "SELECT OBJECT_DEFINITION(OBJECT_ID('get_items'))");
    assert!(def.starts_with("CREATE PROCEDURE dbo.get_items"), "{def}");
    let def = scalar(
        &mut s,
        "SELECT definition FROM sys.sql_modules WHERE object_id = OBJECT_ID('get_items')",
    );
    assert!(def.contains("RETURN 0;"), "{def}");
    ok(&mut s, "DROP PROCEDURE get_items");
    assert!(rows(&ok(&mut s, "SELECT * FROM sys.parameters")).is_empty());
}

#[test]
fn blocks_without_semicolons() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE PROCEDURE classify @n int AS
         BEGIN
            DECLARE @kind varchar(10)
            BEGIN
                SET @kind = CASE WHEN @n < 0 THEN 'negative' ELSE 'other' END
            END
            IF @n = 0
                RETURN 10
            ELSE IF @n > 100
            BEGIN
                SELECT 'big'
                RETURN
            END
            ELSE
            BEGIN
                SELECT @kind
            END
            RETURN 20
         END",
    );
    let c = ok(&mut s, "DECLARE @rc int; EXEC @rc = classify 0; SELECT @rc");
    assert_eq!(rows(&c), vec![vec!["10"]]);
    let c = ok(
        &mut s,
        "DECLARE @rc int; EXEC @rc = classify 500; SELECT @rc",
    );
    assert_eq!(show(&c.results[0].rows[0][0]), "big");
    assert_eq!(show(&c.results[1].rows[0][0]), "0");
    let c = ok(
        &mut s,
        "DECLARE @rc int; EXEC @rc = classify -3; SELECT @rc",
    );
    assert_eq!(show(&c.results[0].rows[0][0]), "negative");
    assert_eq!(show(&c.results[1].rows[0][0]), "20");
    // A bare block in a plain batch, too.
    assert_eq!(
        scalar(&mut s, "BEGIN DECLARE @x int = 2 SELECT @x * 21 END"),
        "42"
    );
}
