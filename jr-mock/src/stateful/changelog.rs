//! `getChangeLogs` and `getChangeLogsByIds` over the model's histories
//! ([`crate::model::issues::history`]).
//!
//! - `GET /rest/api/3/issue/{issueIdOrKey}/changelog[?startAt&maxResults]`:
//!   200 `PageBeanChangelog` `{"self", "nextPage"?, "maxResults" (100),
//!   "startAt", "total", "isLast", "values": [history...]}`, oldest first;
//!   404 for an unknown issue.
//! - `POST /rest/api/3/issue/{issueIdOrKey}/changelog/list`
//!   `{"changelogIds": [N...]}`: 200 `PageOfChangelogs` `{"startAt": 0,
//!   "maxResults", "total", "histories"}` with those of the issue's
//!   histories; IDs of other issues are left out.

use serde_json::{Value, json};

use super::{Call, Failure};
use crate::model::issues::history::render_history;
use crate::wire::{ApiError, Reply, json_response, query_int};

/// `maxResults` when absent (the spec's default).
const DEFAULT_MAX_RESULTS: u64 = 100;

/// `getChangeLogs`.
pub(super) fn list(call: &Call<'_>) -> Result<Reply, Failure> {
    let key = call.param("issueIdOrKey");
    let url = &call.req.url;
    let start = query_int(url, "startAt", 0, u64::MAX)?.unwrap_or(0);
    let max = query_int(url, "maxResults", 0, u64::MAX)?.unwrap_or(DEFAULT_MAX_RESULTS);
    let (total, values) = call.store.read(|m| {
        let all = m.issues.histories_of(&key)?;
        let skip = usize::try_from(start).unwrap_or(usize::MAX);
        let take = usize::try_from(max).unwrap_or(usize::MAX);
        let page: Vec<Value> = all
            .iter()
            .skip(skip)
            .take(take)
            .map(|h| render_history(h, call.base))
            .collect();
        Ok::<_, Failure>((all.len() as u64, page))
    })?;
    let link = |at: u64| {
        format!(
            "{}/rest/api/3/issue/{key}/changelog?maxResults={max}&startAt={at}",
            call.base
        )
    };
    let end = start.saturating_add(values.len() as u64);
    let is_last = end >= total;
    let mut body = json!({"self": link(start), "maxResults": max, "startAt": start,
        "total": total, "isLast": is_last, "values": values});
    if !is_last {
        body["nextPage"] = link(end).into();
    }
    Ok(json_response(200, &body))
}

/// `getChangeLogsByIds`.
pub(super) fn by_ids(call: &Call<'_>) -> Result<Reply, Failure> {
    let key = call.param("issueIdOrKey");
    let body = call.body()?;
    let ids: Option<Vec<u64>> = body
        .get("changelogIds")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(Value::as_u64).collect());
    let ids = ids.ok_or_else(|| ApiError::BadField {
        field: "changelogIds".into(),
        message: "\"changelogIds\" must be a list of changelog IDs".into(),
    })?;
    let histories = call.store.read(|m| {
        m.issues.histories_by_ids(&key, &ids).map(|found| {
            found
                .into_iter()
                .map(|h| render_history(h, call.base))
                .collect::<Vec<Value>>()
        })
    })?;
    let n = histories.len();
    Ok(json_response(
        200,
        &json!({"startAt": 0, "maxResults": n, "total": n, "histories": histories}),
    ))
}
