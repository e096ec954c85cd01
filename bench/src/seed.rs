//! The benchmark tables, filled by plain T-SQL a real server would also run.
//!
//! Rows come from a cross join of digits, so one batch seeds a million rows
//! without a client-side loop, and every value is a function of the row's
//! number (reruns read the same bytes).

/// The narrow table's name and its columns (name, type), in `SELECT` order.
pub const NARROW_TABLE: &str = "narrow";
pub const NARROW_COLUMNS: [(&str, &str); 5] = [
    ("id", "int"),
    ("big", "bigint"),
    ("name", "nvarchar(50)"),
    ("ts", "datetime2"),
    ("amount", "decimal(18,4)"),
];

/// The wide table's name.
pub const WIDE_TABLE: &str = "wide";

/// The wide table: (column, type, value from the row number `i`). Thirty
/// columns of the types a typical business table mixes.
pub const WIDE_COLUMNS: [(&str, &str, &str); 30] = [
    ("id", "int NOT NULL PRIMARY KEY", "i"),
    ("tiny", "tinyint", "i % 256"),
    ("small", "smallint", "i % 30000"),
    ("big", "bigint", "CAST(i AS bigint) * 7919"),
    ("qty", "int", "CASE WHEN i % 3 = 0 THEN NULL ELSE i % 1000 END"),
    ("price", "decimal(18,4)", "i * 1.0625"),
    ("rate", "numeric(10,2)", "(i % 100000) * 0.5"),
    ("precise", "decimal(38,10)", "i * 3.1415926535"),
    ("balance", "money", "i * 2.5"),
    ("fee", "smallmoney", "(i % 1000) * 0.25"),
    ("ratio", "float", "i * 0.001"),
    ("score", "real", "i * 0.5"),
    ("born", "date", "DATEADD(day, i % 3650, CAST('2000-01-01' AS date))"),
    ("opened", "datetime", "DATEADD(second, i, CAST('2020-01-01' AS datetime))"),
    ("updated", "datetime2", "DATEADD(second, i, CAST('2024-01-01T00:00:00.1234567' AS datetime2))"),
    ("booked", "smalldatetime", "DATEADD(minute, i % 100000, CAST('2010-01-01' AS smalldatetime))"),
    ("shipped", "datetimeoffset", "DATEADD(second, i, CAST('2024-01-01T00:00:00.1234567+02:00' AS datetimeoffset))"),
    ("opens_at", "time", "DATEADD(second, i % 86400, CAST('00:00:00' AS time))"),
    ("name", "nvarchar(100)", "N'customer ' + CAST(i AS nvarchar(10))"),
    ("city", "nvarchar(50)", "N'Zürich-' + CAST(i % 500 AS nvarchar(10))"),
    ("note", "nvarchar(200)", "CASE WHEN i % 5 = 0 THEN NULL ELSE N'a \"quoted\" note about order ' + CAST(i AS nvarchar(10)) END"),
    ("email", "varchar(100)", "'user' + CAST(i AS varchar(10)) + '@example.com'"),
    ("country", "varchar(50)", "CASE i % 3 WHEN 0 THEN 'CH' WHEN 1 THEN 'FR' ELSE 'DE' END"),
    ("code", "char(10)", "CAST(i % 9999 AS varchar(10))"),
    ("status", "nchar(8)", "CASE WHEN i % 2 = 0 THEN N'open' ELSE N'closed' END"),
    ("guid", "uniqueidentifier", "CAST('6F9619FF-8B86-D011-B42D-00C04FC964FF' AS uniqueidentifier)"),
    ("blob", "varbinary(16)", "CAST(i AS varbinary(16))"),
    ("active", "bit", "i % 2"),
    ("flagged", "bit", "CASE WHEN i % 7 = 0 THEN 1 ELSE 0 END"),
    ("visits", "bigint", "CAST(i % 123457 AS bigint)"),
];

/// `WITH seq AS (...)`: the numbers 0..10,000,000 as column `i`.
fn numbers_cte() -> String {
    let digits = (0..10)
        .map(|n| format!("SELECT {n} AS n"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!(
        "WITH d AS ({digits}),
              seq AS (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 10000 * f.n + 100000 * g.n + 1000000 * h.n AS i
                      FROM d a CROSS JOIN d b CROSS JOIN d c CROSS JOIN d e CROSS JOIN d f CROSS JOIN d g CROSS JOIN d h)"
    )
}

/// Creates and fills `dbo.<table>` with the narrow table's columns (int, bigint, nvarchar(50),
/// datetime2, decimal(18,4)).
pub fn narrow_sql(table: &str, rows: u64) -> String {
    format!(
        "CREATE TABLE dbo.{table} (id int NOT NULL PRIMARY KEY, big bigint NOT NULL, \
           name nvarchar(50) NOT NULL, ts datetime2 NOT NULL, amount decimal(18,4) NOT NULL);
         {}
         INSERT INTO dbo.{table} (id, big, name, ts, amount)
         SELECT i, CAST(i AS bigint) * 1000003, N'customer ' + CAST(i AS nvarchar(10)),
                DATEADD(second, i, CAST('2024-01-01T00:00:00.1234567' AS datetime2)), i * 1.25
         FROM seq WHERE i < {rows};",
        numbers_cte()
    )
}

/// Creates and fills `dbo.<table>` with [`WIDE_COLUMNS`].
pub fn wide_sql(table: &str, rows: u64) -> String {
    let definitions = WIDE_COLUMNS
        .iter()
        .map(|(name, ty, _)| format!("{name} {ty}"))
        .collect::<Vec<_>>()
        .join(", ");
    let names = column_list(WIDE_COLUMNS.iter().map(|(name, _, _)| *name));
    let values = WIDE_COLUMNS
        .iter()
        .map(|(_, _, value)| *value)
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "CREATE TABLE dbo.{table} ({definitions});
         {}
         INSERT INTO dbo.{table} ({names})
         SELECT {values} FROM seq WHERE i < {rows};",
        numbers_cte()
    )
}

/// The wide table's types without constraints (`int NOT NULL PRIMARY KEY` → `int`).
pub fn wide_types() -> impl Iterator<Item = (&'static str, &'static str)> {
    WIDE_COLUMNS
        .iter()
        .map(|(name, ty, _)| (*name, ty.split(' ').next().unwrap_or(ty)))
}

/// `a, b, c`
pub fn column_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_types_drop_constraints() {
        assert_eq!(wide_types().next(), Some(("id", "int")));
        assert_eq!(wide_types().count(), 30);
    }
}
