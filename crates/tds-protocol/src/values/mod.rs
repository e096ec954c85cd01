//! TYPE_INFO and value encodings (MS-TDS 2.2.5.4-2.2.5.6), both directions.
//!
//! The server writes TYPE_INFO in COLMETADATA and values in ROW/NBCROW/RETURNVALUE;
//! it reads TYPE_INFO and values of RPC parameters.
//!
//! The four functions below are the whole contract most callers need. [`TypeInfo`] is the
//! wire-level view behind them: it remembers what [`SqlType`] forgets (a legacy fixed-length
//! `INT4` versus a nullable `INTN`, the declared byte length, the collation), so an RPC parser
//! should prefer [`TypeInfo::read`] + [`read_value`] over [`decode_type_info`] +
//! [`decode_value`]: the latter assume the nullable form SQL Server itself writes.
//!
//! Submodules: [`type_id`] (the type bytes), `typeinfo` (TYPE_INFO), `encode` (values, server
//! to client), [`frame`] (where a value's bytes start and end, rows and parameters alike),
//! `value_ref` ([`ValueRef`]: a value borrowing its bytes, the one decoder of a value's
//! bytes), `decode` (owned values, client to server), `convert` (coercing an engine value to
//! its column type), `temporal` (date and time arithmetic), `variant` (sql_variant), `wire`
//! (bounds-checked reading).

mod convert;
mod decode;
mod encode;
pub mod frame;
mod temporal;
mod typeinfo;
mod value_ref;
mod variant;
mod wire;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_decode;
#[cfg(test)]
mod tests_roundtrip;

pub use convert::{parse_guid, rescale};
pub(crate) use decode::decode_payload;
pub use decode::read_value;
pub use encode::PLP_CHUNK;
pub(crate) use temporal::time_len;
pub use temporal::{DAYS_TO_1900, MAX_DATE_DAYS, TICKS_PER_DAY};
pub(crate) use typeinfo::decimal_len;
pub use typeinfo::{encode_type_info_with_table, TypeInfo};
pub use value_ref::ValueRef;

use crate::types::{SqlType, Value};
use crate::Result;

/// The type bytes of TYPE_INFO (MS-TDS 2.2.5.4.1-2.2.5.4.3).
pub mod type_id {
    // Fixed-length types: no length byte, cannot be NULL (clients still send them in RPC).
    pub const NULL: u8 = 0x1F;
    pub const INT1: u8 = 0x30;
    pub const BIT: u8 = 0x32;
    pub const INT2: u8 = 0x34;
    pub const INT4: u8 = 0x38;
    pub const DATETIM4: u8 = 0x3A;
    pub const FLT4: u8 = 0x3B;
    pub const MONEY: u8 = 0x3C;
    pub const DATETIME: u8 = 0x3D;
    pub const FLT8: u8 = 0x3E;
    pub const MONEY4: u8 = 0x7A;
    pub const INT8: u8 = 0x7F;
    // Variable-length types with a one-byte length (0 = NULL).
    pub const GUID: u8 = 0x24;
    pub const INTN: u8 = 0x26;
    pub const BITN: u8 = 0x68;
    pub const DECIMALN: u8 = 0x6A;
    pub const NUMERICN: u8 = 0x6C;
    pub const FLTN: u8 = 0x6D;
    pub const MONEYN: u8 = 0x6E;
    pub const DATETIMN: u8 = 0x6F;
    pub const DATEN: u8 = 0x28;
    pub const TIMEN: u8 = 0x29;
    pub const DATETIME2N: u8 = 0x2A;
    pub const DATETIMEOFFSETN: u8 = 0x2B;
    // Variable-length types with a two-byte length (0xFFFF = NULL; max length 0xFFFF = PLP).
    pub const BIGVARBIN: u8 = 0xA5;
    pub const BIGVARCHR: u8 = 0xA7;
    pub const BIGBINARY: u8 = 0xAD;
    pub const BIGCHAR: u8 = 0xAF;
    pub const NVARCHAR: u8 = 0xE7;
    pub const NCHAR: u8 = 0xEF;
    pub const UDT: u8 = 0xF0;
    pub const XML: u8 = 0xF1;
    pub const TVP: u8 = 0xF3;
    // Variable-length types with a four-byte length.
    pub const IMAGE: u8 = 0x22;
    pub const TEXT: u8 = 0x23;
    pub const SSVARIANT: u8 = 0x62;
    pub const NTEXT: u8 = 0x63;

    /// Whether a value of this type starts with a length byte (BYTELEN_TYPE: the nullable
    /// fixed types, GUID, DECIMALN/NUMERICN and the 2008 date and time types), 0 for NULL.
    pub fn has_byte_length(type_id: u8) -> bool {
        matches!(
            type_id,
            INTN | BITN
                | FLTN
                | MONEYN
                | DATETIMN
                | GUID
                | DECIMALN
                | NUMERICN
                | DATEN
                | TIMEN
                | DATETIME2N
                | DATETIMEOFFSETN
        )
    }
}

/// Writes the TYPE_INFO of `ty` (type id, length, precision/scale, collation) as COLMETADATA
/// carries it. For text/ntext/image it also writes the table name that follows TYPE_INFO in
/// COLMETADATA (one empty part; see [`encode_type_info_with_table`] to name the table).
/// RETURNVALUE never carries those three types (they cannot be output parameters); for it,
/// [`TypeInfo::write`] writes TYPE_INFO alone.
pub fn encode_type_info(ty: &SqlType, out: &mut Vec<u8>) {
    encode_type_info_with_table(ty, &[], out)
}

/// Writes `value` in the wire format of `ty` as a ROW token carries it
/// (NULL as the type's own NULL form; MAX types as PLP chunks).
///
/// A value of a neighbouring variant is coerced when that is exact (an `Int` for a `bigint`
/// column, a `String` shorter than `char(n)` is padded); anything that would lose data (a
/// string longer than the column, an out-of-range number) is an error, never truncated.
/// On error `out` is left as it was.
pub fn encode_value(ty: &SqlType, value: &Value, out: &mut Vec<u8>) -> Result<()> {
    let start = out.len();
    let result = encode::encode_value(ty, value, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Reads a TYPE_INFO (as an RPC parameter carries it) and advances `input` past it.
pub fn decode_type_info(input: &mut &[u8]) -> Result<SqlType> {
    Ok(TypeInfo::read(input)?.ty)
}

/// Reads one value of type `ty` (as an RPC parameter carries it) and advances `input` past it.
///
/// `ty` is taken to be in the form [`encode_type_info`] writes (the nullable `INTN`, `FLTN`...
/// forms); for a parameter declared with a legacy fixed-length type use [`read_value`] with
/// the [`TypeInfo`] that [`TypeInfo::read`] returned.
pub fn decode_value(ty: &SqlType, input: &mut &[u8]) -> Result<Value> {
    read_value(&TypeInfo::of(ty), input)
}
