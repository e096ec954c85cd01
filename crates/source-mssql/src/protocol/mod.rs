//! The Airbyte protocol: the messages this source writes, the configured
//! catalog it reads, and the writer that puts messages on stdout.

pub mod airbyte;
pub mod catalog;
pub mod writer;
