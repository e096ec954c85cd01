//! Tables stored in clustered-key order: keyed tables (WITHOUT ROWID) and heaps, the DDL
//! that turns one into the other, and every write path on both kinds.

mod common;
use common::*;
use tsql_engine::{Param, SqlType, Value};

/// The `sys.indexes` rows of table `t`: index_id, type, type_desc, name.
fn indexes(s: &mut tsql_engine::Session, t: &str) -> Vec<Vec<String>> {
    rows(&ok(
        s,
        &format!("SELECT index_id, type, type_desc, coalesce(name, 'NULL') FROM sys.indexes WHERE object_id = OBJECT_ID('{t}') ORDER BY index_id"),
    ))
}

/// The rows of a query as strings.
fn all(s: &mut tsql_engine::Session, sql: &str) -> Vec<Vec<String>> {
    rows(&ok(s, sql))
}

#[test]
fn primary_key_tables_keep_every_write_path() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE k (id int NOT NULL PRIMARY KEY, v nvarchar(10) NULL, rv rowversion, var sql_variant NULL)");
    assert_eq!(indexes(&mut s, "k")[0][..3], ["1", "1", "CLUSTERED"]);
    ok(&mut s, "INSERT INTO k (id, v, var) VALUES (3, N'c', CAST(1.50 AS decimal(5,2))), (1, N'a', N'x'), (2, N'b', 7)");
    assert_eq!(
        all(
            &mut s,
            "SELECT id, v, CAST(SQL_VARIANT_PROPERTY(var, 'BaseType') AS nvarchar(20)) FROM k"
        ),
        vec![
            vec!["1", "a", "nvarchar"],
            vec!["2", "b", "int"],
            vec!["3", "c", "decimal"]
        ],
        "a keyed table scans in key order"
    );
    let c = run(&mut s, "INSERT INTO k (id, v) VALUES (NULL, N'n')");
    assert_eq!(c.errors[0].number, 515);
    assert_eq!(c.errors[0].message, "Cannot insert the value NULL into column 'id', table 'testdb.dbo.k'; column does not allow nulls. INSERT fails.");
    let c = run(&mut s, "INSERT INTO k (id) VALUES (2)");
    assert_eq!(c.errors[0].number, 2627);
    assert!(c.errors[0]
        .message
        .ends_with("The duplicate key value is (2)."));
    // UPDATE of the key: to a free value, then onto a taken one.
    let before = scalar(&mut s, "SELECT CAST(rv AS bigint) FROM k WHERE id = 1");
    ok(&mut s, "UPDATE k SET id = 10 WHERE id = 1");
    let after = scalar(&mut s, "SELECT CAST(rv AS bigint) FROM k WHERE id = 10");
    assert!(after.parse::<i64>().unwrap() > before.parse::<i64>().unwrap());
    let c = run(&mut s, "UPDATE k SET id = 2 WHERE id = 3");
    assert_eq!(c.errors[0].number, 2627);
    ok(&mut s, "UPDATE k SET v = N'B' WHERE id = 2");
    assert_eq!(
        all(&mut s, "SELECT id, v FROM k ORDER BY id"),
        vec![vec!["2", "B"], vec!["3", "c"], vec!["10", "a"]]
    );
    // DELETE, DELETE with a join, TRUNCATE.
    ok(&mut s, "CREATE TABLE gone (id int)");
    ok(&mut s, "INSERT INTO gone VALUES (3)");
    let c = ok(&mut s, "DELETE k FROM k JOIN gone g ON g.id = k.id");
    assert_eq!(c.dones[0].rowcount, Some(1));
    ok(&mut s, "DELETE FROM k WHERE id = 10");
    assert_eq!(all(&mut s, "SELECT id FROM k"), vec![vec!["2"]]);
    ok(&mut s, "TRUNCATE TABLE k");
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM k"), "0");
}

