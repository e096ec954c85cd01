//! From a byte stream to a logged-in client: TLS first for TDS 8.0 strict, PRELOGIN and the
//! encryption both sides settle on (MS-TDS 2.2.6.5), the TLS handshake inside PRELOGIN
//! packets, LOGIN7 (SQL login or a FEDAUTH access token), and the login response: the
//! packet size granted, the database, a redirect, or the error that refused the login.

use tds_protocol::login7::{Feature, Login7, FEATURE_FEDAUTH, TDS_7_4};
use tds_protocol::packet::{negotiate_packet_size, PacketType};
use tds_protocol::prelogin::{PreLogin, ENCRYPT_NOT_SUP, ENCRYPT_OFF, ENCRYPT_ON, ENCRYPT_REQ};
use tds_protocol::response::{decode_token, EnvChange, LoginAck, ServerMessage, Token};
use tds_protocol::DecodeError;
use tokio_rustls::TlsConnector;

use crate::client::Client;
use crate::config::{Auth, Config, Encryption, Trust};
use crate::error::{Error, Result};
use crate::packets::Packets;
use crate::tls;
use crate::transport::{PreloginFraming, Stream, Transport};

/// The client's version in PRELOGIN: this crate's, as (major, minor, build).
const CLIENT_VERSION: [u8; 4] = [0, 1, 0, 0];

/// FEDAUTH's library: a token the client already holds (MS-TDS 2.2.6.4, bFedAuthLibrary).
const FEDAUTH_LIBRARY_SECURITY_TOKEN: u8 = 0x01;

/// LOGIN7 OptionFlags1: USE_DB_ON, INIT_DB_FATAL, SET_LANG_ON (as SQL Server's drivers).
const OPTION_FLAGS1: u8 = 0xE0;
/// OptionFlags2: INIT_LANG_FATAL, ODBC (the session gets the ANSI defaults drivers expect).
const OPTION_FLAGS2: u8 = 0x03;
/// TypeFlags: ApplicationIntent=ReadOnly.
const READ_ONLY_INTENT: u8 = 0x20;

/// How the session travels, as the handshake settled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// No TLS at all: the server has none (or the client said it has none).
    Plain,
    /// TLS for LOGIN7 only, then plain (both sides said ENCRYPT_OFF).
    LoginOnly,
    /// TLS after PRELOGIN, for everything.
    Encrypted,
    /// TDS 8.0: TLS before PRELOGIN.
    Strict,
}

/// What a login ended in.
pub enum Connected<S> {
    Client(Box<Client<S>>),
    /// The server sends the client elsewhere (Azure SQL's gateway under the redirect
    /// policy): connect there with the same config.
    Redirect {
        host: String,
        port: u16,
    },
}

impl<S> std::fmt::Debug for Connected<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Connected::Client(_) => f.write_str("Connected::Client"),
            Connected::Redirect { host, port } => write!(f, "Connected::Redirect({host}:{port})"),
        }
    }
}

/// What the login response said, for [`Client`].
pub(crate) struct Session {
    pub(crate) channel: Channel,
    pub(crate) login_ack: LoginAck,
    pub(crate) database: String,
    pub(crate) messages: Vec<ServerMessage>,
}

