//! `getIssuePropertyKeys`, `getIssueProperty`, `setIssueProperty` and
//! `deleteIssueProperty` over the model's issue properties
//! ([`crate::model::issues::properties`]).
//!
//! - `GET /rest/api/3/issue/{issueIdOrKey}/properties`: 200 `{"keys":
//!   [{"self", "key"}]}`.
//! - `GET .../properties/{propertyKey}`: 200 `{"key", "value"}`; 404
//!   `The property with key 'k' does not exist.`
//! - `PUT .../properties/{propertyKey}` (the body is the value, any JSON):
//!   201 when created, 200 when replaced, body `{}`; 400 for an empty body
//!   or one over 32768 characters.
//! - `DELETE .../properties/{propertyKey}`: 204; 404 as `GET`.
//!
//! Every answer is Jira's issue 404 for an unknown issue.

use serde_json::{Value, json};

use super::{Call, Failure, deliver};
use crate::model::issues::properties::SetOutcome;
use crate::wire::{ApiError, Reply, json_response};

/// `getIssuePropertyKeys`.
pub(super) fn keys(call: &Call<'_>) -> Result<Reply, Failure> {
    let issue = call.param("issueIdOrKey");
    let listed = call.store.read(|m| {
        m.issues.property_keys(&issue).map(|(id, keys)| {
            keys.into_iter()
                .map(|k| {
                    let link = format!(
                        "{}/rest/api/3/issue/{id}/properties/{}",
                        call.base,
                        encode(k)
                    );
                    json!({"self": link, "key": k})
                })
                .collect::<Vec<Value>>()
        })
    })?;
    Ok(json_response(200, &json!({"keys": listed})))
}

/// `getIssueProperty`.
pub(super) fn get(call: &Call<'_>) -> Result<Reply, Failure> {
    let issue = call.param("issueIdOrKey");
    let key = call.param("propertyKey");
    let value = call
        .store
        .read(|m| m.issues.property(&issue, &key).cloned())?;
    Ok(json_response(200, &json!({"key": key, "value": value})))
}

/// `setIssueProperty`.
pub(super) fn set(call: &Call<'_>) -> Result<Reply, Failure> {
    call.actor()?;
    let issue = call.param("issueIdOrKey");
    let key = call.param("propertyKey");
    let text = String::from_utf8_lossy(&call.req.body);
    let text = text.trim();
    let value: Value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(text)
            .map_err(|_| ApiError::BadRequest("The property value must be valid JSON.".into()))?
    };
    let chars = text.chars().count();
    let (outcome, queued) = call.store.try_write(|m, now| {
        m.set_issue_property(&issue, &key, &value, chars, now)
            .map_err(Failure::from)
    })?;
    deliver(call, queued);
    let status = match outcome {
        SetOutcome::Created => 201,
        SetOutcome::Updated => 200,
    };
    // The spec's answer is a JSON object with no properties.
    Ok(json_response(status, &json!({})))
}

/// `deleteIssueProperty`.
pub(super) fn delete(call: &Call<'_>) -> Result<Reply, Failure> {
    call.actor()?;
    let issue = call.param("issueIdOrKey");
    let key = call.param("propertyKey");
    let queued = call.store.try_write(|m, now| {
        m.delete_issue_property(&issue, &key, now)
            .map_err(Failure::from)
    })?;
    deliver(call, queued);
    Ok(Reply::new(204))
}

/// `key` percent-encoded for a path segment.
fn encode(key: &str) -> String {
    percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2E", ".")
        .replace("%2D", "-")
        .replace("%5F", "_")
}
