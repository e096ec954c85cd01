//! SQL Server column types: their JSON schema in the catalog, how a query
//! selects them, and which may serve as an incremental cursor.
//!
//! Type names are those of `INFORMATION_SCHEMA.COLUMNS.DATA_TYPE` and
//! `sys.types.name` (alias types resolved to their system type first).

use crate::error::{Error, Result};
use serde_json::{json, Value};
use std::fmt;

/// A SQL Server system type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlType {
    Bit,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Decimal,
    Numeric,
    Money,
    SmallMoney,
    Real,
    Float,
    Date,
    Time,
    SmallDateTime,
    DateTime,
    DateTime2,
    DateTimeOffset,
    Char,
    VarChar,
    NChar,
    NVarChar,
    Text,
    NText,
    Xml,
    UniqueIdentifier,
    Binary,
    VarBinary,
    Image,
    /// `rowversion`, also named `timestamp`: not a time, an 8-byte counter.
    RowVersion,
    SqlVariant,
    HierarchyId,
    Geometry,
    Geography,
    /// A type this source doesn't know (a CLR type, say); read as a string.
    Other(String),
}

impl SqlType {
    /// Parses a type name as the catalog views spell it, in any case.
    pub fn from_name(name: &str) -> SqlType {
        use SqlType::*;
        match name.trim().to_ascii_lowercase().as_str() {
            "bit" => Bit,
            "tinyint" => TinyInt,
            "smallint" => SmallInt,
            "int" => Int,
            "bigint" => BigInt,
            "decimal" => Decimal,
            "numeric" => Numeric,
            "money" => Money,
            "smallmoney" => SmallMoney,
            "real" => Real,
            "float" => Float,
            "date" => Date,
            "time" => Time,
            "smalldatetime" => SmallDateTime,
            "datetime" => DateTime,
            "datetime2" => DateTime2,
            "datetimeoffset" => DateTimeOffset,
            "char" => Char,
            "varchar" => VarChar,
            "nchar" => NChar,
            // `sysname` is nvarchar(128) under another name.
            "nvarchar" | "sysname" => NVarChar,
            "text" => Text,
            "ntext" => NText,
            "xml" => Xml,
            "uniqueidentifier" => UniqueIdentifier,
            "binary" => Binary,
            "varbinary" => VarBinary,
            "image" => Image,
            "rowversion" | "timestamp" => RowVersion,
            "sql_variant" => SqlVariant,
            "hierarchyid" => HierarchyId,
            "geometry" => Geometry,
            "geography" => Geography,
            _ => Other(name.trim().to_string()),
        }
    }

    /// The type's name in lower case, as SQL Server prints it.
    pub fn name(&self) -> &str {
        use SqlType::*;
        match self {
            Bit => "bit",
            TinyInt => "tinyint",
            SmallInt => "smallint",
            Int => "int",
            BigInt => "bigint",
            Decimal => "decimal",
            Numeric => "numeric",
            Money => "money",
            SmallMoney => "smallmoney",
            Real => "real",
            Float => "float",
            Date => "date",
            Time => "time",
            SmallDateTime => "smalldatetime",
            DateTime => "datetime",
            DateTime2 => "datetime2",
            DateTimeOffset => "datetimeoffset",
            Char => "char",
            VarChar => "varchar",
            NChar => "nchar",
            NVarChar => "nvarchar",
            Text => "text",
            NText => "ntext",
            Xml => "xml",
            UniqueIdentifier => "uniqueidentifier",
            Binary => "binary",
            VarBinary => "varbinary",
            Image => "image",
            RowVersion => "rowversion",
            SqlVariant => "sql_variant",
            HierarchyId => "hierarchyid",
            Geometry => "geometry",
            Geography => "geography",
            Other(name) => name,
        }
    }
}

/// The Airbyte type a column's values have ("Data Types in Records" in
/// Airbyte's docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AirbyteType {
    Boolean,
    Integer,
    Number,
    String,
    BinaryData,
    Date,
    TimeWithoutTimezone,
    TimestampWithoutTimezone,
    TimestampWithTimezone,
}

/// The keyword of a property schema that holds the column's SQL Server type
/// as CREATE TABLE writes it (`decimal(38,6)`), for a destination to create
/// the same type. JSON Schema lets a schema carry keywords it doesn't
/// define; readers that don't know this one ignore it.
pub const MSSQL_TYPE_KEYWORD: &str = "x-mssql-type";

