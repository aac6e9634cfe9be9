//! `jr completion bash|zsh|fish|powershell|elvish`: prints the shell snippet
//! that registers `jr`'s dynamic completion (clap_complete's `CompleteEnv`).
//!
//! The snippet is a few lines that call `jr` back at TAB time with
//! `COMPLETE=<shell>`; [`complete_if_asked`] answers those calls from the
//! lazily built tree (only the group being typed is built): groups,
//! commands (aliases too), flags, and values: enums, booleans, `--event`,
//! the `expand` values the spec lists, `--auth-type`, `--output`, and `-p`
//! with the config file's profiles (read at TAB time). A static script
//! for ~620 commands would be about 2 MB and slow every shell start
//! (docs/architecture.md §6).

use crate::context::Ctx;
use crate::entry::{Entry, Own};
use clap::{Arg, ArgMatches, Command};
use clap_complete::env::{CompleteEnv, Shells};
use jr_core::Error;

/// `jr completion SHELL`.
pub const ENTRY: Entry = Entry::TopLevel(Own {
    name: NAME,
    command,
    run,
});

const NAME: &str = "completion";

/// The environment variable the registered snippet sets when calling back.
const VAR: &str = "COMPLETE";

fn command() -> Command {
    Command::new(NAME)
        .about("Print the shell snippet that enables TAB completion of groups, commands, flags and their values")
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

/// Prints the registration snippet for the chosen shell.
fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
    ctx.out.text(&snippet(matches)?)
}

fn snippet(matches: &ArgMatches) -> Result<String, Error> {
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
    let invoked = std::env::args_os()
        .next()
        .map_or_else(|| "jr".into(), |a| a.to_string_lossy().into_owned());
    let path = std::path::Path::new(&invoked);
    match std::env::current_dir() {
        Ok(dir) if path.components().count() > 1 && path.is_relative() => {
            dir.join(path).to_string_lossy().into_owned()
        }
        _ => invoked,
    }
}

/// Answers a completion call-back (`COMPLETE=<shell> jr -- jr webh`) with
/// the tree `tree` builds for the words typed so far, and exits; returns at
/// once, reading one environment variable, otherwise.
pub fn complete_if_asked(tree: fn(&[String]) -> Command) {
    // clap_complete reads the arguments and the working directory (a system
    // call) before it looks at the variable: on every start, not only on a
    // shell's call-back. An unset variable is the same "not asked" for it.
    if std::env::var_os(VAR).is_none() {
        return;
    }
    CompleteEnv::with_factory(move || {
        // The words being completed follow `--`; they name the group to build.
        // Read lossily, as `main` reads them: a word that is not UTF-8
        // must not panic the shell's completion (it did, exit 101).
        let words: Vec<String> = std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .skip_while(|a| a != "--")
            .skip(1)
            .collect();
        tree(&words)
    })
    .var(VAR)
    .complete();
}
