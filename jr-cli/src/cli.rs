//! The command tree: global flags, then one subcommand per group and one per
//! operation, all built from the operation table. Only the group named on the
//! command line is turned into clap commands, so start-up does not grow with
//! the ~620 operations (DESIGN.md §2).

use crate::{commands, tools};
use clap::{Arg, ArgAction, Command};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use jr_core::ops::{self, Location, Operation, ParamType};
use jr_core::request::type_name;

/// Global flags that take a value; the argv peek must skip their values.
const GLOBAL_VALUE_FLAGS: &[&str] = &[
    "--base-url",
    "--auth-type",
    "--auth-user",
    "--auth-token",
    "-p",
    "--profile",
    "--max-pages",
    "--timeout",
    "--cloud-id",
    "--api-url",
    "--jq",
    "--retries",
    "--max-response-size",
];

/// The root command with its global flags and the groups: full for the group
/// named in `argv`, a one-line stub for every other one.
pub fn command(argv: &[String]) -> Command {
    let chosen = peek_group(argv);
    let groups = ops::groups().into_iter().map(|group| {
        if Some(group) == chosen.as_deref() {
            group_command(group)
        } else {
            stub_group(group)
        }
    });
    root().subcommands(groups).subcommands(own_commands())
}

/// The whole tree, every group built: for man pages and reference pages,
/// never for a normal run.
pub fn full_command() -> Command {
    root()
        .subcommands(ops::groups().into_iter().map(group_command))
        .subcommands(own_commands())
}

/// Commands of jr's own beside the groups: the tools (`configure`, `auth`)
/// and the built-ins (`schema`, `raw`, `completion`, hidden `__man`, `__docs`).
fn own_commands() -> impl Iterator<Item = Command> {
    tools::TOOLS
        .iter()
        .map(|tool| (tool.command)())
        .chain(commands::builtins())
}

fn root() -> Command {
    Command::new("jr")
        .version(env!("CARGO_PKG_VERSION"))
        .about("A command-line client for the Jira Cloud platform REST API v3: one command per operation, JSON on stdout")
        .long_about(ROOT_LONG_ABOUT)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(global_args())
}

const ROOT_LONG_ABOUT: &str = "A command-line client for the Jira Cloud platform REST API v3.\n\n\
Every operation of Atlassian's OpenAPI spec is a command: jr <group> <command> --flag value. \
The result is JSON on stdout; errors are one JSON line on stderr and a meaningful exit code \
(0 ok, 1 general, 2 auth/permission, 3 not found, 4 validation, 5 rate limited, 6 conflict, 7 server error).\n\n\
Target and credentials come from flags, then JR_BASE_URL, JR_AUTH_TYPE (basic, bearer, oauth2, connect; none sends without credentials on purpose, which jr otherwise refuses with exit 2), \
JR_AUTH_USER, JR_AUTH_TOKEN, JR_CONNECT_KEY and JR_CONNECT_SECRET (Connect apps), JR_CLOUD_ID, or a profile of the config file (JR_CONFIG_PATH, default ~/.config/jr/config.json; JR_PROFILE or -p).";

fn global_args() -> Vec<Arg> {
    let value = |name: &'static str, value_name: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .value_name(value_name)
            .help(help)
            .global(true)
            .help_heading("Global options")
    };
    let switch = |name: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .action(ArgAction::SetTrue)
            .help(help)
            .global(true)
            .help_heading("Global options")
    };
    vec![
        value(
            "base-url",
            "URL",
            "Jira site or API gateway base URL [env: JR_BASE_URL]",
        ),
        value(
            "auth-type",
            "TYPE",
            "basic, bearer, oauth2, connect or none [env: JR_AUTH_TYPE]",
        ),
        value(
            "auth-user",
            "EMAIL",
            "Account email for basic auth [env: JR_AUTH_USER]",
        ),
        value(
            "auth-token",
            "TOKEN",
            "API token (basic) or access token (bearer) [env: JR_AUTH_TOKEN]",
        ),
        value(
            "profile",
            "NAME",
            "Profile of the config file; wins over the environment [env: JR_PROFILE]",
        )
        .short('p'),
        switch(
            "pretty",
            "Indent the JSON output (the default on a terminal)",
        ),
        switch(
            "compact",
            "Print the JSON as Jira sent it, one line (the default in a pipe)",
        )
        .conflicts_with("pretty"),
        switch(
            "no-paginate",
            "Read only the first page of a paginated operation",
        ),
        value(
            "max-pages",
            "N",
            "Stop with an error after N pages [default: 1000]",
        ),
        switch(
            "dry-run",
            "Print the request as JSON (secrets redacted) and send nothing",
        ),
        value(
            "timeout",
            "DURATION",
            "Per-request timeout: 30s, 500ms, 2m or seconds [default: 30s]",
        ),
        value(
            "cloud-id",
            "ID",
            "Send requests through the API gateway for this site's cloud ID (scoped API tokens, OAuth 2.0) [env: JR_CLOUD_ID]",
        ),
        value(
            "api-url",
            "URL",
            "The API gateway used with --cloud-id [env: JR_API_GATEWAY_URL] [default: https://api.atlassian.com]",
        ),
        switch(
            "allow-insecure-http",
            "Send credentials over plain http:// to a host other than loopback",
        ),
        value(
            "jq",
            "EXPR",
            "Filter the result with a jq expression (jaq), printed as jq prints it",
        ),
        switch(
            "stream",
            "One item per line (NDJSON) as pages arrive; --jq applies per item",
        ),
        switch(
            "verbose",
            "Each request, response and retry as a JSON line on stderr",
        ),
        value(
            "retries",
            "N",
            "Retries on 429, and on 502-504, resets, timeouts if idempotent [default: 4]",
        ),
        switch(
            "retry-unsafe",
            "Also retry POST on 502-504, resets and timeouts",
        ),
        value(
            "max-response-size",
            "SIZE",
            "Fail on a larger response body: bytes, 500KB, 10MiB [default: 100MiB]",
        ),
    ]
}