/// Logs in over `stream` (a TCP socket, an SSH channel...).
pub async fn connect<S: Stream>(config: &Config, stream: S) -> Result<Connected<S>> {
    let strict = config.encryption == Encryption::Strict;
    let transport = if strict {
        let tls = tls::client_config(&config.trust, true)?;
        let name = tls::server_name(&config.host, &config.trust)?;
        let framing = PreloginFraming::new(stream, false);
        let stream = TlsConnector::from(tls)
            .connect(name, framing)
            .await
            .map_err(|e| tls_error(e, "TDS 8.0 strict"))?;
        Transport::Tls(Box::new(stream))
    } else {
        Transport::Plain(stream)
    };
    let mut packets = Packets::new(transport);

    let fed_auth = matches!(config.auth, Auth::AccessToken(_));
    let answer = prelogin(&mut packets, config, fed_auth).await?;
    let channel = if strict {
        Channel::Strict
    } else {
        settle(config.encryption, answer.encryption)?
    };
    if matches!(channel, Channel::LoginOnly | Channel::Encrypted) {
        // A login-only TLS protects the password, not against a man in the middle: its
        // certificate is not checked (SQL Server's own drivers do the same).
        let trust = if channel == Channel::LoginOnly {
            &Trust::Any
        } else {
            &config.trust
        };
        handshake_in_prelogin(&mut packets, config, trust).await?;
    }

    let echo = answer.fed_auth_required == Some(1);
    let login = login7(config, echo, answer.nonce.as_deref());
    let mut payload = Vec::new();
    login.encode(&mut payload);
    packets.send(PacketType::Login7, &payload).await?;
    if channel == Channel::LoginOnly {
        packets.replace_transport(|t| Transport::Plain(t.into_plain()));
    }
    let outcome = login_response(&mut packets, channel).await?;
    Ok(match outcome {
        LoginOutcome::Session(session, packet_size) => {
            packets.set_packet_size(packet_size);
            Connected::Client(Box::new(Client::new(packets, session)))
        }
        LoginOutcome::Redirect { host, port } => Connected::Redirect { host, port },
    })
}

fn tls_error(e: std::io::Error, step: &str) -> Error {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls) => Error::Tls(format!("{step} handshake: {tls}")),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => Error::Closed {
            during: "during the TLS handshake",
        },
        None => Error::Tls(format!("{step} handshake: {e}")),
    }
}

/// Sends PRELOGIN and reads the server's answer.
async fn prelogin<S: Stream>(
    packets: &mut Packets<S>,
    config: &Config,
    fed_auth: bool,
) -> Result<PreLogin> {
    let encryption = match config.encryption {
        Encryption::Off => ENCRYPT_OFF,
        Encryption::On | Encryption::Strict => ENCRYPT_ON,
        Encryption::NotSupported => ENCRYPT_NOT_SUP,
    };
    let request = PreLogin {
        version: Some((CLIENT_VERSION, 0)),
        encryption: Some(encryption),
        instance: Some(Vec::new()),
        thread_id: Some(std::process::id()),
        mars: Some(false),
        trace_id: None,
        fed_auth_required: fed_auth.then_some(1),
        nonce: None,
    };
    let mut payload = Vec::new();
    request.encode(&mut payload);
    packets.send(PacketType::PreLogin, &payload).await?;
    let during = if config.encryption == Encryption::Strict {
        "during PRELOGIN"
    } else {
        "during PRELOGIN (a server that requires TDS 8.0 strict encryption does so)"
    };
    let bytes = packets.read_message(during).await?;
    PreLogin::decode(bytes).map_err(|e| Error::Protocol(format!("the PRELOGIN answer: {e}")))
}

/// The channel both sides' ENCRYPTION options settle on (MS-TDS 2.2.6.5), or why none can.
fn settle(client: Encryption, server: Option<u8>) -> Result<Channel> {
    let server = server.unwrap_or(ENCRYPT_NOT_SUP);
    match (client, server) {
        (Encryption::NotSupported, ENCRYPT_REQ) => Err(Error::Encryption(
            "the server requires encryption and the client is set not to encrypt".into(),
        )),
        (Encryption::NotSupported, _) | (Encryption::Off, ENCRYPT_NOT_SUP) => Ok(Channel::Plain),
        (Encryption::On, ENCRYPT_NOT_SUP) => Err(Error::Encryption(
            "the client requires encryption and the server offers none (PRELOGIN \
             ENCRYPT_NOT_SUP)"
                .into(),
        )),
        (Encryption::Off, ENCRYPT_OFF) => Ok(Channel::LoginOnly),
        (_, ENCRYPT_OFF | ENCRYPT_ON | ENCRYPT_REQ) => Ok(Channel::Encrypted),
        (_, other) => Err(Error::Protocol(format!(
            "the server's PRELOGIN says encryption {other:#04x}, which MS-TDS does not define"
        ))),
    }
}

