//! The command tree: global flags, then one subcommand per group and one per
//! operation, all built from the operation table, plus the hand-written
//! entries of the registry where they mount. Only what the command line
//! names is built in full, so start-up does not grow with the ~620
//! operations (docs/architecture.md §2):
//!
//! - no group named (`jr --help`): the root and a one-line stub per group;
//!   the global flags are not marked global, since no subcommand will parse
//!   them, so clap copies none into the stubs; for `jr --version` alone
//!   not even the stubs;
//! - a group named alone (`jr issue --help`): that group with its
//!   operations as stubs, the global flags on the root and the group and not
//!   marked global, so clap copies none into the stubs;
//! - a group and a command of it (`jr webhook get-failed ...`): that command
//!   alone in its group, so clap copies the global flags into it and no
//!   other; a group and a word it has no command for: every command as a
//!   stub, for clap's "similar" suggestion; a hand-written command: that
//!   one alone;
//! - an unknown word: every stub, for clap's "similar" suggestion.

use crate::entry::{Extension, Registry};
use crate::globals;
use clap::{Arg, ArgAction, Command};
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, CompletionCandidate};
use jr_core::ops::{self, ItemType, Location, Operation, ParamType};
use jr_core::request::type_name;
use std::ffi::OsStr;

/// The root command with its global flags and what `argv` needs of the
/// rest (see the module docs).
pub fn command(registry: Registry, argv: &[String]) -> Command {
    tree_for(registry, argv, true)
}

/// The tree for a shell's completion call-back: as [`command`], but a
/// group's last word is never taken to name one command alone, since it is
/// the word being completed (`jr issue get` completes to `get-issue` too).
pub fn completion_command(registry: Registry, words: &[String]) -> Command {
    tree_for(registry, words, false)
}

/// [`command`]; `narrow`: a word naming a group's command builds that
/// command alone in its group.
fn tree_for(registry: Registry, argv: &[String], narrow: bool) -> Command {
    let (group, command) = peek_words(argv);
    let Some(group) = group else {
        let root = root_without_flags().args(globals::args().map(|arg| arg.global(false)));
        if asks_for_version_only(argv) {
            return root;
        }
        return root
            .subcommands(ops::groups().into_iter().map(stub_group))
            .subcommands(top_level(registry));
    };
    if let Some(own) = registry.find_top_level(&group) {
        return root().subcommand((own.command)());
    }
    match ops::group(&group) {
        // `jr GROUP [--help]`: no operation will parse, so the global flags
        // sit on the root and on the group, not marked global, and clap
        // copies none into the group's operation stubs.
        Some(found) if command.is_none() => root_without_flags()
            .args(globals::args().map(|arg| arg.global(false)))
            .subcommand(
                group_command(registry, found.name(), Pick::Stubs)
                    .args(globals::args().map(|arg| arg.global(false))),
            ),
        Some(found) => {
            let word = command.as_deref().unwrap_or_default();
            let pick = if narrow {
                Pick::Named(word)
            } else {
                Pick::StubsBut(word)
            };
            root().subcommand(group_command(registry, found.name(), pick))
        }
        None => root()
            .subcommands(ops::groups().into_iter().map(stub_group))
            .subcommands(top_level(registry)),
    }
}

/// The whole tree, every group built: for man pages and reference pages,
/// never for a normal run.
pub fn full_command(registry: Registry) -> Command {
    root()
        .subcommands(
            ops::groups()
                .into_iter()
                .map(|group| group_command(registry, group, Pick::All)),
        )
        .subcommands(top_level(registry))
}

/// The root with one group built: every operation with its flags and
/// helper flags, or with `command` given only that one (by name or alias),
/// the rest as stubs. For `jr schema GROUP [COMMAND]`, never for a normal run.
pub fn group_in_full(registry: Registry, group: &str, command: Option<&str>) -> Command {
    match ops::group(group) {
        Some(found) => {
            let pick = command.map_or(Pick::All, Pick::Named);
            root().subcommand(group_command(registry, found.name(), pick))
        }
        None => root(),
    }
}

/// The hand-written commands beside the groups (`configure`, `auth`,
/// `completion`, `raw`, `schema`, hidden `__man`, `__docs`).
fn top_level(registry: Registry) -> impl Iterator<Item = Command> {
    registry.top_level().map(|own| (own.command)())
}

fn root() -> Command {
    root_without_flags().args(globals::args())
}

