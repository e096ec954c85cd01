//! Running procedures: EXEC of a stored procedure, of `sp_executesql` and of a string, and
//! RETURN. A body is a batch: it is parsed by the batch parser and run by the session's
//! batch runner, with the procedure's parameters as its only variables.

use std::collections::HashMap;

use sqlparser::ast::{Expr, Ident, ReturnStatement, ReturnStatementValue, Statement};
use tds_protocol::types::{SqlError, SqlType, Value};

use super::exec_syntax::{Arg, ArgValue, ExecCall, Target};
use super::header::{self, Definition, ParamDef};
use super::sink::ProcSink;
use crate::ddl_rename::Kind;
use crate::session::{Fail, Res, Session};
use crate::sink::{Abort, ResultSink};
use crate::translate::names::Parts;
use crate::translate::{self, Clustering};

/// SQL Server's limit on nested procedure calls (error 217).
const MAX_NESTING: u32 = 32;

/// A body to run with its parameters.
struct Procedure {
    /// The name errors and messages carry (empty for dynamic SQL).
    name: String,
    params: Vec<ParamDef>,
    body: String,
    /// The database the body runs in (a procedure's own).
    db: Option<String>,
    /// `sp_executesql`: a missing parameter is error 8178, not 201.
    parameterized_query: bool,
}

/// The values bound to a procedure's parameters, and the caller's variables that receive
/// the OUTPUT ones (parameter index, variable).
struct Bound {
    values: Vec<(SqlType, Value)>,
    outputs: Vec<(usize, String)>,
}

fn ident(name: &str) -> Expr {
    Expr::Identifier(Ident::new(name))
}

/// The variable that carries a value from one scope into another.
const CARRY: &str = "@__carry";

impl Session {
    /// A batch that starts with CREATE/ALTER PROCEDURE: the whole batch is the definition.
    pub(crate) fn define_procedure(
        &mut self,
        def: Result<Definition, SqlError>,
        sql: &str,
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort> {
        let r = def.map_err(Fail::from).and_then(|def| {
            // The body must parse now, as SQL Server checks its syntax at CREATE.
            translate::parse_batch(&def.body)?;
            self.atomic(|s| super::catalog::define(s, &def, sql.trim_start()))?;
            self.done(out, None)
        });
        crate::session::finish(out, r)
    }

    /// DROP PROCEDURE [IF EXISTS] a, b...
    pub(crate) fn drop_procedures(
        &mut self,
        stmt: &Statement,
        out: &mut dyn ResultSink,
    ) -> Res<()> {
        let Statement::DropProcedure {
            if_exists,
            proc_desc,
            ..
        } = stmt
        else {
            return Ok(());
        };
        for d in proc_desc {
            let name = d.name.to_string();
            self.atomic(|s| super::catalog::drop(s, &name, *if_exists))?;
        }
        self.done(out, None)
    }

    /// RETURN [status]: ends the procedure (or the batch) with that status.
    pub(crate) fn return_statement(&mut self, r: &ReturnStatement) -> Res<()> {
        let status = match &r.value {
            Some(ReturnStatementValue::Expr(e)) => {
                match self.convert_expr(e, SqlType::Int, "RETURN")? {
                    Value::Int(v) => v,
                    _ => 0,
                }
            }
            None => 0,
        };
        self.returning = Some(status);
        Err(Fail::Stopped)
    }

    /// The EXECUTE placeholder `EXECUTE (n)`: runs the pre-pass's call `n`.
    pub(crate) fn execute_call(
        &mut self,
        stmt: &Statement,
        clustering: &Clustering,
        out: &mut dyn ResultSink,
    ) -> Res<()> {
        let call = match stmt {
            Statement::Execute {
                name: None,
                parameters,
                ..
            } => parameters
                .first()
                .and_then(|p| p.to_string().parse::<usize>().ok())
                .and_then(|n| clustering.execs.get(n).cloned()),
            _ => None,
        };
        let Some(call) = call else {
            return Err(crate::errors::not_supported("EXECUTE").into());
        };
        match &call.target {
            Target::Dynamic(e) => {
                let sql = self.eval_text(e)?;
                let p = Procedure {
                    name: String::new(),
                    params: Vec::new(),
                    body: sql,
                    db: None,
                    parameterized_query: false,
                };
                self.invoke(&p, &call, &[], out)
            }
            Target::Name(name) => self.call_named(name, &call, out),
            Target::Variable(v) => {
                let name = self.eval_text(&ident(v))?;
                self.call_named(&name, &call, out)
            }
        }
    }

    fn call_named(&mut self, name: &str, call: &ExecCall, out: &mut dyn ResultSink) -> Res<()> {
        let parts = Parts::parse(name)?;
        let system = parts
            .schema
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case("sys"));
        if system && parts.name.eq_ignore_ascii_case("sp_executesql") {
            return self.sp_executesql(call, out);
        }
        if system && parts.name.eq_ignore_ascii_case("sp_rename") {
            return self.sp_rename(call, out);
        }
        let Some(stored) = super::catalog::find(self, name)? else {
            return Err(SqlError::new(
                2812,
                16,
                format!("Could not find stored procedure '{}'.", parts.display()),
            )
            .with_state(62)
            .into());
        };
        let def = match header::parse_create(&stored.definition) {
            Some(Ok(def)) => def,
            Some(Err(e)) => return Err(e.into()),
            None => {
                return Err(SqlError::new(
                    2812,
                    16,
                    format!(
                        "The definition of procedure '{}' could not be read.",
                        parts.display()
                    ),
                )
                .into())
            }
        };
        let p = Procedure {
            name: stored.name,
            params: def.params,
            body: def.body,
            db: Some(stored.db),
            parameterized_query: false,
        };
        self.invoke(&p, call, &call.args, out)
    }

