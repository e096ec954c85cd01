//! RPC calls: `sp_executesql`, the prepared-statement procedures (with `sp_prepexecrpc`, a
//! prepared call of a procedure, as ODBC's `{call p(?)}` sends it), and calls of any other
//! procedure by name (run as `EXEC`). Each call answers, after what its statements send,
//! RETURNSTATUS, a RETURNVALUE per OUTPUT parameter, and DONEPROC.

use std::collections::HashMap;
use std::io::Write;

use tds_protocol::rpc::{Procedure, RpcCall, RpcParam, PARAM_DEFAULT_VALUE};
use tds_protocol::tokens::{DoneKind, DONE_ERROR};
use tsql_engine::{Abort, Param, SqlError, SqlType, Value};

use super::decl::{parse_declarations, Declared};
use super::sink::TokenSink;
use crate::backend::Backend;

/// A statement prepared by `sp_prepare` or `sp_prepexec`.
#[derive(Debug, Clone)]
struct Prepared {
    sql: String,
    declarations: String,
    /// `sp_prepexecrpc`: the procedure the handle calls (`sql` is then unused).
    procedure: Option<String>,
}

/// The prepared statements of one connection, by handle.
#[derive(Debug, Default)]
pub struct PreparedStatements {
    statements: HashMap<i32, Prepared>,
    next_handle: i32,
}

impl PreparedStatements {
    fn add(&mut self, sql: String, declarations: String) -> i32 {
        self.insert(Prepared {
            sql,
            declarations,
            procedure: None,
        })
    }

    fn insert(&mut self, prepared: Prepared) -> i32 {
        self.next_handle += 1;
        self.statements.insert(self.next_handle, prepared);
        self.next_handle
    }

    pub fn clear(&mut self) {
        self.statements.clear();
    }
}

/// An OUTPUT parameter to report: where the call had it, and its final value.
struct Output {
    ordinal: u16,
    name: String,
    ty: SqlType,
    value: Value,
}

/// What a call produced beyond its statements' tokens.
#[derive(Default)]
struct CallResult {
    return_status: i32,
    outputs: Vec<Output>,
}

/// Runs one call of an RPC request and writes its closing tokens. `last` tells whether
/// another call follows in the same request (its DONEPROC then carries DONE_MORE, which
/// the sink works out by itself).
pub fn run_call<B: Backend, W: Write>(
    backend: &B,
    session: &mut B::Session,
    prepared: &mut PreparedStatements,
    call: &RpcCall,
    sink: &mut TokenSink<'_, W>,
) -> Result<(), Abort> {
    sink.set_in_proc(true);
    sink.take_error();
    let result = match call.proc_id.procedure() {
        Procedure::ExecuteSql => execute_sql(backend, session, call, sink),
        Procedure::Prepare => Ok(prepare(prepared, call)),
        Procedure::Execute => execute(backend, session, prepared, call, sink),
        Procedure::PrepExec => prep_exec(backend, session, prepared, call, sink),
        Procedure::Unprepare => Ok(unprepare(prepared, call)),
        Procedure::Cursor(name) if name == "sp_prepexecrpc" => {
            prep_exec_rpc(backend, session, prepared, call, sink)
        }
        Procedure::Cursor(name) => Ok(Err(SqlError::new(
            2812,
            16,
            format!("Could not find stored procedure '{name}'."),
        ))),
        Procedure::Other(name) => exec_procedure(backend, session, &name, &call.params, 0, sink),
    };
    let result = match result? {
        Ok(result) => result,
        Err(error) => {
            sink.send_message(&error, true)?;
            CallResult {
                return_status: if error.class > 10 { -6 } else { 0 },
                outputs: Vec::new(),
            }
        }
    };
    sink.send_return_status(result.return_status)?;
    for out in &result.outputs {
        sink.send_return_value(out.ordinal, &out.name, &out.ty, &out.value)?;
    }
    let status = if sink.take_error() { DONE_ERROR } else { 0 };
    sink.set_in_proc(false);
    sink.send_done(DoneKind::DoneProc, status, 0, 0)
}

/// `Ok(Err(_))`: the call failed with an error for the client; `Err`: the request stops.
type CallOutcome = Result<Result<CallResult, SqlError>, Abort>;