/// The TLS handshake carried in PRELOGIN packets; afterwards TLS runs on the stream itself.
async fn handshake_in_prelogin<S: Stream>(
    packets: &mut Packets<S>,
    config: &Config,
    trust: &Trust,
) -> Result<()> {
    let tls = tls::client_config(trust, false)?;
    let name = tls::server_name(&config.host, trust)?;
    let Transport::Plain(stream) = packets.take_transport() else {
        return Err(Error::Protocol("TLS negotiated twice".into()));
    };
    let result = TlsConnector::from(tls)
        .connect(name, PreloginFraming::new(stream, true))
        .await;
    let mut stream = result.map_err(|e| tls_error(e, "TLS"))?;
    stream.get_mut().0.stop_framing();
    packets.put_transport(Transport::Tls(Box::new(stream)));
    Ok(())
}

fn login7(config: &Config, fed_auth_echo: bool, nonce: Option<&[u8]>) -> Login7 {
    let (user_name, password, features) = match &config.auth {
        Auth::SqlServer { user, password } => (user.clone(), password.clone(), None),
        Auth::AccessToken(token) => {
            let token: Vec<u8> = token.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let mut data = vec![(FEDAUTH_LIBRARY_SECURITY_TOKEN << 1) | u8::from(fed_auth_echo)];
            data.extend_from_slice(&(token.len() as u32).to_le_bytes());
            data.extend_from_slice(&token);
            if let Some(nonce) = nonce {
                data.extend_from_slice(nonce);
            }
            let feature = Feature {
                id: FEATURE_FEDAUTH,
                data,
            };
            (String::new(), String::new(), Some(vec![feature]))
        }
    };
    Login7 {
        tds_version: TDS_7_4,
        packet_size: config.packet_size,
        client_prog_version: 0x0100_0000,
        client_pid: std::process::id(),
        connection_id: 0,
        option_flags1: OPTION_FLAGS1,
        option_flags2: OPTION_FLAGS2,
        type_flags: if config.read_only_intent {
            READ_ONLY_INTENT
        } else {
            0
        },
        option_flags3: 0,
        client_timezone: 0,
        client_lcid: 0x0409,
        host_name: std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into()),
        user_name,
        password,
        app_name: config.application_name.clone(),
        server_name: config.host.clone(),
        library_name: "tds-client".into(),
        language: String::new(),
        database: config.database.clone(),
        client_id: [0; 6],
        sspi: Vec::new(),
        attach_db_file: String::new(),
        change_password: String::new(),
        features,
    }
}

enum LoginOutcome {
    Session(Session, usize),
    Redirect { host: String, port: u16 },
}

/// Reads the login response: LOGINACK and what came with it, or the error.
async fn login_response<S: Stream>(
    packets: &mut Packets<S>,
    channel: Channel,
) -> Result<LoginOutcome> {
    let mut rest = packets.read_message("during the login").await?;
    let mut ack = None;
    let mut error = None;
    let mut routing = None;
    let mut packet_size = tds_protocol::packet::DEFAULT_PACKET_SIZE;
    let mut database = String::new();
    let mut messages = Vec::new();
    while !rest.is_empty() {
        let (token, used) = decode_token(rest).map_err(|e| match e {
            DecodeError::Incomplete => {
                Error::Protocol("the login response ends inside a token".into())
            }
            DecodeError::Invalid(e) => Error::Protocol(format!("the login response: {e}")),
        })?;
        rest = &rest[used..];
        match token {
            Token::LoginAck(a) => ack = Some(a),
            Token::Error(e) => {
                error.get_or_insert(e);
            }
            Token::Info(m) => messages.push(m),
            Token::EnvChange(EnvChange::PacketSize(size)) => {
                packet_size = negotiate_packet_size(size)
            }
            Token::EnvChange(EnvChange::Database { new, .. }) => database = new,
            Token::EnvChange(EnvChange::Routing { host, port }) => routing = Some((host, port)),
            _ => {}
        }
    }
    if let Some(error) = error {
        return Err(Error::Server(error));
    }
    if let Some((host, port)) = routing {
        return Ok(LoginOutcome::Redirect { host, port });
    }
    let login_ack =
        ack.ok_or_else(|| Error::Protocol("the login response has no LOGINACK".into()))?;
    Ok(LoginOutcome::Session(
        Session {
            channel,
            login_ack,
            database,
            messages,
        },
        packet_size,
    ))
}
