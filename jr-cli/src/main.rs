//! The `jr` binary: run, and turn any error into one JSON line on stderr and
//! the exit code of the command-line contract (docs/architecture.md §3).
//!
//! Modules, lowest layer first (a module uses only lower ones; the test
//! module `layers` checks it): `globals`, `keychain`, `body`, `signals`, `table`,
//! `human` → `sink`,
//! `session`, `profiles`, `args` → `exec` → `context` → `entry` → `tree`,
//! `operation` → `commands/*` → `commands` (the registry) → `dispatch` →
//! `main` (with `whole_lines`, which only `main` uses). On Linux with glibc
//! `start` is the C entry point, which calls `run_main`, and `overflow`
//! watches the `--jq` thread's stack. `pow` stands apart: the C math
//! functions, linked in so that `jr` loads no `libm.so.6`.

// On Linux with glibc, the C `main` of module `start` is the entry point
// instead of the standard library's start-up (which reads all of /proc/self/maps).
#![cfg_attr(all(target_os = "linux", target_env = "gnu", not(test)), no_main)]

mod args;
mod body;
mod commands;
mod context;
mod dispatch;
mod entry;
mod exec;
mod globals;
mod help_layout;
mod help_pages;
mod human;
mod keychain;
#[cfg(test)]
mod layers;
mod operation;
mod output_file;
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
mod overflow;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod pow;
mod profiles;
mod progress;
mod session;
mod signals;
mod sink;
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
mod start;
mod suggest;
mod table;
mod tree;
mod whole_lines;

use std::io::{IsTerminal, Write};

/// The Rust entry point where the standard library's start-up runs `jr`
/// (every target but Linux with glibc, and the unit tests' build).
#[cfg(not(all(target_os = "linux", target_env = "gnu", not(test))))]
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(run_main())
}

/// Runs `jr` on the process's arguments and returns the exit code
/// (docs/architecture.md §3); 101 if the `--jq` worker thread panicked.
fn run_main() -> u8 {
    // A shell asking for completions (`COMPLETE=bash jr -- ...`) is answered
    // here, before anything is written; otherwise this returns at once.
    dispatch::complete_if_asked();
    // Arguments that are not UTF-8 are read lossily rather than panicking.
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if !filters(&argv) {
        return run(&argv);
    }
    // jaq parses and evaluates recursively: a filter runs on a thread with
    // room for `--jq`'s documented depth limit (the stack is address space
    // until used). Only then: the thread and its malloc arena cost start-up
    // time that no other command needs. A filter may be busy on one result
    // for long, outside any request: the signal watchdog starts now.
    signals::start_watchdog();
    let worker = std::thread::Builder::new()
        .name("jr".into())
        .stack_size(jr_core::jq::STACK_BYTES)
        .spawn(move || {
            #[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
            watch_for_overflow();
            run(&argv)
        });
    match worker.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        // The thread panicked: its message is on stderr.
        Ok(Err(_)) => 101,
        // Found by a review: this was exit 101 with nothing on stderr.
        Err(error) => report(&jr_core::Error::general(format!(
            "cannot start the thread a --jq filter runs on ({} MiB of stack): {error}",
            jr_core::jq::STACK_BYTES / (1024 * 1024)
        ))),
    }
}

/// Where `start` replaces the standard library's start-up: a stack overflow
/// of the `--jq` thread (jaq's parser, and its built-ins over deep values,
/// recurse once per level) prints jr's error line and exits 1, rather than
/// a silent SIGSEGV (`overflow`).
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
fn watch_for_overflow() {
    let error = jr_core::Error::general(format!(
        "--jq: jr's {} MiB stack ran out (a value the filter built, its input or the expression itself nests too deep: jaq walks every level recursively); jr's jq accepts at most {} levels",
        jr_core::jq::STACK_BYTES / (1024 * 1024),
        jr_core::jq::MAX_DEPTH
    ));
    let mut report = Vec::new();
    if std::io::stderr().is_terminal() {
        let _ = writeln!(report, "{}", human::sentence(&error));
    }
    let _ = writeln!(report, "{}", error.to_json());
    overflow::report_on_this_thread(report, error.exit_code());
}

/// True when the command line may give a jq filter (`--jq EXPR`,
/// `--jq=EXPR`): the only deep recursion jr does. A word that only looks
/// like the flag (a `--body` value) merely costs the thread.
fn filters(argv: &[String]) -> bool {
    argv.iter()
        .skip(1)
        .any(|word| word == "--jq" || word.starts_with("--jq="))
}

fn run(argv: &[String]) -> u8 {
    // On a pipe, only whole lines: a signal may end jr while the reader waits.
    let mut stdout = whole_lines::WholeLines::new(std::io::stdout().lock());
    let mut stderr = std::io::stderr().lock();
    match dispatch::run(argv, &mut stdout, &mut stderr) {
        Ok(()) => 0,
        Err(error) => report(&error),
    }
}

/// Prints `error` as jr's contract says (a sentence first on a terminal,
/// then the JSON line; nothing for a quiet one) and returns its exit code.
fn report(error: &jr_core::Error) -> u8 {
    if !error.is_quiet() {
        let mut stderr = std::io::stderr().lock();
        if stderr.is_terminal() {
            // A person reads this first; scripts parse the JSON line.
            let _ = writeln!(stderr, "{}", human::sentence(error));
        }
        let _ = writeln!(stderr, "{}", error.to_json());
    }
    error.exit_code()
}

#[cfg(test)]
mod tests {
    use super::filters;

    #[test]
    fn only_a_jq_flag_asks_for_the_big_stack() {
        let argv = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert!(filters(&argv(&[
            "jr",
            "--jq",
            ".x",
            "webhook",
            "get-failed"
        ])));
        assert!(filters(&argv(&[
            "jr",
            "webhook",
            "get-failed",
            "--jq=.values"
        ])));
        assert!(!filters(&argv(&["jr", "--version"])));
        assert!(!filters(&argv(&["--jq", "webhook", "get-failed", "--jqx"])));
    }
}
