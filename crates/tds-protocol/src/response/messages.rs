//! Every token but the rows, decoded into owned values: they come a few per response.

use super::columns::{decode_col_metadata, Column};
use super::{Cursor, Decoded};
use super::{
    TOKEN_COLINFO, TOKEN_DATACLASSIFICATION, TOKEN_FEDAUTHINFO, TOKEN_ORDER, TOKEN_SESSIONSTATE,
    TOKEN_SSPI, TOKEN_TABNAME,
};
use crate::tokens::{
    DoneKind, DONE_ATTN, DONE_COUNT, DONE_ERROR, DONE_MORE, DONE_SRVERROR, TOKEN_COLMETADATA,
    TOKEN_DONE, TOKEN_DONEINPROC, TOKEN_DONEPROC, TOKEN_ENVCHANGE, TOKEN_ERROR,
    TOKEN_FEATUREEXTACK, TOKEN_INFO, TOKEN_LOGINACK, TOKEN_NBCROW, TOKEN_RETURNSTATUS,
    TOKEN_RETURNVALUE, TOKEN_ROW,
};
use crate::types::{SqlType, Value};
use crate::values::{read_value, TypeInfo};
use crate::{DecodeError, ProtocolError};

/// A token other than ROW/NBCROW.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    ColMetadata(Vec<Column>),
    Done(Done),
    Error(ServerMessage),
    Info(ServerMessage),
    EnvChange(EnvChange),
    LoginAck(LoginAck),
    ReturnStatus(i32),
    ReturnValue(ReturnValue),
    /// The columns (1-based) a result is ordered by.
    Order(Vec<u16>),
    FedAuthInfo(FedAuthInfo),
    /// The features the server acknowledged: (id, data).
    FeatureExtAck(Vec<(u8, Vec<u8>)>),
    /// A token a client may skip (TABNAME, COLINFO, SESSIONSTATE, SSPI, DATACLASSIFICATION):
    /// its type byte.
    Skipped(u8),
}

/// DONE, DONEPROC or DONEINPROC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub kind: DoneKind,
    pub status: u16,
    pub cur_cmd: u16,
    pub row_count: u64,
}

impl Done {
    /// More results follow in this response.
    pub fn more(&self) -> bool {
        self.status & DONE_MORE != 0
    }

    /// The statement failed (its ERROR came before).
    pub fn error(&self) -> bool {
        self.status & (DONE_ERROR | DONE_SRVERROR) != 0
    }

    /// It acknowledges an attention: the request was cancelled.
    pub fn attention(&self) -> bool {
        self.status & DONE_ATTN != 0
    }

    /// The row count, when it is valid.
    pub fn count(&self) -> Option<u64> {
        (self.status & DONE_COUNT != 0).then_some(self.row_count)
    }
}

/// An ERROR or INFO token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerMessage {
    pub number: i32,
    pub state: u8,
    /// Severity: 0-10 informational, 11-16 user errors, 17+ resource and system errors.
    pub class: u8,
    pub message: String,
    pub server: String,
    /// The procedure the message arose in, empty for a batch.
    pub procedure: String,
    pub line: u32,
}

impl std::fmt::Display for ServerMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Msg {}, Level {}, State {}, ",
            self.number, self.class, self.state
        )?;
        if !self.procedure.is_empty() {
            write!(f, "Procedure {}, ", self.procedure)?;
        }
        write!(f, "Line {}: {}", self.line, self.message)
    }
}

/// An ENVCHANGE: what changed in the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvChange {
    Database {
        new: String,
        old: String,
    },
    Language {
        new: String,
    },
    /// The packet size the server grants, in bytes.
    PacketSize(u32),
    /// The 5-byte collation of the database.
    Collation(Vec<u8>),
    BeginTransaction(u64),
    CommitTransaction,
    RollbackTransaction,
    ResetConnectionAck,
    /// Reconnect there (Azure SQL's gateway redirect): host and port.
    Routing {
        host: String,
        port: u16,
    },
    /// A change a client needs not act on: its type number.
    Other(u8),
}

/// LOGINACK: the login succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAck {
    pub interface: u8,
    /// As the spec writes it: 0x74000004 for TDS 7.4.
    pub tds_version: u32,
    pub program: String,
    /// (major, minor, build high, build low).
    pub version: [u8; 4],
}

