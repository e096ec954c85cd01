//! One client connection: PRELOGIN, LOGIN7 and the login response, then requests until the
//! client goes away.
//!
//! After login a reader thread owns the socket's read side. It passes requests on and
//! turns attention messages into a cancel flag at once, so that a running request (which
//! checks the flag between rows) stops without waiting for the worker to read anything.

use std::io;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use tds_protocol::batch::SqlBatch;
use tds_protocol::login7::{Login7, FEATURE_FEDAUTH};
use tds_protocol::packet::{
    PacketHeader, PacketType, STATUS_IGNORE, STATUS_RESET_CONNECTION,
    STATUS_RESET_CONNECTION_SKIP_TRAN,
};
use tds_protocol::rpc::RpcRequest;
use tds_protocol::tm::{TmRequest, TransactionManager};
use tds_protocol::tokens::EnvChangeToken;
use tsql_engine::{Abort, BulkFail, Done, ResultSink, SqlError};

use super::bulk::{BulkPacket, BulkStream};
use super::handshake::{handshake, Handshake};
use super::io::{
    read_header, read_message_after, read_next_header, read_payload, ConnError, Message, Output,
};
use super::login::{self, LoginAck};
use super::procs::{self, PreparedStatements};
use super::sink::{send_attention_ack, TokenSink};
use super::statement_log::{batch_text, rpc_text};
use super::transport::{ReadHalf, WriteHalf};
use super::{AttentionAck, ServerConfig};
use crate::backend::{Backend, LoginRequest};

/// What the reader thread hands the worker.
pub(super) enum Incoming {
    Request(Message),
    /// One packet of a BulkLoad message: those are passed on as they come, not gathered.
    BulkPacket(BulkPacket),
    /// An attention arrived (the cancel flag is already set).
    Attention,
    /// The client closed the connection.
    Closed,
    Failed(ConnError),
}

/// Messages (or bulk load packets) the reader thread may read ahead of the worker.
const READ_AHEAD: usize = 16;

/// Serves one connection to its end. `Err` says why it ended abnormally.
pub fn serve<B: Backend>(
    stream: TcpStream,
    spid: u16,
    backend: &B,
    config: &ServerConfig,
) -> Result<(), ConnError> {
    stream.set_nodelay(true)?;
    let (peer, local) = (stream.peer_addr().ok(), stream.local_addr().ok());
    let Some(Handshake {
        reader,
        mut out,
        login: login_msg,
        tds_version,
        ..
    }) = handshake(stream, spid, config)?
    else {
        return Ok(());
    };
    let mut request = login::login_request(&login_msg, spid);
    request.client_address = peer;
    request.local_address = local;
    let Some(session) = log_in(
        backend,
        config,
        &mut request,
        tds_version,
        &login_msg,
        &mut out,
    )?
    else {
        return Ok(());
    };

    let cancel = Arc::new(AtomicBool::new(false));
    // Bounded, so that a bulk load's packets wait on the socket, not in memory.
    let (tx, rx) = mpsc::sync_channel(READ_AHEAD);
    let reader_cancel = Arc::clone(&cancel);
    let reader_thread = thread::Builder::new()
        .name(format!("tds-reader-{spid}"))
        .spawn(move || read_requests(reader, tx, &reader_cancel))?;
    let ack_in_response = match config.attention_ack {
        AttentionAck::OwnMessage => false,
        AttentionAck::InResponse => true,
        AttentionAck::ByClient => login_msg.library_name.is_empty(),
    };
    let mut conn = Connection {
        backend,
        config,
        ack_in_response,
        login: request,
        session,
        prepared: PreparedStatements::default(),
        out,
        cancel,
        answered_attentions: 0,
    };
    let result = conn.run(rx);
    // Unblocks the reader thread, which may still be waiting for the next message.
    conn.out.get_ref().shutdown();
    let _ = reader_thread.join();
    result
}

