//! Built-ins and table-valued functions, checked against the results Microsoft's T-SQL
//! reference documents: JSON_VALUE/JSON_QUERY/ISJSON/JSON_MODIFY, OPENJSON, STRING_SPLIT,
//! CROSS/OUTER APPLY over them, PARSENAME, CHOOSE, HASHBYTES, COLUMNPROPERTY,
//! DATABASEPROPERTYEX.

mod common;
use common::*;
use tsql_engine::{SqlType, Value};

fn err(s: &mut tsql_engine::Session, sql: &str) -> (i32, String) {
    let c = run(s, sql);
    let e = c
        .errors
        .first()
        .unwrap_or_else(|| panic!("{sql}: expected an error, got {:?}", rows(&c)));
    (e.number, e.message.clone())
}

const INFO: &str = r#"DECLARE @j nvarchar(max) = N'{"info":{"type":1,"address":{"town":"Bristol","county":"Avon","country":"England"},"tags":["Sport", "Water polo"]},"type":"Basic"}';"#;

#[test]
fn json_value_lax_and_strict_as_documented() {
    let e = engine();
    let mut s = session(&e);
    let q = |p: &str| format!("{INFO} SELECT JSON_VALUE(@j, '{p}')");
    // The reference's table: lax NULL / strict error for everything but scalars.
    assert_eq!(scalar(&mut s, &q("$.info.type")), "1");
    assert_eq!(scalar(&mut s, &q("$.info.address.town")), "Bristol");
    for p in [
        "$",
        "$.info.\"address\"",
        "$.info.tags",
        "$.info.type[0]",
        "$.info.none",
    ] {
        assert_eq!(scalar(&mut s, &q(p)), "NULL", "{p}");
    }
    assert_eq!(err(&mut s, &q("strict $")).0, 13623);
    assert_eq!(err(&mut s, &q("strict $.info.tags")).0, 13623);
    let (n, m) = err(&mut s, &q("strict $.info.none"));
    assert_eq!(
        (n, m.as_str()),
        (
            13608,
            "Property cannot be found on the specified JSON path."
        )
    );
    assert_eq!(err(&mut s, &q("strict $.info.type[0]")).0, 13608);
    let c = ok(&mut s, &q("$.info.tags[1]"));
    assert_eq!(rows(&c), vec![vec!["Water polo"]]);
    assert_eq!(c.results[0].columns[0].ty, SqlType::NVarChar(Some(4000)));
    // A malformed path, malformed text, NULL.
    let (n, m) = err(&mut s, "SELECT JSON_VALUE('{}', '$.a[x]')");
    assert_eq!(n, 13607);
    assert!(m.contains("'x' is found at position 4"), "{m}");
    assert_eq!(err(&mut s, "SELECT JSON_VALUE('{\"a\":1', '$.b')").0, 13609);
    assert_eq!(scalar(&mut s, "SELECT JSON_VALUE(NULL, '$.a')"), "NULL");
    // Over 4000 characters: NULL in lax mode, 13625 in strict mode.
    let long = r#"SELECT JSON_VALUE(N'{"a":"' + REPLICATE(CAST(N'x' AS nvarchar(max)), 4001) + N'"}', '{}')"#;
    assert_eq!(scalar(&mut s, &long.replace("'{}'", "'$.a'")), "NULL");
    assert_eq!(err(&mut s, &long.replace("'{}'", "'strict $.a'")).0, 13625);
}

