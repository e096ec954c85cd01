//! COLMETADATA (MS-TDS 2.2.7.4): a result set's columns, each a user type, flags, its
//! TYPE_INFO (read by [`TypeInfo::read`], the same reader as RPC parameters'), the table a
//! text/ntext/image column comes from, and its name.

use super::{Cursor, Decoded};
use crate::types::SqlType;
use crate::values::{type_id, TypeInfo};
use crate::DecodeError;

/// Flags: the column may be NULL.
pub const FLAG_NULLABLE: u16 = 0x0001;
/// Flags: an IDENTITY column.
pub const FLAG_IDENTITY: u16 = 0x0010;
/// Flags: encrypted with Always Encrypted (whose metadata this decoder does not read).
const FLAG_ENCRYPTED: u16 = 0x0800;

/// One column of a result set, as the server described it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// The wire type, which the values of the column's rows are read by.
    pub info: TypeInfo,
    /// The user type (80 for `timestamp`/`rowversion`, else usually 0).
    pub user_type: u32,
    pub flags: u16,
    /// The table of a text, ntext or image column (`["dbo", "t"]`); empty otherwise.
    pub table: Vec<String>,
}

impl Column {
    /// The column's SQL Server type.
    pub fn ty(&self) -> SqlType {
        if self.user_type == 0x50 && self.info.ty == SqlType::Binary(8) {
            SqlType::RowVersion
        } else {
            self.info.ty
        }
    }

    pub fn nullable(&self) -> bool {
        self.flags & FLAG_NULLABLE != 0
    }

    pub fn identity(&self) -> bool {
        self.flags & FLAG_IDENTITY != 0
    }
}

/// Reads a COLMETADATA token's data (after its token byte). A count of 0xFFFF (no
/// metadata: the client asked to reuse the last one) gives no columns.
pub fn decode_col_metadata(input: &[u8]) -> Decoded<(Vec<Column>, usize)> {
    let mut r = Cursor::new(input);
    let count = r.u16()?;
    if count == 0xFFFF {
        return Ok((Vec::new(), 2));
    }
    // A count is not trusted for the allocation: each column takes at least 8 bytes.
    let mut columns = Vec::with_capacity(usize::from(count).min(input.len() / 8));
    for _ in 0..count {
        let user_type = r.u32()?;
        let flags = r.u16()?;
        if flags & FLAG_ENCRYPTED != 0 {
            return Err(DecodeError::Invalid(crate::ProtocolError(
                "an Always Encrypted column, which this client does not decrypt".into(),
            )));
        }
        let info = r.with(TypeInfo::read)?;
        let mut table = Vec::new();
        if matches!(
            info.type_id,
            type_id::TEXT | type_id::NTEXT | type_id::IMAGE
        ) {
            let parts = r.u8()?;
            for _ in 0..parts {
                table.push(r.us_varchar()?);
            }
        }
        let name = r.b_varchar()?;
        columns.push(Column {
            name,
            info,
            user_type,
            flags,
            table,
        });
    }
    Ok((columns, input.len() - r.rest.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::{col_metadata, TOKEN_COLMETADATA};
    use crate::types::ColumnMeta;

    fn sample() -> Vec<ColumnMeta> {
        let mut id = ColumnMeta::new("id", SqlType::Int);
        id.nullable = false;
        id.identity = true;
        let mut version = ColumnMeta::new("v", SqlType::RowVersion);
        version.nullable = false;
        vec![
            id,
            ColumnMeta::new("name", SqlType::NVarChar(Some(50))),
            ColumnMeta::new("body", SqlType::NText),
            ColumnMeta::new(
                "amount",
                SqlType::Decimal {
                    precision: 18,
                    scale: 4,
                },
            ),
            ColumnMeta::new("doc", SqlType::Xml),
            ColumnMeta::new("ts", SqlType::DateTime2 { scale: 3 }),
            version,
        ]
    }

    #[test]
    fn reads_what_the_server_writes() {
        let columns = sample();
        let mut bytes = Vec::new();
        col_metadata(&mut bytes, &columns);
        assert_eq!(bytes[0], TOKEN_COLMETADATA);
        let (decoded, used) = decode_col_metadata(&bytes[1..]).unwrap();
        assert_eq!(used, bytes.len() - 1);
        let seen: Vec<_> = decoded
            .iter()
            .map(|c| (c.name.clone(), c.ty(), c.nullable(), c.identity()))
            .collect();
        let sent: Vec<_> = columns
            .iter()
            .map(|c| (c.name.clone(), c.ty, c.nullable, c.identity))
            .collect();
        assert_eq!(seen, sent);
        assert_eq!(decoded[2].table, vec![String::new()]);
    }

    #[test]
    fn every_truncation_is_incomplete() {
        let mut bytes = Vec::new();
        col_metadata(&mut bytes, &sample());
        for cut in 1..bytes.len() {
            assert_eq!(
                decode_col_metadata(&bytes[1..cut]),
                Err(DecodeError::Incomplete),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn no_metadata_and_bad_types() {
        assert_eq!(decode_col_metadata(&[0xFF, 0xFF]), Ok((Vec::new(), 2)));
        // One column of the unknown type 0x01.
        let bytes = [1, 0, 0, 0, 0, 0, 1, 0, 0x01, 1, b'a', 0];
        assert!(matches!(
            decode_col_metadata(&bytes),
            Err(DecodeError::Invalid(_))
        ));
    }
}