#[test]
fn identity_keys_and_output() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE ik (id int IDENTITY(1,1) PRIMARY KEY, v int)",
    );
    let c = ok(
        &mut s,
        "INSERT INTO ik (v) OUTPUT INSERTED.id VALUES (5), (6)",
    );
    assert_eq!(rows(&c), vec![vec!["1"], vec!["2"]]);
    assert_eq!(scalar(&mut s, "SELECT SCOPE_IDENTITY()"), "2");
    ok(&mut s, "SET IDENTITY_INSERT ik ON; INSERT INTO ik (id, v) VALUES (100, 1); SET IDENTITY_INSERT ik OFF; INSERT INTO ik (v) VALUES (2)");
    assert_eq!(scalar(&mut s, "SELECT max(id) FROM ik"), "101");
}

#[test]
fn merge_on_keyed_tables_and_heaps() {
    for key in ["PRIMARY KEY", "PRIMARY KEY NONCLUSTERED", ""] {
        let e = engine();
        let mut s = session(&e);
        ok(
            &mut s,
            &format!("CREATE TABLE tgt (id int NOT NULL {key}, v int)"),
        );
        ok(&mut s, "INSERT INTO tgt VALUES (1, 10), (2, 20), (3, 30)");
        ok(
            &mut s,
            "CREATE TABLE src (id int, v int); INSERT INTO src VALUES (1, 11), (3, 0), (4, 0)",
        );
        // Source row 4 is new; its inserted row would match the DELETE clause's condition,
        // which must only see the rows that were there before.
        let c = ok(
            &mut s,
            "MERGE tgt AS t USING src ON t.id = src.id \
             WHEN MATCHED AND src.v = 0 THEN DELETE \
             WHEN MATCHED THEN UPDATE SET v = src.v \
             WHEN NOT MATCHED THEN INSERT (id, v) VALUES (src.id, src.v) \
             WHEN NOT MATCHED BY SOURCE THEN DELETE;",
        );
        assert_eq!(c.dones[0].rowcount, Some(4), "{key}");
        assert_eq!(
            all(&mut s, "SELECT id, v FROM tgt ORDER BY id"),
            vec![vec!["1", "11"], vec!["4", "0"]],
            "{key}"
        );
        // A MERGE of deletes only.
        ok(&mut s, "MERGE tgt AS t USING (SELECT 4 AS id) AS src ON t.id = src.id WHEN NOT MATCHED BY SOURCE THEN DELETE;");
        assert_eq!(all(&mut s, "SELECT id FROM tgt"), vec![vec!["4"]], "{key}");
    }
}

#[test]
fn temp_tables_with_keys() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE #t (a int NOT NULL, b nvarchar(5) NOT NULL, PRIMARY KEY (a, b))",
    );
    ok(
        &mut s,
        "INSERT INTO #t VALUES (2, N'x'), (1, N'y'), (1, N'x')",
    );
    let c = run(&mut s, "INSERT INTO #t VALUES (1, N'X')");
    assert_eq!(
        c.errors[0].number, 2627,
        "the key compares case-insensitively"
    );
    ok(&mut s, "UPDATE #t SET b = N'z' WHERE a = 2");
    let c = run(&mut s, "UPDATE #t SET b = N'x' WHERE a = 1 AND b = N'y'");
    assert_eq!(c.errors[0].number, 2627);
    assert_eq!(
        all(&mut s, "SELECT a, b FROM #t"),
        vec![vec!["1", "x"], vec!["1", "y"], vec!["2", "z"]]
    );
    assert_one_pass(&mut s, "SELECT a, b FROM #t ORDER BY a, b", &[]);
    ok(&mut s, "CREATE CLUSTERED INDEX cx ON #t (b)");
    ok(&mut s, "DROP TABLE #t");
}

