//! Reading a COLMETADATA token (MS-TDS 2.2.7.4): the columns a BulkLoad message's rows
//! carry (what a bulk client sends after `INSERT BULK`), and equally the columns of a
//! result set as a client reads them.
//!
//! Each column is `UserType` (ULONG), `Flags` (USHORT), TYPE_INFO, a table name for
//! text/ntext/image (`NumParts` and US_VARCHAR parts) and the column name (B_VARCHAR).
//! TYPE_INFO is read by [`TypeInfo::read`], so every type the RPC path knows is known here.
//! Always Encrypted's CEK table and crypto metadata are not supported (the emulator never
//! negotiates column encryption).

use crate::tokens::TOKEN_COLMETADATA;
use crate::values::{type_id, TypeInfo};
use crate::wire::Reader;
use crate::{ProtocolError, Result};

/// COLMETADATA flag: the column allows NULL.
pub const FLAG_NULLABLE: u16 = 0x0001;
/// COLMETADATA flag: the column is case-sensitive.
pub const FLAG_CASE_SENSITIVE: u16 = 0x0002;
/// COLMETADATA flags, bits 2-3: 0 read-only, 1 read/write, 2 unknown.
pub const FLAG_UPDATEABLE_MASK: u16 = 0x000C;
/// COLMETADATA flag: an IDENTITY column.
pub const FLAG_IDENTITY: u16 = 0x0010;
/// COLMETADATA flag: a computed column.
pub const FLAG_COMPUTED: u16 = 0x0020;

/// One column of a COLMETADATA token.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDesc {
    pub user_type: u32,
    pub flags: u16,
    /// The wire type, which says how each value of the column is encoded.
    pub info: TypeInfo,
    /// The table a text, ntext or image column belongs to (its name parts); empty for
    /// other types.
    pub table: Vec<String>,
    pub name: String,
}

impl ColumnDesc {
    pub fn nullable(&self) -> bool {
        self.flags & FLAG_NULLABLE != 0
    }
}

/// Whether values of this wire type carry a text pointer and timestamp in a row
/// (text, ntext, image: MS-TDS 2.2.7.19).
pub fn has_text_pointer(info: &TypeInfo) -> bool {
    matches!(
        info.type_id,
        type_id::TEXT | type_id::NTEXT | type_id::IMAGE
    )
}

/// Reads a COLMETADATA token, token byte included, and advances `input` past it.
/// A count of 0xFFFF (NoMetaData) reads as no columns.
pub fn read_colmetadata(input: &mut &[u8]) -> Result<Vec<ColumnDesc>> {
    let mut r = Reader::new(input, "COLMETADATA");
    let token = r.u8()?;
    if token != TOKEN_COLMETADATA {
        return Err(ProtocolError(format!(
            "expected a COLMETADATA token (0x81), found 0x{token:02X}"
        )));
    }
    let count = r.u16()?;
    let mut columns = Vec::new();
    if count != 0xFFFF {
        columns.reserve(usize::from(count).min(4096));
        for _ in 0..count {
            columns.push(read_column(&mut r)?);
        }
    }
    *input = r.rest();
    Ok(columns)
}

fn read_column(r: &mut Reader<'_>) -> Result<ColumnDesc> {
    let user_type = r.u32()?;
    let flags = r.u16()?;
    let mut rest = r.rest();
    let info = TypeInfo::read(&mut rest)?;
    r.advance(r.remaining() - rest.len())?;
    let mut table = Vec::new();
    if has_text_pointer(&info) {
        let parts = r.u8()?;
        for _ in 0..parts {
            table.push(r.us_varchar()?);
        }
    }
    let name = r.b_varchar()?;
    Ok(ColumnDesc {
        user_type,
        flags,
        info,
        table,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::col_metadata;
    use crate::types::{ColumnMeta, SqlType};

    #[test]
    fn reads_what_the_token_writer_writes() {
        let mut cols = vec![
            ColumnMeta::new("id", SqlType::Int),
            ColumnMeta::new("name", SqlType::NVarChar(Some(50))),
            ColumnMeta::new("notes", SqlType::NText),
            ColumnMeta::new(
                "amount",
                SqlType::Decimal {
                    precision: 38,
                    scale: 9,
                },
            ),
            ColumnMeta::new("at", SqlType::DateTimeOffset { scale: 3 }),
            ColumnMeta::new("doc", SqlType::Xml),
            ColumnMeta::new("blob", SqlType::VarBinary(None)),
        ];
        cols[0].nullable = false;
        cols[0].identity = true;
        let mut bytes = col_metadata_bytes(&cols);
        bytes.push(0xD1);
        let mut input = &bytes[..];
        let read = read_colmetadata(&mut input).unwrap();
        assert_eq!(input, [0xD1], "stops right after the token");
        assert_eq!(read.len(), cols.len());
        for (desc, col) in read.iter().zip(&cols) {
            assert_eq!(desc.name, col.name);
            assert_eq!(desc.info.ty, col.ty, "{}", col.name);
            assert_eq!(desc.nullable(), col.nullable);
        }
        assert_eq!(read[0].info.type_id, type_id::INT4, "NOT NULL int is INT4");
        assert_eq!(read[0].flags & FLAG_IDENTITY, FLAG_IDENTITY);
        assert_eq!(read[1].info.max_len, 100);
        assert_eq!(read[2].table, vec![String::new()]);
        assert!(read[6].info.is_plp());
    }

    #[test]
    fn the_bulk_load_example_of_ms_tds() {
        // MS-TDS 4.12: one nullable, updateable bit column "c1" (a FIXEDLENTYPE).
        let bytes = [
            0x81, 0x01, 0x00, 0, 0, 0, 0, 0x05, 0x00, 0x32, 0x02, b'c', 0, b'1', 0,
        ];
        let mut input = &bytes[..];
        let cols = read_colmetadata(&mut input).unwrap();
        assert!(input.is_empty());
        assert_eq!(cols[0].name, "c1");
        assert_eq!(cols[0].info.ty, SqlType::Bit);
        assert_eq!(cols[0].info.type_id, type_id::BIT);
        assert_eq!(cols[0].flags, 0x0005);
    }

    #[test]
    fn truncated_or_foreign_tokens_are_errors() {
        let cols = vec![ColumnMeta::new("name", SqlType::NVarChar(Some(5)))];
        let bytes = col_metadata_bytes(&cols);
        for cut in 0..bytes.len() {
            let mut input = &bytes[..cut];
            assert!(read_colmetadata(&mut input).is_err(), "cut at {cut}");
        }
        let mut input = &[0xD1u8, 0, 0][..];
        assert!(read_colmetadata(&mut input).is_err());
    }

    fn col_metadata_bytes(cols: &[ColumnMeta]) -> Vec<u8> {
        let mut out = Vec::new();
        col_metadata(&mut out, cols);
        out
    }
}