/// RETURNVALUE: an output parameter's value (or a UDF's return value).
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnValue {
    pub ordinal: u16,
    pub name: String,
    pub status: u8,
    pub ty: SqlType,
    pub value: Value,
}

/// FEDAUTHINFO: where to get a token (STS URL) and for what (SPN).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FedAuthInfo {
    pub sts_url: Option<String>,
    pub spn: Option<String>,
}

/// Decodes the token at the start of `input` (type byte included) and returns it with the
/// bytes it takes. ROW and NBCROW are not tokens of this function: read them with
/// [`super::scan_row`] against the last [`Token::ColMetadata`].
pub fn decode_token(input: &[u8]) -> Decoded<(Token, usize)> {
    let mut r = Cursor::new(input);
    let ty = r.u8()?;
    let token = match ty {
        TOKEN_COLMETADATA => {
            let (columns, used) = decode_col_metadata(r.rest)?;
            r.take(used)?;
            Token::ColMetadata(columns)
        }
        TOKEN_DONE | TOKEN_DONEPROC | TOKEN_DONEINPROC => {
            let kind = match ty {
                TOKEN_DONE => DoneKind::Done,
                TOKEN_DONEPROC => DoneKind::DoneProc,
                _ => DoneKind::DoneInProc,
            };
            Token::Done(Done {
                kind,
                status: r.u16()?,
                cur_cmd: r.u16()?,
                row_count: r.u64()?,
            })
        }
        TOKEN_RETURNSTATUS => Token::ReturnStatus(r.u32()? as i32),
        TOKEN_RETURNVALUE => Token::ReturnValue(return_value(&mut r)?),
        TOKEN_FEATUREEXTACK => Token::FeatureExtAck(feature_ext_ack(&mut r)?),
        TOKEN_FEDAUTHINFO => {
            let len = r.u32()? as usize;
            Token::FedAuthInfo(fed_auth_info(r.take(len)?)?)
        }
        TOKEN_SESSIONSTATE => {
            let len = r.u32()? as usize;
            r.take(len)?;
            Token::Skipped(ty)
        }
        TOKEN_ERROR
        | TOKEN_INFO
        | TOKEN_ENVCHANGE
        | TOKEN_LOGINACK
        | TOKEN_ORDER
        | TOKEN_TABNAME
        | TOKEN_COLINFO
        | TOKEN_SSPI
        | TOKEN_DATACLASSIFICATION => {
            let len = usize::from(r.u16()?);
            let body = r.take(len)?;
            // The body is whole: running out inside it is a lie of its length.
            with_length(ty, body).map_err(|e| match e {
                DecodeError::Incomplete => invalid(format!(
                    "token 0x{ty:02X}: its {len}-byte length cuts its data short"
                )),
                other => other,
            })?
        }
        TOKEN_ROW | TOKEN_NBCROW => {
            return Err(invalid(
                "a row token given to decode_token (read rows with scan_row)",
            ))
        }
        other => return Err(invalid(format!("unknown token type 0x{other:02X}"))),
    };
    Ok((token, input.len() - r.rest.len()))
}

fn invalid(message: impl Into<String>) -> DecodeError {
    DecodeError::Invalid(ProtocolError(message.into()))
}

/// The tokens with a two-byte length, from their whole body.
fn with_length(ty: u8, body: &[u8]) -> Decoded<Token> {
    let mut r = Cursor::new(body);
    Ok(match ty {
        TOKEN_ERROR | TOKEN_INFO => {
            let message = ServerMessage {
                number: r.u32()? as i32,
                state: r.u8()?,
                class: r.u8()?,
                message: r.us_varchar()?,
                server: r.b_varchar()?,
                procedure: r.b_varchar()?,
                line: r.u32()?,
            };
            if ty == TOKEN_ERROR {
                Token::Error(message)
            } else {
                Token::Info(message)
            }
        }
        TOKEN_ENVCHANGE => Token::EnvChange(env_change(&mut r)?),
        TOKEN_LOGINACK => {
            let interface = r.u8()?;
            let v = r.take(4)?;
            Token::LoginAck(LoginAck {
                interface,
                tds_version: u32::from_be_bytes([v[0], v[1], v[2], v[3]]),
                program: r.b_varchar()?,
                version: {
                    let v = r.take(4)?;
                    [v[0], v[1], v[2], v[3]]
                },
            })
        }
        TOKEN_ORDER => Token::Order(
            body.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
        ),
        _ => Token::Skipped(ty),
    })
}

