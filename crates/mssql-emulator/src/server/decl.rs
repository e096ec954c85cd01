//! The parameter declaration string of `sp_executesql` and `sp_prepare`:
//! `@P1 int, @P2 nvarchar(4000) OUTPUT, @amount decimal(18, 4)`.
//!
//! It tells which names the positional values of the call take, the types T-SQL sees them
//! as, and which are OUTPUT.

use tsql_engine::SqlType;

/// One declared parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// With its `@`.
    pub name: String,
    /// `None` for a type this parser does not know (a user-defined type): the value keeps
    /// the type the client sent.
    pub ty: Option<SqlType>,
    pub output: bool,
}

/// Parses a declaration list; `Err` with SQL Server's wording for what is wrong.
pub fn parse_declarations(text: &str) -> Result<Vec<Declared>, String> {
    split_top_level(text)
        .into_iter()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(parse_one)
        .collect()
}

fn parse_one(part: &str) -> Result<Declared, String> {
    let mut rest = part.trim();
    if !rest.starts_with('@') {
        return Err(format!("Incorrect syntax near '{rest}'."));
    }
    let name_end = rest
        .find(|c: char| c.is_whitespace())
        .ok_or_else(|| format!("Must declare a type for {rest}."))?;
    let name = rest[..name_end].to_string();
    rest = rest[name_end..].trim_start();
    // Strip an optional AS, a default (`= value`), READONLY and OUTPUT.
    if let Some(after) = strip_keyword(rest, "as") {
        rest = after;
    }
    let mut type_text = rest;
    if let Some(eq) = rest.find('=') {
        type_text = &rest[..eq];
    }
    let mut output = false;
    loop {
        let trimmed = type_text.trim_end();
        let last = trimmed.rsplit(char::is_whitespace).next().unwrap_or("");
        let lower = last.to_ascii_lowercase();
        if trimmed.len() > last.len() && matches!(lower.as_str(), "output" | "out" | "readonly") {
            output |= lower != "readonly";
            type_text = &trimmed[..trimmed.len() - last.len()];
        } else {
            type_text = trimmed;
            break;
        }
    }
    Ok(Declared {
        name,
        ty: parse_type(type_text),
        output,
    })
}

fn strip_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let head = text.get(..keyword.len())?;
    let tail = &text[keyword.len()..];
    (head.eq_ignore_ascii_case(keyword) && tail.starts_with(char::is_whitespace))
        .then(|| tail.trim_start())
}

/// Splits at commas outside parentheses and quotes.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quote = !quote,
            '(' if !quote => depth += 1,
            ')' if !quote => depth -= 1,
            ',' if !quote && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A T-SQL type name with its arguments: `nvarchar(max)`, `[decimal] (18,2)`, `sys.int`.