/// The group named on the command line, if any: the first word that is not a
/// global flag or a global flag's value (`jr --pretty webhook ...`, `jr help webhook`).
pub fn peek_group(argv: &[String]) -> Option<String> {
    let mut words = argv.iter().skip(1);
    while let Some(word) = words.next() {
        if GLOBAL_VALUE_FLAGS.contains(&word.as_str()) {
            words.next();
        } else if word.starts_with('-') || word == "help" {
            continue;
        } else {
            return Some(word.clone());
        }
    }
    None
}

fn stub_group(group: &'static str) -> Command {
    Command::new(group).about(group_about(group))
}

fn group_about(group: &str) -> String {
    ops::group(group).map(ops::Group::about).unwrap_or_default()
}

/// The full command of one group: every operation as a subcommand.
pub fn group_command(group: &'static str) -> Command {
    Command::new(group)
        .about(group_about(group))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommands(ops::in_group(group).map(operation_command))
}

/// One operation as a clap command: flags named as the spec's parameters,
/// `--body` when it takes a request body, plus any hand-written helper flags.
pub fn operation_command(op: &'static Operation) -> Command {
    let mut command = Command::new(op.command)
        .about(op.summary)
        .long_about(long_about(op))
        .args(op.params.iter().map(param_arg));
    if let Some(body) = op.body {
        command = command.args(body_args(op, body));
    }
    let example = match commands::example(op) {
        Some(written) => written.to_owned(),
        None => ops::example::command_line(op),
    };
    command = command.after_help(format!("Example:\n  {example}"));
    commands::augment(op, command)
}

/// `--body` and the flags that shape it: `--no-validate` for bodies with a
/// schema, `--file` for multipart uploads, `--content-type` when the spec
/// offers more than one.
fn body_args(op: &Operation, body: ops::RequestBody) -> Vec<Arg> {
    let json = body.content_type.contains("json");
    let mut args = vec![
        Arg::new("body")
            .long("body")
            .value_name("JSON|@FILE|-")
            .help(if json || body.content_type == "multipart/form-data" {
                "Request body: a JSON string, @file to read a file, or - to read stdin"
            } else {
                "Request body: @file to send a file's bytes, - for stdin, or the text itself"
            }),
    ];
    if ops::body::texts(op).is_some() && body.content_type != "multipart/form-data" {
        args.push(
            Arg::new("no-validate")
                .long("no-validate")
                .action(ArgAction::SetTrue)
                .help("Send --body without checking it against the request schema (see jr schema)"),
        );
    }
    if body.content_types.contains(&"multipart/form-data") {
        args.push(
            Arg::new("file")
                .long("file")
                .value_name("PATH")
                .action(ArgAction::Append)
                .help("A file to upload as a multipart part named `file`; repeatable"),
        );
    }
    if body.content_types.len() > 1 {
        args.push(
            Arg::new("content-type")
                .long("content-type")
                .value_name("TYPE")
                .value_parser(clap::builder::PossibleValuesParser::new(
                    body.content_types.iter().copied(),
                ))
                .help(format!(
                    "How to send the body [default: {}]",
                    body.content_type
                )),
        );
    }
    args
}