/// sp_executesql @stmt, @params, values...
fn execute_sql<B: Backend, W: Write>(
    backend: &B,
    session: &mut B::Session,
    call: &RpcCall,
    sink: &mut TokenSink<'_, W>,
) -> CallOutcome {
    let params = &call.params;
    let Some(sql) = params.first().and_then(|p| text_of(&p.value)) else {
        return Ok(Err(wrong_type(
            "sp_executesql",
            "@statement",
            "ntext/nchar/nvarchar",
        )));
    };
    let declarations = match params.get(1) {
        None => String::new(),
        Some(p) => match text_of(&p.value) {
            Some(text) => text.to_string(),
            None if p.value.is_null() => String::new(),
            None => {
                return Ok(Err(wrong_type(
                    "sp_executesql",
                    "@params",
                    "ntext/nchar/nvarchar",
                )))
            }
        },
    };
    let values: Vec<(u16, &RpcParam)> = params
        .iter()
        .enumerate()
        .skip(2)
        .map(|(i, p)| (i as u16, p))
        .collect();
    run_bound(backend, session, sql, &declarations, &values, sink)
}

/// sp_prepare @handle OUTPUT, @params, @stmt [, @options]
fn prepare(prepared: &mut PreparedStatements, call: &RpcCall) -> Result<CallResult, SqlError> {
    let (handle_param, declarations, sql) = prepare_args(call, "sp_prepare")?;
    let handle = prepared.add(sql, declarations);
    Ok(CallResult {
        return_status: 0,
        outputs: vec![handle_output(handle_param, handle)],
    })
}

/// sp_execute @handle, values...
fn execute<B: Backend, W: Write>(
    backend: &B,
    session: &mut B::Session,
    prepared: &PreparedStatements,
    call: &RpcCall,
    sink: &mut TokenSink<'_, W>,
) -> CallOutcome {
    let handle = match call.params.first().map(|p| int_of(&p.value)) {
        Some(Some(h)) => h,
        _ => return Ok(Err(wrong_type("sp_execute", "@handle", "int"))),
    };
    let Some(statement) = prepared.statements.get(&handle).cloned() else {
        return Ok(Err(SqlError::new(
            8179,
            16,
            format!("Could not find prepared statement with handle {handle}."),
        )));
    };
    if let Some(name) = &statement.procedure {
        return exec_procedure(backend, session, name, &call.params[1..], 1, sink);
    }
    let values = positional(&call.params, 1);
    run_bound(
        backend,
        session,
        &statement.sql,
        &statement.declarations,
        &values,
        sink,
    )
}

/// sp_prepexec @handle OUTPUT, @params, @stmt, values...
fn prep_exec<B: Backend, W: Write>(
    backend: &B,
    session: &mut B::Session,
    prepared: &mut PreparedStatements,
    call: &RpcCall,
    sink: &mut TokenSink<'_, W>,
) -> CallOutcome {
    let (handle_param, declarations, sql) = match prepare_args(call, "sp_prepexec") {
        Ok(args) => args,
        Err(e) => return Ok(Err(e)),
    };
    let handle = prepared.add(sql.clone(), declarations.clone());
    let values = positional(&call.params, 3);
    let mut result = match run_bound(backend, session, &sql, &declarations, &values, sink)? {
        Ok(result) => result,
        Err(e) => return Ok(Err(e)),
    };
    result
        .outputs
        .insert(0, handle_output(handle_param, handle));
    Ok(Ok(result))
}

/// sp_prepexecrpc @handle OUTPUT, @procedure, values...: a call of `@procedure` with the
/// values, kept under a handle that `sp_execute` calls again.
fn prep_exec_rpc<B: Backend, W: Write>(
    backend: &B,
    session: &mut B::Session,
    prepared: &mut PreparedStatements,
    call: &RpcCall,
    sink: &mut TokenSink<'_, W>,
) -> CallOutcome {
    let (Some(handle_param), Some(name)) = (
        call.params.first(),
        call.params.get(1).and_then(|p| text_of(&p.value)),
    ) else {
        return Ok(Err(wrong_type(
            "sp_prepexecrpc",
            "@procedure",
            "ntext/nchar/nvarchar",
        )));
    };
    let handle = prepared.insert(Prepared {
        sql: String::new(),
        declarations: String::new(),
        procedure: Some(name.to_string()),
    });
    let mut result = match exec_procedure(backend, session, name, &call.params[2..], 2, sink)? {
        Ok(result) => result,
        Err(e) => return Ok(Err(e)),
    };
    result
        .outputs
        .insert(0, handle_output(handle_param, handle));
    Ok(Ok(result))
}

/// sp_unprepare @handle
fn unprepare(prepared: &mut PreparedStatements, call: &RpcCall) -> Result<CallResult, SqlError> {
    match call.params.first().and_then(|p| int_of(&p.value)) {
        Some(handle) => {
            prepared.statements.remove(&handle);
            Ok(CallResult::default())
        }
        None => Err(wrong_type("sp_unprepare", "@handle", "int")),
    }
}

