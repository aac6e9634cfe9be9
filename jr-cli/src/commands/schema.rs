//! `jr schema [GROUP [COMMAND]]`: the command tree as JSON, for scripts and
//! agents that build invocations.
//!
//! - `jr schema`: every group, `[{"resource", "summary", "verbs": [...]}]`.
//! - `jr schema GROUP`: an array of its operations.
//! - `jr schema GROUP COMMAND`: one operation, in the existing `jr` shape
//!   `{"resource", "verb", "method", "path", "summary", "has_body", "flags":
//!   [{"name", "required", "type", "description", "in"}]}`, plus
//!   `"pagination"` (`offset`, `token`, `cursor` or null), `"body_schema"`
//!   (JSON Schema 2020-12 with its `$defs`, for JSON and multipart form
//!   bodies, else null) and `"content_types"`.
//!
//! A hand-written command mounted in a group (`jr schema webhook listen`)
//! has the same shape with `"hand_written": true`, `method`, `path` and
//! `operation_id` null, and its flags read from its clap command
//! (`"in": "flag"`, or `"argument"` for a positional one); group listings
//! include them.
//!
//! A flag's `name` is bare (`maxResults`); a body is the flag
//! `{"name": "body", "in": "body", ...}`. An operation with helper flags
//! (`jr webhook register-dynamic --url --jql --event`) lists them with
//! `"in": "helper"`; its body, when the spec requires one, is then
//! `"required": false` with `"required_unless": [helper flag names]` and a
//! description that says "required unless a helper flag is given". Types are `string`, `integer`,
//! `int64`, `number`, `boolean`, `enum` (with `"values"`) and `array` (with
//! `"items"`, the element type).

use crate::context::Ctx;
use crate::entry::{Entry, Own};
use crate::tree::{HELPER_HEADING, own_arg_type, own_value_type, pagination_name};
use clap::{Arg, ArgMatches, Command};
use jr_core::Error;
use jr_core::ops::{self, Operation, Param, ParamType};
use serde_json::{Value, json};

/// `jr schema [GROUP [COMMAND]]`.
pub const ENTRY: Entry = Entry::TopLevel(Own {
    name: NAME,
    command,
    run,
});

const NAME: &str = "schema";

fn command() -> Command {
    Command::new(NAME)
        .about(
            "Print the command tree as JSON: all groups, one group's operations, or one operation",
        )
        .arg(
            Arg::new("group")
                .value_name("GROUP")
                .help("A group, e.g. webhook"),
        )
        .arg(
            Arg::new("command")
                .value_name("COMMAND")
                .requires("group")
                .help("A command of the group, e.g. get-failed"),
        )
        .after_help("Example:\n  jr schema webhook get-failed")
}

fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
    let group = matches.get_one::<String>("group");
    let command = matches.get_one::<String>("command").map(String::as_str);
    let tree = match group {
        Some(group) => ctx.group_tree(group, command),
        None => ctx.full_tree(),
    };
    ctx.out.value(&schema(matches, &tree)?)
}

/// The JSON for the matches of `jr schema ...`; `tree` is the command tree
/// with (at least) the named group built, for the hand-written commands.
///
/// Errors: exit 4 for a group or command that does not exist, naming what does.
fn schema(matches: &ArgMatches, tree: &Command) -> Result<Value, Error> {
    let group = matches.get_one::<String>("group");
    let command = matches.get_one::<String>("command");
    match (group, command) {
        (None, _) => Ok(Value::Array(
            ops::GROUPS
                .iter()
                .map(|g| group_summary(g, &own_commands(tree, g.name())))
                .collect(),
        )),
        (Some(group), None) => {
            known_group(group)?;
            let own = own_commands(tree, group);
            Ok(Value::Array(
                ops::in_group(group)
                    .map(|op| with_helpers(op, tree))
                    .chain(own.iter().map(|c| own_command(group, c)))
                    .collect(),
            ))
        }
        (Some(group), Some(command)) => {
            known_group(group)?;
            // An alias (`jr webhook list`) names its command here too.
            let command = tree
                .find_subcommand(group)
                .and_then(|g| g.find_subcommand(command))
                .map_or(command.as_str(), Command::get_name);
            if let Some(op) = ops::find(group, command) {
                return Ok(with_helpers(op, tree));
            }
            let own = own_commands(tree, group);
            match own.iter().find(|c| c.get_name() == command) {
                Some(found) => Ok(own_command(group, found)),
                None => {
                    let commands: Vec<&str> = ops::in_group(group)
                        .map(|op| op.command())
                        .chain(own.iter().map(Command::get_name))
                        .collect();
                    Err(
                        Error::validation(format!("no command `{command}` in group `{group}`"))
                            .with_hint(format!("commands: {}", commands.join(", "))),
                    )
                }
            }
        }
    }
}

