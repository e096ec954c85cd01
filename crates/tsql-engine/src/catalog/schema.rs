//! The metadata tables every database file holds, and the T-SQL catalog views over them.
//!
//! DDL writes the `__mssql_*` tables; `sys.*` and `INFORMATION_SCHEMA.*` are SQLite views
//! whose columns are plain references to those tables, so that a query on a catalog view
//! gets its result types from the same column-origin lookup as a query on a user table.
//! Denormalized name columns (catalog, schema_name, table_name) keep the views join-free.

use tds_protocol::types::SqlType;

const SYSNAME: SqlType = SqlType::NVarChar(Some(128));
const INT: SqlType = SqlType::Int;
const BIT: SqlType = SqlType::Bit;
const TINYINT: SqlType = SqlType::TinyInt;
const SMALLINT: SqlType = SqlType::SmallInt;
const BIGINT: SqlType = SqlType::BigInt;
const DATETIME: SqlType = SqlType::DateTime;
const TYPE2: SqlType = SqlType::Char(2);
const DESC60: SqlType = SqlType::NVarChar(Some(60));
const VARCHAR3: SqlType = SqlType::VarChar(Some(3));
const NVMAX: SqlType = SqlType::NVarChar(None);
const NV4000: SqlType = SqlType::NVarChar(Some(4000));

/// A metadata table: its SQLite name and typed columns.
pub struct BaseTable {
    pub name: &'static str,
    pub columns: &'static [(&'static str, SqlType)],
    /// Extra SQL run after creating it (indexes).
    pub indexes: &'static [&'static str],
}

pub const SCHEMAS: BaseTable = BaseTable {
    name: "__mssql_schemas",
    columns: &[
        ("schema_id", INT),
        ("name", SYSNAME),
        ("principal_id", INT),
        ("catalog", SYSNAME),
        ("owner", SYSNAME),
    ],
    indexes: &[
        "CREATE UNIQUE INDEX IF NOT EXISTS {db}.__mssql_schemas_name ON __mssql_schemas(name)",
    ],
};

pub const OBJECTS: BaseTable = BaseTable {
    name: "__mssql_objects",
    columns: &[
        ("object_id", INT),
        ("name", SYSNAME),
        ("principal_id", INT),
        ("schema_id", INT),
        ("parent_object_id", INT),
        ("type", TYPE2),
        ("type_desc", DESC60),
        ("create_date", DATETIME),
        ("modify_date", DATETIME),
        ("is_ms_shipped", BIT),
        ("is_published", BIT),
        ("is_schema_published", BIT),
        ("catalog", SYSNAME),
        ("schema_name", SYSNAME),
        ("table_type", SqlType::VarChar(Some(10))),
        ("definition", NVMAX),
        ("sqlite_name", SYSNAME),
        ("unique_index_id", INT),
        ("is_system_named", BIT),
        ("parent_name", SYSNAME),
        ("constraint_type", SqlType::VarChar(Some(11))),
    ],
    indexes: &[
        "CREATE UNIQUE INDEX IF NOT EXISTS {db}.__mssql_objects_id ON __mssql_objects(object_id)",
        "CREATE INDEX IF NOT EXISTS {db}.__mssql_objects_name ON __mssql_objects(schema_name, name)",
        "CREATE INDEX IF NOT EXISTS {db}.__mssql_objects_sqlite ON __mssql_objects(sqlite_name)",
        "CREATE INDEX IF NOT EXISTS {db}.__mssql_objects_parent ON __mssql_objects(parent_object_id)",
    ],
};

