//! `discover`, and the catalog queries behind it (which `read` runs too, for
//! the tables' current columns): every table and view of some schemas (or
//! of all but SQL Server's own), with their columns, primary keys, and the
//! unique key a read orders them by.
//!
//! Three statements whatever the number of tables: a query per table would
//! take minutes on a database of thousands. Rows are matched up here by
//! (schema, table) name, so no query has to join by names on the server.

use super::{int, placeholders, rows, text};
use crate::config::Config;
use crate::connection::{connect, Client};
use crate::discover::{Column, Table};
use crate::error::{Error, Result};
use crate::protocol::airbyte::Catalog;
use crate::query::{can_order_by, Param, Query};
use crate::types::ColumnType;
use futures_util::TryStreamExt;
use std::collections::BTreeMap;

/// Tables and views; `INFORMATION_SCHEMA.COLUMNS` also lists the columns of
/// table-valued functions, which can't be read as streams, so only names
/// found here become tables.
const TABLES: &str = "SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES \
                      WHERE TABLE_TYPE IN ('BASE TABLE', 'VIEW') AND TABLE_SCHEMA {schemas}";

/// DATA_TYPE names the system type even for alias types. The numbers are
/// cast to int because SQL Server types them tinyint, smallint and int;
/// IS_NULLABLE is `YES` or `NO`.
const COLUMNS: &str = "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, \
                       CAST(ORDINAL_POSITION AS int), DATA_TYPE, \
                       CAST(CHARACTER_MAXIMUM_LENGTH AS int), CAST(NUMERIC_PRECISION AS int), \
                       CAST(COALESCE(NUMERIC_SCALE, DATETIME_PRECISION) AS int), IS_NULLABLE \
                       FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA {schemas}";

/// The columns of every unique index (primary keys and unique constraints
/// are ones too), in key order, with what choosing a read order needs: is
/// it the primary key, is it clustered (type 1), may a column be NULL. The
/// sys views join by object id; INFORMATION_SCHEMA would need
/// KEY_COLUMN_USAGE joined to TABLE_CONSTRAINTS by constraint name, and
/// knows neither unique indexes nor clustering. Disabled, hypothetical and
/// filtered indexes don't hold every row, so they are left out.
const UNIQUE_KEYS: &str = "SELECT s.name, o.name, c.name, CAST(ic.key_ordinal AS int), \
                           CAST(i.index_id AS int), CAST(i.is_primary_key AS int), \
                           CAST(i.type AS int), CAST(c.is_nullable AS int) \
                           FROM sys.indexes i \
                           JOIN sys.index_columns ic ON ic.object_id = i.object_id \
                               AND ic.index_id = i.index_id \
                           JOIN sys.columns c ON c.object_id = ic.object_id \
                               AND c.column_id = ic.column_id \
                           JOIN sys.objects o ON o.object_id = i.object_id \
                           JOIN sys.schemas s ON s.schema_id = o.schema_id \
                           WHERE i.is_unique = 1 AND i.is_disabled = 0 \
                               AND i.is_hypothetical = 0 AND i.has_filter = 0 \
                               AND ic.key_ordinal > 0 AND s.name {schemas}";

/// The schemas SQL Server has in every database for itself: its catalog
/// views, the guest user's, and those of the fixed database roles. With no
/// schema configured, every other one is read.
const SYSTEM_SCHEMAS: &[&str] = &[
    "sys",
    "INFORMATION_SCHEMA",
    "guest",
    "db_owner",
    "db_accessadmin",
    "db_securityadmin",
    "db_ddladmin",
    "db_backupoperator",
    "db_datareader",
    "db_datawriter",
    "db_denydatareader",
    "db_denydatawriter",
];

/// The schemas the catalog queries cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schemas {
    /// Every schema the login can read but SQL Server's own (`SYSTEM_SCHEMAS`).
    All,
    /// These, by name.
    Only(Vec<String>),
}

impl Schemas {
    /// The config's: its `schemas`, or all when it names none.
    pub fn of(config: &Config) -> Schemas {
        match config.schemas.as_slice() {
            [] => Schemas::All,
            names => Schemas::Only(names.to_vec()),
        }
    }

