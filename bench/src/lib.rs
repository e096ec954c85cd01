//! Shared pieces of the benchmarks: starting the emulator as users start it (its binary),
//! a raw TDS client that drains a result without decoding it, the tables they read,
//! and (for `source-read`) the source's files, a tiberius decode loop and a drained child.

pub mod child_run;
pub mod emulator_process;
pub mod raw_client;
pub mod seed;
pub mod source_files;
pub mod tiberius_loop;