/// The root without the global flags: name, version, about and the
/// settings every tree shares.
pub fn root_without_flags() -> Command {
    Command::new("jr")
        .version(env!("CARGO_PKG_VERSION"))
        .about("A command-line client for the Jira Cloud platform REST API v3: one command per operation, JSON on stdout")
        .long_about(ROOT_LONG_ABOUT)
        .subcommand_required(true)
        .arg_required_else_help(true)
}

const ROOT_LONG_ABOUT: &str = "A command-line client for the Jira Cloud platform REST API v3.\n\n\
Every operation of Atlassian's OpenAPI spec is a command: jr <group> <command> --flag value. \
The result is JSON on stdout; errors are one JSON line on stderr and a meaningful exit code \
(0 ok, 1 general, 2 auth/permission, 3 not found, 4 validation, 5 rate limited, 6 conflict, 7 server error, 8 a --jq halt_error, 130 interrupted, 143 terminated).\n\n\
Target and credentials come from flags, then JR_BASE_URL, JR_AUTH_TYPE (basic, bearer, oauth2, connect; none sends without credentials on purpose, which jr otherwise refuses with exit 2), \
JR_AUTH_USER, JR_AUTH_TOKEN, JR_CONNECT_KEY and JR_CONNECT_SECRET (Connect apps), JR_CLOUD_ID, or a profile of the config file (JR_CONFIG_PATH, default ~/.config/jr/config.json; JR_PROFILE or -p).";

/// The group named on the command line, if any: the first word that is not a
/// global flag or a global flag's value (`jr --pretty webhook ...`, `jr help webhook`).
pub fn peek_group(argv: &[String]) -> Option<String> {
    peek_words(argv).0
}

/// `jr --version` or `jr -V` and nothing else: clap prints the version and
/// nothing of the subcommands (with other words, an error's usage line
/// would name them).
fn asks_for_version_only(argv: &[String]) -> bool {
    argv.len() > 1 && argv[1..].iter().all(|w| w == "--version" || w == "-V")
}

/// The first two such words before any help flag: the group (or
/// hand-written command) and the command in it (`jr help webhook
/// get-failed` → `webhook`, `get-failed`; `jr webhook --help get-failed` →
/// `webhook` alone).
fn peek_words(argv: &[String]) -> (Option<String>, Option<String>) {
    let mut found = Vec::with_capacity(2);
    let mut words = argv.iter().skip(1);
    while let Some(word) = words.next() {
        if found.len() == 2 {
            break;
        }
        // clap answers a help flag where it stands: the words after it name
        // nothing to build (`jr webhook --help get-failed` is the group's help).
        if word == "-h" || word == "--help" {
            break;
        }
        let values = globals::values_after(word);
        if values > 0 {
            for _ in 0..values {
                words.next();
            }
        } else if !(word.starts_with('-') || word == "help") {
            found.push(word.clone());
        }
    }
    let mut found = found.into_iter();
    (found.next(), found.next())
}

fn stub_group(group: &'static str) -> Command {
    Command::new(group).about(group_about(group))
}

/// A group's line in `jr --help` and its about (see [`ops::Group::about`]);
/// empty for a word that names no group.
pub fn group_about(group: &str) -> String {
    ops::group(group).map(ops::Group::about).unwrap_or_default()
}

