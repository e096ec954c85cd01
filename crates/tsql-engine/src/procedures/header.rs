//! `CREATE [OR ALTER] PROC[EDURE]` / `ALTER PROC[EDURE]` headers: the name, the parameters
//! (`@p [AS] type [VARYING] [= default] [OUT|OUTPUT] [READONLY]`), the options, and the body
//! after `AS`. The same parameter list syntax is `sp_executesql`'s `@params`.
//!
//! The definition text is what the catalog keeps (`OBJECT_DEFINITION`); it is parsed again
//! by each EXEC, so there is one reading of a procedure, here.

use sqlparser::tokenizer::{Token, TokenWithSpan};
use tds_protocol::types::{SqlError, SqlType};

use super::tokens::{is_word, meaningful, source, tokenize, variable, Offsets};
use crate::errors;

/// What the statement does with an existing procedure of that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefKind {
    Create,
    Alter,
    CreateOrAlter,
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDef {
    /// With its `@`, as declared.
    pub name: String,
    pub ty: SqlType,
    /// The default's T-SQL text (a constant or NULL).
    pub default: Option<String>,
    pub output: bool,
}

/// A parsed procedure definition.
#[derive(Debug, Clone)]
pub struct Definition {
    pub kind: DefKind,
    /// The name as written (`dbo.p`, `[s].[p]`).
    pub name: String,
    pub params: Vec<ParamDef>,
    /// The statements after `AS`, preceded by newlines so that its line numbers are the
    /// definition's (SQL Server reports errors in a procedure at lines of its text).
    pub body: String,
}

/// Reads meaningful tokens one after another.
struct Cursor<'a> {
    text: &'a str,
    offsets: Offsets,
    tokens: Vec<TokenWithSpan>,
    idx: Vec<usize>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Option<Cursor<'a>> {
        let tokens = tokenize(text)?;
        let idx = meaningful(&tokens);
        Some(Cursor {
            text,
            offsets: Offsets::new(text),
            tokens,
            idx,
            pos: 0,
        })
    }

    fn peek_at(&self, k: usize) -> Option<&Token> {
        self.idx.get(self.pos + k).map(|&i| &self.tokens[i].token)
    }

    fn peek(&self) -> Option<&Token> {
        self.peek_at(0)
    }

    fn word(&self, text: &str) -> bool {
        self.peek().is_some_and(|t| is_word(t, text))
    }

    fn eat(&mut self, text: &str) -> bool {
        let yes = self.word(text);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn done(&self) -> bool {
        self.pos >= self.idx.len()
    }

    /// The error SQL Server reports at the current token.
    fn syntax(&self) -> SqlError {
        let near = self.peek().map(|t| t.to_string()).unwrap_or_default();
        let mut e = errors::syntax_near(near.trim_matches('\''));
        if let Some(&i) = self.idx.get(self.pos) {
            e.line = self.tokens[i].span.start.line.max(1) as u32;
        }
        e
    }

    /// The source text of meaningful tokens `from..to` (positions in `idx`, `to` exclusive).
    fn text_of(&self, from: usize, to: usize) -> &'a str {
        if to <= from {
            return "";
        }
        source(
            self.text,
            &self.offsets,
            &self.tokens,
            self.idx[from],
            self.idx[to - 1],
        )
    }

    /// Consumes tokens up to (not including) the first at depth 0 for which `stop` holds.
    fn until(&mut self, stop: impl Fn(&Token) -> bool) -> (usize, usize) {
        let start = self.pos;
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            if depth == 0 && stop(t) {
                break;
            }
            match t {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
        (start, self.pos)
    }
}

/// The procedure definition `sql` holds, if the batch starts with CREATE/ALTER PROCEDURE.
pub fn parse_create(sql: &str) -> Option<Result<Definition, SqlError>> {
    let mut c = Cursor::new(sql)?;
    let kind = if c.eat("CREATE") {
        if c.eat("OR") {
            if !c.eat("ALTER") {
                return None;
            }
            DefKind::CreateOrAlter
        } else {
            DefKind::Create
        }
    } else if c.eat("ALTER") {
        DefKind::Alter
    } else {
        return None;
    };
    if !(c.eat("PROC") || c.eat("PROCEDURE")) {
        return None;
    }
    Some(definition(&mut c, kind))
}