/// Opens the session and answers LOGIN7: the login response, or the errors of a failed
/// login, or a routing answer (`None` for the last two: the connection then closes).
fn log_in<B: Backend>(
    backend: &B,
    config: &ServerConfig,
    request: &mut LoginRequest,
    tds_version: u32,
    login_msg: &Login7,
    out: &mut Output<WriteHalf>,
) -> Result<Option<B::Session>, ConnError> {
    let mut bytes = Vec::new();
    let outcome = authenticate(backend, config, request, login_msg);
    if let Some(log) = &config.statement_log {
        let (database, error) = match &outcome {
            Ok(session) => (backend.database(session), None),
            Err(failure) => (request.database.clone(), Some(failure.error.number)),
        };
        log.login(
            request.spid,
            &request.user,
            &database,
            &request.library_name,
            error,
        );
    }
    let session = match outcome {
        Ok(session) => {
            let route = config.login.route.as_ref();
            login::write_login_ack(
                &mut bytes,
                &LoginAck {
                    database: &backend.database(&session),
                    tds_version,
                    packet_size: out.packet_size() as u32,
                    features: login_msg.features.as_deref(),
                    server_name: &config.server_name,
                    route: route.map(|(host, port)| (host.as_str(), *port)),
                },
            );
            // A routed client goes elsewhere: this server keeps no session for it.
            route.is_none().then_some(session)
        }
        Err(failure) => {
            login::write_login_failure(
                &mut bytes,
                &failure.error,
                failure.then_login_failed.then_some(request.user.as_str()),
                &config.server_name,
            );
            None
        }
    };
    out.write(&bytes)?;
    out.end_message()?;
    Ok(session)
}

/// Why a login failed, and whether SQL Server follows that error with 18456.
struct LoginFailure {
    error: SqlError,
    then_login_failed: bool,
}

/// Counts the login, fails it if a failure is injected, takes a fed-auth token in place of
/// a password, and opens the session.
fn authenticate<B: Backend>(
    backend: &B,
    config: &ServerConfig,
    request: &mut LoginRequest,
    login_msg: &Login7,
) -> Result<B::Session, LoginFailure> {
    let database = match request.database.as_str() {
        "" => "master",
        name => name,
    };
    let read_only = login_msg.read_only_intent();
    if let Some(error) = config
        .login
        .count_attempt(read_only, database, &config.server_name)
    {
        return Err(LoginFailure {
            error,
            then_login_failed: false,
        });
    }
    let fedauth = login_msg
        .features
        .iter()
        .flatten()
        .find(|f| f.id == FEATURE_FEDAUTH);
    if let Some(feature) = fedauth {
        request.user = config
            .login
            .token_user(feature)
            .map_err(|error| LoginFailure {
                error,
                then_login_failed: false,
            })?;
        request.preauthenticated = true;
    }
    backend.login(request).map_err(|error| LoginFailure {
        then_login_failed: error.number != 18456,
        error,
    })
}

/// The reader thread: whole messages to the worker (a BulkLoad message packet by packet),
/// attentions to the cancel flag too.
fn read_requests(mut reader: ReadHalf, tx: SyncSender<Incoming>, cancel: &AtomicBool) {
    loop {
        let incoming = match read_header(&mut reader, true) {
            Ok(Some(first)) if first.ty == PacketType::BulkLoad => {
                match pass_bulk_packets(&mut reader, first, &tx) {
                    Ok(true) => continue,
                    Ok(false) => return,
                    Err(e) => Incoming::Failed(e),
                }
            }
            Ok(Some(first)) => match read_message_after(first, &mut reader) {
                Ok(msg) if msg.ty == PacketType::Attention => {
                    cancel.store(true, Ordering::SeqCst);
                    Incoming::Attention
                }
                Ok(msg) => Incoming::Request(msg),
                Err(e) => Incoming::Failed(e),
            },
            Ok(None) => Incoming::Closed,
            Err(e) => Incoming::Failed(e),
        };
        let last = matches!(incoming, Incoming::Closed | Incoming::Failed(_));
        if tx.send(incoming).is_err() || last {
            return;
        }
    }
}

/// Hands a BulkLoad message's packets to the worker as they come; `Ok(false)` when the
/// worker has gone.
fn pass_bulk_packets(
    reader: &mut ReadHalf,
    first: PacketHeader,
    tx: &SyncSender<Incoming>,
) -> Result<bool, ConnError> {
    let mut header = first;
    loop {
        let packet = BulkPacket {
            payload: read_payload(reader, &header)?,
            last: header.is_eom(),
            ignored: header.status & STATUS_IGNORE != 0,
        };
        if tx.send(Incoming::BulkPacket(packet)).is_err() {
            return Ok(false);
        }
        if header.is_eom() {
            return Ok(true);
        }
        header = read_next_header(reader, PacketType::BulkLoad)?;
    }
}