#[test]
fn create_clustered_index_rebuilds_a_heap() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE h (id int NOT NULL, grp nvarchar(10) NOT NULL, v int NULL)",
    );
    ok(&mut s, "CREATE INDEX ix_v ON h (v)");
    ok(&mut s, "CREATE VIEW hv AS SELECT id, grp FROM h");
    ok(
        &mut s,
        "INSERT INTO h VALUES (1, N'b', 1), (2, N'a', 2), (3, N'B', 3), (4, N'a', NULL)",
    );
    assert_eq!(indexes(&mut s, "h")[0], ["0", "0", "HEAP", "NULL"]);
    ok(&mut s, "CREATE CLUSTERED INDEX cx ON h (grp)");
    assert_eq!(
        indexes(&mut s, "h"),
        vec![
            vec!["1", "1", "CLUSTERED", "cx"],
            vec!["2", "2", "NONCLUSTERED", "ix_v"]
        ]
    );
    // Duplicate keys (a non-unique index), a hidden uniquifier nobody sees.
    ok(&mut s, "INSERT INTO h VALUES (5, N'A', 5)");
    let c = ok(&mut s, "SELECT * FROM h ORDER BY grp, id");
    let names: Vec<&str> = c.results[0]
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["id", "grp", "v"]);
    assert_eq!(
        rows(&c).iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["2", "4", "5", "1", "3"]
    );
    assert_eq!(ok(&mut s, "SELECT h.* FROM h").results[0].columns.len(), 3);
    assert_eq!(
        ok(&mut s, "SELECT x.*, 1 AS one FROM h x").results[0]
            .columns
            .len(),
        4
    );
    assert_eq!(
        ok(
            &mut s,
            "SELECT * FROM h JOIN (SELECT 1 AS n) d ON d.n = h.id"
        )
        .results[0]
            .columns
            .len(),
        4
    );
    ok(&mut s, "SELECT * INTO hcopy FROM h");
    assert_eq!(
        scalar(
            &mut s,
            "SELECT count(*) FROM sys.columns WHERE object_id = OBJECT_ID('hcopy')"
        ),
        "3"
    );
    ok(&mut s, "INSERT INTO h SELECT * FROM hcopy WHERE id = 1");
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM h WHERE id = 1"), "2");
    // The view and the nonclustered index survived the rebuild.
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM hv"), "6");
    assert_one_pass(&mut s, "SELECT id, grp FROM h ORDER BY grp", &[]);
    let plan = s.query_plan("SELECT id FROM h WHERE v = 3", &[]).unwrap();
    assert!(plan.iter().any(|l| l.contains("ix_v")), "{plan:?}");
    // Updates and deletes by the key, and a MERGE.
    ok(&mut s, "UPDATE h SET grp = N'c' WHERE id = 1");
    ok(&mut s, "DELETE FROM h WHERE grp = N'a'");
    ok(
        &mut s,
        "MERGE h AS t USING (SELECT 3 AS id) AS src ON t.id = src.id WHEN MATCHED THEN DELETE;",
    );
    assert_eq!(
        all(&mut s, "SELECT id, grp FROM h ORDER BY id, grp"),
        vec![vec!["1", "c"], vec!["1", "c"]]
    );
    // Back to a heap: the rows and the other index stay.
    ok(&mut s, "DROP INDEX cx ON h");
    assert_eq!(
        indexes(&mut s, "h"),
        vec![
            vec!["0", "0", "HEAP", "NULL"],
            vec!["2", "2", "NONCLUSTERED", "ix_v"]
        ]
    );
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM h"), "2");
    assert_eq!(ok(&mut s, "SELECT * FROM h").results[0].columns.len(), 3);
}