    /// What follows a schema name column in a catalog query's WHERE, with
    /// the parameters it binds.
    fn condition(&self) -> (String, Vec<Param>) {
        match self {
            Schemas::All => {
                let names: Vec<String> = SYSTEM_SCHEMAS.iter().map(|s| format!("'{s}'")).collect();
                (format!("NOT IN ({})", names.join(", ")), Vec::new())
            }
            Schemas::Only(names) => (
                format!("IN ({})", placeholders(names.len())),
                names.iter().cloned().map(Param::Text).collect(),
            ),
        }
    }
}

type TableKey = (String, String);

/// The catalog: a stream for every table and view of the configured schemas.
pub async fn discover(config: &Config) -> Result<Catalog> {
    let mut client = connect(config).await?;
    let tables = tables(&mut client, &Schemas::of(config)).await?;
    Ok(Catalog {
        streams: tables.iter().map(Table::stream).collect(),
    })
}

/// A table being put together from the three queries' rows.
#[derive(Default)]
struct Parts {
    /// (ordinal, column)
    columns: Vec<(i32, Column)>,
    /// Its unique indexes by index id.
    keys: BTreeMap<i32, UniqueKey>,
}

#[derive(Default)]
struct UniqueKey {
    primary: bool,
    clustered: bool,
    nullable: bool,
    /// (key ordinal, column name)
    columns: Vec<(i32, String)>,
}

/// Every table and view in `schemas`, sorted by schema and name, each with
/// its columns in ordinal order and its primary key in key order.
pub async fn tables(client: &mut Client, schemas: &Schemas) -> Result<Vec<Table>> {
    if *schemas == Schemas::Only(Vec::new()) {
        return Ok(Vec::new());
    }
    let mut tables: BTreeMap<TableKey, Parts> = BTreeMap::new();
    for_each_row(client, TABLES, schemas, |row| {
        tables.insert(table_key(row)?, Parts::default());
        Ok(())
    })
    .await?;
    for_each_row(client, COLUMNS, schemas, |row| {
        let Some(parts) = tables.get_mut(&table_key(row)?) else {
            return Ok(());
        };
        let column_type = ColumnType::from_catalog(
            &required(text(row, 4)?, "DATA_TYPE")?,
            int(row, 5)?,
            small(int(row, 6)?),
            small(int(row, 7)?),
        );
        let column = Column {
            name: required(text(row, 2)?, "COLUMN_NAME")?,
            column_type,
            nullable: text(row, 8)?.as_deref() != Some("NO"),
        };
        parts.columns.push((int(row, 3)?.unwrap_or(0), column));
        Ok(())
    })
    .await?;
    for_each_row(client, UNIQUE_KEYS, schemas, |row| {
        if let Some(parts) = tables.get_mut(&table_key(row)?) {
            let column = required(text(row, 2)?, "column name")?;
            let key = parts.keys.entry(int(row, 4)?.unwrap_or(0)).or_default();
            key.primary = int(row, 5)? == Some(1);
            key.clustered = int(row, 6)? == Some(1);
            key.nullable |= int(row, 7)? != Some(0);
            key.columns.push((int(row, 3)?.unwrap_or(0), column));
        }
        Ok(())
    })
    .await?;
    Ok(tables
        .into_iter()
        .map(|((schema, name), parts)| table(schema, name, parts))
        .collect())
}

fn table(schema: String, name: String, mut parts: Parts) -> Table {
    parts.columns.sort_by_key(|(ordinal, _)| *ordinal);
    let columns: Vec<Column> = parts.columns.into_iter().map(|(_, c)| c).collect();
    let mut keys: Vec<UniqueKey> = parts.keys.into_values().collect();
    for key in &mut keys {
        key.columns.sort_by_key(|(ordinal, _)| *ordinal);
    }
    let names = |key: &UniqueKey| key.columns.iter().map(|(_, c)| c.clone()).collect();
    let primary_key = keys
        .iter()
        .find(|k| k.primary)
        .map(names)
        .unwrap_or_default();
    let orderable = |key: &&UniqueKey| {
        !key.nullable
            && key.columns.iter().all(|(_, name)| {
                columns
                    .iter()
                    .any(|c| &c.name == name && can_order_by(&c.column_type))
            })
    };
    // Physical order first; then the primary key; then the first unique index.
    let order_key = keys
        .iter()
        .filter(orderable)
        .min_by_key(|k| (!k.clustered, !k.primary))
        .map(names)
        .unwrap_or_default();
    Table {
        schema,
        name,
        columns,
        primary_key,
        order_key,
    }
}

