//! A logged-in session: requests (SQLBatch, RPC), and the one loop that reads any response
//! ([`Client::next_event`]), which [`crate::Results`] drives.
//!
//! One request is answered at a time. A response not read to its end (its [`Results`]
//! dropped, or its visitor failed) is cancelled with an attention before the next request,
//! so the session stays usable.

use tds_protocol::batch::{AllHeaders, SqlBatch};
use tds_protocol::packet::PacketType;
use tds_protocol::response::{
    decode_token, scan_row, Column, Done, EnvChange, LoginAck, ReturnValue, RowCells, RowRef,
    ServerMessage, Token,
};
use tds_protocol::rpc::{ProcId, RpcCall, RpcParam, RpcRequest, PARAM_BY_REF};
use tds_protocol::tokens::{TOKEN_NBCROW, TOKEN_ROW};
use tds_protocol::types::{SqlType, Value};
use tds_protocol::DecodeError;

use crate::connect::{Channel, Session};
use crate::error::{Error, Result};
use crate::packets::Packets;
use crate::results::Results;
use crate::transport::Stream;

/// sp_executesql's id among the well-known procedures (MS-TDS 2.2.6.6).
const SP_EXECUTESQL: u16 = 10;

const DURING_RESPONSE: &str = "while sending a response";

/// What a response holds, one item at a time. Rows borrow the client's buffers until the
/// next call.
#[derive(Debug)]
pub enum Event<'r> {
    /// A result set starts: its columns.
    Columns(&'r [Column]),
    Row(RowRef<'r>),
    /// A statement (DONE, DONEINPROC) or a procedure (DONEPROC) ended.
    Done(Done),
    /// An INFO message (PRINT, RAISERROR below 11, "Changed database context").
    Message(ServerMessage),
    ReturnStatus(i32),
    ReturnValue(ReturnValue),
}

/// A parameter of [`Client::execute`]: `@name`, its type (as declared to sp_executesql)
/// and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: SqlType,
    pub value: Value,
    pub output: bool,
}

impl Param {
    pub fn new(name: impl Into<String>, ty: SqlType, value: Value) -> Param {
        Param {
            name: name.into(),
            ty,
            value,
            output: false,
        }
    }

    /// An OUTPUT parameter (its final value comes back as [`Event::ReturnValue`]).
    pub fn output(name: impl Into<String>, ty: SqlType, value: Value) -> Param {
        Param {
            output: true,
            ..Param::new(name, ty, value)
        }
    }
}

/// A logged-in connection.
pub struct Client<S> {
    packets: Packets<S>,
    session: Session,
    /// The columns of the result set being read, and the cells of its last row.
    columns: Vec<Column>,
    cells: RowCells,
    /// The transaction the server says is open (0: none), sent in ALL_HEADERS.
    transaction: u64,
    /// A response is not yet read to its end.
    pending: bool,
    /// An attention was sent: everything up to its DONE_ATTN is skipped.
    cancelling: bool,
    /// The first ERROR of the response being read, reported at its end.
    error: Option<ServerMessage>,
    /// The stream broke (bad bytes, I/O error): nothing more can be read.
    broken: bool,
}

impl<S: Stream> Client<S> {
    pub(crate) fn new(packets: Packets<S>, session: Session) -> Client<S> {
        Client {
            packets,
            session,
            columns: Vec::new(),
            cells: RowCells::new(),
            transaction: 0,
            pending: false,
            cancelling: false,
            error: None,
            broken: false,
        }
    }

    /// How the session travels (plain, login-only TLS, TLS, TDS 8.0 strict).
    pub fn channel(&self) -> Channel {
        self.session.channel
    }

    /// Whether the session's bytes are encrypted now.
    pub fn is_encrypted(&self) -> bool {
        self.packets.is_tls()
    }

    /// The packet size the server granted, which requests are cut into.
    pub fn packet_size(&self) -> usize {
        self.packets.packet_size()
    }

    /// The current database, as the server last reported it.
    pub fn database(&self) -> &str {
        &self.session.database
    }

    /// The server's LOGINACK: its TDS version, program name and version.
    pub fn login_ack(&self) -> &LoginAck {
        &self.session.login_ack
    }

    /// INFO messages of the login ("Changed database context to ...").
    pub fn login_messages(&self) -> &[ServerMessage] {
        &self.session.messages
    }

