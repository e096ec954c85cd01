//! Our own client (`tds-client`) in the race, two ways:
//!
//! - [`decode_all`]: the decode loop, every value of every row decoded as a borrowed
//!   [`ValueRef`] and nothing written: the ceiling of a reader on our client, as
//!   [`crate::tiberius_loop`] is tiberius'.
//! - [`write_records`]: RECORD lines written straight from those values
//!   ([`crate::record_json`]) into 128 KiB batches on stdout: a prototype of source-mssql's
//!   read path on this client, whose lines the race checks against `source-mssql read`'s.

use std::hint::black_box;
use std::io::Write;
use std::net::SocketAddr;
use std::time::Instant;

use tds_client::{connect, Auth, Client, Config, Connected, Encryption, Error, RowRef, RowVisitor};
use tokio::net::TcpStream;

use crate::record_json::RecordWriter;

/// Bytes of RECORD lines gathered before one write to stdout (as source-mssql batches).
const BATCH_BYTES: usize = 128 * 1024;

/// Logs in as the tiberius loop does: no encryption, the largest packets, no Nagle.
pub async fn connect_plain(
    addr: SocketAddr,
    login: (&str, &str),
    database: &str,
) -> Result<Client<TcpStream>, String> {
    let mut config = Config::new(
        addr.ip().to_string(),
        Auth::SqlServer {
            user: login.0.into(),
            password: login.1.into(),
        },
    );
    config.database = database.into();
    config.encryption = Encryption::NotSupported;
    let socket = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    socket.set_nodelay(true).map_err(|e| e.to_string())?;
    match connect(&config, socket).await.map_err(|e| e.to_string())? {
        Connected::Client(client) => Ok(*client),
        Connected::Redirect { host, port } => Err(format!("redirected to {host}:{port}")),
    }
}

/// Touches every value of every row.
struct Decode;

impl RowVisitor for Decode {
    type Error = Error;

    fn row(&mut self, row: &RowRef<'_>) -> Result<(), Error> {
        for i in 0..row.len() {
            black_box(row.get(i)?);
        }
        Ok(())
    }
}

/// Runs `sql` as a batch and decodes every value; returns the rows and the seconds taken.
pub async fn decode_all(client: &mut Client<TcpStream>, sql: &str) -> Result<(u64, f64), String> {
    let started = Instant::now();
    let summary = client
        .batch(sql)
        .await
        .map_err(|e| e.to_string())?
        .visit(&mut Decode)
        .await
        .map_err(|e| e.to_string())?;
    Ok((summary.rows, started.elapsed().as_secs_f64()))
}

/// Writes each row as a RECORD line into a batch, the batch to stdout when full.
struct Records<W: Write> {
    writer: Option<RecordWriter>,
    stream: String,
    namespace: String,
    batch: Vec<u8>,
    out: W,
}

/// A visitor's error: the client's, or the output's.
#[derive(Debug)]
pub struct WriteError(String);

impl From<Error> for WriteError {
    fn from(e: Error) -> WriteError {
        WriteError(e.to_string())
    }
}

impl<W: Write> RowVisitor for Records<W> {
    type Error = WriteError;

    fn columns(&mut self, columns: &[tds_client::Column]) -> Result<(), WriteError> {
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        self.writer = Some(RecordWriter::new(
            &self.stream,
            Some(&self.namespace),
            &names,
        ));
        Ok(())
    }

    fn row(&mut self, row: &RowRef<'_>) -> Result<(), WriteError> {
        let writer = self
            .writer
            .as_ref()
            .ok_or_else(|| WriteError("a row before its columns".into()))?;
        writer
            .write(&mut self.batch, now_millis(), row)
            .map_err(|e| WriteError(e.to_string()))?;
        if self.batch.len() >= BATCH_BYTES {
            self.out
                .write_all(&self.batch)
                .map_err(|e| WriteError(format!("stdout: {e}")))?;
            self.batch.clear();
        }
        Ok(())
    }
}

/// Milliseconds since the Unix epoch, as Airbyte's `emitted_at`.
fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Runs `sql` and writes its rows as RECORD lines of stream `namespace.stream` on stdout;
/// returns the rows and the seconds taken.
pub async fn write_records(
    client: &mut Client<TcpStream>,
    sql: &str,
    namespace: &str,
    stream: &str,
) -> Result<(u64, f64), String> {
    let started = Instant::now();
    let stdout = std::io::stdout();
    let mut records = Records {
        writer: None,
        stream: stream.to_string(),
        namespace: namespace.to_string(),
        batch: Vec::with_capacity(BATCH_BYTES + 64 * 1024),
        out: stdout.lock(),
    };
    let summary = client
        .batch(sql)
        .await
        .map_err(|e| e.to_string())?
        .visit(&mut records)
        .await
        .map_err(|e| e.0)?;
    records
        .out
        .write_all(&records.batch)
        .and_then(|()| records.out.flush())
        .map_err(|e| format!("stdout: {e}"))?;
    Ok((summary.rows, started.elapsed().as_secs_f64()))
}