pub const COLUMNS: BaseTable = BaseTable {
    name: "__mssql_columns",
    columns: &[
        ("object_id", INT),
        ("name", SYSNAME),
        ("column_id", INT),
        ("system_type_id", TINYINT),
        ("user_type_id", INT),
        ("max_length", SMALLINT),
        ("precision", TINYINT),
        ("scale", TINYINT),
        ("collation_name", SYSNAME),
        ("is_nullable", BIT),
        ("is_ansi_padded", BIT),
        ("is_rowguidcol", BIT),
        ("is_identity", BIT),
        ("is_computed", BIT),
        ("type_text", SYSNAME),
        ("default_definition", NV4000),
        ("catalog", SYSNAME),
        ("schema_name", SYSNAME),
        ("table_name", SYSNAME),
        ("data_type", SYSNAME),
        ("char_max_len", INT),
        ("char_octet_len", INT),
        ("num_precision", TINYINT),
        ("num_radix", SMALLINT),
        ("num_scale", INT),
        ("dt_precision", SMALLINT),
        ("charset_name", SYSNAME),
        ("is_nullable_text", VARCHAR3),
        ("collation_catalog", SYSNAME),
    ],
    indexes: &["CREATE INDEX IF NOT EXISTS {db}.__mssql_columns_obj ON __mssql_columns(object_id, column_id)"],
};

pub const IDENTITY: BaseTable = BaseTable {
    name: "__mssql_identity",
    columns: &[
        ("object_id", INT),
        ("column_id", INT),
        ("seed_value", BIGINT),
        ("increment_value", BIGINT),
        ("next_value", BIGINT),
        ("last_value", BIGINT),
    ],
    indexes: &["CREATE UNIQUE INDEX IF NOT EXISTS {db}.__mssql_identity_obj ON __mssql_identity(object_id)"],
};

pub const INDEXES: BaseTable = BaseTable {
    name: "__mssql_indexes",
    columns: &[
        ("object_id", INT),
        ("name", SYSNAME),
        ("index_id", INT),
        ("type", TINYINT),
        ("type_desc", DESC60),
        ("is_unique", BIT),
        ("data_space_id", INT),
        ("ignore_dup_key", BIT),
        ("is_primary_key", BIT),
        ("is_unique_constraint", BIT),
        ("fill_factor", TINYINT),
        ("is_padded", BIT),
        ("is_disabled", BIT),
        ("is_hypothetical", BIT),
        ("allow_row_locks", BIT),
        ("allow_page_locks", BIT),
        ("has_filter", BIT),
        ("catalog", SYSNAME),
        ("schema_name", SYSNAME),
        ("table_name", SYSNAME),
        ("constraint_type", SqlType::VarChar(Some(11))),
        ("sqlite_table", SYSNAME),
        ("sqlite_index", SYSNAME),
        ("partition_id", BIGINT),
        ("partition_number", INT),
    ],
    indexes: &["CREATE INDEX IF NOT EXISTS {db}.__mssql_indexes_obj ON __mssql_indexes(object_id, index_id)"],
};

pub const INDEX_COLUMNS: BaseTable = BaseTable {
    name: "__mssql_index_columns",
    columns: &[
        ("object_id", INT),
        ("index_id", INT),
        ("index_column_id", INT),
        ("column_id", INT),
        ("key_ordinal", TINYINT),
        ("partition_ordinal", TINYINT),
        ("is_descending_key", BIT),
        ("is_included_column", BIT),
        ("column_name", SYSNAME),
        ("constraint_name", SYSNAME),
        ("catalog", SYSNAME),
        ("schema_name", SYSNAME),
        ("table_name", SYSNAME),
    ],
    indexes: &["CREATE INDEX IF NOT EXISTS {db}.__mssql_index_columns_obj ON __mssql_index_columns(object_id, index_id)"],
};

pub const TYPES: BaseTable = BaseTable {
    name: "__mssql_types",
    columns: &[
        ("name", SYSNAME),
        ("system_type_id", TINYINT),
        ("user_type_id", INT),
        ("schema_id", INT),
        ("principal_id", INT),
        ("max_length", SMALLINT),
        ("precision", TINYINT),
        ("scale", TINYINT),
        ("collation_name", SYSNAME),
        ("is_nullable", BIT),
        ("is_user_defined", BIT),
        ("is_assembly_type", BIT),
        ("default_object_id", INT),
        ("rule_object_id", INT),
        ("is_table_type", BIT),
    ],
    indexes: &[],
};