#[test]
fn clustered_index_errors() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE d (a int NOT NULL, b int NOT NULL)");
    ok(&mut s, "INSERT INTO d VALUES (1, 1), (1, 2)");
    let c = run(&mut s, "CREATE UNIQUE CLUSTERED INDEX ux ON d (a)");
    assert_eq!(c.errors[0].number, 1505);
    assert_eq!(c.errors[0].message, "The CREATE UNIQUE INDEX statement terminated because a duplicate key was found for the object name 'dbo.d' and the index name 'ux'. The duplicate key value is (1).");
    assert_eq!(
        indexes(&mut s, "d")[0][2],
        "HEAP",
        "a failed CREATE INDEX changes nothing"
    );
    ok(&mut s, "CREATE UNIQUE CLUSTERED INDEX ux ON d (a, b DESC)");
    let c = run(&mut s, "CREATE CLUSTERED INDEX cx ON d (b)");
    assert_eq!(c.errors[0].number, 1902);
    assert_eq!(c.errors[0].message, "Cannot create more than one clustered index on table 'dbo.d'. Drop the existing clustered index 'ux' before creating another.");
    let c = run(
        &mut s,
        "ALTER TABLE d ADD CONSTRAINT pk_d PRIMARY KEY CLUSTERED (a, b)",
    );
    assert_eq!(c.errors[0].number, 1902);
    let c = run(
        &mut s,
        "CREATE TABLE two (a int PRIMARY KEY, b int UNIQUE CLUSTERED, c int UNIQUE CLUSTERED)",
    );
    assert_eq!(c.errors[0].number, 8112);
    let c = run(&mut s, "ALTER TABLE d DROP COLUMN b");
    assert_eq!(c.errors[0].number, 5074);
    assert_eq!(
        c.errors[0].message,
        "The index 'ux' is dependent on column 'b'."
    );
    assert_eq!(
        all(&mut s, "SELECT a, b FROM d"),
        vec![vec!["1", "2"], vec!["1", "1"]]
    );
}

#[test]
fn primary_key_constraints_added_and_dropped() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE p (id bigint NOT NULL, code varchar(5) NOT NULL, note nvarchar(20) NULL, CONSTRAINT uq_code UNIQUE (code))");
    ok(
        &mut s,
        "INSERT INTO p VALUES (2, 'b', N'two'), (1, 'a', N'one')",
    );
    ok(&mut s, "ALTER TABLE p ADD CONSTRAINT pk_p PRIMARY KEY (id)");
    assert_eq!(
        indexes(&mut s, "p"),
        vec![
            vec!["1", "1", "CLUSTERED", "pk_p"],
            vec!["2", "2", "NONCLUSTERED", "uq_code"]
        ]
    );
    assert_one_pass(&mut s, "SELECT id, code FROM p ORDER BY id", &[]);
    let c = run(&mut s, "INSERT INTO p VALUES (3, 'a', NULL)");
    assert_eq!(c.errors[0].message, "Violation of UNIQUE KEY constraint 'uq_code'. Cannot insert duplicate key in object 'dbo.p'. The duplicate key value is (a).");
    // ADD COLUMN and DROP COLUMN on a keyed table.
    ok(&mut s, "ALTER TABLE p ADD extra int NOT NULL DEFAULT 7");
    ok(&mut s, "ALTER TABLE p DROP COLUMN note");
    assert_eq!(
        all(&mut s, "SELECT * FROM p"),
        vec![vec!["1", "a", "7"], vec!["2", "b", "7"]]
    );
    let c = run(&mut s, "ALTER TABLE p DROP COLUMN id");
    assert_eq!(
        c.errors[0].message,
        "The object 'pk_p' is dependent on column 'id'."
    );
    // Dropping the primary key leaves a heap; dropping the inline UNIQUE lets duplicates in.
    ok(&mut s, "ALTER TABLE p DROP CONSTRAINT pk_p");
    assert_eq!(indexes(&mut s, "p")[0], ["0", "0", "HEAP", "NULL"]);
    ok(&mut s, "ALTER TABLE p DROP CONSTRAINT uq_code");
    ok(&mut s, "INSERT INTO p (id, code) VALUES (1, 'a')");
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM p"), "3");
    // A NONCLUSTERED primary key keeps the heap.
    ok(&mut s, "DELETE FROM p WHERE extra = 0 OR id = 1 AND code = 'a' AND extra = 7 AND id IN (SELECT TOP 1 id FROM p WHERE id = 1)");
    ok(&mut s, "CREATE TABLE q (id int NOT NULL, v int NULL)");
    ok(
        &mut s,
        "ALTER TABLE q ADD CONSTRAINT pk_q PRIMARY KEY NONCLUSTERED (id)",
    );
    assert_eq!(
        indexes(&mut s, "q"),
        vec![
            vec!["0", "0", "HEAP", "NULL"],
            vec!["2", "2", "NONCLUSTERED", "pk_q"]
        ]
    );
}

