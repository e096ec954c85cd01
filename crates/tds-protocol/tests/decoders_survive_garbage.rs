//! The request decoders see whatever a peer sends: mangled copies of valid messages
//! (truncated, bytes flipped, lengths inflated) must give errors, never panics.

use tds_protocol::batch::{AllHeaders, SqlBatch};
use tds_protocol::login7::{Feature, Login7, TDS_7_4};
use tds_protocol::packet::{decode_message, PacketHeader};
use tds_protocol::prelogin::PreLogin;
use tds_protocol::rpc::{ProcId, RpcCall, RpcParam, RpcRequest, PARAM_BY_REF};
use tds_protocol::tm::{NewTransaction, TmRequest, TransactionManager};
use tds_protocol::types::{SqlType, Value};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A damaged copy of `bytes`.
fn mangle(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match rng.below(4) {
        0 => out.truncate(rng.below(bytes.len() + 1)),
        1 => {
            for _ in 0..1 + rng.below(4) {
                if !out.is_empty() {
                    let i = rng.below(out.len());
                    out[i] = rng.next() as u8;
                }
            }
        }
        2 => {
            // A length-looking byte made large.
            if !out.is_empty() {
                let i = rng.below(out.len());
                out[i] = 0xFF;
            }
        }
        _ => {
            let extra = rng.below(16);
            out.extend((0..extra).map(|_| rng.next() as u8));
        }
    }
    out
}

fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let mut prelogin = Vec::new();
    PreLogin {
        version: Some(([16, 0, 1, 0], 0)),
        encryption: Some(0),
        instance: Some(b"MSSQLSERVER".to_vec()),
        thread_id: Some(7),
        mars: Some(false),
        trace_id: Some(vec![1; 36]),
        fed_auth_required: Some(1),
        nonce: None,
    }
    .encode(&mut prelogin);
    let mut login = Vec::new();
    Login7 {
        tds_version: TDS_7_4,
        packet_size: 4096,
        user_name: "sa".into(),
        password: "pw".into(),
        database: "db".into(),
        features: Some(vec![Feature {
            id: 0x0A,
            data: vec![1, 2],
        }]),
        ..Login7::default()
    }
    .encode(&mut login);
    let mut batch = Vec::new();
    SqlBatch {
        headers: AllHeaders::default(),
        text: "SELECT 1".into(),
    }
    .encode(&mut batch);
    let mut rpc = Vec::new();
    RpcRequest {
        headers: AllHeaders::default(),
        calls: vec![RpcCall {
            proc_id: ProcId::Id(10),
            option_flags: 0,
            params: vec![
                RpcParam {
                    name: String::new(),
                    status: 0,
                    ty: SqlType::NVarChar(Some(4000)),
                    value: Value::String("SELECT @P1".into()),
                },
                RpcParam {
                    name: "@P1".into(),
                    status: PARAM_BY_REF,
                    ty: SqlType::Int,
                    value: Value::Int(5),
                },
            ],
        }],
    }
    .encode(&mut rpc)
    .unwrap();
    let mut tm = Vec::new();
    TransactionManager {
        headers: AllHeaders::default(),
        request: TmRequest::Commit {
            name: "t".into(),
            then_begin: Some(NewTransaction {
                isolation_level: 2,
                name: String::new(),
            }),
        },
    }
    .encode(&mut tm);
    vec![
        ("prelogin", prelogin),
        ("login7", login),
        ("batch", batch),
        ("rpc", rpc),
        ("tm", tm),
    ]
}

fn decode(kind: &str, bytes: &[u8]) {
    match kind {
        "prelogin" => drop(PreLogin::decode(bytes)),
        "login7" => drop(Login7::decode(bytes)),
        "batch" => drop(SqlBatch::decode(bytes)),
        "rpc" => drop(RpcRequest::decode(bytes)),
        _ => drop(TransactionManager::decode(bytes)),
    }
}

#[test]
fn valid_samples_decode() {
    for (kind, bytes) in samples() {
        let ok = match kind {
            "prelogin" => PreLogin::decode(&bytes).is_ok(),
            "login7" => Login7::decode(&bytes).is_ok(),
            "batch" => SqlBatch::decode(&bytes).is_ok(),
            "rpc" => RpcRequest::decode(&bytes).is_ok(),
            _ => TransactionManager::decode(&bytes).is_ok(),
        };
        assert!(ok, "{kind} sample does not decode");
    }
}

#[test]
fn mangled_messages_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (kind, bytes) in samples() {
        for round in 0..3000 {
            let mut damaged = mangle(&mut rng, &bytes);
            if round % 3 == 0 {
                damaged = mangle(&mut rng, &damaged);
            }
            let result = std::panic::catch_unwind(|| decode(kind, &damaged));
            assert!(result.is_ok(), "{kind} decoder panicked on {damaged:02X?}");
        }
    }
}

#[test]
fn random_packets_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..5000 {
        let len = rng.below(64);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = decode_message(&bytes);
        if let Some(header) = bytes.get(..8).and_then(|h| <&[u8; 8]>::try_from(h).ok()) {
            let _ = PacketHeader::decode(header);
        }
    }
}