fn definition(c: &mut Cursor<'_>, kind: DefKind) -> Result<Definition, SqlError> {
    let name = object_name(c)?;
    if matches!(c.peek(), Some(Token::SemiColon)) {
        return Err(errors::not_supported("numbered procedures (;number)"));
    }
    let params = if matches!(c.peek(), Some(Token::LParen)) {
        c.pos += 1;
        let list = parameters(c, |t| matches!(t, Token::RParen))?;
        if !matches!(c.peek(), Some(Token::RParen)) {
            return Err(c.syntax());
        }
        c.pos += 1;
        list
    } else {
        parameters(c, |t| {
            is_word(t, "AS") || is_word(t, "WITH") || is_word(t, "FOR")
        })?
    };
    options(c)?;
    if !c.eat("AS") {
        return Err(c.syntax());
    }
    if c.done() {
        return Err(c.syntax());
    }
    let i = c.idx[c.pos];
    let start = c.offsets.at(c.text, c.tokens[i].span.start);
    let line = c.tokens[i].span.start.line.max(1) as usize;
    let body = format!("{}{}", "\n".repeat(line - 1), &c.text[start..]);
    Ok(Definition {
        kind,
        name,
        params,
        body,
    })
}

/// A one- to three-part name: words separated by dots.
fn object_name(c: &mut Cursor<'_>) -> Result<String, SqlError> {
    let start = c.pos;
    c.pos += name_end(|k| c.peek_at(k), 0).ok_or_else(|| c.syntax())?;
    Ok(c.text_of(start, c.pos).to_string())
}

/// How many tokens from `at` a dotted name spans (`p`, `s.p`, `db..p`), read through
/// `peek(k)`; `None` when no name starts there.
pub fn name_end<'t>(peek: impl Fn(usize) -> Option<&'t Token>, at: usize) -> Option<usize> {
    if !matches!(peek(at), Some(Token::Word(_))) {
        return None;
    }
    let mut k = at + 1;
    while matches!(peek(k), Some(Token::Period)) {
        k += 1;
        if matches!(peek(k), Some(Token::Word(_))) {
            k += 1;
        } else if !matches!(peek(k), Some(Token::Period)) {
            return None;
        }
    }
    Some(k - at)
}

/// `WITH RECOMPILE | ENCRYPTION | EXECUTE AS ... [, ...]` and `FOR REPLICATION`: accepted
/// and without effect here (there is no plan cache, no encryption, one user).
fn options(c: &mut Cursor<'_>) -> Result<(), SqlError> {
    if c.eat("WITH") {
        loop {
            if c.eat("EXECUTE") || c.eat("EXEC") {
                if !c.eat("AS") {
                    return Err(c.syntax());
                }
                c.pos += 1;
            } else if c.eat("RECOMPILE")
                || c.eat("ENCRYPTION")
                || c.eat("NATIVE_COMPILATION")
                || c.eat("SCHEMABINDING")
            {
            } else {
                return Err(c.syntax());
            }
            if !matches!(c.peek(), Some(Token::Comma)) {
                break;
            }
            c.pos += 1;
        }
    }
    if c.eat("FOR") && !c.eat("REPLICATION") {
        return Err(c.syntax());
    }
    Ok(())
}

/// Parameters separated by commas, up to a token at depth 0 for which `end` holds.
fn parameters(
    c: &mut Cursor<'_>,
    end: impl Fn(&Token) -> bool + Copy,
) -> Result<Vec<ParamDef>, SqlError> {
    let mut list: Vec<ParamDef> = Vec::new();
    while c.peek().is_some_and(|t| !end(t)) {
        let p = parameter(c, end)?;
        if list.iter().any(|q| q.name.eq_ignore_ascii_case(&p.name)) {
            return Err(SqlError::new(
                134,
                15,
                format!("The variable name '{}' has already been declared. Variable names must be unique within a query batch or stored procedure.", p.name),
            ));
        }
        list.push(p);
        if !matches!(c.peek(), Some(Token::Comma)) {
            break;
        }
        c.pos += 1;
    }
    Ok(list)
}

