//! Shared pieces of the benchmarks: starting the emulator as users start it (its binary),
//! a raw TDS client that drains a result without decoding it, the tables they read,
//! the source's files, tap-mssql's, ConnectorX's, three drivers' decode loops and our
//! client's RECORD writer (run in child processes) and a drained child, and the race's
//! report.

pub mod child_run;
pub mod connectorx;
pub mod emulator_process;
pub mod loop_child;
pub mod mssql_tds_loop;
pub mod ours_loop;
pub mod race_report;
pub mod raw_client;
pub mod record_json;
pub mod seed;
pub mod source_files;
pub mod tables;
pub mod tap_mssql;
pub mod tiberius_loop;