    /// Whether a transaction is open (the server said so in an ENVCHANGE).
    pub fn in_transaction(&self) -> bool {
        self.transaction != 0
    }

    /// Sends a SQL batch; its results follow.
    pub async fn batch(&mut self, sql: &str) -> Result<Results<'_, S>> {
        let mut payload = Vec::with_capacity(32 + sql.len() * 2);
        SqlBatch {
            headers: self.headers(),
            text: sql.to_string(),
        }
        .encode(&mut payload);
        self.request(PacketType::SqlBatch, &payload).await
    }

    /// Runs `sql` through sp_executesql with typed parameters (`@P1`... as named in `sql`).
    pub async fn execute(&mut self, sql: &str, params: &[Param]) -> Result<Results<'_, S>> {
        let statement_type = if sql.encode_utf16().count() <= 4000 {
            SqlType::NVarChar(Some(4000))
        } else {
            SqlType::NVarChar(None)
        };
        let mut rpc_params = vec![RpcParam {
            name: String::new(),
            status: 0,
            ty: statement_type,
            value: Value::String(sql.to_string()),
        }];
        if !params.is_empty() {
            let declarations = params
                .iter()
                .map(|p| {
                    let output = if p.output { " OUTPUT" } else { "" };
                    format!("{} {}{output}", p.name, declaration_type(&p.ty))
                })
                .collect::<Vec<_>>()
                .join(", ");
            rpc_params.push(RpcParam {
                name: String::new(),
                status: 0,
                ty: SqlType::NVarChar(None),
                value: Value::String(declarations),
            });
        }
        rpc_params.extend(params.iter().map(|p| RpcParam {
            name: p.name.clone(),
            status: if p.output { PARAM_BY_REF } else { 0 },
            ty: p.ty,
            value: p.value.clone(),
        }));
        self.rpc(ProcId::Id(SP_EXECUTESQL), rpc_params).await
    }

    /// Calls a procedure by name or by well-known id with parameters as given.
    pub async fn rpc(&mut self, proc_id: ProcId, params: Vec<RpcParam>) -> Result<Results<'_, S>> {
        let mut payload = Vec::new();
        RpcRequest {
            headers: self.headers(),
            calls: vec![RpcCall {
                proc_id,
                option_flags: 0,
                params,
            }],
        }
        .encode(&mut payload)
        .map_err(|e| Error::Usage(format!("a parameter cannot be sent: {e}")))?;
        self.request(PacketType::Rpc, &payload).await
    }

    /// Ends the session (closing the stream).
    pub async fn close(mut self) -> Result<()> {
        self.packets.shutdown().await
    }

    fn headers(&self) -> AllHeaders {
        AllHeaders {
            transaction_descriptor: Some(self.transaction),
            outstanding_requests: Some(1),
            query_notifications: false,
        }
    }

    async fn request(&mut self, ty: PacketType, payload: &[u8]) -> Result<Results<'_, S>> {
        if self.broken {
            return Err(Error::Usage(
                "the connection broke earlier and cannot be used; open a new one".into(),
            ));
        }
        if self.pending {
            self.cancel().await?;
        }
        let sent = self.packets.send(ty, payload).await;
        self.guard(sent)?;
        self.packets.begin_message();
        self.pending = true;
        self.error = None;
        self.columns.clear();
        Ok(Results::new(self))
    }

    /// Marks the session broken on an error of the stream.
    fn guard<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            self.broken = true;
            self.pending = false;
        }
        result
    }

    /// Whether the response being read has more to read.
    pub(crate) fn in_response(&self) -> bool {
        self.pending
    }

    /// Cancels the response being read: an attention, then everything up to the server's
    /// DONE_ATTN is skipped (MS-TDS 2.2.1.7).
    pub(crate) async fn cancel(&mut self) -> Result<()> {
        if !self.pending {
            return Ok(());
        }
        if !self.cancelling {
            let sent = self.packets.send(PacketType::Attention, &[]).await;
            self.guard(sent)?;
            self.cancelling = true;
        }
        while self.next_event().await?.is_some() {}
        Ok(())
    }

    /// The next item of the response, `None` at its end; a statement's ERROR is returned
    /// once the response has been read to its end (the session is then ready for the next
    /// request).
    pub(crate) async fn next_event(&mut self) -> Result<Option<Event<'_>>> {
        loop {
            if !self.pending {
                return Ok(None);
            }
            let input = &self.packets.tokens[self.packets.pos..];
            let Some(&ty) = input.first() else {
                if self.fill().await? {
                    continue;
                }
                if self.cancelling {
                    // The response ended before the server saw the attention: its
                    // DONE_ATTN comes in a message of its own.
                    self.packets.begin_message();
                    continue;
                }
                self.pending = false;
                return match self.error.take() {
                    Some(error) => Err(Error::Server(error)),
                    None => Ok(None),
                };
            };
            if ty == TOKEN_ROW || ty == TOKEN_NBCROW {
                let nbc = ty == TOKEN_NBCROW;
                match scan_row(&input[1..], &self.columns, nbc, &mut self.cells) {
                    Ok(used) => {
                        let start = self.packets.pos + 1;
                        self.packets.pos = start + used;
                        if self.cancelling {
                            continue;
                        }
                        let row = &self.packets.tokens[start..start + used];
                        return Ok(Some(Event::Row(RowRef::new(
                            row,
                            &self.columns,
                            &self.cells,
                        ))));
                    }
                    Err(DecodeError::Incomplete) => {
                        self.need_more().await?;
                        continue;
                    }
                    Err(DecodeError::Invalid(e)) => {
                        return Err(self.break_on(Error::Protocol(format!("a row: {e}"))))
                    }
                }
            }
            let (token, used) = match decode_token(input) {
                Ok(decoded) => decoded,
                Err(DecodeError::Incomplete) => {
                    self.need_more().await?;
                    continue;
                }
                Err(DecodeError::Invalid(e)) => return Err(self.break_on(Error::Protocol(e.0))),
            };
            self.packets.pos += used;
            if self.cancelling {
                if let Token::Done(done) = &token {
                    if done.attention() {
                        self.cancelling = false;
                        self.pending = false;
                        self.error = None;
                        return Ok(None);
                    }
                }
                if let Token::ColMetadata(columns) = token {
                    self.columns = columns;
                }
                continue;
            }
            match token {
                Token::ColMetadata(columns) => {
                    self.columns = columns;
                    return Ok(Some(Event::Columns(&self.columns)));
                }
                Token::Done(done) => return Ok(Some(Event::Done(done))),
                Token::Error(error) => {
                    self.error.get_or_insert(error);
                }
                Token::Info(message) => return Ok(Some(Event::Message(message))),
                Token::ReturnStatus(status) => return Ok(Some(Event::ReturnStatus(status))),
                Token::ReturnValue(value) => return Ok(Some(Event::ReturnValue(value))),
                Token::EnvChange(change) => self.env_change(change),
                Token::LoginAck(_)
                | Token::Order(_)
                | Token::FedAuthInfo(_)
                | Token::FeatureExtAck(_)
                | Token::Skipped(_) => {}
            }
        }
    }

    async fn need_more(&mut self) -> Result<()> {
        if self.fill().await? {
            Ok(())
        } else {
            Err(self.break_on(Error::Protocol("the response ends inside a token".into())))
        }
    }

    /// The next packet of the response; the session breaks if the stream does.
    async fn fill(&mut self) -> Result<bool> {
        let filled = self.packets.fill(DURING_RESPONSE).await;
        self.guard(filled)
    }

    /// The stream is unusable after `error`.
    fn break_on(&mut self, error: Error) -> Error {
        self.broken = true;
        self.pending = false;
        error
    }

    fn env_change(&mut self, change: EnvChange) {
        match change {
            EnvChange::BeginTransaction(descriptor) => self.transaction = descriptor,
            EnvChange::CommitTransaction | EnvChange::RollbackTransaction => self.transaction = 0,
            EnvChange::Database { new, .. } => self.session.database = new,
            EnvChange::PacketSize(size) => self
                .packets
                .set_packet_size(tds_protocol::packet::negotiate_packet_size(size)),
            _ => {}
        }
    }
}

/// The type as a parameter declaration writes it (rowversion is declared as its storage).
fn declaration_type(ty: &SqlType) -> String {
    match ty {
        SqlType::RowVersion => "binary(8)".into(),
        other => other.to_string(),
    }
}