#[test]
fn create_table_clustering_options() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE u (id int NOT NULL PRIMARY KEY NONCLUSTERED, code nchar(3) NOT NULL UNIQUE CLUSTERED)");
    let kinds: Vec<Vec<String>> = indexes(&mut s, "u")
        .into_iter()
        .map(|r| r[..3].to_vec())
        .collect();
    assert_eq!(
        kinds,
        vec![vec!["1", "1", "CLUSTERED"], vec!["2", "2", "NONCLUSTERED"]]
    );
    ok(&mut s, "INSERT INTO u VALUES (1, N'b'), (2, N'a')");
    assert_eq!(
        all(&mut s, "SELECT id, code FROM u"),
        vec![vec!["2", "a  "], vec!["1", "b  "]]
    );
    // A PRIMARY KEY with a UNIQUE CLUSTERED beside it defaults to NONCLUSTERED.
    ok(
        &mut s,
        "CREATE TABLE w (id int PRIMARY KEY, code int NOT NULL UNIQUE CLUSTERED)",
    );
    assert_eq!(scalar(&mut s, "SELECT type_desc FROM sys.indexes WHERE object_id = OBJECT_ID('w') AND is_primary_key = 1"), "NONCLUSTERED");
    // A clustered key on a nullable column: clustered in the catalog, NULLs allowed.
    ok(
        &mut s,
        "CREATE TABLE n (a int NULL UNIQUE CLUSTERED, b int)",
    );
    ok(&mut s, "INSERT INTO n VALUES (NULL, 1), (2, 2)");
    assert_eq!(indexes(&mut s, "n")[0][..3], ["1", "1", "CLUSTERED"]);
    ok(&mut s, "CREATE TABLE m (a int NULL, b int)");
    ok(&mut s, "CREATE CLUSTERED INDEX cm ON m (a)");
    ok(&mut s, "INSERT INTO m VALUES (NULL, 1), (NULL, 2)");
    assert_eq!(ok(&mut s, "SELECT * FROM m").results[0].columns.len(), 2);
}

#[test]
fn catalog_reports_partitions_and_index_columns() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE c (a int NOT NULL, b datetime2 NOT NULL, v int NULL, CONSTRAINT pk_c PRIMARY KEY (a, b DESC))");
    ok(&mut s, "CREATE INDEX ix_cv ON c (v) INCLUDE (b)");
    assert_one_pass(&mut s, "SELECT a, b, v FROM c ORDER BY a, b DESC", &[]);
    ok(
        &mut s,
        "INSERT INTO c VALUES (1, '2024-01-01', 1), (2, '2024-01-01', NULL), (2, '2024-01-02', 3)",
    );
    assert_eq!(
        all(&mut s, "SELECT index_id, rows, partition_number FROM sys.partitions WHERE object_id = OBJECT_ID('c') ORDER BY index_id"),
        vec![vec!["1", "3", "1"], vec!["2", "3", "1"]]
    );
    assert_eq!(
        all(&mut s, "SELECT index_id, key_ordinal, column_id, is_descending_key, is_included_column FROM sys.index_columns WHERE object_id = OBJECT_ID('c') ORDER BY index_id, index_column_id"),
        vec![
            vec!["1", "1", "1", "0", "0"],
            vec!["1", "2", "2", "1", "0"],
            vec!["2", "1", "3", "0", "0"],
            vec!["2", "0", "2", "0", "1"],
        ]
    );
    let pages = scalar(&mut s, "SELECT a.used_pages FROM sys.allocation_units a JOIN sys.partitions p ON a.container_id = p.hobt_id WHERE p.object_id = OBJECT_ID('c') AND p.index_id = 1");
    assert!(pages.parse::<i64>().unwrap() >= 1, "{pages}");
    assert_eq!(
        all(
            &mut s,
            "SELECT a, CONVERT(varchar(10), b, 120) FROM c ORDER BY a, b DESC"
        ),
        vec![
            vec!["1", "2024-01-01"],
            vec!["2", "2024-01-02"],
            vec!["2", "2024-01-01"]
        ],
        "b is descending within a"
    );
}