/// Which of a group's commands [`group_command`] builds, and how.
#[derive(Debug, Clone, Copy)]
enum Pick<'a> {
    /// Every command as a stub: its name and summary, all a group's help
    /// shows of it.
    Stubs,
    /// Every command in full (man and reference pages, `jr schema GROUP`).
    All,
    /// The command this word names (an operation by its name or alias, or
    /// a hand-written command) alone, in full. The others are left out:
    /// only the named one parses, and clap copies the global flags into
    /// every subcommand it has (about 40 flags of ~700 bytes each, into
    /// each of a group's commands). A word the group has no command for
    /// gets every command as a stub, for clap's "similar" suggestion.
    Named(&'a str),
    /// Every command as a stub but the one this word names, in full (shell
    /// completion: the word may be the start of a longer name).
    StubsBut(&'a str),
}

/// The command of one group, with the commands `pick` says (operations,
/// then the hand-written commands mounted in the group).
fn group_command(registry: Registry, group: &'static str, pick: Pick) -> Command {
    let alias = |op: &Operation| registry.alias(op);
    let named = |name: &str, alias: Option<&str>| match pick {
        Pick::Named(word) | Pick::StubsBut(word) => word == name || alias == Some(word),
        Pick::Stubs | Pick::All => false,
    };
    let alone = matches!(pick, Pick::Named(_))
        && (ops::in_group(group).any(|op| named(op.command(), alias(op)))
            || registry.in_group(group).any(|own| named(own.name, None)));
    Command::new(group)
        .about(group_about(group))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommands(ops::in_group(group).filter_map(move |op| {
            let alias = alias(op);
            let is_named = named(op.command(), alias);
            if alone && !is_named {
                return None;
            }
            if is_named || matches!(pick, Pick::All) {
                return Some(operation_command(registry, op));
            }
            // The alias stays visible (and usable) on the stub too.
            let stub = Command::new(op.command()).about(op.summary());
            Some(match alias {
                Some(alias) => stub.visible_alias(alias),
                None => stub,
            })
        }))
        .subcommands(
            registry
                .in_group(group)
                .filter(move |own| !alone || named(own.name, None))
                .map(|own| (own.command)()),
        )
}

/// One operation as a clap command: flags named as the spec's parameters,
/// `--body` when it takes a request body, plus the helper flags and example
/// of its extension, if it has one.
pub fn operation_command(registry: Registry, op: &'static Operation) -> Command {
    let extension = registry.extension(op.operation_id());
    let mut command = Command::new(op.command())
        .about(op.summary())
        .long_about(long_about(op))
        .args(op.params().iter().map(param_arg))
        .args(positional_args(op));
    if let Some(body) = op.body {
        command = command.args(body_args(op, body));
    }
    command = command.after_help(format!("Example:\n  {}", example(registry, op)));
    match extension {
        Some(extension) => {
            if let Some(alias) = extension.alias {
                command = command.visible_alias(alias);
            }
            helper_args(op, extension, command)
        }
        None => command,
    }
}

/// The operation's runnable example: its extension's, else one generated
/// from the spec.
fn example(registry: Registry, op: &'static Operation) -> String {
    match registry
        .extension(op.operation_id())
        .and_then(|e| e.example)
    {
        Some(written) => written.to_owned(),
        None => ops::example::command_line(op),
    }
}

/// The help heading of an extension's helper flags (`jr schema` and the
/// reference pages find them by it).
pub const HELPER_HEADING: &str = "Helper options";

/// Adds an extension's helper flags under [`HELPER_HEADING`]; each conflicts
/// with `--body`, which gives the whole body instead.
fn helper_args(op: &Operation, extension: &Extension, command: Command) -> Command {
    let conflicts = op.body.is_some();
    command.args((extension.args)().into_iter().map(|arg| {
        let arg = arg.help_heading(HELPER_HEADING);
        if conflicts {
            arg.conflicts_with("body")
        } else {
            arg
        }
    }))
}

/// `--body` and the flags that shape it: `--no-validate` for bodies with a
/// schema, `--file` for multipart uploads, `--content-type` when the spec
/// offers more than one.
fn body_args(op: &Operation, body: ops::RequestBody) -> Vec<Arg> {
    let json = body.content_type().contains("json");
    let mut args = vec![
        Arg::new("body")
            .long("body")
            .value_name("JSON|@FILE|-")
            .help(if json || body.content_type() == "multipart/form-data" {
                "Request body: a JSON string, @file to read a file, or - to read stdin"
            } else {
                "Request body: @file to send a file's bytes, - for stdin, or the text itself"
            }),
    ];
    if ops::body::texts(op).is_some() && body.content_type() != "multipart/form-data" {
        args.push(
            Arg::new("no-validate")
                .long("no-validate")
                .action(ArgAction::SetTrue)
                .help("Send --body without checking it against the request schema (see jr schema)"),
        );
    }
    if body.content_types().contains("multipart/form-data") {
        args.push(
            Arg::new("file")
                .long("file")
                .value_name("PATH")
                .action(ArgAction::Append)
                .help("A file to upload as a multipart part named `file`; repeatable"),
        );
    }
    if body.content_types().len() > 1 {
        args.push(
            Arg::new("content-type")
                .long("content-type")
                .value_name("TYPE")
                .value_parser(clap::builder::PossibleValuesParser::new(
                    body.content_types().iter(),
                ))
                .help(format!(
                    "How to send the body [default: {}]",
                    body.content_type()
                )),
        );
    }
    args
}

fn long_about(op: &Operation) -> String {
    let mut text = op.summary().to_owned();
    if !op.description().is_empty() {
        text.push_str("\n\n");
        text.push_str(op.description());
    }
    if !op.permissions().is_empty() {
        text.push_str("\n\nPermissions required:");
        let plain = plain_text(op.permissions());
        if !plain.starts_with('\n') {
            text.push(' ');
        }
        text.push_str(&plain);
    }
    text.push_str(&format!("\n\n{} {}", op.method.as_str(), op.path()));
    if let Some(body) = op.body {
        let required = if body.required {
            "required"
        } else {
            "optional"
        };
        text.push_str(&format!(
            "\nRequest body ({required}): {}",
            body.content_types().join(", ")
        ));
    }
    if let Some(style) = pagination_name(op.pagination) {
        text.push_str(&format!("\nPagination: {style} (jr follows every page)"));
    }
    if !op.scopes().is_empty() {
        text.push_str(&format!("\nOAuth 2.0 scopes: {}", op.scopes().join(", ")));
    }
    if op.deprecated {
        text.push_str("\nDeprecated: Atlassian marks this operation deprecated.");
    }
    text
}

/// The spec's markdown made plain for a terminal: `*  item` bullets become
/// `  - item` lines, `*emphasis*` loses its stars.
fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        let (bullet, rest) = match trimmed.strip_prefix("* ") {
            Some(rest) => (true, rest.trim_start()),
            None => (false, line),
        };
        if i > 0 || bullet {
            out.push('\n');
        }
        if bullet {
            out.push_str("  - ");
        }
        out.push_str(&rest.replace('*', ""));
    }
    out
}

