//! DDL kept in step with INFORMATION_SCHEMA and the sys views.

mod common;
use common::*;
use tsql_engine::SqlType;

#[test]
fn create_table_appears_in_information_schema_and_sys() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE dbo.people (id int IDENTITY(1,1) PRIMARY KEY CLUSTERED, name nvarchar(50) NOT NULL, score decimal(18,4) NULL, born datetime2, note varchar(max))");
    let c = ok(&mut s, "SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'people'");
    assert_eq!(
        rows(&c),
        vec![vec!["testdb", "dbo", "people", "BASE TABLE"]]
    );
    assert_eq!(c.results[0].columns[2].ty, SqlType::NVarChar(Some(128)));
    let c = ok(&mut s, "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, ORDINAL_POSITION FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'people' ORDER BY ORDINAL_POSITION");
    assert_eq!(
        rows(&c),
        vec![
            vec!["id", "int", "NULL", "10", "0", "NO", "1"],
            vec!["name", "nvarchar", "50", "NULL", "NULL", "NO", "2"],
            vec!["score", "decimal", "NULL", "18", "4", "YES", "3"],
            vec!["born", "datetime2", "NULL", "NULL", "NULL", "YES", "4"],
            vec!["note", "varchar", "-1", "NULL", "NULL", "YES", "5"],
        ]
    );
    let c = ok(&mut s, "SELECT c.name, c.max_length, c.is_identity, c.is_nullable FROM sys.columns c JOIN sys.tables t ON t.object_id = c.object_id WHERE t.name = 'people' ORDER BY c.column_id");
    assert_eq!(rows(&c)[1], vec!["name", "100", "0", "0"]);
    assert_eq!(rows(&c)[0], vec!["id", "4", "1", "0"]);
    assert_eq!(c.results[0].columns[2].ty, SqlType::Bit);
    let c = ok(&mut s, "SELECT i.index_id, i.type_desc, i.is_primary_key, i.is_unique FROM sys.indexes i WHERE i.object_id = OBJECT_ID('dbo.people')");
    assert_eq!(rows(&c), vec![vec!["1", "CLUSTERED", "1", "1"]]);
    let c = ok(&mut s, "SELECT CONSTRAINT_TYPE FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS WHERE TABLE_NAME = 'people'");
    assert_eq!(rows(&c), vec![vec!["PRIMARY KEY"]]);
    let c = ok(
        &mut s,
        "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.KEY_COLUMN_USAGE WHERE TABLE_NAME = 'people'",
    );
    assert_eq!(rows(&c), vec![vec!["id"]]);
}

#[test]
fn alter_and_drop_are_reflected() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE t1 (a int, b int)");
    ok(&mut s, "ALTER TABLE t1 ADD c nvarchar(10) NULL");
    ok(&mut s, "ALTER TABLE t1 DROP COLUMN b");
    let c = ok(&mut s, "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 't1' ORDER BY ORDINAL_POSITION");
    assert_eq!(rows(&c), vec![vec!["a"], vec!["c"]]);
    ok(&mut s, "DROP TABLE t1");
    let c = ok(&mut s, "SELECT count(*) FROM sys.objects WHERE name = 't1'");
    assert_eq!(rows(&c), vec![vec!["0"]]);
    let c = run(&mut s, "DROP TABLE t1");
    assert_eq!(c.errors[0].number, 3701);
    ok(&mut s, "DROP TABLE IF EXISTS t1");
    ok(
        &mut s,
        "CREATE TABLE t2 (a int); IF OBJECT_ID('dbo.t2') IS NOT NULL DROP TABLE dbo.t2",
    );
    assert_eq!(
        scalar(
            &mut s,
            "SELECT count(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 't2'"
        ),
        "0"
    );
}

