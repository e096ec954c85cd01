//! Stored procedures and dynamic SQL.
//!
//! - [`header`]: `CREATE/ALTER PROCEDURE` text → name, parameters, body (also
//!   `sp_executesql`'s parameter list).
//! - [`exec_syntax`]: the EXECUTE statement, read by a token pre-pass of the batch parser.
//! - [`catalog`]: procedures and their parameters in the metadata tables.
//! - `run`: EXEC of a procedure, of `sp_executesql` and of a string; RETURN; the body runs
//!   through the session's batch runner (`Session::run_list`), in a variable scope of its
//!   own, with its output passed through [`sink::ProcSink`].

pub mod catalog;
pub mod exec_syntax;
pub mod header;
mod run;
mod sink;
mod tokens;

pub use exec_syntax::ExecCall;
