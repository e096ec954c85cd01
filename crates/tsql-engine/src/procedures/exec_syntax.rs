//! The EXECUTE statement, read by a token pre-pass (sqlparser's reading of `EXEC` does not
//! know T-SQL's `@status =`, `@p = v OUTPUT` or `DEFAULT` arguments, nor where an EXEC
//! without a semicolon ends).
//!
//! T-SQL's arguments are constants or variables, never expressions, so an EXEC ends after
//! its name or its last argument not followed by a comma. Each EXEC found is replaced by
//! the placeholder `EXECUTE (n)`, which sqlparser parses as a statement of its own; `n`
//! indexes the calls the pre-pass returns.

use std::sync::Arc;

use sqlparser::ast::{Expr, Value as AstValue};
use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan};
use tds_protocol::types::SqlError;

use super::tokens::{is_word, meaningful, source, variable, Offsets};
use crate::errors;

/// What an EXEC runs.
#[derive(Debug, Clone)]
pub enum Target {
    /// A procedure by name, as written (`dbo.p`, `[db].[s].[p]`).
    Name(String),
    /// A procedure whose name a variable holds (`EXEC @name`).
    Variable(String),
    /// `EXEC (string expression)`: dynamic SQL.
    Dynamic(Box<Expr>),
}

/// An argument's value.
#[derive(Debug, Clone)]
pub enum ArgValue {
    Expr(Box<Expr>),
    /// `DEFAULT`: the parameter's default.
    Default,
}

/// One argument: `[@name =] value [OUTPUT]`.
#[derive(Debug, Clone)]
pub struct Arg {
    pub name: Option<String>,
    pub value: ArgValue,
    pub output: bool,
}

/// One EXECUTE statement.
#[derive(Debug, Clone)]
pub struct ExecCall {
    /// `EXEC @status = p`: the variable that receives the return status.
    pub status: Option<String>,
    pub target: Target,
    pub args: Vec<Arg>,
}

/// Replaces every EXEC statement of `tokens` by a placeholder; returns the calls.
pub fn prepass(sql: &str, tokens: &mut Vec<TokenWithSpan>) -> Result<Vec<Arc<ExecCall>>, SqlError> {
    let offsets = Offsets::new(sql);
    let idx = meaningful(tokens);
    let mut found: Vec<(usize, usize, ExecCall)> = Vec::new();
    let mut k = 0;
    while k < idx.len() {
        let t = &tokens[idx[k]].token;
        let starts = (is_word(t, "EXEC") || is_word(t, "EXECUTE"))
            && !(k > 0 && matches!(tokens[idx[k - 1]].token, Token::Comma))
            && !(k > 0
                && ["WITH", "GRANT", "DENY", "REVOKE"]
                    .iter()
                    .any(|w| is_word(&tokens[idx[k - 1]].token, w)))
            && !idx
                .get(k + 1)
                .is_some_and(|&i| is_word(&tokens[i].token, "AS"));
        if !starts {
            k += 1;
            continue;
        }
        let mut r = Reader {
            sql,
            offsets: &offsets,
            tokens,
            idx: &idx,
            pos: k + 1,
        };
        let call = r.call()?;
        let last = r.pos - 1;
        found.push((idx[k], idx[last], call));
        k = r.pos;
    }
    let mut calls = Vec::with_capacity(found.len());
    for (n, (first, last, call)) in found.into_iter().enumerate().rev() {
        let span = tokens[first].span;
        let placeholder = [
            Token::make_word("EXECUTE", None),
            Token::LParen,
            Token::Number(n.to_string(), false),
            Token::RParen,
        ]
        .map(|token| TokenWithSpan { token, span });
        tokens.splice(first..=last, placeholder);
        calls.push(Arc::new(call));
    }
    calls.reverse();
    Ok(calls)
}

struct Reader<'a> {
    sql: &'a str,
    offsets: &'a Offsets,
    tokens: &'a [TokenWithSpan],
    idx: &'a [usize],
    pos: usize,
}

