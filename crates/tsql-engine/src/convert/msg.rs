//! SQL Server's conversion error messages, worded as the server words them.

use tds_protocol::types::{SqlError, SqlType};

use super::{Kind, Src};

/// The name a type has in conversion error messages (`numeric` for decimal, as SQL Server
/// writes it).
pub fn type_name_for_error(ty: &SqlType) -> &'static str {
    match ty {
        SqlType::Decimal { .. } | SqlType::Numeric { .. } => "numeric",
        SqlType::RowVersion => "timestamp",
        _ => ty.name(),
    }
}

/// The type name of a source value in messages.
pub fn src_name(src: &Src<'_>) -> &'static str {
    match src {
        Src::Null => "NULL",
        Src::Bit(_) => "bit",
        Src::Int(i) if i32::try_from(*i).is_ok() => "int",
        Src::Int(_) => "bigint",
        Src::Float(_) => "float",
        Src::Decimal(..) => "numeric",
        Src::Money(_) => "money",
        Src::Text(_, false) => "varchar",
        Src::Text(_, true) => "nvarchar",
        Src::Blob(_) => "varbinary",
        Src::Guid(_) => "uniqueidentifier",
        Src::Temporal(_, kind) => kind_name(*kind),
    }
}

pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Date => "date",
        Kind::Time(_) => "time",
        Kind::SmallDateTime => "smalldatetime",
        Kind::DateTime => "datetime",
        Kind::DateTime2(_) => "datetime2",
        Kind::DateTimeOffset(_) => "datetimeoffset",
    }
}

/// 245: a string that is not a number of the target type.
pub fn conversion_failed(src: &Src<'_>, text: &str, ty: &SqlType) -> SqlError {
    SqlError::new(
        245,
        16,
        format!(
            "Conversion failed when converting the {} value '{}' to data type {}.",
            src_name(src),
            text,
            type_name_for_error(ty)
        ),
    )
}

/// 8114: `Error converting data type varchar to numeric.`
pub fn error_converting(src: &Src<'_>, ty: &SqlType) -> SqlError {
    SqlError::new(
        8114,
        16,
        format!(
            "Error converting data type {} to {}.",
            src_name(src),
            type_name_for_error(ty)
        ),
    )
    .with_state(5)
}

/// 8115: `Arithmetic overflow error converting {from} to data type {ty}.`
pub fn overflow(from: &str, ty: &SqlType) -> SqlError {
    SqlError::new(
        8115,
        16,
        format!(
            "Arithmetic overflow error converting {} to data type {}.",
            from,
            type_name_for_error(ty)
        ),
    )
    .with_state(2)
}

/// 241: a string that is not a date or time.
pub fn bad_date_string() -> SqlError {
    SqlError::new(
        241,
        16,
        "Conversion failed when converting date and/or time from character string.",
    )
}

/// 242: a date outside the target type's range.
pub fn date_out_of_range(src: &Src<'_>, ty: &SqlType) -> SqlError {
    SqlError::new(
        242,
        16,
        format!(
            "The conversion of a {} data type to a {} data type resulted in an out-of-range value.",
            src_name(src),
            ty.name()
        ),
    )
    .with_state(3)
}

/// 8169: a string that is not a GUID.
pub fn bad_guid() -> SqlError {
    SqlError::new(
        8169,
        16,
        "Conversion failed when converting from a character string to uniqueidentifier.",
    )
    .with_state(2)
}

/// 2628: data longer than the column (SQL Server 2019+ wording, the default).
pub fn truncated(table: &str, column: &str, value: &str) -> SqlError {
    SqlError::new(
        2628,
        16,
        format!(
            "String or binary data would be truncated in table '{table}', column '{column}'. Truncated value: '{value}'."
        ),
    )
    .with_state(1)
}

/// 529 (explicit) or 206 (implicit): a conversion SQL Server does not allow.
pub fn not_allowed(src: &Src<'_>, ty: &SqlType, implicit: bool) -> SqlError {
    if implicit {
        SqlError::new(
            206,
            16,
            format!(
                "Operand type clash: {} is incompatible with {}",
                src_name(src),
                ty.name()
            ),
        )
        .with_state(2)
    } else {
        SqlError::new(
            529,
            16,
            format!(
                "Explicit conversion from data type {} to {} is not allowed.",
                src_name(src),
                ty.name()
            ),
        )
        .with_state(2)
    }
}

/// 257: a conversion SQL Server only does with CAST/CONVERT.
pub fn implicit_not_allowed(src: &Src<'_>, ty: &SqlType) -> SqlError {
    SqlError::new(
        257,
        16,
        format!(
            "Implicit conversion from data type {} to {} is not allowed. Use the CONVERT function to run this query.",
            src_name(src),
            ty.name()
        ),
    )
    .with_state(3)
}

/// 248 / 244: a string holding an integer too large for the target type.
pub fn int_string_overflow(src: &Src<'_>, text: &str, ty: &SqlType) -> SqlError {
    match ty {
        SqlType::TinyInt | SqlType::SmallInt => SqlError::new(
            244,
            16,
            format!(
                "The conversion of the {} value '{}' overflowed an {} column. Use a larger integer column.",
                src_name(src),
                text,
                if *ty == SqlType::TinyInt { "INT1" } else { "INT2" }
            ),
        ),
        SqlType::Int => SqlError::new(
            248,
            16,
            format!(
                "The conversion of the {} value '{}' overflowed an int column.",
                src_name(src),
                text
            ),
        ),
        _ => overflow("expression", ty),
    }
}

/// 281: an unknown CONVERT style.
pub fn bad_style(style: i32, from: &str, to_text: bool) -> SqlError {
    let target = if to_text {
        "a character string"
    } else {
        "a date/time"
    };
    SqlError::new(
        281,
        16,
        format!("{style} is not a valid style number when converting from {from} to {target}."),
    )
}