    /// `EXEC sp_executesql @stmt [, @params [, values...]]`.
    fn sp_executesql(&mut self, call: &ExecCall, out: &mut dyn ResultSink) -> Res<()> {
        let text = |s: &mut Session, a: Option<&Arg>| -> Res<Option<String>> {
            match a.map(|a| &a.value) {
                Some(ArgValue::Expr(e)) => Ok(Some(s.eval_text(e)?)),
                _ => Ok(None),
            }
        };
        let Some(body) = text(self, call.args.first())? else {
            return Err(SqlError::new(
                201,
                16,
                "Procedure or function 'sp_executesql' expects parameter '@statement', which was not supplied.",
            )
            .into());
        };
        let declarations = text(self, call.args.get(1))?.unwrap_or_default();
        let p = Procedure {
            name: String::new(),
            params: header::parse_params(&declarations)?,
            body,
            db: None,
            parameterized_query: true,
        };
        let args = call.args.get(2..).unwrap_or(&[]);
        let mut r = self.invoke(&p, call, args, out);
        if let Err(Fail::Sql(e)) = &mut r {
            if e.number == 8178 {
                let query: String = format!("({declarations}){}", p.body)
                    .chars()
                    .take(100)
                    .collect();
                e.message = e.message.replace("{query}", &query);
            }
        }
        r
    }

