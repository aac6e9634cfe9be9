//! `getTransitions` and `doTransition` over the project's workflow
//! ([`crate::model::seed::Workflow`]).
//!
//! - `GET /rest/api/3/issue/{issueIdOrKey}/transitions`: 200
//!   `{"expand": "transitions", "transitions": [...]}`, those available
//!   from the issue's status (see [`crate::model::issues::render_transition`]);
//!   404 for an unknown issue.
//! - `POST /rest/api/3/issue/{issueIdOrKey}/transitions`
//!   `{"transition": {"id": "21"}}`: 204; 400 `Transition id '99' is not
//!   valid for this issue.` for one the workflow does not offer from the
//!   issue's status. `fields` and `update` set fields as an edit does, in
//!   the same change (one event, one changelog with the `status` item).

use serde_json::{Value, json};

use super::{Call, Failure, deliver};
use crate::model::issues::{IssueError, render_transition};
use crate::wire::{ApiError, Reply, json_response};

/// `getTransitions`.
pub(super) fn list(call: &Call<'_>) -> Result<Reply, Failure> {
    let key = call.param("issueIdOrKey");
    let listed = call.store.read(|m| {
        let issue = m.issues.find(&key).ok_or(IssueError::NotFound)?;
        let project = m.seed.project(&issue.project).ok_or(IssueError::NotFound)?;
        let available = m.issues.transitions(&m.seed, &key)?;
        Ok::<_, IssueError>(
            available
                .into_iter()
                .map(|t| render_transition(project, t, call.base))
                .collect::<Vec<Value>>(),
        )
    })?;
    Ok(json_response(
        200,
        &json!({"expand": "transitions", "transitions": listed}),
    ))
}

/// `doTransition`.
pub(super) fn apply(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let key = call.param("issueIdOrKey");
    let body = call.body()?;
    let fields = super::issue::object(&body, "fields")?;
    let update = super::issue::object(&body, "update")?;
    let given = body.get("transition").and_then(|t| t.get("id"));
    let id = given.and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let Some(id) = id else {
        return Err(ApiError::BadField {
            field: "transition".into(),
            message: "Specify the transition to perform: {\"transition\": {\"id\": \"…\"}}".into(),
        }
        .into());
    };
    let queued = call.store.try_write(|m, now| {
        m.transition_issue(actor, &key, &id, (&fields, &update), now)
            .map_err(Failure::from)
    })?;
    deliver(call, queued);
    Ok(Reply::new(204))
}
