//! From the accepted socket to a decoded LOGIN7: TLS first (TDS 8.0) or PRELOGIN first
//! (TDS 7.x), the encryption both sides settle on (MS-TDS 2.2.6.5), the TLS handshake that
//! follows if any, and LOGIN7 itself. A login-only encryption (the client said
//! ENCRYPT_OFF) drops back to the plain socket once LOGIN7 is read, as SQL Server does.

use std::net::TcpStream;

use tds_protocol::login7::Login7;
use tds_protocol::packet::{negotiate_packet_size, PacketType, DEFAULT_PACKET_SIZE};
use tds_protocol::prelogin::{
    server_response, PreLogin, ENCRYPT_NOT_SUP, ENCRYPT_OFF, ENCRYPT_ON, ENCRYPT_REQ,
};

use super::io::{read_message, ConnError, Message, Output};
use super::login::{self, SERVER_VERSION};
use super::tls::TlsSetup;
use super::tls_handshake::{self, TLS_HANDSHAKE_RECORD};
use super::transport::{self, ReadHalf, WriteHalf};
use super::{Encryption, ServerConfig};

/// The answer to a strict client's PRELOGIN, whose ENCRYPTION option means nothing once
/// TLS is up (tedious sends NOT_SUP there, tiberius REQ): the connection is encrypted.
const STRICT_PRELOGIN_ANSWER: u8 = ENCRYPT_REQ;

/// How the connection travels, as settled by the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Plain,
    /// TLS for LOGIN7 only (ENCRYPT_OFF on both sides).
    LoginOnly,
    /// TLS after PRELOGIN, for everything.
    Full,
    /// TLS before PRELOGIN (TDS 8.0).
    Strict,
}

/// What the handshake settled, and the connection ready for the login response.
pub struct Handshake {
    pub reader: ReadHalf,
    pub out: Output<WriteHalf>,
    pub login: Login7,
    pub tds_version: u32,
}

/// PRELOGIN, TLS and LOGIN7. `None` when the client left before logging in.
pub fn handshake(
    socket: TcpStream,
    spid: u16,
    config: &ServerConfig,
) -> Result<Option<Handshake>, ConnError> {
    let mut first = [0u8; 1];
    if socket.peek(&mut first)? == 0 {
        return Ok(None);
    }
    let strict = first[0] == TLS_HANDSHAKE_RECORD;
    let (mut reader, writer, mut channel) = if strict {
        let (r, w) = strict_start(socket, config)?;
        (r, w, Channel::Strict)
    } else if config.encryption == Encryption::Strict {
        return Err(ConnError::Protocol(
            "the client sent a plain PRELOGIN, but this server requires TDS 8.0 strict \
             encryption (TLS first; --encryption strict): connect with Encrypt=strict"
                .into(),
        ));
    } else {
        let (r, w) = transport::plain(socket)?;
        (r, w, Channel::Plain)
    };
    let mut out = Output::new(writer, DEFAULT_PACKET_SIZE, spid);

    let Some(mut msg) = read_message(&mut reader)? else {
        return Ok(None);
    };
    if msg.ty == PacketType::PreLogin {
        let client = PreLogin::decode(&msg.payload)
            .map_err(|e| ConnError::Protocol(format!("malformed PRELOGIN: {e}")))?;
        let (answer, settled) = answer_prelogin(&client, channel, config);
        let mut bytes = Vec::new();
        answer.encode(&mut bytes);
        out.write(&bytes)?;
        out.end_message()?;
        let Some(settled) = settled else {
            return Err(ConnError::Protocol(
                "the client cannot encrypt (PRELOGIN ENCRYPTION = NOT_SUP) and this server \
                 requires encryption (--encryption required): connection refused; connect \
                 with encryption on (e.g. Encrypt=yes)"
                    .into(),
            ));
        };
        if matches!(settled, Channel::LoginOnly | Channel::Full) {
            let mut socket = out.get_ref().socket().try_clone()?;
            let tls = tls_handshake::in_prelogin(&mut socket, setup(config)?.in_prelogin())?;
            let (r, w) = transport::tls(socket, tls)?;
            reader = r;
            out = Output::new(w, DEFAULT_PACKET_SIZE, spid);
        }
        channel = settled;
        msg = match read_message(&mut reader)? {
            Some(msg) => msg,
            // A client that requires TLS hangs up after hearing there is none: say why.
            None if channel == Channel::Plain && requires_tls(&client) => {
                return Err(ConnError::Protocol(
                    "the client requires encryption (TLS), which this server does not offer \
                     (--encryption not-supported); connect with encryption off (e.g. Encrypt=no)"
                        .into(),
                ))
            }
            None => return Ok(None),
        };
    } else if config.encryption == Encryption::Required && channel == Channel::Plain {
        return Err(ConnError::Protocol(
            "the client sent LOGIN7 without PRELOGIN, so without encryption, which this \
             server requires (--encryption required)"
                .into(),
        ));
    }
    let login = decode_login(&msg)?;
    if channel == Channel::LoginOnly {
        // The client drops TLS right after sending LOGIN7: so does the server.
        let socket = out.get_ref().socket().try_clone()?;
        let (r, w) = transport::plain(socket)?;
        reader = r;
        out = Output::new(w, DEFAULT_PACKET_SIZE, spid);
    }
    let tds_version = login::negotiate_tds_version(login.tds_version).ok_or_else(|| {
        ConnError::Protocol(format!(
            "unsupported TDS version 0x{:08X} in LOGIN7",
            login.tds_version
        ))
    })?;
    out.set_packet_size(negotiate_packet_size(login.packet_size));
    Ok(Some(Handshake {
        reader,
        out,
        login,
        tds_version,
    }))
}