/// The server's databases; only `master` fills it.
pub const DATABASES: BaseTable = BaseTable {
    name: "__mssql_databases",
    columns: &[
        ("name", SYSNAME),
        ("database_id", INT),
        ("source_database_id", INT),
        ("owner_sid", SqlType::VarBinary(Some(85))),
        ("create_date", DATETIME),
        ("compatibility_level", TINYINT),
        ("collation_name", SYSNAME),
        ("user_access", TINYINT),
        ("user_access_desc", DESC60),
        ("is_read_only", BIT),
        ("state", TINYINT),
        ("state_desc", DESC60),
        ("recovery_model", TINYINT),
        ("recovery_model_desc", DESC60),
        ("file_name", NV4000),
    ],
    indexes: &[],
};

/// The database's rowversion counter (`@@DBTS`): one row.
pub const DBTS: BaseTable = BaseTable {
    name: "__mssql_dbts",
    columns: &[("value", BIGINT)],
    indexes: &["INSERT INTO {db}.__mssql_dbts SELECT 2000 WHERE NOT EXISTS (SELECT 1 FROM {db}.__mssql_dbts)"],
};

/// The next uniquifier of each table keyed by a non-unique clustered index (`storage`).
pub const UNIQUIFIERS: BaseTable = BaseTable {
    name: "__mssql_uniquifiers",
    columns: &[("object_id", INT), ("next_value", BIGINT)],
    indexes: &["CREATE UNIQUE INDEX IF NOT EXISTS {db}.__mssql_uniquifiers_obj ON __mssql_uniquifiers(object_id)"],
};

/// A procedure's parameters (`sys.parameters`, `INFORMATION_SCHEMA.PARAMETERS`).
pub const PARAMETERS: BaseTable = BaseTable {
    name: "__mssql_parameters",
    columns: &[
        ("object_id", INT),
        ("name", SYSNAME),
        ("parameter_id", INT),
        ("system_type_id", TINYINT),
        ("user_type_id", INT),
        ("max_length", SMALLINT),
        ("precision", TINYINT),
        ("scale", TINYINT),
        ("is_output", BIT),
        ("type_text", SYSNAME),
        ("catalog", SYSNAME),
        ("schema_name", SYSNAME),
        ("routine_name", SYSNAME),
        ("parameter_mode", SqlType::NVarChar(Some(10))),
        ("data_type", SYSNAME),
        ("char_max_len", INT),
        ("char_octet_len", INT),
        ("num_precision", TINYINT),
        ("num_radix", SMALLINT),
        ("num_scale", INT),
        ("dt_precision", SMALLINT),
        ("collation_name", SYSNAME),
    ],
    indexes: &["CREATE INDEX IF NOT EXISTS {db}.__mssql_parameters_obj ON __mssql_parameters(object_id, parameter_id)"],
};

pub const BASE_TABLES: &[&BaseTable] = &[
    &DBTS,
    &SCHEMAS,
    &OBJECTS,
    &COLUMNS,
    &IDENTITY,
    &INDEXES,
    &INDEX_COLUMNS,
    &TYPES,
    &DATABASES,
    &UNIQUIFIERS,
    &PARAMETERS,
];

/// The SQLite declaration of a metadata column: names compare as SQL Server compares them
/// (case-insensitive, trailing spaces ignored, so `type = 'U'` matches `'U '`).
fn storage(ty: &SqlType) -> &'static str {
    match ty {
        SqlType::Int | SqlType::Bit | SqlType::TinyInt | SqlType::SmallInt | SqlType::BigInt => {
            "INTEGER"
        }
        SqlType::VarBinary(_) => "BLOB",
        _ => "TEXT COLLATE MSSQL_CI_AS",
    }
}

