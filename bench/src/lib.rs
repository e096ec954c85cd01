//! Shared pieces of the benchmarks: starting the emulator as users start it (its binary),
//! and a raw TDS client that drains a result without decoding it.

pub mod emulator_process;
pub mod raw_client;
