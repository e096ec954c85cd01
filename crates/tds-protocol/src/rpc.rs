//! RPC requests (MS-TDS 2.2.6.6): calls of stored procedures, by name or by the id of a
//! well-known system procedure, with typed parameters. One message may batch several
//! calls, separated by a 0x80 (BatchFlag) or 0xFF (NoExecFlag) byte.

use crate::batch::AllHeaders;
use crate::types::{SqlType, Value};
use crate::values::{read_value, TypeInfo};
use crate::wire::Reader;
use crate::{ProtocolError, Result};

/// Parameter status: an OUTPUT parameter (passed by reference).
pub const PARAM_BY_REF: u8 = 0x01;
/// Parameter status: use the parameter's default value.
pub const PARAM_DEFAULT_VALUE: u8 = 0x02;
/// Parameter status: Always Encrypted (not supported).
pub const PARAM_ENCRYPTED: u8 = 0x08;

/// Option flag: recompile the procedure.
pub const OPTION_WITH_RECOMPILE: u16 = 0x01;
/// Option flag: the client wants no COLMETADATA (it kept an earlier one).
pub const OPTION_NO_METADATA: u16 = 0x02;
/// Option flag: reuse metadata.
pub const OPTION_REUSE_METADATA: u16 = 0x04;

const BATCH_FLAG: u8 = 0x80;
const NO_EXEC_FLAG: u8 = 0xFF;

/// The system procedures clients call by id, in the order of their ids (1 = sp_cursor).
const WELL_KNOWN: [&str; 15] = [
    "sp_cursor",
    "sp_cursoropen",
    "sp_cursorprepare",
    "sp_cursorexecute",
    "sp_cursorprepexec",
    "sp_cursorunprepare",
    "sp_cursorfetch",
    "sp_cursoroption",
    "sp_cursorclose",
    "sp_executesql",
    "sp_prepare",
    "sp_execute",
    "sp_prepexec",
    "sp_prepexecrpc",
    "sp_unprepare",
];

/// How the call names its procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcId {
    Name(String),
    Id(u16),
}

/// The procedure a call means, with the well-known ones recognised by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Procedure {
    ExecuteSql,
    Prepare,
    Execute,
    PrepExec,
    Unprepare,
    /// sp_cursor* and sp_prepexecrpc: server cursors, which this server refuses.
    Cursor(String),
    /// Any other procedure, by its name as sent.
    Other(String),
}

impl ProcId {
    /// The procedure's name: as sent, or the well-known name of an id.
    pub fn name(&self) -> String {
        match self {
            ProcId::Name(name) => name.clone(),
            ProcId::Id(id) => WELL_KNOWN
                .get((*id as usize).wrapping_sub(1))
                .map(|s| s.to_string())
                .unwrap_or_else(|| format!("procedure id {id}")),
        }
    }

    /// Recognises the system procedures whatever their spelling: `sp_executesql`,
    /// `sys.sp_executesql`, `[master].[sys].[SP_EXECUTESQL]`.
    pub fn procedure(&self) -> Procedure {
        let full = self.name();
        let last = full
            .rsplit('.')
            .next()
            .unwrap_or("")
            .trim_matches(|c| c == '[' || c == ']' || c == '"')
            .to_ascii_lowercase();
        match last.as_str() {
            "sp_executesql" => Procedure::ExecuteSql,
            "sp_prepare" => Procedure::Prepare,
            "sp_execute" => Procedure::Execute,
            "sp_prepexec" => Procedure::PrepExec,
            "sp_unprepare" => Procedure::Unprepare,
            s if s.starts_with("sp_cursor") || s == "sp_prepexecrpc" => Procedure::Cursor(last),
            _ if matches!(self, ProcId::Id(_)) => Procedure::Cursor(full),
            _ => Procedure::Other(full),
        }
    }
}

/// One parameter of a call.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcParam {
    /// With its `@`, or empty for a positional parameter.
    pub name: String,
    pub status: u8,
    pub ty: SqlType,
    pub value: Value,
}

impl RpcParam {
    /// An OUTPUT parameter.
    pub fn is_output(&self) -> bool {
        self.status & PARAM_BY_REF != 0
    }
}

/// One procedure call.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcCall {
    pub proc_id: ProcId,
    pub option_flags: u16,
    pub params: Vec<RpcParam>,
}

