//! A runnable example invocation for every operation, built from the table:
//! each required parameter with a value of its type, and the request body the
//! operation needs (the spec's example for JSON bodies, a file otherwise).
//!
//! Help, the reference pages and the every-command end-to-end test all use
//! these, so an example that stopped passing `jr`'s own checks would fail
//! that test.

use super::{Operation, Param, ParamType, body};

/// The file an example uploads with `--file` (multipart bodies).
pub const UPLOAD_FILE: &str = "./attachment.txt";
/// The file an example sends as a binary body (`*/*`, avatars).
pub const BINARY_FILE: &str = "./avatar.png";

/// The arguments after `jr <group> <command>`: every required parameter as
/// `--name value` (a required boolean as `--name`), then the body.
pub fn args(op: &Operation) -> Vec<String> {
    let mut args = Vec::new();
    for param in op.params().iter().filter(|p| p.required) {
        match param.ty {
            ParamType::Boolean => args.push(format!("--{}", param.name())),
            _ => {
                args.push(format!("--{}", param.name()));
                args.push(sample(param));
            }
        }
    }
    if let Some(spec) = op.body.filter(|b| b.required) {
        let example = body::example(op);
        match (spec.content_type(), example) {
            ("multipart/form-data", Some(json)) if json.starts_with('{') => {
                args.extend(["--body".to_owned(), json.to_owned()]);
            }
            ("multipart/form-data", _) => {
                args.extend(["--file".to_owned(), UPLOAD_FILE.to_owned()]);
            }
            (_, Some(json)) => args.extend(["--body".to_owned(), json.to_owned()]),
            (_, None) => args.extend(["--body".to_owned(), format!("@{BINARY_FILE}")]),
        }
    }
    args
}

/// The whole command line, quoted for a POSIX shell.
///
/// A long JSON body goes on its own continuation line, indented, so that
/// help wrapped at the terminal width never breaks inside a JSON string
/// (a line break there would change the value on copy and paste).
pub fn command_line(op: &Operation) -> String {
    let mut line = format!("jr {} {}", op.group(), op.command());
    let args = args(op);
    let mut words = args.iter().peekable();
    while let Some(arg) = words.next() {
        let long_body = arg == "--body" && words.peek().is_some_and(|b| b.len() > 60);
        match (long_body, words.peek()) {
            (true, Some(body)) => {
                let pretty = serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| serde_json::to_string_pretty(&v).ok())
                    .unwrap_or_else(|| (*body).clone());
                line.push_str(" \\\n  --body ");
                line.push_str(&shell_quote(&pretty));
                words.next();
            }
            _ => {
                line.push(' ');
                line.push_str(&shell_quote(arg));
            }
        }
    }
    line
}

/// A value of the parameter's type that reads like real data.
pub fn sample(param: &Param) -> String {
    if let Some(default) = param.default() {
        return default.to_owned();
    }
    sample_of(param.name(), param.ty)
}

fn sample_of(name: &str, ty: ParamType) -> String {
    match ty {
        ParamType::Enum(values) => values.first().unwrap_or_default().to_owned(),
        ParamType::Array(item) => sample_of(name, item.into()),
        ParamType::Integer | ParamType::Int64 => "10000".to_owned(),
        ParamType::Number => "1.5".to_owned(),
        ParamType::Boolean => "true".to_owned(),
        ParamType::String => sample_string(name).to_owned(),
    }
}

/// Strings by what the parameter's name says it holds; an ID otherwise.
fn sample_string(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if lower.contains("issueidorkey") || lower.contains("issuekey") {
        "ABC-1"
    } else if lower.contains("projectidorkey") || lower.contains("projectkey") {
        "ABC"
    } else if lower.contains("accountid") {
        "5b10ac8d82e05b22cc7d4ef5"
    } else if lower == "jql" {
        "project = ABC"
    } else {
        "10000"
    }
}

/// `text` as one POSIX shell word: bare when it is only safe characters,
/// else in single quotes (a `'` inside becomes `'\''`).
pub fn shell_quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:@,=+%".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{OPERATIONS, find};

    #[test]
    fn get_issue_needs_only_its_key() {
        let op = find("issue", "get").expect("in the table");
        assert_eq!(command_line(op), "jr issue get --issueIdOrKey ABC-1");
    }

    #[test]
    fn a_json_body_is_the_spec_example_quoted() {
        let op = find("webhook", "register-dynamic").expect("in the table");
        let line = command_line(op);
        assert!(
            line.starts_with("jr webhook register-dynamic \\\n  --body '{\n  \"url\":"),
            "{line}"
        );
        let short = find("version", "delete-related-work").expect("in the table");
        assert!(!command_line(short).contains('\n'));
    }

    #[test]
    fn uploads_and_binary_bodies_name_a_file() {
        let attach = find("issue", "add-attachment").expect("in the table");
        assert_eq!(
            command_line(attach),
            "jr issue add-attachment --issueIdOrKey ABC-1 --file ./attachment.txt"
        );
        let avatar = find("project", "create-avatar").expect("in the table");
        assert!(command_line(avatar).ends_with("--body @./avatar.png"));
    }

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(shell_quote("plain-1"), "plain-1");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn every_operation_has_an_example_with_its_required_flags() {
        for op in OPERATIONS {
            let args = args(op);
            for param in op.params().iter().filter(|p| p.required) {
                assert!(
                    args.contains(&format!("--{}", param.name())),
                    "{}",
                    op.operation_id()
                );
            }
            if op.body.is_some_and(|b| b.required) {
                assert!(
                    args.iter().any(|a| a == "--body" || a == "--file"),
                    "{}",
                    op.operation_id()
                );
            }
        }
    }
}
