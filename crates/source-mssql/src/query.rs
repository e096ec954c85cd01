//! The SELECT statements a read runs, as text plus parameters.
//!
//! Names are always quoted, and state values are always parameters (cast on
//! the server to the column's own type), so neither a table name nor a
//! cursor value can change the statement.

use crate::discover::{Column, Table};
use crate::error::{Error, Result};
use crate::types::{quote_identifier, ColumnType, SqlType};
use base64::Engine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub sql: String,
    /// `@P1`, `@P2`... in order.
    pub params: Vec<Param>,
}

/// A parameter value, as the driver will send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Text(String),
    Bytes(Vec<u8>),
}

/// Where a read starts in the column it is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start<'a> {
    /// From the first row.
    Beginning,
    /// Rows after this value (as the state keeps it).
    After(&'a str),
    /// Rows at this value or after: for a cursor whose last value may have
    /// more rows than were read.
    From(&'a str),
}

/// `[schema].[table]`
pub fn table_name(table: &Table) -> String {
    format!(
        "{}.{}",
        quote_identifier(&table.schema),
        quote_identifier(&table.name)
    )
}

/// Every column, converted where the record writer needs it, under its own name.
pub fn select_list(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|column| {
            let quoted = quote_identifier(&column.name);
            let expression = column.column_type.select_expression(&quoted);
            if expression == quoted {
                quoted
            } else {
                format!("{expression} AS {quoted}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The whole table, in no particular order.
pub fn full_table(table: &Table) -> Query {
    Query {
        sql: format!(
            "SELECT {} FROM {}",
            select_list(&table.columns),
            table_name(table)
        ),
        params: Vec::new(),
    }
}

/// The table's column `name`; its absence means the catalog is stale.
fn column_of<'t>(table: &'t Table, name: &str) -> Result<&'t Column> {
    table
        .columns
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| {
            Error::config(format!(
                "catalog: table `{}.{}` has no column `{name}`; refresh the source schema",
                table.schema, table.name
            ))
        })
}

/// The table ordered by `column` from `start`: a cursor for an incremental
/// read, or a primary key for a full read that can resume.
pub fn ordered_by(table: &Table, column: &str, start: Start<'_>) -> Result<Query> {
    let ordering = column_of(table, column)?;
    let quoted = quote_identifier(column);
    let mut sql = format!(
        "SELECT {} FROM {}",
        select_list(&table.columns),
        table_name(table)
    );
    let mut params = Vec::new();
    let (operator, value) = match start {
        Start::Beginning => ("", None),
        Start::After(value) => (">", Some(value)),
        Start::From(value) => (">=", Some(value)),
    };
    if let Some(value) = value {
        params.push(param(&ordering.column_type, column, value)?);
        let bound = bound_parameter(&ordering.column_type, 1);
        sql.push_str(&format!(" WHERE {quoted} {operator} {bound}"));
    }
    sql.push_str(&format!(" ORDER BY {quoted}"));
    Ok(Query { sql, params })
}

/// The largest value of `column`: where an incremental stream's reads
/// start once its initial load (in key order) is done.
pub fn cursor_max(table: &Table, column: &str) -> Result<Query> {
    let found = column_of(table, column)?;
    let quoted = quote_identifier(column);
    let expression = found
        .column_type
        .select_expression(&format!("MAX({quoted})"));
    Ok(Query {
        sql: format!("SELECT {expression} FROM {}", table_name(table)),
        params: Vec::new(),
    })
}

/// Where a read in key order starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStart<'a> {
    Beginning,
    /// Rows strictly after this key (a value per key column).
    After(&'a [String]),
    /// Rows at or after these values of the key's first columns: a state
    /// that kept fewer columns than the key has (Airbyte's single
    /// `ordered_col`) repeats the rows sharing them, and skips none.
    FromPrefix(&'a [String]),
}

/// Whether rows can be read in order of, and resumed after, a key column of
/// this type: its text in the state must cast back to the same value.
pub fn can_order_by(column_type: &ColumnType) -> bool {
    use SqlType::*;
    matches!(
        column_type.sql_type,
        TinyInt
            | SmallInt
            | Int
            | BigInt
            | Bit
            | Decimal
            | Numeric
            | Money
            | SmallMoney
            | Real
            | Float
            | Date
            | Time
            | SmallDateTime
            | DateTime
            | DateTime2
            | DateTimeOffset
            | Char
            | VarChar
            | NChar
            | NVarChar
            | UniqueIdentifier
    ) && column_type.max_length != Some(-1)
}

/// The table in the order of `key` (unique, non-null columns), from `start`.
///
/// The comparison with the saved key is the row comparison
/// `(k1, k2) > (@P1, @P2)`, which T-SQL lacks, written so that its first
/// column is a range the server can seek to:
/// `k1 >= @P1 AND (k1 > @P1 OR k2 > @P2)`. Each value is cast to its
/// column's type, so the server's own order (a string column's collation,
/// uniqueidentifier's byte groups) decides what comes after it.
pub fn key_ordered(table: &Table, key: &[String], start: KeyStart<'_>) -> Result<Query> {
    key_ordered_within(table, key, start, None)
}

/// `key_ordered`, restricted to the rows `within` (a condition on the
/// key's first column, from `source::split`).
pub fn key_ordered_within(
    table: &Table,
    key: &[String],
    start: KeyStart<'_>,
    within: Option<&str>,
) -> Result<Query> {
    let columns = key
        .iter()
        .map(|name| column_of(table, name))
        .collect::<Result<Vec<&Column>>>()?;
    let mut sql = format!(
        "SELECT {} FROM {}",
        select_list(&table.columns),
        table_name(table)
    );
    let (values, last_operator) = match start {
        KeyStart::Beginning => (&[][..], ">"),
        KeyStart::After(values) => (values, ">"),
        KeyStart::FromPrefix(values) => (values, ">="),
    };
    if values.len() > columns.len() {
        return Err(Error::config(format!(
            "state: the saved key has {} values, but the key of `{}.{}` has {} columns; \
             reset the stream to read it again from the start",
            values.len(),
            table.schema,
            table.name,
            columns.len()
        )));
    }
    let mut params = Vec::new();
    let mut bounds = Vec::new();
    for (n, (column, value)) in columns.iter().zip(values).enumerate() {
        params.push(param(&column.column_type, &column.name, value)?);
        bounds.push((
            quote_identifier(&column.name),
            bound_parameter(&column.column_type, n + 1),
        ));
    }
    let conditions: Vec<String> = within
        .map(String::from)
        .into_iter()
        .chain((!bounds.is_empty()).then(|| after(&bounds, last_operator)))
        .collect();
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    let order: Vec<String> = key.iter().map(|k| quote_identifier(k)).collect();
    sql.push_str(&format!(" ORDER BY {}", order.join(", ")));
    Ok(Query { sql, params })
}

/// `(columns) > (bounds)` over (quoted column, bound) pairs, the last
/// compared with `last`.
fn after(bounds: &[(String, String)], last: &str) -> String {
    match bounds {
        [] => String::new(),
        [(column, bound)] => format!("{column} {last} {bound}"),
        [(column, bound), rest @ ..] => format!(
            "{column} >= {bound} AND ({column} > {bound} OR {})",
            after(rest, last)
        ),
    }
}

/// A state value as the parameter compared with `column`: rowversions are
/// kept as base64 (as records show them) and compared as bytes; the `0x...`
/// hex some tools write is accepted too.
fn param(column_type: &ColumnType, column: &str, value: &str) -> Result<Param> {
    if column_type.sql_type != SqlType::RowVersion {
        return Ok(Param::Text(value.to_string()));
    }
    let bytes = match value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    {
        Some(hex) => decode_hex(hex),
        None => base64::engine::general_purpose::STANDARD.decode(value).ok(),
    };
    bytes.map(Param::Bytes).ok_or_else(|| {
        Error::config(format!(
            "state: the cursor of column `{column}` is \"{value}\", which is not a \
                 base64 rowversion; reset the stream to read it again from the start"
        ))
    })
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    hex.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [high, low] => Some((hex_digit(*high)? << 4) | hex_digit(*low)?),
            _ => None,
        })
        .collect()
}

fn hex_digit(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `@Pn` converted on the server to the column's type, so it compares as
/// the column does. `datetime` and `smalldatetime` go through `datetime2`:
/// SQL Server refuses text with more than three fraction digits for them,
/// and Airbyte's own source keeps six in its state.
fn bound_parameter(column_type: &ColumnType, n: usize) -> String {
    match column_type.sql_type {
        SqlType::DateTime | SqlType::SmallDateTime => format!(
            "CAST(CAST(@P{n} AS datetime2(7)) AS {})",
            column_type.sql_type.name()
        ),
        _ => format!("CAST(@P{n} AS {})", cast_type(column_type)),
    }
}

/// The type a state value is cast to, so it compares as the column does.
fn cast_type(column_type: &ColumnType) -> String {
    use SqlType::*;
    let scale = column_type.scale.unwrap_or(7);
    match column_type.sql_type {
        Decimal | Numeric => format!(
            "{}({},{})",
            column_type.sql_type.name(),
            column_type.precision.unwrap_or(38),
            column_type.scale.unwrap_or(0)
        ),
        DateTime2 | DateTimeOffset | Time => format!("{}({scale})", column_type.sql_type.name()),
        RowVersion => "BINARY(8)".to_string(),
        // The column's own type: its collation then orders the value, and
        // the server can seek its index (a varchar column compared with an
        // nvarchar value would be converted row by row).
        Char | VarChar | NChar | NVarChar if column_type.max_length.is_some_and(|n| n > 0) => {
            column_type.to_string()
        }
        Char | VarChar | NChar | NVarChar => "NVARCHAR(4000)".to_string(),
        _ => column_type.sql_type.name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, column_type: ColumnType) -> Column {
        Column {
            name: name.into(),
            column_type,
            nullable: true,
        }
    }

    fn orders() -> Table {
        Table {
            schema: "sales".into(),
            name: "order]s".into(),
            columns: vec![
                column("id", ColumnType::new(SqlType::BigInt)),
                column("total", ColumnType::new(SqlType::Money)),
                column(
                    "updated",
                    ColumnType::from_catalog("datetime2", None, None, Some(3)),
                ),
                column(
                    "price",
                    ColumnType::from_catalog("decimal", None, Some(18), Some(2)),
                ),
                column("rv", ColumnType::new(SqlType::RowVersion)),
            ],
            primary_key: vec!["id".into()],
            order_key: vec!["id".into()],
        }
    }

    const SELECT: &str = "SELECT [id], CAST([total] AS DECIMAL(19,4)) AS [total], [updated], \
                          [price], [rv] FROM [sales].[order]]s]";

    #[test]
    fn full_table_quotes_and_converts() {
        let q = full_table(&orders());
        assert_eq!(q.sql, SELECT);
        assert!(q.params.is_empty());
    }

    #[test]
    fn ordered_from_the_beginning() {
        let q = ordered_by(&orders(), "id", Start::Beginning).unwrap();
        assert_eq!(q.sql, format!("{SELECT} ORDER BY [id]"));
    }

    #[test]
    fn cursor_values_are_cast_parameters() {
        let q = ordered_by(&orders(), "updated", Start::From("2024-03-09T12:00:00.123")).unwrap();
        assert_eq!(
            q.sql,
            format!("{SELECT} WHERE [updated] >= CAST(@P1 AS datetime2(3)) ORDER BY [updated]")
        );
        assert_eq!(
            q.params,
            vec![Param::Text("2024-03-09T12:00:00.123".into())]
        );
        let q = ordered_by(&orders(), "price", Start::After("1.50")).unwrap();
        assert!(
            q.sql.contains("WHERE [price] > CAST(@P1 AS decimal(18,2))"),
            "{}",
            q.sql
        );
    }

    #[test]
    fn rowversion_cursor_is_bytes() {
        let q = ordered_by(&orders(), "rv", Start::After("AAAAAAAAB9E=")).unwrap();
        assert!(q.sql.contains("[rv] > CAST(@P1 AS BINARY(8))"), "{}", q.sql);
        assert_eq!(
            q.params,
            vec![Param::Bytes(vec![0, 0, 0, 0, 0, 0, 7, 0xD1])]
        );
        let q = ordered_by(&orders(), "rv", Start::After("0x00000000000007d1")).unwrap();
        assert_eq!(
            q.params,
            vec![Param::Bytes(vec![0, 0, 0, 0, 0, 0, 7, 0xD1])]
        );
        for bad in ["not base64!", "0x0g", "0x123"] {
            let err = ordered_by(&orders(), "rv", Start::After(bad)).unwrap_err();
            assert!(
                err.message.contains("not a base64 rowversion"),
                "{bad}: {}",
                err.message
            );
        }
    }

    /// Airbyte's source keeps six fraction digits, which SQL Server won't
    /// convert straight to datetime.
    #[test]
    fn datetime_cursors_go_through_datetime2() {
        let mut table = orders();
        table
            .columns
            .push(column("at", ColumnType::new(SqlType::DateTime)));
        table
            .columns
            .push(column("at_min", ColumnType::new(SqlType::SmallDateTime)));
        let q = ordered_by(&table, "at", Start::From("2024-01-02T10:00:00.997000")).unwrap();
        assert!(
            q.sql.contains(
                "WHERE [at] >= CAST(CAST(@P1 AS datetime2(7)) AS datetime) ORDER BY [at]"
            ),
            "{}",
            q.sql
        );
        let q = ordered_by(&table, "at_min", Start::From("2024-01-02T10:00:00")).unwrap();
        assert!(
            q.sql
                .contains("[at_min] >= CAST(CAST(@P1 AS datetime2(7)) AS smalldatetime)"),
            "{}",
            q.sql
        );
    }

    #[test]
    fn composite_keys_compare_as_rows_with_a_seekable_first_column() {
        let mut table = orders();
        table.columns.push(column(
            "code",
            ColumnType::from_catalog("varchar", Some(12), None, None),
        ));
        let key = ["id".to_string(), "code".to_string(), "updated".to_string()];
        let q = key_ordered(&table, &key, KeyStart::Beginning).unwrap();
        assert!(
            q.sql
                .ends_with("[rv], [code] FROM [sales].[order]]s] ORDER BY [id], [code], [updated]"),
            "{}",
            q.sql
        );
        let values = [
            "7".to_string(),
            "Ab ".to_string(),
            "2024-01-01T00:00:00.000".to_string(),
        ];
        let q = key_ordered(&table, &key, KeyStart::After(&values)).unwrap();
        assert!(
            q.sql.ends_with(
                " WHERE [id] >= CAST(@P1 AS bigint) AND ([id] > CAST(@P1 AS bigint) OR \
                 [code] >= CAST(@P2 AS varchar(12)) AND ([code] > CAST(@P2 AS varchar(12)) OR \
                 [updated] > CAST(@P3 AS datetime2(3)))) ORDER BY [id], [code], [updated]"
            ),
            "{}",
            q.sql
        );
        assert_eq!(
            q.params,
            values
                .iter()
                .map(|v| Param::Text(v.clone()))
                .collect::<Vec<_>>()
        );
        // A shorter saved key: at or after it.
        let q = key_ordered(&table, &key, KeyStart::FromPrefix(&values[..1])).unwrap();
        assert!(
            q.sql
                .ends_with(" WHERE [id] >= CAST(@P1 AS bigint) ORDER BY [id], [code], [updated]"),
            "{}",
            q.sql
        );
        let err = key_ordered(&table, &key[..1], KeyStart::After(&values)).unwrap_err();
        assert!(err.message.contains("3 values"), "{}", err.message);
    }

    #[test]
    fn the_cursor_maximum() {
        let q = cursor_max(&orders(), "total").unwrap();
        assert_eq!(
            q.sql,
            "SELECT CAST(MAX([total]) AS DECIMAL(19,4)) FROM [sales].[order]]s]"
        );
    }

    #[test]
    fn unknown_column() {
        let err = ordered_by(&orders(), "nope", Start::Beginning).unwrap_err();
        assert!(
            err.message.contains("has no column `nope`"),
            "{}",
            err.message
        );
    }
}
