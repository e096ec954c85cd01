//! The statement log (`--log-statements`): a line per request once it is answered, with
//! the connection's id (its SPID), how long it took, the first error number it sent, and
//! what it was: the SQL batch's text, or the RPC's procedures with their parameters' names,
//! types and (shortened) values. Logins are logged too, without their password; a
//! federated-authentication token is never logged, and `PASSWORD = '...'` in SQL text is
//! masked, as SQL Server's own traces do.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tds_protocol::rpc::{Procedure, RpcCall, RpcRequest};
use tsql_engine::convert::{to_display, value_src};
use tsql_engine::Value;

/// Characters of a parameter value shown before it is cut.
const VALUE_CHARS: usize = 64;

/// Where log lines go: stderr, or a function (a test reading them).
#[derive(Clone)]
pub struct StatementLog(Arc<dyn Fn(&str) + Send + Sync>);

impl StatementLog {
    /// Lines to stderr.
    pub fn stderr() -> StatementLog {
        StatementLog(Arc::new(|line| eprintln!("{line}")))
    }

    /// Lines to `f`.
    pub fn to(f: impl Fn(&str) + Send + Sync + 'static) -> StatementLog {
        StatementLog(Arc::new(f))
    }

    /// A login that succeeded or failed (never its password).
    pub fn login(&self, spid: u16, user: &str, database: &str, library: &str, error: Option<i32>) {
        let outcome = match error {
            Some(n) => format!("error {n}"),
            None => "ok".to_string(),
        };
        (self.0)(&format!(
            "statement conn={spid} login {outcome}: user '{user}', database '{database}', library '{library}'"
        ));
    }

    /// A request once answered: `what` as [`batch_text`] or [`rpc_text`] wrote it.
    pub fn request(
        &self,
        spid: u16,
        kind: &str,
        elapsed: Duration,
        error: Option<i32>,
        what: &str,
    ) {
        let outcome = match error {
            Some(n) => format!("error {n}"),
            None => "ok".to_string(),
        };
        (self.0)(&format!(
            "statement conn={spid} {kind} {:.3}ms {outcome}: {what}",
            elapsed.as_secs_f64() * 1000.0
        ));
    }
}

impl fmt::Debug for StatementLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StatementLog")
    }
}

/// A batch's text on one line (line breaks shown as `\n`), passwords masked.
pub fn batch_text(sql: &str) -> String {
    one_line(&mask_passwords(sql))
}

/// An RPC's calls: `proc @name type = value, ...`; `;` between calls. The statement and
/// parameter declarations of sp_executesql and the prepare procedures are shown whole.
pub fn rpc_text(request: &RpcRequest) -> String {
    let calls: Vec<String> = request.calls.iter().map(call_text).collect();
    calls.join("; ")
}

fn call_text(call: &RpcCall) -> String {
    // How many leading parameters are SQL text to show whole.
    let whole = match call.proc_id.procedure() {
        Procedure::ExecuteSql => 2,
        Procedure::Prepare | Procedure::PrepExec => 3,
        _ => 0,
    };
    let params: Vec<String> = call
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let name = if p.name.is_empty() {
                "(positional)"
            } else {
                &p.name
            };
            let output = if p.is_output() { " OUTPUT" } else { "" };
            let value = value_text(&p.value, i < whole);
            format!("{name} {}{output} = {value}", p.ty)
        })
        .collect();
    format!("{} {}", call.proc_id.name(), params.join(", "))
}

/// A parameter's value as SQL Server would print it, cut after [`VALUE_CHARS`] characters
/// unless `whole`.
fn value_text(v: &Value, whole: bool) -> String {
    let text = match v {
        Value::Null => return "NULL".to_string(),
        Value::String(s) => format!("N'{}'", s.replace('\'', "''")),
        Value::Bytes(b) => {
            let shown: String = b
                .iter()
                .take(VALUE_CHARS / 2)
                .map(|x| format!("{x:02X}"))
                .collect();
            let more = if b.len() > VALUE_CHARS / 2 { "..." } else { "" };
            return format!("0x{shown}{more} ({} bytes)", b.len());
        }
        other => value_src(other, |src| to_display(src, 121)).unwrap_or_else(|e| e.message),
    };
    let text = if whole { mask_passwords(&text) } else { text };
    let text = one_line(&text);
    let count = text.chars().count();
    if whole || count <= VALUE_CHARS {
        return text;
    }
    let cut: String = text.chars().take(VALUE_CHARS).collect();
    format!("{cut}... ({count} characters)")
}

