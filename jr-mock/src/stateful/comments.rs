//! `addComment`, `getComments`, `getComment`, `updateComment` and
//! `deleteComment` over the model's comments
//! ([`crate::model::issues::comments`]). Bodies are ADF: a plain-text
//! `body` gets Jira's ADF 400 from the catalog's body checks first.
//!
//! - `POST /rest/api/3/issue/{issueIdOrKey}/comment` `{"body": ADF}`: 201
//!   the comment; 400 `errors.comment` `Comment body can not be empty!`.
//! - `GET /rest/api/3/issue/{issueIdOrKey}/comment[?startAt&maxResults&orderBy]`:
//!   200 `{"startAt", "maxResults", "total", "comments": [...]}`, oldest
//!   first (`orderBy=-created`: newest first); `maxResults` defaults to 5000.
//! - `GET`/`PUT`/`DELETE .../comment/{id}`: 200 the comment / 200 the
//!   updated comment / 204; 404 `Can not find a comment for id: N.` for a
//!   comment not on the issue, Jira's issue 404 for an unknown issue.
//!
//! `"visibility": {"type": "group"|"role", "value"}` on add or update
//! restricts a comment (see [`Visibility`]): the author must be in it
//! (else 400 `errors.commentLevel` `You are currently not a member of the
//! group: x.`); others do not get it in the list and get its 404. Webhook
//! payloads carry restricted comments as they are.

use serde_json::{Value, json};

use super::{Call, Failure, deliver};
use crate::model::Model;
use crate::model::issues::comments::{Comment, Visibility, render_comment};
use crate::model::issues::{IssueError, Site};
use crate::wire::{Reply, json_response, query_int, query_value};

/// `getComments`' `maxResults` when absent (the spec's default).
const DEFAULT_MAX_RESULTS: u64 = 5000;

/// `addComment`.
pub(super) fn add(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let key = call.param("issueIdOrKey");
    let body = call.body()?;
    let visibility = Visibility::parse(body.get("visibility"))?;
    check_member(call, &key, visibility.as_ref())?;
    let (comment, queued) = call.store.try_write(|m, now| {
        m.add_comment(actor, &key, (body.get("body"), visibility.clone()), now)
            .map_err(Failure::from)
    })?;
    deliver(call, queued);
    Ok(json_response(201, &call.show(&comment)))
}

/// `getComments`.
pub(super) fn list(call: &Call<'_>) -> Result<Reply, Failure> {
    let key = call.param("issueIdOrKey");
    let url = &call.req.url;
    let start = query_int(url, "startAt", 0, u64::MAX)?.unwrap_or(0);
    let max = query_int(url, "maxResults", 0, u64::MAX)?.unwrap_or(DEFAULT_MAX_RESULTS);
    let newest_first = query_value(url, "orderBy").as_deref() == Some("-created");
    let (total, page) = call.store.read(|m| {
        let site = Site {
            seed: &m.seed,
            base: call.base,
        };
        let mut all = m.issues.comments_of(&key)?;
        all.retain(|c| sees(m, call, c));
        if newest_first {
            all.reverse();
        }
        let skip = usize::try_from(start).unwrap_or(usize::MAX);
        let take = usize::try_from(max).unwrap_or(usize::MAX);
        let page: Vec<Value> = all
            .iter()
            .skip(skip)
            .take(take)
            .map(|c| render_comment(site, c))
            .collect();
        Ok::<_, Failure>((all.len(), page))
    })?;
    Ok(json_response(
        200,
        &json!({"startAt": start, "maxResults": max, "total": total, "comments": page}),
    ))
}

/// `getComment`.
pub(super) fn get(call: &Call<'_>) -> Result<Reply, Failure> {
    let key = call.param("issueIdOrKey");
    let id = call.param("id");
    let shown = call.store.read(|m| {
        let site = Site {
            seed: &m.seed,
            base: call.base,
        };
        let c = m.issues.comment(&key, &id)?;
        if !sees(m, call, c) {
            return Err(no_comment(&id));
        }
        Ok::<_, Failure>(render_comment(site, c))
    })?;
    Ok(json_response(200, &shown))
}

/// `updateComment`.
pub(super) fn update(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let key = call.param("issueIdOrKey");
    let id = call.param("id");
    let body = call.body()?;
    let visibility = Visibility::parse(body.get("visibility"))?;
    check_seen(call, &key, &id)?;
    check_member(call, &key, visibility.as_ref())?;
    let (comment, queued) = call.store.try_write(|m, now| {
        m.update_comment(
            actor,
            (&key, &id),
            (body.get("body"), visibility.clone()),
            now,
        )
        .map_err(Failure::from)
    })?;
    deliver(call, queued);
    Ok(json_response(200, &call.show(&comment)))
}

/// `deleteComment`.
pub(super) fn delete(call: &Call<'_>) -> Result<Reply, Failure> {
    call.actor()?;
    let key = call.param("issueIdOrKey");
    let id = call.param("id");
    check_seen(call, &key, &id)?;
    let queued = call
        .store
        .try_write(|m, now| m.delete_comment(&key, &id, now).map_err(Failure::from))?;
    deliver(call, queued);
    Ok(Reply::new(204))
}

impl Call<'_> {
    /// `comment` as `getComment` answers it, links on this call's base.
    fn show(&self, comment: &crate::model::issues::comments::Comment) -> Value {
        self.store.read(|m| {
            let site = Site {
                seed: &m.seed,
                base: self.base,
            };
            render_comment(site, comment)
        })
    }
}

/// Whether the caller may see `comment` (its visibility admits them).
fn sees(m: &Model, call: &Call<'_>, comment: &Comment) -> bool {
    let project = m
        .issues
        .issues
        .get(&comment.issue_id)
        .map(|i| i.project.as_str());
    comment
        .visibility
        .as_ref()
        .is_none_or(|v| project.is_some_and(|p| v.admits(&m.seed, p, &call.viewer.ids)))
}

/// The comment's 404, as for one not on the issue.
fn no_comment(id: &str) -> Failure {
    IssueError::Missing(format!("Can not find a comment for id: {id}.")).into()
}

/// Errors: the comment's 404 when it exists but the caller may not see it.
fn check_seen(call: &Call<'_>, key: &str, id: &str) -> Result<(), Failure> {
    let hidden = call
        .store
        .read(|m| m.issues.comment(key, id).is_ok_and(|c| !sees(m, call, c)));
    if hidden { Err(no_comment(id)) } else { Ok(()) }
}

/// Errors: Jira's 400 when the author is outside the restriction asked.
fn check_member(
    call: &Call<'_>,
    key: &str,
    visibility: Option<&Visibility>,
) -> Result<(), Failure> {
    let Some(v) = visibility else {
        return Ok(());
    };
    let admitted = call.store.read(|m| {
        m.issues
            .find(key)
            .is_none_or(|i| v.admits(&m.seed, &i.project, &call.viewer.ids))
    });
    if admitted {
        Ok(())
    } else {
        Err(v.not_member().into())
    }
}
