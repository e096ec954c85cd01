//! Syntax errors as SQL Server reports them: 102 "Incorrect syntax near 'x'.", 156 near one
//! of T-SQL's reserved keywords (Microsoft's "Reserved Keywords (Transact-SQL)"), 191 for
//! nesting too deep; and 40510 "Statement '...' is not supported in this version of SQL
//! Server." (Azure SQL Database's answer) for statements SQL Server runs and the emulator
//! does not parse (DBCC, BACKUP...), rather than calling them syntax errors.

use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::ParserError;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};
use tds_protocol::types::SqlError;

use crate::errors;

const RESERVED: &[&str] = &[
    "ADD",
    "ALL",
    "ALTER",
    "AND",
    "ANY",
    "AS",
    "ASC",
    "AUTHORIZATION",
    "BACKUP",
    "BEGIN",
    "BETWEEN",
    "BREAK",
    "BROWSE",
    "BULK",
    "BY",
    "CASCADE",
    "CASE",
    "CHECK",
    "CHECKPOINT",
    "CLOSE",
    "CLUSTERED",
    "COALESCE",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "COMPUTE",
    "CONSTRAINT",
    "CONTAINS",
    "CONTAINSTABLE",
    "CONTINUE",
    "CONVERT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "CURSOR",
    "DATABASE",
    "DBCC",
    "DEALLOCATE",
    "DECLARE",
    "DEFAULT",
    "DELETE",
    "DENY",
    "DESC",
    "DISK",
    "DISTINCT",
    "DISTRIBUTED",
    "DOUBLE",
    "DROP",
    "DUMP",
    "ELSE",
    "END",
    "ERRLVL",
    "ESCAPE",
    "EXCEPT",
    "EXEC",
    "EXECUTE",
    "EXISTS",
    "EXIT",
    "EXTERNAL",
    "FETCH",
    "FILE",
    "FILLFACTOR",
    "FOR",
    "FOREIGN",
    "FREETEXT",
    "FREETEXTTABLE",
    "FROM",
    "FULL",
    "FUNCTION",
    "GOTO",
    "GRANT",
    "GROUP",
    "HAVING",
    "HOLDLOCK",
    "IDENTITY",
    "IDENTITY_INSERT",
    "IDENTITYCOL",
    "IF",
    "IN",
    "INDEX",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "JOIN",
    "KEY",
    "KILL",
    "LEFT",
    "LIKE",
    "LINENO",
    "LOAD",
    "MERGE",
    "NATIONAL",
    "NOCHECK",
    "NONCLUSTERED",
    "NOT",
    "NULL",
    "NULLIF",
    "OF",
    "OFF",
    "OFFSETS",
    "ON",
    "OPEN",
    "OPENDATASOURCE",
    "OPENQUERY",
    "OPENROWSET",
    "OPENXML",
    "OPTION",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "PERCENT",
    "PIVOT",
    "PLAN",
    "PRECISION",
    "PRIMARY",
    "PRINT",
    "PROC",
    "PROCEDURE",
    "PUBLIC",
    "RAISERROR",
    "READ",
    "READTEXT",
    "RECONFIGURE",
    "REFERENCES",
    "REPLICATION",
    "RESTORE",
    "RESTRICT",
    "RETURN",
    "REVERT",
    "REVOKE",
    "RIGHT",
    "ROLLBACK",
    "ROWCOUNT",
    "ROWGUIDCOL",
    "RULE",
    "SAVE",
    "SCHEMA",
    "SECURITYAUDIT",
    "SELECT",
    "SEMANTICKEYPHRASETABLE",
    "SEMANTICSIMILARITYDETAILSTABLE",
    "SEMANTICSIMILARITYTABLE",
    "SESSION_USER",
    "SET",
    "SETUSER",
    "SHUTDOWN",
    "SOME",
    "STATISTICS",
    "SYSTEM_USER",
    "TABLE",
    "TABLESAMPLE",
    "TEXTSIZE",
    "THEN",
    "TO",
    "TOP",
    "TRAN",
    "TRANSACTION",
    "TRIGGER",
    "TRUNCATE",
    "TRY_CONVERT",
    "TSEQUAL",
    "UNION",
    "UNIQUE",
    "UNPIVOT",
    "UPDATE",
    "UPDATETEXT",
    "USE",
    "USER",
    "VALUES",
    "VARYING",
    "VIEW",
    "WAITFOR",
    "WHEN",
    "WHERE",
    "WHILE",
    "WITH",
    "WRITETEXT",
];