#[test]
fn json_query_isjson_and_modify() {
    let e = engine();
    let mut s = session(&e);
    let c = ok(&mut s, &format!("{INFO} SELECT JSON_QUERY(@j, '$.info.tags'), JSON_QUERY(@j, '$.info.type'), JSON_QUERY('[1, 2]')"));
    assert_eq!(
        rows(&c),
        vec![vec![r#"["Sport", "Water polo"]"#, "NULL", "[1, 2]"]]
    );
    assert_eq!(c.results[0].columns[0].ty, SqlType::NVarChar(None));
    assert_eq!(
        err(
            &mut s,
            &format!("{INFO} SELECT JSON_QUERY(@j, 'strict $.info.type')")
        )
        .0,
        13624
    );
    let c = ok(&mut s, "SELECT ISJSON('{\"a\":1}'), ISJSON('[1'), ISJSON('123'), ISJSON('123', VALUE), ISJSON('true', SCALAR), ISJSON('\"x\"', SCALAR), ISJSON('[]', OBJECT), ISJSON(NULL)");
    assert_eq!(
        rows(&c),
        vec![vec!["1", "0", "0", "1", "0", "1", "0", "NULL"]]
    );
    let c = ok(
        &mut s,
        r#"DECLARE @info nvarchar(100) = '{"name":"John","skills":["C#","SQL"]}';
        SET @info = JSON_MODIFY(@info, '$.name', 'Mike');
        SET @info = JSON_MODIFY(@info, '$.surname', 'Smith');
        SET @info = JSON_MODIFY(@info, '$.name', NULL);
        SET @info = JSON_MODIFY(@info, 'append $.skills', 'Azure');
        SELECT @info"#,
    );
    assert_eq!(
        rows(&c),
        vec![vec![r#"{"skills":["C#","SQL","Azure"],"surname":"Smith"}"#]]
    );
    // Numbers stay numbers, strings are escaped, JSON_QUERY's result is inserted as JSON.
    let c = ok(
        &mut s,
        r#"SELECT JSON_MODIFY('{"price":49.99}', '$.price', CAST(12.50 AS numeric(4,2))),
        JSON_MODIFY('{"a":1}', '$.a', 'x"y'), JSON_MODIFY('{"a":1}', '$.a', JSON_QUERY('["C#","T-SQL"]')),
        JSON_MODIFY('{"a":1}', '$.a', '["C#"]')"#,
    );
    assert_eq!(
        rows(&c),
        vec![vec![
            r#"{"price":12.50}"#,
            r#"{"a":"x\"y"}"#,
            r#"{"a":["C#","T-SQL"]}"#,
            r#"{"a":"[\"C#\"]"}"#
        ]]
    );
    assert_eq!(
        err(&mut s, "SELECT JSON_MODIFY('{}', 'strict $.a', 1)").0,
        13608
    );
}

#[test]
fn openjson_default_schema_and_with_clause() {
    let e = engine();
    let mut s = session(&e);
    let c = ok(
        &mut s,
        r#"DECLARE @json nvarchar(4000) = N'{"StringValue":"John","IntValue":45,"TrueValue":true,"FalseValue":false,"NullValue":null,"ArrayValue":["a","r","r","a","y"],"ObjectValue":{"obj":"ect"}}';
        SELECT * FROM OPENJSON(@json)"#,
    );
    assert_eq!(
        rows(&c),
        vec![
            vec!["StringValue", "John", "1"],
            vec!["IntValue", "45", "2"],
            vec!["TrueValue", "true", "3"],
            vec!["FalseValue", "false", "3"],
            vec!["NullValue", "NULL", "0"],
            vec!["ArrayValue", r#"["a","r","r","a","y"]"#, "4"],
            vec!["ObjectValue", r#"{"obj":"ect"}"#, "5"],
        ]
    );
    let cols = &c.results[0].columns;
    assert_eq!(
        cols.iter()
            .map(|c| (c.name.as_str(), c.ty))
            .collect::<Vec<_>>(),
        vec![
            ("key", SqlType::NVarChar(Some(4000))),
            ("value", SqlType::NVarChar(None)),
            ("type", SqlType::Int)
        ]
    );
    let c = ok(
        &mut s,
        r#"DECLARE @json nvarchar(4000) = N'{"path":{"to":{"sub-object":["en-GB", "en-UK","de-AT"]}}}';
        SELECT [key], value FROM OPENJSON(@json, '$.path.to."sub-object"')"#,
    );
    assert_eq!(
        rows(&c),
        vec![vec!["0", "en-GB"], vec!["1", "en-UK"], vec!["2", "de-AT"]]
    );
    let c = ok(
        &mut s,
        r#"DECLARE @json nvarchar(max) = N'[
          {"Order":{"Number":"SO43659","Date":"2011-05-31T00:00:00"},"AccountNumber":"AW29825","Item":{"Price":2024.9940,"Quantity":1}},
          {"Order":{"Number":"SO43661","Date":"2011-06-01T00:00:00"},"AccountNumber":"AW73565","Item":{"Price":2024.9940,"Quantity":3}}]';
        SELECT * FROM OPENJSON(@json) WITH (Number varchar(200) '$.Order.Number', Date datetime '$.Order.Date',
            Customer varchar(200) '$.AccountNumber', Quantity int '$.Item.Quantity', [Order] nvarchar(MAX) AS JSON)"#,
    );
    let r = &c.results[0];
    assert_eq!(
        r.columns
            .iter()
            .map(|c| (c.name.as_str(), c.ty))
            .collect::<Vec<_>>(),
        vec![
            ("Number", SqlType::VarChar(Some(200))),
            ("Date", SqlType::DateTime),
            ("Customer", SqlType::VarChar(Some(200))),
            ("Quantity", SqlType::Int),
            ("Order", SqlType::NVarChar(None)),
        ]
    );
    assert_eq!(rows(&c)[1][0], "SO43661");
    assert_eq!(r.rows[1][3], Value::Int(3));
    assert_eq!(
        rows(&c)[0][4],
        r#"{"Number":"SO43659","Date":"2011-05-31T00:00:00"}"#
    );
    assert!(
        matches!(r.rows[0][1], Value::DateTime { .. }),
        "{:?}",
        r.rows[0][1]
    );
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM OPENJSON(NULL)"), "0");
    assert_eq!(
        scalar(&mut s, "SELECT count(*) FROM OPENJSON('{\"a\":1}', '$.b')"),
        "0"
    );
    assert_eq!(
        err(&mut s, "SELECT * FROM OPENJSON('{\"a\":1}', 'strict $.b')").0,
        13608
    );
    assert_eq!(
        err(&mut s, "SELECT * FROM OPENJSON('{\"a\":1}', 'strict $.a')").0,
        13611
    );
    assert_eq!(err(&mut s, "SELECT * FROM OPENJSON('[1,]')").0, 13609);
    assert_eq!(
        err(&mut s, "SELECT * FROM OPENJSON('[]') WITH (a int AS JSON)").0,
        13618
    );
}

#[test]
fn string_split_with_and_without_ordinal() {
    let e = engine();
    let mut s = session(&e);
    let c = ok(
        &mut s,
        "SELECT value FROM STRING_SPLIT('Lorem ipsum  dolor', ' ')",
    );
    assert_eq!(
        rows(&c),
        vec![vec!["Lorem"], vec!["ipsum"], vec![""], vec!["dolor"]]
    );
    assert_eq!(c.results[0].columns[0].ty, SqlType::VarChar(Some(18)));
    let c = ok(
        &mut s,
        "SELECT * FROM STRING_SPLIT(N'a,b,c', ',', 1) ORDER BY ordinal DESC",
    );
    assert_eq!(
        rows(&c),
        vec![vec!["c", "3"], vec!["b", "2"], vec!["a", "1"]]
    );
    let cols = &c.results[0].columns;
    assert_eq!(
        (cols[0].name.as_str(), cols[0].ty),
        ("value", SqlType::NVarChar(Some(5)))
    );
    assert_eq!(
        (cols[1].name.as_str(), cols[1].ty),
        ("ordinal", SqlType::BigInt)
    );
    let c = ok(&mut s, "SELECT * FROM STRING_SPLIT('a,b', ',')");
    assert_eq!(c.results[0].columns.len(), 1);
    assert_eq!(
        scalar(&mut s, "SELECT count(*) FROM STRING_SPLIT(NULL, ',')"),
        "0"
    );
    assert_eq!(err(&mut s, "SELECT * FROM STRING_SPLIT('a', ',,')").0, 214);
    assert_eq!(
        err(
            &mut s,
            "DECLARE @o int = 1; SELECT * FROM STRING_SPLIT('a', ',', @o)"
        )
        .0,
        8748
    );
    assert_eq!(err(&mut s, "SELECT * FROM STRING_SPLIT('a')").0, 313);
    // Joined like a table.
    ok(
        &mut s,
        "CREATE TABLE dbo.p (id int PRIMARY KEY, name varchar(10))",
    );
    ok(
        &mut s,
        "INSERT INTO p VALUES (1, 'one'), (2, 'two'), (3, 'three')",
    );
    let c = ok(
        &mut s,
        "SELECT p.name FROM p INNER JOIN OPENJSON(N'[1,3]') AS t ON p.id = t.value ORDER BY p.id",
    );
    assert_eq!(rows(&c), vec![vec!["one"], vec!["three"]]);
    let c = ok(
        &mut s,
        "SELECT name FROM p WHERE id IN (SELECT value FROM STRING_SPLIT('2,3', ',')) ORDER BY id",
    );
    assert_eq!(rows(&c), vec![vec!["two"], vec!["three"]]);
}

#[test]
fn cross_and_outer_apply_over_table_valued_functions() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE dbo.orders (id int PRIMARY KEY, tags nvarchar(100), reasons nvarchar(max))",
    );
    ok(
        &mut s,
        r#"INSERT INTO orders VALUES (1, N'red,big', N'[{"r":"Price","w":2},{"r":"Quality","w":5}]'), (2, NULL, N'[]'), (3, N'small', NULL)"#,
    );
    let c = ok(&mut s, "SELECT o.id, t.value FROM orders o CROSS APPLY STRING_SPLIT(o.tags, ',') t ORDER BY o.id, t.value");
    assert_eq!(
        rows(&c),
        vec![vec!["1", "big"], vec!["1", "red"], vec!["3", "small"]]
    );
    assert_eq!(c.results[0].columns[1].ty, SqlType::NVarChar(Some(100)));
    let c = ok(&mut s, "SELECT o.id, value FROM orders o OUTER APPLY STRING_SPLIT(o.tags, ',') ORDER BY o.id, value");
    assert_eq!(
        rows(&c),
        vec![
            vec!["1", "big"],
            vec!["1", "red"],
            vec!["2", "NULL"],
            vec!["3", "small"]
        ]
    );
    let c = ok(&mut s, "SELECT o.id, r.reason, r.weight FROM orders o CROSS APPLY OPENJSON(o.reasons) WITH (reason nvarchar(20) '$.r', weight int '$.w') AS r ORDER BY r.weight DESC");
    assert_eq!(
        rows(&c),
        vec![vec!["1", "Quality", "5"], vec!["1", "Price", "2"]]
    );
    assert_eq!(c.results[0].columns[2].ty, SqlType::Int);
    let c = ok(&mut s, "SELECT * FROM orders o CROSS APPLY OPENJSON(o.reasons) WITH (reason nvarchar(20) '$.r') r WHERE o.id = 1 ORDER BY r.reason");
    let cols: Vec<&str> = c.results[0]
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(cols, vec!["id", "tags", "reasons", "reason"]);
    assert_eq!(rows(&c)[0][3], "Price");
    // The function's columns in WHERE, GROUP BY and a correlated subquery.
    let c = ok(&mut s, "SELECT t.value, count(*) AS n FROM orders o CROSS APPLY STRING_SPLIT(o.tags, ',') t WHERE t.value <> 'big' GROUP BY t.value ORDER BY t.value");
    assert_eq!(rows(&c), vec![vec!["red", "1"], vec!["small", "1"]]);
}

#[test]
fn parsename_choose_and_hashbytes() {
    let e = engine();
    let mut s = session(&e);
    let c = ok(&mut s, "SELECT PARSENAME('AdventureWorksPDW2012.dbo.DimCustomer', 1), PARSENAME('AdventureWorksPDW2012.dbo.DimCustomer', 2), PARSENAME('AdventureWorksPDW2012.dbo.DimCustomer', 3), PARSENAME('AdventureWorksPDW2012.dbo.DimCustomer', 4), PARSENAME('[my server].[a.b]..[t]', 2), PARSENAME('[my server].[a.b]..[t]', 3), PARSENAME('a.b.c.d.e', 1), PARSENAME(NULL, 1)");
    assert_eq!(
        rows(&c),
        vec![vec![
            "DimCustomer",
            "dbo",
            "AdventureWorksPDW2012",
            "NULL",
            "NULL",
            "a.b",
            "NULL",
            "NULL"
        ]]
    );
    assert_eq!(c.results[0].columns[0].ty, SqlType::NVarChar(Some(128)));
    let c = ok(&mut s, "SELECT CHOOSE(3, 'Manager', 'Director', 'Developer', 'Tester'), CHOOSE(5, 'a', 'b'), CHOOSE(NULL, 'a')");
    assert_eq!(rows(&c), vec![vec!["Developer", "NULL", "NULL"]]);
    let hex =
        |s: &mut tsql_engine::Session, sql: &str| match ok(s, sql).results[0].rows[0][0].clone() {
            Value::Bytes(b) => b.iter().map(|x| format!("{x:02X}")).collect::<String>(),
            other => format!("{other:?}"),
        };
    // Known digests: varchar hashes its code page bytes, nvarchar its UTF-16LE bytes.
    assert_eq!(
        hex(&mut s, "SELECT HASHBYTES('SHA2_256', 'abc')"),
        "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
    );
    assert_eq!(
        hex(&mut s, "SELECT HASHBYTES('MD5', 'abc')"),
        "900150983CD24FB0D6963F7D28E17F72"
    );
    assert_eq!(
        hex(&mut s, "SELECT HASHBYTES('SHA1', N'abc')"),
        "9F04F41A848514162050E3D68C1A7ABB441DC2B5"
    );
    assert_eq!(
        hex(&mut s, "SELECT HASHBYTES('MD4', 'abc')"),
        "A448017AAF21D8525FC10AE87AA6729D"
    );
    assert_eq!(
        hex(&mut s, "SELECT HASHBYTES('MD2', 'abc')"),
        "DA853B0D3F88D99B30283A69E6DED6BB"
    );
    assert_eq!(
        hex(&mut s, "SELECT HASHBYTES('SHA2_512', 0x616263)").len(),
        128
    );
    assert_eq!(
        hex(&mut s, "SELECT HASHBYTES('MD5', 'é')"),
        hex(&mut s, "SELECT HASHBYTES('MD5', 0xE9)")
    );
    let c = ok(
        &mut s,
        "SELECT HASHBYTES('SHA3_256', 'abc'), HASHBYTES('MD5', NULL)",
    );
    assert_eq!(rows(&c), vec![vec!["NULL", "NULL"]]);
    assert_eq!(c.results[0].columns[0].ty, SqlType::VarBinary(Some(8000)));
}

#[test]
fn columnproperty_and_databasepropertyex() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE dbo.cp (id int IDENTITY(1,1) PRIMARY KEY, name nvarchar(50) NULL, amount decimal(10,2) NOT NULL, body varchar(max), at datetime2(3))");
    let q = |col: &str, prop: &str| {
        format!("SELECT COLUMNPROPERTY(OBJECT_ID('dbo.cp'), '{col}', '{prop}')")
    };
    for (col, prop, want) in [
        ("id", "IsIdentity", "1"),
        ("name", "IsIdentity", "0"),
        ("name", "AllowsNull", "1"),
        ("amount", "AllowsNull", "0"),
        ("name", "PRECISION", "50"),
        ("amount", "Precision", "10"),
        ("amount", "Scale", "2"),
        ("body", "Precision", "-1"),
        ("name", "charmaxlen", "50"),
        ("name", "octetmaxlen", "100"),
        ("id", "ColumnId", "1"),
        ("amount", "IsComputed", "0"),
        ("at", "Scale", "3"),
        ("nope", "AllowsNull", "NULL"),
        ("id", "NoSuchProperty", "NULL"),
    ] {
        assert_eq!(scalar(&mut s, &q(col, prop)), want, "{col} {prop}");
    }
    let c = ok(&mut s, &q("id", "IsIdentity"));
    assert_eq!(c.results[0].columns[0].ty, SqlType::Int);
    let c = ok(&mut s, "SELECT DATABASEPROPERTYEX(DB_NAME(), 'Collation'), DATABASEPROPERTYEX('testdb', 'Status'), DATABASEPROPERTYEX('testdb', 'Updateability'), DATABASEPROPERTYEX('testdb', 'UserAccess'), DATABASEPROPERTYEX('testdb', 'IsAutoClose'), DATABASEPROPERTYEX('nodb', 'Status'), DATABASEPROPERTYEX('testdb', 'Bogus')");
    assert_eq!(c.results[0].columns[0].ty, SqlType::SqlVariant);
    let shown: Vec<String> = c.results[0].rows[0]
        .iter()
        .map(|v| match v {
            Value::Variant(b) => show(&b.1),
            other => show(other),
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            "SQL_Latin1_General_CP1_CI_AS",
            "ONLINE",
            "READ_WRITE",
            "MULTI_USER",
            "0",
            "NULL",
            "NULL"
        ]
    );
    assert_eq!(
        scalar(
            &mut s,
            "SELECT CAST(DATABASEPROPERTYEX('master', 'Recovery') AS nvarchar(20))"
        ),
        "SIMPLE"
    );
}

/// The text of a FOR JSON / FOR XML result: its rows joined, as clients are told to.
fn joined(c: &Collect) -> String {
    rows(c).into_iter().map(|r| r[0].clone()).collect()
}

#[test]
fn for_json_path_auto_and_options() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE dbo.emp (id int PRIMARY KEY, name nvarchar(20), dept varchar(10), pay decimal(10,2), active bit, hired datetime2(0), photo varbinary(10))");
    ok(&mut s, "INSERT INTO emp VALUES (1, N'Ann/\"A\"', 'eng', 12.50, 1, '2020-01-02 03:04:05', 0x0102), (2, N'Bob', NULL, 7, 0, NULL, NULL)");
    let c = ok(
        &mut s,
        "SELECT id, name, dept, pay, active, hired, photo FROM emp ORDER BY id FOR JSON PATH",
    );
    let r = &c.results[0];
    assert_eq!(r.columns.len(), 1);
    assert_eq!(
        r.columns[0].name,
        "JSON_F52E2B61-18A1-11d1-B105-00805F49916B"
    );
    assert_eq!(r.columns[0].ty, SqlType::NVarChar(None));
    assert_eq!(
        joined(&c),
        r#"[{"id":1,"name":"Ann\/\"A\"","dept":"eng","pay":12.50,"active":true,"hired":"2020-01-02T03:04:05","photo":"AQI="},{"id":2,"name":"Bob","pay":7.00,"active":false}]"#
    );
    let c = ok(&mut s, "SELECT id AS [emp.id], name AS [emp.name], dept AS [where] FROM emp WHERE id = 2 FOR JSON PATH, INCLUDE_NULL_VALUES");
    assert_eq!(
        joined(&c),
        r#"[{"emp":{"id":2,"name":"Bob"},"where":null}]"#
    );
    let c = ok(
        &mut s,
        "SELECT id, name FROM emp WHERE id = 1 FOR JSON PATH, WITHOUT_ARRAY_WRAPPER",
    );
    assert_eq!(joined(&c), r#"{"id":1,"name":"Ann\/\"A\""}"#);
    let c = ok(
        &mut s,
        "SELECT id FROM emp ORDER BY id FOR JSON AUTO, ROOT('emps')",
    );
    assert_eq!(joined(&c), r#"{"emps":[{"id":1},{"id":2}]}"#);
    let c = ok(&mut s, "SELECT * FROM emp WHERE id = 2 FOR JSON AUTO");
    assert_eq!(
        joined(&c),
        r#"[{"id":2,"name":"Bob","pay":7.00,"active":false}]"#
    );
    // Nested: a FOR JSON subquery is JSON inside FOR JSON, text outside it.
    let c = ok(&mut s, "SELECT e.id, (SELECT value AS tag FROM STRING_SPLIT('x,y', ',') FOR JSON PATH) AS tags FROM emp e WHERE e.id = 1 FOR JSON PATH");
    assert_eq!(joined(&c), r#"[{"id":1,"tags":[{"tag":"x"},{"tag":"y"}]}]"#);
    let c = ok(
        &mut s,
        "SELECT (SELECT id FROM emp ORDER BY id FOR JSON PATH) AS j",
    );
    assert_eq!(rows(&c), vec![vec![r#"[{"id":1},{"id":2}]"#]]);
    assert_eq!(c.results[0].columns[0].ty, SqlType::NVarChar(None));
    assert_eq!(
        scalar(
            &mut s,
            "SELECT (SELECT id FROM emp WHERE id > 5 FOR JSON PATH)"
        ),
        "NULL"
    );
    // No rows at the top: an empty result.
    let c = ok(&mut s, "SELECT id FROM emp WHERE id > 5 FOR JSON PATH");
    assert!(rows(&c).is_empty());
    // Long results come in rows of 2033 characters.
    let c = ok(
        &mut s,
        "SELECT REPLICATE(CAST('x' AS varchar(max)), 5000) AS v FOR JSON PATH",
    );
    let lens: Vec<usize> = rows(&c).iter().map(|r| r[0].chars().count()).collect();
    assert_eq!(lens, vec![2033, 2033, 5000 + 10 - 2 * 2033]);
    assert_eq!(err(&mut s, "SELECT id + 1 FROM emp FOR JSON PATH").0, 13605);
    assert_eq!(err(&mut s, "SELECT 1 AS a, 2 AS A FOR JSON PATH").0, 13601);
    assert_eq!(err(&mut s, "SELECT 1 AS [a..b] FOR JSON PATH").0, 13603);
    assert_eq!(
        err(
            &mut s,
            "SELECT 1 AS a FOR JSON PATH, ROOT('r'), WITHOUT_ARRAY_WRAPPER"
        )
        .0,
        13620
    );
    assert_eq!(err(&mut s, "SELECT 1 AS a FOR JSON AUTO").0, 13600);
}

#[test]
fn for_json_auto_nests_joined_tables() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE #class (cid int, ClassName nvarchar(32))",
    );
    ok(
        &mut s,
        "CREATE TABLE #student (StudentName nvarchar(32), cid int NULL)",
    );
    ok(
        &mut s,
        "INSERT INTO #class VALUES (1, 'Algebra Math'), (2, 'Calculus Math'), (3, 'Art Painting')",
    );
    ok(&mut s, "INSERT INTO #student VALUES ('Alice Apple', 1), ('Alice Apple', 2), ('Betty Boot', 2), ('Betty Boot', 3), ('Carla Cap', NULL)");
    let c = ok(&mut s, "SELECT c.ClassName, s.StudentName FROM #class AS c RIGHT JOIN #student AS s ON s.cid = c.cid ORDER BY c.ClassName, s.StudentName FOR JSON AUTO");
    assert_eq!(
        joined(&c),
        r#"[{"s":[{"StudentName":"Carla Cap"}]},{"ClassName":"Algebra Math","s":[{"StudentName":"Alice Apple"}]},{"ClassName":"Art Painting","s":[{"StudentName":"Betty Boot"}]},{"ClassName":"Calculus Math","s":[{"StudentName":"Alice Apple"},{"StudentName":"Betty Boot"}]}]"#
    );
}

#[test]
fn for_xml_path_string_aggregation() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE dbo.x (id int PRIMARY KEY, name varchar(10))",
    );
    ok(
        &mut s,
        "INSERT INTO x VALUES (1, 'a&b'), (2, 'c'), (3, NULL), (4, 'd<e')",
    );
    assert_eq!(
        scalar(
            &mut s,
            "SELECT STUFF((SELECT ',' + name FROM x ORDER BY id FOR XML PATH('')), 1, 1, '')"
        ),
        "a&amp;b,c,d&lt;e"
    );
    assert_eq!(
        scalar(&mut s, "SELECT STUFF((SELECT ',' + name FROM x ORDER BY id FOR XML PATH(''), TYPE).value('.', 'NVARCHAR(MAX)'), 1, 1, '')"),
        "a&b,c,d<e"
    );
    let c = ok(
        &mut s,
        "SELECT id, name FROM x WHERE id < 3 ORDER BY id FOR XML PATH('item'), ROOT('items')",
    );
    assert_eq!(
        c.results[0].columns[0].name,
        "XML_F52E2B61-18A1-11d1-B105-00805F49916B"
    );
    assert_eq!(joined(&c), "<items><item><id>1</id><name>a&amp;b</name></item><item><id>2</id><name>c</name></item></items>");
}

#[test]
fn dm_views_show_sessions_and_partitions() {
    let e = engine();
    let client = tsql_engine::ClientInfo {
        host_name: "wkstn".into(),
        program_name: "report-tool".into(),
        interface_name: "ODBC".into(),
        address: Some("127.0.0.1:50000".parse().unwrap()),
        local_address: Some("127.0.0.1:1433".parse().unwrap()),
        encrypted: Some(false),
    };
    let mut s = e.session_for("sa", "testdb", 53, client).unwrap();
    let other = e.session("bob", "master", 54).unwrap();
    let c = ok(&mut s, "SELECT session_id, login_name, host_name, program_name, status, is_user_process, database_id, client_interface_name FROM sys.dm_exec_sessions ORDER BY session_id");
    assert_eq!(
        rows(&c),
        vec![
            vec![
                "53",
                "sa",
                "wkstn",
                "report-tool",
                "running",
                "1",
                "5",
                "ODBC"
            ],
            vec!["54", "bob", "", "", "sleeping", "1", "1", ""]
        ]
    );
    let cols = &c.results[0].columns;
    assert_eq!(cols[0].ty, SqlType::SmallInt);
    assert_eq!(cols[1].ty, SqlType::NVarChar(Some(128)));
    assert_eq!(cols[5].ty, SqlType::Bit);
    let c = ok(
        &mut s,
        "SELECT login_name FROM sys.dm_exec_sessions WHERE session_id = @@SPID",
    );
    assert_eq!(rows(&c), vec![vec!["sa"]]);
    assert_eq!(
        scalar(&mut s, "SELECT APP_NAME() + '|' + HOST_NAME()"),
        "report-tool|wkstn"
    );
    let c = ok(&mut s, "SELECT session_id, net_transport, client_net_address, client_tcp_port, local_tcp_port, encrypt_option FROM sys.dm_exec_connections");
    assert_eq!(
        rows(&c),
        vec![vec!["53", "TCP", "127.0.0.1", "50000", "1433", "FALSE"]]
    );
    drop(other);
    assert_eq!(
        scalar(&mut s, "SELECT count(*) FROM sys.dm_exec_sessions"),
        "1"
    );
    ok(&mut s, "USE master");
    assert_eq!(
        scalar(&mut s, "SELECT database_id FROM sys.dm_exec_sessions"),
        "1"
    );
    ok(&mut s, "USE testdb");
    ok(
        &mut s,
        "CREATE TABLE dbo.ps (id int PRIMARY KEY, v varchar(100))",
    );
    ok(&mut s, "CREATE INDEX ps_v ON dbo.ps (v)");
    ok(
        &mut s,
        "INSERT INTO ps SELECT value, REPLICATE('x', 100) FROM OPENJSON('[1,2,3,4,5,6,7,8,9,10]')",
    );
    let c = ok(&mut s, "SELECT index_id, partition_number, row_count, CASE WHEN used_page_count > 0 AND reserved_page_count >= used_page_count THEN 1 ELSE 0 END FROM sys.dm_db_partition_stats WHERE object_id = OBJECT_ID('dbo.ps') ORDER BY index_id");
    assert_eq!(
        rows(&c),
        vec![vec!["1", "1", "10", "1"], vec!["2", "1", "10", "1"]]
    );
}

#[test]
fn pivot_unpivot_and_tablesample() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE dbo.sales (yr int, q varchar(2), amount int)",
    );
    ok(&mut s, "INSERT INTO sales VALUES (2023, 'Q1', 10), (2023, 'Q1', 5), (2023, 'Q2', 7), (2024, 'Q2', 1)");
    let c = ok(
        &mut s,
        "SELECT * FROM sales PIVOT (SUM(amount) FOR q IN ([Q1], [Q2], [Q3])) AS p ORDER BY yr",
    );
    assert_eq!(
        rows(&c),
        vec![
            vec!["2023", "15", "7", "NULL"],
            vec!["2024", "NULL", "1", "NULL"]
        ]
    );
    let names: Vec<&str> = c.results[0]
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, vec!["yr", "Q1", "Q2", "Q3"]);
    let c = ok(&mut s, "SELECT p.[Q1] FROM (SELECT q, amount FROM sales) AS src PIVOT (COUNT(amount) FOR q IN ([Q1], [Q2])) AS p");
    assert_eq!(rows(&c), vec![vec!["2"]]);
    ok(&mut s, "CREATE TABLE dbo.wide (id int, a int, b int)");
    ok(&mut s, "INSERT INTO wide VALUES (1, 10, 20), (2, NULL, 30)");
    let c = ok(
        &mut s,
        "SELECT id, col, val FROM wide UNPIVOT (val FOR col IN (a, b)) AS u ORDER BY id, col",
    );
    assert_eq!(
        rows(&c),
        vec![
            vec!["1", "a", "10"],
            vec!["1", "b", "20"],
            vec!["2", "b", "30"]
        ]
    );
    assert_eq!(c.results[0].columns[1].ty, SqlType::NVarChar(Some(128)));
    ok(&mut s, "CREATE TABLE dbo.many (id int PRIMARY KEY, v int)");
    ok(&mut s, "WITH n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO many SELECT i, i FROM n");
    let n: i64 = scalar(&mut s, "SELECT count(*) FROM many TABLESAMPLE (10 PERCENT)")
        .parse()
        .unwrap();
    assert!((30..=200).contains(&n), "10 PERCENT of 1000 rows gave {n}");
    let a = ok(
        &mut s,
        "SELECT id FROM many TABLESAMPLE (5 PERCENT) REPEATABLE (42) ORDER BY id",
    );
    let b = ok(
        &mut s,
        "SELECT id FROM many AS m TABLESAMPLE (5 PERCENT) REPEATABLE (42) ORDER BY id",
    );
    assert_eq!(rows(&a), rows(&b));
    assert!(!rows(&a).is_empty());
    assert_eq!(
        scalar(
            &mut s,
            "SELECT count(*) FROM many TABLESAMPLE (100 PERCENT)"
        ),
        "1000"
    );
    assert_eq!(
        scalar(&mut s, "SELECT count(*) FROM many TABLESAMPLE (0 ROWS)"),
        "0"
    );
}

#[test]
fn catalog_functions_over_columns_of_the_same_name() {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE dbo.cat (id int PRIMARY KEY, name varchar(5))",
    );
    let c = ok(&mut s, "SELECT OBJECT_NAME(object_id), COLUMNPROPERTY(object_id, name, 'ColumnId') FROM sys.columns WHERE object_id = OBJECT_ID('dbo.cat') ORDER BY column_id");
    assert_eq!(rows(&c), vec![vec!["cat", "1"], vec!["cat", "2"]]);
    let c = ok(&mut s, "SELECT DB_NAME(database_id), CAST(DATABASEPROPERTYEX(name, 'Status') AS varchar(10)) FROM sys.databases WHERE name = 'testdb'");
    assert_eq!(rows(&c), vec![vec!["testdb", "ONLINE"]]);
}
