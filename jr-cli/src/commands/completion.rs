//! `jr completion bash|zsh|fish|powershell|elvish`: prints the shell snippet
//! that registers `jr`'s dynamic completion (clap_complete's `CompleteEnv`).
//!
//! The snippet is a few lines that call `jr` back at TAB time with
//! `COMPLETE=<shell>`; [`complete_if_asked`] answers those calls from the
//! lazily built tree (only the group being typed is built). A static script
//! for ~620 commands would be about 2 MB and slow every shell start
//! (DESIGN.md §6).

use crate::cli;
use clap::{Arg, ArgMatches, Command};
use clap_complete::env::{CompleteEnv, Shells};
use jr_core::Error;

/// The name of the command; no group of the table may take it.
pub const NAME: &str = "completion";

/// The environment variable the registered snippet sets when calling back.
const VAR: &str = "COMPLETE";

/// `jr completion SHELL`.
pub fn command() -> Command {
    Command::new(NAME)
        .about("Print the shell snippet that enables TAB completion of groups, commands and flags")
        .arg(
            Arg::new("shell")
                .value_name("SHELL")
                .required(true)
                .value_parser(Shells::builtins().names().collect::<Vec<_>>()),
        )
        .after_help(
            "Example:\n  echo 'source <(jr completion bash)' >> ~/.bashrc\n  \
             jr completion fish > ~/.config/fish/completions/jr.fish",
        )
}

/// The registration snippet for the chosen shell.
pub fn run(matches: &ArgMatches) -> Result<String, Error> {
    let shell = matches
        .get_one::<String>("shell")
        .map_or("bash", String::as_str);
    let shells = Shells::builtins();
    let completer = shells
        .completer(shell)
        .ok_or_else(|| Error::validation(format!("no completion for shell `{shell}`")))?;
    let mut out = Vec::new();
    completer
        .write_registration(VAR, "jr", "jr", &completer_path(), &mut out)
        .map_err(|e| Error::general(format!("cannot write the completion snippet: {e}")))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// How the snippet calls `jr` back: as it was called now, made absolute
/// when it was a relative path with a directory (as clap_complete does).
fn completer_path() -> String {
    let invoked = std::env::args().next().unwrap_or_else(|| "jr".into());
    let path = std::path::Path::new(&invoked);
    match std::env::current_dir() {
        Ok(dir) if path.components().count() > 1 && path.is_relative() => {
            dir.join(path).to_string_lossy().into_owned()
        }
        _ => invoked,
    }
}

/// Answers a completion call-back (`COMPLETE=<shell> jr -- jr webh`) and
/// exits; returns at once, reading one environment variable, otherwise.
pub fn complete_if_asked() {
    CompleteEnv::with_factory(|| {
        // The words being completed follow `--`; they name the group to build.
        let words: Vec<String> = std::env::args().skip_while(|a| a != "--").skip(1).collect();
        cli::command(&words)
    })
    .var(VAR)
    .complete();
}
