//! Following pages until the end and merging them into one result.
//!
//! - Offset (`startAt`/`maxResults`/`isLast`/`values`, e.g. Jira's
//!   `getDynamicWebhooksForApp`): ask for the next `startAt` until `isLast`,
//!   `total` is reached, or a page comes back empty.
//! - Cursor (a `next` URL, e.g. `getFailedWebhooks`): follow `next` until a
//!   page comes back empty or has no `next`.
//!
//! Every loop stops after `max_pages` requests with an error (exit 1), and a
//! cursor that repeats stops at once, so a misbehaving server cannot keep jr
//! looping.

use crate::error::Error;
use crate::http::HttpClient;
use crate::ops::Pagination;
use crate::request::RequestPlan;
use serde_json::{Map, Value};
use std::collections::HashSet;
use url::Url;

/// The default page cap (`--max-pages`).
pub const DEFAULT_MAX_PAGES: usize = 1000;

/// Sends `plan` and, when `style` pages, follows every page; returns the
/// merged body (the first page's envelope with all `values`).
pub async fn fetch_all(
    client: &HttpClient,
    plan: &RequestPlan,
    style: Pagination,
    max_pages: usize,
) -> Result<Vec<u8>, Error> {
    match style {
        Pagination::Offset => offset(client, plan, max_pages).await,
        Pagination::Cursor => cursor(client, plan, max_pages).await,
        Pagination::None | Pagination::Token => Ok(client.send(plan).await?.body),
    }
}

async fn offset(
    client: &HttpClient,
    plan: &RequestPlan,
    max_pages: usize,
) -> Result<Vec<u8>, Error> {
    let mut start: i64 = query_value(plan, "startAt").unwrap_or(0);
    let mut merged = Merge::default();
    for _ in 0..max_pages {
        let mut page_plan = plan.clone();
        set_query(&mut page_plan, "startAt", start.to_string());
        let page = parse_page(&client.send(&page_plan).await?.body)?;
        let count = values_of(&page).len() as i64;
        let last = page.get("isLast").and_then(Value::as_bool) == Some(true);
        let total = page.get("total").and_then(Value::as_i64);
        merged.add(page);
        start += count;
        if count == 0 || last || total.is_some_and(|t| start >= t) {
            return Ok(merged.finish_offset());
        }
    }
    Err(too_many_pages(max_pages))
}

async fn cursor(
    client: &HttpClient,
    plan: &RequestPlan,
    max_pages: usize,
) -> Result<Vec<u8>, Error> {
    let base = client.settings().base_url.clone();
    let mut seen = HashSet::new();
    let mut merged = Merge::default();
    let mut page = parse_page(&client.send(plan).await?.body)?;
    for fetched in 1..=max_pages {
        let next = next_link(&page);
        let empty = values_of(&page).is_empty();
        merged.add(page);
        let Some(next) = next.filter(|_| !empty) else {
            return Ok(merged.finish_cursor());
        };
        if fetched == max_pages {
            break;
        }
        if !seen.insert(next.clone()) {
            return Err(Error::general(format!(
                "the server returned the same next page twice ({next}); stopped to avoid a loop"
            )));
        }
        page = parse_page(&client.get_url(&same_origin(&base, &next)?).await?.body)?;
    }
    Err(too_many_pages(max_pages))
}

fn too_many_pages(max_pages: usize) -> Error {
    Error::general(format!(
        "stopped after {max_pages} pages without reaching the last one"
    ))
    .with_hint("raise --max-pages, or pass --no-paginate to read one page")
}

/// Merges pages: the first page's envelope, every page's `values` in order.
#[derive(Default)]
struct Merge {
    envelope: Option<Map<String, Value>>,
    values: Vec<Value>,
    last_next: Option<Value>,
}

impl Merge {
    fn add(&mut self, mut page: Map<String, Value>) {
        // Take the values but leave the key where it is, so the merged
        // envelope keeps Jira's key order.
        if let Some(Value::Array(values)) = page.get_mut("values") {
            self.values.append(values);
        }
        if let Some(next) = page.get("next").filter(|n| n.is_string()) {
            self.last_next = Some(next.clone());
        }
        if self.envelope.is_none() {
            self.envelope = Some(page);
        }
    }

    fn finish_with(self, edit: impl FnOnce(&mut Map<String, Value>, Option<Value>)) -> Vec<u8> {
        let mut envelope = self.envelope.unwrap_or_default();
        envelope.insert("values".into(), Value::Array(self.values));
        edit(&mut envelope, self.last_next);
        serde_json::to_vec(&envelope).unwrap_or_default()
    }

    /// The merged offset page says `isLast: true` and drops `nextPage`.
    fn finish_offset(self) -> Vec<u8> {
        self.finish_with(|envelope, _| {
            envelope.shift_remove("nextPage");
            if envelope.contains_key("isLast") {
                envelope.insert("isLast".into(), Value::Bool(true));
            }
        })
    }

