//! TYPE_INFO (MS-TDS 2.2.5.6): which wire type carries a [`SqlType`], and reading it back.

use super::temporal::check_scale;
use super::type_id as id;
use super::wire::{err, read_u16, read_u32, read_u8, read_utf16_chars, take_array};
use crate::collation::Collation;
use crate::types::SqlType;
use crate::Result;

/// The declared length that marks a `(max)` type, sent as PLP.
pub(crate) const MAX_LEN: u32 = 0xFFFF;
/// The declared length of `sql_variant` columns.
pub(crate) const VARIANT_LEN: u32 = 8009;
/// The declared length of `text` and `image` (2^31 - 1), and of `ntext` (2^30 - 1 characters).
pub(crate) const TEXT_LEN: u32 = 0x7FFF_FFFF;
pub(crate) const NTEXT_LEN: u32 = 0x7FFF_FFFE;

/// Longest `varchar`/`varbinary` (bytes) and `nvarchar` (characters) sent in-row; a longer
/// declared length is sent as `(max)`.
pub(crate) const MAX_INROW_BYTES: u16 = 8000;
pub(crate) const MAX_INROW_CHARS: u16 = 4000;

/// A TYPE_INFO as the wire has it: the SQL type plus what the SQL type does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeInfo {
    /// The wire type byte ([`super::type_id`]).
    pub type_id: u8,
    /// The SQL type this wire type stands for.
    pub ty: SqlType,
    /// The declared length in bytes (0 for types without one): 4 for `INTN` int,
    /// 100 for `nvarchar(50)`, 0xFFFF for `(max)`.
    pub max_len: u32,
    /// The collation of character types.
    pub collation: Option<Collation>,
}

/// Bytes of a decimal of `precision` digits on the wire, sign byte included.
pub(crate) fn decimal_len(precision: u8) -> u8 {
    match precision {
        0..=9 => 5,
        10..=19 => 9,
        20..=28 => 13,
        _ => 17,
    }
}

/// Whether a declared `varchar`/`varbinary(n)` or `nvarchar(n)` is sent as `(max)`.
pub(crate) fn is_max(n: Option<u16>, limit: u16) -> bool {
    n.is_none_or(|n| n > limit)
}

impl TypeInfo {
    fn new(type_id: u8, ty: SqlType, max_len: u32) -> TypeInfo {
        TypeInfo {
            type_id,
            ty,
            max_len,
            collation: None,
        }
    }

    fn with_collation(type_id: u8, ty: SqlType, max_len: u32) -> TypeInfo {
        TypeInfo {
            collation: Some(Collation::DEFAULT),
            ..TypeInfo::new(type_id, ty, max_len)
        }
    }