impl Reader<'_> {
    fn peek_at(&self, k: usize) -> Option<&Token> {
        self.idx.get(self.pos + k).map(|&i| &self.tokens[i].token)
    }

    fn peek(&self) -> Option<&Token> {
        self.peek_at(0)
    }

    fn syntax(&self) -> SqlError {
        let near = match self.peek() {
            Some(t) => t.to_string(),
            None => "EXECUTE".into(),
        };
        let mut e = errors::syntax_near(near.trim_matches('\''));
        if let Some(&i) = self.idx.get(self.pos.min(self.idx.len().saturating_sub(1))) {
            e.line = self.tokens[i].span.start.line.max(1) as u32;
        }
        e
    }

    /// The text of meaningful tokens `from..to` (positions, `to` exclusive).
    fn text(&self, from: usize, to: usize) -> &str {
        source(
            self.sql,
            self.offsets,
            self.tokens,
            self.idx[from],
            self.idx[to - 1],
        )
    }

    fn expr(&self, from: usize, to: usize) -> Result<Expr, SqlError> {
        let text = self.text(from, to);
        Parser::new(&MsSqlDialect {})
            .try_with_sql(text)
            .and_then(|mut p| p.parse_expr())
            .map_err(|_| errors::syntax_near(text))
    }

    fn call(&mut self) -> Result<ExecCall, SqlError> {
        if matches!(self.peek(), Some(Token::LParen)) {
            return self.dynamic();
        }
        let mut status = None;
        if let (Some(v), Some(Token::Eq)) = (self.peek().and_then(variable), self.peek_at(1)) {
            status = Some(v.to_string());
            self.pos += 2;
        }
        let target = if let Some(v) = self.peek().and_then(variable) {
            let v = v.to_string();
            self.pos += 1;
            Target::Variable(v)
        } else {
            let start = self.pos;
            let len =
                super::header::name_end(|k| self.peek_at(k), 0).ok_or_else(|| self.syntax())?;
            self.pos += len;
            Target::Name(self.text(start, self.pos).to_string())
        };
        let mut args = Vec::new();
        while self.peek().is_some_and(starts_value) {
            args.push(self.arg()?);
            if !matches!(self.peek(), Some(Token::Comma)) {
                break;
            }
            self.pos += 1;
            if !self.peek().is_some_and(starts_value) {
                return Err(self.syntax());
            }
        }
        if self.peek().is_some_and(|t| is_word(t, "WITH"))
            && self.peek_at(1).is_some_and(|t| is_word(t, "RECOMPILE"))
        {
            self.pos += 2;
        }
        Ok(ExecCall {
            status,
            target,
            args,
        })
    }

    /// `( expression )` up to the matching parenthesis.
    fn dynamic(&mut self) -> Result<ExecCall, SqlError> {
        let open = self.pos;
        let mut depth = 0;
        while let Some(t) = self.peek() {
            match t {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        if self.peek().is_none() || self.pos == open + 1 {
            return Err(self.syntax());
        }
        let e = self.expr(open + 1, self.pos)?;
        self.pos += 1;
        Ok(ExecCall {
            status: None,
            target: Target::Dynamic(Box::new(e)),
            args: Vec::new(),
        })
    }

    fn arg(&mut self) -> Result<Arg, SqlError> {
        let mut name = None;
        if let (Some(v), Some(Token::Eq)) = (self.peek().and_then(variable), self.peek_at(1)) {
            name = Some(v.to_string());
            self.pos += 2;
        }
        let start = self.pos;
        let value = match self.peek() {
            Some(t) if is_word(t, "DEFAULT") => {
                self.pos += 1;
                ArgValue::Default
            }
            Some(Token::Minus | Token::Plus) => {
                self.pos += 2;
                if !matches!(self.tokens[self.idx[self.pos - 1]].token, Token::Number(..)) {
                    self.pos -= 1;
                    return Err(self.syntax());
                }
                ArgValue::Expr(Box::new(self.expr(start, self.pos)?))
            }
            Some(Token::Word(w))
                if !w.value.starts_with('@') && !is_word(&Token::Word(w.clone()), "NULL") =>
            {
                // A bare word is a character constant (`EXEC sp_help t`).
                let text = w.value.clone();
                self.pos += 1;
                ArgValue::Expr(Box::new(Expr::value(AstValue::SingleQuotedString(text))))
            }
            Some(_) => {
                self.pos += 1;
                ArgValue::Expr(Box::new(self.expr(start, self.pos)?))
            }
            None => return Err(self.syntax()),
        };
        let mut output = false;
        if self
            .peek()
            .is_some_and(|t| is_word(t, "OUTPUT") || is_word(t, "OUT"))
        {
            self.pos += 1;
            output = true;
        }
        Ok(Arg {
            name,
            value,
            output,
        })
    }
}

/// A token an argument can start with: a constant, a variable, NULL, DEFAULT, or a bare
/// word that cannot start the next statement.
fn starts_value(t: &Token) -> bool {
    match t {
        Token::Number(..)
        | Token::SingleQuotedString(_)
        | Token::NationalStringLiteral(_)
        | Token::HexStringLiteral(_)
        | Token::Minus
        | Token::Plus => true,
        Token::Word(w) if w.value.starts_with('@') => true,
        Token::Word(w) if w.quote_style.is_some() => true,
        Token::Word(w) => {
            is_word(t, "NULL")
                || is_word(t, "DEFAULT")
                || !(crate::translate::is_reserved(&w.value)
                    || w.value.eq_ignore_ascii_case("THROW")
                    || w.value.eq_ignore_ascii_case("GO"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedures::tokens::tokenize;

    fn calls(sql: &str) -> (Vec<Arc<ExecCall>>, String) {
        let mut tokens = tokenize(sql).unwrap();
        let calls = prepass(sql, &mut tokens).unwrap();
        let text: String = tokens.iter().map(|t| t.token.to_string()).collect();
        (calls, text)
    }

    #[test]
    fn named_positional_output_default() {
        let (c, text) = calls("EXEC @rc = dbo.p 1, N'x', @c = @v OUTPUT, @d = DEFAULT\nSELECT 1");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].status.as_deref(), Some("@rc"));
        assert!(matches!(&c[0].target, Target::Name(n) if n == "dbo.p"));
        assert_eq!(c[0].args.len(), 4);
        assert!(c[0].args[2].output);
        assert_eq!(c[0].args[2].name.as_deref(), Some("@c"));
        assert!(matches!(c[0].args[3].value, ArgValue::Default));
        assert!(text.starts_with("EXECUTE(0)"), "{text}");
        assert!(text.contains("SELECT 1"));
    }

    #[test]
    fn ends_without_semicolons_and_reads_dynamic_sql() {
        let (c, text) = calls("EXECUTE p\nEXEC ('SELECT ' + @x)\nexec q -1");
        assert_eq!(c.len(), 3);
        assert!(c[0].args.is_empty());
        assert!(matches!(&c[1].target, Target::Dynamic(_)));
        assert_eq!(c[2].args.len(), 1);
        assert_eq!(text.matches("EXECUTE(").count(), 3);
        // `EXECUTE AS` and `WITH EXECUTE AS` are not calls.
        let (c, _) = calls("EXECUTE AS USER = 'x'");
        assert!(c.is_empty());
    }
}
