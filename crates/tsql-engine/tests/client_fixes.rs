//! Behaviours the independent client suites found wrong: typed conversions, string typing,
//! sql_variant, rowversion metadata, concurrent writers and unknown-function errors.

mod common;
use common::*;
use tsql_engine::{SqlType, Value};

fn setup() -> (std::sync::Arc<tsql_engine::Engine>, tsql_engine::Session) {
    let e = engine();
    let s = session(&e);
    (e, s)
}

#[test]
fn style_121_prints_the_scale_of_the_type() {
    let (_e, mut s) = setup();
    let cases = [
        (
            "CONVERT(varchar(40), CAST('23:59:59' AS time(0)), 121)",
            "23:59:59",
        ),
        (
            "CONVERT(varchar(40), CAST('9999-12-31 23:59:59' AS datetime2(0)), 121)",
            "9999-12-31 23:59:59",
        ),
        (
            "CONVERT(varchar(40), CAST('2024-01-05 10:00:00.123' AS datetime2(3)), 121)",
            "2024-01-05 10:00:00.123",
        ),
        (
            "CONVERT(varchar(40), CAST('2024-01-05 10:00:00.5' AS datetime), 121)",
            "2024-01-05 10:00:00.500",
        ),
        (
            "CONVERT(varchar(40), CAST('2024-01-05 10:00:00.5' AS datetime2(2)), 126)",
            "2024-01-05T10:00:00.50",
        ),
        (
            "CONVERT(varchar(40), CAST('2024-01-05 10:00:00' AS datetime2(0)), 126)",
            "2024-01-05T10:00:00",
        ),
        (
            "CONVERT(varchar(40), CAST('2024-01-05 10:00:00.5' AS datetime2(3)), 120)",
            "2024-01-05 10:00:00",
        ),
        (
            "CAST(CAST('23:59:59' AS time(0)) AS varchar(40))",
            "23:59:59",
        ),
        (
            "CAST(CAST('23:59:59.12' AS time(2)) AS varchar(40))",
            "23:59:59.12",
        ),
        (
            "CAST(CAST('2024-01-05 10:00:00' AS datetime2(0)) AS varchar(40))",
            "2024-01-05 10:00:00",
        ),
        (
            "CAST(CAST('2024-01-05 10:00:00' AS datetime2) AS varchar(40))",
            "2024-01-05 10:00:00.0000000",
        ),
    ];
    for (expr, want) in cases {
        assert_eq!(scalar(&mut s, &format!("SELECT {expr}")), want, "{expr}");
    }
}

#[test]
fn plain_string_literals_are_varchar() {
    let (_e, mut s) = setup();
    let c = run(&mut s, "SELECT CAST('abc' AS int)");
    assert_eq!(c.errors[0].number, 245);
    assert_eq!(
        c.errors[0].message,
        "Conversion failed when converting the varchar value 'abc' to data type int."
    );
    let c = run(&mut s, "SELECT CAST('abc' AS decimal(10,2))");
    assert_eq!(c.errors[0].number, 8114);
    assert_eq!(
        c.errors[0].message,
        "Error converting data type varchar to numeric."
    );
    let c = run(&mut s, "SELECT CAST(N'abc' AS int)");
    assert_eq!(
        c.errors[0].message,
        "Conversion failed when converting the nvarchar value 'abc' to data type int."
    );
}