/// Statements SQL Server runs that the emulator does not: by their first word.
const UNSUPPORTED_STATEMENTS: &[&str] = &[
    "BACKUP",
    "CHECKPOINT",
    "DBCC",
    "DUMP",
    "LOAD",
    "READTEXT",
    "RECONFIGURE",
    "RESTORE",
    "SETUSER",
    "SHUTDOWN",
    "UPDATETEXT",
    "WRITETEXT",
];

/// Objects of CREATE, ALTER and DROP that the emulator does not have.
const UNSUPPORTED_OBJECTS: &[&str] = &[
    "AGGREGATE",
    "APPLICATION",
    "ASSEMBLY",
    "ASYMMETRIC",
    "AVAILABILITY",
    "BROKER",
    "CERTIFICATE",
    "COLUMNSTORE",
    "CONTRACT",
    "CREDENTIAL",
    "CRYPTOGRAPHIC",
    "ENDPOINT",
    "EVENT",
    "EXTERNAL",
    "FULLTEXT",
    "MASTER",
    "MESSAGE",
    "PARTITION",
    "QUEUE",
    "REMOTE",
    "RESOURCE",
    "ROUTE",
    "RULE",
    "SEARCH",
    "SECURITY",
    "SERVER",
    "SERVICE",
    "SPATIAL",
    "STATISTICS",
    "SYMMETRIC",
    "WORKLOAD",
    "XML",
];

/// Reserved keywords that may follow FROM: rowset functions, and REVOKE's principal.
const AFTER_FROM: &[&str] = &[
    "PUBLIC",
    "CONTAINSTABLE",
    "FREETEXTTABLE",
    "OPENDATASOURCE",
    "OPENQUERY",
    "OPENROWSET",
    "OPENXML",
    "SEMANTICKEYPHRASETABLE",
    "SEMANTICSIMILARITYDETAILSTABLE",
    "SEMANTICSIMILARITYTABLE",
];

fn is_one_of(list: &[&str], word: &str) -> bool {
    list.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// Whether `word` (unquoted) is a reserved keyword.
pub fn is_reserved(word: &str) -> bool {
    is_one_of(RESERVED, word)
}

/// An unquoted word's text.
fn word(t: &Token) -> Option<&str> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(&w.value),
        _ => None,
    }
}

/// A reserved keyword where a table name must be (`SELECT * FROM WHERE`), which sqlparser
/// would take for a table's name.
pub fn misplaced_keyword(tokens: &[TokenWithSpan]) -> Option<SqlError> {
    let words: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let w = |i: usize| words.get(i).and_then(|t| word(&t.token));
    for (i, t) in words.iter().enumerate().skip(1) {
        let before = w(i - 1).unwrap_or("");
        // `IS [NOT] DISTINCT FROM NULL` compares values.
        let distinct = i >= 2 && w(i - 2).is_some_and(|x| x.eq_ignore_ascii_case("DISTINCT"));
        let source = (before.eq_ignore_ascii_case("FROM") && !distinct)
            || before.eq_ignore_ascii_case("JOIN");
        if let (true, Some(w)) = (source, word(&t.token)) {
            if is_reserved(w) && !is_one_of(AFTER_FROM, w) {
                let mut err = errors::syntax_near_keyword(w);
                err.line = t.span.start.line.max(1) as u32;
                return Some(err);
            }
        }
    }
    None
}

/// The error SQL Server reports where sqlparser failed on `sql`.
pub fn syntax_error(sql: &str, e: &ParserError) -> SqlError {
    if matches!(e, ParserError::RecursionLimitExceeded) {
        return SqlError::new(
            191,
            15,
            "Some part of your SQL statement is nested too deeply. Rewrite the query or break it up into smaller queries.",
        );
    }
    let tokens: Vec<TokenWithSpan> = Tokenizer::new(&MsSqlDialect {}, sql)
        .tokenize_with_location()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .collect();
    let (line, column) = location(e);
    // The token the parser stopped at; the batch's last when it ran out of tokens.
    let at = tokens
        .iter()
        .position(|t| (t.span.start.line, t.span.start.column) == (line, column))
        .or_else(|| tokens.len().checked_sub(1));
    let Some(at) = at else {
        return errors::syntax_near("");
    };
    let this = &tokens[at];
    let mut err = match unsupported_statement(&tokens, at) {
        Some(statement) => SqlError::new(
            40510,
            16,
            format!("Statement '{statement}' is not supported in this version of SQL Server."),
        ),
        None => match word(&this.token) {
            Some(w) if is_reserved(w) => errors::syntax_near_keyword(w),
            _ => errors::syntax_near(this.token.to_string().trim_matches('\'')),
        },
    };
    err.line = this.span.start.line.max(1) as u32;
    err
}

