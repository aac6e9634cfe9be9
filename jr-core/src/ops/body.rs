//! Request body schemas and examples, read from the generated `bodies.rs`
//! only when a command needs them (`jr schema`, validation before sending,
//! `--help` examples), and parsed only as far as the one operation needs.
//!
//! Each schema is JSON Schema 2020-12 converted from the spec's OpenAPI 3.0
//! (`nullable` widened, `readOnly` properties never required); component
//! references point at `#/$defs/<name>`, and [`schema`] attaches exactly the
//! definitions an operation's schema reaches.

use super::{BodyTexts, Operation, bodies, schema_check};
use crate::error::Error;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The texts of `op`'s body when it is JSON or multipart form data.
pub fn texts(op: &Operation) -> Option<&'static BodyTexts> {
    let at = bodies::BODIES
        .binary_search_by(|b| b.operation_id().cmp(op.operation_id()))
        .ok()?;
    bodies::BODIES.get(at)
}

/// A valid example body for `op` as compact JSON (the spec's own example,
/// else a minimal one built from the schema), if its body is JSON.
pub fn example(op: &Operation) -> Option<&'static str> {
    texts(op).map(|t| t.example())
}

/// `op`'s body schema as one self-contained JSON Schema 2020-12 document:
/// the operation's schema with a `$defs` object holding every component
/// definition it reaches. `None` when `op` takes no JSON body.
pub fn schema(op: &Operation) -> Option<Value> {
    let texts = texts(op)?;
    let mut root: Value = serde_json::from_str(texts.schema()).ok()?;
    let defs = reachable_defs(texts.schema());
    if !defs.is_empty() {
        let wrapped = match root {
            Value::Object(map) => map,
            // A boolean schema cannot carry `$defs`; it references none anyway.
            other => return Some(other),
        };
        let mut map = wrapped;
        map.insert("$defs".into(), Value::Object(defs));
        root = Value::Object(map);
    }
    Some(root)
}

/// The definitions `schema_text` reaches, found by scanning the texts for
/// `#/$defs/` references, so only those are parsed.
fn reachable_defs(schema_text: &str) -> Map<String, Value> {
    let mut names = BTreeSet::new();
    let mut todo = referenced(schema_text);
    while let Some(name) = todo.pop() {
        if !names.insert(name) {
            continue;
        }
        if let Some(text) = def_text(name) {
            todo.extend(referenced(text));
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let value = serde_json::from_str(def_text(name)?).ok()?;
            Some((name.to_owned(), value))
        })
        .collect()
}

fn def_text(name: &str) -> Option<&'static str> {
    let at = bodies::DEFS
        .binary_search_by(|(n, _)| n.of(bodies::TEXT).cmp(name))
        .ok()?;
    Some(bodies::DEFS[at].1.of(bodies::TEXT))
}