#[test]
fn duplicate_table_is_2714_and_heap_and_indexes() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE h (a int, b int)");
    let c = run(&mut s, "CREATE TABLE h (a int)");
    assert_eq!(c.errors[0].number, 2714);
    assert_eq!(
        c.errors[0].message,
        "There is already an object named 'h' in the database."
    );
    ok(
        &mut s,
        "CREATE UNIQUE NONCLUSTERED INDEX ix_h ON dbo.h (b DESC)",
    );
    let c = ok(&mut s, "SELECT index_id, name, type_desc, is_unique FROM sys.indexes WHERE object_id = OBJECT_ID('h') ORDER BY index_id");
    assert_eq!(
        rows(&c),
        vec![
            vec!["0", "NULL", "HEAP", "0"],
            vec!["2", "ix_h", "NONCLUSTERED", "1"]
        ]
    );
    let c = ok(&mut s, "SELECT key_ordinal, is_descending_key FROM sys.index_columns WHERE object_id = OBJECT_ID('h')");
    assert_eq!(rows(&c), vec![vec!["1", "1"]]);
}

#[test]
fn views_and_schemas() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE SCHEMA sales");
    ok(
        &mut s,
        "CREATE TABLE sales.orders (id int NOT NULL, total int)",
    );
    ok(&mut s, "INSERT INTO sales.orders VALUES (1, 10), (2, 20)");
    ok(
        &mut s,
        "CREATE VIEW sales.big AS SELECT id, total FROM sales.orders WHERE total > 15",
    );
    let c = ok(&mut s, "SELECT id FROM sales.big");
    assert_eq!(rows(&c), vec![vec!["2"]]);
    assert_eq!(c.results[0].columns[0].ty, SqlType::Int);
    let c = ok(
        &mut s,
        "SELECT TABLE_SCHEMA, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'big'",
    );
    assert_eq!(rows(&c), vec![vec!["sales", "VIEW"]]);
    assert_eq!(
        scalar(
            &mut s,
            "SELECT count(*) FROM INFORMATION_SCHEMA.SCHEMATA WHERE SCHEMA_NAME = 'sales'"
        ),
        "1"
    );
}

#[test]
fn many_tables_catalog_is_fast() {
    let e = engine();
    let mut s = session(&e);
    let started = std::time::Instant::now();
    let cols: Vec<String> = (0..20).map(|i| format!("c{i} int")).collect();
    let mut batch = String::from("BEGIN TRAN\n");
    for t in 0..5000 {
        batch.push_str(&format!(
            "CREATE TABLE t{t} (id int PRIMARY KEY, {})\n",
            cols.join(", ")
        ));
    }
    batch.push_str("COMMIT");
    ok(&mut s, &batch);
    println!("created 5000 tables in {:?}", started.elapsed());
    let started = std::time::Instant::now();
    let c = ok(&mut s, "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS c JOIN INFORMATION_SCHEMA.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME WHERE t.TABLE_TYPE = 'BASE TABLE' ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION");
    let took = started.elapsed();
    println!(
        "catalog query over 5000 tables: {} rows in {took:?}",
        c.results[0].rows.len()
    );
    assert_eq!(c.results[0].rows.len(), 5000 * 21);
    assert!(took.as_secs() < 10, "catalog query took {took:?}");
}

#[test]
fn tap_mssql_discovery_queries_run_unchanged() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE dbo.orders (id int NOT NULL, code nvarchar(max), total decimal(10,2), CONSTRAINT pk_orders PRIMARY KEY (id), CONSTRAINT uq_code UNIQUE (total))");
    let c = ok(&mut s, "SELECT table_schema,\n    table_name,\n    table_type\nFROM information_schema.tables c\nWHERE c.table_schema NOT IN (\n'information_schema',\n'performance_schema',\n'sys'\n)");
    assert_eq!(rows(&c), vec![vec!["dbo", "orders", "BASE TABLE"]]);
    let c = ok(&mut s, "with constraint_columns as (
                select c.table_schema
                , c.table_name
                , c.column_name

                from information_schema.constraint_column_usage c

                join information_schema.table_constraints tc
                        on tc.table_schema = c.table_schema
                        and tc.table_name = c.table_name
                        and tc.constraint_name = c.constraint_name
                        and tc.constraint_type in ('PRIMARY KEY', 'UNIQUE'))
                SELECT c.table_schema,
                    c.table_name,
                    c.column_name,
                    data_type,
                    case when character_maximum_length = -1 then 65535 else character_maximum_length end as character_maximum_length,
                    numeric_precision,
                    numeric_scale,
                    case when cc.column_name is null then 0 else 1 end
                FROM information_schema.columns c

                left join constraint_columns cc
                    on cc.table_name = c.table_name
                    and cc.table_schema = c.table_schema
                    and cc.column_name = c.column_name

                WHERE c.table_schema NOT IN (
        'information_schema',
        'performance_schema',
        'sys'
        )
                ORDER BY c.table_schema, c.table_name");
    assert_eq!(
        rows(&c),
        vec![
            vec!["dbo", "orders", "id", "int", "NULL", "10", "0", "1"],
            vec!["dbo", "orders", "code", "nvarchar", "65535", "NULL", "NULL", "0"],
            vec!["dbo", "orders", "total", "decimal", "NULL", "10", "2", "1"],
        ]
    );
    assert_eq!(c.results[0].columns[7].name, "");
    let c = ok(&mut s, "SELECT p.rows FROM sys.partitions p WHERE p.object_id = OBJECT_ID('dbo.orders') AND p.index_id IN (0, 1)");
    assert_eq!(rows(&c), vec![vec!["0"]]);
}

