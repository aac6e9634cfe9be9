//! `createIssue`, `getIssue`, `editIssue`, `deleteIssue`, `assignIssue`
//! and `getAllLabels` over the model's issues ([`crate::model::issues`]).
//!
//! - `POST /rest/api/3/issue` `{"fields": {...}}`: 201 `{"id", "key",
//!   "self"}`; 400 `errors` naming `project`, `issuetype`, `summary` or an
//!   unsettable field with Jira's texts.
//! - `GET /rest/api/3/issue/{issueIdOrKey}[?fields=a,b,-c&expand=changelog,names]`:
//!   200 the issue (see [`crate::model::issues::render`]), with
//!   `changelog` and `names` when expanded; 404 `Issue does not exist or
//!   you do not have permission to see it.`
//! - `PUT /rest/api/3/issue/{issueIdOrKey}` `{"fields": {...}, "update":
//!   {"labels": [{"add": "x"}], ...}}`: 204 (200 with the issue when
//!   `returnIssue=true`); 400 `errors` for a bad field or operation, or a
//!   field in both (see [`crate::model::issues::update`]).
//! - `DELETE /rest/api/3/issue/{issueIdOrKey}[?deleteSubtasks=true]`: 204;
//!   400 for an issue with subtasks without `deleteSubtasks=true`.
//! - `PUT /rest/api/3/issue/{issueIdOrKey}/assignee` `{"accountId": "…" |
//!   "-1" | null}`: 204; 400 `errors.assignee` for an unknown account or a
//!   body without `accountId`.
//! - `GET /rest/api/3/label[?startAt&maxResults]`: 200 `PageBeanString`
//!   `{"self", "maxResults" (1000), "startAt", "total", "isLast",
//!   "values"}`, every label on an issue, sorted, once.

use serde_json::{Map, Value, json};

use super::{Call, Failure, deliver};
use crate::model::issues::history::{Expand, field_names};
use crate::model::issues::{Site, select_fields};
use crate::wire::{ApiError, Reply, json_response};

/// `createIssue`.
pub(super) fn create(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let body = call.body()?;
    let mut fields = object(&body, "fields")?;
    super::access::hide_project(call, &mut fields);
    let (issue, queued) = call
        .store
        .try_write(|m, now| m.create_issue(actor, &fields, now).map_err(Failure::from))?;
    deliver(call, queued);
    let id = issue.id.to_string();
    let link = format!("{}/rest/api/3/issue/{id}", call.base);
    Ok(json_response(
        201,
        &json!({"id": id, "key": issue.key, "self": link}),
    ))
}

/// `getIssue`.
pub(super) fn get(call: &Call<'_>) -> Result<Reply, Failure> {
    let key = call.param("issueIdOrKey");
    let asked = query_values(call, "fields");
    let expand = Expand::parse(query_values(call, "expand").iter().map(String::as_str));
    let issue = call.store.read(|m| {
        let site = Site {
            seed: &m.seed,
            base: call.base,
        };
        m.issues.find(&key).map(|i| {
            let mut v = m.issues.show(site, i);
            select_fields(&mut v, &asked);
            if expand.names {
                v["names"] = field_names(v["fields"].as_object().unwrap_or(&Map::new()));
            }
            m.issues.expand_changelog(&mut v, i.id, expand, call.base);
            v
        })
    });
    let Some(issue) = issue else {
        return Err(crate::model::issues::IssueError::NotFound.into());
    };
    Ok(json_response(200, &issue))
}

/// Every value of the query parameter `name`, in order.
pub(super) fn query_values(call: &Call<'_>, name: &str) -> Vec<String> {
    call.req
        .url
        .query_pairs()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// `editIssue`.
pub(super) fn edit(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let key = call.param("issueIdOrKey");
    let body = call.body()?;
    let fields = object(&body, "fields")?;
    let update = object(&body, "update")?;
    let queued = call.store.try_write(|m, now| {
        m.edit_issue(actor, &key, (&fields, &update), now)
            .map_err(Failure::from)
    })?;
    deliver(call, queued);
    if crate::wire::query_value(&call.req.url, "returnIssue").as_deref() == Some("true") {
        return get(call);
    }
    Ok(Reply::new(204))
}

/// `deleteIssue`.
pub(super) fn delete(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let key = call.param("issueIdOrKey");
    let with_subtasks =
        crate::wire::query_value(&call.req.url, "deleteSubtasks").as_deref() == Some("true");
    let queued = call.store.try_write(|m, now| {
        m.delete_issue(actor, &key, with_subtasks, now)
            .map_err(Failure::from)
    })?;
    deliver(call, queued);
    Ok(Reply::new(204))
}

/// The object `name` of `body` (empty when absent).
/// Errors: 400 when it is not an object.
pub(super) fn object(body: &Map<String, Value>, name: &str) -> Result<Map<String, Value>, Failure> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(ApiError::BadField {
            field: name.to_owned(),
            message: format!("\"{name}\" must be an object"),
        }
        .into()),
    }
}

/// `assignIssue`.
pub(super) fn assign(call: &Call<'_>) -> Result<Reply, Failure> {
    let actor = call.actor()?;
    let key = call.param("issueIdOrKey");
    let body = call.body()?;
    let account = match body.get("accountId") {
        Some(Value::Null) => None,
        Some(Value::String(a)) => Some(a.clone()),
        _ => {
            return Err(ApiError::BadField {
                field: "assignee".into(),
                message: "Specify an accountId, \"-1\" or null".into(),
            }
            .into());
        }
    };
    let queued = call.store.try_write(|m, now| {
        m.assign_issue(actor, &key, account.as_deref(), now)
            .map_err(Failure::from)
    })?;
    deliver(call, queued);
    Ok(Reply::new(204))
}

/// `getAllLabels`' `maxResults` when absent (the spec's default).
const LABELS_MAX_RESULTS: u64 = 1000;

/// `getAllLabels`.
pub(super) fn labels(call: &Call<'_>) -> Result<Reply, Failure> {
    let url = &call.req.url;
    let start = crate::wire::query_int(url, "startAt", 0, u64::MAX)?.unwrap_or(0);
    let max = crate::wire::query_int(url, "maxResults", 0, u64::MAX)?.unwrap_or(LABELS_MAX_RESULTS);
    let all: std::collections::BTreeSet<String> = call.store.read(|m| {
        m.issues
            .issues
            .values()
            .filter(|i| call.viewer.sees(m, &i.project))
            .flat_map(|i| i.labels.iter().cloned())
            .collect()
    });
    let skip = usize::try_from(start).unwrap_or(usize::MAX);
    let take = usize::try_from(max).unwrap_or(usize::MAX);
    let values: Vec<&String> = all.iter().skip(skip).take(take).collect();
    let total = all.len() as u64;
    let end = start.saturating_add(values.len() as u64);
    let link = |at: u64| {
        format!(
            "{}/rest/api/3/label?maxResults={max}&startAt={at}",
            call.base
        )
    };
    let mut body = json!({"self": link(start), "maxResults": max, "startAt": start,
        "total": total, "isLast": end >= total, "values": values});
    if end < total {
        body["nextPage"] = link(end).into();
    }
    Ok(json_response(200, &body))
}
