//! A BulkLoad message (packet type 0x07, MS-TDS 2.2.6.1): COLMETADATA, ROW tokens, DONE,
//! after an `INSERT BULK` statement. It may be any size, so it is never gathered: the reader
//! thread passes its packets on one by one (through a bounded channel), and [`BulkStream`]
//! decodes rows as their bytes arrive, holding one row (and one packet) at a time.
//!
//! Errors are SQL Server's: a value whose length its TYPE_INFO does not allow is 4815
//! (naming its colid), a message that ends inside a row 4804, a token that is not a row
//! 4002. After an error the rest of the message is read and dropped, then answered.

use std::sync::mpsc::Receiver;

use tds_protocol::colmetadata::{read_colmetadata, ColumnDesc, FLAG_IDENTITY};
use tds_protocol::rows::{read_row, token_len, RowErrorKind, RowToken};
use tsql_engine::{Abort, BulkFail, BulkRows, ColumnMeta, SqlError, Value};

use super::connection::Incoming;
use super::io::ConnError;

/// The longest row accepted (a max-type value is up to 2 GB on SQL Server; the emulator
/// holds a row in memory while it converts it).
const MAX_ROW: usize = 256 * 1024 * 1024;

/// One packet of a BulkLoad message.
#[derive(Debug)]
pub struct BulkPacket {
    pub payload: Vec<u8>,
    /// The message's last packet (EOM).
    pub last: bool,
    /// The client gave up on the message (IGNORE).
    pub ignored: bool,
}

/// The rows of a BulkLoad message, decoded packet by packet.
pub struct BulkStream<'a> {
    rx: &'a Receiver<Incoming>,
    buf: Vec<u8>,
    pos: usize,
    /// The message's last packet has arrived.
    complete: bool,
    pub ignored: bool,
    /// The connection failed or closed in the middle of the message.
    pub broken: Option<ConnError>,
    columns: Vec<ColumnDesc>,
    rows: u64,
    /// The DONE ending the rows has been read.
    finished: bool,
}

impl<'a> BulkStream<'a> {
    pub fn new(first: BulkPacket, rx: &'a Receiver<Incoming>) -> BulkStream<'a> {
        BulkStream {
            rx,
            complete: first.last,
            ignored: first.ignored,
            buf: first.payload,
            pos: 0,
            broken: None,
            columns: Vec::new(),
            rows: 0,
            finished: false,
        }
    }

    /// Reads the COLMETADATA that opens the message: its columns as the engine sees them.
    pub fn columns(&mut self) -> Result<Vec<ColumnMeta>, BulkFail> {
        loop {
            let mut input = &self.buf[self.pos..];
            match read_colmetadata(&mut input) {
                Ok(columns) => {
                    self.pos = self.buf.len() - input.len();
                    self.columns = columns;
                    break;
                }
                // COLMETADATA is small: read on and try again until the message ends.
                Err(e) if self.complete || self.buf.len() - self.pos > MAX_ROW => {
                    return Err(BulkFail::Sql(malformed(&e.0)))
                }
                Err(_) => self.fill()?,
            }
        }
        Ok(self.columns.iter().map(meta).collect())
    }

    /// Reads the rest of the message and drops it.
    pub fn drain(&mut self) {
        while !self.complete && self.broken.is_none() {
            self.buf.clear();
            self.pos = 0;
            let _ = self.fill();
        }
    }

    /// Appends the next packet's bytes (dropping those already read when that frees room).
    fn fill(&mut self) -> Result<(), BulkFail> {
        if self.complete {
            return Err(BulkFail::Sql(premature_end()));
        }
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        match self.rx.recv() {
            Ok(Incoming::BulkPacket(packet)) => {
                self.buf.extend_from_slice(&packet.payload);
                self.complete = packet.last;
                self.ignored |= packet.ignored;
                Ok(())
            }
            Ok(Incoming::Failed(e)) => self.broke(e),
            Ok(Incoming::Closed) | Err(_) => self.broke(ConnError::Protocol(
                "connection closed in the middle of a bulk load".into(),
            )),
            Ok(Incoming::Request(_) | Incoming::Attention) => self.broke(ConnError::Protocol(
                "a request arrived in the middle of a bulk load message".into(),
            )),
        }
    }

    fn broke(&mut self, e: ConnError) -> Result<(), BulkFail> {
        let io = std::io::Error::other(e.to_string());
        self.broken = Some(e);
        self.complete = true;
        Err(BulkFail::Abort(Abort::Io(io)))
    }
}

impl BulkRows for BulkStream<'_> {
    fn next_row(&mut self, values: &mut Vec<Value>) -> Result<bool, BulkFail> {
        if self.finished {
            return Ok(false);
        }
        loop {
            let pending = &self.buf[self.pos..];
            match token_len(&self.columns, pending) {
                Ok(Some(len)) => {
                    if RowToken::of(pending[0]) == Ok(RowToken::Done) {
                        self.pos += len;
                        self.finished = true;
                        return Ok(false);
                    }
                    let mut input = &pending[..len];
                    self.rows += 1;
                    read_row(&self.columns, &mut input, values).map_err(|e| {
                        BulkFail::Sql(match e.kind {
                            RowErrorKind::BadLength => bad_length(e.column + 1),
                            RowErrorKind::BadValue => {
                                bad_value(self.rows, e.column + 1, &self.columns[e.column].name)
                            }
                        })
                    })?;
                    self.pos += len;
                    return Ok(true);
                }
                Ok(None) if pending.len() > MAX_ROW => {
                    return Err(BulkFail::Sql(malformed(&format!(
                        "a row longer than {MAX_ROW} bytes"
                    ))))
                }
                // A message that ends between rows without its DONE: the rows are all here.
                Ok(None) if pending.is_empty() && self.complete => {
                    self.finished = true;
                    return Ok(false);
                }
                Ok(None) => self.fill()?,
                Err(e) => return Err(BulkFail::Sql(malformed(&e.0))),
            }
        }
    }
}

fn meta(c: &ColumnDesc) -> ColumnMeta {
    let mut meta = ColumnMeta::new(c.name.clone(), c.info.ty);
    meta.nullable = c.nullable();
    meta.identity = c.flags & FLAG_IDENTITY != 0;
    meta
}

/// 4815, SQL Server's answer to a value whose length its type does not allow (a string
/// longer than declared, a `time(3)` of 5 bytes). Severity 17, as SQL Server sends it.
fn bad_length(colid: usize) -> SqlError {
    SqlError::new(
        4815,
        17,
        format!("Received an invalid column length from the bcp client for colid {colid}."),
    )
}

/// Bytes of the right length that are no value of the type (a time past midnight).
fn bad_value(row: u64, colid: usize, name: &str) -> SqlError {
    SqlError::new(
        4864,
        16,
        format!("Bulk load data conversion error (type mismatch or invalid character for the specified codepage) for row {row}, column {colid} ({name})."),
    )
}

/// 4804: the message ended before its rows and DONE did.
fn premature_end() -> SqlError {
    SqlError::new(
        4804,
        16,
        "While reading current row from host, a premature end-of-message was encountered--an incoming data stream was interrupted when the server expected to see more data. The host program may have terminated. Ensure that you are using a supported client application programming interface (API).",
    )
}

/// 4002: the message is not COLMETADATA, rows and DONE.
fn malformed(detail: &str) -> SqlError {
    SqlError::new(
        4002,
        16,
        format!("The incoming tabular data stream (TDS) protocol stream is incorrect: {detail}."),
    )
}
