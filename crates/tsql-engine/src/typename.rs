//! T-SQL type names → [`SqlType`], with SQL Server's defaults: `decimal` is (18,0),
//! character and binary types without a length are 1 long in a declaration and 30 in
//! CAST/CONVERT, `datetime2`/`time`/`datetimeoffset` have scale 7, `float(1..24)` is `real`.
//! Accepts brackets (`[nvarchar](50)`), a `sys.` schema, ISO synonyms (`national character
//! varying(10)`, `double precision`, `dec`, `integer`), `sysname` and `timestamp`.

use tds_protocol::types::{SqlError, SqlType};

/// Parses a type as a column or variable declaration writes it.
pub fn parse(name: &str) -> Result<SqlType, SqlError> {
    parse_with_default(name, 1)
}

/// Parses a type as CAST/CONVERT writes it (`varchar` alone is `varchar(30)`).
pub fn parse_cast(name: &str) -> Result<SqlType, SqlError> {
    parse_with_default(name, 30)
}

/// A length argument: a number or `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    Num(u32),
    Max,
}

fn not_found(name: &str) -> SqlError {
    SqlError::new(
        2715,
        16,
        format!(
            "Column, parameter, or variable #1: Cannot find data type {}.",
            name.trim()
        ),
    )
}

/// Splits `base(args)` into the lower-case base name (words joined by one space, brackets
/// and a `sys.`/`dbo.` schema removed) and its arguments.
fn split(name: &str) -> Result<(String, Vec<Arg>), SqlError> {
    let t = name.trim();
    let (base, args) = match t.find('(') {
        Some(i) => {
            let close = t
                .rfind(')')
                .filter(|&c| c > i)
                .ok_or_else(|| not_found(name))?;
            if !t[close + 1..].trim().is_empty() {
                return Err(not_found(name));
            }
            (&t[..i], Some(&t[i + 1..close]))
        }
        None => (t, None),
    };
    let base = base.replace(['[', ']', '"'], "").to_ascii_lowercase();
    let base = base
        .strip_prefix("sys.")
        .or_else(|| base.strip_prefix("dbo."))
        .unwrap_or(&base);
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut parsed = Vec::new();
    if let Some(args) = args {
        for a in args.split(',') {
            let a = a.trim();
            if a.eq_ignore_ascii_case("max") {
                parsed.push(Arg::Max);
            } else {
                let n = a
                    .parse::<u32>()
                    .map_err(|_| SqlError::new(102, 15, format!("Incorrect syntax near '{a}'.")))?;
                parsed.push(Arg::Num(n));
            }
        }
    }
    Ok((base, parsed))
}

fn invalid_length(n: u32) -> SqlError {
    SqlError::new(
        1001,
        15,
        format!("Line 1: Length or precision specification {n} is invalid."),
    )
}

/// A character or binary length: 1..=limit, or `max` where allowed.
fn length(
    args: &[Arg],
    default: u16,
    limit: u32,
    base: &str,
    allow_max: bool,
) -> Result<Option<u16>, SqlError> {
    match args.first() {
        None => Ok(Some(default)),
        Some(Arg::Max) if allow_max => Ok(None),
        Some(Arg::Max) => Err(SqlError::new(102, 15, "Incorrect syntax near 'max'.")),
        Some(Arg::Num(0)) => Err(invalid_length(0)),
        Some(Arg::Num(n)) if *n > limit => Err(SqlError::new(
            131,
            15,
            format!(
                "The size ({n}) given to the type '{base}' exceeds the maximum allowed for any data type ({limit})."
            ),
        )),
        Some(Arg::Num(n)) => Ok(Some(*n as u16)),
    }
}

/// A fractional-seconds scale 0..=7, default 7.
fn frac_scale(args: &[Arg]) -> Result<u8, SqlError> {
    match args.first() {
        None => Ok(7),
        Some(Arg::Num(n)) if *n <= 7 => Ok(*n as u8),
        Some(Arg::Num(n)) => Err(SqlError::new(
            1002,
            15,
            format!("Line 1: Specified scale {n} is invalid."),
        )),
        Some(Arg::Max) => Err(SqlError::new(102, 15, "Incorrect syntax near 'max'.")),
    }
}

