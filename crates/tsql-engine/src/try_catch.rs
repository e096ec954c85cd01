//! `BEGIN TRY ... END TRY BEGIN CATCH ... END CATCH`.
//!
//! sqlparser reads the four markers as separate statements (`BEGIN TRY` as a BEGIN with
//! the TRY modifier, `END TRY` as an END with it), so a statement list is split here into
//! plain statements and TRY/CATCH units. An error in a TRY block's statement is not
//! reported: the CATCH block runs with `ERROR_MESSAGE()` and friends describing it, and
//! `THROW;` re-raises it.

use sqlparser::ast::{Statement, ThrowStatement, TransactionModifier};
use tds_protocol::types::SqlError;

use crate::session::{report, Fail, Session};
use crate::sink::{Abort, ResultSink};
use crate::translate::Clustering;

/// A statement of a list, with the line it starts on.
pub type Line<'s> = (&'s Statement, u32);

/// What comes next in a statement list.
pub enum Unit<'l, 's> {
    Statement(Line<'s>),
    TryCatch {
        try_block: &'l [Line<'s>],
        catch_block: &'l [Line<'s>],
    },
}

fn marker(s: &Statement) -> Option<(bool, TransactionModifier)> {
    match s {
        Statement::StartTransaction {
            modifier: Some(m @ (TransactionModifier::Try | TransactionModifier::Catch)),
            has_end_keyword: false,
            ..
        } => Some((true, *m)),
        Statement::Commit {
            end: true,
            modifier: Some(m @ (TransactionModifier::Try | TransactionModifier::Catch)),
            ..
        } => Some((false, *m)),
        _ => None,
    }
}

/// The index just past the END matching the BEGIN at `start` (nesting counted).
fn block_end(list: &[Line<'_>], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, (s, _)) in list.iter().enumerate().skip(start) {
        match marker(s) {
            Some((true, _)) => depth += 1,
            Some((false, _)) => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            None => {}
        }
    }
    None
}

fn syntax(near: &str) -> SqlError {
    crate::errors::syntax_near(near)
}

/// The unit starting at `i` and the index after it.
pub fn next_unit<'l, 's>(
    list: &'l [Line<'s>],
    i: usize,
) -> Result<(Unit<'l, 's>, usize), SqlError> {
    match marker(list[i].0) {
        None => Ok((Unit::Statement(list[i]), i + 1)),
        Some((true, TransactionModifier::Try)) => {
            let try_end = block_end(list, i).ok_or_else(|| syntax("TRY"))?;
            let catch_start = try_end;
            if !matches!(
                list.get(catch_start).and_then(|(s, _)| marker(s)),
                Some((true, TransactionModifier::Catch))
            ) {
                return Err(syntax("END"));
            }
            let catch_end = block_end(list, catch_start).ok_or_else(|| syntax("CATCH"))?;
            Ok((
                Unit::TryCatch {
                    try_block: &list[i + 1..try_end - 1],
                    catch_block: &list[catch_start + 1..catch_end - 1],
                },
                catch_end,
            ))
        }
        Some(_) => Err(syntax("CATCH")),
    }
}

impl Session {
    /// THROW: ends the batch with its error, or goes to the CATCH block inside a TRY.
    /// `THROW;` re-raises the error a CATCH block handles.
    pub(crate) fn throw(
        &mut self,
        t: &ThrowStatement,
        line: u32,
        out: &mut dyn ResultSink,
    ) -> Result<(), Fail> {
        let e = match (&t.error_number, &self.caught) {
            (Some(n), _) => {
                let number = self.eval_text(n)?.parse::<i32>().unwrap_or(50000);
                let text = match &t.message {
                    Some(m) => self.eval_text(m)?,
                    None => String::new(),
                };
                let state = match &t.state {
                    Some(x) => self.eval_text(x)?.parse::<u8>().unwrap_or(1),
                    None => 1,
                };
                SqlError {
                    line,
                    ..SqlError::new(number, 16, text).with_state(state)
                }
            }
            (None, Some(caught)) => caught.clone(),
            (None, None) => return Err(SqlError::new(10704, 15, "To rethrow an error, a THROW statement must be used inside a CATCH block. Insert the THROW statement inside a CATCH block, or add error parameters to the THROW statement.").into()),
        };
        if self.in_try > 0 {
            return Err(e.into());
        }
        report(out, e)?;
        Err(Fail::Stopped)
    }

    /// Runs a TRY block; on its first error, the CATCH block. `Ok(false)`: the batch ends.
    pub(crate) fn try_catch(
        &mut self,
        try_block: &[Line<'_>],
        catch_block: &[Line<'_>],
        clustering: &mut Clustering,
        out: &mut dyn ResultSink,
    ) -> Result<bool, Abort> {
        self.in_try += 1;
        let result = self.run_try(try_block, clustering, out);
        self.in_try -= 1;
        match result {
            Ok(()) => Ok(true),
            Err(Fail::Abort(a)) => Err(a),
            Err(Fail::Stopped) => Ok(false),
            Err(Fail::Sql(e)) => {
                self.last_error = e.number;
                let outer = self.caught.replace(e);
                let r = self.run_list(catch_block.iter().copied(), clustering, out);
                self.caught = outer;
                r
            }
        }
    }

    /// A TRY block's statements until the first error, which is returned unreported.
    pub(crate) fn run_try(
        &mut self,
        list: &[Line<'_>],
        clustering: &mut Clustering,
        out: &mut dyn ResultSink,
    ) -> Result<(), Fail> {
        let mut i = 0;
        while i < list.len() {
            let (unit, next) = next_unit(list, i)?;
            match unit {
                Unit::Statement((stmt, line)) => {
                    if let Err(mut f) = self.statement(stmt, line, clustering, out) {
                        if let Fail::Sql(e) = &mut f {
                            if e.line <= 1 {
                                e.line = line;
                            }
                        }
                        return Err(f);
                    }
                    self.last_error = 0;
                }
                Unit::TryCatch {
                    try_block,
                    catch_block,
                } => {
                    if !self.try_catch(try_block, catch_block, clustering, out)? {
                        return Err(Fail::Stopped);
                    }
                }
            }
            i = next;
        }
        Ok(())
    }
}