/// `DBCC`, `BACKUP DATABASE`, `CREATE FULLTEXT`...: a statement of SQL Server's the emulator
/// does not run, when the parser stopped at its first or second word.
fn unsupported_statement(tokens: &[TokenWithSpan], at: usize) -> Option<String> {
    let w = |i: usize| tokens.get(i).and_then(|t| word(&t.token));
    let first = w(at)?;
    if is_one_of(UNSUPPORTED_STATEMENTS, first) {
        return Some(match w(at + 1) {
            Some(next)
                if first.eq_ignore_ascii_case("BACKUP")
                    || first.eq_ignore_ascii_case("RESTORE") =>
            {
                format!(
                    "{} {}",
                    first.to_ascii_uppercase(),
                    next.to_ascii_uppercase()
                )
            }
            _ => first.to_ascii_uppercase(),
        });
    }
    let verb = w(at.checked_sub(1)?)?;
    let is_ddl = ["CREATE", "ALTER", "DROP"]
        .iter()
        .any(|v| v.eq_ignore_ascii_case(verb));
    (is_ddl && is_one_of(UNSUPPORTED_OBJECTS, first)).then(|| {
        format!(
            "{} {}",
            verb.to_ascii_uppercase(),
            first.to_ascii_uppercase()
        )
    })
}

/// Where sqlparser says it failed (`... at Line: 1, Column: 15`); (0, 0) if it does not say.
fn location(e: &ParserError) -> (u64, u64) {
    let msg = e.to_string();
    let number = |key: &str| -> u64 {
        msg.rsplit(key)
            .next()
            .filter(|_| msg.contains(key))
            .and_then(|s| {
                s.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
                    .parse()
                    .ok()
            })
            .unwrap_or(0)
    };
    (number("Line: "), number("Column: "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_names() {
        assert!(is_reserved("where"));
        assert!(is_reserved("EXECUTE"));
        assert!(!is_reserved("name"));
        assert!(!is_reserved("[where]"));
    }

    fn tokens(sql: &str) -> Vec<TokenWithSpan> {
        Tokenizer::new(&MsSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap()
    }

    #[test]
    fn keyword_for_a_table_name() {
        let e = misplaced_keyword(&tokens("SELECT *\nFROM where")).unwrap();
        assert_eq!(
            (e.number, e.message.as_str(), e.line),
            (156, "Incorrect syntax near the keyword 'where'.", 2)
        );
        assert!(misplaced_keyword(&tokens(
            "SELECT * FROM [where] JOIN OPENJSON(@j) x ON 1 = 1"
        ))
        .is_none());
        assert!(misplaced_keyword(&tokens("SELECT 1 WHERE a IS DISTINCT FROM NULL")).is_none());
        assert!(misplaced_keyword(&tokens("REVOKE SELECT ON t FROM public")).is_none());
    }

    #[test]
    fn errors_where_the_parser_stops() {
        let at = |sql: &str| {
            let stmts = sqlparser::parser::Parser::parse_sql(&MsSqlDialect {}, sql);
            let e = syntax_error(sql, &stmts.unwrap_err());
            (e.number, e.message)
        };
        assert_eq!(
            at("SELECT * FROM t WHERE (id = 1"),
            (102, "Incorrect syntax near '1'.".into())
        );
        assert_eq!(
            at("DBCC CHECKDB"),
            (
                40510,
                "Statement 'DBCC' is not supported in this version of SQL Server.".into()
            )
        );
        assert_eq!(
            at("BACKUP DATABASE d TO DISK = 'x'").1,
            "Statement 'BACKUP DATABASE' is not supported in this version of SQL Server."
        );
        assert_eq!(
            at("CREATE FULLTEXT CATALOG c").1,
            "Statement 'CREATE FULLTEXT' is not supported in this version of SQL Server."
        );
        assert_eq!(
            at("SELECT 1 +* 2"),
            (102, "Incorrect syntax near '*'.".into())
        );
    }
}
