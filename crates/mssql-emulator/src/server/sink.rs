//! The engine's output as TDS tokens, written straight into the outgoing packets.
//!
//! Rows are encoded as they arrive and never gathered. The one thing held back is the
//! latest DONE-type token: whether it carries DONE_MORE depends on whether anything
//! follows it, which is known only when the next token comes or the response ends.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use tds_protocol::tokens::{self, DoneKind, EnvChangeToken};
use tsql_engine::{Abort, ColumnMeta, Done, EnvChange, ResultSink, SqlError, Value};

use super::io::Output;

/// A DONE-type token not yet written.
#[derive(Debug, Clone, Copy)]
struct PendingDone {
    kind: DoneKind,
    status: u16,
    cur_cmd: u16,
    row_count: u64,
}

/// Writes a response's tokens. One per response message; [`TokenSink::end`] closes it.
pub struct TokenSink<'a, W: Write> {
    out: &'a mut Output<W>,
    cancel: &'a AtomicBool,
    server_name: &'a str,
    /// Statement DONEs become DONEINPROC inside an RPC.
    in_proc: bool,
    columns: Vec<ColumnMeta>,
    /// The current statement returned a result set (its DONE says SELECT).
    had_columns: bool,
    /// A row of the current result set could not be encoded: the rest are dropped and the
    /// statement's DONE carries DONE_ERROR.
    row_failed: bool,
    /// An error (class > 10) was sent since the last [`TokenSink::take_error`].
    saw_error: bool,
    /// The number of the response's first error (class > 10), for the statement log.
    first_error: Option<i32>,
    pending: Option<PendingDone>,
    scratch: Vec<u8>,
}

impl<'a, W: Write> TokenSink<'a, W> {
    pub fn new(out: &'a mut Output<W>, cancel: &'a AtomicBool, server_name: &'a str) -> Self {
        TokenSink {
            out,
            cancel,
            server_name,
            in_proc: false,
            columns: Vec::new(),
            had_columns: false,
            row_failed: false,
            saw_error: false,
            first_error: None,
            pending: None,
            scratch: Vec::with_capacity(8192),
        }
    }

    /// Statements' DONEs are DONEINPROC while `in_proc` (inside an RPC).
    pub fn set_in_proc(&mut self, in_proc: bool) {
        self.in_proc = in_proc;
    }

    /// True if an error was reported since the last call; resets the flag.
    pub fn take_error(&mut self) -> bool {
        std::mem::take(&mut self.saw_error)
    }

    /// The number of the first error (class > 10) this response sent.
    pub fn first_error(&self) -> Option<i32> {
        self.first_error
    }

    /// Sends an ERROR (`is_error`) or INFO token of the server's own.
    pub fn send_message(&mut self, msg: &SqlError, is_error: bool) -> Result<(), Abort> {
        if is_error && msg.class > 10 {
            self.saw_error = true;
            self.first_error.get_or_insert(msg.number);
        }
        self.scratch.clear();
        tokens::message(&mut self.scratch, msg, is_error, self.server_name);
        self.emit()
    }

    /// Sends an ENVCHANGE token.
    pub fn send_env_change(&mut self, change: &EnvChangeToken<'_>) -> Result<(), Abort> {
        self.scratch.clear();
        tokens::env_change(&mut self.scratch, change);
        self.emit()
    }

    pub fn send_return_status(&mut self, status: i32) -> Result<(), Abort> {
        self.scratch.clear();
        tokens::return_status(&mut self.scratch, status);
        self.emit()
    }

    /// Sends an output parameter's value; a value that does not fit its type is reported
    /// as an error instead.
    pub fn send_return_value(
        &mut self,
        ordinal: u16,
        name: &str,
        ty: &tsql_engine::SqlType,
        value: &Value,
    ) -> Result<(), Abort> {
        self.scratch.clear();
        match tokens::return_value(&mut self.scratch, ordinal, name, ty, value) {
            Ok(()) => self.emit(),
            Err(e) => {
                let msg = SqlError::new(
                    8114,
                    16,
                    format!("Error converting output parameter {name} to {ty}: {e}"),
                );
                self.send_message(&msg, true)
            }
        }
    }

    /// Holds back a DONE-type token (writing the one held before, with DONE_MORE).
    pub fn send_done(
        &mut self,
        kind: DoneKind,
        status: u16,
        cur_cmd: u16,
        row_count: u64,
    ) -> Result<(), Abort> {
        self.flush_pending()?;
        self.pending = Some(PendingDone {
            kind,
            status,
            cur_cmd,
            row_count,
        });
        Ok(())
    }

    /// Ends the response message: the held-back DONE goes out last, without DONE_MORE, or a
    /// plain DONE if the request produced none (a cancelled request's response may end
    /// here in the middle of a result set: the client discards it anyway).
    pub fn end(self) -> Result<(), Abort> {
        self.end_message().map(|_| ())
    }