/// The pagination style as `jr schema` and help name it; `None` for none.
pub fn pagination_name(style: ops::Pagination) -> Option<&'static str> {
    match style {
        ops::Pagination::None => None,
        ops::Pagination::Offset => Some("offset"),
        ops::Pagination::Token => Some("token"),
        ops::Pagination::Cursor => Some("cursor"),
    }
}

/// The required path parameters of `op`, in the order of its path: each may
/// be given positionally instead of by its flag.
pub fn positional_params(op: &'static Operation) -> Vec<&'static jr_core::ops::Param> {
    let mut params: Vec<_> = op
        .params()
        .iter()
        .filter(|p| p.location == Location::Path && p.required)
        .collect();
    params.sort_by_key(|p| {
        op.path()
            .find(&format!("{{{}}}", p.name()))
            .unwrap_or(usize::MAX)
    });
    params
}

/// One positional argument per required path parameter: either it or the
/// flag is needed, not both.
fn positional_args(op: &'static Operation) -> Vec<Arg> {
    positional_params(op)
        .into_iter()
        .enumerate()
        .map(|(i, param)| {
            Arg::new(crate::args::positional_id(param.name()))
                .index(i + 1)
                // `<issueIdOrKey>` in clap's messages, read back by dispatch.
                .value_name(param.name())
                .help(format!("The same as --{}", param.name()))
                .required_unless_present(param.name())
                .conflicts_with(param.name())
        })
        .collect()
}

fn param_arg(param: &'static jr_core::ops::Param) -> Arg {
    let mut notes = String::new();
    let allowed = match param.ty {
        ParamType::Enum(values) => Some(values),
        ParamType::Array(ItemType::Enum(values)) => Some(values),
        _ => None,
    };
    if let Some(values) = allowed {
        notes.push_str(&format!(" [values: {}]", values.join(", ")));
    }
    if matches!(param.ty, ParamType::Array(_)) {
        notes.push_str(" [repeatable or comma-separated]");
    }
    if let Some(default) = param.default() {
        notes.push_str(&format!(" [default: {default}]"));
    }
    if param.location == Location::Header {
        notes.push_str(" [header]");
    }
    let first_line = param.description().lines().next().unwrap_or_default();
    let mut arg = Arg::new(param.name())
        .long(param.name())
        .value_name(type_name(&param.ty).to_uppercase())
        .help(format!("{first_line}{notes}"))
        .long_help(if param.description().contains('\n') {
            format!("{}\n{}", param.description(), notes.trim_start())
        } else {
            format!("{}{notes}", param.description())
        })
        // A required path parameter may come positionally instead.
        .required(param.required && param.location != Location::Path);
    let kebab = kebab_case(param.name());
    if kebab != param.name() {
        arg = arg.alias(kebab);
    }
    if matches!(
        param.ty,
        ParamType::Integer | ParamType::Int64 | ParamType::Number
    ) {
        // So `--after -1` reaches the type check instead of looking like a flag.
        arg = arg.allow_negative_numbers(true);
    }
    if matches!(param.ty, ParamType::Array(_)) {
        arg = arg.action(ArgAction::Append).value_delimiter(',');
    }
    let candidates = match param.ty {
        ParamType::Boolean => Some(ops::Texts::of(&["true", "false"])),
        _ => allowed,
    };
    if let Some(values) = candidates {
        // Offered at TAB time; checking stays with `check_value`, whose
        // message lists the values.
        arg = arg.add(ArgValueCandidates::new(move || {
            values.iter().map(CompletionCandidate::new).collect()
        }));
    } else if let Some(values) = expand_values(param) {
        arg = arg.add(ArgValueCompleter::new(move |typed: &OsStr| {
            comma_list_candidates(&values, &typed.to_string_lossy())
        }));
    }
    if allowed.is_some_and(|values| values.iter().any(|v| v.starts_with('-'))) {
        // `--orderBy -name` is a value of the enum, not a flag.
        arg = arg.allow_hyphen_values(true);
    }
    if param.ty == ParamType::Boolean {
        // `--flag` alone means true; `--flag=false` (or `--flag false`) says no.
        arg = arg.num_args(0..=1).default_missing_value("true");
    }
    arg
}

/// The values of an `expand` parameter, which the spec lists in its
/// description as markdown bullets (`` *  `renderedFields` Returns ... ``)
/// rather than as an enum; `None` for other parameters.
fn expand_values(param: &jr_core::ops::Param) -> Option<Vec<&'static str>> {
    if param.name() != "expand" || !matches!(param.ty, ParamType::String | ParamType::Array(_)) {
        return None;
    }
    let values: Vec<&'static str> = param
        .description()
        .lines()
        .filter_map(|line| {
            line.trim_start()
                .strip_prefix('*')?
                .trim_start()
                .strip_prefix('`')
        })
        .filter_map(|rest| rest.split_once('`').map(|(value, _)| value))
        .filter(|value| !value.is_empty() && !value.contains(char::is_whitespace))
        .collect();
    (!values.is_empty()).then_some(values)
}