    /// The TYPE_INFO SQL Server 2019/2022 sends for a column of type `ty`.
    pub fn of(ty: &SqlType) -> TypeInfo {
        let ty = *ty;
        match ty {
            SqlType::Bit => TypeInfo::new(id::BITN, ty, 1),
            SqlType::TinyInt => TypeInfo::new(id::INTN, ty, 1),
            SqlType::SmallInt => TypeInfo::new(id::INTN, ty, 2),
            SqlType::Int => TypeInfo::new(id::INTN, ty, 4),
            SqlType::BigInt => TypeInfo::new(id::INTN, ty, 8),
            SqlType::Decimal { precision, .. } => {
                TypeInfo::new(id::DECIMALN, ty, u32::from(decimal_len(precision)))
            }
            SqlType::Numeric { precision, .. } => {
                TypeInfo::new(id::NUMERICN, ty, u32::from(decimal_len(precision)))
            }
            SqlType::Money => TypeInfo::new(id::MONEYN, ty, 8),
            SqlType::SmallMoney => TypeInfo::new(id::MONEYN, ty, 4),
            SqlType::Real => TypeInfo::new(id::FLTN, ty, 4),
            SqlType::Float => TypeInfo::new(id::FLTN, ty, 8),
            SqlType::Date => TypeInfo::new(id::DATEN, ty, 0),
            SqlType::Time { .. } => TypeInfo::new(id::TIMEN, ty, 0),
            SqlType::DateTime2 { .. } => TypeInfo::new(id::DATETIME2N, ty, 0),
            SqlType::DateTimeOffset { .. } => TypeInfo::new(id::DATETIMEOFFSETN, ty, 0),
            SqlType::SmallDateTime => TypeInfo::new(id::DATETIMN, ty, 4),
            SqlType::DateTime => TypeInfo::new(id::DATETIMN, ty, 8),
            SqlType::Char(n) => TypeInfo::with_collation(id::BIGCHAR, ty, u32::from(n)),
            SqlType::VarChar(n) => {
                let len = if is_max(n, MAX_INROW_BYTES) {
                    MAX_LEN
                } else {
                    u32::from(n.unwrap_or(0))
                };
                TypeInfo::with_collation(id::BIGVARCHR, ty, len)
            }
            SqlType::NChar(n) => {
                TypeInfo::with_collation(id::NCHAR, ty, (u32::from(n) * 2).min(0xFFFE))
            }
            SqlType::NVarChar(n) => {
                let len = if is_max(n, MAX_INROW_CHARS) {
                    MAX_LEN
                } else {
                    u32::from(n.unwrap_or(0)) * 2
                };
                TypeInfo::with_collation(id::NVARCHAR, ty, len)
            }
            SqlType::Text => TypeInfo::with_collation(id::TEXT, ty, TEXT_LEN),
            SqlType::NText => TypeInfo::with_collation(id::NTEXT, ty, NTEXT_LEN),
            SqlType::Image => TypeInfo::new(id::IMAGE, ty, TEXT_LEN),
            SqlType::Binary(n) => TypeInfo::new(id::BIGBINARY, ty, u32::from(n)),
            SqlType::VarBinary(n) => {
                let len = if is_max(n, MAX_INROW_BYTES) {
                    MAX_LEN
                } else {
                    u32::from(n.unwrap_or(0))
                };
                TypeInfo::new(id::BIGVARBIN, ty, len)
            }
            SqlType::UniqueIdentifier => TypeInfo::new(id::GUID, ty, 16),
            SqlType::Xml => TypeInfo::new(id::XML, ty, MAX_LEN),
            SqlType::RowVersion => TypeInfo::new(id::BIGBINARY, ty, 8),
            SqlType::SqlVariant => TypeInfo::new(id::SSVARIANT, ty, VARIANT_LEN),
        }
    }

    /// Whether values of this type travel as PLP (partially length-prefixed) chunks.
    pub fn is_plp(&self) -> bool {
        match self.type_id {
            id::BIGVARCHR | id::BIGVARBIN | id::NVARCHAR => self.max_len == MAX_LEN,
            id::XML => true,
            _ => false,
        }
    }

