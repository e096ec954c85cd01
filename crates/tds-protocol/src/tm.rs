//! Transaction manager requests (MS-TDS 2.2.6.9): begin, commit, roll back or save a
//! transaction without sending T-SQL. Distributed-transaction requests are decoded only
//! far enough to be refused.

use crate::batch::AllHeaders;
use crate::wire::Reader;
use crate::{ProtocolError, Result};

const TM_GET_DTC_ADDRESS: u16 = 0;
const TM_PROPAGATE_XACT: u16 = 1;
const TM_BEGIN_XACT: u16 = 5;
const TM_PROMOTE_XACT: u16 = 6;
const TM_COMMIT_XACT: u16 = 7;
const TM_ROLLBACK_XACT: u16 = 8;
const TM_SAVE_XACT: u16 = 9;

/// fBeginXact: after commit or rollback, begin a new transaction.
const FLAG_BEGIN_XACT: u8 = 0x01;

/// A new transaction to begin, as BEGIN or the fBeginXact part of COMMIT/ROLLBACK say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransaction {
    /// 0 = unchanged, 1 = read uncommitted, 2 = read committed, 3 = repeatable read,
    /// 4 = serializable, 5 = snapshot.
    pub isolation_level: u8,
    pub name: String,
}

/// What the client asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TmRequest {
    Begin(NewTransaction),
    /// Commit (the named transaction, or the current one), then maybe begin another.
    Commit {
        name: String,
        then_begin: Option<NewTransaction>,
    },
    Rollback {
        name: String,
        then_begin: Option<NewTransaction>,
    },
    Save {
        name: String,
    },
    /// A distributed-transaction request (DTC), which this server does not do.
    Distributed(u16),
}

/// A decoded transaction manager message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionManager {
    pub headers: AllHeaders,
    pub request: TmRequest,
}

impl TransactionManager {
    pub fn decode(payload: &[u8]) -> Result<TransactionManager> {
        let mut r = Reader::new(payload, "transaction manager request");
        let headers = AllHeaders::decode(&mut r)?;
        let ty = r.u16()?;
        let request = match ty {
            TM_BEGIN_XACT => TmRequest::Begin(read_new(&mut r)?),
            TM_COMMIT_XACT | TM_ROLLBACK_XACT => {
                let name = r.b_varchar()?;
                // The flags byte may be missing from older clients' messages.
                let flags = if r.is_empty() { 0 } else { r.u8()? };
                let then_begin = if flags & FLAG_BEGIN_XACT != 0 {
                    Some(read_new(&mut r)?)
                } else {
                    None
                };
                if ty == TM_COMMIT_XACT {
                    TmRequest::Commit { name, then_begin }
                } else {
                    TmRequest::Rollback { name, then_begin }
                }
            }
            TM_SAVE_XACT => TmRequest::Save {
                name: r.b_varchar()?,
            },
            TM_GET_DTC_ADDRESS | TM_PROPAGATE_XACT | TM_PROMOTE_XACT => TmRequest::Distributed(ty),
            other => {
                return Err(ProtocolError(format!(
                    "transaction manager request: unknown type {other}"
                )))
            }
        };
        Ok(TransactionManager { headers, request })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        self.headers.encode(out);
        let put_new = |out: &mut Vec<u8>, t: &NewTransaction| {
            out.push(t.isolation_level);
            crate::wire::put_b_varchar(out, &t.name);
        };
        match &self.request {
            TmRequest::Begin(t) => {
                out.extend_from_slice(&TM_BEGIN_XACT.to_le_bytes());
                put_new(out, t);
            }
            TmRequest::Commit { name, then_begin } | TmRequest::Rollback { name, then_begin } => {
                let ty = if matches!(self.request, TmRequest::Commit { .. }) {
                    TM_COMMIT_XACT
                } else {
                    TM_ROLLBACK_XACT
                };
                out.extend_from_slice(&ty.to_le_bytes());
                crate::wire::put_b_varchar(out, name);
                match then_begin {
                    Some(t) => {
                        out.push(FLAG_BEGIN_XACT);
                        put_new(out, t);
                    }
                    None => out.push(0),
                }
            }
            TmRequest::Save { name } => {
                out.extend_from_slice(&TM_SAVE_XACT.to_le_bytes());
                crate::wire::put_b_varchar(out, name);
            }
            TmRequest::Distributed(ty) => out.extend_from_slice(&ty.to_le_bytes()),
        }
    }
}

fn read_new(r: &mut Reader<'_>) -> Result<NewTransaction> {
    Ok(NewTransaction {
        isolation_level: r.u8()?,
        name: r.b_varchar()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(request: TmRequest) {
        let msg = TransactionManager {
            headers: AllHeaders {
                transaction_descriptor: Some(9),
                outstanding_requests: Some(1),
                query_notifications: false,
            },
            request,
        };
        let mut bytes = Vec::new();
        msg.encode(&mut bytes);
        assert_eq!(TransactionManager::decode(&bytes).unwrap(), msg);
    }

    #[test]
    fn requests_round_trip() {
        round_trip(TmRequest::Begin(NewTransaction {
            isolation_level: 2,
            name: "t1".into(),
        }));
        round_trip(TmRequest::Commit {
            name: String::new(),
            then_begin: None,
        });
        round_trip(TmRequest::Rollback {
            name: "x".into(),
            then_begin: Some(NewTransaction {
                isolation_level: 0,
                name: String::new(),
            }),
        });
        round_trip(TmRequest::Save { name: "sp".into() });
    }

    #[test]
    fn begin_bytes() {
        let mut bytes = Vec::new();
        AllHeaders::default().encode(&mut bytes);
        bytes.extend_from_slice(&[5, 0, 0, 0]);
        let msg = TransactionManager::decode(&bytes).unwrap();
        assert_eq!(
            msg.request,
            TmRequest::Begin(NewTransaction {
                isolation_level: 0,
                name: String::new()
            })
        );
    }

    #[test]
    fn unknown_or_truncated_is_an_error() {
        let mut bytes = Vec::new();
        AllHeaders::default().encode(&mut bytes);
        let base = bytes.clone();
        bytes.extend_from_slice(&[42, 0]);
        assert!(TransactionManager::decode(&bytes).is_err());
        let mut bytes = base;
        bytes.extend_from_slice(&[5, 0, 0, 3]);
        assert!(TransactionManager::decode(&bytes).is_err());
    }
}
