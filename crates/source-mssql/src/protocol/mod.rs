//! The Airbyte protocol: the messages this source writes, the configured
//! catalog it reads, and the writer that puts messages on stdout (with the
//! connection's `log` lines, in Airbyte mode); `output`
//! is what the read loop emits, rendered as Airbyte or (`singer`) Singer messages.

pub mod airbyte;
pub mod catalog;
pub mod channel;
pub mod log;
pub mod output;
pub mod singer;
pub mod writer;
