//! Paging for catalog operations, so a client's loop ends (jira-semantics
//! §13, B12). The items are those of the operation's example (its `values`
//! array, or its first array field such as `issues`, the same rule `jr`
//! follows); each request gets the page it asks for:
//!
//! - **Offset** (`startAt`, `maxResults`): items `startAt ..
//!   startAt + maxResults`; `startAt` and `maxResults` echo the request,
//!   `total` (when the example has it) is the item count, `isLast` (when
//!   the example has it) says whether the page reaches the end, and
//!   `nextPage` (when the example has it) links the next page or is left
//!   out on the last.
//! - **Token** (`nextPageToken`, `maxResults`; `startAt` is ignored, as
//!   Jira's enhanced search does): a page of `maxResults` items from the
//!   token's position; `nextPageToken` names the next page and is left out
//!   on the last, where `isLast` (when the example has it) is `true`. A
//!   token the fake did not issue is a 400 naming `nextPageToken`.
//!   An operation that answers a page but takes no `startAt`
//!   (`getCommentsByIds`) gets every item on one page that says so
//!   (`isLast: true`, `total`).
//! - **Cursor** (`next`): one page; `next` is left out.
//!
//! Paging parameters are read from the query, or from the JSON body of the
//! POST search operations. Without `maxResults` a page holds the example's
//! own `maxResults` (50 when it has none).

use serde_json::{Map, Value};
use wiremock::Request;

use crate::wire::Reply;

use super::{EXAMPLE_SITE, Operation};
use crate::wire::{ApiError, query_value};

/// The page size when neither the request nor the example gives one.
pub const DEFAULT_PAGE_SIZE: usize = 50;

const TOKEN_PREFIX: &str = "jr-mock-page-";

