//! SQL Server's data types and values, as both the codec and the engine see them.
//!
//! This module is the contract between the wire codec (which encodes a [`Value`] as the
//! [`SqlType`] of its column says) and the SQL engine (which stores and computes values).
//! It holds no encoding logic itself.

use std::fmt;

/// A column's or parameter's declared SQL Server type, with its length, precision and scale.
///
/// Lengths of character types count characters (`nvarchar(50)` is `NVarChar(Some(50))`,
/// 100 bytes on the wire); `None` stands for `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlType {
    Bit,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    /// `decimal(p, s)`, 1 <= p <= 38, 0 <= s <= p.
    Decimal {
        precision: u8,
        scale: u8,
    },
    /// `numeric(p, s)`: the same values as decimal, a different type name.
    Numeric {
        precision: u8,
        scale: u8,
    },
    Money,
    SmallMoney,
    Real,
    Float,
    Date,
    /// `time(s)`, 0 <= s <= 7.
    Time {
        scale: u8,
    },
    SmallDateTime,
    DateTime,
    DateTime2 {
        scale: u8,
    },
    DateTimeOffset {
        scale: u8,
    },
    Char(u16),
    VarChar(Option<u16>),
    NChar(u16),
    NVarChar(Option<u16>),
    Text,
    NText,
    Binary(u16),
    VarBinary(Option<u16>),
    Image,
    UniqueIdentifier,
    Xml,
    /// `rowversion` (alias `timestamp`): binary(8), bumped by the server on every write.
    RowVersion,
    SqlVariant,
}

impl SqlType {
    /// The type's name as `sys.types` and `INFORMATION_SCHEMA.COLUMNS.DATA_TYPE` spell it.
    pub fn name(&self) -> &'static str {
        match self {
            SqlType::Bit => "bit",
            SqlType::TinyInt => "tinyint",
            SqlType::SmallInt => "smallint",
            SqlType::Int => "int",
            SqlType::BigInt => "bigint",
            SqlType::Decimal { .. } => "decimal",
            SqlType::Numeric { .. } => "numeric",
            SqlType::Money => "money",
            SqlType::SmallMoney => "smallmoney",
            SqlType::Real => "real",
            SqlType::Float => "float",
            SqlType::Date => "date",
            SqlType::Time { .. } => "time",
            SqlType::SmallDateTime => "smalldatetime",
            SqlType::DateTime => "datetime",
            SqlType::DateTime2 { .. } => "datetime2",
            SqlType::DateTimeOffset { .. } => "datetimeoffset",
            SqlType::Char(_) => "char",
            SqlType::VarChar(_) => "varchar",
            SqlType::NChar(_) => "nchar",
            SqlType::NVarChar(_) => "nvarchar",
            SqlType::Text => "text",
            SqlType::NText => "ntext",
            SqlType::Binary(_) => "binary",
            SqlType::VarBinary(_) => "varbinary",
            SqlType::Image => "image",
            SqlType::UniqueIdentifier => "uniqueidentifier",
            SqlType::Xml => "xml",
            SqlType::RowVersion => "timestamp",
            SqlType::SqlVariant => "sql_variant",
        }
    }
}

/// The type as T-SQL writes it: `decimal(18,4)`, `nvarchar(max)`, `datetime2(7)`.
impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = |n: &Option<u16>| match n {
            Some(n) => n.to_string(),
            None => "max".to_string(),
        };
        match self {
            SqlType::Decimal { precision, scale } | SqlType::Numeric { precision, scale } => {
                write!(f, "{}({},{})", self.name(), precision, scale)
            }
            SqlType::Time { scale }
            | SqlType::DateTime2 { scale }
            | SqlType::DateTimeOffset { scale } => write!(f, "{}({})", self.name(), scale),
            SqlType::Char(n) | SqlType::NChar(n) | SqlType::Binary(n) => {
                write!(f, "{}({})", self.name(), n)
            }
            SqlType::VarChar(n) | SqlType::NVarChar(n) | SqlType::VarBinary(n) => {
                write!(f, "{}({})", self.name(), len(n))
            }
            SqlType::RowVersion => f.write_str("rowversion"),
            _ => f.write_str(self.name()),
        }
    }
}

