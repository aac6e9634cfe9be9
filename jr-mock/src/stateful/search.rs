//! `searchAndReconsileIssuesUsingJql` (`GET /rest/api/3/search/jql`) and
//! `searchAndReconsileIssuesUsingJqlPost` (`POST`, body `{"jql",
//! "maxResults", "fields": [...], "nextPageToken"}`) over the model's
//! issues ([`crate::model::issues::search`] has the JQL subset).
//!
//! Answer: 200 `{"issues": [issue as getIssue renders it, with the same
//! `fields` selection], "isLast": bool, "nextPageToken"?}`; the last page
//! has no `nextPageToken`. `maxResults` defaults to 50 and is cut to 5000
//! (Jira's cap); 0 counts as 1. A `nextPageToken` the fake did not issue
//! for this `jql` → 400 naming `nextPageToken` in `errors`. Pages are offsets into the ordered results, so an
//! issue created or deleted between two pages can shift them (as a page
//! is not a snapshot in Jira either).
//!
//! `expand=changelog` (query, or `"expand"` in the body) adds each issue's
//! `changelog`; `expand=names` adds `names` for the fields returned.
//!
//! Errors: 400 `{"errorMessages": [message], "errors": {}}`.

use serde_json::{Map, Value, json};

use super::{Call, Failure};
use crate::model::issues::history::{Expand, field_names};
use crate::model::issues::search::{self, PageError};
use crate::model::issues::{IssueError, Site, select_fields};
use crate::wire::{ApiError, Reply, json_response, query_int, query_value};

/// `maxResults` when absent.
const DEFAULT_MAX_RESULTS: u64 = 50;
/// Jira's largest page for this operation.
const MAX_RESULTS_CAP: u64 = 5000;

/// What a search asks: the query, the page and the fields.
struct Asked {
    jql: String,
    token: Option<String>,
    max_results: u64,
    fields: Vec<String>,
    expand: Expand,
}

/// `searchAndReconsileIssuesUsingJql`: the parameters from the query string.
pub(super) fn get(call: &Call<'_>) -> Result<Reply, Failure> {
    let url = &call.req.url;
    let asked = Asked {
        jql: query_value(url, "jql").unwrap_or_default(),
        token: query_value(url, "nextPageToken"),
        max_results: query_int(url, "maxResults", 0, u64::MAX)?.unwrap_or(DEFAULT_MAX_RESULTS),
        fields: url
            .query_pairs()
            .filter(|(k, _)| k == "fields")
            .map(|(_, v)| v.into_owned())
            .collect(),
        expand: Expand::parse(
            super::issue::query_values(call, "expand")
                .iter()
                .map(String::as_str),
        ),
    };
    answer(call, &asked)
}

/// `searchAndReconsileIssuesUsingJqlPost`: the parameters from the body.
pub(super) fn post(call: &Call<'_>) -> Result<Reply, Failure> {
    let body = call.body()?;
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let max_results = match body.get("maxResults") {
        None | Some(Value::Null) => DEFAULT_MAX_RESULTS,
        Some(v) => v.as_u64().ok_or_else(|| ApiError::BadField {
            field: "maxResults".into(),
            message: "\"maxResults\" must be a non-negative integer".into(),
        })?,
    };
    let fields = body
        .get("fields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let asked = Asked {
        jql: text("jql").unwrap_or_default(),
        token: text("nextPageToken"),
        max_results,
        fields,
        expand: Expand::parse(text("expand").as_deref()),
    };
    answer(call, &asked)
}

fn answer(call: &Call<'_>, asked: &Asked) -> Result<Reply, Failure> {
    let size = usize::try_from(asked.max_results.min(MAX_RESULTS_CAP)).unwrap_or(1);
    let found = call.store.read(|m| {
        let site = Site {
            seed: &m.seed,
            base: call.base,
        };
        let ask = search::PageAsk {
            jql: &asked.jql,
            token: asked.token.as_deref(),
            max_results: size,
            now_ms: m.now_ms(),
            caller: call.actor.as_ref().map(|a| a.account_id.as_str()),
            comments: Some(&m.issues.comments),
        };
        let visible = m
            .issues
            .issues
            .values()
            .filter(|i| call.viewer.sees(m, &i.project));
        let page = search::page(&m.seed, visible, ask)?;
        let issues: Vec<Value> = page
            .issues
            .iter()
            .map(|i| {
                let mut v = m.issues.show(site, i);
                // Without `fields`, Jira's enhanced search returns only each
                // issue's ID (the spec: `fields` default "id").
                if asked.fields.iter().all(|f| f.trim().is_empty()) {
                    v = serde_json::json!({"id": v["id"]});
                } else {
                    select_fields(&mut v, &asked.fields);
                }
                m.issues
                    .expand_changelog(&mut v, i.id, asked.expand, call.base);
                v
            })
            .collect();
        Ok((issues, page.next_page_token))
    });
    let (issues, next) = found.map_err(|e| match e {
        PageError::Jql(m) => Failure::from(IssueError::Message(m)),
        PageError::Token(message) => ApiError::BadField {
            field: "nextPageToken".into(),
            message,
        }
        .into(),
    })?;
    let mut body = json!({"issues": issues, "isLast": next.is_none()});
    if asked.expand.names {
        let mut every = Map::new();
        for i in &issues {
            every.extend(i["fields"].as_object().cloned().unwrap_or_default());
        }
        body["names"] = field_names(&every);
    }
    if let Some(token) = next {
        body["nextPageToken"] = token.into();
    }
    Ok(json_response(200, &body))
}

/// `countIssues` (`POST /rest/api/3/search/approximate-count` `{"jql"}`):
/// 200 `{"count": N}`, the exact number of issues the search would find;
/// 400 for JQL the search refuses, or one without a restriction
/// ([`search::UNBOUNDED`], as the spec: "requires JQL to be bounded").
pub(super) fn count(call: &Call<'_>) -> Result<Reply, Failure> {
    let body = call.body()?;
    let jql = body.get("jql").and_then(Value::as_str).unwrap_or_default();
    let count = call.store.read(|m| {
        let env = search::Env {
            now_ms: m.now_ms(),
            caller: call.actor.as_ref().map(|a| a.account_id.as_str()),
            seed: Some(&m.seed),
        };
        let parsed = search::parse_in(jql, &env).map_err(IssueError::Message)?;
        if !parsed.is_bounded() {
            return Err(IssueError::Message(search::UNBOUNDED.into()));
        }
        let corpus = search::Corpus {
            seed: &m.seed,
            comments: Some(&m.issues.comments),
        };
        let visible = m
            .issues
            .issues
            .values()
            .filter(|i| call.viewer.sees(m, &i.project));
        Ok::<_, IssueError>(parsed.run_in(&corpus, visible).len())
    })?;
    Ok(json_response(200, &json!({ "count": count })))
}