/// A decoded RPC message: its headers and one or more calls.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcRequest {
    pub headers: AllHeaders,
    pub calls: Vec<RpcCall>,
}

impl RpcRequest {
    pub fn decode(payload: &[u8]) -> Result<RpcRequest> {
        let mut r = Reader::new(payload, "RPC");
        let headers = AllHeaders::decode(&mut r)?;
        let mut calls = vec![decode_call(&mut r)?];
        while let Some(flag) = r.peek_u8() {
            if flag != BATCH_FLAG && flag != NO_EXEC_FLAG {
                return Err(r.error(format!("unexpected byte 0x{flag:02X} after a call")));
            }
            r.u8()?;
            if r.is_empty() {
                break; // a trailing separator ends the batch
            }
            calls.push(decode_call(&mut r)?);
        }
        Ok(RpcRequest { headers, calls })
    }

    /// Writes the message, as a client would (for tests and tools).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        self.headers.encode(out);
        for (i, call) in self.calls.iter().enumerate() {
            if i > 0 {
                out.push(BATCH_FLAG);
            }
            match &call.proc_id {
                ProcId::Id(id) => {
                    out.extend_from_slice(&0xFFFFu16.to_le_bytes());
                    out.extend_from_slice(&id.to_le_bytes());
                }
                ProcId::Name(name) => crate::wire::put_us_varchar(out, name),
            }
            out.extend_from_slice(&call.option_flags.to_le_bytes());
            for p in &call.params {
                crate::wire::put_b_varchar(out, &p.name);
                out.push(p.status);
                crate::values::encode_type_info(&p.ty, out);
                crate::values::encode_value(&p.ty, &p.value, out)?;
            }
        }
        Ok(())
    }
}

fn decode_call(r: &mut Reader<'_>) -> Result<RpcCall> {
    let len = r.u16()?;
    let proc_id = if len == 0xFFFF {
        ProcId::Id(r.u16()?)
    } else {
        ProcId::Name(r.utf16(len as usize)?)
    };
    let option_flags = r.u16()?;
    let mut params = Vec::new();
    while let Some(next) = r.peek_u8() {
        if next == BATCH_FLAG || next == NO_EXEC_FLAG {
            break;
        }
        params.push(decode_param(r)?);
    }
    Ok(RpcCall {
        proc_id,
        option_flags,
        params,
    })
}

fn decode_param(r: &mut Reader<'_>) -> Result<RpcParam> {
    let name = r.b_varchar()?;
    let status = r.u8()?;
    if status & PARAM_ENCRYPTED != 0 {
        return Err(r.error(format!(
            "parameter {name}: encrypted parameters are not supported"
        )));
    }
    // The wire form, not just the SQL type: clients also send the legacy fixed-length
    // types (FreeTDS's INT4 without a length byte), whose values are read differently.
    let info = with_slice(r, TypeInfo::read)?;
    let value = with_slice(r, |input| read_value(&info, input))?;
    Ok(RpcParam {
        name,
        status,
        ty: info.ty,
        value,
    })
}

