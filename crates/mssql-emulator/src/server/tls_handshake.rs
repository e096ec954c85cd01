//! The two ways a TLS handshake reaches the server.
//!
//! - TDS 7.x (MS-TDS 2.2.6.5): after the PRELOGIN exchange, the handshake's bytes travel as
//!   the payload of PRELOGIN (0x12) packets, one message per flight each way; once it is
//!   done, TLS records go straight on the socket.
//! - TDS 8.0 strict: the handshake is the first thing on the socket, as in HTTPS.

use std::net::TcpStream;
use std::sync::Arc;

use rustls::{ServerConfig, ServerConnection};
use tds_protocol::packet::{encode_message, PacketType, DEFAULT_PACKET_SIZE};

use super::io::{read_message, ConnError};

/// The first byte of a TLS handshake record: how a TDS 8.0 client opens a connection
/// (a TDS 7.x client opens with a PRELOGIN packet, 0x12).
pub const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// Runs the handshake inside PRELOGIN packets on `socket`.
pub fn in_prelogin(
    socket: &mut TcpStream,
    config: Arc<ServerConfig>,
) -> Result<ServerConnection, ConnError> {
    let mut tls = ServerConnection::new(config).map_err(handshake_failed)?;
    while tls.is_handshaking() {
        if tls.wants_write() {
            send_flight(&mut tls, socket)?;
            continue;
        }
        let msg = read_message(socket)?.ok_or_else(|| {
            ConnError::Protocol("the client closed the connection during the TLS handshake".into())
        })?;
        if msg.ty != PacketType::PreLogin {
            return Err(ConnError::Protocol(format!(
                "expected the TLS handshake in PRELOGIN packets, got a {:?} message",
                msg.ty
            )));
        }
        if let Err(e) = take_records(&mut tls, &msg.payload) {
            // Tell the client why (an alert), if rustls has one to send.
            let _ = send_flight(&mut tls, socket);
            return Err(e);
        }
    }
    // The server's last flight (TLS 1.2: ChangeCipherSpec and Finished) is still framed.
    if tls.wants_write() {
        send_flight(&mut tls, socket)?;
    }
    Ok(tls)
}

/// Runs a TDS 8.0 handshake, TLS records straight on `socket`.
pub fn first_on_socket(
    socket: &mut TcpStream,
    config: Arc<ServerConfig>,
) -> Result<ServerConnection, ConnError> {
    let mut tls = ServerConnection::new(config).map_err(handshake_failed)?;
    while tls.is_handshaking() {
        tls.complete_io(socket).map_err(|e| {
            ConnError::Protocol(format!("TLS handshake (TDS 8.0 strict) failed: {e}"))
        })?;
    }
    // Anything rustls still holds (an alert or a last record) goes out now.
    while tls.wants_write() {
        tls.write_tls(socket)?;
    }
    Ok(tls)
}

/// Feeds one flight of the client's handshake to rustls.
fn take_records(tls: &mut ServerConnection, mut bytes: &[u8]) -> Result<(), ConnError> {
    while !bytes.is_empty() {
        tls.read_tls(&mut bytes)?;
        tls.process_new_packets().map_err(handshake_failed)?;
    }
    Ok(())
}

/// Sends what rustls has to say as one PRELOGIN message.
fn send_flight(tls: &mut ServerConnection, socket: &mut TcpStream) -> Result<(), ConnError> {
    use std::io::Write;
    let mut records = Vec::new();
    while tls.wants_write() {
        tls.write_tls(&mut records)?;
    }
    let mut packets = Vec::new();
    encode_message(
        PacketType::PreLogin,
        &records,
        DEFAULT_PACKET_SIZE,
        &mut packets,
    );
    socket.write_all(&packets)?;
    socket.flush()?;
    Ok(())
}

fn handshake_failed(e: rustls::Error) -> ConnError {
    ConnError::Protocol(format!("TLS handshake failed: {e}"))
}