/// The logged-in connection's state, owned by its worker thread.
struct Connection<'a, B: Backend> {
    backend: &'a B,
    config: &'a ServerConfig,
    /// Acknowledge an attention inside the cancelled response (see [`AttentionAck`]).
    ack_in_response: bool,
    /// Kept to open a fresh session when the client resets the connection.
    login: LoginRequest,
    session: B::Session,
    prepared: PreparedStatements,
    out: Output<WriteHalf>,
    cancel: Arc<AtomicBool>,
    /// Attentions already acknowledged by a response that ended in DONE(ATTN), whose
    /// messages have not come through the channel yet.
    answered_attentions: usize,
}

impl<B: Backend> Connection<'_, B> {
    fn run(&mut self, rx: Receiver<Incoming>) -> Result<(), ConnError> {
        while let Ok(incoming) = rx.recv() {
            match incoming {
                Incoming::Request(msg) => self.handle(msg)?,
                Incoming::BulkPacket(first) => self.bulk_load(first, &rx)?,
                Incoming::Attention => self.attention()?,
                Incoming::Closed => return Ok(()),
                Incoming::Failed(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// An attention that no response has acknowledged: the request it meant to cancel had
    /// already ended, so the answer is a lone DONE(ATTN).
    fn attention(&mut self) -> Result<(), ConnError> {
        if self.answered_attentions > 0 {
            self.answered_attentions -= 1;
            return Ok(());
        }
        self.cancel.store(false, Ordering::SeqCst);
        send_attention_ack(&mut self.out).map_err(ConnError::Io)
    }

    fn handle(&mut self, msg: Message) -> Result<(), ConnError> {
        let Connection {
            backend,
            config,
            ack_in_response,
            login,
            session,
            prepared,
            out,
            cancel,
            answered_attentions,
        } = self;
        let cancel: &AtomicBool = cancel;
        let started = Instant::now();
        let mut sink = TokenSink::new(out, cancel, &config.server_name);
        if msg.ignored {
            // The client abandoned the request while sending it (MS-TDS 2.2.1.7): a lone
            // DONE answers it, and nothing runs.
            return end_response(sink.end());
        }
        if msg.status & (STATUS_RESET_CONNECTION | STATUS_RESET_CONNECTION_SKIP_TRAN) != 0 {
            prepared.clear();
            match backend.login(login) {
                Ok(fresh) => *session = fresh,
                Err(e) => end_response(sink.send_message(&e, true))?,
            }
            end_response(sink.send_env_change(&EnvChangeToken::ResetConnectionAck))?;
        }
        // What the statement log says of this request, when it is on.
        let mut logged: Option<(&str, String)> = None;
        let result = match msg.ty {
            PacketType::SqlBatch => {
                let batch = SqlBatch::decode(&msg.payload)
                    .map_err(|e| ConnError::Protocol(format!("malformed SQLBatch: {e}")))?;
                if config.statement_log.is_some() {
                    logged = Some(("batch", batch_text(&batch.text)));
                }
                backend.execute(session, &batch.text, &mut [], &mut sink)
            }
            PacketType::Rpc => {
                let request = RpcRequest::decode(&msg.payload)
                    .map_err(|e| ConnError::Protocol(format!("malformed RPC: {e}")))?;
                if config.statement_log.is_some() {
                    logged = Some(("rpc", rpc_text(&request)));
                }
                request.calls.iter().try_for_each(|call| {
                    procs::run_call(*backend, session, prepared, call, &mut sink)
                })
            }
            PacketType::TransactionManager => {
                let request = TransactionManager::decode(&msg.payload).map_err(|e| {
                    ConnError::Protocol(format!("malformed transaction manager request: {e}"))
                })?;
                if config.statement_log.is_some() {
                    logged = Some(("transaction", format!("{:?}", request.request)));
                }
                transaction(*backend, session, &request.request, &mut sink)
            }
            other => {
                return Err(ConnError::Protocol(format!(
                    "unexpected {other:?} message after login"
                )))
            }
        };
        if let (Some(log), Some((kind, what))) = (&config.statement_log, &logged) {
            log.request(
                login.spid,
                kind,
                started.elapsed(),
                sink.first_error(),
                what,
            );
        }
        end_request(result, sink, cancel, *ack_in_response, answered_attentions)
    }

    /// A BulkLoad message (after INSERT BULK): its rows go to the backend as they are
    /// decoded; whatever happens, the whole message is read before it is answered.
    fn bulk_load(&mut self, first: BulkPacket, rx: &Receiver<Incoming>) -> Result<(), ConnError> {
        let started = Instant::now();
        let cancel: &AtomicBool = &self.cancel;
        let mut sink = TokenSink::new(&mut self.out, cancel, &self.config.server_name);
        let mut stream = BulkStream::new(first, rx);
        let result = if stream.ignored {
            Ok(())
        } else {
            match stream.columns() {
                Ok(columns) => {
                    self.backend
                        .bulk_load(&mut self.session, &columns, &mut stream, &mut sink)
                }
                Err(BulkFail::Sql(e)) => sink.send_message(&e, true).and_then(|_| {
                    sink.done(Done {
                        rowcount: None,
                        error: true,
                    })
                }),
                Err(BulkFail::Abort(a)) => Err(a),
            }
        };
        stream.drain();
        if let Some(e) = stream.broken.take() {
            return Err(e);
        }
        if let Some(log) = &self.config.statement_log {
            let error = sink.first_error();
            log.request(
                self.login.spid,
                "bulk",
                started.elapsed(),
                error,
                "BulkLoad rows",
            );
        }
        end_request(
            result,
            sink,
            cancel,
            self.ack_in_response,
            &mut self.answered_attentions,
        )
    }
}

/// Ends a request's response, acknowledging an attention that arrived while it ran.
fn end_request<W: std::io::Write>(
    result: Result<(), Abort>,
    sink: TokenSink<'_, W>,
    cancel: &AtomicBool,
    ack_in_response: bool,
    answered_attentions: &mut usize,
) -> Result<(), ConnError> {
    let attention = match result {
        Ok(()) => cancel.swap(false, Ordering::SeqCst),
        Err(Abort::Cancelled) => {
            cancel.store(false, Ordering::SeqCst);
            true
        }
        Err(Abort::Io(e)) => return Err(ConnError::Io(e)),
    };
    if !attention {
        return end_response(sink.end());
    }
    *answered_attentions += 1;
    if ack_in_response {
        end_response(sink.end_with_attention_ack())
    } else {
        end_response(sink.end_then_attention_ack())
    }
}

/// A transaction manager request, run through the backend's transaction calls.
fn transaction<B: Backend>(
    backend: &B,
    session: &mut B::Session,
    request: &TmRequest,
    sink: &mut dyn ResultSink,
) -> Result<(), Abort> {
    match request {
        TmRequest::Begin(_) => backend.begin_transaction(session, sink),
        TmRequest::Commit { then_begin, .. } => {
            backend.commit(session, sink)?;
            match then_begin {
                Some(_) => backend.begin_transaction(session, sink),
                None => Ok(()),
            }
        }
        TmRequest::Rollback { then_begin, .. } => {
            backend.rollback(session, sink)?;
            match then_begin {
                Some(_) => backend.begin_transaction(session, sink),
                None => Ok(()),
            }
        }
        TmRequest::Save { name } => {
            let sql = format!("SAVE TRANSACTION [{}]", name.replace(']', "]]"));
            backend.execute(session, &sql, &mut [], sink)
        }
        TmRequest::Distributed(_) => sink.message(
            &SqlError::new(
                8501,
                16,
                "MSDTC on server is unavailable: distributed transactions are not supported.",
            ),
            true,
        ),
    }
}

/// A write that failed while ending a response: only I/O can fail there.
fn end_response(result: Result<(), Abort>) -> Result<(), ConnError> {
    match result {
        Ok(()) => Ok(()),
        Err(Abort::Io(e)) => Err(ConnError::Io(e)),
        Err(Abort::Cancelled) => Err(ConnError::Io(io::Error::other(
            "cancelled while ending a response",
        ))),
    }
}