pub fn parse_type(text: &str) -> Option<SqlType> {
    let text = text.trim();
    let (base, args) = match text.find('(') {
        Some(open) => {
            let close = text.rfind(')')?;
            (&text[..open], Some(text.get(open + 1..close)?))
        }
        None => (text, None),
    };
    let base = base.trim();
    let base = base.rsplit('.').next().unwrap_or(base);
    let base = base
        .trim_matches(|c| c == '[' || c == ']')
        .to_ascii_lowercase();
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    let args: Vec<String> = args
        .map(|a| {
            a.split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let num = |i: usize| -> Option<Option<u32>> {
        match args.get(i) {
            None => Some(None),
            Some(s) => s.parse::<u32>().ok().map(Some),
        }
    };
    let length = |default: u16| -> Option<u16> {
        Some(num(0)?.map(|n| n.min(8000) as u16).unwrap_or(default))
    };
    let var_length = || -> Option<Option<u16>> {
        match args.first().map(String::as_str) {
            Some("max") => Some(None),
            _ => Some(Some(length(1)?)),
        }
    };
    let scale =
        |default: u8| -> Option<u8> { Some(num(0)?.map(|n| n.min(7) as u8).unwrap_or(default)) };
    Some(match base.as_str() {
        "bit" => SqlType::Bit,
        "tinyint" => SqlType::TinyInt,
        "smallint" => SqlType::SmallInt,
        "int" | "integer" => SqlType::Int,
        "bigint" => SqlType::BigInt,
        "decimal" | "dec" | "numeric" => {
            let precision = num(0)?.unwrap_or(18).clamp(1, 38) as u8;
            let scale = num(1)?.unwrap_or(0).min(precision as u32) as u8;
            if base == "numeric" {
                SqlType::Numeric { precision, scale }
            } else {
                SqlType::Decimal { precision, scale }
            }
        }
        "money" => SqlType::Money,
        "smallmoney" => SqlType::SmallMoney,
        "real" => SqlType::Real,
        "float" | "double precision" => match num(0)? {
            Some(n) if n <= 24 => SqlType::Real,
            _ => SqlType::Float,
        },
        "date" => SqlType::Date,
        "time" => SqlType::Time { scale: scale(7)? },
        "smalldatetime" => SqlType::SmallDateTime,
        "datetime" => SqlType::DateTime,
        "datetime2" => SqlType::DateTime2 { scale: scale(7)? },
        "datetimeoffset" => SqlType::DateTimeOffset { scale: scale(7)? },
        "char" | "character" => SqlType::Char(length(1)?),
        "varchar" | "char varying" | "character varying" => SqlType::VarChar(var_length()?),
        "nchar" | "national char" | "national character" => SqlType::NChar(length(1)?),
        "nvarchar" | "national char varying" | "national character varying" => {
            SqlType::NVarChar(var_length()?)
        }
        "text" => SqlType::Text,
        "ntext" | "national text" => SqlType::NText,
        "binary" => SqlType::Binary(length(1)?),
        "varbinary" | "binary varying" => SqlType::VarBinary(var_length()?),
        "image" => SqlType::Image,
        "uniqueidentifier" => SqlType::UniqueIdentifier,
        "xml" => SqlType::Xml,
        "timestamp" | "rowversion" => SqlType::RowVersion,
        "sql_variant" => SqlType::SqlVariant,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_typical_list() {
        let decls =
            parse_declarations("@P1 int, @P2 nvarchar(4000) OUTPUT,@amt decimal(18, 4) out")
                .unwrap();
        assert_eq!(
            decls,
            vec![
                Declared {
                    name: "@P1".into(),
                    ty: Some(SqlType::Int),
                    output: false
                },
                Declared {
                    name: "@P2".into(),
                    ty: Some(SqlType::NVarChar(Some(4000))),
                    output: true
                },
                Declared {
                    name: "@amt".into(),
                    ty: Some(SqlType::Decimal {
                        precision: 18,
                        scale: 4
                    }),
                    output: true
                },
            ]
        );
    }

    #[test]
    fn types_with_defaults_and_max() {
        assert_eq!(parse_type("varbinary(MAX)"), Some(SqlType::VarBinary(None)));
        assert_eq!(
            parse_type("[sys].[varchar]"),
            Some(SqlType::VarChar(Some(1)))
        );
        assert_eq!(
            parse_type("datetime2"),
            Some(SqlType::DateTime2 { scale: 7 })
        );
        assert_eq!(parse_type("float(10)"), Some(SqlType::Real));
        assert_eq!(parse_type("my_udt"), None);
        assert_eq!(parse_type("nvarchar(abc)"), None);
    }

    #[test]
    fn empty_and_bad_lists() {
        assert_eq!(parse_declarations("").unwrap(), vec![]);
        assert_eq!(parse_declarations("  ").unwrap(), vec![]);
        assert!(parse_declarations("P1 int").is_err());
        assert!(parse_declarations("@P1").is_err());
        let d = parse_declarations("@x AS int = 5").unwrap();
        assert_eq!(d[0].ty, Some(SqlType::Int));
    }
}
