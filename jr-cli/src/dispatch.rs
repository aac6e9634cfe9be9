//! One invocation from argv to the result: parse with the lazily built tree,
//! find what the words name (a hand-written entry of the registry, or an
//! operation of the table with its extension), read the global flags, and
//! run it with a [`Ctx`]. Help and version go to stdout through the sink.

use crate::args::RawArgs;
use crate::commands::{self, COMMANDS};
use crate::context::Ctx;
use crate::entry::{Extension, Own, Registry};
use crate::sink::Sink;
use crate::{globals, help_pages, operation, suggest, tree};
use clap::ArgMatches;
use jr_core::{Error, ops};
use std::io::Write;

/// Answers a shell's completion call-back, if this is one (see
/// `commands::completion`); returns at once otherwise.
pub fn complete_if_asked() {
    commands::complete_if_asked(|words| tree::completion_command(COMMANDS, words));
}

/// Runs `jr` with `argv` (the program name first): the result on `stdout`,
/// warnings on `stderr`. Returns the error, if any, that decides the exit
/// code; it has not been printed.
///
/// Errors: exit 4 for flags clap or the type checks reject; those of the command.
pub fn run(argv: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<(), Error> {
    run_with(COMMANDS, argv, stdout, stderr)
}

/// What the words on the command line name.
enum Target<'m> {
    /// A hand-written command, with the matches below its name.
    Own(&'static Own, &'m ArgMatches),
    /// An operation with its checked arguments, its command's matches and
    /// its extension.
    Operation(RawArgs, &'m ArgMatches, Option<&'static Extension>),
}

/// `--output-file` writes an operation's answer: a hand-written command
/// other than `jr raw` prints no such answer, so the flag would be ignored.
///
/// Errors: exit 4 naming the command.
fn refuse_output_file(globals: &globals::Globals, own: &Own) -> Result<(), Error> {
    if globals.output_file.is_none() || own.name == commands::raw::NAME {
        return Ok(());
    }
    Err(Error::validation(format!(
        "--output-file writes an operation's answer, and `jr {}` does not print one",
        own.name
    ))
    .with_hint("drop --output-file and redirect stdout (> FILE) instead"))
}

/// [`run`] with another registry (tests mount commands of their own).
fn run_with(
    registry: Registry,
    argv: &[String],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), Error> {
    // The help pages jr lays out itself (see `help_pages`).
    if let Some(page) = help_pages::page(registry, argv, None) {
        return Sink::plain(stdout).text(&page);
    }
    let matches = match tree::command(registry, argv).try_get_matches_from(argv) {
        Ok(matches) => matches,
        Err(e) => {
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    Sink::plain(stdout).text(&e.render().to_string())
                }
                // `jr` alone is asking what jr can do.
                clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                    if argv.len() <= 1 =>
                {
                    Sink::plain(stdout).text(&e.render().to_string())
                }
                clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    Err(missing_command(registry, argv))
                }
                _ => Err(clap_error(&e, registry, argv)),
            };
        }
    };
    let target = target(registry, &matches)?;
    // Read after an operation's own flags, so that their errors come first.
    let globals = globals::read(&matches)?;
    let tree = |group: Option<&str>, command: Option<&str>| match group {
        None => tree::full_command(registry),
        Some(group) => tree::group_in_full(registry, group, command),
    };
    if let Target::Own(own, _) = &target {
        refuse_output_file(&globals, own)?;
    }
    let mut ctx = Ctx::new(globals, stdout, stderr, &tree);
    let result = match target {
        Target::Own(own, matches) => (own.run)(&mut ctx, matches),
        Target::Operation(raw, matches, extension) => {
            operation::run(&mut ctx, raw, matches, extension)
        }
    };
    let flushed = ctx.out.flush();
    let result = result.and(flushed.map(|_| ()));
    // A recording that could not be written: exit 1 after the output, or a
    // warning beside the command's own error.
    match (result, ctx.exec.recording_failure()) {
        (Ok(()), Some(failure)) => Err(failure),
        (Err(error), Some(failure)) => {
            let warning = serde_json::json!({"warning": failure.message()});
            let _ = writeln!(ctx.err, "{warning}");
            Err(error)
        }
        (result, None) => result,
    }
}

/// Finds what `jr WORD [WORD] ...` names; for an operation, stage 1 of its
/// arguments (no I/O).
///
/// Errors: exit 4 for a value of the wrong type or helper flags that do not
/// fit together.
fn target(registry: Registry, matches: &ArgMatches) -> Result<Target<'_>, Error> {
    let (group, group_matches) = matches
        .subcommand()
        .ok_or_else(|| Error::validation("no command given; see jr --help"))?;
    if let Some(own) = registry.find_top_level(group) {
        return Ok(Target::Own(own, group_matches));
    }
    let (command, command_matches) = group_matches
        .subcommand()
        .ok_or_else(|| Error::validation(format!("no command given; see jr {group} --help")))?;
    if let Some(own) = registry.find_in_group(group, command) {
        return Ok(Target::Own(own, command_matches));
    }
    let op = ops::find(group, command)
        .ok_or_else(|| Error::validation(format!("unknown command `{group} {command}`")))?;
    let extension = registry.extension(op.operation_id());
    let raw = RawArgs::from_matches(op, command_matches, |matches| match extension {
        Some(extension) => (extension.body)(matches),
        None => Ok(None),
    })?;
    Ok(Target::Operation(raw, command_matches, extension))
}