/// Candidates for the last item of a comma-separated list being typed
/// (`names,sch` offers `names,schema`).
fn comma_list_candidates(values: &[&str], typed: &str) -> Vec<CompletionCandidate> {
    let (done, last) = typed.rsplit_once(',').unwrap_or(("", typed));
    let prefix = if done.is_empty() && !typed.contains(',') {
        String::new()
    } else {
        format!("{done},")
    };
    values
        .iter()
        .filter(|value| value.starts_with(last))
        .map(|value| CompletionCandidate::new(format!("{prefix}{value}")))
        .collect()
}

/// The one-word type of a hand-written command's argument, as `jr schema`
/// and the reference name it: `boolean` (a switch), `array` (repeatable),
/// `enum` (possible values), `integer` (an integer parser) or `string`.
pub fn own_arg_type(arg: &Arg) -> &'static str {
    use std::any::TypeId;
    let parser = arg.get_value_parser().type_id();
    let integers = [
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<i64>(),
        TypeId::of::<usize>(),
    ];
    match arg.get_action() {
        ArgAction::SetTrue => "boolean",
        ArgAction::Append => "array",
        _ if !arg.get_possible_values().is_empty() => "enum",
        _ if integers.iter().any(|t| parser == *t) => "integer",
        _ => "string",
    }
}

/// The type of one value of a hand-written command's argument: `integer`
/// or `string`.
pub fn own_value_type(arg: &Arg) -> &'static str {
    match own_arg_type(&arg.clone().action(ArgAction::Set)) {
        "integer" => "integer",
        _ => "string",
    }
}