/// The definition names referenced in a compact JSON text.
fn referenced(text: &str) -> Vec<&str> {
    const MARK: &str = "\"#/$defs/";
    text.match_indices(MARK)
        .filter_map(|(at, _)| {
            let rest = &text[at + MARK.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// Operations whose request schema rejects the spec's own example body.
///
/// The schema and the example contradict each other (a property named by its
/// description, a field typed `array` whose example is an object, `null`s the
/// schema does not allow, a required field the example omits). The example
/// is what Jira's documentation tells people to send, so for these the
/// schema is not trusted to reject bodies. A test keeps this list exact.
pub const SCHEMA_CONTRADICTS_EXAMPLE: &[&str] = &[
    "addGadget",
    "addSecurityLevelMembers",
    "bulkSetIssuePropertiesByIssue",
    "createAssociations",
    "createUiModification",
    "evaluateJSISJiraExpression",
    "evaluateJiraExpression",
    "removeAssociations",
    "submitBulkMove",
    "updateGadget",
    "updateUiModification",
];

/// Top-level members whose `null` the operation's description documents
/// while its schema types them without `null`: a `null` there is checked as
/// if the member were absent. `assignIssue`: "If `name` or `accountId` is
/// set to … `null`, the issue is set to unassigned" (the spec's description
/// of the operation; its `User` schema types `accountId` as a string).
pub const NULL_DOCUMENTED: &[(&str, &str)] = &[("assignIssue", "accountId")];

/// Checks a JSON body against `op`'s request schema before it is sent.
///
/// Operations without a JSON schema (binary and text bodies) accept any
/// body, and so do those in [`SCHEMA_CONTRADICTS_EXAMPLE`] as long as the
/// body is JSON. Errors: [`crate::ErrorKind::Validation`] (exit 4) for a body that is
/// not JSON, or that breaks the schema: the message names the JSON pointer
/// of the offending value (`/webhooks/0/jqlFilter`, empty for the whole
/// body) and the rule broken (`required`, `type`, `enum`, ...); up to three
/// faults are listed.
pub fn validate(op: &Operation, body: &[u8]) -> Result<(), Error> {
    if texts(op).is_none() {
        return Ok(());
    }
    let instance: Value = serde_json::from_slice(body).map_err(|e| {
        Error::validation(format!("--body is not valid JSON: {e}"))
            .with_hint("pass a JSON document, @file, or - for stdin")
    })?;
    let faults: Vec<String> = faults(op, &instance, 3)?
        .iter()
        .map(|f| format!("at `{}`: {} (rule: {})", f.pointer, f.message, f.rule))
        .collect();
    if faults.is_empty() {
        return Ok(());
    }
    let name = match op.body.map(|b| b.schema()) {
        Some(name) if !name.is_empty() => format!(" ({name})"),
        _ => String::new(),
    };
    Err(Error::validation(format!(
        "--body does not match the request schema of `{} {}`{name}: {}",
        op.group(),
        op.command(),
        faults.join("; ")
    ))
    .with_hint(format!(
        "see `jr schema {} {}` for the schema, or pass --no-validate to send it anyway",
        op.group(),
        op.command()
    )))
}

/// One way a JSON body breaks its operation's request schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The JSON pointer of the offending value (`/webhooks/0`; empty for
    /// the whole body).
    pub pointer: String,
    /// The field the fault is about: the missing property for `required`,
    /// else the last segment of `pointer` (empty for the whole body).
    pub field: String,
    /// What is wrong, naming the value (`"jqlFilter" is a required property`).
    pub message: String,
    /// The JSON Schema keyword broken (`required`, `type`, `enum`, ...).
    pub rule: String,
}

/// Up to `limit` faults of the JSON `instance` against `op`'s request
/// schema, in the validator's order; empty when it conforms, when `op` has
/// no JSON schema, or when `op` is in [`SCHEMA_CONTRADICTS_EXAMPLE`].
/// The one validator behind [`validate`] (jr) and jr-mock's body checks
/// (`schema_check`, checked against the `jsonschema` crate by the tests).
/// Errors: none today; the `Result` leaves room for schemas that cannot
/// be read.
pub fn faults(op: &Operation, instance: &Value, limit: usize) -> Result<Vec<Fault>, Error> {
    let Some(schema) = schema(op) else {
        return Ok(Vec::new());
    };
    if SCHEMA_CONTRADICTS_EXAMPLE.contains(&op.operation_id()) {
        return Ok(Vec::new());
    }
    let documented_nulls: Vec<&str> = NULL_DOCUMENTED
        .iter()
        .filter(|(id, member)| {
            *id == op.operation_id() && instance.get(member).is_some_and(Value::is_null)
        })
        .map(|(_, member)| *member)
        .collect();
    let without_nulls;
    let instance = if documented_nulls.is_empty() {
        instance
    } else {
        let mut copy = instance.clone();
        if let Some(members) = copy.as_object_mut() {
            members.retain(|name, _| !documented_nulls.contains(&name.as_str()));
        }
        without_nulls = copy;
        &without_nulls
    };
    Ok(schema_check::faults(&schema, instance, limit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{OPERATIONS, find};

    /// jr could not unassign an issue: `{"accountId": null}`, which the
    /// operation documents, broke the schema's string type (exit 4).
    #[test]
    fn a_documented_null_passes_and_a_wrong_type_still_fails() {
        let op = crate::ops::by_operation_id("assignIssue").unwrap();
        assert!(validate(op, br#"{"accountId": null}"#).is_ok());
        assert!(validate(op, br#"{"accountId": "5b10ac8d82e05b22cc7d4ef5"}"#).is_ok());
        assert_eq!(
            validate(op, br#"{"accountId": 5}"#)
                .unwrap_err()
                .exit_code(),
            4
        );
    }

    #[test]
    fn the_generated_texts_are_sorted_for_binary_search() {
        let ids: Vec<&str> = bodies::BODIES.iter().map(BodyTexts::operation_id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        let names: Vec<&str> = bodies::DEFS
            .iter()
            .map(|(n, _)| n.of(bodies::TEXT))
            .collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_reference_resolves_to_a_definition() {
        let texts = bodies::BODIES
            .iter()
            .map(|b| b.schema())
            .chain(bodies::DEFS.iter().map(|(_, t)| t.of(bodies::TEXT)));
        for text in texts {
            for name in referenced(text) {
                assert!(def_text(name).is_some(), "no definition {name}");
            }
        }
    }

    /// Checks `body` against the schema, ignoring the exemption list.
    fn strictly_valid(op: &Operation, body: &str) -> bool {
        let schema = schema(op).expect("parses");
        let validator = jsonschema::draft202012::options()
            .build(&schema)
            .unwrap_or_else(|e| panic!("{}: {e}", op.operation_id()));
        validator.is_valid(&serde_json::from_str(body).expect("JSON"))
    }

    #[test]
    fn every_body_schema_compiles_and_accepts_its_example_but_the_listed() {
        let mut rejected = Vec::new();
        for op in OPERATIONS.iter().filter(|op| texts(op).is_some()) {
            let example = example(op).expect("an example");
            if !strictly_valid(op, example) {
                rejected.push(op.operation_id());
            }
            assert!(
                validate(op, example.as_bytes()).is_ok(),
                "{}",
                op.operation_id()
            );
        }
        rejected.sort_unstable();
        assert_eq!(rejected, SCHEMA_CONTRADICTS_EXAMPLE);
    }

    #[test]
    fn a_schema_carries_only_the_definitions_it_reaches() {
        let op = find("webhook", "register-dynamic").expect("in the table");
        let schema = schema(op).expect("a JSON body");
        let defs: Vec<&String> = schema["$defs"].as_object().expect("defs").keys().collect();
        assert!(
            defs.contains(&&"WebhookRegistrationDetails".to_owned()),
            "{defs:?}"
        );
        assert!(defs.len() < 10, "{defs:?}");
    }

    #[test]
    fn a_bad_body_names_the_pointer_and_the_rule() {
        let op = find("webhook", "register-dynamic").expect("in the table");
        let err = validate(
            op,
            br#"{"url": "https://x.example", "webhooks": [{"events": []}]}"#,
        )
        .expect_err("jqlFilter is required");
        assert_eq!(err.exit_code(), 4);
        let message = err.message();
        assert!(message.contains("at `/webhooks/0`"), "{message}");
        assert!(message.contains("rule: required"), "{message}");
        assert!(message.contains("jqlFilter"), "{message}");

        let found = faults(op, &serde_json::json!({"webhooks": []}), 3).expect("compiles");
        assert_eq!(found[0].field, "url", "{found:?}");
        assert_eq!(found[0].rule, "required");

        let err = validate(op, br#"{"url": 5, "webhooks": []}"#).expect_err("url is a string");
        assert!(err.message().contains("at `/url`"), "{}", err.message());
        assert!(err.message().contains("rule: type"), "{}", err.message());
    }
}
