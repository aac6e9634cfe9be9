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

use serde_json::{Value, json};

use super::{Call, Failure, deliver};
use crate::model::issues::Site;
use crate::model::issues::comments::render_comment;
use crate::wire::{Reply, json_response, query_int, query_value};

/// `getComments`' `maxResults` when absent (the spec's default).
const DEFAULT_MAX_RESULTS: u64 = 5000;

/// `addComment`.
pub(super) fn add(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let key = call.param("issueIdOrKey");
    let body = call.body()?;
    let (comment, queued) = call.store.try_write(|m, now| {
        m.add_comment(actor, &key, body.get("body"), now)
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
        m.issues.comment(&key, &id).map(|c| render_comment(site, c))
    })?;
    Ok(json_response(200, &shown))
}

/// `updateComment`.
pub(super) fn update(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let key = call.param("issueIdOrKey");
    let id = call.param("id");
    let body = call.body()?;
    let (comment, queued) = call.store.try_write(|m, now| {
        m.update_comment(actor, &key, &id, body.get("body"), now)
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