/// decimal/numeric precision and scale: (18, 0) by default.
fn precision_scale(args: &[Arg]) -> Result<(u8, u8), SqlError> {
    let num = |a: Option<&Arg>, default: u32| match a {
        None => Ok(default),
        Some(Arg::Num(n)) => Ok(*n),
        Some(Arg::Max) => Err(SqlError::new(102, 15, "Incorrect syntax near 'max'.")),
    };
    let p = num(args.first(), 18)?;
    let s = num(args.get(1), 0)?;
    if p == 0 {
        return Err(invalid_length(0));
    }
    if p > 38 {
        return Err(SqlError::new(
            2750,
            16,
            format!(
                "Column or parameter #1: Specified column precision {p} is greater than the maximum precision of 38."
            ),
        ));
    }
    if s > p {
        return Err(SqlError::new(
            2751,
            16,
            format!(
                "Column or parameter #1: Specified column scale {s} is greater than the specified precision of {p}."
            ),
        ));
    }
    Ok((p as u8, s as u8))
}

fn parse_with_default(name: &str, default_len: u16) -> Result<SqlType, SqlError> {
    let (base, args) = split(name)?;
    let no_args = |ty: SqlType| {
        if args.is_empty() {
            Ok(ty)
        } else {
            Err(SqlError::new(
                2716,
                16,
                format!(
                    "Column, parameter, or variable #1: Cannot specify a column width on data type {base}."
                ),
            ))
        }
    };
    let chars = |limit: u32, max: bool| length(&args, default_len, limit, &base, max);
    Ok(match base.as_str() {
        "bit" => no_args(SqlType::Bit)?,
        "tinyint" => no_args(SqlType::TinyInt)?,
        "smallint" => no_args(SqlType::SmallInt)?,
        "int" | "integer" => no_args(SqlType::Int)?,
        "bigint" => no_args(SqlType::BigInt)?,
        "decimal" | "dec" => {
            let (precision, scale) = precision_scale(&args)?;
            SqlType::Decimal { precision, scale }
        }
        "numeric" => {
            let (precision, scale) = precision_scale(&args)?;
            SqlType::Numeric { precision, scale }
        }
        "money" => no_args(SqlType::Money)?,
        "smallmoney" => no_args(SqlType::SmallMoney)?,
        "real" => no_args(SqlType::Real)?,
        "double precision" => no_args(SqlType::Float)?,
        "float" => match args.first() {
            None => SqlType::Float,
            Some(Arg::Num(n @ 1..=24)) if args.len() == 1 => {
                let _ = n;
                SqlType::Real
            }
            Some(Arg::Num(25..=53)) if args.len() == 1 => SqlType::Float,
            Some(Arg::Num(n)) => {
                return Err(SqlError::new(
                    2750,
                    16,
                    format!(
                        "Column or parameter #1: Specified column precision {n} is greater than the maximum precision of 53."
                    ),
                ))
            }
            Some(Arg::Max) => return Err(not_found(name)),
        },
        "date" => no_args(SqlType::Date)?,
        "time" => SqlType::Time {
            scale: frac_scale(&args)?,
        },
        "smalldatetime" => no_args(SqlType::SmallDateTime)?,
        "datetime" => no_args(SqlType::DateTime)?,
        "datetime2" => SqlType::DateTime2 {
            scale: frac_scale(&args)?,
        },
        "datetimeoffset" => SqlType::DateTimeOffset {
            scale: frac_scale(&args)?,
        },
        "char" | "character" => SqlType::Char(chars(8000, false)?.unwrap_or(1)),
        "varchar" | "char varying" | "character varying" => SqlType::VarChar(chars(8000, true)?),
        "nchar" | "national char" | "national character" => {
            SqlType::NChar(chars(4000, false)?.unwrap_or(1))
        }
        "nvarchar" | "national char varying" | "national character varying" => {
            SqlType::NVarChar(chars(4000, true)?)
        }
        "sysname" => no_args(SqlType::NVarChar(Some(128)))?,
        "text" => no_args(SqlType::Text)?,
        "ntext" | "national text" => no_args(SqlType::NText)?,
        "binary" => SqlType::Binary(chars(8000, false)?.unwrap_or(1)),
        "varbinary" | "binary varying" => SqlType::VarBinary(chars(8000, true)?),
        "image" => no_args(SqlType::Image)?,
        "uniqueidentifier" => no_args(SqlType::UniqueIdentifier)?,
        // xml(CONTENT schema_collection): the schema collection is not enforced.
        "xml" => SqlType::Xml,
        "rowversion" | "timestamp" => no_args(SqlType::RowVersion)?,
        "sql_variant" => no_args(SqlType::SqlVariant)?,
        _ => return Err(not_found(name)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_sql_server() {
        assert_eq!(
            parse("decimal").unwrap(),
            SqlType::Decimal {
                precision: 18,
                scale: 0
            }
        );
        assert_eq!(
            parse("DECIMAL( 18 , 4 )").unwrap(),
            SqlType::Decimal {
                precision: 18,
                scale: 4
            }
        );
        assert_eq!(
            parse("numeric(5)").unwrap(),
            SqlType::Numeric {
                precision: 5,
                scale: 0
            }
        );
        assert_eq!(parse("varchar").unwrap(), SqlType::VarChar(Some(1)));
        assert_eq!(parse_cast("varchar").unwrap(), SqlType::VarChar(Some(30)));
        assert_eq!(parse_cast("nchar").unwrap(), SqlType::NChar(30));
        assert_eq!(parse("nvarchar(max)").unwrap(), SqlType::NVarChar(None));
        assert_eq!(
            parse("[nvarchar](50)").unwrap(),
            SqlType::NVarChar(Some(50))
        );
        assert_eq!(
            parse("national  character varying(10)").unwrap(),
            SqlType::NVarChar(Some(10))
        );
        assert_eq!(parse("datetime2").unwrap(), SqlType::DateTime2 { scale: 7 });
        assert_eq!(parse("time(3)").unwrap(), SqlType::Time { scale: 3 });
        assert_eq!(parse("float(24)").unwrap(), SqlType::Real);
        assert_eq!(parse("float(25)").unwrap(), SqlType::Float);
        assert_eq!(parse("double precision").unwrap(), SqlType::Float);
        assert_eq!(parse("rowversion").unwrap(), SqlType::RowVersion);
        assert_eq!(parse("timestamp").unwrap(), SqlType::RowVersion);
        assert_eq!(parse("sys.sysname").unwrap(), SqlType::NVarChar(Some(128)));
        assert_eq!(parse("varbinary(max)").unwrap(), SqlType::VarBinary(None));
        assert_eq!(parse("binary").unwrap(), SqlType::Binary(1));
    }

    #[test]
    fn display_round_trips() {
        for name in [
            "decimal(38,10)",
            "nvarchar(max)",
            "varchar(8000)",
            "datetimeoffset(3)",
            "binary(16)",
            "uniqueidentifier",
            "rowversion",
            "sql_variant",
            "time(0)",
        ] {
            assert_eq!(parse(name).unwrap().to_string(), name);
        }
    }

    #[test]
    fn errors_have_sql_server_numbers() {
        assert_eq!(parse("foo").unwrap_err().number, 2715);
        assert_eq!(
            parse("foo").unwrap_err().message,
            "Column, parameter, or variable #1: Cannot find data type foo."
        );
        assert_eq!(parse("decimal(39,2)").unwrap_err().number, 2750);
        assert_eq!(parse("decimal(5,6)").unwrap_err().number, 2751);
        let e = parse("varchar(9000)").unwrap_err();
        assert_eq!(e.number, 131);
        assert_eq!(
            e.message,
            "The size (9000) given to the type 'varchar' exceeds the maximum allowed for any data type (8000)."
        );
        assert_eq!(parse("nvarchar(4001)").unwrap_err().number, 131);
        assert_eq!(parse("char(0)").unwrap_err().number, 1001);
        assert_eq!(parse("datetime2(8)").unwrap_err().number, 1002);
        assert_eq!(parse("char(max)").unwrap_err().number, 102);
        assert_eq!(parse("int(4)").unwrap_err().number, 2716);
    }
}