impl AirbyteType {
    /// The JSON Schema type and the keywords that narrow it, as Airbyte
    /// documents them: `{"type": "string", "format": "date-time",
    /// "airbyte_type": "timestamp_without_timezone"}`. A nullable column's
    /// type is `["null", T]`, the union PyAirbyte and Airbyte's destinations
    /// read as T that may be null; its NULLs then match the schema too.
    pub fn schema(self, nullable: bool) -> Value {
        use AirbyteType::*;
        let primitive = match self {
            Boolean => "boolean",
            Integer => "integer",
            Number => "number",
            _ => "string",
        };
        let mut schema = json!({
            "type": if nullable { json!(["null", primitive]) } else { json!(primitive) }
        });
        let (format, airbyte_type) = match self {
            Date => (Some("date"), None),
            TimeWithoutTimezone => (Some("time"), Some("time_without_timezone")),
            TimestampWithoutTimezone => (Some("date-time"), Some("timestamp_without_timezone")),
            TimestampWithTimezone => (Some("date-time"), Some("timestamp_with_timezone")),
            _ => (None, None),
        };
        if let Some(format) = format {
            schema["format"] = json!(format);
        }
        if let Some(airbyte_type) = airbyte_type {
            schema["airbyte_type"] = json!(airbyte_type);
        }
        if self == BinaryData {
            schema["contentEncoding"] = json!("base64");
        }
        schema
    }

    /// Plain JSON Schema for Singer targets; every column may be NULL.
    pub fn singer_schema(self) -> Value {
        use AirbyteType::*;
        match self {
            Boolean => json!({"type": ["null", "boolean"]}),
            Integer => json!({"type": ["null", "integer"]}),
            Number => json!({"type": ["null", "number"]}),
            String | BinaryData => json!({"type": ["null", "string"]}),
            Date => json!({"type": ["null", "string"], "format": "date"}),
            TimeWithoutTimezone => json!({"type": ["null", "string"], "format": "time"}),
            TimestampWithoutTimezone | TimestampWithTimezone => {
                json!({"type": ["null", "string"], "format": "date-time"})
            }
        }
    }
}

/// A column's type with its size, as the catalog views describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    pub sql_type: SqlType,
    /// Digits of decimal/numeric, fraction digits of time types' `scale`.
    pub precision: Option<u8>,
    pub scale: Option<u8>,
    /// Characters or bytes; `-1` for `max`.
    pub max_length: Option<i32>,
}

impl ColumnType {
    pub fn new(sql_type: SqlType) -> Self {
        Self {
            sql_type,
            precision: None,
            scale: None,
            max_length: None,
        }
    }

    /// From INFORMATION_SCHEMA.COLUMNS' DATA_TYPE, CHARACTER_MAXIMUM_LENGTH,
    /// NUMERIC_PRECISION, and NUMERIC_SCALE or DATETIME_PRECISION.
    pub fn from_catalog(
        data_type: &str,
        max_length: Option<i32>,
        precision: Option<u8>,
        scale: Option<u8>,
    ) -> Self {
        Self {
            sql_type: SqlType::from_name(data_type),
            precision,
            scale,
            max_length,
        }
    }

    pub fn airbyte_type(&self) -> AirbyteType {
        use SqlType::*;
        match self.sql_type {
            Bit => AirbyteType::Boolean,
            TinyInt | SmallInt | Int | BigInt => AirbyteType::Integer,
            Decimal | Numeric | Money | SmallMoney | Real | Float => AirbyteType::Number,
            Date => AirbyteType::Date,
            Time => AirbyteType::TimeWithoutTimezone,
            SmallDateTime | DateTime | DateTime2 => AirbyteType::TimestampWithoutTimezone,
            DateTimeOffset => AirbyteType::TimestampWithTimezone,
            Binary | VarBinary | Image | RowVersion => AirbyteType::BinaryData,
            Char | VarChar | NChar | NVarChar | Text | NText | Xml | UniqueIdentifier
            | SqlVariant | HierarchyId | Geometry | Geography | Other(_) => AirbyteType::String,
        }
    }

    /// The column's schema in a stream's `json_schema.properties`: its
    /// Airbyte type, and its SQL Server type under `x-mssql-type`.
    pub fn json_schema(&self, nullable: bool) -> Value {
        let mut schema = self.airbyte_type().schema(nullable);
        schema[MSSQL_TYPE_KEYWORD] = json!(self.to_string());
        schema
    }

    /// Whether rows can be read incrementally by this column: its values
    /// must order the same in SQL Server and as the text kept in the state.
    pub fn can_be_cursor(&self) -> bool {
        use SqlType::*;
        matches!(
            self.sql_type,
            TinyInt
                | SmallInt
                | Int
                | BigInt
                | Decimal
                | Numeric
                | Date
                | SmallDateTime
                | DateTime
                | DateTime2
                | DateTimeOffset
                | RowVersion
        )
    }