    /// Writes TYPE_INFO alone: COLMETADATA adds a table name after text/ntext/image
    /// (see [`encode_type_info_with_table`]), RETURNVALUE and RPC parameters do not.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.push(self.type_id);
        match self.type_id {
            id::INTN | id::BITN | id::FLTN | id::MONEYN | id::DATETIMN | id::GUID => {
                out.push(self.max_len as u8)
            }
            id::DECIMALN | id::NUMERICN => {
                let (precision, scale) = match self.ty {
                    SqlType::Decimal { precision, scale }
                    | SqlType::Numeric { precision, scale } => (precision, scale),
                    _ => (38, 0),
                };
                out.extend_from_slice(&[self.max_len as u8, precision, scale]);
            }
            id::TIMEN | id::DATETIME2N | id::DATETIMEOFFSETN => {
                let scale = match self.ty {
                    SqlType::Time { scale }
                    | SqlType::DateTime2 { scale }
                    | SqlType::DateTimeOffset { scale } => scale,
                    _ => 7,
                };
                out.push(scale);
            }
            id::BIGCHAR
            | id::BIGVARCHR
            | id::NCHAR
            | id::NVARCHAR
            | id::BIGBINARY
            | id::BIGVARBIN => out.extend_from_slice(&(self.max_len as u16).to_le_bytes()),
            id::TEXT | id::NTEXT | id::IMAGE | id::SSVARIANT => {
                out.extend_from_slice(&self.max_len.to_le_bytes())
            }
            // No schema collection bound to the column.
            id::XML => out.push(0),
            _ => {}
        }
        if let Some(collation) = self.collation {
            collation.write(out);
        }
    }

    /// Reads a TYPE_INFO as an RPC parameter carries it, legacy fixed-length types included.
    pub fn read(input: &mut &[u8]) -> Result<TypeInfo> {
        let type_id = read_u8(input, "TYPE_INFO type")?;
        let fixed = |ty: SqlType, len: u32| Ok(TypeInfo::new(type_id, ty, len));
        match type_id {
            id::INT1 => fixed(SqlType::TinyInt, 1),
            id::INT2 => fixed(SqlType::SmallInt, 2),
            id::INT4 => fixed(SqlType::Int, 4),
            id::INT8 => fixed(SqlType::BigInt, 8),
            id::BIT => fixed(SqlType::Bit, 1),
            id::FLT4 => fixed(SqlType::Real, 4),
            id::FLT8 => fixed(SqlType::Float, 8),
            id::MONEY4 => fixed(SqlType::SmallMoney, 4),
            id::MONEY => fixed(SqlType::Money, 8),
            id::DATETIM4 => fixed(SqlType::SmallDateTime, 4),
            id::DATETIME => fixed(SqlType::DateTime, 8),
            id::INTN | id::BITN | id::FLTN | id::MONEYN | id::DATETIMN | id::GUID => {
                read_bytelen(type_id, input)
            }
            id::DECIMALN | id::NUMERICN => read_decimal(type_id, input),
            id::DATEN => fixed(SqlType::Date, 0),
            id::TIMEN | id::DATETIME2N | id::DATETIMEOFFSETN => {
                let scale = read_u8(input, "TYPE_INFO scale")?;
                check_scale(scale)?;
                let ty = match type_id {
                    id::TIMEN => SqlType::Time { scale },
                    id::DATETIME2N => SqlType::DateTime2 { scale },
                    _ => SqlType::DateTimeOffset { scale },
                };
                fixed(ty, 0)
            }
            id::BIGCHAR
            | id::BIGVARCHR
            | id::NCHAR
            | id::NVARCHAR
            | id::BIGBINARY
            | id::BIGVARBIN => read_ushortlen(type_id, input),
            id::TEXT | id::NTEXT | id::IMAGE => {
                let len = read_u32(input, "TYPE_INFO length")?;
                let ty = match type_id {
                    id::TEXT => SqlType::Text,
                    id::NTEXT => SqlType::NText,
                    _ => SqlType::Image,
                };
                let collation = match type_id {
                    id::IMAGE => None,
                    _ => Some(read_collation(input)?),
                };
                Ok(TypeInfo {
                    collation,
                    ..TypeInfo::new(type_id, ty, len)
                })
            }
            id::XML => {
                skip_xml_schema(input)?;
                fixed(SqlType::Xml, MAX_LEN)
            }
            id::SSVARIANT => {
                let len = read_u32(input, "TYPE_INFO length")?;
                fixed(SqlType::SqlVariant, len)
            }
            other => Err(err(format!("unsupported TYPE_INFO type 0x{other:02X}"))),
        }
    }
}

fn read_collation(input: &mut &[u8]) -> Result<Collation> {
    Ok(Collation::from_bytes(take_array(input, "collation")?))
}

/// INTN, BITN, FLTN, MONEYN, DATETIMN, GUID: a one-byte length that picks the SQL type.
fn read_bytelen(type_id: u8, input: &mut &[u8]) -> Result<TypeInfo> {
    let len = read_u8(input, "TYPE_INFO length")?;
    let ty = match (type_id, len) {
        (id::INTN, 1) => SqlType::TinyInt,
        (id::INTN, 2) => SqlType::SmallInt,
        (id::INTN, 4) => SqlType::Int,
        (id::INTN, 8) => SqlType::BigInt,
        (id::BITN, 1) => SqlType::Bit,
        (id::FLTN, 4) => SqlType::Real,
        (id::FLTN, 8) => SqlType::Float,
        (id::MONEYN, 4) => SqlType::SmallMoney,
        (id::MONEYN, 8) => SqlType::Money,
        (id::DATETIMN, 4) => SqlType::SmallDateTime,
        (id::DATETIMN, 8) => SqlType::DateTime,
        (id::GUID, 16) => SqlType::UniqueIdentifier,
        _ => {
            return Err(err(format!(
                "TYPE_INFO 0x{type_id:02X} with invalid length {len}"
            )))
        }
    };
    Ok(TypeInfo::new(type_id, ty, u32::from(len)))
}

