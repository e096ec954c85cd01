//! T-SQL text → parsed statements (with a token pre-pass for what sqlparser's MsSqlDialect
//! does not accept), and the rewriting of those statements into SQLite.

pub mod apply;
mod blocks;
mod calls;
pub mod expr;
pub mod forclause;
pub mod names;
pub mod ops;
pub(crate) mod pivot;
mod syntax;
pub(crate) use syntax::is_reserved;
mod top;
pub mod tvf;
mod wildcard;

use std::collections::{HashSet, VecDeque};

use sqlparser::ast::{Spanned, Statement};
use sqlparser::dialect::MsSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserOptions};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};
use tds_protocol::types::SqlError;

use crate::errors;

/// CLUSTERED / NONCLUSTERED options the pre-pass removed, in textual order.
#[derive(Debug, Default)]
pub struct Clustering {
    /// One entry per PRIMARY KEY: `Some(true)` CLUSTERED, `Some(false)` NONCLUSTERED.
    pub primary_keys: VecDeque<Option<bool>>,
    /// One entry per UNIQUE constraint.
    pub uniques: VecDeque<Option<bool>>,
    /// One entry per CREATE INDEX.
    pub indexes: VecDeque<Option<bool>>,
    /// Where the batch's WHILE keywords are (line, column): the pre-pass hands them to the
    /// parser as IF, whose MsSql form takes BEGIN...END blocks without semicolons.
    pub loops: HashSet<(u64, u64)>,
    /// Where the schema name of each `ALTER SCHEMA s TRANSFER x` is (line, column): the
    /// pre-pass hands it to the parser as `ALTER SCHEMA s RENAME TO x`.
    pub transfers: HashSet<(u64, u64)>,
    /// The EXECUTE statements, which the pre-pass replaced by `EXECUTE (index)`.
    pub execs: Vec<std::sync::Arc<crate::procedures::ExecCall>>,
}

/// A parsed batch.
pub struct Batch {
    /// Each statement with the line of the batch it starts on.
    pub statements: Vec<(Statement, u32)>,
    pub clustering: Clustering,
}

fn word_kw(t: &Token) -> Option<Keyword> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    }
}

fn is_word(t: &Token, text: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(text))
}

/// Removes CLUSTERED/NONCLUSTERED (recording them) so that sqlparser accepts the statement.
fn prepass(tokens: &mut [TokenWithSpan]) -> Clustering {
    let mut c = Clustering::default();
    let idx: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t.token, Token::Whitespace(_)))
        .map(|(i, _)| i)
        .collect();
    let tok = |k: usize| idx.get(k).map(|&i| &tokens[i].token);
    let flag = |t: Option<&Token>| match t {
        Some(t) if is_word(t, "CLUSTERED") => Some(true),
        Some(t) if is_word(t, "NONCLUSTERED") => Some(false),
        _ => None,
    };
    for k in 0..idx.len() {
        let Some(t) = tok(k) else { continue };
        match word_kw(t) {
            Some(Keyword::PRIMARY) if tok(k + 1).and_then(word_kw) == Some(Keyword::KEY) => {
                c.primary_keys.push_back(flag(tok(k + 2)));
            }
            Some(Keyword::UNIQUE) => {
                let f = flag(tok(k + 1));
                let next = if f.is_some() { k + 2 } else { k + 1 };
                if tok(next).and_then(word_kw) != Some(Keyword::INDEX) {
                    c.uniques.push_back(f);
                }
            }
            Some(Keyword::INDEX) if k > 0 => {
                let prev = tok(k - 1);
                let is_create = |t: Option<&Token>| {
                    matches!(t.and_then(word_kw), Some(Keyword::CREATE | Keyword::UNIQUE))
                };
                if is_create(prev) || (flag(prev).is_some() && k > 1 && is_create(tok(k - 2))) {
                    c.indexes.push_back(flag(prev));
                }
            }
            _ => {}
        }
    }
    savepoints(tokens, &idx);
    for t in tokens.iter_mut() {
        if is_word(&t.token, "WHILE") {
            t.token = Token::make_word("IF", None);
            c.loops.insert((t.span.start.line, t.span.start.column));
        }
    }
    for t in tokens.iter_mut() {
        if is_word(&t.token, "CLUSTERED") || is_word(&t.token, "NONCLUSTERED") {
            t.token = Token::Whitespace(Whitespace::Space);
        }
    }
    c
}

