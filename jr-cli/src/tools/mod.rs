//! Commands of jr's own, beside the spec's groups: `configure` and `auth`.
//! Each is a module with `command()` building its clap command and `run()`
//! reading the matches (STYLE.md, "one file per command").

mod auth;
mod configure;
mod login;
mod profiles;

use crate::args::Globals;
use clap::{ArgMatches, Command};
use jr_core::{Error, output};
use serde_json::Value;
use std::io::Write;

/// One command of jr's own.
pub struct Tool {
    /// The word after `jr`.
    pub name: &'static str,
    /// Builds its clap command (cheap: a handful of flags).
    pub command: fn() -> Command,
    /// Runs it; the result goes to `stdout` as JSON.
    pub run: fn(&ArgMatches, &Globals, &mut dyn Write) -> Result<(), Error>,
}

/// Every command of jr's own.
pub static TOOLS: &[Tool] = &[configure::TOOL, auth::TOOL];

/// The tool named `name`, if `name` is one.
pub fn find(name: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|tool| tool.name == name)
}

/// Reads one environment variable of the process.
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Prints a tool's JSON result in the invocation's style; a closed pipe ends quietly.
fn print(stdout: &mut dyn Write, value: &Value, globals: &Globals) -> Result<(), Error> {
    let bytes = value.to_string().into_bytes();
    match output::write_body(&mut &mut *stdout, &bytes, globals.style).and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::general(format!("cannot write the result: {e}")))
        }
        _ => Ok(()),
    }
}