/// The page of `op`'s example that `req` asks for, paged by `style`.
/// Errors: [`ApiError::BadField`] for a negative or unparsable `startAt` or
/// `maxResults`, or a page token the fake did not issue.
pub fn answer(
    op: &Operation,
    style: jr_core::ops::Pagination,
    req: &Request,
    base: &str,
) -> Result<Reply, ApiError> {
    let example = op.body.unwrap_or("{}").replace(EXAMPLE_SITE, base);
    let Ok(Value::Object(mut page)) = serde_json::from_str::<Value>(&example) else {
        return Ok(Reply::new(op.status).set_body_raw(example, "application/json"));
    };
    let params = Params::of(req);
    let Some(key) = items_key(&page) else {
        return Ok(Reply::new(op.status).set_body_json(Value::Object(page)));
    };
    let items = match page.get(&key) {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    // `maxResults=0` asks for no items (Jira answers the envelope and
    // `total`); only a token page, which could never advance, keeps one.
    let size = match params.int("maxResults")? {
        Some(n) if style == jr_core::ops::Pagination::Token => n.max(1),
        Some(n) => n,
        None => page
            .get("maxResults")
            .and_then(Value::as_u64)
            .filter(|n| *n > 0)
            .map_or(DEFAULT_PAGE_SIZE, |n| n as usize),
    };
    use jr_core::ops::Pagination;
    match style {
        Pagination::Offset if takes_start_at(op, &params) => {
            let start = params.int("startAt")?.unwrap_or(0);
            offset_page(&mut page, &key, &items, start, size, req, base);
        }
        // A page-shaped answer to an operation that takes no `startAt`
        // (`getCommentsByIds`): everything on one last page.
        Pagination::Offset => {
            offset_page(&mut page, &key, &items, 0, items.len().max(1), req, base);
            page.insert("isLast".into(), true.into());
            page.insert("total".into(), items.len().into());
        }
        Pagination::Token => {
            let start = match params.text("nextPageToken") {
                None => 0,
                Some(token) => parse_token(&token).ok_or_else(|| ApiError::BadField {
                    field: "nextPageToken".into(),
                    message: format!("The page token '{token}' is not valid."),
                })?,
            };
            token_page(&mut page, &key, &items, start, size);
        }
        Pagination::Cursor | Pagination::None => {
            page.remove("next");
        }
    }
    Ok(Reply::new(op.status).set_body_json(Value::Object(page)))
}

fn offset_page(
    page: &mut Map<String, Value>,
    key: &str,
    items: &[Value],
    start: usize,
    size: usize,
    req: &Request,
    base: &str,
) {
    let end = start.saturating_add(size).min(items.len());
    let slice = items.get(start..end).unwrap_or_default().to_vec();
    let last = end >= items.len();
    page.insert(key.to_owned(), Value::Array(slice));
    page.insert("startAt".into(), start.into());
    page.insert("maxResults".into(), size.into());
    if page.contains_key("total") {
        page.insert("total".into(), items.len().into());
    }
    if page.contains_key("isLast") {
        page.insert("isLast".into(), last.into());
    }
    if page.contains_key("nextPage") {
        if last {
            page.remove("nextPage");
        } else {
            page.insert(
                "nextPage".into(),
                next_page_url(req, base, end, size).into(),
            );
        }
    }
}

fn token_page(
    page: &mut Map<String, Value>,
    key: &str,
    items: &[Value],
    start: usize,
    size: usize,
) {
    let end = start.saturating_add(size).min(items.len());
    let slice = items.get(start..end).unwrap_or_default().to_vec();
    page.insert(key.to_owned(), Value::Array(slice));
    let last = end >= items.len();
    if last {
        page.remove("nextPageToken");
    } else {
        page.insert(
            "nextPageToken".into(),
            format!("{TOKEN_PREFIX}{end}").into(),
        );
    }
    if page.contains_key("isLast") {
        page.insert("isLast".into(), last.into());
    }
}

/// Whether `op` takes `startAt`: a query parameter, or a field of the JSON
/// body sent (the POST search operations).
fn takes_start_at(op: &Operation, params: &Params<'_>) -> bool {
    op.params.iter().any(|p| p.name == "startAt")
        || params
            .body
            .as_ref()
            .is_some_and(|b| b.contains_key("startAt"))
}

fn parse_token(token: &str) -> Option<usize> {
    token.strip_prefix(TOKEN_PREFIX)?.parse().ok()
}

/// The request's URL on `base` with `startAt` and `maxResults` set for the
/// next page.
fn next_page_url(req: &Request, base: &str, start: usize, size: usize) -> String {
    let path = req.url.path();
    let path = path.find("/rest/").map_or(path, |i| &path[i..]);
    let mut url = match url::Url::parse(&format!("{base}{path}")) {
        Ok(url) => url,
        Err(_) => return String::new(),
    };
    let kept: Vec<(String, String)> = req
        .url
        .query_pairs()
        .filter(|(k, _)| k != "startAt" && k != "maxResults")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .extend_pairs(kept)
        .append_pair("startAt", &start.to_string())
        .append_pair("maxResults", &size.to_string());
    url.to_string()
}

/// `values` when it is an array, else the first array field.
fn items_key(page: &Map<String, Value>) -> Option<String> {
    if page.get("values").is_some_and(Value::is_array) {
        return Some("values".into());
    }
    page.iter()
        .find(|(_, v)| v.is_array())
        .map(|(k, _)| k.clone())
}

/// The paging parameters of a request: the query, then a JSON object body.
struct Params<'r> {
    req: &'r Request,
    body: Option<Map<String, Value>>,
}

impl<'r> Params<'r> {
    fn of(req: &'r Request) -> Self {
        let body = match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        };
        Self { req, body }
    }

    fn text(&self, name: &str) -> Option<String> {
        query_value(&self.req.url, name).or_else(|| match self.body.as_ref()?.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
    }

    fn int(&self, name: &str) -> Result<Option<usize>, ApiError> {
        let Some(raw) = self.text(name) else {
            return Ok(None);
        };
        raw.trim()
            .parse::<usize>()
            .map(Some)
            .map_err(|_| ApiError::BadField {
                field: name.to_owned(),
                message: format!(
                    "The value '{raw}' is not valid for '{name}': expected an integer from 0."
                ),
            })
    }
}
