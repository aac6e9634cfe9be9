//! The `jr` binary: run, and turn any error into one JSON line on stderr and
//! the exit code of the command-line contract (docs/architecture.md §3).
//!
//! Modules, lowest layer first (a module uses only lower ones; the test
//! module `layers` checks it): `globals`, `keychain`, `body`, `signals` → `sink`,
//! `session`, `profiles`, `args` → `exec` → `context` → `entry` → `tree`,
//! `operation` → `commands/*` → `commands` (the registry) → `dispatch` →
//! `main`.

mod args;
mod body;
mod commands;
mod context;
mod dispatch;
mod entry;
mod exec;
mod globals;
mod keychain;
#[cfg(test)]
mod layers;
mod operation;
mod profiles;
mod session;
mod signals;
mod sink;
mod tree;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A shell asking for completions (`COMPLETE=bash jr -- ...`) is answered
    // here, before anything is written; otherwise this returns at once.
    dispatch::complete_if_asked();
    // jaq parses and evaluates recursively: jr works on a thread with room for
    // `--jq`'s documented depth limit (the stack is address space until used).
    let worker = std::thread::Builder::new()
        .name("jr".into())
        .stack_size(jr_core::jq::STACK_BYTES)
        .spawn(run);
    match worker.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        // The thread could not start, or panicked (its message is on stderr).
        Ok(Err(_)) | Err(_) => ExitCode::from(101),
    }
}

fn run() -> ExitCode {
    // Arguments that are not UTF-8 are read lossily rather than panicking.
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let (mut stdout, mut stderr) = (std::io::stdout().lock(), std::io::stderr().lock());
    match dispatch::run(&argv, &mut stdout, &mut stderr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(stderr, "{}", error.to_json());
            ExitCode::from(error.exit_code())
        }
    }
}