fn parameter(c: &mut Cursor<'_>, end: impl Fn(&Token) -> bool) -> Result<ParamDef, SqlError> {
    let name = c.peek().and_then(variable).map(str::to_string);
    let Some(name) = name else {
        return Err(c.syntax());
    };
    c.pos += 1;
    c.eat("AS");
    let marker = |t: &Token| {
        matches!(t, Token::Eq | Token::Comma)
            || ["OUT", "OUTPUT", "READONLY", "VARYING", "NULL", "NOT"]
                .iter()
                .any(|w| is_word(t, w))
            || end(t)
    };
    let (from, to) = c.until(marker);
    if to == from {
        return Err(c.syntax());
    }
    let type_text = c.text_of(from, to);
    let ty = crate::typename::parse(type_text).map_err(|mut e| {
        e.message = format!(
            "Parameter or variable '{name}' has an invalid data type ({}).",
            type_text.trim()
        );
        e.number = 2715;
        e
    })?;
    c.eat("VARYING");
    // `NULL` / `NOT NULL` after the type (natively compiled procedures): accepted.
    c.eat("NOT");
    c.eat("NULL");
    let mut default = None;
    if matches!(c.peek(), Some(Token::Eq)) {
        c.pos += 1;
        let stop = |t: &Token| {
            matches!(t, Token::Comma)
                || ["OUT", "OUTPUT", "READONLY"].iter().any(|w| is_word(t, w))
                || end(t)
        };
        let (from, to) = c.until(stop);
        if to == from {
            return Err(c.syntax());
        }
        default = Some(c.text_of(from, to).to_string());
    }
    let mut output = false;
    loop {
        if c.eat("OUT") || c.eat("OUTPUT") {
            output = true;
        } else if c.eat("READONLY") {
        } else {
            break;
        }
    }
    Ok(ParamDef {
        name,
        ty,
        default,
        output,
    })
}

/// Whether `sql` holds a CREATE/ALTER PROCEDURE anywhere (where it is not the batch's
/// first statement, it is SQL Server's error 111).
pub fn mentions_definition(sql: &str) -> bool {
    let Some(c) = Cursor::new(sql) else {
        return false;
    };
    let w = |k: usize, text: &str| {
        c.idx
            .get(k)
            .is_some_and(|&i| is_word(&c.tokens[i].token, text))
    };
    let proc_at = |k: usize| w(k, "PROC") || w(k, "PROCEDURE");
    (0..c.idx.len()).any(|k| {
        (w(k, "CREATE")
            && (proc_at(k + 1) || (w(k + 1, "OR") && w(k + 2, "ALTER") && proc_at(k + 3))))
            || (w(k, "ALTER") && proc_at(k + 1))
    })
}

/// `sp_executesql`'s `@params`: a parameter list alone.
pub fn parse_params(text: &str) -> Result<Vec<ParamDef>, SqlError> {
    let Some(mut c) = Cursor::new(text) else {
        return Err(errors::syntax_near(text));
    };
    let list = parameters(&mut c, |_| false)?;
    if !c.done() {
        return Err(c.syntax());
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_parameters_and_body() {
        let d = parse_create(
            "CREATE PROCEDURE dbo.p\n  @a int,\n  @b nvarchar(20) = N'x, y' OUTPUT,\n  @c decimal(10, 2) = -1.5\nAS\nBEGIN\n  SELECT @a\nEND",
        )
        .unwrap()
        .unwrap();
        assert_eq!(d.kind, DefKind::Create);
        assert_eq!(d.name, "dbo.p");
        assert_eq!(d.params.len(), 3);
        assert_eq!(d.params[1].ty, SqlType::NVarChar(Some(20)));
        assert_eq!(d.params[1].default.as_deref(), Some("N'x, y'"));
        assert!(d.params[1].output);
        assert_eq!(d.params[2].default.as_deref(), Some("-1.5"));
        assert!(d.body.starts_with("\n\n\n\n\nBEGIN"));
    }

    #[test]
    fn parenthesized_parameters_and_options() {
        let d = parse_create("create or alter proc [s].[q] (@x bigint OUT) WITH RECOMPILE, EXECUTE AS OWNER AS RETURN @x")
            .unwrap()
            .unwrap();
        assert_eq!(d.kind, DefKind::CreateOrAlter);
        assert_eq!(d.name, "[s].[q]");
        assert!(d.params[0].output);
        assert_eq!(d.body.trim(), "RETURN @x");
        assert!(parse_create("SELECT 1").is_none());
        assert!(parse_create("CREATE TABLE t (a int)").is_none());
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse_create("CREATE PROC p @a int, @A int AS SELECT 1")
                .unwrap()
                .unwrap_err()
                .number,
            134
        );
        assert_eq!(
            parse_create("CREATE PROC p @a nosuchtype AS SELECT 1")
                .unwrap()
                .unwrap_err()
                .number,
            2715
        );
        assert!(parse_create("CREATE PROC p @a int").unwrap().is_err());
        let list = parse_params("@a int, @b varchar(max) OUTPUT").unwrap();
        assert_eq!(list[1].ty, SqlType::VarChar(None));
    }
}
