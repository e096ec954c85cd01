//! Statement blocks as T-SQL writes them, made parseable for sqlparser's MsSqlDialect.
//!
//! sqlparser reads `IF cond BEGIN ... END` with T-SQL's optional semicolons, but wants a
//! semicolon after every statement of a bare `BEGIN ... END` block, which procedure
//! bodies seldom have. A bare block is handed to it as `IF 1 = 1 BEGIN ... END`, which
//! runs the same statements. And `RETURN` before `END`/`ELSE` (or the next statement)
//! gets a semicolon, so that the keyword is not read as RETURN's value.

use sqlparser::tokenizer::{Token, TokenWithSpan};

fn word(t: &Token) -> Option<&str> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(&w.value),
        _ => None,
    }
}

fn is(t: &Token, text: &str) -> bool {
    word(t).is_some_and(|w| w.eq_ignore_ascii_case(text))
}

/// Keywords that start a statement (and so end an IF's condition).
const STATEMENT_STARTS: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "SET",
    "DECLARE",
    "EXEC",
    "EXECUTE",
    "RETURN",
    "PRINT",
    "RAISERROR",
    "THROW",
    "BREAK",
    "CONTINUE",
    "WAITFOR",
    "TRUNCATE",
    "CREATE",
    "DROP",
    "ALTER",
    "WITH",
    "COMMIT",
    "ROLLBACK",
    "SAVE",
    "SAVEPOINT",
    "USE",
];

/// Words a RETURN's value can start with (besides non-keywords, numbers, variables).
const VALUE_STARTS: &[&str] = &[
    "CASE",
    "NULL",
    "CAST",
    "CONVERT",
    "COALESCE",
    "NULLIF",
    "NOT",
    "EXISTS",
    "LEFT",
    "RIGHT",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "SESSION_USER",
    "SYSTEM_USER",
    "USER",
];

/// Whether `BEGIN` followed by `next` opens a block (not a transaction, TRY or CATCH).
fn opens_block(next: Option<&Token>) -> bool {
    match next {
        None | Some(Token::SemiColon | Token::EOF) => false,
        Some(t) => ![
            "TRAN",
            "TRANSACTION",
            "DISTRIBUTED",
            "TRY",
            "CATCH",
            "DIALOG",
            "CONVERSATION",
        ]
        .iter()
        .any(|w| is(t, w)),
    }
}

pub fn rewrite(tokens: &mut Vec<TokenWithSpan>) {
    let idx: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .map(|(i, _)| i)
        .collect();
    // (token index, tokens to insert before it)
    let mut inserts: Vec<(usize, Vec<Token>)> = Vec::new();
    let mut open: Vec<bool> = Vec::new(); // true: CASE, false: a BEGIN block
    let mut depth = 0i32;
    let mut pending_if = false;
    for (k, &i) in idx.iter().enumerate() {
        let t = &tokens[i].token;
        let next = idx.get(k + 1).map(|&j| &tokens[j].token);
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        if is(t, "CASE") {
            open.push(true);
        } else if is(t, "END") {
            open.pop();
        } else if depth > 0 {
            continue;
        } else if is(t, "IF") || is(t, "WHILE") || (is(t, "ELSE") && open.last() != Some(&true)) {
            pending_if = true;
        } else if is(t, "BEGIN") {
            let tran = next.is_some_and(|n| {
                ["TRAN", "TRANSACTION", "DISTRIBUTED"]
                    .iter()
                    .any(|w| is(n, w))
            });
            if opens_block(next) {
                open.push(false);
                if !pending_if {
                    inserts.push((
                        i,
                        vec![
                            Token::make_word("IF", None),
                            Token::Number("1".into(), false),
                            Token::Eq,
                            Token::Number("1".into(), false),
                        ],
                    ));
                }
            } else if next.is_some_and(|n| is(n, "TRY") || is(n, "CATCH")) {
                open.push(false);
            }
            if pending_if || tran {
                pending_if = false;
            }
        } else if STATEMENT_STARTS.iter().any(|w| is(t, w)) {
            pending_if = false;
            if is(t, "RETURN") {
                let bare = match next {
                    None => false,
                    Some(n) => match word(n) {
                        Some(w) if w.starts_with('@') => false,
                        Some(w) => {
                            super::syntax::is_reserved(w)
                                && !VALUE_STARTS.iter().any(|v| v.eq_ignore_ascii_case(w))
                        }
                        None => false,
                    },
                };
                if bare {
                    let after = idx[k + 1];
                    inserts.push((after, vec![Token::SemiColon]));
                }
            }
        }
    }
    for (at, new) in inserts.into_iter().rev() {
        let span = tokens[at].span;
        let mut with_space = Vec::new();
        for t in new {
            with_space.push(TokenWithSpan { token: t, span });
            with_space.push(TokenWithSpan {
                token: Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                span,
            });
        }
        tokens.splice(at..at, with_space);
    }
}