/// Runs a slice-advancing decoder from `values` on the reader's rest, then moves the
/// reader past what it consumed.
fn with_slice<T>(r: &mut Reader<'_>, f: impl FnOnce(&mut &[u8]) -> Result<T>) -> Result<T> {
    let rest = r.rest();
    let mut input = rest;
    let value = f(&mut input).map_err(|e| ProtocolError(format!("RPC parameter: {}", e.0)))?;
    r.advance(rest.len() - input.len())?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_bytes() -> Vec<u8> {
        let mut out = Vec::new();
        AllHeaders::default().encode(&mut out);
        out
    }

    #[test]
    fn well_known_ids_and_names() {
        assert_eq!(ProcId::Id(10).procedure(), Procedure::ExecuteSql);
        assert_eq!(ProcId::Id(11).procedure(), Procedure::Prepare);
        assert_eq!(ProcId::Id(12).procedure(), Procedure::Execute);
        assert_eq!(ProcId::Id(13).procedure(), Procedure::PrepExec);
        assert_eq!(ProcId::Id(15).procedure(), Procedure::Unprepare);
        assert_eq!(
            ProcId::Id(2).procedure(),
            Procedure::Cursor("sp_cursoropen".into())
        );
        assert!(matches!(ProcId::Id(99).procedure(), Procedure::Cursor(_)));
        assert_eq!(
            ProcId::Name("[sys].[SP_EXECUTESQL]".into()).procedure(),
            Procedure::ExecuteSql
        );
        assert_eq!(
            ProcId::Name("dbo.my_proc".into()).procedure(),
            Procedure::Other("dbo.my_proc".into())
        );
    }

    #[test]
    fn calls_without_parameters_batched() {
        // Two parameterless calls: by id (sp_unprepare) and by name, separated by 0x80.
        let mut bytes = header_bytes();
        bytes.extend_from_slice(&[0xFF, 0xFF, 15, 0, 0, 0]);
        bytes.push(0x80);
        bytes.extend_from_slice(&[2, 0, b'p', 0, b'1', 0, 0x02, 0]);
        let req = RpcRequest::decode(&bytes).unwrap();
        assert_eq!(req.calls.len(), 2);
        assert_eq!(req.calls[0].proc_id, ProcId::Id(15));
        assert_eq!(req.calls[1].proc_id, ProcId::Name("p1".into()));
        assert_eq!(req.calls[1].option_flags, OPTION_NO_METADATA);
    }

    #[test]
    fn executesql_with_typed_parameters_round_trips() {
        let call = RpcCall {
            proc_id: ProcId::Id(10),
            option_flags: 0,
            params: vec![
                RpcParam {
                    name: String::new(),
                    status: 0,
                    ty: SqlType::NVarChar(Some(4000)),
                    value: Value::String("SELECT @P1, @P2".into()),
                },
                RpcParam {
                    name: String::new(),
                    status: 0,
                    ty: SqlType::NVarChar(Some(4000)),
                    value: Value::String("@P1 int, @P2 nvarchar(10) OUTPUT".into()),
                },
                RpcParam {
                    name: "@P1".into(),
                    status: 0,
                    ty: SqlType::Int,
                    value: Value::Int(42),
                },
                RpcParam {
                    name: "@P2".into(),
                    status: PARAM_BY_REF,
                    ty: SqlType::NVarChar(Some(10)),
                    value: Value::Null,
                },
            ],
        };
        let request = RpcRequest {
            headers: AllHeaders::default(),
            calls: vec![call.clone(), call],
        };
        let mut bytes = Vec::new();
        request.encode(&mut bytes).unwrap();
        let decoded = RpcRequest::decode(&bytes).unwrap();
        assert_eq!(decoded.calls.len(), 2);
        let params = &decoded.calls[1].params;
        assert_eq!(params[2].value, Value::Int(42));
        assert_eq!(params[2].name, "@P1");
        assert!(params[3].is_output());
        assert_eq!(params[3].value, Value::Null);
        assert_eq!(params[0].value, Value::String("SELECT @P1, @P2".into()));
    }

    #[test]
    fn truncated_call_is_an_error() {
        let mut bytes = header_bytes();
        bytes.extend_from_slice(&[0xFF, 0xFF, 10]);
        assert!(RpcRequest::decode(&bytes).is_err());
        let mut bytes = header_bytes();
        bytes.extend_from_slice(&[5, 0, b'p', 0]);
        assert!(RpcRequest::decode(&bytes).is_err());
    }

    #[test]
    fn legacy_fixed_length_parameter_is_read() {
        // FreeTDS sends a non-NULL int as INT4 (0x38): no length byte before the value.
        let mut bytes = header_bytes();
        bytes.extend_from_slice(&[0xFF, 0xFF, 12, 0, 0, 0]);
        bytes.extend_from_slice(&[0, 0, 0x38, 5, 0, 0, 0]);
        bytes.extend_from_slice(&[0, 0, 0x38, 0xFE, 0xFF, 0xFF, 0xFF]);
        let req = RpcRequest::decode(&bytes).unwrap();
        let params = &req.calls[0].params;
        assert_eq!(params[0].value, Value::Int(5));
        assert_eq!(params[1].value, Value::Int(-2));
        assert_eq!(params[1].ty, SqlType::Int);
    }

    #[test]
    fn encrypted_parameter_is_refused() {
        let mut bytes = header_bytes();
        bytes.extend_from_slice(&[0xFF, 0xFF, 10, 0, 0, 0]);
        bytes.extend_from_slice(&[0, PARAM_ENCRYPTED, 0x26, 4, 4, 1, 0, 0, 0]);
        assert!(RpcRequest::decode(&bytes).is_err());
    }
}