    /// [`TokenSink::end`], handing back the output for what follows the message.
    fn end_message(mut self) -> Result<&'a mut Output<W>, Abort> {
        let last = self.pending.take().unwrap_or(PendingDone {
            kind: DoneKind::Done,
            status: 0,
            cur_cmd: 0,
            row_count: 0,
        });
        self.scratch.clear();
        tokens::done(
            &mut self.scratch,
            last.kind,
            last.status,
            last.cur_cmd,
            last.row_count,
        );
        self.out.write(&self.scratch)?;
        self.out.end_message()?;
        Ok(self.out)
    }

    /// Ends the response message, then acknowledges an attention in a message of its own.
    pub fn end_then_attention_ack(self) -> Result<(), Abort> {
        let out = self.end_message()?;
        send_attention_ack(out)?;
        Ok(())
    }

    /// Ends a cancelled request's response with DONE(ATTN) in the same message (for
    /// clients that look for the acknowledgement only there: see [`AttentionAck`]).
    ///
    /// [`AttentionAck`]: super::AttentionAck
    pub fn end_with_attention_ack(mut self) -> Result<(), Abort> {
        self.flush_pending()?;
        self.scratch.clear();
        tokens::done(&mut self.scratch, DoneKind::Done, tokens::DONE_ATTN, 0, 0);
        self.out.write(&self.scratch)?;
        self.out.end_message()?;
        Ok(())
    }

    /// Writes the held-back DONE, with DONE_MORE since something follows it.
    fn flush_pending(&mut self) -> Result<(), Abort> {
        if let Some(done) = self.pending.take() {
            // Not in `scratch`: that may hold the token about to follow this one.
            let mut bytes = Vec::with_capacity(13);
            tokens::done(
                &mut bytes,
                done.kind,
                done.status | tokens::DONE_MORE,
                done.cur_cmd,
                done.row_count,
            );
            self.out.write(&bytes)?;
        }
        Ok(())
    }

    /// Writes the token in `scratch`, after the held-back DONE.
    fn emit(&mut self) -> Result<(), Abort> {
        self.flush_pending()?;
        self.out.write(&self.scratch)?;
        Ok(())
    }

    fn check_cancel(&self) -> Result<(), Abort> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(Abort::Cancelled)
        } else {
            Ok(())
        }
    }
}

impl<W: Write> TokenSink<'_, W> {
    /// A statement's DONE-type token (`kind`: DONE, or DONEINPROC inside a procedure).
    fn statement_done(&mut self, kind: DoneKind, done: Done) -> Result<(), Abort> {
        let mut status = 0;
        if let Some(_count) = done.rowcount {
            status |= tokens::DONE_COUNT;
        }
        if done.error || self.row_failed {
            status |= tokens::DONE_ERROR;
        }
        let cur_cmd = if self.had_columns {
            tokens::CURCMD_SELECT
        } else {
            0
        };
        self.had_columns = false;
        self.row_failed = false;
        self.send_done(kind, status, cur_cmd, done.rowcount.unwrap_or(0))
    }
}

