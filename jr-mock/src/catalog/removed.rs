//! Operations Atlassian has removed from Jira Cloud that the spec still
//! lists: they answer 410 Gone with Jira's message naming the replacement
//! (jira-semantics §13, B13).
//!
//! | operationId | request | replacement |
//! |---|---|---|
//! | `searchForIssuesUsingJql` | `GET /rest/api/3/search` | `/rest/api/3/search/jql` |
//! | `searchForIssuesUsingJqlPost` | `POST /rest/api/3/search` | `/rest/api/3/search/jql` |
//!
//! No other removal has a public source with Jira's answer, so no other
//! operation is on the list (the spec marks many more deprecated; those
//! still answer, and `jr` warns before calling them).

use crate::wire::Reply;
use serde_json::json;

use super::Operation;

/// Removed operations: operationId and the path of the replacement.
pub const REMOVED: &[(&str, &str)] = &[
    ("searchForIssuesUsingJql", "/rest/api/3/search/jql"),
    ("searchForIssuesUsingJqlPost", "/rest/api/3/search/jql"),
];

/// The 410 for `op` when Atlassian removed it:
/// `{"errorMessages": ["The requested API has been removed. Please migrate to the <replacement> API."], "errors": {}}`.
pub fn answer(op: &Operation) -> Option<Reply> {
    let (_, replacement) = REMOVED.iter().find(|(id, _)| *id == op.operation_id)?;
    let message =
        format!("The requested API has been removed. Please migrate to the {replacement} API.");
    Some(Reply::new(410).set_body_json(json!({"errorMessages": [message], "errors": {}})))
}