/// The hand-written commands mounted in `group`: its subcommands in `tree`
/// that are not operations.
fn own_commands(tree: &Command, group: &str) -> Vec<Command> {
    tree.find_subcommand(group)
        .map(|g| {
            g.get_subcommands()
                .filter(|c| ops::find(group, c.get_name()).is_none())
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// A hand-written command in the `jr schema` shape (see the module docs).
fn own_command(group: &str, command: &Command) -> Value {
    let flags: Vec<Value> = command
        .get_arguments()
        .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
        .map(own_flag)
        .collect();
    json!({
        "resource": group,
        "verb": command.get_name(),
        "method": null,
        "path": null,
        "summary": command.get_about().map(|a| a.to_string()),
        "has_body": false,
        "flags": flags,
        "pagination": null,
        "content_types": null,
        "body_schema": null,
        "operation_id": null,
        "deprecated": false,
        "hand_written": true,
    })
}

fn own_flag(arg: &Arg) -> Value {
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .map(|v| v.get_name().to_owned())
        .collect();
    let ty = own_arg_type(arg);
    let mut flag = json!({
        "name": arg.get_long().unwrap_or(arg.get_id().as_str()),
        "required": arg.is_required_set(),
        "type": ty,
        "description": arg.get_help().map(|h| h.to_string()).unwrap_or_default(),
        "in": if arg.is_positional() { "argument" } else { "flag" },
    });
    if ty == "array" {
        flag["items"] = json!({"type": own_value_type(arg)});
    }
    if ty == "enum" {
        flag["values"] = json!(values);
    }
    if let Some(default) = arg.get_default_values().first() {
        flag["default"] = json!(default.to_string_lossy());
    }
    if let Some(env) = arg.get_env() {
        flag["env"] = json!(env.to_string_lossy());
    }
    flag
}

/// [`operation`] with the helper flags its command in `tree` has (see the
/// module docs).
fn with_helpers(op: &Operation, tree: &Command) -> Value {
    let mut found = operation(op);
    let helpers: Vec<&Arg> = tree
        .find_subcommand(op.group())
        .and_then(|group| group.find_subcommand(op.command()))
        .map(|command| {
            command
                .get_arguments()
                .filter(|a| a.get_help_heading() == Some(HELPER_HEADING))
                .collect()
        })
        .unwrap_or_default();
    if helpers.is_empty() {
        return found;
    }
    let names: Vec<&str> = helpers
        .iter()
        .map(|a| a.get_long().unwrap_or(a.get_id().as_str()))
        .collect();
    if let Some(flags) = found["flags"].as_array_mut() {
        if let Some(body) = flags
            .iter_mut()
            .find(|f| f["in"] == "body" && f["required"] == true)
        {
            body["required"] = json!(false);
            body["required_unless"] = json!(names);
            body["description"] = json!(
                "request body (JSON string, @file, or - for stdin); required unless a helper flag is given"
            );
        }
        flags.extend(helpers.into_iter().map(|arg| {
            let mut flag = own_flag(arg);
            flag["in"] = json!("helper");
            flag
        }));
    }
    found
}

fn known_group(group: &str) -> Result<(), Error> {
    match ops::group(group) {
        Some(_) => Ok(()),
        None => Err(Error::validation(format!("no group `{group}`"))
            .with_hint("run jr schema to list the groups")),
    }
}

fn group_summary(group: &ops::Group, own: &[Command]) -> Value {
    json!({
        "resource": group.name(),
        "summary": group.about(),
        "verbs": ops::in_group(group.name())
            .map(|op| op.command())
            .chain(own.iter().map(Command::get_name))
            .collect::<Vec<_>>(),
    })
}

/// One operation in the `jr schema` shape.
pub fn operation(op: &Operation) -> Value {
    let mut flags: Vec<Value> = op.params().iter().map(flag).collect();
    if let Some(body) = op.body {
        flags.push(json!({
            "name": "body",
            "required": body.required,
            "type": if body.content_type().contains("json") { "json" } else { "string" },
            "description": "request body (JSON string, @file, or - for stdin)",
            "in": "body",
        }));
    }
    json!({
        "resource": op.group(),
        "verb": op.command(),
        "method": op.method.as_str(),
        "path": op.path(),
        "summary": op.summary(),
        "has_body": op.body.is_some(),
        "flags": flags,
        "pagination": pagination_name(op.pagination),
        "content_types": op.body.map(|b| b.content_types()),
        "body_schema": ops::body::schema(op),
        "operation_id": op.operation_id(),
        "deprecated": op.deprecated,
    })
}

fn flag(param: &Param) -> Value {
    let mut flag = json!({
        "name": param.name(),
        "required": param.required,
        "type": type_word(param.ty),
        "description": param.description(),
        "in": match param.location {
            ops::Location::Path => "path",
            ops::Location::Query => "query",
            ops::Location::Header => "header",
        },
    });
    let extras = match param.ty {
        ParamType::Enum(values) => Some(("values", json!(values))),
        ParamType::Array(item) => Some(("items", item_schema(item.into()))),
        _ => None,
    };
    if let (Some((key, value)), Value::Object(map)) = (extras, &mut flag) {
        map.insert(key.into(), value);
    }
    if let (Some(default), Value::Object(map)) = (param.default(), &mut flag) {
        map.insert("default".into(), json!(default));
    }
    flag
}

fn item_schema(ty: ParamType) -> Value {
    match ty {
        ParamType::Enum(values) => json!({"type": "enum", "values": values}),
        other => json!({"type": type_word(other)}),
    }
}

/// The one-word type of a parameter.
pub fn type_word(ty: ParamType) -> &'static str {
    match ty {
        ParamType::String => "string",
        ParamType::Integer => "integer",
        ParamType::Int64 => "int64",
        ParamType::Number => "number",
        ParamType::Boolean => "boolean",
        ParamType::Enum(_) => "enum",
        ParamType::Array(_) => "array",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(args: &[&str]) -> Result<Value, Error> {
        let matches = command()
            .try_get_matches_from(std::iter::once("schema").chain(args.iter().copied()))
            .expect("parses");
        let tree = crate::tree::full_command(crate::commands::COMMANDS);
        super::schema(&matches, &tree)
    }

    #[test]
    fn one_operation_keeps_the_existing_shape() {
        let got = schema(&["webhook", "get-failed"]).expect("exists");
        assert_eq!(got["resource"], "webhook");
        assert_eq!(got["verb"], "get-failed");
        assert_eq!(got["method"], "GET");
        assert_eq!(got["path"], "/rest/api/3/webhook/failed");
        assert_eq!(got["has_body"], false);
        assert_eq!(got["pagination"], "cursor");
        assert_eq!(got["body_schema"], Value::Null);
        assert_eq!(
            got["flags"][0],
            json!({"name": "maxResults", "required": false, "type": "integer",
                "description": got["flags"][0]["description"], "in": "query"})
        );
    }

    /// `jr schema webhook list` was refused although `jr webhook list` runs
    /// (the alias of `get-dynamic-webhooks-for-app`); the lazy tree for an
    /// alias then also left the hand-written commands out of the hint.
    #[test]
    fn an_alias_names_its_command_and_an_unknown_word_lists_every_command() {
        let got = schema(&["webhook", "list"]).expect("the alias");
        assert_eq!(got["verb"], "get-dynamic-webhooks-for-app");
        // The same through the tree `jr schema webhook list` builds.
        let lazy = crate::tree::group_in_full(crate::commands::COMMANDS, "webhook", Some("list"));
        let matches = command()
            .try_get_matches_from(["schema", "webhook", "list"])
            .expect("parses");
        let got = super::schema(&matches, &lazy).expect("the alias");
        assert_eq!(got["verb"], "get-dynamic-webhooks-for-app");
        let matches = command()
            .try_get_matches_from(["schema", "webhook", "lst"])
            .expect("parses");
        let tree = crate::tree::group_in_full(crate::commands::COMMANDS, "webhook", Some("lst"));
        let hint = super::schema(&matches, &tree)
            .expect_err("no such command")
            .hint()
            .map(str::to_owned)
            .unwrap_or_default();
        assert!(
            hint.contains("get-failed") && hint.contains("listen"),
            "{hint}"
        );
    }

    #[test]
    fn a_body_is_a_flag_and_its_schema_is_attached() {
        let got = schema(&["webhook", "register-dynamic"]).expect("exists");
        let body = got["flags"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["name"] == "body"))
            .expect("a body flag");
        assert_eq!(body["in"], "body");
        // Required by the spec, unless the helper flags give it.
        assert_eq!(body["required"], false);
        assert_eq!(body["required_unless"][1], "jql");
        assert_eq!(
            got["body_schema"]["$ref"],
            "#/$defs/WebhookRegistrationDetails"
        );
        assert!(got["body_schema"]["$defs"]["WebhookDetails"].is_object());
    }

    #[test]
    fn helper_flags_are_listed_and_the_body_is_required_unless_one_is_given() {
        let got = schema(&["webhook", "register-dynamic"]).expect("exists");
        let flags = got["flags"].as_array().cloned().unwrap_or_default();
        let helpers: Vec<&str> = flags
            .iter()
            .filter(|f| f["in"] == "helper")
            .filter_map(|f| f["name"].as_str())
            .collect();
        assert_eq!(
            helpers,
            ["url", "jql", "event", "field-id", "issue-property-key"]
        );
        let body = flags.iter().find(|f| f["in"] == "body").expect("a body");
        assert_eq!(body["required"], false);
        assert_eq!(body["required_unless"][0], "url");
        assert!(
            body["description"]
                .as_str()
                .is_some_and(|d| d.contains("required unless a helper flag is given")),
            "{body}"
        );
        let refresh = schema(&["webhook", "refresh"]).expect("exists");
        let all = refresh["flags"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["name"] == "all").cloned())
            .expect("--all");
        assert_eq!(
            (all["in"].as_str(), all["type"].as_str()),
            (Some("helper"), Some("boolean"))
        );
        let plain = schema(&["webhook", "get-failed"]).expect("exists");
        assert!(!plain.to_string().contains("\"helper\""), "{plain}");
    }

    #[test]
    fn a_group_is_an_array_and_all_lists_every_group() {
        let group = schema(&["webhook"]).expect("exists");
        let own = ["listen", "trigger", "replay", "ensure", "status"];
        assert_eq!(group.as_array().map(Vec::len), Some(5 + own.len()));
        let all = schema(&[]).expect("always");
        assert_eq!(all.as_array().map(Vec::len), Some(ops::GROUPS.len()));
        let version = all
            .as_array()
            .and_then(|g| g.iter().find(|g| g["resource"] == "version"))
            .expect("version is a group");
        assert!(version["verbs"].as_array().is_some_and(|v| v.len() == 13));
    }

    #[test]
    fn a_hand_written_command_shows_its_flags() {
        let got = schema(&["webhook", "listen"]).expect("exists");
        assert_eq!(got["hand_written"], true);
        assert_eq!(got["verb"], "listen");
        assert_eq!(got["method"], Value::Null);
        let flag = |name: &str| {
            got["flags"]
                .as_array()
                .and_then(|f| f.iter().find(|f| f["name"] == name).cloned())
                .unwrap_or_else(|| panic!("no --{name} in {got}"))
        };
        assert_eq!(flag("port")["type"], "integer");
        assert_eq!(flag("port")["default"], "0");
        assert_eq!(flag("secret")["env"], "JR_WEBHOOK_SECRET");
        assert_eq!(flag("reject-invalid")["type"], "boolean");
        assert_eq!(flag("respond")["type"], "array");
        let trigger = schema(&["webhook", "trigger"]).expect("exists");
        assert_eq!(trigger["flags"][0]["in"], "argument");
        assert_eq!(trigger["flags"][0]["required"], true);
        let all = schema(&[]).expect("always");
        let webhook = all
            .as_array()
            .and_then(|g| g.iter().find(|g| g["resource"] == "webhook"))
            .expect("webhook is a group");
        assert!(
            webhook["verbs"].to_string().contains("\"ensure\""),
            "{webhook}"
        );
    }

    #[test]
    fn every_operation_with_a_json_body_carries_its_schema() {
        for op in ops::OPERATIONS {
            let got = operation(op);
            let json_body = op.body.is_some_and(|b| {
                b.content_type().contains("json") || b.content_type() == "multipart/form-data"
            });
            assert_eq!(
                got["body_schema"].is_null(),
                !json_body,
                "{}",
                op.operation_id()
            );
            let flags = got["flags"].as_array().map_or(0, Vec::len);
            assert_eq!(flags, op.params().len() + usize::from(op.body.is_some()));
        }
    }

    #[test]
    fn unknown_names_are_exit_4_with_what_exists() {
        let err = schema(&["webhok"]).expect_err("no such group");
        assert_eq!(err.exit_code(), 4);
        let err = schema(&["webhook", "nope"]).expect_err("no such command");
        assert!(err.to_json().to_string().contains("get-failed"));
    }

    #[test]
    fn arrays_and_enums_describe_their_values() {
        let got = schema(&["project", "get-components-paginated"]).expect("exists");
        let order = got["flags"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["name"] == "orderBy"))
            .expect("orderBy");
        assert_eq!(order["type"], "enum");
        assert!(
            order["values"]
                .as_array()
                .is_some_and(|v| v.contains(&json!("-name")))
        );
    }
}
