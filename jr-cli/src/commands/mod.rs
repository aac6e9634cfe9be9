//! Hand-written additions to generated commands: helper flags that build the
//! request body, examples, and checks of the answer. Each is an entry of
//! [`EXTENSIONS`], found by operationId, so no code branches on command names.

pub mod completion;
pub mod man;
pub mod raw;
pub mod reference;
pub mod schema;
mod webhook;

use crate::args::BodySource;
use clap::{Arg, ArgMatches, Command};
use jr_core::ops::Operation;
use jr_core::{Error, output};
use std::io::IsTerminal;

/// The hand-written commands beside the groups (`jr schema`, ...).
pub fn builtins() -> Vec<Command> {
    vec![
        completion::command(),
        raw::command(),
        schema::command(),
        man::command(),
        reference::command(),
    ]
}

/// Names of the hand-written commands; no group of the table may take one
/// (checked by a test).
#[cfg(test)]
pub const BUILTIN_NAMES: &[&str] = &[
    completion::NAME,
    raw::NAME,
    schema::NAME,
    man::NAME,
    reference::NAME,
];

/// Runs a hand-written command that only prints (no request), giving its
/// stdout text; `None` when the matches are for an operation.
///
/// Errors: those of the command (exit 4 for unknown names).
pub fn run_builtin(matches: &ArgMatches) -> Result<Option<String>, Error> {
    let Some((name, sub)) = matches.subcommand() else {
        return Ok(None);
    };
    let value = match name {
        schema::NAME => schema::run(sub)?,
        man::NAME => man::run(sub)?,
        reference::NAME => reference::run(sub)?,
        completion::NAME => return completion::run(sub).map(Some),
        _ => return Ok(None),
    };
    let pretty =
        sub.get_flag("pretty") || (!sub.get_flag("compact") && std::io::stdout().is_terminal());
    let style = if pretty {
        output::Style::Pretty
    } else {
        output::Style::Compact
    };
    let mut out = Vec::new();
    output::write_body(&mut out, value.to_string().as_bytes(), style)
        .map_err(|e| Error::general(format!("cannot render the result: {e}")))?;
    Ok(Some(String::from_utf8_lossy(&out).into_owned()))
}

/// What a hand-written module adds to one generated operation.
pub struct Extension {
    /// The spec's operationId this applies to.
    pub operation_id: &'static str,
    /// A runnable example invocation for `--help`.
    pub example: &'static str,
    /// Extra flags (shown under "Helper options").
    pub args: fn() -> Vec<Arg>,
    /// Builds the body from the helper flags (stage 1: no I/O); `None` when none were given.
    pub body: fn(&ArgMatches) -> Result<Option<BodySource>, Error>,
    /// Inspects a successful answer: an error to report after printing it (exit code),
    /// and diagnostics for stderr.
    pub check: fn(&[u8]) -> Checked,
    /// Adds a hint to an error that this operation is known to cause.
    pub explain: fn(Error) -> Error,
}

/// What [`Extension::check`] found in a successful answer.
#[derive(Default)]
pub struct Checked {
    /// Printed on stderr after the result, and decides the exit code.
    pub error: Option<Error>,
    /// JSON lines for stderr, e.g. `{"warning": ...}`.
    pub warnings: Vec<serde_json::Value>,
}

static EXTENSIONS: &[Extension] = &[
    webhook::REGISTER,
    webhook::LIST,
    webhook::FAILED,
    webhook::REFRESH,
    webhook::DELETE,
];

fn extension(op: &Operation) -> Option<&'static Extension> {
    EXTENSIONS
        .iter()
        .find(|e| e.operation_id == op.operation_id)
}

/// Adds the operation's helper flags, if it has any.
pub fn augment(op: &Operation, command: Command) -> Command {
    match extension(op) {
        Some(ext) => {
            let conflicts = op.body.is_some();
            command.args((ext.args)().into_iter().map(|arg| {
                let arg = arg.help_heading("Helper options");
                if conflicts {
                    arg.conflicts_with("body")
                } else {
                    arg
                }
            }))
        }
        None => command,
    }
}

/// The operation's example invocation, if one is written.
pub fn example(op: &Operation) -> Option<&'static str> {
    extension(op).map(|e| e.example)
}

/// The body built from helper flags, if the operation has them and they were given.
pub fn body_from_flags(op: &Operation, matches: &ArgMatches) -> Result<Option<BodySource>, Error> {
    match extension(op) {
        Some(ext) => (ext.body)(matches),
        None => Ok(None),
    }
}

/// Checks a successful answer (see [`Extension::check`]).
pub fn check(op: &Operation, body: &[u8]) -> Checked {
    extension(op).map(|e| (e.check)(body)).unwrap_or_default()
}

/// Adds the operation's hints to an error.
pub fn explain(op: &Operation, error: Error) -> Error {
    match extension(op) {
        Some(ext) => (ext.explain)(error),
        None => error,
    }
}

/// Helper-flag values: repeatable and comma-separated both.
pub fn list_values(matches: &ArgMatches, name: &str) -> Vec<String> {
    matches
        .get_many::<String>(name)
        .map(|values| {
            values
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