fn env_change(r: &mut Cursor<'_>) -> Decoded<EnvChange> {
    let ty = r.u8()?;
    let varbyte = |r: &mut Cursor<'_>| -> Decoded<Vec<u8>> {
        let n = r.u8()?;
        Ok(r.take(usize::from(n))?.to_vec())
    };
    Ok(match ty {
        1 => EnvChange::Database {
            new: r.b_varchar()?,
            old: r.b_varchar()?,
        },
        2 => EnvChange::Language {
            new: r.b_varchar()?,
        },
        4 => {
            let new = r.b_varchar()?;
            let size = new
                .parse::<u32>()
                .map_err(|_| invalid(format!("ENVCHANGE packet size {new:?} is not a number")))?;
            EnvChange::PacketSize(size)
        }
        7 => EnvChange::Collation(varbyte(r)?),
        8 => {
            let descriptor = varbyte(r)?;
            let bytes: [u8; 8] = descriptor.as_slice().try_into().map_err(|_| {
                invalid(format!(
                    "ENVCHANGE transaction descriptor of {} bytes",
                    descriptor.len()
                ))
            })?;
            EnvChange::BeginTransaction(u64::from_le_bytes(bytes))
        }
        9 => EnvChange::CommitTransaction,
        10 => EnvChange::RollbackTransaction,
        18 => EnvChange::ResetConnectionAck,
        20 => {
            let len = usize::from(r.u16()?);
            let mut value = Cursor::new(r.take(len)?);
            let protocol = value.u8()?;
            if protocol != 0 {
                return Err(invalid(format!(
                    "routing ENVCHANGE with protocol {protocol}, not TCP"
                )));
            }
            let port = value.u16()?;
            let host = value.us_varchar()?;
            EnvChange::Routing { host, port }
        }
        other => EnvChange::Other(other),
    })
}

fn return_value(r: &mut Cursor<'_>) -> Decoded<ReturnValue> {
    let ordinal = r.u16()?;
    let name = r.b_varchar()?;
    let status = r.u8()?;
    let _user_type = r.u32()?;
    let _flags = r.u16()?;
    let info = r.with(TypeInfo::read)?;
    let value = r.with(|input| read_value(&info, input))?;
    Ok(ReturnValue {
        ordinal,
        name,
        status,
        ty: info.ty,
        value,
    })
}

fn feature_ext_ack(r: &mut Cursor<'_>) -> Decoded<Vec<(u8, Vec<u8>)>> {
    let mut features = Vec::new();
    loop {
        let id = r.u8()?;
        if id == 0xFF {
            return Ok(features);
        }
        let len = r.u32()? as usize;
        features.push((id, r.take(len)?.to_vec()));
    }
}

