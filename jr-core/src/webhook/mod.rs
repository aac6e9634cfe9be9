//! Jira's dynamic-webhook semantics that the client must understand: which
//! registration items Jira rejected inside a 200 answer, and `expirationDate`
//! in both of the forms Jira is known to send.
//!
//! Source: Jira REST v3 `registerDynamicWebhooks`, `getDynamicWebhooksForApp`,
//! `refreshWebhooks`; docs/jira-semantics.md §3.2 and §9.

pub mod delivery;
pub mod events;
pub mod mock_site;
pub mod outbound;

use crate::error::Error;
use serde_json::Value;

/// One rejected item of a registration: its 1-based position in the request
/// and Jira's error texts, verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedItem {
    /// 1-based position of the item in the request's `webhooks` array.
    pub position: usize,
    /// Jira's error texts for the item, verbatim.
    pub errors: Vec<String>,
}

/// The items of a `ContainerForRegisteredWebhooks` answer
/// (`{"webhookRegistrationResult": [{"createdWebhookId": 1}, {"errors": ["..."]}]}`)
/// that carry `errors`. Jira answers 200 even when items fail.
pub fn rejected_items(body: &[u8]) -> Vec<RejectedItem> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let Some(items) = value
        .get("webhookRegistrationResult")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            let errors = item.get("errors")?.as_array()?;
            Some(RejectedItem {
                position: index + 1,
                errors: errors
                    .iter()
                    .map(|e| {
                        e.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| e.to_string())
                    })
                    .collect(),
            })
        })
        .collect()
}

/// The exit-4 error for a registration with rejected items: one line naming
/// each item's position and Jira's messages.
pub fn rejection_error(rejected: &[RejectedItem], total: usize) -> Error {
    let details = rejected
        .iter()
        .map(|item| format!("item {}: {}", item.position, item.errors.join("; ")))
        .collect::<Vec<_>>()
        .join(" | ");
    let hint = if rejected.len() >= total {
        "fix the JQL or events of the rejected items and register them again; none was created"
    } else {
        "fix the JQL or events of the rejected items and register them again; the other items were created"
    };
    Error::validation(format!(
        "Jira rejected {} of {total} webhook(s): {details}",
        rejected.len()
    ))
    .with_hint(hint)
}

/// The number of items in a registration answer.
pub fn result_count(body: &[u8]) -> usize {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("webhookRegistrationResult")?.as_array().map(Vec::len))
        .unwrap_or(0)
}

/// Parses an `expirationDate` into milliseconds since the UNIX epoch.
///
/// Accepts Jira's string form `yyyy-MM-dd'T'HH:mm:ss.SSS+0000` (any offset,
/// with or without a colon, RFC 3339 too) and an integer of epoch
/// milliseconds, as a JSON number or a string of digits; `None` otherwise.
pub fn expiration_ms(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(text) => {
            if let Ok(ms) = text.parse::<i64>() {
                return Some(ms);
            }
            text.parse::<jiff::Timestamp>()
                .ok()
                .or_else(|| {
                    jiff::fmt::strtime::parse("%Y-%m-%dT%H:%M:%S%.f%z", text)
                        .ok()?
                        .to_timestamp()
                        .ok()
                })
                .map(|ts| ts.as_millisecond())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The response body of a recording in `fixtures/` (`jr-recording/1`).
    fn recorded_answer(file: &[u8]) -> Vec<u8> {
        let recording = crate::recording::parse(file).unwrap();
        recording.response.body.unwrap().to_bytes().unwrap()
    }

    #[test]
    fn rejected_items_keep_request_positions_and_jira_texts() {
        let body = &recorded_answer(include_bytes!(
            "../../../fixtures/jira-docs/registerDynamicWebhooks.1.json"
        ));
        let rejected = rejected_items(body);
        assert_eq!(rejected.len(), 2);
        assert_eq!(
            rejected[0],
            RejectedItem {
                position: 2,
                errors: vec!["Operator is not is unsupported".into()]
            }
        );
        let err = rejection_error(&rejected, result_count(body));
        assert_eq!(err.exit_code(), 4);
        assert!(err.message().contains("2 of 3"));
        assert!(
            err.message()
                .contains("item 3: The clause watchCount is unsupported")
        );
    }

    #[test]
    fn expiration_date_is_read_in_both_forms() {
        let ms = 1_559_392_950_000;
        assert_eq!(
            expiration_ms(&json!("2019-06-01T12:42:30.000+0000")),
            Some(ms)
        );
        assert_eq!(expiration_ms(&json!("2019-06-01T12:42:30Z")), Some(ms));
        assert_eq!(expiration_ms(&json!(ms)), Some(ms));
        assert_eq!(expiration_ms(&json!("1559392950000")), Some(ms));
        assert_eq!(expiration_ms(&json!("soon")), None);
    }

    #[test]
    fn every_expiration_form_of_a_list_answer_is_read() {
        let list: Value = serde_json::from_slice(&recorded_answer(include_bytes!(
            "../../../fixtures/jira-docs/getDynamicWebhooksForApp.1.json"
        )))
        .unwrap();
        let read: Vec<Option<i64>> = list["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| expiration_ms(&w["expirationDate"]))
            .collect();
        assert_eq!(
            read,
            vec![
                Some(1_559_392_950_000),
                Some(1_559_392_950_000),
                Some(4_070_908_800_000)
            ]
        );
    }
}
