//! How each result column is described (COLMETADATA's nullable, identity, computed and
//! updateable flags): a table's column as that column, through derived tables, CTEs and
//! views; an expression as computed and read-only; the NULLs outer joins and UNION
//! bring; and every row of such a result can be sent.

mod common;
use common::*;

use tsql_engine::{ColumnMeta, Updateable};

/// (nullable, identity, computed, updateable) of each column of the first result.
fn described(s: &mut tsql_engine::Session, sql: &str) -> Vec<(bool, bool, bool, Updateable)> {
    let c = ok(s, sql);
    let result = c
        .results
        .first()
        .unwrap_or_else(|| panic!("{sql}: no result"));
    for row in &result.rows {
        for (col, v) in result.columns.iter().zip(row) {
            assert!(
                col.nullable || !v.is_null(),
                "{sql}: NULL in {} described NOT NULL",
                col.name
            );
        }
    }
    result.columns.iter().map(flags).collect()
}

fn flags(c: &ColumnMeta) -> (bool, bool, bool, Updateable) {
    (c.nullable, c.identity, c.computed, c.updateable)
}

const COLUMN: (bool, bool, bool, Updateable) = (false, false, false, Updateable::Unknown);
const NULLABLE_COLUMN: (bool, bool, bool, Updateable) = (true, false, false, Updateable::Unknown);
const IDENTITY: (bool, bool, bool, Updateable) = (false, true, false, Updateable::ReadOnly);
const EXPRESSION: (bool, bool, bool, Updateable) = (true, false, true, Updateable::ReadOnly);
const NOT_NULL_EXPRESSION: (bool, bool, bool, Updateable) =
    (false, false, true, Updateable::ReadOnly);

fn setup() -> tsql_engine::Session {
    let e = engine();
    let mut s = session(&e);
    ok(
        &mut s,
        "CREATE TABLE t (id int IDENTITY(1,1) PRIMARY KEY, k int NOT NULL, name nvarchar(20) NULL, rv rowversion);
         CREATE TABLE u (id int NOT NULL PRIMARY KEY, x int NOT NULL);
         INSERT INTO t (k, name) VALUES (1, N'a'), (2, NULL);
         INSERT INTO u VALUES (1, 10)",
    );
    s
}

#[test]
fn table_columns_are_described_as_their_columns() {
    let mut s = setup();
    let rowversion = (false, false, false, Updateable::ReadOnly);
    let all = vec![IDENTITY, COLUMN, NULLABLE_COLUMN, rowversion];
    assert_eq!(described(&mut s, "SELECT * FROM t"), all);
    // What tiberius' bulk insert reads first: ordinary columns only are written.
    assert_eq!(described(&mut s, "SELECT TOP 0 * FROM t"), all);
    assert_eq!(
        described(&mut s, "SELECT k AS renamed, t.name FROM dbo.t"),
        vec![COLUMN, NULLABLE_COLUMN]
    );
    assert_eq!(
        described(&mut s, "SELECT d.k FROM (SELECT k FROM t) AS d"),
        vec![COLUMN]
    );
    assert_eq!(
        described(
            &mut s,
            "WITH c AS (SELECT id, name FROM t) SELECT id, name FROM c"
        ),
        vec![IDENTITY, NULLABLE_COLUMN]
    );
    ok(
        &mut s,
        "CREATE VIEW v AS SELECT k, name, k + 1 AS k1 FROM t",
    );
    assert_eq!(
        described(&mut s, "SELECT k, name, k1 FROM v"),
        vec![COLUMN, NULLABLE_COLUMN, EXPRESSION]
    );
}

#[test]
fn expressions_are_computed_and_read_only() {
    let mut s = setup();
    // MS-TDS 4.7: `select 'foo' as 'bar'` is a NOT NULL computed column.
    assert_eq!(
        described(&mut s, "SELECT 'foo' AS bar, 1, N'x', -2.5"),
        vec![NOT_NULL_EXPRESSION; 4]
    );
    assert_eq!(
        described(
            &mut s,
            "SELECT NULL, k + 1, UPPER(name), MAX(k) FROM t GROUP BY k, name"
        ),
        vec![EXPRESSION; 4]
    );
    assert_eq!(
        described(
            &mut s,
            "SELECT COUNT(*), COUNT_BIG(name), ISNULL(name, N'?'), COALESCE(name, N'x'), ROW_NUMBER() OVER (ORDER BY k) FROM t GROUP BY name, k"
        ),
        vec![NOT_NULL_EXPRESSION; 5]
    );
    assert_eq!(
        described(
            &mut s,
            "SELECT CASE WHEN k = 1 THEN 'a' ELSE 'b' END, CASE WHEN k = 1 THEN 'a' END, (SELECT MAX(x) FROM u) FROM t"
        ),
        vec![NOT_NULL_EXPRESSION, EXPRESSION, EXPRESSION]
    );
}

#[test]
fn outer_joins_make_the_inner_side_nullable() {
    let mut s = setup();
    let sql = "SELECT t.k, u.x, u.id FROM t LEFT JOIN u ON u.id = t.k ORDER BY t.k";
    assert_eq!(
        described(&mut s, sql),
        vec![COLUMN, NULLABLE_COLUMN, NULLABLE_COLUMN]
    );
    assert_eq!(
        rows(&ok(&mut s, sql)),
        vec![vec!["1", "10", "1"], vec!["2", "NULL", "NULL"]]
    );
    assert_eq!(
        described(&mut s, "SELECT * FROM u RIGHT JOIN t ON u.id = t.k")[..2],
        [NULLABLE_COLUMN, NULLABLE_COLUMN]
    );
    assert_eq!(
        described(&mut s, "SELECT x, k FROM u FULL OUTER JOIN t ON u.id = t.k"),
        vec![NULLABLE_COLUMN, NULLABLE_COLUMN]
    );
    assert_eq!(
        described(
            &mut s,
            "SELECT d.x FROM t LEFT JOIN (SELECT id, x FROM u) d ON d.id = t.k"
        ),
        vec![NULLABLE_COLUMN]
    );
    assert_eq!(
        described(&mut s, "SELECT u.* FROM t LEFT JOIN u ON u.id = t.k"),
        vec![NULLABLE_COLUMN, NULLABLE_COLUMN]
    );
    // An outer join inside a view: the view's column is nullable.
    ok(
        &mut s,
        "CREATE VIEW tu AS SELECT t.k, u.x FROM t LEFT JOIN u ON u.id = t.k",
    );
    assert_eq!(
        described(&mut s, "SELECT * FROM tu"),
        vec![COLUMN, NULLABLE_COLUMN]
    );
}

#[test]
fn set_operations_are_nullable_where_any_branch_is() {
    let mut s = setup();
    let c = described(
        &mut s,
        "SELECT id, x FROM u UNION ALL SELECT NULL, k FROM t",
    );
    assert!(c[0].0, "{c:?}");
    assert!(!c[1].0, "{c:?}");
    let c = described(&mut s, "SELECT x FROM u UNION SELECT 5");
    assert!(!c[0].0, "{c:?}");
    let c = described(&mut s, "SELECT x FROM u EXCEPT SELECT NULL");
    assert!(!c[0].0, "{c:?}");
}