#[test]
fn empty_catalog_views_and_col_name() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE fk (a int, b nvarchar(5))");
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM sys.foreign_keys"), "0");
    assert_eq!(
        scalar(
            &mut s,
            "SELECT count(*) FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS"
        ),
        "0"
    );
    assert_eq!(scalar(&mut s, "SELECT COL_NAME(OBJECT_ID('fk'), 2)"), "b");
    let c = ok(&mut s, "SELECT name, system_type_id, max_length FROM sys.types WHERE name IN ('int', 'nvarchar', 'sysname') ORDER BY name");
    assert_eq!(
        rows(&c),
        vec![
            vec!["int", "56", "4"],
            vec!["nvarchar", "231", "8000"],
            vec!["sysname", "231", "256"]
        ]
    );
}

#[test]
fn persistent_data_dir_keeps_databases() {
    let dir = std::env::temp_dir().join(format!("tsql-engine-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let opts = tsql_engine::EngineOptions {
        data_dir: Some(dir.clone()),
        databases: vec!["keep".into()],
        server_name: String::new(),
    };
    {
        let e = tsql_engine::Engine::open(opts.clone()).expect("opens");
        let mut s = e.session("sa", "keep", 1).expect("session");
        ok(
            &mut s,
            "CREATE TABLE kept (a int PRIMARY KEY); INSERT INTO kept VALUES (42)",
        );
    }
    {
        let e = tsql_engine::Engine::open(opts).expect("reopens");
        let mut s = e.session("sa", "keep", 1).expect("session");
        assert_eq!(scalar(&mut s, "SELECT a FROM kept"), "42");
        let c = run(&mut s, "INSERT INTO kept VALUES (42)");
        assert_eq!(c.errors[0].number, 2627);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn alter_constraints_and_drop_index() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE ak (id int NOT NULL, code varchar(5), n int NULL)",
    );
    ok(
        &mut s,
        "INSERT INTO ak VALUES (1, 'a', NULL), (2, 'b', NULL)",
    );
    let c = run(&mut s, "ALTER TABLE ak ADD CONSTRAINT PK_n PRIMARY KEY (n)");
    assert_eq!(c.errors[0].number, 8111);
    ok(
        &mut s,
        "ALTER TABLE ak ADD CONSTRAINT PK_ak PRIMARY KEY (id)",
    );
    let c = ok(&mut s, "SELECT index_id, type_desc, is_primary_key FROM sys.indexes WHERE object_id = OBJECT_ID('ak') ORDER BY index_id");
    assert_eq!(rows(&c), vec![vec!["1", "CLUSTERED", "1"]]);
    let c = run(&mut s, "INSERT INTO ak VALUES (1, 'c', NULL)");
    assert_eq!(c.errors[0].message, "Violation of PRIMARY KEY constraint 'PK_ak'. Cannot insert duplicate key in object 'dbo.ak'. The duplicate key value is (1).");
    ok(&mut s, "CREATE INDEX ix_code ON ak (code)");
    let c = run(&mut s, "DROP INDEX PK_ak ON ak");
    assert_eq!(c.errors[0].number, 3723);
    ok(&mut s, "DROP INDEX ix_code ON ak");
    ok(&mut s, "ALTER TABLE ak DROP CONSTRAINT PK_ak");
    let c = ok(
        &mut s,
        "SELECT index_id, type_desc FROM sys.indexes WHERE object_id = OBJECT_ID('ak')",
    );
    assert_eq!(rows(&c), vec![vec!["0", "HEAP"]]);
    ok(&mut s, "INSERT INTO ak VALUES (1, 'c', NULL)");
    assert_eq!(
        scalar(
            &mut s,
            "SELECT count(*) FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS WHERE TABLE_NAME = 'ak'"
        ),
        "0"
    );
}

#[test]
fn connector_discovery_and_sync_queries() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE dbo.events (id int IDENTITY(1,1) NOT NULL, at datetime2(3) NOT NULL, body nvarchar(max), total money, CONSTRAINT pk_events PRIMARY KEY (id))");
    ok(&mut s, "INSERT INTO dbo.events (at, body, total) VALUES ('2024-01-01 10:00:00', N'a', 1.5), ('2024-01-02 10:00:00', N'b', 2)");
    let c = ok(&mut s, "SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE IN ('BASE TABLE', 'VIEW') AND TABLE_SCHEMA IN ('dbo')");
    assert_eq!(rows(&c), vec![vec!["dbo", "events"]]);
    let c = ok(&mut s, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, CAST(ORDINAL_POSITION AS int), DATA_TYPE, CAST(CHARACTER_MAXIMUM_LENGTH AS int), CAST(NUMERIC_PRECISION AS int), CAST(COALESCE(NUMERIC_SCALE, DATETIME_PRECISION) AS int) FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA IN ('dbo')");
    assert_eq!(
        rows(&c),
        vec![
            vec!["dbo", "events", "id", "1", "int", "NULL", "10", "0"],
            vec!["dbo", "events", "at", "2", "datetime2", "NULL", "NULL", "3"],
            vec!["dbo", "events", "body", "3", "nvarchar", "-1", "NULL", "NULL"],
            vec!["dbo", "events", "total", "4", "money", "NULL", "19", "4"],
        ]
    );
    assert_eq!(c.results[0].columns[3].ty, SqlType::Int);
    let c = ok(&mut s, "SELECT s.name, o.name, c.name, CAST(ic.key_ordinal AS int) FROM sys.indexes i JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id JOIN sys.objects o ON o.object_id = i.object_id JOIN sys.schemas s ON s.schema_id = o.schema_id WHERE i.is_primary_key = 1 AND s.name IN ('dbo')");
    assert_eq!(rows(&c), vec![vec!["dbo", "events", "id", "1"]]);
    let mut params = vec![
        tsql_engine::Param {
            name: "@P1".into(),
            ty: SqlType::NVarChar(Some(4000)),
            value: tsql_engine::Value::String("dbo".into()),
            output: false,
        },
        tsql_engine::Param {
            name: "@P2".into(),
            ty: SqlType::NVarChar(Some(4000)),
            value: tsql_engine::Value::String("events".into()),
            output: false,
        },
    ];
    let mut c = Collect::default();
    s.execute("SELECT CAST(SUM(p.rows) AS bigint) FROM sys.partitions p JOIN sys.objects o ON o.object_id = p.object_id JOIN sys.schemas s ON s.schema_id = o.schema_id WHERE p.index_id IN (0, 1) AND s.name = @P1 AND o.name = @P2", &mut params, &mut c).expect("runs");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(rows(&c), vec![vec!["2"]]);
    assert_eq!(c.results[0].columns[0].ty, SqlType::BigInt);
    let mut params = vec![tsql_engine::Param {
        name: "@P1".into(),
        ty: SqlType::NVarChar(Some(4000)),
        value: tsql_engine::Value::String("2024-01-02T00:00:00".into()),
        output: false,
    }];
    let mut c = Collect::default();
    s.execute("SELECT [id], [at], [body], CAST([total] AS DECIMAL(19,4)) AS [total] FROM [dbo].[events] WHERE [at] >= CAST(@P1 AS datetime2(7)) ORDER BY [at]", &mut params, &mut c).expect("runs");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.results[0].rows.len(), 1);
    assert_eq!(c.results[0].columns[1].ty, SqlType::DateTime2 { scale: 3 });
    assert_eq!(
        c.results[0].columns[3].ty,
        SqlType::Decimal {
            precision: 19,
            scale: 4
        }
    );
    assert_eq!(show(&c.results[0].rows[0][3]), "2.0000");
}