/// Where a string literal's body ends: its first quote that is not doubled.
fn literal_end(body: &str) -> usize {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'\'', Some(b'\'')) => i += 2,
            (b'\'', _) => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn one_line(s: &str) -> String {
    s.replace('\r', "\\r").replace('\n', "\\n")
}

/// `PASSWORD = '...'` (CREATE/ALTER LOGIN, OPEN SYMMETRIC KEY...) with the literal masked.
fn mask_passwords(sql: &str) -> String {
    let lower = sql.to_ascii_lowercase();
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find("password") {
        let key_end = at + found + "password".len();
        let rest = &sql[key_end..];
        let after_eq = rest.trim_start();
        let Some(after_eq) = after_eq.strip_prefix('=') else {
            out.push_str(&sql[at..key_end]);
            at = key_end;
            continue;
        };
        let value = after_eq.trim_start();
        let Some(body) = value
            .strip_prefix('\'')
            .or_else(|| value.strip_prefix("N'"))
        else {
            out.push_str(&sql[at..key_end]);
            at = key_end;
            continue;
        };
        let body_at = sql.len() - body.len();
        let end = literal_end(body);
        out.push_str(&sql[at..body_at]);
        out.push_str("******");
        at = body_at + end;
    }
    out.push_str(&sql[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tds_protocol::batch::AllHeaders;
    use tds_protocol::rpc::{ProcId, RpcParam};
    use tsql_engine::SqlType;

    #[test]
    fn passwords_in_sql_are_masked() {
        assert_eq!(
            batch_text("CREATE LOGIN x WITH PASSWORD = 'it''s secret', CHECK_POLICY = OFF"),
            "CREATE LOGIN x WITH PASSWORD = '******', CHECK_POLICY = OFF"
        );
        assert_eq!(
            batch_text("ALTER LOGIN x WITH password=N'p'\nGO"),
            "ALTER LOGIN x WITH password=N'******'\\nGO"
        );
        assert_eq!(
            batch_text("SELECT password FROM t"),
            "SELECT password FROM t"
        );
        assert_eq!(batch_text("x PASSWORD = '"), "x PASSWORD = '******");
    }

    #[test]
    fn rpc_calls_show_names_types_and_short_values() {
        let request = RpcRequest {
            headers: AllHeaders::default(),
            calls: vec![RpcCall {
                proc_id: ProcId::Name("sp_executesql".into()),
                option_flags: 0,
                params: vec![
                    RpcParam {
                        name: String::new(),
                        status: 0,
                        ty: SqlType::NVarChar(None),
                        value: Value::String(format!("SELECT {}", "x".repeat(100))),
                    },
                    RpcParam {
                        name: String::new(),
                        status: 0,
                        ty: SqlType::NVarChar(Some(10)),
                        value: Value::String("@P1 int".into()),
                    },
                    RpcParam {
                        name: "@P1".into(),
                        status: 0,
                        ty: SqlType::Int,
                        value: Value::Int(5),
                    },
                    RpcParam {
                        name: "@P2".into(),
                        status: 0,
                        ty: SqlType::NVarChar(None),
                        value: Value::String("y".repeat(100)),
                    },
                ],
            }],
        };
        let text = rpc_text(&request);
        assert!(
            text.starts_with("sp_executesql (positional) nvarchar(max) = N'SELECT xxx"),
            "{text}"
        );
        assert!(
            text.contains(&"x".repeat(100)),
            "the statement is whole: {text}"
        );
        assert!(text.contains("@P1 int = 5"), "{text}");
        assert!(text.contains("(103 characters)"), "{text}");
        assert!(!text.contains(&"y".repeat(70)), "{text}");
    }
}
