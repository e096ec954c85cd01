//! TYPE_INFO and value encodings (MS-TDS 2.2.5.4-2.2.5.5), both directions.
//!
//! The server writes TYPE_INFO in COLMETADATA and values in ROW/NBCROW/RETURNVALUE;
//! it reads TYPE_INFO and values of RPC parameters.

use crate::types::{SqlType, Value};
use crate::Result;

/// Writes the TYPE_INFO of `ty` (type id, length, precision/scale, collation) as COLMETADATA
/// and RETURNVALUE carry it.
pub fn encode_type_info(_ty: &SqlType, _out: &mut Vec<u8>) {
    todo!("values helper")
}

/// Writes `value` in the wire format of `ty` as a ROW token carries it
/// (NULL as the type's own NULL form; MAX types as PLP chunks).
pub fn encode_value(_ty: &SqlType, _value: &Value, _out: &mut Vec<u8>) -> Result<()> {
    todo!("values helper")
}

/// Reads a TYPE_INFO (as an RPC parameter carries it) and advances `input` past it.
pub fn decode_type_info(_input: &mut &[u8]) -> Result<SqlType> {
    todo!("values helper")
}

/// Reads one value of type `ty` (as an RPC parameter carries it) and advances `input` past it.
pub fn decode_value(_ty: &SqlType, _input: &mut &[u8]) -> Result<Value> {
    todo!("values helper")
}
