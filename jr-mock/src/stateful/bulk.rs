//! `createIssues` (`POST /rest/api/3/issue/bulk`) over the model's issues.
//!
//! `{"issueUpdates": [{"fields": {...}}, ...]}`: each element is created as
//! `createIssue` would create it, in order. The answer is Jira's
//! `CreatedIssues`: `{"issues": [{"id", "key", "self"}...], "errors":
//! [BulkOperationErrorResult...]}`, each error `{"status": 400,
//! "failedElementNumber": N (0-based, as the spec's example), "elementErrors":
//! {"errorMessages": [...], "errors": {field: message}}}`. 201 when at least
//! one issue was created, 400 (same shape) when every element failed.

use serde_json::{Value, json};

use super::{Call, Failure, deliver};
use crate::model::issues::IssueError;
use crate::wire::{ApiError, Reply, json_response};

/// `createIssues`.
pub(super) fn create(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let body = call.body()?;
    let mut elements = match body.get("issueUpdates") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            return Err(ApiError::BadField {
                field: "issueUpdates".into(),
                message: "\"issueUpdates\" must be an array".into(),
            }
            .into());
        }
    };
    for fields in elements
        .iter_mut()
        .filter_map(|e| e.get_mut("fields")?.as_object_mut())
    {
        super::access::hide_project(call, fields);
    }
    let (results, queued) = call
        .store
        .try_write(|m, now| Ok::<_, Failure>(m.create_issues(actor, &elements, now)))?;
    deliver(call, queued);
    let mut issues = Vec::new();
    let mut errors = Vec::new();
    for (n, result) in results.into_iter().enumerate() {
        match result {
            Ok(issue) => issues.push(json!({"id": issue.id.to_string(), "key": issue.key,
                "self": format!("{}/rest/api/3/issue/{}", call.base, issue.id)})),
            Err(e) => errors.push(element_error(n, e)),
        }
    }
    let status = if issues.is_empty() && !errors.is_empty() {
        400
    } else {
        201
    };
    Ok(json_response(
        status,
        &json!({"issues": issues, "errors": errors}),
    ))
}

/// One `BulkOperationErrorResult`.
fn element_error(number: usize, e: IssueError) -> Value {
    let (messages, fields) = match e {
        IssueError::Fields(f) => (Vec::new(), f),
        IssueError::Message(m) | IssueError::Missing(m) => (vec![m], Default::default()),
        IssueError::NotFound => (
            vec![crate::model::issues::NO_ISSUE.to_owned()],
            Default::default(),
        ),
    };
    json!({"status": 400, "failedElementNumber": number,
        "elementErrors": {"errorMessages": messages, "errors": fields}})
}