    /// The merged cursor page keeps the last `next` seen: the URL to poll for
    /// failures that happen later (as Jira's `getFailedWebhooks` suggests).
    fn finish_cursor(self) -> Vec<u8> {
        self.finish_with(|envelope, last_next| match last_next {
            Some(next) => {
                envelope.insert("next".into(), next);
            }
            None => {
                envelope.shift_remove("next");
            }
        })
    }
}

fn parse_page(body: &[u8]) -> Result<Map<String, Value>, Error> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(page)) => Ok(page),
        _ => Err(Error::general(
            "a page of results was not a JSON object; cannot follow the pages",
        )
        .with_hint("pass --no-paginate to print the raw answer")),
    }
}

fn values_of(page: &Map<String, Value>) -> &[Value] {
    page.get("values")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn next_link(page: &Map<String, Value>) -> Option<String> {
    page.get("next").and_then(Value::as_str).map(str::to_owned)
}

/// A `next` link on the configured origin is followed verbatim; one on another
/// origin (Jira may name the site while jr talks to the API gateway) is
/// re-rooted on the base URL, so credentials never go to another host.
fn same_origin(base: &Url, next: &str) -> Result<String, Error> {
    let parsed = Url::parse(next)
        .or_else(|_| base.join(next))
        .map_err(|e| Error::general(format!("the next page link `{next}` is not a URL: {e}")))?;
    if parsed.origin() == base.origin() {
        return Ok(parsed.to_string());
    }
    let tail = parsed
        .path()
        .find("/rest/")
        .map(|at| &parsed.path()[at..])
        .unwrap_or(parsed.path());
    let query = parsed.query().map(|q| format!("?{q}")).unwrap_or_default();
    Ok(format!(
        "{}{tail}{query}",
        base.as_str().trim_end_matches('/')
    ))
}

fn query_value(plan: &RequestPlan, name: &str) -> Option<i64> {
    plan.query
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.parse().ok())
}

fn set_query(plan: &mut RequestPlan, name: &str, value: String) {
    plan.query.retain(|(n, _)| n != name);
    plan.query.push((name.to_owned(), value));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn offset_pages_merge_into_the_first_envelope() {
        let mut merged = Merge::default();
        merged.add(page(json!({"self":"s","maxResults":2,"startAt":0,"total":3,"isLast":false,"nextPage":"n","values":[1,2]})));
        merged.add(page(
            json!({"self":"t","maxResults":2,"startAt":2,"total":3,"isLast":true,"values":[3]}),
        ));
        let out: Value = serde_json::from_slice(&merged.finish_offset()).unwrap();
        assert_eq!(
            out,
            json!({"self":"s","maxResults":2,"startAt":0,"total":3,"isLast":true,"values":[1,2,3]})
        );
    }

    #[test]
    fn merging_keeps_jiras_key_order() {
        let mut merged = Merge::default();
        merged.add(page(json!({"values":[1],"maxResults":1,"next":"a"})));
        merged.add(page(json!({"values":[],"maxResults":1})));
        let out = String::from_utf8(merged.finish_cursor()).unwrap();
        assert_eq!(out, r#"{"values":[1],"maxResults":1,"next":"a"}"#);
    }

    #[test]
    fn a_merged_cursor_result_keeps_the_last_next_link_to_poll() {
        let mut merged = Merge::default();
        merged.add(page(
            json!({"values":[{"id":"1"}],"maxResults":1,"next":"a"}),
        ));
        merged.add(page(
            json!({"values":[{"id":"2"}],"maxResults":1,"next":"b"}),
        ));
        merged.add(page(json!({"values":[],"maxResults":1})));
        let out: Value = serde_json::from_slice(&merged.finish_cursor()).unwrap();
        assert_eq!(
            out,
            json!({"values":[{"id":"1"},{"id":"2"}],"maxResults":1,"next":"b"})
        );
    }

    #[test]
    fn a_next_link_on_another_host_is_rerooted_on_the_base() {
        let base = Url::parse("https://api.atlassian.com/ex/jira/abc").unwrap();
        let next =
            "https://site.atlassian.net/rest/api/3/webhook/failed?failedAfter=5&maxResults=100";
        assert_eq!(
            same_origin(&base, next).unwrap(),
            "https://api.atlassian.com/ex/jira/abc/rest/api/3/webhook/failed?failedAfter=5&maxResults=100"
        );
        let local = Url::parse("http://127.0.0.1:8080").unwrap();
        let same = "http://127.0.0.1:8080/rest/api/3/webhook/failed?failedAfter=5";
        assert_eq!(same_origin(&local, same).unwrap(), same);
    }
}
