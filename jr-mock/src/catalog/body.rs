//! Request bodies checked against the spec, as Jira checks them
//! (jira-semantics §13, B21), for the catalog's operations (the webhook
//! operations keep their own, documented answers: [`crate::api`]).
//!
//! For an operation that takes a body (jr-core's operation table):
//! - a non-empty body whose `Content-Type` is none of the operation's
//!   (parameters such as `charset` aside; `*/*` takes anything) gets
//!   **415** with an `ErrorCollection`;
//! - an empty body where the spec requires one gets **400**
//!   (`The request body is missing`);
//! - a JSON body that does not parse gets **400**;
//! - a JSON body that breaks the operation's request schema gets **400**
//!   with an `ErrorCollection` naming the field in `errors` (up to three
//!   faults), by jr-core's validator ([`jr_core::ops::body::faults`]), the
//!   same one `jr` runs before sending. Operations whose schema contradicts
//!   the spec's own example ([`jr_core::ops::body::SCHEMA_CONTRADICTS_EXAMPLE`])
//!   only need JSON;
//! - rich-text fields must be Atlassian Document Format: `description` and
//!   `environment` in `fields` (create, edit and bulk create issue,
//!   transitions), a comment's `body`, and `update.comment[].add.body`.
//!   Anything else gets 400 with Jira's text
//!   `Operation value must be an Atlassian Document (see the Atlassian Document Format)`.
//!   The spec types these fields as "any", so its schema alone lets a plain
//!   string through.

use serde_json::{Map, Value, json};
use wiremock::Request;

use crate::wire::Reply;

use crate::wire::ApiError;

/// Jira's message for a rich-text field that is not ADF (B21).
pub const NOT_ADF: &str =
    "Operation value must be an Atlassian Document (see the Atlassian Document Format)";

/// Operations whose `fields` carry issue rich-text fields.
const ISSUE_FIELD_OPS: &[&str] = &["createIssue", "editIssue", "doTransition"];
/// Operations whose top-level `body` is a comment body.
const COMMENT_OPS: &[&str] = &["addComment", "updateComment"];

/// Checks `req`'s body for `op` (see the module docs); `Err` is the answer.
pub fn check(op: &jr_core::ops::Operation, req: &Request) -> Result<(), Box<Reply>> {
    refusal(op, req).map_or(Ok(()), |answer| Err(Box::new(answer)))
}

/// The answer refusing `req`'s body, if it is refused.
fn refusal(op: &jr_core::ops::Operation, req: &Request) -> Option<Reply> {
    let spec = op.body?;
    let empty = req.body.iter().all(u8::is_ascii_whitespace);
    if empty {
        let missing = ApiError::BadRequest("The request body is missing".into());
        return spec.required.then(|| missing.template());
    }
    let media = media_type(req);
    let accepted = spec
        .content_types()
        .iter()
        .any(|t| t == "*/*" || media.as_deref() == Some(t));
    if !accepted {
        let message = format!(
            "Unsupported Media Type: the Content-Type {} is not one of {}",
            media
                .as_deref()
                .map_or("(none)".to_owned(), |m| format!("'{m}'")),
            spec.content_types().join(", ")
        );
        return Some(
            Reply::new(415).set_body_json(json!({"errorMessages": [message], "errors": {}})),
        );
    }
    if !media.as_deref().is_some_and(|m| m.contains("json")) {
        return None;
    }
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(body) => body,
        Err(e) => {
            let bad = ApiError::BadRequest(format!("The request body is not valid JSON: {e}"));
            return Some(bad.template());
        }
    };
    let errors = schema_errors(op, &body).or_else(|| rich_text_errors(op.operation_id(), &body))?;
    Some(Reply::new(400).set_body_json(json!({"errorMessages": [], "errors": errors})))
}

/// The request's media type, lower case, without parameters.
fn media_type(req: &Request) -> Option<String> {
    let raw = req.headers.get("content-type")?.to_str().ok()?;
    let media = raw.split(';').next().unwrap_or_default().trim();
    (!media.is_empty()).then(|| media.to_ascii_lowercase())
}

/// The schema faults of `body` as `errors` (field → message), if any.
fn schema_errors(op: &jr_core::ops::Operation, body: &Value) -> Option<Map<String, Value>> {
    let faults = jr_core::ops::body::faults(op, body, 3).ok()?;
    if faults.is_empty() {
        return None;
    }
    let errors = faults
        .into_iter()
        .map(|f| {
            let field = if f.field.is_empty() {
                "body".to_owned()
            } else {
                f.field
            };
            let at = if f.pointer.is_empty() {
                "/".to_owned()
            } else {
                f.pointer
            };
            (field, Value::String(format!("{} (at {at})", f.message)))
        })
        .collect();
    Some(errors)
}

/// The rich-text fields of `body` that are not ADF, as `errors`, if any.
fn rich_text_errors(operation_id: &str, body: &Value) -> Option<Map<String, Value>> {
    let mut errors = Map::new();
    let mut require = |field: &str, value: Option<&Value>| {
        if let Some(v) = value
            && !v.is_null()
            && !is_adf(v)
        {
            errors.insert(field.to_owned(), NOT_ADF.into());
        }
    };
    let issues: Vec<&Value> = match operation_id {
        "createIssues" => body["issueUpdates"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        id if ISSUE_FIELD_OPS.contains(&id) => vec![body],
        _ => Vec::new(),
    };
    for issue in issues {
        require("description", issue["fields"].get("description"));
        require("environment", issue["fields"].get("environment"));
        for comment in issue["update"]["comment"].as_array().into_iter().flatten() {
            require("comment", comment["add"].get("body"));
        }
    }
    if COMMENT_OPS.contains(&operation_id) {
        require("comment", body.get("body"));
    }
    (!errors.is_empty()).then_some(errors)
}

/// Whether `v` is an ADF document: `{"type": "doc", "version": 1, "content": [...]}`.
pub fn is_adf(v: &Value) -> bool {
    v["type"] == "doc" && v["version"] == 1 && v["content"].is_array()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adf_is_a_versioned_doc_with_content() {
        assert!(is_adf(&json!({"type": "doc", "version": 1, "content": []})));
        assert!(!is_adf(&json!("plain text")));
        assert!(!is_adf(&json!({"type": "doc", "content": []})));
    }

    #[test]
    fn plain_text_rich_text_fields_are_named() {
        let body = json!({"fields": {"summary": "s", "description": "plain"}});
        let errors = rich_text_errors("createIssue", &body).expect("an error");
        assert_eq!(errors["description"], NOT_ADF);
        let comment = json!({"body": "plain"});
        assert_eq!(
            rich_text_errors("addComment", &comment).expect("an error")["comment"],
            NOT_ADF
        );
        let adf = json!({"body": {"type": "doc", "version": 1, "content": []}});
        assert!(rich_text_errors("addComment", &adf).is_none());
    }
}