/// `SAVE TRAN[SACTION] x` → `SAVEPOINT x`; `ROLLBACK TRAN[SACTION] x` → `ROLLBACK TO x`.
fn savepoints(tokens: &mut [TokenWithSpan], idx: &[usize]) {
    let is_tran = |t: &Token| is_word(t, "TRAN") || is_word(t, "TRANSACTION");
    for k in 0..idx.len().saturating_sub(2) {
        let (a, b, c) = (idx[k], idx[k + 1], idx[k + 2]);
        if !is_tran(&tokens[b].token) {
            continue;
        }
        let named = match &tokens[c].token {
            Token::Word(w) => w.quote_style.is_some() || w.keyword == Keyword::NoKeyword,
            _ => false,
        };
        if is_word(&tokens[a].token, "SAVE") {
            tokens[a].token = Token::make_word("SAVEPOINT", None);
            tokens[b].token = Token::Whitespace(Whitespace::Space);
        } else if is_word(&tokens[a].token, "ROLLBACK") && named {
            tokens[b].token = Token::make_word("TO", None);
        }
    }
}

/// `ALTER SCHEMA s TRANSFER [OBJECT::]x` → `ALTER SCHEMA s RENAME TO x`, recording where
/// `s` is, so that DDL tells it from a real RENAME (which T-SQL does not have).
fn schema_transfers(tokens: &mut Vec<TokenWithSpan>) -> HashSet<(u64, u64)> {
    let mut found = HashSet::new();
    let idx: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t.token, Token::Whitespace(_)))
        .map(|(i, _)| i)
        .collect();
    // (TRANSFER's index, the index of `::` after OBJECT, if any), last first.
    let mut edits = Vec::new();
    for k in 0..idx.len().saturating_sub(3) {
        let at = |j: usize| &tokens[idx[k + j]].token;
        if is_word(at(0), "ALTER") && is_word(at(1), "SCHEMA") && is_word(at(3), "TRANSFER") {
            let s = tokens[idx[k + 2]].span.start;
            found.insert((s.line, s.column));
            let object = idx.get(k + 5).is_some_and(|&i| {
                is_word(&tokens[idx[k + 4]].token, "OBJECT")
                    && matches!(tokens[i].token, Token::DoubleColon)
            });
            edits.push((idx[k + 3], object.then(|| (idx[k + 4], idx[k + 5]))));
        }
    }
    for (transfer, object) in edits.into_iter().rev() {
        if let Some((word, colons)) = object {
            tokens[colons].token = Token::Whitespace(Whitespace::Space);
            tokens[word].token = Token::Whitespace(Whitespace::Space);
        }
        let span = tokens[transfer].span;
        tokens.splice(
            transfer..=transfer,
            [
                Token::make_word("RENAME", None),
                Token::Whitespace(Whitespace::Space),
                Token::make_word("TO", None),
            ]
            .map(|token| TokenWithSpan { token, span }),
        );
    }
    found
}

/// Parses a whole batch. A syntax error anywhere rejects all of it, as in SQL Server.
pub fn parse_batch(sql: &str) -> Result<Batch, SqlError> {
    let dialect = MsSqlDialect {};
    let mut tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| {
            let mut err = errors::syntax_near(&e.message.chars().take(20).collect::<String>());
            err.line = e.location.line as u32;
            err
        })?;
    let execs = crate::procedures::exec_syntax::prepass(sql, &mut tokens)?;
    blocks::rewrite(&mut tokens);
    let transfers = schema_transfers(&mut tokens);
    let mut clustering = prepass(&mut tokens);
    clustering.execs = execs;
    clustering.transfers = transfers;
    if let Some(err) = syntax::misplaced_keyword(&tokens) {
        return Err(err);
    }
    let mut options = ParserOptions::new();
    options.require_semicolon_stmt_delimiter = false;
    let statements = Parser::new(&dialect)
        .with_options(options)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| syntax::syntax_error(sql, &e))?;
    let statements = statements
        .into_iter()
        .map(|s| {
            let line = s.span().start.line.max(1) as u32;
            (s, line)
        })
        .collect();
    Ok(Batch {
        statements,
        clustering,
    })
}
