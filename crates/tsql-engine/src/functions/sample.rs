//! `__mssql_sample(seed, percent, row values...)`: TABLESAMPLE's filter (see
//! `translate::pivot::sample`). Each row is kept with probability `percent`/100: under
//! REPEATABLE (`seed` not NULL) by a hash of the seed and the row's values, so the same rows
//! come back while the data stays the same; without it, at random.

use std::hash::{BuildHasher, Hasher};

use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::args;
use super::raise;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("__mssql_sample", -1, FunctionFlags::SQLITE_UTF8, |ctx| {
        let percent = match args::num(ctx.get_raw(1)).map_err(raise)? {
            Some(n) => n.to_f64(),
            None => return Ok(false),
        };
        let draw = match ctx.get_raw(0) {
            ValueRef::Null => {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_usize(ctx.len());
                h.finish()
            }
            seed => {
                // A fixed-key hash: the same seed and row give the same draw in any process.
                let mut h = Fnv(0xcbf2_9ce4_8422_2325);
                h.write(args::text(seed).unwrap_or_default().as_bytes());
                for i in 2..ctx.len() {
                    match ctx.get_raw(i) {
                        ValueRef::Null => h.write_u8(0),
                        ValueRef::Integer(n) => h.write(&n.to_le_bytes()),
                        ValueRef::Real(f) => h.write(&f.to_le_bytes()),
                        ValueRef::Text(t) | ValueRef::Blob(t) => h.write(t),
                    }
                    h.write_u8(0xff);
                }
                h.finish()
            }
        };
        let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
        Ok(unit * 100.0 < percent)
    })
}

/// FNV-1a, then a final mix so close inputs spread over the whole range.
struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
