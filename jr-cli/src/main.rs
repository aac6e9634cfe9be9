//! The `jr` binary: parse, run, and turn any error into one JSON line on
//! stderr and the exit code of the command-line contract (DESIGN.md §3).

mod args;
mod body;
mod cli;
mod commands;
mod keychain;
mod run;
mod session;
mod tools;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A shell asking for completions (`COMPLETE=bash jr -- ...`) is answered
    // here, before anything is written; otherwise this returns at once.
    commands::completion::complete_if_asked();
    // Arguments that are not UTF-8 are read lossily rather than panicking.
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let (mut stdout, mut stderr) = (std::io::stdout().lock(), std::io::stderr().lock());
    let result = run::parse(&argv).and_then(|parsed| match parsed {
        run::Parsed::Text(text) => {
            let _ = stdout.write_all(text.as_bytes());
            Ok(())
        }
        run::Parsed::Run(raw) => run::run(*raw, &mut stdout, &mut stderr),
        run::Parsed::Tool(tool, matches, globals) => (tool.run)(&matches, &globals, &mut stdout),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(stderr, "{}", error.to_json());
            ExitCode::from(error.exit_code())
        }
    }
}
