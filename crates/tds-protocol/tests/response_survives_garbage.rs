//! A client's decoders of the server's token stream see whatever arrives: random bytes and
//! mangled copies of valid responses (truncated, bytes flipped, lengths inflated) give
//! `Incomplete` or `Invalid`, never a panic, and a valid stream cut anywhere is
//! `Incomplete`, never `Invalid`.

use tds_protocol::response::{decode_token, scan_row, Column, RowCells, RowRef, Token};
use tds_protocol::tokens::{self, DoneKind, EnvChangeToken, TOKEN_NBCROW, TOKEN_ROW};
use tds_protocol::types::{ColumnMeta, Date, Decimal, SqlError, SqlType, Time, Value};
use tds_protocol::DecodeError;

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

/// A column of every type the server writes, nullable and not.
fn metas() -> Vec<ColumnMeta> {
    let types = [
        SqlType::Bit,
        SqlType::TinyInt,
        SqlType::SmallInt,
        SqlType::Int,
        SqlType::BigInt,
        SqlType::Decimal {
            precision: 38,
            scale: 10,
        },
        SqlType::Money,
        SqlType::SmallMoney,
        SqlType::Real,
        SqlType::Float,
        SqlType::Date,
        SqlType::Time { scale: 3 },
        SqlType::SmallDateTime,
        SqlType::DateTime,
        SqlType::DateTime2 { scale: 7 },
        SqlType::DateTimeOffset { scale: 5 },
        SqlType::Char(4),
        SqlType::VarChar(Some(20)),
        SqlType::NChar(3),
        SqlType::NVarChar(None),
        SqlType::Text,
        SqlType::NText,
        SqlType::Image,
        SqlType::Binary(3),
        SqlType::VarBinary(None),
        SqlType::UniqueIdentifier,
        SqlType::Xml,
        SqlType::RowVersion,
        SqlType::SqlVariant,
    ];
    types
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            let mut meta = ColumnMeta::new(format!("c{i}"), *ty);
            meta.nullable = i % 3 != 0;
            meta
        })
        .collect()
}

fn values(metas: &[ColumnMeta], nulls: bool) -> Vec<Value> {
    metas
        .iter()
        .map(|m| {
            if nulls && m.nullable {
                return Value::Null;
            }
            match m.ty {
                SqlType::Bit => Value::Bit(true),
                SqlType::TinyInt => Value::TinyInt(200),
                SqlType::SmallInt => Value::SmallInt(-3),
                SqlType::Int => Value::Int(70_000),
                SqlType::BigInt => Value::BigInt(-1),
                SqlType::Decimal { .. } => Value::Decimal(Decimal {
                    mantissa: 31_415_926_535,
                    scale: 10,
                }),
                SqlType::Money | SqlType::SmallMoney => Value::Money(25_000),
                SqlType::Real => Value::Real(0.5),
                SqlType::Float => Value::Float(-2.25),
                SqlType::Date => Value::Date(Date(738_000)),
                SqlType::Time { .. } => Value::Time(Time(123_450_000)),
                SqlType::SmallDateTime => Value::SmallDateTime {
                    days: 40_000,
                    minutes: 61,
                },
                SqlType::DateTime => Value::DateTime {
                    days: 45_000,
                    ticks: 300,
                },
                SqlType::DateTime2 { .. } => Value::DateTime2(Date(738_000), Time(1)),
                SqlType::DateTimeOffset { .. } => Value::DateTimeOffset {
                    date: Date(738_000),
                    time: Time(0),
                    offset_minutes: 120,
                },
                SqlType::Binary(_) | SqlType::VarBinary(_) | SqlType::Image => {
                    Value::Bytes(vec![1, 2, 3])
                }
                SqlType::RowVersion => Value::Bytes(vec![0, 0, 0, 0, 0, 0, 0, 9]),
                SqlType::UniqueIdentifier => Value::Guid([7; 16]),
                SqlType::SqlVariant => Value::Int(5),
                SqlType::NVarChar(None) => Value::String("y".repeat(20_000)),
                _ => Value::String("abc".into()),
            }
        })
        .collect()
}

/// A whole response: COLMETADATA, two rows (one NBCROW), INFO, ENVCHANGE, DONE.
fn response() -> (Vec<u8>, Vec<Column>) {
    let metas = metas();
    let mut bytes = Vec::new();
    tokens::col_metadata(&mut bytes, &metas);
    let (Token::ColMetadata(columns), _) = decode_token(&bytes).unwrap() else {
        panic!("not COLMETADATA")
    };
    tokens::row(&mut bytes, &metas, &values(&metas, false)).unwrap();
    tokens::row(&mut bytes, &metas, &values(&metas, true)).unwrap();
    tokens::message(
        &mut bytes,
        &SqlError::new(5701, 0, "Changed context"),
        false,
        "s",
    );
    tokens::env_change(
        &mut bytes,
        &EnvChangeToken::PacketSize {
            new: 8000,
            old: 4096,
        },
    );
    tokens::done(&mut bytes, DoneKind::Done, 0x10, 0xC1, 2);
    (bytes, columns)
}

/// Decodes a whole stream: every token, rows against `columns`, every cell read. Returns
/// the tokens seen, or where and why it stopped.
fn walk(mut input: &[u8], columns: &[Column]) -> Result<usize, DecodeError> {
    let mut cells = RowCells::new();
    let mut seen = 0;
    while let Some(&ty) = input.first() {
        let used = if ty == TOKEN_ROW || ty == TOKEN_NBCROW {
            let used = scan_row(&input[1..], columns, ty == TOKEN_NBCROW, &mut cells)?;
            let row = RowRef::new(&input[1..], columns, &cells);
            for (value, column) in row.values().zip(columns) {
                let value = value.map_err(DecodeError::Invalid)?;
                value.to_value(&column.info).map_err(DecodeError::Invalid)?;
            }
            1 + used
        } else {
            decode_token(input)?.1
        };
        input = &input[used..];
        seen += 1;
    }
    Ok(seen)
}

#[test]
fn a_valid_stream_cut_anywhere_is_incomplete() {
    let (bytes, columns) = response();
    assert_eq!(walk(&bytes, &columns), Ok(6));
    // Every cut in the metadata and the first cells, then every 61st (the long PLP value
    // would make every cut slow, not more telling).
    let cuts = (0..bytes.len()).filter(|&cut| cut < 4000 || cut % 61 == 0);
    for cut in cuts {
        // A cut right after a token is a shorter valid stream.
        if let Err(DecodeError::Invalid(e)) = walk(&bytes[..cut], &columns) {
            panic!("cut at {cut}: {e}");
        }
    }
}

#[test]
fn mangled_streams_never_panic() {
    let (bytes, columns) = response();
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    for _ in 0..5_000 {
        let damaged = mangle(&mut rng, &bytes);
        let _ = walk(&damaged, &columns);
    }
}

#[test]
fn random_bytes_never_panic() {
    let (_, columns) = response();
    let mut rng = Rng(42);
    for _ in 0..20_000 {
        let len = rng.below(64);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Most random first bytes are unknown tokens: steer some to real ones.
        if let Some(first) = bytes.first_mut() {
            const TYPES: [u8; 12] = [
                0x81, 0xD1, 0xD2, 0xFD, 0xAA, 0xE3, 0xAD, 0xAC, 0xAE, 0xEE, 0xA9, 0x79,
            ];
            if rng.below(2) == 0 {
                *first = TYPES[rng.below(TYPES.len())];
            }
        }
        let _ = walk(&bytes, &columns);
        let _ = walk(&bytes, &[]);
    }
}