/// Runs one catalog query over `schemas` and hands each row to `f` as it arrives.
async fn for_each_row(
    client: &mut Client,
    sql: &str,
    schemas: &Schemas,
    mut f: impl FnMut(&tiberius::Row) -> Result<()>,
) -> Result<()> {
    let (condition, params) = schemas.condition();
    let query = Query {
        sql: sql.replace("{schemas}", &condition),
        params,
    };
    let mut stream = rows(client, &query).await?;
    while let Some(row) = stream
        .try_next()
        .await
        .map_err(|e| crate::driver_error::query_error(&e))?
    {
        f(&row)?;
    }
    Ok(())
}

/// The first two columns of every catalog query: schema and table name.
fn table_key(row: &tiberius::Row) -> Result<TableKey> {
    Ok((
        required(text(row, 0)?, "schema name")?,
        required(text(row, 1)?, "table name")?,
    ))
}

fn required(value: Option<String>, what: &str) -> Result<String> {
    value.ok_or_else(|| {
        Error::system(format!(
            "a catalog query returned a NULL {what}; this is a bug in source-mssql"
        ))
    })
}

/// Precision and scale fit a byte; anything else is not a size we can use.
fn small(value: Option<i32>) -> Option<u8> {
    value.and_then(|v| u8::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(columns: &[(&str, &str)], keys: &[(i32, bool, bool, bool, &[&str])]) -> Parts {
        Parts {
            columns: columns
                .iter()
                .enumerate()
                .map(|(n, (name, ty))| {
                    let column = Column {
                        name: name.to_string(),
                        column_type: ColumnType::from_catalog(ty, None, None, None),
                        nullable: false,
                    };
                    (n as i32 + 1, column)
                })
                .collect(),
            keys: keys
                .iter()
                .map(|(id, primary, clustered, nullable, columns)| {
                    let key = UniqueKey {
                        primary: *primary,
                        clustered: *clustered,
                        nullable: *nullable,
                        columns: columns
                            .iter()
                            .enumerate()
                            .map(|(n, c)| (n as i32 + 1, c.to_string()))
                            .collect(),
                    };
                    (*id, key)
                })
                .collect(),
        }
    }

    fn order_key(parts: Parts) -> Vec<String> {
        table("dbo".into(), "t".into(), parts).order_key
    }

    const COLUMNS: &[(&str, &str)] = &[("id", "int"), ("code", "nvarchar"), ("blob", "varbinary")];

    #[test]
    fn named_schemas_are_parameters_and_all_leaves_out_the_system_ones() {
        let only = Schemas::Only(vec!["dbo".into(), "it's".into()]);
        assert_eq!(
            only.condition(),
            (
                "IN (@P1, @P2)".to_string(),
                vec![Param::Text("dbo".into()), Param::Text("it's".into())]
            )
        );
        let (all, params) = Schemas::All.condition();
        assert!(params.is_empty());
        assert!(
            all.starts_with("NOT IN ('sys', 'INFORMATION_SCHEMA', 'guest', 'db_owner'"),
            "{all}"
        );
        assert!(all.ends_with("'db_denydatawriter')"), "{all}");
    }

    #[test]
    fn the_clustered_unique_key_comes_first() {
        let keys: &[(i32, bool, bool, bool, &[&str])] = &[
            (1, false, true, false, &["code"]),
            (2, true, false, false, &["id"]),
        ];
        let t = table("dbo".into(), "t".into(), parts(COLUMNS, keys));
        assert_eq!(
            (t.primary_key, t.order_key),
            (vec!["id".into()], vec!["code".into()])
        );
    }

    #[test]
    fn then_the_primary_key_then_a_unique_index() {
        let keys: &[(i32, bool, bool, bool, &[&str])] = &[
            (2, false, false, false, &["code"]),
            (3, true, false, false, &["id", "code"]),
        ];
        assert_eq!(order_key(parts(COLUMNS, keys)), ["id", "code"]);
        let keys: &[(i32, bool, bool, bool, &[&str])] = &[(4, false, false, false, &["code"])];
        assert_eq!(order_key(parts(COLUMNS, keys)), ["code"]);
    }

    #[test]
    fn nullable_or_unorderable_keys_are_not_keys() {
        let keys: &[(i32, bool, bool, bool, &[&str])] = &[
            (1, false, true, true, &["id"]),
            (2, false, false, false, &["blob"]),
        ];
        assert!(order_key(parts(COLUMNS, keys)).is_empty());
    }
}