fn read_decimal(type_id: u8, input: &mut &[u8]) -> Result<TypeInfo> {
    let len = read_u8(input, "TYPE_INFO length")?;
    let precision = read_u8(input, "TYPE_INFO precision")?;
    let scale = read_u8(input, "TYPE_INFO scale")?;
    if !(1..=38).contains(&precision) || scale > precision {
        return Err(err(format!(
            "decimal precision {precision} and scale {scale} are invalid"
        )));
    }
    if !(2..=17).contains(&len) {
        return Err(err(format!("decimal TYPE_INFO with invalid length {len}")));
    }
    let ty = if type_id == id::DECIMALN {
        SqlType::Decimal { precision, scale }
    } else {
        SqlType::Numeric { precision, scale }
    };
    Ok(TypeInfo::new(type_id, ty, u32::from(len)))
}

/// The BIG* types and NCHAR/NVARCHAR: a two-byte length (0xFFFF = max), then a collation
/// for character types.
fn read_ushortlen(type_id: u8, input: &mut &[u8]) -> Result<TypeInfo> {
    let len = read_u16(input, "TYPE_INFO length")?;
    let max = len == 0xFFFF;
    let sized = |n: u16| if max { None } else { Some(n) };
    let ty = match type_id {
        id::BIGCHAR if !max => SqlType::Char(len),
        id::BIGVARCHR => SqlType::VarChar(sized(len)),
        id::NCHAR if !max => SqlType::NChar(len.div_ceil(2)),
        id::NVARCHAR => SqlType::NVarChar(sized(len.div_ceil(2))),
        id::BIGBINARY if !max => SqlType::Binary(len),
        id::BIGVARBIN => SqlType::VarBinary(sized(len)),
        _ => {
            return Err(err(format!(
                "TYPE_INFO 0x{type_id:02X} cannot have length 0xFFFF"
            )))
        }
    };
    let collation = match type_id {
        id::BIGBINARY | id::BIGVARBIN => None,
        _ => Some(read_collation(input)?),
    };
    Ok(TypeInfo {
        collation,
        ..TypeInfo::new(type_id, ty, u32::from(len))
    })
}

/// XML_INFO: a schema-present byte, then (if 1) the database, owning schema and name of the
/// schema collection, which the emulator does not enforce.
fn skip_xml_schema(input: &mut &[u8]) -> Result<()> {
    match read_u8(input, "XML schema flag")? {
        0 => Ok(()),
        1 => {
            let db = read_u8(input, "XML schema database length")?;
            read_utf16_chars(input, usize::from(db), "XML schema database")?;
            let owner = read_u8(input, "XML schema owner length")?;
            read_utf16_chars(input, usize::from(owner), "XML schema owner")?;
            let collection = read_u16(input, "XML schema collection length")?;
            read_utf16_chars(input, usize::from(collection), "XML schema collection")?;
            Ok(())
        }
        other => Err(err(format!("XML schema flag {other} is neither 0 nor 1"))),
    }
}

/// Writes the TYPE_INFO of `ty` as COLMETADATA carries it, with the table a text, ntext or
/// image column comes from as `NumParts` and US_VARCHAR parts (`["dbo", "t"]`). No parts
/// writes one empty part: the grammar wants at least one, and tiberius, FreeTDS and
/// python-tds all read any count. Other types ignore `table`.
pub fn encode_type_info_with_table(ty: &SqlType, table: &[&str], out: &mut Vec<u8>) {
    let info = TypeInfo::of(ty);
    info.write(out);
    if !matches!(info.type_id, id::TEXT | id::NTEXT | id::IMAGE) {
        return;
    }
    let parts: &[&str] = if table.is_empty() { &[""] } else { table };
    out.push(parts.len().min(255) as u8);
    for part in parts.iter().take(255) {
        let at = out.len();
        out.extend_from_slice(&[0, 0]);
        let mut units: u16 = 0;
        for unit in part.encode_utf16().take(usize::from(u16::MAX)) {
            out.extend_from_slice(&unit.to_le_bytes());
            units += 1;
        }
        out[at..at + 2].copy_from_slice(&units.to_le_bytes());
    }
}
