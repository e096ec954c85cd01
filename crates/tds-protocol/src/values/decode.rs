//! Values as RPC parameters carry them (MS-TDS 2.2.6.6), client to server: the frame
//! ([`super::frame`]) and the bytes' meaning ([`ValueRef::decode`]), made owned.

use super::frame::{frame, Framed, Place};
use super::typeinfo::TypeInfo;
use super::value_ref::ValueRef;
use crate::types::Value;
use crate::Result;

/// Reads one value of the wire type `info` describes and advances `input` past it.
pub fn read_value(info: &TypeInfo, input: &mut &[u8]) -> Result<Value> {
    match frame(info, Place::Param, input).map_err(crate::DecodeError::into_protocol)? {
        Framed::Null => Ok(Value::Null),
        Framed::Bytes(bytes) => decode_payload(info, bytes),
        Framed::Plp(chunks) => match chunks.contiguous() {
            Some(bytes) => decode_payload(info, bytes),
            None => {
                let mut bytes = Vec::new();
                chunks.append_to(&mut bytes);
                decode_payload(info, &bytes)
            }
        },
    }
}

/// Decodes the bytes of one non-NULL value of `info` (its length prefix already removed).
pub(crate) fn decode_payload(info: &TypeInfo, b: &[u8]) -> Result<Value> {
    ValueRef::decode(info, b)?.to_value(info)
}