    /// `EXEC sp_rename @objname, @newname [, @objtype]` (a table or a column).
    fn sp_rename(&mut self, call: &ExecCall, out: &mut dyn ResultSink) -> Res<()> {
        const NAMES: [&str; 3] = ["@objname", "@newname", "@objtype"];
        let mut given: [Option<String>; 3] = [None, None, None];
        for (position, a) in call.args.iter().enumerate() {
            let index = match &a.name {
                Some(n) => NAMES
                    .iter()
                    .position(|p| p.eq_ignore_ascii_case(n))
                    .ok_or_else(|| {
                        SqlError::new(
                            8145,
                            16,
                            format!("{n} is not a parameter for procedure sp_rename."),
                        )
                    })?,
                None if position < 3 => position,
                None => {
                    return Err(SqlError::new(
                        8144,
                        16,
                        "Procedure or function sp_rename has too many arguments specified.",
                    )
                    .into())
                }
            };
            if let ArgValue::Expr(e) = &a.value {
                given[index] = Some(self.eval_text(e)?);
            }
        }
        let [objname, newname, objtype] = given;
        let missing = |n: &str| -> Fail {
            SqlError::new(
                201,
                16,
                format!("Procedure or function 'sp_rename' expects parameter '{n}', which was not supplied."),
            )
            .into()
        };
        let objname = objname.ok_or_else(|| missing("@objname"))?;
        let newname = newname.ok_or_else(|| missing("@newname"))?;
        let kind = match objtype.as_deref().map(str::trim) {
            None => Kind::Object,
            Some(t) if t.eq_ignore_ascii_case("OBJECT") => Kind::Object,
            Some(t) if t.eq_ignore_ascii_case("COLUMN") => Kind::Column,
            Some(t) => {
                return Err(
                    crate::errors::not_supported(&format!("sp_rename @objtype = '{t}'")).into(),
                )
            }
        };
        crate::ddl_rename::sp_rename(self, &objname, &newname, kind)?;
        let mut caution = SqlError::new(
            15477,
            10,
            "Caution: Changing any part of an object name could break scripts and stored procedures.",
        );
        caution.procedure = "sp_rename".into();
        out.message(&caution, false)?;
        if let Some(var) = &call.status {
            self.carry(var, (SqlType::Int, Value::Int(0)))?;
        }
        if self.nesting == 0 {
            out.procedure_end(0)?;
        }
        Ok(())
    }

    /// Binds the arguments, runs the body in a scope of its own, hands back the OUTPUT
    /// parameters and the return status.
    fn invoke(
        &mut self,
        p: &Procedure,
        call: &ExecCall,
        args: &[Arg],
        out: &mut dyn ResultSink,
    ) -> Res<()> {
        let bound = self.bind_arguments(p, args)?;
        if self.nesting >= MAX_NESTING {
            return Err(SqlError::new(217, 16, format!("Maximum stored procedure, function, trigger, or view nesting level exceeded (limit {MAX_NESTING}).")).into());
        }
        let scope: HashMap<String, (SqlType, Value)> = p
            .params
            .iter()
            .zip(bound.values)
            .map(|(d, v)| (d.name.to_ascii_lowercase(), v))
            .collect();
        let caller_vars = std::mem::replace(&mut self.vars, scope);
        let caller_db = p.db.clone().map(|db| std::mem::replace(&mut self.db, db));
        // SET NOCOUNT / XACT_ABORT in a body last until its end, as in SQL Server.
        let caller_options = (self.nocount, self.xact_abort);
        self.nesting += 1;
        let mut sink = ProcSink {
            inner: &mut *out,
            name: &p.name,
            error_class: None,
        };
        let result = self.run_body(&p.body, &mut sink);
        let error_class = sink.error_class;
        self.nesting -= 1;
        if let Some(db) = caller_db {
            // A body's USE does not outlive it.
            self.db = db;
        }
        (self.nocount, self.xact_abort) = caller_options;
        let callee_vars = std::mem::replace(&mut self.vars, caller_vars);
        let returned = self.returning.take();
        match result {
            Ok(()) => {}
            Err(Fail::Sql(mut e)) => {
                if e.procedure.is_empty() {
                    e.procedure = p.name.clone();
                }
                return Err(e.into());
            }
            Err(f) => return Err(f),
        }
        for (i, var) in &bound.outputs {
            if let Some(v) = callee_vars.get(&p.params[*i].name.to_ascii_lowercase()) {
                self.carry(var, v.clone())?;
            }
        }
        let status = returned.unwrap_or_else(|| error_class.map_or(0, |c| 10 - c as i32));
        if let Some(var) = &call.status {
            self.carry(var, (SqlType::Int, Value::Int(status)))?;
        }
        if self.nesting == 0 && !p.name.is_empty() {
            out.procedure_end(status)?;
        }
        Ok(())
    }

