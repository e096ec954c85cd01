//! The protocol byte by byte, with a client built from the codec: the login response's
//! tokens and order, packet sizes on the wire, the prepared-statement procedures, RPC
//! batches, and what clients other than tiberius send.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use tds_protocol::batch::{AllHeaders, SqlBatch};
use tds_protocol::login7::{Feature, Login7, FEATURE_UTF8_SUPPORT, TDS_7_4};
use tds_protocol::packet::{encode_message, PacketHeader, PacketType, HEADER_LEN};
use tds_protocol::prelogin::{PreLogin, ENCRYPT_NOT_SUP, ENCRYPT_OFF};
use tds_protocol::rpc::{ProcId, RpcCall, RpcParam, RpcRequest, PARAM_BY_REF};
use tds_protocol::types::{SqlType, Value};
use tds_protocol::values::{read_value, TypeInfo};
use tds_protocol::wire::Reader;

/// A token of the server's response, as far as these tests look at it.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    ColMetadata(Vec<(String, SqlType)>),
    Row(Vec<Value>),
    Done {
        token: u8,
        status: u16,
        count: u64,
    },
    Error(i32, String),
    Info(i32, String),
    /// Type, and the new value's bytes.
    EnvChange(u8, Vec<u8>),
    LoginAck {
        tds_version: u32,
        prog_name: String,
    },
    FeatureExtAck(Vec<u8>),
    ReturnStatus(i32),
    ReturnValue {
        ordinal: u16,
        name: String,
        value: Value,
    },
}

struct RawClient {
    stream: TcpStream,
    packet_size: usize,
}

impl RawClient {
    /// PRELOGIN and LOGIN7; returns the client and the login response's tokens.
    fn login(addr: SocketAddr, login: Login7) -> (RawClient, Vec<Token>) {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut client = RawClient {
            stream,
            packet_size: 4096,
        };
        let mut prelogin = Vec::new();
        PreLogin {
            version: Some(([1, 0, 0, 0], 0)),
            encryption: Some(ENCRYPT_OFF),
            mars: Some(false),
            ..PreLogin::default()
        }
        .encode(&mut prelogin);
        client.send(PacketType::PreLogin, &prelogin);
        let (_, answer) = client.receive();
        let answer = PreLogin::decode(&answer).unwrap();
        assert_eq!(answer.encryption, Some(ENCRYPT_NOT_SUP));
        assert_eq!(answer.version.unwrap().0[0], 16);
        let mut bytes = Vec::new();
        login.encode(&mut bytes);
        client.send(PacketType::Login7, &bytes);
        let (_, response) = client.receive();
        let tokens = parse_tokens(&response);
        (client, tokens)
    }

    fn send(&mut self, ty: PacketType, payload: &[u8]) {
        let mut wire = Vec::new();
        encode_message(ty, payload, self.packet_size, &mut wire);
        self.stream.write_all(&wire).unwrap();
    }

    /// Reads one response message: the size of each packet, and the payload.
    fn receive(&mut self) -> (Vec<usize>, Vec<u8>) {
        let mut sizes = Vec::new();
        let mut payload = Vec::new();
        loop {
            let mut header = [0u8; HEADER_LEN];
            self.stream.read_exact(&mut header).unwrap();
            let header = PacketHeader::decode(&header).unwrap();
            assert_eq!(header.ty, PacketType::TabularResult);
            sizes.push(header.length as usize);
            let mut body = vec![0u8; header.payload_len()];
            self.stream.read_exact(&mut body).unwrap();
            payload.extend_from_slice(&body);
            if header.is_eom() {
                return (sizes, payload);
            }
        }
    }

    fn batch(&mut self, sql: &str) -> (Vec<usize>, Vec<Token>) {
        let mut bytes = Vec::new();
        SqlBatch {
            headers: AllHeaders::default(),
            text: sql.to_string(),
        }
        .encode(&mut bytes);
        self.send(PacketType::SqlBatch, &bytes);
        let (sizes, payload) = self.receive();
        (sizes, parse_tokens(&payload))
    }

