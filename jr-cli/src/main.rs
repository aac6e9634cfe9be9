//! The `jr` binary: run, and turn any error into one JSON line on stderr and
//! the exit code of the command-line contract (docs/architecture.md §3).
//!
//! Modules, lowest layer first (a module uses only lower ones; the test
//! module `layers` checks it): `globals`, `keychain`, `body`, `interrupt`,
//! `table`, `human` → `sink`,
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
mod human;
mod interrupt;
mod keychain;
#[cfg(test)]
mod layers;
mod operation;
mod profiles;
mod session;
mod sink;
mod suggest;
mod table;
mod tree;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

/// How long jr's thread has after Ctrl-C to stop on its own (between two
/// `--jq` results, or where a request is waiting) before `main` ends the
/// process with exit 130 anyway (a filter busy on one result, a blocking read).
const GRACE: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    // A shell asking for completions (`COMPLETE=bash jr -- ...`) is answered
    // here, before anything is written; otherwise this returns at once.
    dispatch::complete_if_asked();
    // jaq parses and evaluates recursively: jr works on a thread with room for
    // `--jq`'s documented depth limit (the stack is address space until used).
    let (done, finished) = tokio::sync::oneshot::channel();
    let worker = std::thread::Builder::new()
        .name("jr".into())
        .stack_size(jr_core::jq::STACK_BYTES)
        .spawn(move || {
            let code = run();
            let _ = done.send(());
            code
        });
    let Ok(worker) = worker else {
        return ExitCode::from(101);
    };
    if !watch_for_ctrl_c(finished) {
        let line = format!("{}\n", interrupt::interrupted().to_json());
        let _ = unlocked_stderr().write_all(line.as_bytes());
        return ExitCode::from(130);
    }
    match worker.join() {
        Ok(code) => code,
        // The thread panicked (its message is on stderr).
        Err(_) => ExitCode::from(101),
    }
}

/// Waits for jr's thread to finish; on Ctrl-C raises the interrupt flag and
/// gives the thread [`GRACE`] to stop. False when it did not stop in time.
fn watch_for_ctrl_c(finished: tokio::sync::oneshot::Receiver<()>) -> bool {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        // No watcher: wait for the thread as before.
        return true;
    };
    runtime.block_on(async {
        let mut finished = finished;
        tokio::select! {
            _ = &mut finished => true,
            _ = tokio::signal::ctrl_c() => {
                interrupt::request();
                tokio::time::timeout(GRACE, finished).await.is_ok()
            }
        }
    })
}

/// stderr without its lock, which jr's thread holds for its whole run (a
/// second handle to the same file descriptor).
#[cfg(unix)]
fn unlocked_stderr() -> Box<dyn Write> {
    use std::os::fd::AsFd;
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(std::fs::File::from(fd)),
        Err(_) => Box::new(std::io::sink()),
    }
}

#[cfg(not(unix))]
fn unlocked_stderr() -> Box<dyn Write> {
    Box::new(std::io::sink())
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
            if !error.is_quiet() {
                if std::io::stderr().is_terminal() {
                    // A person reads this first; scripts parse the JSON line.
                    let _ = writeln!(stderr, "{}", human::sentence(&error));
                }
                let _ = writeln!(stderr, "{}", error.to_json());
            }
            ExitCode::from(error.exit_code())
        }
    }
}