    /// Assigns `value` to the caller's variable `var`, converted to its type.
    fn carry(&mut self, var: &str, value: (SqlType, Value)) -> Res<()> {
        self.vars.insert(CARRY.into(), value);
        let r = self.assign(var, &ident(CARRY));
        self.vars.remove(CARRY);
        r
    }

    /// Runs a body: `Ok` when it ran to its end or to a RETURN (whose status is left in
    /// `returning`). Inside a caller's TRY block the first error is returned unreported,
    /// for the caller's CATCH block, as SQL Server hands it there.
    fn run_body(&mut self, sql: &str, out: &mut dyn ResultSink) -> Res<()> {
        let batch = translate::parse_batch(sql)?;
        let mut clustering = batch.clustering;
        let lines = batch.statements.iter().map(|(s, l)| (s, *l));
        match self.run_block(lines, &mut clustering, out) {
            Err(Fail::Stopped) if self.returning.is_some() => Ok(()),
            r => r,
        }
    }

    /// Matches arguments to parameters (by position, then by name), converts each value
    /// to its parameter's type in the caller's scope, and fills in defaults.
    fn bind_arguments(&mut self, p: &Procedure, args: &[Arg]) -> Res<Bound> {
        let shown = if p.name.is_empty() {
            "sp_executesql"
        } else {
            &p.name
        };
        let mut values: Vec<Option<(SqlType, Value)>> = vec![None; p.params.len()];
        let mut outputs = Vec::new();
        let mut named = false;
        for (position, a) in args.iter().enumerate() {
            let index = match &a.name {
                Some(n) => {
                    named = true;
                    p.params
                        .iter()
                        .position(|d| d.name.eq_ignore_ascii_case(n))
                        .ok_or_else(|| {
                            SqlError::new(
                                8145,
                                16,
                                format!("{n} is not a parameter for procedure {shown}."),
                            )
                        })?
                }
                None if named => {
                    return Err(SqlError::new(119, 15, format!("Must pass parameter number {} and subsequent parameters as '@name = value'. After the form '@name = value' has been used, all subsequent parameters must be passed in the form '@name = value'.", position + 1)).into());
                }
                None if position >= p.params.len() => {
                    return Err(SqlError::new(
                        8144,
                        16,
                        format!("Procedure or function {shown} has too many arguments specified."),
                    )
                    .into());
                }
                None => position,
            };
            let d = &p.params[index];
            let ArgValue::Expr(e) = &a.value else {
                continue;
            };
            if a.output {
                let var = match e.as_ref() {
                    Expr::Identifier(i) if i.value.starts_with('@') => i.value.clone(),
                    _ => return Err(SqlError::new(179, 15, "Cannot use the OUTPUT option when passing a constant to a stored procedure.").into()),
                };
                if !d.output {
                    return Err(SqlError::new(8162, 16, format!("The formal parameter \"{}\" was not declared as an OUTPUT parameter, but the actual parameter passed in requested output.", d.name)).into());
                }
                outputs.push((index, var));
            }
            values[index] = Some((d.ty, self.convert_expr(e, d.ty, &d.name)?));
        }
        let mut bound = Vec::with_capacity(values.len());
        for (d, v) in p.params.iter().zip(values) {
            let v = match (v, &d.default) {
                (Some(v), _) => v,
                (None, Some(default)) => {
                    let e = sqlparser::parser::Parser::new(&sqlparser::dialect::MsSqlDialect {})
                        .try_with_sql(default)
                        .and_then(|mut parser| parser.parse_expr())
                        .map_err(|_| crate::errors::syntax_near(default))?;
                    (d.ty, self.convert_expr(&e, d.ty, &d.name)?)
                }
                (None, None) if p.parameterized_query => {
                    return Err(SqlError::new(8178, 16, format!("The parameterized query '{{query}}' expects the parameter '{}', which was not supplied.", d.name)).into());
                }
                (None, None) => {
                    return Err(SqlError::new(201, 16, format!("Procedure or function '{shown}' expects parameter '{}', which was not supplied.", d.name)).with_state(4).into());
                }
            };
            bound.push(v);
        }
        Ok(Bound {
            values: bound,
            outputs,
        })
    }
}