/// `CREATE TABLE IF NOT EXISTS` for a metadata table in attached database `db` (quoted).
pub fn create_sql(table: &BaseTable, db: &str) -> String {
    let cols: Vec<String> = table
        .columns
        .iter()
        .map(|(n, t)| format!("\"{n}\" {}", storage(t)))
        .collect();
    let mut sql = format!(
        "CREATE TABLE IF NOT EXISTS {db}.{} ({});\n",
        table.name,
        cols.join(", ")
    );
    for ix in table.indexes {
        sql.push_str(&ix.replace("{db}", db));
        sql.push_str(";\n");
    }
    sql
}

/// The catalog views: (T-SQL schema, view name, SELECT over the metadata tables).
pub const VIEWS: &[(&str, &str, &str)] = &[
    ("sys", "schemas", "SELECT name, schema_id, principal_id FROM __mssql_schemas"),
    ("sys", "objects", "SELECT name, object_id, principal_id, schema_id, parent_object_id, type, type_desc, create_date, modify_date, is_ms_shipped, is_published, is_schema_published FROM __mssql_objects"),
    ("sys", "all_objects", "SELECT name, object_id, principal_id, schema_id, parent_object_id, type, type_desc, create_date, modify_date, is_ms_shipped, is_published, is_schema_published FROM __mssql_objects"),
    ("sys", "tables", "SELECT name, object_id, principal_id, schema_id, parent_object_id, type, type_desc, create_date, modify_date, is_ms_shipped, is_published, is_schema_published, 0 AS lob_data_space_id, NULL AS filestream_data_space_id, 0 AS max_column_id_used, 0 AS lock_on_bulk_load, 1 AS uses_ansi_nulls, 0 AS is_replicated, 0 AS has_replication_filter, 0 AS is_merge_published, 0 AS is_sync_tran_subscribed, 0 AS has_unchecked_assembly_data, 0 AS text_in_row_limit, 0 AS large_value_types_out_of_row, 0 AS is_tracked_by_cdc, 0 AS lock_escalation, 'TABLE' AS lock_escalation_desc, 0 AS is_filetable, 0 AS is_memory_optimized, 0 AS durability, 'SCHEMA_AND_DATA' AS durability_desc, 0 AS temporal_type, 'NON_TEMPORAL_TABLE' AS temporal_type_desc, NULL AS history_table_id, 0 AS is_remote_data_archive_enabled, 0 AS is_external FROM __mssql_objects WHERE type = 'U'"),
    ("sys", "views", "SELECT name, object_id, principal_id, schema_id, parent_object_id, type, type_desc, create_date, modify_date, is_ms_shipped, is_published, is_schema_published FROM __mssql_objects WHERE type = 'V'"),
    ("sys", "sql_modules", "SELECT object_id, definition, 1 AS uses_ansi_nulls, 1 AS uses_quoted_identifier, 0 AS is_schema_bound, 0 AS uses_database_collation, 0 AS is_recompiled, 0 AS null_on_null_input, NULL AS execute_as_principal_id, 0 AS uses_native_compilation FROM __mssql_objects WHERE type IN ('V', 'P') AND definition IS NOT NULL"),
    ("sys", "procedures", "SELECT name, object_id, principal_id, schema_id, parent_object_id, type, type_desc, create_date, modify_date, is_ms_shipped, is_published, is_schema_published, 0 AS is_auto_executed, 0 AS is_execution_replicated, 0 AS is_repl_serializable_only, 0 AS skips_repl_constraints FROM __mssql_objects WHERE type = 'P'"),
    ("sys", "parameters", "SELECT object_id, name, parameter_id, system_type_id, user_type_id, max_length, precision, scale, is_output, 0 AS is_cursor_ref, 0 AS has_default_value, 0 AS is_xml_document, NULL AS default_value, 0 AS xml_collection_id, 0 AS is_readonly, 1 AS is_nullable FROM __mssql_parameters"),
    ("sys", "all_parameters", "SELECT object_id, name, parameter_id, system_type_id, user_type_id, max_length, precision, scale, is_output, 0 AS is_cursor_ref, 0 AS has_default_value, 0 AS is_xml_document, NULL AS default_value, 0 AS xml_collection_id, 0 AS is_readonly, 1 AS is_nullable FROM __mssql_parameters"),
    ("sys", "columns", "SELECT object_id, name, column_id, system_type_id, user_type_id, max_length, precision, scale, collation_name, is_nullable, is_ansi_padded, is_rowguidcol, is_identity, is_computed FROM __mssql_columns"),
    ("sys", "all_columns", "SELECT object_id, name, column_id, system_type_id, user_type_id, max_length, precision, scale, collation_name, is_nullable, is_ansi_padded, is_rowguidcol, is_identity, is_computed FROM __mssql_columns"),
    ("sys", "types", "SELECT name, system_type_id, user_type_id, schema_id, principal_id, max_length, precision, scale, collation_name, is_nullable, is_user_defined, is_assembly_type, default_object_id, rule_object_id, is_table_type FROM __mssql_types"),
    ("sys", "indexes", "SELECT object_id, name, index_id, type, type_desc, is_unique, data_space_id, ignore_dup_key, is_primary_key, is_unique_constraint, fill_factor, is_padded, is_disabled, is_hypothetical, allow_row_locks, allow_page_locks, has_filter FROM __mssql_indexes"),
    ("sys", "index_columns", "SELECT object_id, index_id, index_column_id, column_id, key_ordinal, partition_ordinal, is_descending_key, is_included_column FROM __mssql_index_columns"),
    ("sys", "key_constraints", "SELECT name, object_id, principal_id, schema_id, parent_object_id, type, type_desc, create_date, modify_date, is_ms_shipped, is_published, is_schema_published, unique_index_id, is_system_named FROM __mssql_objects WHERE type IN ('PK', 'UQ')"),
    ("sys", "identity_columns", "SELECT c.object_id, c.name, c.column_id, c.system_type_id, c.user_type_id, c.max_length, c.precision, c.scale, c.collation_name, c.is_nullable, c.is_identity, c.is_computed, i.seed_value, i.increment_value, i.last_value FROM __mssql_columns c JOIN __mssql_identity i ON i.object_id = c.object_id AND i.column_id = c.column_id"),
    ("sys", "partitions", "SELECT partition_id, object_id, index_id, partition_number, partition_id AS hobt_id, __mssql_rowcount(catalog, sqlite_table) AS rows, 0 AS filestream_filegroup_id, 0 AS data_compression, 'NONE' AS data_compression_desc FROM __mssql_indexes"),
    // One IN_ROW_DATA unit per heap or clustered index partition (LOB and
    // row-overflow data share its b-tree here, so they are counted in it).
    ("sys", "allocation_units", "SELECT partition_id AS allocation_unit_id, 1 AS type, 'IN_ROW_DATA' AS type_desc, partition_id AS container_id, data_space_id, __mssql_used_pages(catalog, sqlite_table) AS total_pages, __mssql_used_pages(catalog, sqlite_table) AS used_pages, __mssql_used_pages(catalog, sqlite_table) AS data_pages FROM __mssql_indexes WHERE index_id IN (0, 1)"),
    // Every heap, clustered and nonclustered index, one partition each: its rows and the
    // 8 KB pages of its b-tree (reserved = used: SQLite keeps no preallocated extents).
    ("sys", "dm_db_partition_stats", "SELECT partition_id, object_id, index_id, partition_number, __mssql_used_pages(catalog, CASE WHEN index_id IN (0, 1) THEN sqlite_table ELSE sqlite_index END) AS in_row_data_page_count, __mssql_used_pages(catalog, CASE WHEN index_id IN (0, 1) THEN sqlite_table ELSE sqlite_index END) AS in_row_used_page_count, __mssql_used_pages(catalog, CASE WHEN index_id IN (0, 1) THEN sqlite_table ELSE sqlite_index END) AS in_row_reserved_page_count, 0 AS lob_used_page_count, 0 AS lob_reserved_page_count, 0 AS row_overflow_used_page_count, 0 AS row_overflow_reserved_page_count, __mssql_used_pages(catalog, CASE WHEN index_id IN (0, 1) THEN sqlite_table ELSE sqlite_index END) AS used_page_count, __mssql_used_pages(catalog, CASE WHEN index_id IN (0, 1) THEN sqlite_table ELSE sqlite_index END) AS reserved_page_count, __mssql_rowcount(catalog, sqlite_table) AS row_count FROM __mssql_indexes"),
    ("sys", "database_principals", "SELECT name, principal_id, CASE name WHEN 'guest' THEN 'S' ELSE 'S' END AS type, 'SQL_USER' AS type_desc, 'dbo' AS default_schema_name, NULL AS create_date, NULL AS modify_date, NULL AS owning_principal_id, X'01' AS sid, 0 AS is_fixed_role FROM __mssql_schemas WHERE name IN ('dbo', 'guest')"),
    ("INFORMATION_SCHEMA", "SCHEMATA", "SELECT catalog AS CATALOG_NAME, name AS SCHEMA_NAME, owner AS SCHEMA_OWNER, NULL AS DEFAULT_CHARACTER_SET_CATALOG, NULL AS DEFAULT_CHARACTER_SET_SCHEMA, 'iso_1' AS DEFAULT_CHARACTER_SET_NAME FROM __mssql_schemas"),
    ("INFORMATION_SCHEMA", "TABLES", "SELECT catalog AS TABLE_CATALOG, schema_name AS TABLE_SCHEMA, name AS TABLE_NAME, table_type AS TABLE_TYPE FROM __mssql_objects WHERE type IN ('U', 'V')"),
    ("INFORMATION_SCHEMA", "VIEWS", "SELECT catalog AS TABLE_CATALOG, schema_name AS TABLE_SCHEMA, name AS TABLE_NAME, definition AS VIEW_DEFINITION, 'NONE' AS CHECK_OPTION, 'NO' AS IS_UPDATABLE FROM __mssql_objects WHERE type = 'V'"),
    ("INFORMATION_SCHEMA", "COLUMNS", "SELECT catalog AS TABLE_CATALOG, schema_name AS TABLE_SCHEMA, table_name AS TABLE_NAME, name AS COLUMN_NAME, column_id AS ORDINAL_POSITION, default_definition AS COLUMN_DEFAULT, is_nullable_text AS IS_NULLABLE, data_type AS DATA_TYPE, char_max_len AS CHARACTER_MAXIMUM_LENGTH, char_octet_len AS CHARACTER_OCTET_LENGTH, num_precision AS NUMERIC_PRECISION, num_radix AS NUMERIC_PRECISION_RADIX, num_scale AS NUMERIC_SCALE, dt_precision AS DATETIME_PRECISION, collation_catalog AS CHARACTER_SET_CATALOG, collation_catalog AS CHARACTER_SET_SCHEMA, charset_name AS CHARACTER_SET_NAME, collation_catalog AS COLLATION_CATALOG, collation_catalog AS COLLATION_SCHEMA, collation_name AS COLLATION_NAME, collation_catalog AS DOMAIN_CATALOG, collation_catalog AS DOMAIN_SCHEMA, collation_catalog AS DOMAIN_NAME FROM __mssql_columns"),
    ("INFORMATION_SCHEMA", "TABLE_CONSTRAINTS", "SELECT catalog AS CONSTRAINT_CATALOG, schema_name AS CONSTRAINT_SCHEMA, name AS CONSTRAINT_NAME, catalog AS TABLE_CATALOG, schema_name AS TABLE_SCHEMA, parent_name AS TABLE_NAME, constraint_type AS CONSTRAINT_TYPE, 'NO' AS IS_DEFERRABLE, 'NO' AS INITIALLY_DEFERRED FROM __mssql_objects WHERE type IN ('PK', 'UQ')"),
    // Procedures only (the engine has no user functions): the return-value columns are NULL.
    ("INFORMATION_SCHEMA", "ROUTINES", "SELECT catalog AS SPECIFIC_CATALOG, schema_name AS SPECIFIC_SCHEMA, name AS SPECIFIC_NAME, catalog AS ROUTINE_CATALOG, schema_name AS ROUTINE_SCHEMA, name AS ROUTINE_NAME, 'PROCEDURE' AS ROUTINE_TYPE, NULL AS MODULE_CATALOG, NULL AS MODULE_SCHEMA, NULL AS MODULE_NAME, NULL AS UDT_CATALOG, NULL AS UDT_SCHEMA, NULL AS UDT_NAME, NULL AS DATA_TYPE, NULL AS CHARACTER_MAXIMUM_LENGTH, NULL AS CHARACTER_OCTET_LENGTH, NULL AS COLLATION_CATALOG, NULL AS COLLATION_SCHEMA, NULL AS COLLATION_NAME, NULL AS CHARACTER_SET_CATALOG, NULL AS CHARACTER_SET_SCHEMA, NULL AS CHARACTER_SET_NAME, NULL AS NUMERIC_PRECISION, NULL AS NUMERIC_PRECISION_RADIX, NULL AS NUMERIC_SCALE, NULL AS DATETIME_PRECISION, NULL AS INTERVAL_TYPE, NULL AS INTERVAL_PRECISION, NULL AS TYPE_UDT_CATALOG, NULL AS TYPE_UDT_SCHEMA, NULL AS TYPE_UDT_NAME, NULL AS SCOPE_CATALOG, NULL AS SCOPE_SCHEMA, NULL AS SCOPE_NAME, NULL AS MAXIMUM_CARDINALITY, NULL AS DTD_IDENTIFIER, 'SQL' AS ROUTINE_BODY, substr(definition, 1, 4000) AS ROUTINE_DEFINITION, NULL AS EXTERNAL_NAME, NULL AS EXTERNAL_LANGUAGE, NULL AS PARAMETER_STYLE, 'NO' AS IS_DETERMINISTIC, 'MODIFIES' AS SQL_DATA_ACCESS, NULL AS IS_NULL_CALL, NULL AS SQL_PATH, 'YES' AS SCHEMA_LEVEL_ROUTINE, -1 AS MAX_DYNAMIC_RESULT_SETS, 'NO' AS IS_USER_DEFINED_CAST, 'NO' AS IS_IMPLICITLY_INVOCABLE, create_date AS CREATED, modify_date AS LAST_ALTERED FROM __mssql_objects WHERE type = 'P'"),
    ("INFORMATION_SCHEMA", "PARAMETERS", "SELECT catalog AS SPECIFIC_CATALOG, schema_name AS SPECIFIC_SCHEMA, routine_name AS SPECIFIC_NAME, parameter_id AS ORDINAL_POSITION, parameter_mode AS PARAMETER_MODE, 'NO' AS IS_RESULT, 'NO' AS AS_LOCATOR, name AS PARAMETER_NAME, data_type AS DATA_TYPE, char_max_len AS CHARACTER_MAXIMUM_LENGTH, char_octet_len AS CHARACTER_OCTET_LENGTH, NULL AS COLLATION_CATALOG, NULL AS COLLATION_SCHEMA, collation_name AS COLLATION_NAME, NULL AS CHARACTER_SET_CATALOG, NULL AS CHARACTER_SET_SCHEMA, NULL AS CHARACTER_SET_NAME, num_precision AS NUMERIC_PRECISION, num_radix AS NUMERIC_PRECISION_RADIX, num_scale AS NUMERIC_SCALE, dt_precision AS DATETIME_PRECISION, NULL AS INTERVAL_TYPE, NULL AS INTERVAL_PRECISION, NULL AS USER_DEFINED_TYPE_CATALOG, NULL AS USER_DEFINED_TYPE_SCHEMA, NULL AS USER_DEFINED_TYPE_NAME, NULL AS SCOPE_CATALOG, NULL AS SCOPE_SCHEMA, NULL AS SCOPE_NAME FROM __mssql_parameters"),
    ("INFORMATION_SCHEMA", "KEY_COLUMN_USAGE", "SELECT catalog AS CONSTRAINT_CATALOG, schema_name AS CONSTRAINT_SCHEMA, constraint_name AS CONSTRAINT_NAME, catalog AS TABLE_CATALOG, schema_name AS TABLE_SCHEMA, table_name AS TABLE_NAME, column_name AS COLUMN_NAME, key_ordinal AS ORDINAL_POSITION FROM __mssql_index_columns WHERE constraint_name IS NOT NULL"),
    ("INFORMATION_SCHEMA", "CONSTRAINT_COLUMN_USAGE", "SELECT catalog AS TABLE_CATALOG, schema_name AS TABLE_SCHEMA, table_name AS TABLE_NAME, column_name AS COLUMN_NAME, catalog AS CONSTRAINT_CATALOG, schema_name AS CONSTRAINT_SCHEMA, constraint_name AS CONSTRAINT_NAME FROM __mssql_index_columns WHERE constraint_name IS NOT NULL"),
];