/// A TDS 8.0 client's TLS handshake, first on the socket.
fn strict_start(
    mut socket: TcpStream,
    config: &ServerConfig,
) -> Result<(ReadHalf, WriteHalf), ConnError> {
    if config.encryption == Encryption::NotSupported {
        return Err(ConnError::Protocol(
            "the client started with TLS (TDS 8.0 strict encryption), which this server does \
             not offer (--encryption not-supported)"
                .into(),
        ));
    }
    let tls = tls_handshake::first_on_socket(&mut socket, setup(config)?.strict())?;
    Ok(transport::tls(socket, tls)?)
}

/// The server's PRELOGIN answer, and the channel it settles (`None`: the connection must
/// end, per MS-TDS 2.2.6.5, a client that cannot encrypt meeting a server that requires it).
fn answer_prelogin(
    client: &PreLogin,
    channel: Channel,
    config: &ServerConfig,
) -> (PreLogin, Option<Channel>) {
    let mut answer = server_response(client, SERVER_VERSION, config.encryption.prelogin());
    answer.fed_auth_required = client
        .fed_auth_required
        .map(|_| config.login.fed_auth() as u8);
    if channel == Channel::Strict {
        answer.encryption = Some(STRICT_PRELOGIN_ANSWER);
        return (answer, Some(Channel::Strict));
    }
    let client_cannot = client.encryption == Some(ENCRYPT_NOT_SUP);
    let settled = match answer.encryption {
        Some(ENCRYPT_NOT_SUP) => Some(Channel::Plain),
        _ if client_cannot => None,
        Some(ENCRYPT_OFF) => Some(Channel::LoginOnly),
        _ => Some(Channel::Full),
    };
    (answer, settled)
}

fn requires_tls(client: &PreLogin) -> bool {
    matches!(client.encryption, Some(ENCRYPT_ON | ENCRYPT_REQ))
}

fn setup(config: &ServerConfig) -> Result<&TlsSetup, ConnError> {
    config.tls.as_deref().ok_or_else(|| {
        ConnError::Protocol("TLS was negotiated but the server has no certificate".into())
    })
}

fn decode_login(msg: &Message) -> Result<Login7, ConnError> {
    if msg.ty != PacketType::Login7 {
        return Err(ConnError::Protocol(format!(
            "expected LOGIN7, got a {:?} message",
            msg.ty
        )));
    }
    Login7::decode(&msg.payload).map_err(|e| ConnError::Protocol(format!("malformed LOGIN7: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settle(client: Option<u8>, encryption: Encryption) -> (u8, Option<Channel>) {
        let config = ServerConfig {
            encryption,
            ..ServerConfig::default()
        };
        let client = PreLogin {
            encryption: client,
            ..PreLogin::default()
        };
        let (answer, channel) = answer_prelogin(&client, Channel::Plain, &config);
        (answer.encryption.unwrap(), channel)
    }

    #[test]
    fn negotiation_follows_ms_tds() {
        use Channel::*;
        use Encryption::*;
        let cases = [
            (ENCRYPT_OFF, NotSupported, ENCRYPT_NOT_SUP, Some(Plain)),
            (ENCRYPT_ON, NotSupported, ENCRYPT_NOT_SUP, Some(Plain)),
            (ENCRYPT_NOT_SUP, Off, ENCRYPT_NOT_SUP, Some(Plain)),
            (ENCRYPT_OFF, Off, ENCRYPT_OFF, Some(LoginOnly)),
            (ENCRYPT_ON, Off, ENCRYPT_ON, Some(Full)),
            (ENCRYPT_REQ, Off, ENCRYPT_ON, Some(Full)),
            (ENCRYPT_OFF, Required, ENCRYPT_REQ, Some(Full)),
            (ENCRYPT_ON, Required, ENCRYPT_REQ, Some(Full)),
            (ENCRYPT_NOT_SUP, Required, ENCRYPT_REQ, None),
        ];
        for (client, server, answer, channel) in cases {
            assert_eq!(
                settle(Some(client), server),
                (answer, channel),
                "client {client}, server {server:?}"
            );
        }
    }

    #[test]
    fn fedauth_required_is_answered_only_when_asked() {
        let config = ServerConfig::default();
        let (answer, _) = answer_prelogin(&PreLogin::default(), Channel::Plain, &config);
        assert_eq!(answer.fed_auth_required, None);
        let asked = PreLogin {
            fed_auth_required: Some(1),
            ..PreLogin::default()
        };
        let (answer, _) = answer_prelogin(&asked, Channel::Plain, &config);
        assert_eq!(answer.fed_auth_required, Some(0));
    }
}