    /// Ok if `column` may be the cursor, else a config error saying which
    /// types may.
    pub fn check_cursor(&self, stream: &str, column: &str) -> Result<()> {
        if self.can_be_cursor() {
            return Ok(());
        }
        Err(Error::config(format!(
            "catalog: stream `{stream}` has cursor column `{column}` of type {self}, which \
             can't be a cursor; choose a column of type tinyint, smallint, int, bigint, \
             decimal, numeric, date, smalldatetime, datetime, datetime2, datetimeoffset \
             or rowversion"
        )))
    }

    /// The SELECT-list expression that reads `quoted` (an already quoted
    /// column name) in the form the record writer expects.
    ///
    /// The driver decodes money as a float, which loses digits past 15, so
    /// money is cast to decimal; types the driver can't decode to their text
    /// form are converted by the server.
    pub fn select_expression(&self, quoted: &str) -> String {
        use SqlType::*;
        match self.sql_type {
            Money => format!("CAST({quoted} AS DECIMAL(19,4))"),
            SmallMoney => format!("CAST({quoted} AS DECIMAL(10,4))"),
            Geometry | Geography => format!("{quoted}.STAsText()"),
            HierarchyId | SqlVariant | Other(_) => format!("CAST({quoted} AS NVARCHAR(MAX))"),
            _ => quoted.to_string(),
        }
    }
}

/// Prints the type as in a CREATE TABLE: `varchar(max)`, `decimal(18,2)`.
impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SqlType::*;
        let name = self.sql_type.name();
        match (&self.sql_type, self.precision, self.scale, self.max_length) {
            (Decimal | Numeric, Some(p), s, _) => write!(f, "{name}({p},{})", s.unwrap_or(0)),
            (Time | DateTime2 | DateTimeOffset, _, Some(s), _) => write!(f, "{name}({s})"),
            (Char | VarChar | NChar | NVarChar | Binary | VarBinary, _, _, Some(-1)) => {
                write!(f, "{name}(max)")
            }
            (Char | VarChar | NChar | NVarChar | Binary | VarBinary, _, _, Some(n)) => {
                write!(f, "{name}({n})")
            }
            _ => f.write_str(name),
        }
    }
}

