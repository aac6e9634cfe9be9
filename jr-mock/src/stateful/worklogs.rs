//! `addWorklog`, `getIssueWorklog`, `getWorklog`, `updateWorklog` and
//! `deleteWorklog` over the model's worklogs
//! ([`crate::model::issues::worklogs`]).
//!
//! - `POST /rest/api/3/issue/{issueIdOrKey}/worklog` `{"timeSpent": "1h
//!   30m" | "timeSpentSeconds": 5400, "started":
//!   "2021-01-17T12:34:00.000+0000", "comment"?: ADF}`: 201 the worklog;
//!   400 `errors.timeLogged` / `errors.started` with Jira's texts.
//! - `GET .../worklog[?startAt&maxResults&startedAfter&startedBefore]`:
//!   200 `PageOfWorklogs` `{"startAt", "maxResults" (5000), "total",
//!   "worklogs"}`, oldest first; `startedAfter`/`startedBefore` in ms since
//!   the UNIX epoch (on or after / before).
//! - `GET`/`PUT`/`DELETE .../worklog/{id}`: 200 the worklog / 200 the
//!   updated worklog / 204; 404 `Cannot find worklog with id: N.` for one
//!   not on the issue, Jira's issue 404 for an unknown issue.

use serde_json::{Value, json};

use super::{Call, Failure, deliver};
use crate::model::issues::worklogs::render_worklog;
use crate::wire::{Reply, json_response, query_int};

/// `getIssueWorklog`'s `maxResults` when absent (the spec's default).
const DEFAULT_MAX_RESULTS: u64 = 5000;

/// `addWorklog`.
pub(super) fn add(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let key = call.param("issueIdOrKey");
    let body = call.body()?;
    let (worklog, queued) = call.store.try_write(|m, now| {
        m.add_worklog(actor, &key, &body, now)
            .map_err(Failure::from)
    })?;
    deliver(call, queued);
    Ok(json_response(201, &render_worklog(call.base, &worklog)))
}

/// `getIssueWorklog`.
pub(super) fn list(call: &Call<'_>) -> Result<Reply, Failure> {
    let key = call.param("issueIdOrKey");
    let url = &call.req.url;
    let start = query_int(url, "startAt", 0, u64::MAX)?.unwrap_or(0);
    let max = query_int(url, "maxResults", 0, u64::MAX)?.unwrap_or(DEFAULT_MAX_RESULTS);
    let after = query_int(url, "startedAfter", 0, u64::MAX)?;
    let before = query_int(url, "startedBefore", 0, u64::MAX)?;
    let in_range = |ms: i64| {
        let ms = u64::try_from(ms).unwrap_or(0);
        after.is_none_or(|a| ms >= a) && before.is_none_or(|b| ms < b)
    };
    let (total, page) = call.store.read(|m| {
        let mut all = m.issues.worklogs_of(&key)?;
        all.retain(|w| in_range(w.started_ms));
        let skip = usize::try_from(start).unwrap_or(usize::MAX);
        let take = usize::try_from(max).unwrap_or(usize::MAX);
        let page: Vec<Value> = all
            .iter()
            .skip(skip)
            .take(take)
            .map(|w| render_worklog(call.base, w))
            .collect();
        Ok::<_, Failure>((all.len(), page))
    })?;
    Ok(json_response(
        200,
        &json!({"startAt": start, "maxResults": max, "total": total, "worklogs": page}),
    ))
}

/// `getWorklog`.
pub(super) fn get(call: &Call<'_>) -> Result<Reply, Failure> {
    let key = call.param("issueIdOrKey");
    let id = call.param("id");
    let shown = call.store.read(|m| {
        m.issues
            .worklog(&key, &id)
            .map(|w| render_worklog(call.base, w))
    })?;
    Ok(json_response(200, &shown))
}

/// `updateWorklog`.
pub(super) fn update(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let key = call.param("issueIdOrKey");
    let id = call.param("id");
    let body = call.body()?;
    let (worklog, queued) = call.store.try_write(|m, now| {
        m.update_worklog(actor, &key, &id, &body, now)
            .map_err(Failure::from)
    })?;
    deliver(call, queued);
    Ok(json_response(200, &render_worklog(call.base, &worklog)))
}

/// `deleteWorklog`.
pub(super) fn delete(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let key = call.param("issueIdOrKey");
    let id = call.param("id");
    let queued = call.store.try_write(|m, now| {
        m.delete_worklog(actor, &key, &id, now)
            .map_err(Failure::from)
    })?;
    deliver(call, queued);
    Ok(Reply::new(204))
}