/// `maxResults` -> `max-results`, the hidden alias of a camelCase flag.
fn kebab_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, ch) in name.char_indices() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::COMMANDS;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn the_peek_skips_global_flags_and_their_values() {
        assert_eq!(
            peek_group(&argv(&[
                "jr",
                "--base-url",
                "http://x",
                "-p",
                "app",
                "webhook",
                "get-failed"
            ]))
            .as_deref(),
            Some("webhook")
        );
        assert_eq!(
            peek_group(&argv(&["jr", "help", "webhook"])).as_deref(),
            Some("webhook")
        );
        assert_eq!(peek_group(&argv(&["jr", "--pretty"])), None);
    }

    #[test]
    fn the_peek_finds_the_command_after_the_group() {
        let words = |w: &[&str]| peek_words(&argv(w));
        assert_eq!(
            words(&["jr", "webhook", "--jq", ".x", "get-failed", "--after", "1"]),
            (Some("webhook".into()), Some("get-failed".into()))
        );
        assert_eq!(
            words(&["jr", "help", "webhook", "help", "get-failed"]),
            (Some("webhook".into()), Some("get-failed".into()))
        );
        assert_eq!(
            words(&["jr", "issue", "--help"]),
            (Some("issue".into()), None)
        );
    }

    /// (operations built in full, global flags clap copied into groups) of
    /// the tree for `words`, once clap has built it.
    fn built(words: &[&str]) -> (usize, usize) {
        let mut root = command(COMMANDS, &argv(words));
        let in_full = root
            .get_subcommands()
            .filter(|group| ops::group(group.get_name()).is_some())
            .flat_map(|group| {
                group.get_subcommands().filter(|op| {
                    ops::find(group.get_name(), op.get_name()).is_some()
                        && op.get_long_about().is_some()
                })
            })
            .count();
        root.build();
        let copied = root
            .get_subcommands()
            .filter(|group| ops::group(group.get_name()).is_some())
            .flat_map(|group| {
                std::iter::once(group)
                    .chain(group.get_subcommands())
                    .flat_map(Command::get_arguments)
            })
            .filter(|arg| arg.is_global_set())
            .count();
        (in_full, copied)
    }

    /// Issue 17: the top-level help and the version build no operation
    /// command and copy no flag into the groups; a group's help builds its
    /// operations as stubs; naming an operation builds that one.
    #[test]
    fn only_what_the_command_line_names_is_built() {
        for words in [
            &["jr", "--version"][..],
            &["jr", "-V"],
            &["jr", "--help"],
            &["jr"],
        ] {
            assert_eq!(built(words), (0, 0), "{words:?}");
        }
        assert_eq!(
            command(COMMANDS, &argv(&["jr", "--version"]))
                .get_subcommands()
                .count(),
            0
        );
        // A group's help copies no global flag into its operation stubs
        // (issue 17 review: `jr issue --help` copied ~17 into each).
        assert_eq!(built(&["jr", "issue", "--help"]), (0, 0));
        assert_eq!(built(&["jr", "help", "issue"]), (0, 0));
        assert_eq!(built(&["jr", "webhook", "get-failed", "--help"]).0, 1);
        let tree = command(COMMANDS, &argv(&["jr", "webhook", "get-failed", "--help"]));
        assert_eq!(tree.get_subcommands().count(), 1);
        // Naming a command leaves its siblings out, so clap copies the global
        // flags into that one alone (it copied them into each of the
        // group's ten commands): by name, by alias, or hand-written.
        for words in [
            &["jr", "webhook", "get-failed", "--help"][..],
            &["jr", "--pretty", "webhook", "listen", "--help"],
            &["jr", "issue", "get", "--help"],
        ] {
            let tree = command(COMMANDS, &argv(words));
            let group = tree.get_subcommands().next().expect("the group");
            assert_eq!(group.get_subcommands().count(), 1, "{words:?}");
        }
        let unknown = command(COMMANDS, &argv(&["jr", "webhook", "get-faild"]));
        let group = unknown.get_subcommands().next().expect("the group");
        assert!(group.get_subcommands().count() > 5);
    }

    /// Issue 17: `jr schema GROUP COMMAND` builds that one operation in
    /// full, not its whole group (`issue` has dozens).
    #[test]
    fn a_named_command_alone_is_built_in_full_for_schema() {
        let in_full = |tree: Command| {
            tree.get_subcommands()
                .flat_map(Command::get_subcommands)
                .filter(|op| op.get_long_about().is_some())
                .count()
        };
        let issue = ops::in_group("issue").count();
        assert!(issue > 10, "{issue}");
        assert_eq!(in_full(group_in_full(COMMANDS, "issue", None)), issue);
        assert_eq!(
            in_full(group_in_full(COMMANDS, "issue", Some("create-issue"))),
            1
        );
    }

    /// What clap answers (the text of its help, version or error) for
    /// `words`, from the lazy tree and from the full one.
    fn answers(words: &[&str]) -> (String, String) {
        let render = |tree: Command| match tree.try_get_matches_from(argv(words)) {
            Ok(matches) => format!("{:?}", matches.subcommand_name()),
            Err(e) => format!("{:?}: {}", e.kind(), e.render()),
        };
        (
            render(command(COMMANDS, &argv(words))),
            render(full_command(COMMANDS)),
        )
    }

    #[test]
    fn the_lazy_tree_answers_as_the_full_one() {
        let cases: &[&[&str]] = &[
            &["jr", "--version"],
            &["jr", "-V"],
            &["jr", "--version", "--help"],
            &["jr", "-h"],
            &["jr", "--help"],
            &["jr", "--bogus", "--version"],
            &["jr", "--prety", "--version"],
            &["jr", "--max-pages", "--version"],
            &["jr", "--pretty"],
            &["jr", "wbhook"],
            &["jr", "webhook"],
            &["jr", "webhook", "-h"],
            &["jr", "webhook", "get-faild"],
            &["jr", "webhook", "get-failed", "--bogus"],
            &["jr", "webhook", "get-failed", "--after", "1", "--pretty"],
            &["jr", "help", "webhook", "get-failed"],
            &["jr", "webhook", "list", "--help"],
            &["jr", "webhook", "--help", "get-failed"],
            &["jr", "--help", "webhook"],
            &["jr", "-h", "webhook", "get-failed"],
            &["jr", "webhook", "listen", "--help"],
            &["jr", "webhook", "listen", "--bogus"],
            &["jr", "issue", "get", "--bogus"],
            &["jr", "schema", "--help"],
            &["jr", "issue", "--help"],
            &["jr", "help", "issue"],
            &["jr", "issue", "--pretty"],
            &["jr", "issue", "--max-pages"],
            &["jr", "--compact", "issue", "--pretty", "--help"],
        ];
        for words in cases {
            let (lazy, full) = answers(words);
            assert_eq!(lazy, full, "{words:?}");
        }
    }

    #[test]
    fn every_group_builds_a_valid_command() {
        for group in ops::groups() {
            root()
                .subcommand(group_command(COMMANDS, group, Pick::All))
                .debug_assert();
        }
    }

    /// Lazy building must not change what users see: every group's help is
    /// the same from the lazy tree as from the fully built one.
    #[test]
    fn lazy_help_matches_the_full_tree_for_every_group() {
        let mut full = full_command(COMMANDS);
        full.build();
        let names = ops::groups()
            .into_iter()
            .chain(COMMANDS.top_level().map(|own| own.name));
        for name in names {
            let mut lazy = command(COMMANDS, &argv(&["jr", name]));
            lazy.build();
            let render = |root: &mut Command| {
                root.find_subcommand_mut(name)
                    .expect("the command")
                    .render_long_help()
                    .to_string()
            };
            assert_eq!(render(&mut lazy), render(&mut full), "{name}");
        }
        let mut lazy_root = command(COMMANDS, &argv(&["jr"]));
        assert_eq!(
            lazy_root.render_long_help().to_string(),
            full.render_long_help().to_string()
        );
    }

    #[test]
    fn permission_notes_lose_their_markdown() {
        assert_eq!(
            plain_text("*  *Browse projects* permission.\n *  If *set*, more."),
            "\n  - Browse projects permission.\n  - If set, more."
        );
        assert_eq!(plain_text("*Administer Jira*."), "Administer Jira.");
    }

    #[test]
    fn expand_values_come_from_the_descriptions_bullets() {
        let op = ops::find("issue", "get").expect("in the table");
        let expand = op
            .params()
            .iter()
            .find(|p| p.name() == "expand")
            .expect("expand");
        let values = expand_values(expand).expect("listed");
        assert!(
            values.contains(&"renderedFields") && values.contains(&"changelog"),
            "{values:?}"
        );
        let offered: Vec<String> = comma_list_candidates(&values, "names,ch")
            .iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect();
        assert_eq!(offered, ["names,changelog"]);
    }

    #[test]
    fn camel_case_flags_get_a_kebab_alias() {
        assert_eq!(kebab_case("maxResults"), "max-results");
        assert_eq!(kebab_case("after"), "after");
    }
}