/// Quotes a schema, table or column name for T-SQL: `[name]`, with `]`
/// doubled so no name can end the quoting early.
pub fn quote_identifier(name: &str) -> String {
    format!("[{}]", name.replace(']', "]]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The property schema of a NOT NULL column of type `name`, without
    /// its SQL Server type.
    fn airbyte(name: &str) -> Value {
        let mut schema = ColumnType::new(SqlType::from_name(name)).json_schema(false);
        schema.as_object_mut().unwrap().remove(MSSQL_TYPE_KEYWORD);
        schema
    }

    #[test]
    fn every_type_maps_to_its_airbyte_type() {
        let boolean = json!({"type": "boolean"});
        let integer = json!({"type": "integer"});
        let number = json!({"type": "number"});
        let string = json!({"type": "string"});
        let binary = json!({"type": "string", "contentEncoding": "base64"});
        let date = json!({"type": "string", "format": "date"});
        let time = json!({"type": "string", "format": "time",
                          "airbyte_type": "time_without_timezone"});
        let timestamp = json!({"type": "string", "format": "date-time",
                               "airbyte_type": "timestamp_without_timezone"});
        let timestamp_tz = json!({"type": "string", "format": "date-time",
                                  "airbyte_type": "timestamp_with_timezone"});
        let expected = [
            ("bit", &boolean),
            ("tinyint", &integer),
            ("smallint", &integer),
            ("int", &integer),
            ("bigint", &integer),
            ("decimal", &number),
            ("numeric", &number),
            ("money", &number),
            ("smallmoney", &number),
            ("real", &number),
            ("float", &number),
            ("date", &date),
            ("time", &time),
            ("smalldatetime", &timestamp),
            ("datetime", &timestamp),
            ("datetime2", &timestamp),
            ("datetimeoffset", &timestamp_tz),
            ("char", &string),
            ("varchar", &string),
            ("nchar", &string),
            ("nvarchar", &string),
            ("sysname", &string),
            ("text", &string),
            ("ntext", &string),
            ("xml", &string),
            ("uniqueidentifier", &string),
            ("binary", &binary),
            ("varbinary", &binary),
            ("image", &binary),
            ("rowversion", &binary),
            ("timestamp", &binary),
            ("sql_variant", &string),
            ("hierarchyid", &string),
            ("geometry", &string),
            ("geography", &string),
            ("some_clr_type", &string),
        ];
        for (name, schema) in expected {
            assert_eq!(&airbyte(name), schema, "{name}");
        }
    }

    #[test]
    fn a_nullable_column_is_a_union_with_null_and_every_schema_names_its_type() {
        let amount = ColumnType::from_catalog("decimal", None, Some(38), Some(6));
        assert_eq!(
            amount.json_schema(true),
            json!({"type": ["null", "number"], "x-mssql-type": "decimal(38,6)"})
        );
        let at = ColumnType::from_catalog("datetime2", None, None, Some(3));
        assert_eq!(
            at.json_schema(false),
            json!({"type": "string", "format": "date-time",
                   "airbyte_type": "timestamp_without_timezone", "x-mssql-type": "datetime2(3)"})
        );
        let version = ColumnType::from_catalog("timestamp", None, None, None);
        assert_eq!(version.json_schema(false)["x-mssql-type"], "rowversion");
        let body = ColumnType::from_catalog("varchar", Some(-1), None, None);
        assert_eq!(
            body.json_schema(true),
            json!({"type": ["null", "string"], "x-mssql-type": "varchar(max)"})
        );
    }

    #[test]
    fn names_are_case_insensitive() {
        assert_eq!(SqlType::from_name("DateTime2"), SqlType::DateTime2);
        assert_eq!(SqlType::from_name(" NVARCHAR "), SqlType::NVarChar);
    }

    #[test]
    fn cursor_types() {
        let ok = [
            "tinyint",
            "smallint",
            "int",
            "bigint",
            "decimal",
            "numeric",
            "date",
            "smalldatetime",
            "datetime",
            "datetime2",
            "datetimeoffset",
            "rowversion",
            "timestamp",
        ];
        let not = [
            "bit",
            "money",
            "real",
            "float",
            "time",
            "char",
            "varchar",
            "nvarchar",
            "text",
            "xml",
            "uniqueidentifier",
            "binary",
            "varbinary",
            "image",
            "sql_variant",
            "hierarchyid",
            "geometry",
        ];
        for name in ok {
            assert!(
                ColumnType::new(SqlType::from_name(name)).can_be_cursor(),
                "{name}"
            );
        }
        for name in not {
            assert!(
                !ColumnType::new(SqlType::from_name(name)).can_be_cursor(),
                "{name}"
            );
        }
    }

    #[test]
    fn cursor_error_names_column_and_type() {
        let ty = ColumnType::from_catalog("varchar", Some(50), None, None);
        let err = ty.check_cursor("dbo.users", "email").unwrap_err();
        assert!(
            err.message
                .contains("`dbo.users` has cursor column `email` of type varchar(50)"),
            "{}",
            err.message
        );
        assert_eq!(
            err.failure_type,
            crate::protocol::airbyte::FailureType::ConfigError
        );
        assert!(ColumnType::new(SqlType::BigInt)
            .check_cursor("t", "id")
            .is_ok());
    }

    #[test]
    fn display_with_sizes() {
        let cases = [
            (
                ColumnType::from_catalog("decimal", None, Some(18), Some(2)),
                "decimal(18,2)",
            ),
            (
                ColumnType::from_catalog("nvarchar", Some(-1), None, None),
                "nvarchar(max)",
            ),
            (
                ColumnType::from_catalog("datetime2", None, None, Some(3)),
                "datetime2(3)",
            ),
            (
                ColumnType::from_catalog("int", None, Some(10), Some(0)),
                "int",
            ),
        ];
        for (ty, text) in cases {
            assert_eq!(ty.to_string(), text);
        }
    }

    #[test]
    fn select_expressions() {
        let q = quote_identifier("amount");
        let expr = |name: &str| ColumnType::new(SqlType::from_name(name)).select_expression(&q);
        assert_eq!(expr("int"), "[amount]");
        assert_eq!(expr("money"), "CAST([amount] AS DECIMAL(19,4))");
        assert_eq!(expr("smallmoney"), "CAST([amount] AS DECIMAL(10,4))");
        assert_eq!(expr("geography"), "[amount].STAsText()");
        assert_eq!(expr("hierarchyid"), "CAST([amount] AS NVARCHAR(MAX))");
        assert_eq!(expr("sql_variant"), "CAST([amount] AS NVARCHAR(MAX))");
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("a]b"), "[a]]b]");
        assert_eq!(quote_identifier("order"), "[order]");
    }
}