/// Catalog views of objects the engine never creates (foreign keys, defaults as objects,
/// procedures...): present, with SQL Server's columns, and empty.
pub const EMPTY_VIEWS: &[(&str, &str, &str)] = &[
    ("sys", "foreign_keys", "name, object_id, principal_id, schema_id, parent_object_id, type, type_desc, create_date, modify_date, is_ms_shipped, referenced_object_id, key_index_id, is_disabled, is_not_trusted, delete_referential_action, update_referential_action"),
    ("sys", "foreign_key_columns", "constraint_object_id, constraint_column_id, parent_object_id, parent_column_id, referenced_object_id, referenced_column_id"),
    ("sys", "default_constraints", "name, object_id, principal_id, schema_id, parent_object_id, type, type_desc, create_date, modify_date, parent_column_id, definition, is_system_named"),
    ("sys", "check_constraints", "name, object_id, principal_id, schema_id, parent_object_id, type, type_desc, create_date, modify_date, is_disabled, parent_column_id, definition, is_system_named"),
    ("sys", "computed_columns", "object_id, name, column_id, system_type_id, user_type_id, max_length, precision, scale, definition, is_persisted"),
    ("sys", "extended_properties", "class, class_desc, major_id, minor_id, name, value"),
    ("sys", "triggers", "name, object_id, parent_class, parent_id, type, type_desc, create_date, modify_date, is_disabled"),
    ("sys", "sequences", "name, object_id, schema_id, start_value, increment, current_value"),
    ("sys", "synonyms", "name, object_id, schema_id, base_object_name"),
    ("sys", "table_types", "name, system_type_id, user_type_id, schema_id, type_table_object_id"),
    ("INFORMATION_SCHEMA", "REFERENTIAL_CONSTRAINTS", "CONSTRAINT_CATALOG, CONSTRAINT_SCHEMA, CONSTRAINT_NAME, UNIQUE_CONSTRAINT_CATALOG, UNIQUE_CONSTRAINT_SCHEMA, UNIQUE_CONSTRAINT_NAME, MATCH_OPTION, UPDATE_RULE, DELETE_RULE"),
    ("INFORMATION_SCHEMA", "CHECK_CONSTRAINTS", "CONSTRAINT_CATALOG, CONSTRAINT_SCHEMA, CONSTRAINT_NAME, CHECK_CLAUSE"),
];

/// The SELECT of an empty catalog view with these columns.
pub fn empty_view_sql(columns: &str) -> String {
    let cols: Vec<String> = columns
        .split(", ")
        .map(|c| format!("NULL AS {c}"))
        .collect();
    format!("SELECT {} WHERE 0", cols.join(", "))
}

/// `sys.databases` lives in master only; every database resolves it there.
pub const DATABASES_VIEW: &str = "SELECT name, database_id, source_database_id, owner_sid, create_date, compatibility_level, collation_name, user_access, user_access_desc, is_read_only, state, state_desc, recovery_model, recovery_model_desc, 0 AS is_read_committed_snapshot_on, 0 AS snapshot_isolation_state, 'OFF' AS snapshot_isolation_state_desc, 0 AS is_auto_close_on, 0 AS is_in_standby FROM __mssql_databases";