impl<W: Write> ResultSink for TokenSink<'_, W> {
    fn columns(&mut self, columns: &[ColumnMeta]) -> Result<(), Abort> {
        self.check_cancel()?;
        self.columns = columns.to_vec();
        self.had_columns = true;
        self.row_failed = false;
        self.scratch.clear();
        tokens::col_metadata(&mut self.scratch, columns);
        self.emit()
    }

    fn row(&mut self, values: &[Value]) -> Result<(), Abort> {
        self.check_cancel()?;
        if self.row_failed {
            return Ok(());
        }
        self.scratch.clear();
        match tokens::row(&mut self.scratch, &self.columns, values) {
            Ok(()) => self.emit(),
            Err(e) => {
                // SQL Server reports a value it cannot send as an error in the middle of the
                // result set; the statement then ends with DONE_ERROR.
                self.row_failed = true;
                let msg = SqlError::new(
                    8115,
                    16,
                    format!("A value could not be sent to the client: {e}."),
                );
                self.send_message(&msg, true)
            }
        }
    }

    fn done(&mut self, done: Done) -> Result<(), Abort> {
        let kind = if self.in_proc {
            DoneKind::DoneInProc
        } else {
            DoneKind::Done
        };
        self.statement_done(kind, done)
    }

    fn done_in_proc(&mut self, done: Done) -> Result<(), Abort> {
        self.statement_done(DoneKind::DoneInProc, done)
    }

    /// A procedure called by a batch's EXEC ended: RETURNSTATUS and DONEPROC, as SQL Server
    /// sends them. Inside an RPC the call's own closing tokens say it (see `procs`).
    fn procedure_end(&mut self, status: i32) -> Result<(), Abort> {
        if self.in_proc {
            return Ok(());
        }
        self.send_return_status(status)?;
        self.send_done(DoneKind::DoneProc, 0, 0, 0)
    }

    fn message(&mut self, message: &SqlError, is_error: bool) -> Result<(), Abort> {
        self.send_message(message, is_error)
    }

    fn env_change(&mut self, change: &EnvChange) -> Result<(), Abort> {
        let token = match change {
            EnvChange::Database { old, new } => EnvChangeToken::Database { new, old },
            EnvChange::BeginTransaction { descriptor } => EnvChangeToken::BeginTransaction {
                descriptor: *descriptor,
            },
            EnvChange::CommitTransaction { descriptor } => EnvChangeToken::CommitTransaction {
                descriptor: *descriptor,
            },
            EnvChange::RollbackTransaction { descriptor } => EnvChangeToken::RollbackTransaction {
                descriptor: *descriptor,
            },
        };
        self.send_env_change(&token)
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Acknowledges an attention with a message of its own holding DONE(ATTN): after the
/// response of the request it cancelled has ended, or alone when that request had already
/// ended.
pub fn send_attention_ack<W: Write>(out: &mut Output<W>) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(13);
    tokens::done(&mut bytes, DoneKind::Done, tokens::DONE_ATTN, 0, 0);
    out.write(&bytes)?;
    out.end_message()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tds_protocol::packet::decode_message;

    fn response(f: impl FnOnce(&mut TokenSink<'_, Vec<u8>>)) -> Vec<u8> {
        let cancel = AtomicBool::new(false);
        let mut out = Output::new(Vec::new(), 4096, 51);
        let mut sink = TokenSink::new(&mut out, &cancel, "srv");
        f(&mut sink);
        sink.end().unwrap();
        decode_message(out.get_ref()).unwrap().1
    }

    #[test]
    fn last_done_has_no_more_bit_and_earlier_ones_do() {
        let bytes = response(|s| {
            s.done(Done {
                rowcount: Some(2),
                error: false,
            })
            .unwrap();
            s.done(Done::default()).unwrap();
        });
        assert_eq!(bytes.len(), 26);
        assert_eq!(&bytes[..5], &[0xFD, 0x11, 0x00, 0x00, 0x00]);
        assert_eq!(bytes[5], 2);
        assert_eq!(&bytes[13..15], &[0xFD, 0x00]);
    }

    #[test]
    fn empty_response_is_one_done() {
        let bytes = response(|_| {});
        assert_eq!(bytes, [0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn attention_ack_is_a_message_of_its_own() {
        let mut out = Output::new(Vec::new(), 4096, 51);
        send_attention_ack(&mut out).unwrap();
        let (_, payload, used) = decode_message(out.get_ref()).unwrap();
        assert_eq!(used, out.get_ref().len());
        assert_eq!(payload, [0xFD, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn attention_ack_can_end_the_response_itself() {
        let cancel = AtomicBool::new(true);
        let mut out = Output::new(Vec::new(), 4096, 51);
        let mut sink = TokenSink::new(&mut out, &cancel, "srv");
        sink.done(Done::default()).unwrap();
        sink.end_with_attention_ack().unwrap();
        let (_, payload, _) = decode_message(out.get_ref()).unwrap();
        assert_eq!(payload.len(), 26);
        assert_eq!(&payload[..3], &[0xFD, 0x01, 0x00]);
        assert_eq!(&payload[13..16], &[0xFD, 0x20, 0x00]);
    }

    #[test]
    fn in_proc_dones_and_errors() {
        let bytes = response(|s| {
            s.set_in_proc(true);
            s.message(&SqlError::new(208, 16, "Invalid object name 'x'."), true)
                .unwrap();
            s.done(Done {
                rowcount: None,
                error: true,
            })
            .unwrap();
            assert!(s.take_error());
            assert!(!s.take_error());
            s.send_return_status(0).unwrap();
            s.send_done(DoneKind::DoneProc, 0, 0, 0).unwrap();
        });
        assert_eq!(bytes[0], 0xAA);
        let len = u16::from_le_bytes([bytes[1], bytes[2]]) as usize;
        let rest = &bytes[3 + len..];
        assert_eq!(&rest[..3], &[0xFF, 0x03, 0x00]);
        assert_eq!(&rest[13..18], &[0x79, 0, 0, 0, 0]);
        assert_eq!(&rest[18..21], &[0xFE, 0x00, 0x00]);
        assert_eq!(rest.len(), 31);
    }

    #[test]
    fn cancel_flag_stops_rows() {
        let cancel = AtomicBool::new(true);
        let mut out = Output::new(Vec::new(), 4096, 51);
        let mut sink = TokenSink::new(&mut out, &cancel, "srv");
        assert!(sink.cancelled());
        assert!(matches!(sink.row(&[]), Err(Abort::Cancelled)));
    }
}