/// `jr` or `jr <group>` alone: name what can follow.
fn missing_command(registry: Registry, argv: &[String]) -> Error {
    match tree::peek_group(argv) {
        Some(name) if registry.find_top_level(&name).is_some() => {
            let names: Vec<String> = registry
                .find_top_level(&name)
                .map(|own| {
                    (own.command)()
                        .get_subcommands()
                        .map(|c| c.get_name().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            Error::validation(format!("no command given for `{name}`")).with_hint(format!(
                "commands: {}; see jr {name} --help",
                names.join(", ")
            ))
        }
        Some(group) => {
            let commands: Vec<&str> = ops::in_group(&group)
                .map(|op| op.command())
                .chain(registry.in_group(&group).map(|own| own.name))
                .collect();
            Error::validation(format!("no command given for group `{group}`")).with_hint(format!(
                "commands: {}; see jr {group} --help",
                commands.join(", ")
            ))
        }
        None => Error::validation("no group given").with_hint("run jr --help to list the groups"),
    }
}

/// A clap error as jr's validation error; an unknown command or flag gets a
/// "did you mean" from the operation table (see `suggest`).
fn clap_error(error: &clap::Error, registry: Registry, argv: &[String]) -> Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(text)) => Some(text.clone()),
        _ => None,
    };
    let group = tree::peek_group(argv);
    match error.kind() {
        ErrorKind::InvalidSubcommand => {
            if let Some(word) = context(ContextKind::InvalidSubcommand) {
                let place = match group.as_deref().filter(|g| *g != word) {
                    Some(group) => format!("unknown command `jr {group} {word}`"),
                    None => format!("unknown group or command `jr {word}`"),
                };
                let hint = match suggest::command(registry, group.as_deref(), &word) {
                    Some(suggestion) => format!("did you mean {suggestion}?"),
                    None => "run jr --help, or jr <group> --help, to list commands".to_owned(),
                };
                return Error::validation(place).with_hint(hint);
            }
        }
        ErrorKind::MissingRequiredArgument => {
            if let Some(ContextValue::Strings(missing)) = error.get(ContextKind::InvalidArg) {
                // A positional path parameter shows as `<name>`: name its flag.
                let named: Vec<String> = missing
                    .iter()
                    .map(
                        |arg| match arg.strip_prefix('<').and_then(|a| a.strip_suffix('>')) {
                            Some(name) => {
                                format!("--{name} (or its value as a positional argument)")
                            }
                            None => arg.clone(),
                        },
                    )
                    .collect();
                return Error::validation(format!(
                    "the following required arguments were not provided: {}",
                    named.join(", ")
                ))
                .with_hint("run jr --help, or jr <group> --help, to list commands and flags");
            }
        }
        ErrorKind::UnknownArgument => {
            let flag = context(ContextKind::InvalidArg).unwrap_or_default();
            let command = group.as_deref().and_then(|group| {
                let at = argv.iter().position(|w| w == group)?;
                argv[at + 1..]
                    .iter()
                    .find(|w| !w.starts_with('-'))
                    .map(|c| (group, c.as_str()))
            });
            if let Some((group, command)) = command
                && let Some(name) = suggest::flag(group, command, &flag)
            {
                return Error::validation(format!("unknown flag `{flag}` for jr {group} {command}"))
                    .with_hint(format!(
                        "did you mean {name}? It may also be given positionally: jr {group} {command} VALUE"
                    ));
            }
        }
        _ => {}
    }
    let text = error.render().to_string();
    let main = text.split("\n\nUsage:").next().unwrap_or_default();
    let message = main
        .trim_start_matches("error: ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let message = if message.is_empty() {
        "a command is needed".to_owned()
    } else {
        message
    };
    Error::validation(message)
        .with_hint("run jr --help, or jr <group> --help, to list commands and flags")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Entry;
    use clap::Arg;

    /// A command of a test's own, mounted in the generated `webhook` group
    /// as `jr webhook listen` will be.
    fn hello_command() -> clap::Command {
        clap::Command::new("hello")
            .about("Say hello from inside a generated group")
            .arg(Arg::new("name").long("name").required(true))
    }

    fn hello(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
        let name = matches.get_one::<String>("name").cloned();
        ctx.out.value(&serde_json::json!({ "hello": name }))
    }

    static WITH_HELLO: Registry = Registry(&[Entry::InGroup(
        "webhook",
        Own {
            name: "hello",
            command: hello_command,
            run: hello,
        },
    )]);

    fn jr(words: &[&str]) -> (Result<(), Error>, String) {
        let argv: Vec<String> = std::iter::once("jr")
            .chain(words.iter().copied())
            .map(str::to_owned)
            .collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let result = run_with(WITH_HELLO, &argv, &mut out, &mut err);
        (result, String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn a_command_mounted_in_a_group_is_listed_beside_its_operations_and_runs() {
        let (result, help) = jr(&["webhook", "--help"]);
        assert!(result.is_ok());
        assert!(help.contains("get-failed"), "{help}");
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with("hello ")
                    && line.ends_with(" Say hello from inside a generated group")),
            "{help}"
        );
        let (result, out) = jr(&["--compact", "webhook", "hello", "--name", "jr"]);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(out, "{\"hello\":\"jr\"}\n");
        let (result, _) = jr(&["webhook"]);
        let hint = result.expect_err("a command is needed").to_json()["hint"].to_string();
        assert!(
            hint.contains("get-failed") && hint.contains("hello"),
            "{hint}"
        );
    }

    #[test]
    fn the_output_flags_apply_to_a_hand_written_command() {
        let (result, out) = jr(&["--jq", ".hello", "webhook", "hello", "--name", "jq"]);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(out, "jq\n");
        let (result, out) = jr(&["--pretty", "webhook", "hello", "--name", "p"]);
        assert!(result.is_ok(), "{result:?}");
        assert!(out.starts_with("{\n  "), "{out}");
    }
}