/// A date: days since 0001-01-01 in the proleptic Gregorian calendar (SQL Server's `date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub u32);

/// A time of day in 100-nanosecond ticks since midnight (SQL Server's `time(7)` resolution).
/// A value of a column of smaller scale is a multiple of its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub u64);

/// An exact decimal number: `mantissa / 10^scale`. 38 digits fit in an `i128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u8,
}

/// A value of one of SQL Server's types. Which wire format it takes is decided by the
/// [`SqlType`] of the column or parameter it belongs to, not by the variant alone
/// (`String` serves char, varchar, nchar, nvarchar, text, ntext and xml).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bit(bool),
    TinyInt(u8),
    SmallInt(i16),
    Int(i32),
    BigInt(i64),
    /// decimal and numeric.
    Decimal(Decimal),
    /// money and smallmoney: ten-thousandths of the currency unit.
    Money(i64),
    Real(f32),
    Float(f64),
    Date(Date),
    Time(Time),
    /// smalldatetime: days since 1900-01-01 and minutes since midnight.
    SmallDateTime {
        days: u16,
        minutes: u16,
    },
    /// datetime: days since 1900-01-01 (negative back to 1753) and 1/300-second ticks since midnight.
    DateTime {
        days: i32,
        ticks: u32,
    },
    DateTime2(Date, Time),
    /// datetimeoffset: the local date and time, and the offset from UTC in minutes
    /// (the wire carries the UTC instant; the codec converts).
    DateTimeOffset {
        date: Date,
        time: Time,
        offset_minutes: i16,
    },
    String(String),
    Bytes(Vec<u8>),
    /// uniqueidentifier, in the byte order of its text form
    /// (`00112233-4455-6677-8899-AABBCCDDEEFF` is `[0x00, 0x11, ..., 0xFF]`).
    Guid([u8; 16]),
    /// sql_variant: the base type and value it holds.
    Variant(Box<(SqlType, Value)>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// Whether a result column can be written through (COLMETADATA's 2-bit `usUpdateable`,
/// MS-TDS 2.2.7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updateable {
    /// 0: read-only (an expression, an identity, computed or rowversion column).
    ReadOnly,
    /// 1: read/write. SQL Server does not send it in a plain result set (see
    /// [`Updateable::Unknown`]).
    ReadWrite,
    /// 2 ("unknown", "unused" in MS-TDS): what SQL Server sends for a table's ordinary
    /// column outside browse mode.
    Unknown,
}

/// A column of a result set, as COLMETADATA describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMeta {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    /// An IDENTITY column.
    pub identity: bool,
    /// A computed column, or an expression (fComputed).
    pub computed: bool,
    pub updateable: Updateable,
}

impl ColumnMeta {
    /// A column computed by an expression (`SELECT 'foo' AS bar`): nullable, read-only.
    pub fn new(name: impl Into<String>, ty: SqlType) -> ColumnMeta {
        ColumnMeta {
            name: name.into(),
            ty,
            nullable: true,
            identity: false,
            computed: true,
            updateable: Updateable::ReadOnly,
        }
    }

    /// An ordinary column of a table, read as it is.
    pub fn table_column(name: impl Into<String>, ty: SqlType, nullable: bool) -> ColumnMeta {
        ColumnMeta {
            name: name.into(),
            ty,
            nullable,
            identity: false,
            computed: false,
            updateable: Updateable::Unknown,
        }
    }
}

/// An error or message as SQL Server reports it in an ERROR or INFO token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    pub number: i32,
    pub state: u8,
    /// Severity: 0-10 informational, 11-16 user errors, 17+ resource and system errors.
    pub class: u8,
    pub message: String,
    /// The procedure the error arose in, empty for a batch.
    pub procedure: String,
    /// Line of the batch (1-based).
    pub line: u32,
}

impl SqlError {
    pub fn new(number: i32, class: u8, message: impl Into<String>) -> SqlError {
        SqlError {
            number,
            state: 1,
            class,
            message: message.into(),
            procedure: String::new(),
            line: 1,
        }
    }

    pub fn with_state(mut self, state: u8) -> SqlError {
        self.state = state;
        self
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Msg {}, Level {}, State {}, Line {}: {}",
            self.number, self.class, self.state, self.line, self.message
        )
    }
}

impl std::error::Error for SqlError {}