#[test]
fn keyed_tables_and_uniquifiers_persist() {
    let dir = std::env::temp_dir().join(format!("tsql-engine-storage-{}", std::process::id()));
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
            "CREATE TABLE ev (at int NOT NULL, what int); CREATE CLUSTERED INDEX cx ON ev (at)",
        );
        ok(&mut s, "INSERT INTO ev VALUES (1, 1), (1, 2)");
    }
    {
        let e = tsql_engine::Engine::open(opts).expect("reopens");
        let mut s = e.session("sa", "keep", 1).expect("session");
        ok(&mut s, "INSERT INTO ev VALUES (1, 3), (0, 4)");
        assert_eq!(
            all(&mut s, "SELECT what FROM ev"),
            vec![vec!["4"], vec!["1"], vec!["2"], vec!["3"]]
        );
        assert_eq!(ok(&mut s, "SELECT * FROM ev").results[0].columns.len(), 2);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Asserts SQLite reads `sql` in one pass over the table's own b-tree: no sort, no lookup
/// through a separate index.
fn assert_one_pass(s: &mut tsql_engine::Session, sql: &str, params: &[Param]) {
    let plan = s.query_plan(sql, params).expect("plans");
    assert!(
        plan.iter()
            .all(|l| !l.contains("TEMP B-TREE") && !l.contains("INDEX")),
        "{sql}: {plan:?}"
    );
    assert_eq!(plan.len(), 1, "{sql}: {plan:?}");
}

fn text(name: &str, v: &str) -> Param {
    Param {
        name: name.into(),
        ty: SqlType::NVarChar(Some(4000)),
        value: Value::String(v.into()),
        output: false,
    }
}

#[test]
fn reads_in_clustered_key_order_are_one_pass() {
    let e = engine();
    let mut s = session(&e);
    let keys = [
        ("int", "1", "2"),
        ("bigint", "1", "2"),
        ("nvarchar(20)", "a", "b"),
        (
            "uniqueidentifier",
            "00000000-0000-0000-0000-000000000001",
            "6F9619FF-8B86-D011-B42D-00C04FC964FF",
        ),
        ("datetime2", "2024-01-01 00:00:00", "2024-01-02 00:00:00"),
        ("datetime2(3)", "2024-01-01 00:00:00", "2024-01-02 00:00:00"),
        ("datetime", "2024-01-01 00:00:00", "2024-01-02 00:00:00"),
        ("date", "2024-01-01", "2024-01-02"),
        ("decimal(18,4)", "1.5", "2.5"),
        ("varchar(12)", "a", "b"),
    ];
    for (n, (ty, lo, hi)) in keys.iter().enumerate() {
        let t = format!("k{n}");
        ok(
            &mut s,
            &format!("CREATE TABLE {t} (k {ty} NOT NULL PRIMARY KEY, v int)"),
        );
        ok(
            &mut s,
            &format!("INSERT INTO {t} VALUES ('{lo}', 1), ('{hi}', 2)"),
        );
        assert_one_pass(&mut s, &format!("SELECT k, v FROM {t} ORDER BY k"), &[]);
        assert_one_pass(
            &mut s,
            &format!("SELECT [k], [v] FROM [dbo].[{t}] ORDER BY [k]"),
            &[],
        );
        // source-mssql's resume after a saved key.
        let cast = if *ty == "datetime" {
            "CAST(CAST(@P1 AS datetime2(7)) AS datetime)".to_string()
        } else {
            format!("CAST(@P1 AS {ty})")
        };
        assert_one_pass(
            &mut s,
            &format!("SELECT [k], [v] FROM [dbo].[{t}] WHERE [k] > {cast} ORDER BY [k]"),
            &[text("@P1", lo)],
        );
        let c = run(
            &mut s,
            &format!("SELECT v FROM {t} WHERE k > '{lo}' ORDER BY k"),
        );
        assert_eq!(rows(&c), vec![vec!["2"]], "{ty}");
    }
    // Composite keys, with the keyset-resume form.
    ok(&mut s, "CREATE TABLE comp (id bigint NOT NULL, code nvarchar(12) NOT NULL, at datetime2(3) NOT NULL, g uniqueidentifier NOT NULL, v int, PRIMARY KEY (id, code, at, g))");
    ok(&mut s, "INSERT INTO comp VALUES (1, N'a', '2024-01-01', NEWID(), 1), (1, N'B', '2024-01-01', NEWID(), 2), (2, N'a', '2024-01-01', NEWID(), 3)");
    assert_one_pass(
        &mut s,
        "SELECT id, code, at, g, v FROM comp ORDER BY id, code, at, g",
        &[],
    );
    let resume = "SELECT [id], [code], [at], [g], [v] FROM [dbo].[comp] WHERE [id] >= CAST(@P1 AS bigint) AND ([id] > CAST(@P1 AS bigint) OR [code] >= CAST(@P2 AS nvarchar(12)) AND ([code] > CAST(@P2 AS nvarchar(12)) OR [at] >= CAST(@P3 AS datetime2(3)) AND ([at] > CAST(@P3 AS datetime2(3)) OR [g] > CAST(@P4 AS uniqueidentifier)))) ORDER BY [id], [code], [at], [g]";
    let params = [
        text("@P1", "1"),
        text("@P2", "a"),
        text("@P3", "2024-01-01"),
        text("@P4", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"),
    ];
    assert_one_pass(&mut s, resume, &params);
    let plan = s.query_plan(resume, &params).unwrap();
    assert!(
        plan[0].contains("SEARCH"),
        "the resume seeks to the saved key: {plan:?}"
    );
    let mut c = common::Collect::default();
    let mut p = params.to_vec();
    s.execute(resume, &mut p, &mut c).unwrap();
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(
        rows(&c).iter().map(|r| r[4].clone()).collect::<Vec<_>>(),
        ["2", "3"]
    );
    // Descending keys read backwards in one pass too.
    ok(
        &mut s,
        "CREATE TABLE dk (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a DESC, b))",
    );
    assert_one_pass(&mut s, "SELECT a, b FROM dk ORDER BY a DESC, b", &[]);
}

#[test]
fn keyed_order_is_sql_servers() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE g (id uniqueidentifier NOT NULL PRIMARY KEY, n int)",
    );
    // SQL Server orders uniqueidentifier by its last six bytes first.
    ok(&mut s, "INSERT INTO g VALUES ('00000000-0000-0000-0000-000000000002', 1), ('FF000000-0000-0000-0000-000000000001', 2), ('00000000-0000-0000-0100-000000000000', 3)");
    assert_eq!(
        all(&mut s, "SELECT n FROM g"),
        vec![vec!["3"], vec!["2"], vec!["1"]]
    );
    ok(
        &mut s,
        "CREATE TABLE c (name nvarchar(10) NOT NULL PRIMARY KEY)",
    );
    ok(&mut s, "INSERT INTO c VALUES (N'b'), (N'A'), (N'c')");
    for dup in ["B", "a "] {
        let c = run(&mut s, &format!("INSERT INTO c VALUES (N'{dup}')"));
        assert_eq!(c.errors[0].number, 2627, "{dup:?}");
    }
    assert_eq!(
        all(&mut s, "SELECT name FROM c"),
        vec![vec!["A"], vec!["b"], vec!["c"]]
    );
}