#[test]
fn string_functions_of_max_types_stay_max() {
    let (_e, mut s) = setup();
    let c = ok(&mut s, "SELECT REPLICATE(CAST('ab' AS varchar(max)), 1572864) AS r, LEN(REPLICATE(CAST('ab' AS varchar(max)), 1572864)) AS n");
    let r = &c.results[0];
    assert_eq!(r.columns[0].ty, SqlType::VarChar(None));
    assert_eq!(show(&r.rows[0][1]), "3145728");
    match &r.rows[0][0] {
        Value::String(x) => assert_eq!(x.len(), 3_145_728),
        other => panic!("{other:?}"),
    }
    let max = "CAST('ab' AS varchar(max))";
    let nmax = "CAST(N'ab' AS nvarchar(max))";
    for (expr, want) in [
        (format!("REPLACE({max}, 'a', 'b')"), SqlType::VarChar(None)),
        (format!("CONCAT({max}, 'x')"), SqlType::VarChar(None)),
        (format!("SUBSTRING({max}, 1, 1)"), SqlType::VarChar(None)),
        (format!("LEFT({max}, 1)"), SqlType::VarChar(None)),
        (format!("UPPER({max})"), SqlType::VarChar(None)),
        (format!("UPPER({nmax})"), SqlType::NVarChar(None)),
        (format!("REPLICATE({nmax}, 2)"), SqlType::NVarChar(None)),
        (
            "REPLICATE('ab', 2)".to_string(),
            SqlType::VarChar(Some(8000)),
        ),
        (
            "REPLICATE(N'ab', 2)".to_string(),
            SqlType::NVarChar(Some(4000)),
        ),
    ] {
        let c = ok(&mut s, &format!("SELECT {expr}"));
        assert_eq!(c.results[0].columns[0].ty, want, "{expr}");
    }
}

#[test]
fn rowversion_columns_are_not_null() {
    let (_e, mut s) = setup();
    ok(
        &mut s,
        "CREATE TABLE rv (id int NOT NULL PRIMARY KEY, v rowversion)",
    );
    ok(&mut s, "INSERT INTO rv (id) VALUES (1)");
    let c = ok(&mut s, "SELECT v FROM rv");
    assert!(!c.results[0].columns[0].nullable);
    assert_eq!(
        scalar(
            &mut s,
            "SELECT is_nullable FROM sys.columns WHERE object_id = OBJECT_ID('rv') AND name = 'v'"
        ),
        "0"
    );
    assert_eq!(
        scalar(&mut s, "SELECT IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'rv' AND COLUMN_NAME = 'v'"),
        "NO"
    );
}

#[test]
fn unknown_functions_are_error_195_without_internals() {
    let (_e, mut s) = setup();
    let c = run(&mut s, "SELECT NOSUCHFN(1)");
    assert_eq!(c.errors[0].number, 195);
    assert_eq!(c.errors[0].class, 15);
    assert_eq!(
        c.errors[0].message,
        "'NOSUCHFN' is not a recognized built-in function name."
    );
}

#[test]
fn object_property_and_object_id_of_a_parameter() {
    let (_e, mut s) = setup();
    ok(
        &mut s,
        "CREATE TABLE dbo.op (id int IDENTITY PRIMARY KEY, x int)",
    );
    ok(&mut s, "CREATE TABLE dbo.plain (x int)");
    ok(&mut s, "CREATE VIEW dbo.opv AS SELECT x FROM op");
    let q = |s: &mut tsql_engine::Session, obj: &str, prop: &str| {
        scalar(
            s,
            &format!("SELECT OBJECTPROPERTY(OBJECT_ID('{obj}'), '{prop}')"),
        )
    };
    assert_eq!(q(&mut s, "op", "IsUserTable"), "1");
    assert_eq!(q(&mut s, "op", "IsTable"), "1");
    assert_eq!(q(&mut s, "op", "IsView"), "0");
    assert_eq!(q(&mut s, "opv", "IsView"), "1");
    assert_eq!(q(&mut s, "op", "TableHasPrimaryKey"), "1");
    assert_eq!(q(&mut s, "plain", "TableHasPrimaryKey"), "0");
    assert_eq!(q(&mut s, "op", "TableHasIdentity"), "1");
    assert_eq!(q(&mut s, "plain", "TableHasIdentity"), "0");
    assert_eq!(
        scalar(&mut s, "SELECT OBJECTPROPERTY(k.object_id, 'IsPrimaryKey') FROM sys.key_constraints k WHERE k.parent_object_id = OBJECT_ID('op')"),
        "1"
    );
    let literal = scalar(&mut s, "SELECT OBJECT_ID('dbo.op')");
    for name in ["dbo.op", "op", "[dbo].[op]", "testdb.dbo.op"] {
        let mut c = Collect::default();
        let mut params = [tsql_engine::Param {
            name: "@n".into(),
            value: Value::String(name.into()),
            ty: SqlType::NVarChar(Some(100)),
            output: false,
        }];
        s.execute("SELECT OBJECT_ID(@n)", &mut params, &mut c)
            .unwrap();
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(rows(&c)[0][0], literal, "{name}");
    }
}