    fn rpc(&mut self, calls: Vec<RpcCall>) -> Vec<Token> {
        let mut bytes = Vec::new();
        RpcRequest {
            headers: AllHeaders::default(),
            calls,
        }
        .encode(&mut bytes)
        .unwrap();
        self.send(PacketType::Rpc, &bytes);
        parse_tokens(&self.receive().1)
    }
}

fn parse_tokens(bytes: &[u8]) -> Vec<Token> {
    let mut r = Reader::new(bytes, "response");
    let mut tokens = Vec::new();
    let mut columns: Vec<TypeInfo> = Vec::new();
    while !r.is_empty() {
        let ty = r.u8().unwrap();
        let token = match ty {
            0x81 => {
                let n = r.u16().unwrap();
                columns.clear();
                let mut cols = Vec::new();
                for _ in 0..n {
                    r.u32().unwrap();
                    r.u16().unwrap();
                    let info = with_slice(&mut r, TypeInfo::read);
                    if matches!(info.ty, SqlType::Text | SqlType::NText | SqlType::Image) {
                        for _ in 0..r.u8().unwrap() {
                            r.us_varchar().unwrap();
                        }
                    }
                    cols.push((r.b_varchar().unwrap(), info.ty));
                    columns.push(info);
                }
                Token::ColMetadata(cols)
            }
            0xD1 => {
                let cols = columns.clone();
                Token::Row(
                    cols.iter()
                        .map(|info| with_slice(&mut r, |i| read_value(info, i)))
                        .collect(),
                )
            }
            0xD2 => {
                let cols = columns.clone();
                let bitmap = r.take(cols.len().div_ceil(8)).unwrap().to_vec();
                Token::Row(
                    cols.iter()
                        .enumerate()
                        .map(|(i, info)| {
                            if bitmap[i / 8] & (1 << (i % 8)) != 0 {
                                Value::Null
                            } else {
                                with_slice(&mut r, |input| read_value(info, input))
                            }
                        })
                        .collect(),
                )
            }
            0xFD..=0xFF => Token::Done {
                token: ty,
                status: r.u16().unwrap(),
                count: {
                    r.u16().unwrap();
                    r.u64().unwrap()
                },
            },
            0xAA | 0xAB => {
                let len = r.u16().unwrap() as usize;
                let mut m = Reader::new(r.take(len).unwrap(), "message");
                let number = m.i32().unwrap();
                m.take(2).unwrap();
                let text = m.us_varchar().unwrap();
                if ty == 0xAA {
                    Token::Error(number, text)
                } else {
                    Token::Info(number, text)
                }
            }
            0xE3 => {
                let len = r.u16().unwrap() as usize;
                let mut e = Reader::new(r.take(len).unwrap(), "envchange");
                let kind = e.u8().unwrap();
                let new = if matches!(kind, 1 | 2 | 4) {
                    let n = e.u8().unwrap() as usize;
                    e.take(n * 2).unwrap().to_vec()
                } else {
                    e.b_varbyte().unwrap().to_vec()
                };
                Token::EnvChange(kind, new)
            }
            0xAD => {
                let len = r.u16().unwrap() as usize;
                let mut a = Reader::new(r.take(len).unwrap(), "loginack");
                assert_eq!(a.u8().unwrap(), 1);
                let tds_version = a.u32_be().unwrap();
                let prog_name = a.b_varchar().unwrap();
                assert_eq!(a.remaining(), 4);
                Token::LoginAck {
                    tds_version,
                    prog_name,
                }
            }
            0xAE => {
                let mut ids = Vec::new();
                loop {
                    let id = r.u8().unwrap();
                    if id == 0xFF {
                        break;
                    }
                    ids.push(id);
                    let n = r.u32().unwrap() as usize;
                    r.take(n).unwrap();
                }
                Token::FeatureExtAck(ids)
            }
            0x79 => Token::ReturnStatus(r.i32().unwrap()),
            0xAC => {
                let ordinal = r.u16().unwrap();
                let name = r.b_varchar().unwrap();
                r.u8().unwrap();
                r.u32().unwrap();
                r.u16().unwrap();
                let info = with_slice(&mut r, TypeInfo::read);
                let value = with_slice(&mut r, |input| read_value(&info, input));
                Token::ReturnValue {
                    ordinal,
                    name,
                    value,
                }
            }
            other => panic!("unexpected token 0x{other:02X}"),
        };
        tokens.push(token);
    }
    tokens
}