/// FEDAUTHINFO's body: a count, then (id, length, offset) entries whose offsets count from
/// the body's start, each value UTF-16.
fn fed_auth_info(body: &[u8]) -> Decoded<FedAuthInfo> {
    let fail = |what: &str| invalid(format!("FEDAUTHINFO: {what}"));
    let mut r = Cursor::new(body);
    let count = r.u32().map_err(|_| fail("no count"))?;
    let mut info = FedAuthInfo::default();
    for _ in 0..count {
        let (id, len, offset) = (|| Ok::<_, DecodeError>((r.u8()?, r.u32()?, r.u32()?)))()
            .map_err(|_| fail("truncated option table"))?;
        let bytes = body
            .get(offset as usize..)
            .and_then(|tail| tail.get(..len as usize))
            .ok_or_else(|| fail("an option outside the token"))?;
        let text = Cursor::new(bytes).utf16(bytes.len() / 2)?;
        match id {
            1 => info.sts_url = Some(text),
            2 => info.spn = Some(text),
            _ => {}
        }
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::{self, EnvChangeToken, CURCMD_SELECT};
    use crate::types::SqlError;

    fn one(bytes: &[u8]) -> Token {
        let (token, used) = decode_token(bytes).unwrap();
        assert_eq!(used, bytes.len());
        for cut in 0..bytes.len() {
            assert_eq!(
                decode_token(&bytes[..cut]).map(|_| ()),
                Err(DecodeError::Incomplete),
                "cut at {cut}"
            );
        }
        token
    }

    #[test]
    fn reads_every_token_the_server_writes() {
        let mut b = Vec::new();
        tokens::done(
            &mut b,
            DoneKind::DoneInProc,
            DONE_MORE | DONE_COUNT,
            CURCMD_SELECT,
            9,
        );
        let Token::Done(done) = one(&b) else { panic!() };
        assert_eq!(
            (done.kind, done.count(), done.more()),
            (DoneKind::DoneInProc, Some(9), true)
        );

        let mut b = Vec::new();
        let mut error = SqlError::new(208, 16, "Invalid object name 'x'.");
        error.procedure = "p".into();
        error.line = 3;
        tokens::message(&mut b, &error, true, "srv");
        let Token::Error(m) = one(&b) else { panic!() };
        assert_eq!(
            m.to_string(),
            "Msg 208, Level 16, State 1, Procedure p, Line 3: Invalid object name 'x'."
        );
        assert_eq!(m.server, "srv");

        let mut b = Vec::new();
        tokens::env_change(
            &mut b,
            &EnvChangeToken::PacketSize {
                new: 32767,
                old: 4096,
            },
        );
        assert_eq!(one(&b), Token::EnvChange(EnvChange::PacketSize(32767)));

        let mut b = Vec::new();
        tokens::env_change(
            &mut b,
            &EnvChangeToken::Routing {
                port: 1444,
                server: "db2",
            },
        );
        assert_eq!(
            one(&b),
            Token::EnvChange(EnvChange::Routing {
                host: "db2".into(),
                port: 1444
            })
        );

        let mut b = Vec::new();
        tokens::env_change(
            &mut b,
            &EnvChangeToken::Database {
                new: "shop",
                old: "master",
            },
        );
        assert_eq!(
            one(&b),
            Token::EnvChange(EnvChange::Database {
                new: "shop".into(),
                old: "master".into()
            })
        );

        let mut b = Vec::new();
        tokens::login_ack(
            &mut b,
            0x7400_0004,
            "Microsoft SQL Server",
            [16, 0, 0x10, 0],
        );
        let Token::LoginAck(ack) = one(&b) else {
            panic!()
        };
        assert_eq!(
            (ack.tds_version, ack.version),
            (0x7400_0004, [16, 0, 0x10, 0])
        );

        let mut b = Vec::new();
        tokens::return_status(&mut b, -6);
        assert_eq!(one(&b), Token::ReturnStatus(-6));

        let mut b = Vec::new();
        tokens::return_value(
            &mut b,
            1,
            "@out",
            &SqlType::NVarChar(None),
            &Value::String("é".into()),
        )
        .unwrap();
        let Token::ReturnValue(rv) = one(&b) else {
            panic!()
        };
        assert_eq!(
            (rv.name.as_str(), rv.value),
            ("@out", Value::String("é".into()))
        );

        let mut b = Vec::new();
        tokens::feature_ext_ack(&mut b, &[(0x02, vec![]), (0x0A, vec![1])]);
        assert_eq!(
            one(&b),
            Token::FeatureExtAck(vec![(0x02, vec![]), (0x0A, vec![1])])
        );
    }

    #[test]
    fn order_and_fedauthinfo() {
        assert_eq!(
            one(&[TOKEN_ORDER, 4, 0, 1, 0, 3, 0]),
            Token::Order(vec![1, 3])
        );
        let url: Vec<u8> = "https://sts"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut body = 1u32.to_le_bytes().to_vec();
        body.push(1);
        body.extend((url.len() as u32).to_le_bytes());
        body.extend(13u32.to_le_bytes());
        body.extend(&url);
        let mut b = vec![TOKEN_FEDAUTHINFO];
        b.extend((body.len() as u32).to_le_bytes());
        b.extend(&body);
        assert_eq!(
            one(&b),
            Token::FedAuthInfo(FedAuthInfo {
                sts_url: Some("https://sts".into()),
                spn: None
            })
        );
    }

    #[test]
    fn lying_lengths_and_unknown_tokens_are_invalid() {
        // An ERROR whose length ends inside its message.
        let mut b = Vec::new();
        tokens::message(&mut b, &SqlError::new(1, 16, "long message"), true, "s");
        b[1] = 8;
        b[2] = 0;
        b.truncate(11);
        assert!(matches!(decode_token(&b), Err(DecodeError::Invalid(_))));
        assert!(matches!(
            decode_token(&[0x42]),
            Err(DecodeError::Invalid(_))
        ));
        assert!(matches!(
            decode_token(&[TOKEN_ROW, 0]),
            Err(DecodeError::Invalid(_))
        ));
    }
}