fn long_about(op: &Operation) -> String {
    let mut text = op.summary.to_owned();
    if !op.description.is_empty() {
        text.push_str("\n\n");
        text.push_str(op.description);
    }
    if !op.permissions.is_empty() {
        text.push_str("\n\nPermissions required: ");
        text.push_str(op.permissions);
    }
    text.push_str(&format!("\n\n{} {}", op.method.as_str(), op.path));
    if let Some(body) = op.body {
        let required = if body.required {
            "required"
        } else {
            "optional"
        };
        text.push_str(&format!(
            "\nRequest body ({required}): {}",
            body.content_types.join(", ")
        ));
    }
    if let Some(style) = pagination_name(op.pagination) {
        text.push_str(&format!("\nPagination: {style} (jr follows every page)"));
    }
    if !op.scopes.is_empty() {
        text.push_str(&format!("\nOAuth 2.0 scopes: {}", op.scopes.join(", ")));
    }
    if op.deprecated {
        text.push_str("\nDeprecated: Atlassian marks this operation deprecated.");
    }
    text
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

fn param_arg(param: &'static jr_core::ops::Param) -> Arg {
    let mut notes = String::new();
    let allowed = match param.ty {
        ParamType::Enum(values) => Some(values),
        ParamType::Array(ParamType::Enum(values)) => Some(*values),
        _ => None,
    };
    if let Some(values) = allowed {
        notes.push_str(&format!(" [values: {}]", values.join(", ")));
    }
    if matches!(param.ty, ParamType::Array(_)) {
        notes.push_str(" [repeatable or comma-separated]");
    }
    if let Some(default) = param.default {
        notes.push_str(&format!(" [default: {default}]"));
    }
    if param.location == Location::Header {
        notes.push_str(" [header]");
    }
    let first_line = param.description.lines().next().unwrap_or_default();
    let mut arg = Arg::new(param.name)
        .long(param.name)
        .value_name(type_name(&param.ty).to_uppercase())
        .help(format!("{first_line}{notes}"))
        .long_help(if param.description.contains('\n') {
            format!("{}\n{}", param.description, notes.trim_start())
        } else {
            format!("{}{notes}", param.description)
        })
        .required(param.required);
    let kebab = kebab_case(param.name);
    if kebab != param.name {
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
        ParamType::Boolean => Some(&["true", "false"][..]),
        _ => allowed,
    };
    if let Some(values) = candidates {
        // Offered at TAB time; checking stays with `check_value`, whose
        // message lists the values.
        arg = arg.add(ArgValueCandidates::new(move || {
            values
                .iter()
                .map(|v| CompletionCandidate::new(*v))
                .collect()
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
    fn every_group_builds_a_valid_command() {
        for group in ops::groups() {
            root().subcommand(group_command(group)).debug_assert();
        }
    }

    /// Lazy building must not change what users see: every group's help is
    /// the same from the lazy tree as from the fully built one.
    #[test]
    fn lazy_help_matches_the_full_tree_for_every_group() {
        let mut full = full_command();
        full.build();
        for group in ops::groups() {
            let mut lazy = command(&argv(&["jr", group]));
            lazy.build();
            let render = |root: &mut Command| {
                root.find_subcommand_mut(group)
                    .expect("the group")
                    .render_long_help()
                    .to_string()
            };
            assert_eq!(render(&mut lazy), render(&mut full), "{group}");
        }
        for tool in tools::TOOLS {
            let mut lazy = command(&argv(&["jr", tool.name]));
            lazy.build();
            let render = |root: &mut Command| {
                root.find_subcommand_mut(tool.name)
                    .expect("the tool")
                    .render_long_help()
                    .to_string()
            };
            assert_eq!(render(&mut lazy), render(&mut full), "{}", tool.name);
        }
        let mut lazy_root = command(&argv(&["jr"]));
        assert_eq!(
            lazy_root.render_long_help().to_string(),
            full.render_long_help().to_string()
        );
    }

    #[test]
    fn no_group_shadows_a_hand_written_command() {
        let tools = tools::TOOLS.iter().map(|tool| tool.name);
        for name in commands::BUILTIN_NAMES.iter().copied().chain(tools) {
            assert!(ops::group(name).is_none(), "group `{name}` clashes");
        }
        for tool in tools::TOOLS {
            assert!(
                !commands::BUILTIN_NAMES.contains(&tool.name),
                "`{}` is both a tool and a built-in",
                tool.name
            );
        }
    }

    #[test]
    fn camel_case_flags_get_a_kebab_alias() {
        assert_eq!(kebab_case("maxResults"), "max-results");
        assert_eq!(kebab_case("after"), "after");
    }
}