/// Any other procedure: `EXEC @status = name @a = @a, @b = @b OUTPUT, ...`, the values
/// bound as parameters of that statement (positional ones get names of their own).
///
/// `values` are the call's parameters from `offset` on (the ordinals RETURNVALUE tokens
/// carry count from the call's first parameter).
fn exec_procedure<B: Backend, W: Write>(
    backend: &B,
    session: &mut B::Session,
    name: &str,
    values: &[RpcParam],
    offset: u16,
    sink: &mut TokenSink<'_, W>,
) -> CallOutcome {
    const STATUS: &str = "@__rpc_return_status";
    let mut params = vec![Param {
        name: STATUS.to_string(),
        ty: SqlType::Int,
        value: Value::Null,
        output: true,
    }];
    let mut args = Vec::new();
    for (i, p) in values.iter().enumerate() {
        let output = if p.is_output() { " OUTPUT" } else { "" };
        if p.status & PARAM_DEFAULT_VALUE != 0 {
            args.push(if p.name.is_empty() {
                "DEFAULT".to_string()
            } else {
                format!("{} = DEFAULT", p.name)
            });
            continue;
        }
        let var = if p.name.is_empty() {
            format!("@__rpc_p{i}")
        } else {
            p.name.clone()
        };
        args.push(if p.name.is_empty() {
            format!("{var}{output}")
        } else {
            format!("{var} = {var}{output}")
        });
        params.push(Param {
            name: var,
            ty: p.ty,
            value: p.value.clone(),
            output: p.is_output(),
        });
    }
    let sql = format!("EXEC {STATUS} = {name} {}", args.join(", "));
    backend.execute(session, &sql, &mut params, sink)?;
    let return_status = int_of(&params[0].value).unwrap_or(0);
    let mut outputs = Vec::new();
    let mut bound = params.into_iter().skip(1);
    for (i, p) in values.iter().enumerate() {
        if p.status & PARAM_DEFAULT_VALUE != 0 {
            continue;
        }
        let Some(param) = bound.next() else { break };
        if p.is_output() {
            outputs.push(Output {
                ordinal: offset + i as u16,
                name: p.name.clone(),
                ty: param.ty,
                value: param.value,
            });
        }
    }
    Ok(Ok(CallResult {
        return_status,
        outputs,
    }))
}

/// Binds `values` to the declarations, runs `sql`, and collects the OUTPUT values.
fn run_bound<B: Backend, W: Write>(
    backend: &B,
    session: &mut B::Session,
    sql: &str,
    declarations: &str,
    values: &[(u16, &RpcParam)],
    sink: &mut TokenSink<'_, W>,
) -> CallOutcome {
    let declared = match parse_declarations(declarations) {
        Ok(d) => d,
        Err(message) => return Ok(Err(SqlError::new(102, 15, message))),
    };
    let (mut params, outputs) = match bind(&declared, values, sql, declarations) {
        Ok(bound) => bound,
        Err(e) => return Ok(Err(e)),
    };
    backend.execute(session, sql, &mut params, sink)?;
    let outputs = outputs
        .into_iter()
        .map(|(index, ordinal, name)| Output {
            ordinal,
            name,
            ty: params[index].ty,
            value: params[index].value.clone(),
        })
        .collect();
    Ok(Ok(CallResult {
        return_status: 0,
        outputs,
    }))
}

/// The engine's parameters, and for each OUTPUT one (index in them, ordinal in the call,
/// name to report).
type Bound = (Vec<Param>, Vec<(usize, u16, String)>);

/// Matches values to declarations: by name when the value has one, else by position.
/// Declared parameters left without a value are SQL Server's error 8178.
fn bind(
    declared: &[Declared],
    values: &[(u16, &RpcParam)],
    sql: &str,
    declarations: &str,
) -> Result<Bound, SqlError> {
    let mut slots: Vec<Option<(u16, &RpcParam)>> = vec![None; declared.len()];
    for (position, &(ordinal, value)) in values.iter().enumerate() {
        let index = if value.name.is_empty() {
            if position >= declared.len() {
                return Err(SqlError::new(
                    8144,
                    16,
                    "Procedure or function has too many arguments specified.",
                ));
            }
            position
        } else {
            declared
                .iter()
                .position(|d| d.name.eq_ignore_ascii_case(&value.name))
                .ok_or_else(|| {
                    SqlError::new(
                        8145,
                        16,
                        format!("{} is not a parameter for procedure .", value.name),
                    )
                })?
        };
        if value.status & PARAM_DEFAULT_VALUE == 0 {
            slots[index] = Some((ordinal, value));
        }
    }
    let mut params = Vec::with_capacity(declared.len());
    let mut outputs = Vec::new();
    for (decl, slot) in declared.iter().zip(slots) {
        let Some((ordinal, value)) = slot else {
            let query: String = format!("({declarations}){sql}").chars().take(100).collect();
            return Err(SqlError::new(
                8178,
                16,
                format!(
                    "The parameterized query '{query}' expects the parameter '{}', which was not supplied.",
                    decl.name
                ),
            ));
        };
        let output = decl.output && value.is_output();
        if output {
            let name = if value.name.is_empty() {
                decl.name.clone()
            } else {
                value.name.clone()
            };
            outputs.push((params.len(), ordinal, name));
        }
        params.push(Param {
            name: decl.name.clone(),
            ty: decl.ty.unwrap_or(value.ty),
            value: value.value.clone(),
            output,
        });
    }
    Ok((params, outputs))
}

