//! The per-session cache of lone SELECT batches' translations: a client repeating a query
//! (a connector's incremental read, say) skips parsing and rewriting.

use std::sync::Arc;

use tds_protocol::types::SqlType;

use crate::session::{ended, Session};
use crate::sink::{Abort, ResultSink};
use crate::typing::ProjectionNulls;

/// Translations kept per session before the cache is emptied.
const QUERY_CACHE_SIZE: usize = 512;

/// A lone SELECT's translation, valid for one database and catalog generation.
pub struct CachedQuery {
    db: String,
    generation: u64,
    sql: String,
    types: Vec<Option<SqlType>>,
    named: Vec<bool>,
    nulls: ProjectionNulls,
}

impl Session {
    /// The query cache's key for a batch: its text and its parameters' types (which the
    /// translation depends on: a decimal parameter makes arithmetic exact).
    pub(crate) fn cache_key_of(&self, sql: &str) -> String {
        let mut types: Vec<String> = self
            .vars
            .iter()
            .map(|(k, (t, _))| format!("{k} {t}"))
            .collect();
        types.sort();
        format!("{sql}\n--{}", types.join(","))
    }

    /// Runs a batch whose translation is cached: a lone SELECT seen before (same text,
    /// database and catalog). `None` when there is no usable cached translation.
    pub(crate) fn run_cached(
        &mut self,
        sql: &str,
        out: &mut dyn ResultSink,
    ) -> Option<Result<bool, Abort>> {
        let cached = self.query_cache.get(sql)?.clone();
        if cached.db != self.db || cached.generation != self.engine.catalog_generation() {
            return None;
        }
        let result = self
            .stream_described(
                &cached.sql,
                &cached.types,
                &cached.named,
                &cached.nulls,
                out,
            )
            .and_then(|n| {
                self.rowcount = n as i64;
                self.done(out, Some(n))
            });
        Some(ended(result, 1, out))
    }

    /// Remembers the translation of a lone SELECT batch (see [`Session::run_cached`]).
    pub(crate) fn cache_query(
        &mut self,
        generation: u64,
        sql: &str,
        types: &[Option<SqlType>],
        named: &[bool],
        nulls: &ProjectionNulls,
    ) {
        let Some(key) = self.cache_key.take() else {
            return;
        };
        if self.query_cache.len() >= QUERY_CACHE_SIZE {
            self.query_cache.clear();
        }
        let entry = CachedQuery {
            db: self.db.clone(),
            generation,
            sql: sql.to_string(),
            types: types.to_vec(),
            named: named.to_vec(),
            nulls: nulls.clone(),
        };
        self.query_cache.insert(key, Arc::new(entry));
    }
}