fn with_slice<T>(r: &mut Reader<'_>, f: impl FnOnce(&mut &[u8]) -> tds_protocol::Result<T>) -> T {
    let rest = r.rest();
    let mut input = rest;
    let value = f(&mut input).unwrap();
    r.advance(rest.len() - input.len()).unwrap();
    value
}

fn login7(database: &str, packet_size: u32, features: Option<Vec<Feature>>) -> Login7 {
    Login7 {
        tds_version: TDS_7_4,
        packet_size,
        user_name: "sa".into(),
        password: "Secret-1".into(),
        app_name: "raw".into(),
        library_name: "raw".into(),
        database: database.into(),
        features,
        ..Login7::default()
    }
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn nvarchar(text: &str) -> RpcParam {
    RpcParam {
        name: String::new(),
        status: 0,
        ty: SqlType::NVarChar(Some(4000)),
        value: Value::String(text.into()),
    }
}

fn int_param(name: &str, status: u8, value: Value) -> RpcParam {
    RpcParam {
        name: name.into(),
        status,
        ty: SqlType::Int,
        value,
    }
}

fn done_statuses(tokens: &[Token]) -> Vec<(u8, u16)> {
    tokens
        .iter()
        .filter_map(|t| match t {
            Token::Done { token, status, .. } => Some((*token, *status)),
            _ => None,
        })
        .collect()
}

#[test]
fn login_response_in_sql_servers_order() {
    let server = common::start_server();
    let features = vec![Feature {
        id: FEATURE_UTF8_SUPPORT,
        data: vec![],
    }];
    let (_client, tokens) = RawClient::login(server.addr(), login7("shop", 8000, Some(features)));
    assert_eq!(tokens[0], Token::EnvChange(1, utf16("shop")));
    assert_eq!(
        tokens[1],
        Token::Info(5701, "Changed database context to 'shop'.".into())
    );
    assert_eq!(
        tokens[2],
        Token::EnvChange(7, vec![0x09, 0x04, 0xD0, 0x00, 0x34])
    );
    assert_eq!(tokens[3], Token::EnvChange(2, utf16("us_english")));
    assert_eq!(
        tokens[4],
        Token::Info(5703, "Changed language setting to us_english.".into())
    );
    assert_eq!(
        tokens[5],
        Token::LoginAck {
            tds_version: TDS_7_4,
            prog_name: "Microsoft SQL Server".into()
        }
    );
    // UTF-8 is not supported, so not acknowledged.
    assert_eq!(tokens[6], Token::FeatureExtAck(vec![]));
    assert_eq!(tokens[7], Token::EnvChange(4, utf16("8000")));
    assert_eq!(
        tokens[8],
        Token::Done {
            token: 0xFD,
            status: 0,
            count: 0
        }
    );
    assert_eq!(tokens.len(), 9);
}

#[test]
fn packets_never_exceed_the_negotiated_size() {
    let server = common::start_server();
    for (asked, granted) in [(512u32, 512usize), (100, 512), (60000, 32767), (0, 4096)] {
        let (mut client, tokens) = RawClient::login(server.addr(), login7("", asked, None));
        assert!(tokens.contains(&Token::EnvChange(4, utf16(&granted.to_string()))));
        client.packet_size = granted;
        let (sizes, tokens) = client.batch("ROWS 5000");
        assert!(sizes.len() > 1, "{asked}: a multi-packet response");
        assert!(sizes.iter().all(|&s| s <= granted), "{asked}: {sizes:?}");
        assert!(sizes[..sizes.len() - 1].iter().all(|&s| s == granted));
        let rows = tokens.iter().filter(|t| matches!(t, Token::Row(_))).count();
        assert_eq!(rows, 5000);
        assert_eq!(
            tokens.last(),
            Some(&Token::Done {
                token: 0xFD,
                status: 0x10,
                count: 5000
            })
        );
    }
}

#[test]
fn prepare_execute_unprepare() {
    let server = common::start_server();
    let (mut client, _) = RawClient::login(server.addr(), login7("", 4096, None));
    let tokens = client.rpc(vec![RpcCall {
        proc_id: ProcId::Id(11),
        option_flags: 0,
        params: vec![
            int_param("@handle", PARAM_BY_REF, Value::Null),
            nvarchar("@a int, @b int OUTPUT"),
            nvarchar("PARAMS"),
        ],
    }]);
    let handle = match &tokens[..] {
        [Token::ReturnStatus(0), Token::ReturnValue {
            ordinal: 0,
            name,
            value: Value::Int(h),
        }, Token::Done {
            token: 0xFE,
            status: 0,
            ..
        }] => {
            assert_eq!(name, "@handle");
            *h
        }
        other => panic!("unexpected sp_prepare response {other:?}"),
    };
    // Two executions batched in one message; the second by name with named values.
    let execute = |a: i32, b: i32| RpcCall {
        proc_id: ProcId::Id(12),
        option_flags: 0,
        params: vec![
            int_param("", 0, Value::Int(handle)),
            int_param("", 0, Value::Int(a)),
            int_param("", PARAM_BY_REF, Value::Int(b)),
        ],
    };
    let mut second = execute(0, 0);
    second.proc_id = ProcId::Name("sp_execute".into());
    second.params[1].name = "@b".into();
    second.params[1].status = PARAM_BY_REF;
    second.params[1].value = Value::Int(21);
    second.params[2].name = "@a".into();
    second.params[2].status = 0;
    second.params[2].value = Value::Int(3);
    let tokens = client.rpc(vec![execute(1, 2), second]);
    assert!(tokens.contains(&Token::Row(vec![Value::Int(1), Value::Int(2)])));
    assert!(tokens.contains(&Token::Row(vec![Value::Int(3), Value::Int(21)])));
    let returned: Vec<_> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::ReturnValue {
                ordinal,
                name,
                value,
            } => Some((*ordinal, name.clone(), value.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        returned,
        vec![
            (2, "@b".to_string(), Value::Int(4)),
            (1, "@b".to_string(), Value::Int(42))
        ]
    );
    assert_eq!(
        done_statuses(&tokens),
        vec![(0xFF, 0x11), (0xFE, 0x01), (0xFF, 0x11), (0xFE, 0x00)]
    );

    let tokens = client.rpc(vec![RpcCall {
        proc_id: ProcId::Id(15),
        option_flags: 0,
        params: vec![int_param("", 0, Value::Int(handle))],
    }]);
    assert_eq!(tokens[0], Token::ReturnStatus(0));
    let tokens = client.rpc(vec![execute(1, 2)]);
    assert!(tokens.iter().any(|t| matches!(t, Token::Error(8179, _))));
    assert_eq!(done_statuses(&tokens), vec![(0xFE, 0x02)]);
}

#[test]
fn prepexec_executesql_errors_and_cursors() {
    let server = common::start_server();
    let (mut client, _) = RawClient::login(server.addr(), login7("", 4096, None));
    let tokens = client.rpc(vec![RpcCall {
        proc_id: ProcId::Id(13),
        option_flags: 0,
        params: vec![
            int_param("", PARAM_BY_REF, Value::Null),
            nvarchar("@x int"),
            nvarchar("PARAMS"),
            int_param("", 0, Value::Int(9)),
        ],
    }]);
    assert!(tokens.contains(&Token::Row(vec![Value::Int(9)])));
    assert!(tokens.iter().any(
        |t| matches!(t, Token::ReturnValue { ordinal: 0, value: Value::Int(h), .. } if *h > 0)
    ));

    // A declared parameter without a value: 8178, and the connection goes on.
    let tokens = client.rpc(vec![RpcCall {
        proc_id: ProcId::Id(10),
        option_flags: 0,
        params: vec![nvarchar("PARAMS"), nvarchar("@x int")],
    }]);
    assert!(tokens
        .iter()
        .any(|t| matches!(t, Token::Error(8178, m) if m.contains("'@x'"))));
    // Server cursors are refused.
    let tokens = client.rpc(vec![RpcCall {
        proc_id: ProcId::Id(2),
        option_flags: 0,
        params: vec![],
    }]);
    assert!(tokens.iter().any(|t| matches!(t, Token::Error(2812, _))));
    let (_, tokens) = client.batch("ROWS 1");
    assert_eq!(
        tokens.iter().filter(|t| matches!(t, Token::Row(_))).count(),
        1
    );
}

#[test]
fn attention_after_the_response_gets_a_lone_done_attn() {
    let server = common::start_server();
    let (mut client, _) = RawClient::login(server.addr(), login7("", 4096, None));
    let (_, tokens) = client.batch("ROWS 1");
    assert_eq!(
        tokens.last(),
        Some(&Token::Done {
            token: 0xFD,
            status: 0x10,
            count: 1
        })
    );
    client.send(PacketType::Attention, &[]);
    let (_, payload) = client.receive();
    assert_eq!(
        parse_tokens(&payload),
        vec![Token::Done {
            token: 0xFD,
            status: 0x20,
            count: 0
        }]
    );
    // During a long request: the response ends, then the acknowledgement follows as a
    // message of its own (tedious reads it so), and only one is sent.
    let mut bytes = Vec::new();
    SqlBatch {
        headers: AllHeaders::default(),
        text: "FOREVER".into(),
    }
    .encode(&mut bytes);
    client.send(PacketType::SqlBatch, &bytes);
    client.send(PacketType::Attention, &[]);
    let (_, payload) = client.receive();
    let tokens = parse_tokens(&payload);
    assert!(matches!(tokens.last(), Some(Token::Done { status, .. }) if status & 0x20 == 0));
    let (_, payload) = client.receive();
    assert_eq!(
        parse_tokens(&payload),
        vec![Token::Done {
            token: 0xFD,
            status: 0x20,
            count: 0
        }]
    );
    let (_, tokens) = client.batch("ROWS 2");
    assert_eq!(
        tokens.iter().filter(|t| matches!(t, Token::Row(_))).count(),
        2
    );
}

#[test]
fn attention_ack_ends_the_response_for_clients_without_a_library_name() {
    // tiberius names no client library in LOGIN7 and looks for the acknowledgement only
    // in the current message.
    let server = common::start_server();
    let mut login = login7("", 4096, None);
    login.library_name = String::new();
    let (mut client, _) = RawClient::login(server.addr(), login);
    let mut bytes = Vec::new();
    SqlBatch {
        headers: AllHeaders::default(),
        text: "FOREVER".into(),
    }
    .encode(&mut bytes);
    client.send(PacketType::SqlBatch, &bytes);
    client.send(PacketType::Attention, &[]);
    let tokens = parse_tokens(&client.receive().1);
    assert_eq!(
        tokens.last(),
        Some(&Token::Done {
            token: 0xFD,
            status: 0x20,
            count: 0
        })
    );
    let (_, tokens) = client.batch("ROWS 2");
    assert_eq!(
        tokens.iter().filter(|t| matches!(t, Token::Row(_))).count(),
        2
    );
}

#[test]
fn an_abandoned_request_is_answered_with_a_lone_done() {
    let server = common::start_server();
    let (mut client, _) = RawClient::login(server.addr(), login7("", 4096, None));
    // First packet of a batch, then the client gives up: IGNORE|EOM.
    let mut bytes = Vec::new();
    SqlBatch {
        headers: AllHeaders::default(),
        text: "ROWS 3".into(),
    }
    .encode(&mut bytes);
    let mut wire = vec![1, 0, 0, (8 + bytes.len()) as u8, 0, 0, 1, 0];
    wire.extend_from_slice(&bytes);
    wire.extend_from_slice(&[1, 0x03, 0, 8, 0, 0, 2, 0]);
    client.stream.write_all(&wire).unwrap();
    assert_eq!(
        parse_tokens(&client.receive().1),
        vec![Token::Done {
            token: 0xFD,
            status: 0,
            count: 0
        }]
    );
    let (_, tokens) = client.batch("ROWS 1");
    assert_eq!(
        tokens.iter().filter(|t| matches!(t, Token::Row(_))).count(),
        1
    );
}

#[test]
fn other_procedures_run_as_exec_with_their_parameters() {
    let server = common::start_server();
    let (mut client, _) = RawClient::login(server.addr(), login7("", 4096, None));
    let tokens = client.rpc(vec![RpcCall {
        proc_id: ProcId::Name("dbo.my_proc".into()),
        option_flags: 0,
        params: vec![
            int_param("@a", 0, Value::Int(1)),
            int_param("@b", PARAM_BY_REF, Value::Int(20)),
            int_param("", 0, Value::Int(3)),
        ],
    }]);
    assert_eq!(
        tokens[1],
        Token::Row(vec![Value::String(
            "EXEC @__rpc_return_status = dbo.my_proc @a = @a, @b = @b OUTPUT, @__rpc_p2".into()
        )])
    );
    assert!(tokens.contains(&Token::ReturnStatus(3)));
    assert!(tokens.contains(&Token::ReturnValue {
        ordinal: 1,
        name: "@b".into(),
        value: Value::Int(40)
    }));
    assert_eq!(done_statuses(&tokens), vec![(0xFF, 0x11), (0xFE, 0x00)]);
}

#[test]
fn clients_older_than_tds_7_2_are_refused() {
    let server = common::start_server();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut login = Vec::new();
    Login7 {
        tds_version: 0x7100_0001,
        ..login7("", 4096, None)
    }
    .encode(&mut login);
    let mut wire = Vec::new();
    encode_message(PacketType::Login7, &login, 4096, &mut wire);
    stream.write_all(&wire).unwrap();
    let mut buf = [0u8; 64];
    assert!(matches!(stream.read(&mut buf), Ok(0) | Err(_)));
}

#[test]
fn reset_connection_flag_is_acknowledged() {
    let server = common::start_server();
    let (mut client, _) = RawClient::login(server.addr(), login7("", 4096, None));
    client.batch("USE shop");
    let mut bytes = Vec::new();
    SqlBatch {
        headers: AllHeaders::default(),
        text: "ROWS 1".into(),
    }
    .encode(&mut bytes);
    let mut wire = Vec::new();
    encode_message(PacketType::SqlBatch, &bytes, 4096, &mut wire);
    wire[1] |= tds_protocol::packet::STATUS_RESET_CONNECTION;
    client.stream.write_all(&wire).unwrap();
    let tokens = parse_tokens(&client.receive().1);
    assert_eq!(tokens[0], Token::EnvChange(18, vec![]));
    assert_eq!(
        tokens.iter().filter(|t| matches!(t, Token::Row(_))).count(),
        1
    );
}