fn variant_base(v: &Value) -> SqlType {
    match v {
        Value::Variant(inner) => inner.0,
        other => panic!("not a variant: {other:?}"),
    }
}

#[test]
fn sql_variant_keeps_the_base_type() {
    let (_e, mut s) = setup();
    let c = ok(&mut s, "SELECT CAST(N'héllo' AS sql_variant), CAST(CAST(12.34 AS decimal(10,2)) AS sql_variant), CAST('abc' AS sql_variant)");
    let row = &c.results[0].rows[0];
    assert_eq!(variant_base(&row[0]), SqlType::NVarChar(Some(5)));
    assert_eq!(
        variant_base(&row[1]),
        SqlType::Decimal {
            precision: 10,
            scale: 2
        }
    );
    assert_eq!(variant_base(&row[2]), SqlType::VarChar(Some(3)));

    ok(
        &mut s,
        "CREATE TABLE var (id int NOT NULL PRIMARY KEY, v sql_variant NULL)",
    );
    ok(&mut s, "INSERT INTO var VALUES (1, CAST(42 AS int)), (2, CAST(N'héllo' AS nvarchar(20))), (3, CAST(12.34 AS decimal(10,2))), (4, CAST('2024-01-02' AS date)), (5, NULL)");
    let got = rows(&ok(&mut s, "SELECT id, CAST(SQL_VARIANT_PROPERTY(v, 'BaseType') AS varchar(20)), CAST(SQL_VARIANT_PROPERTY(v, 'Precision') AS int), CAST(SQL_VARIANT_PROPERTY(v, 'Scale') AS int), CAST(SQL_VARIANT_PROPERTY(v, 'MaxLength') AS int) FROM var ORDER BY id"));
    let want = [
        ["1", "int", "10", "0", "4"],
        ["2", "nvarchar", "0", "0", "40"],
        ["3", "decimal", "10", "2", "9"],
        ["4", "date", "10", "0", "3"],
        ["5", "NULL", "NULL", "NULL", "NULL"],
    ];
    assert_eq!(got, want.map(|r| r.map(String::from).to_vec()).to_vec());
    assert_eq!(
        scalar(&mut s, "SELECT CAST(SQL_VARIANT_PROPERTY(v, 'Collation') AS varchar(40)) FROM var WHERE id = 2"),
        "SQL_Latin1_General_CP1_CI_AS"
    );
    assert_eq!(
        scalar(
            &mut s,
            "SELECT CAST(SQL_VARIANT_PROPERTY(v, 'TotalBytes') AS int) FROM var WHERE id = 1"
        ),
        "6"
    );
    for (pred, id) in [
        (
            "v = CAST(CAST(N'héllo' AS nvarchar(20)) AS sql_variant)",
            "2",
        ),
        ("v = CAST(CAST(12.34 AS decimal(10,2)) AS sql_variant)", "3"),
        ("v = CAST(CAST(42 AS int) AS sql_variant)", "1"),
    ] {
        let c = ok(&mut s, &format!("SELECT id FROM var WHERE {pred}"));
        assert_eq!(rows(&c), vec![vec![id.to_string()]], "{pred}");
    }
    let c = ok(&mut s, "SELECT v FROM var WHERE id = 3");
    assert!(
        matches!(&c.results[0].rows[0][0], Value::Variant(v) if matches!(v.1, Value::Decimal(_)))
    );

    // A typed parameter keeps its type as the base type.
    let mut c = Collect::default();
    let mut params = [tsql_engine::Param {
        name: "@p".into(),
        value: Value::String("héllo".into()),
        ty: SqlType::NVarChar(Some(20)),
        output: false,
    }];
    s.execute("INSERT INTO var VALUES (6, @p)", &mut params, &mut c)
        .unwrap();
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let c = ok(&mut s, "SELECT v FROM var WHERE id = 6");
    assert_eq!(
        variant_base(&c.results[0].rows[0][0]),
        SqlType::NVarChar(Some(20))
    );
}