/// sp_prepare's and sp_prepexec's first three arguments: the handle parameter (for its
/// RETURNVALUE), the declarations and the statement.
fn prepare_args<'a>(
    call: &'a RpcCall,
    proc_name: &str,
) -> Result<(&'a RpcParam, String, String), SqlError> {
    let handle = call
        .params
        .first()
        .ok_or_else(|| wrong_type(proc_name, "@handle", "int"))?;
    let declarations = match call.params.get(1).map(|p| &p.value) {
        Some(Value::Null) | None => String::new(),
        Some(v) => text_of(v)
            .ok_or_else(|| wrong_type(proc_name, "@params", "ntext/nchar/nvarchar"))?
            .to_string(),
    };
    let sql = call
        .params
        .get(2)
        .and_then(|p| text_of(&p.value))
        .ok_or_else(|| wrong_type(proc_name, "@stmt", "ntext/nchar/nvarchar"))?
        .to_string();
    Ok((handle, declarations, sql))
}

fn handle_output(param: &RpcParam, handle: i32) -> Output {
    Output {
        ordinal: 0,
        name: param.name.clone(),
        ty: SqlType::Int,
        value: Value::Int(handle),
    }
}

fn positional(params: &[RpcParam], skip: usize) -> Vec<(u16, &RpcParam)> {
    params
        .iter()
        .enumerate()
        .skip(skip)
        .map(|(i, p)| (i as u16, p))
        .collect()
}

fn text_of(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn int_of(value: &Value) -> Option<i32> {
    match value {
        Value::TinyInt(v) => Some(*v as i32),
        Value::SmallInt(v) => Some(*v as i32),
        Value::Int(v) => Some(*v),
        Value::BigInt(v) => i32::try_from(*v).ok(),
        _ => None,
    }
}

/// SQL Server's error 214 for an argument of the wrong type.
fn wrong_type(proc_name: &str, param: &str, ty: &str) -> SqlError {
    SqlError::new(
        214,
        16,
        format!("Procedure {proc_name} expects parameter '{param}' of type '{ty}'."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(name: &str, output: bool, v: Value) -> RpcParam {
        RpcParam {
            name: name.into(),
            status: output as u8,
            ty: SqlType::Int,
            value: v,
        }
    }

    #[test]
    fn binds_by_position_and_by_name() {
        let declared = parse_declarations("@a int, @b bigint OUTPUT").unwrap();
        let a = value("", false, Value::Int(1));
        let b = value("@B", true, Value::Int(2));
        let (params, outputs) = bind(&declared, &[(2, &a), (3, &b)], "q", "d").unwrap();
        assert_eq!(params[0].name, "@a");
        assert_eq!(params[1].ty, SqlType::BigInt);
        assert!(params[1].output);
        assert_eq!(outputs, vec![(1, 3, "@B".to_string())]);
        // By name, out of order.
        let (params, _) = bind(
            &declared,
            &[(2, &b), (3, &value("@a", false, Value::Int(7)))],
            "q",
            "d",
        )
        .unwrap();
        assert_eq!(params[0].value, Value::Int(7));
    }

    #[test]
    fn missing_and_extra_values_are_errors() {
        let declared = parse_declarations("@a int").unwrap();
        let err = bind(&declared, &[], "SELECT @a", "@a int").unwrap_err();
        assert_eq!(err.number, 8178);
        assert!(err.message.contains("'@a'"));
        let v = value("", false, Value::Int(1));
        assert_eq!(
            bind(&declared, &[(2, &v), (3, &v)], "q", "d")
                .unwrap_err()
                .number,
            8144
        );
        let named = value("@zz", false, Value::Int(1));
        assert_eq!(
            bind(&declared, &[(2, &named)], "q", "d")
                .unwrap_err()
                .number,
            8145
        );
    }

    #[test]
    fn output_only_when_declared_and_passed_as_output() {
        let declared = parse_declarations("@a int OUTPUT").unwrap();
        let a = value("", false, Value::Int(1));
        let (params, outputs) = bind(&declared, &[(2, &a)], "q", "d").unwrap();
        assert!(!params[0].output);
        assert!(outputs.is_empty());
    }
}
