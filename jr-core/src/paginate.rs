//! Following pages until the end, by the style the operation declares
//! (docs/architecture.md §2), for GET and for the POST search endpoints:
//!
//! - Offset (`startAt`/`maxResults`/`isLast`/`values`, e.g. Jira's
//!   `getDynamicWebhooksForApp`): ask for the next `startAt` until `isLast`,
//!   `total` is reached, or a page comes back empty. A user's `--startAt` is
//!   where it begins. When the first page reports `total`, the later pages are
//!   fetched a few at a time ([`CONCURRENT_PAGES`]) and delivered in order.
//! - Token (`nextPageToken`, e.g. `searchAndReconsileIssuesUsingJql`): send the
//!   page's token back until a page has none or says `isLast`. An empty page
//!   that carries a new token is followed (Jira's enhanced search can filter a
//!   whole page away), but [`MAX_EMPTY_PAGES`] empty pages in a row stop the
//!   walk with an error that says so: a server handing out fresh tokens for
//!   nothing would otherwise cost `--max-pages` requests.
//! - Cursor (a `next` URL, e.g. `getFailedWebhooks`): follow `next` verbatim
//!   (same origin only) until a page comes back empty or has no `next`.
//!
//! Pages go to a callback one at a time, so `--stream` keeps memory flat in
//! the number of pages; [`fetch_all`] merges them instead. Items are kept as
//! raw JSON text, never re-parsed into numbers, so a 64-bit ID or a float's
//! digits come out as Jira sent them.
//!
//! Every loop stops after `max_pages` requests with an error (exit 1); a
//! repeated token or cursor, or an offset page that ignores `startAt`, stops
//! at once, so a misbehaving server cannot keep jr looping.

use crate::error::Error;
use crate::http::HttpClient;
use crate::ops::Pagination;
use crate::request::RequestPlan;
use futures_util::StreamExt;
use futures_util::future::Either;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::collections::HashSet;
use std::ops::ControlFlow;
use url::Url;

/// The default page cap (`--max-pages`).
pub const DEFAULT_MAX_PAGES: usize = 1000;
/// How many empty token pages in a row (each with a new `nextPageToken`)
/// are followed before the walk stops with an error.
pub const MAX_EMPTY_PAGES: usize = 3;
/// How many offset pages may be in flight at once when `total` is known.
pub const CONCURRENT_PAGES: usize = 4;

/// One page of results: its top-level fields in Jira's order, as raw JSON
/// text, with the items array (`values`, or the first array field such as
/// `issues`) split into raw items.
#[derive(Debug)]
pub struct Page {
    fields: Vec<(String, Box<RawValue>)>,
    items_key: Option<String>,
    items: Vec<Box<RawValue>>,
}

impl Page {
    /// Parses a page body. Errors: exit 1 when it is not a JSON object.
    pub fn parse(body: &[u8]) -> Result<Page, Error> {
        let not_a_page = || {
            Error::general("a page of results was not a JSON object; cannot follow the pages")
                .with_hint("pass --no-paginate to print the raw answer")
        };
        let Fields(fields) = serde_json::from_slice(body).map_err(|_| not_a_page())?;
        let items_key = fields
            .iter()
            .find(|(key, raw)| key == "values" && is_array(raw))
            .or_else(|| fields.iter().find(|(_, raw)| is_array(raw)))
            .map(|(key, _)| key.clone());
        let items = match &items_key {
            Some(key) => fields
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, raw)| serde_json::from_str(raw.get()).ok())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        Ok(Page {
            fields,
            items_key,
            items,
        })
    }

    /// The page's items, each as Jira's raw JSON text.
    pub fn items(&self) -> &[Box<RawValue>] {
        &self.items
    }

    fn field<'de, T: Deserialize<'de>>(&'de self, name: &str) -> Option<T> {
        let (_, raw) = self.fields.iter().find(|(key, _)| key == name)?;
        serde_json::from_str(raw.get()).ok()
    }

    fn is_last(&self) -> bool {
        self.field::<bool>("isLast") == Some(true)
    }
}

fn is_array(raw: &RawValue) -> bool {
    raw.get().trim_start().starts_with('[')
}

/// The top-level fields of an object, in order, values left raw.
struct Fields(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Fields, D::Error> {
        struct Ordered;
        impl<'de> Visitor<'de> for Ordered {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(Ordered)
    }
}

/// Sends `plan` and, when `style` pages, follows every page; returns the
/// merged body: the first page's envelope (key order kept) with every page's
/// items, `isLast: true`, no `nextPage`/`nextPageToken`, `maxResults` (when
/// more than one page was merged) the number of items it holds, and for
/// cursors the last `next` link (the URL to poll later). Without paging,
/// Jira's bytes.
///
/// Errors: those of [`HttpClient::send`], and exit 1 for the loop guards.
pub async fn fetch_all(
    client: &HttpClient,
    plan: &RequestPlan,
    style: Pagination,
    max_pages: usize,
) -> Result<Vec<u8>, Error> {
    fetch_up_to(client, plan, style, max_pages, None).await
}

/// [`fetch_all`] that stops, successfully, once `limit` items are merged
/// (`--limit`): the answer holds the first `limit` items, `isLast: false`
/// unless the walk had ended anyway, and no `next` link unless the cut fell
/// on a page's end (a cursor inside a page would skip records).
///
/// Errors: as [`fetch_all`].
pub async fn fetch_up_to(
    client: &HttpClient,
    plan: &RequestPlan,
    style: Pagination,
    max_pages: usize,
    limit: Option<usize>,
) -> Result<Vec<u8>, Error> {
    let walk = Walk {
        max_pages,
        limit,
        first: None,
    };
    merge(client, plan, style, walk, &mut |_, _| {}).await
}

/// How far a merged walk goes and where it starts.
#[derive(Debug)]
pub struct Walk {
    /// Requests before the walk fails (`--max-pages`).
    pub max_pages: usize,
    /// Items after which it stops, successfully (`--limit`).
    pub limit: Option<usize>,
    /// The first page, when the caller has read it already; it counts as
    /// one of `max_pages`.
    pub first: Option<Page>,
}

/// [`fetch_up_to`] with its settings in `walk`, calling `progress(pages,
/// items)` after each page is merged (a progress line on a terminal).
///
/// Errors: as [`fetch_all`].
pub async fn merge(
    client: &HttpClient,
    plan: &RequestPlan,
    style: Pagination,
    walk: Walk,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<u8>, Error> {
    if style == Pagination::None && walk.first.is_none() {
        return Ok(client.send(plan).await?.body);
    }
    let mut merged = Merge::default();
    let size_limit = client.max_response_bytes();
    let mut held: u64 = 0;
    let mut pages = 0usize;
    let limit = walk.limit;
    for_each_page_from(
        client,
        plan,
        style,
        walk.max_pages,
        walk.first,
        &mut |page| {
            pages += 1;
            held = held.saturating_add(page.items().iter().map(|i| i.get().len() as u64 + 1).sum());
            if held > size_limit {
                return Err(merged_too_big(size_limit, pages));
            }
            let flow = merged.add(page, limit);
            progress(pages, merged.items.len());
            Ok(flow)
        },
    )
    .await?;
    Ok(merged.finish(style))
}

/// The paging style an answer's shape shows, for a request the operation
/// table does not describe (`jr raw --paginate`): a `nextPageToken` string
/// is [`Pagination::Token`]; `isLast`, or a numeric `startAt` beside an items
/// array, is [`Pagination::Offset`]; a `next` link beside an items array is
/// [`Pagination::Cursor`]; anything else (not an object, no items) is
/// [`Pagination::None`].
pub fn detect(body: &[u8]) -> Pagination {
    let Ok(page) = Page::parse(body) else {
        return Pagination::None;
    };
    let has_items = page.items_key.is_some();
    if page.field::<String>("nextPageToken").is_some() {
        Pagination::Token
    } else if page.field::<bool>("isLast").is_some()
        || (has_items && page.field::<i64>("startAt").is_some())
    {
        Pagination::Offset
    } else if has_items && page.field::<String>("next").is_some() {
        Pagination::Cursor
    } else {
        Pagination::None
    }
}

/// A merged answer is held in memory until the last page: it obeys the same
/// size limit as one answer (`--max-response-size`), and `--stream` is the way
/// past it (one page in memory at a time).
fn merged_too_big(limit: u64, pages: usize) -> Error {
    Error::general(format!(
        "the merged answer of {pages} pages passed the response size limit of {limit} bytes"
    ))
    .with_hint("use --stream to print the items as the pages arrive, or raise --max-response-size")
}

/// Sends `plan` and hands each page, in order, to `on_page`, which may stop
/// the walk early with `ControlFlow::Break` (a closed pipe). `style` must not
/// be [`Pagination::None`] (that is one page: use [`HttpClient::send`]).
///
/// Errors: those of [`HttpClient::send`] and of `on_page`; exit 1 after
/// `max_pages` requests without reaching the end, for a repeated token or
/// cursor, after [`MAX_EMPTY_PAGES`] empty token pages in a row, and for an
/// offset page that does not start where asked.
pub async fn for_each_page(
    client: &HttpClient,
    plan: &RequestPlan,
    style: Pagination,
    max_pages: usize,
    on_page: &mut dyn FnMut(Page) -> Result<ControlFlow<()>, Error>,
) -> Result<(), Error> {
    for_each_page_from(client, plan, style, max_pages, None, on_page).await
}

/// [`for_each_page`] that starts from `first` when the caller has read the
/// first page already (it is handed to `on_page` and not asked for again).
///
/// Errors: as [`for_each_page`].
pub async fn for_each_page_from(
    client: &HttpClient,
    plan: &RequestPlan,
    style: Pagination,
    max_pages: usize,
    first: Option<Page>,
    on_page: &mut dyn FnMut(Page) -> Result<ControlFlow<()>, Error>,
) -> Result<(), Error> {
    match style {
        // An answer shaped like a page from an operation that cannot be
        // asked for another (no `startAt` in its query or body schema,
        // e.g. `getCommentsByIds`): one request.
        Pagination::Offset if !can_set(plan, "startAt") => {
            on_page(first_page(client, plan, first).await?).map(|_| ())
        }
        Pagination::Offset => offset(client, plan, max_pages, first, on_page).await,
        Pagination::Token => token(client, plan, max_pages, first, on_page).await,
        Pagination::Cursor => cursor(client, plan, max_pages, first, on_page).await,
        Pagination::None => on_page(first_page(client, plan, first).await?).map(|_| ()),
    }
}

/// `first`, or the answer to `plan` as a page.
async fn first_page(
    client: &HttpClient,
    plan: &RequestPlan,
    first: Option<Page>,
) -> Result<Page, Error> {
    match first {
        Some(page) => Ok(page),
        None => Page::parse(&client.send(plan).await?.body),
    }
}

async fn offset(
    client: &HttpClient,
    plan: &RequestPlan,
    max_pages: usize,
    mut first: Option<Page>,
    on_page: &mut dyn FnMut(Page) -> Result<ControlFlow<()>, Error>,
) -> Result<(), Error> {
    let fetch = |start: i64| async move {
        let mut page_plan = plan.clone();
        set_param(&mut page_plan, "startAt", start.to_string(), true);
        Ok::<_, Error>((start, Page::parse(&client.send(&page_plan).await?.body)?))
    };
    let mut next_start = param_value(plan, "startAt").unwrap_or(0);
    let mut fetched = 0;
    // Known after the first page: Jira's `total` and the page size it chose.
    let mut total: Option<i64> = None;
    let mut page_size: i64 = 0;
    // The previous page's items, to notice a server that ignores `startAt`
    // and answers the same page again (without saying `startAt` at all).
    let mut previous: Option<(i64, u64)> = None;
    while fetched < max_pages {
        let budget = (max_pages - fetched) as i64;
        let starts: Vec<i64> = match total {
            Some(total) if page_size > 0 => (0..budget)
                .map(|k| next_start + k * page_size)
                .take_while(|start| *start < total)
                .collect(),
            _ => vec![next_start],
        };
        if starts.is_empty() {
            return Ok(());
        }
        // A first page read already answers the first start (the first
        // round asks for one page only: `total` is not known yet).
        let mut pages = match first.take() {
            Some(page) => Either::Left(futures_util::stream::iter([Ok((next_start, page))])),
            None => Either::Right(
                futures_util::stream::iter(starts)
                    .map(fetch)
                    .buffered(CONCURRENT_PAGES),
            ),
        };
        while let Some(result) = pages.next().await {
            let (start, page) = result?;
            if start != next_start {
                // An earlier page was shorter than planned: plan again from
                // where it really ended (the pages in flight are dropped).
                break;
            }
            fetched += 1;
            if let Some(reported) = page.field::<i64>("startAt")
                && reported != start
            {
                return Err(Error::general(format!(
                    "the server answered startAt={reported} when asked for startAt={start}; stopped to avoid repeating pages"
                ))
                .with_hint("pass --no-paginate to read one page"));
            }
            let count = page.items().len() as i64;
            let fingerprint = items_fingerprint(&page);
            if let Some((earlier, seen)) = previous
                && count > 0
                && seen == fingerprint
            {
                return Err(Error::general(format!(
                    "the server answered the same items for startAt={start} as for startAt={earlier}; stopped to avoid repeating pages"
                ))
                .with_hint("the server seems to ignore startAt: pass --no-paginate to read one page"));
            }
            previous = Some((start, fingerprint));
            let last = page.is_last();
            total = page.field::<i64>("total").or(total);
            if page_size == 0 {
                page_size = count;
            }
            next_start = start + count;
            let reached_total = total.is_some_and(|t| next_start >= t);
            if on_page(page)?.is_break() || count == 0 || last || reached_total {
                return Ok(());
            }
        }
    }
    Err(too_many_pages(max_pages))
}

/// A hash of a page's items' raw text (never of its envelope).
fn items_fingerprint(page: &Page) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for item in page.items() {
        item.get().hash(&mut hasher);
    }
    hasher.finish()
}

async fn token(
    client: &HttpClient,
    plan: &RequestPlan,
    max_pages: usize,
    mut first: Option<Page>,
    on_page: &mut dyn FnMut(Page) -> Result<ControlFlow<()>, Error>,
) -> Result<(), Error> {
    let mut page_plan = plan.clone();
    let mut seen = HashSet::new();
    let mut empty_in_a_row = 0;
    for _ in 0..max_pages {
        let page = first_page(client, &page_plan, first.take()).await?;
        let next = page
            .field::<String>("nextPageToken")
            .filter(|t| !t.is_empty());
        let last = page.is_last();
        empty_in_a_row = if page.items().is_empty() {
            empty_in_a_row + 1
        } else {
            0
        };
        if on_page(page)?.is_break() || last {
            return Ok(());
        }
        let Some(next) = next else {
            return Ok(());
        };
        if empty_in_a_row >= MAX_EMPTY_PAGES {
            return Err(Error::general(format!(
                "the last {empty_in_a_row} pages were empty, each with a new nextPageToken; stopped instead of following them further"
            ))
            .with_hint("narrow the query, or pass --no-paginate to read one page"));
        }
        if !seen.insert(next.clone()) {
            return Err(Error::general(format!(
                "the server returned the page token `{next}` twice; stopped to avoid a loop"
            )));
        }
        set_param(&mut page_plan, "nextPageToken", next, false);
    }
    Err(too_many_pages(max_pages))
}

async fn cursor(
    client: &HttpClient,
    plan: &RequestPlan,
    max_pages: usize,
    first: Option<Page>,
    on_page: &mut dyn FnMut(Page) -> Result<ControlFlow<()>, Error>,
) -> Result<(), Error> {
    let base = client.settings().base_url.clone();
    let mut seen = HashSet::new();
    let mut page = first_page(client, plan, first).await?;
    for fetched in 1..=max_pages {
        let next = page.field::<String>("next");
        let empty = page.items().is_empty();
        if on_page(page)?.is_break() {
            return Ok(());
        }
        let Some(next) = next.filter(|_| !empty) else {
            return Ok(());
        };
        if fetched == max_pages {
            break;
        }
        if !seen.insert(next.clone()) {
            return Err(Error::general(format!(
                "the server returned the same next page twice ({next}); stopped to avoid a loop"
            )));
        }
        page = Page::parse(
            &client
                .get_url(&same_origin(&base, &next)?, plan.operation_id)
                .await?
                .body,
        )?;
    }
    Err(too_many_pages(max_pages))
}

fn too_many_pages(max_pages: usize) -> Error {
    Error::general(format!(
        "stopped after {max_pages} pages without reaching the last one"
    ))
    .with_hint("raise --max-pages, or pass --no-paginate to read one page")
}

/// Merges pages: the first page's envelope, every page's items in order.
#[derive(Default)]
struct Merge {
    first: Option<Page>,
    items: Vec<Box<RawValue>>,
    last_next: Option<Box<RawValue>>,
    pages: usize,
    /// `--limit` ended the walk before the last page.
    cut: bool,
    /// ... and dropped items of the last page read.
    cut_inside_page: bool,
}

impl Merge {
    /// Adds a page's items, up to `limit` items in all; `Break` once the
    /// limit is reached.
    fn add(&mut self, mut page: Page, limit: Option<usize>) -> ControlFlow<()> {
        self.pages += 1;
        let room = limit.map(|limit| limit.saturating_sub(self.items.len()));
        let reached = room.is_some_and(|room| page.items.len() >= room);
        if let Some(room) = room.filter(|room| page.items.len() > *room) {
            page.items.truncate(room);
            self.cut_inside_page = true;
        }
        self.cut = reached && !page.is_last();
        self.items.append(&mut page.items);
        if let Some((_, next)) = page.fields.iter().find(|(key, _)| key == "next")
            && next.get().starts_with('"')
        {
            self.last_next = Some(next.clone());
        }
        if self.first.is_none() {
            self.first = Some(page);
        }
        if reached {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    /// Splices the raw text back together, so nothing is re-serialised.
    fn finish(self, style: Pagination) -> Vec<u8> {
        let Some(first) = self.first else {
            return b"{}".to_vec();
        };
        let mut out =
            Vec::with_capacity(self.items.iter().map(|i| i.get().len() + 1).sum::<usize>() + 256);
        out.push(b'{');
        let mut separator = false;
        let mut push = |out: &mut Vec<u8>, key: &str, value: &[u8]| {
            if separator {
                out.push(b',');
            }
            separator = true;
            out.extend_from_slice(serde_json::to_string(key).unwrap_or_default().as_bytes());
            out.push(b':');
            out.extend_from_slice(value);
        };
        let last_next = self.last_next.filter(|_| !self.cut_inside_page);
        let merged_count = (self.pages > 1 || self.cut_inside_page).then_some(self.items.len());
        for (key, raw) in &first.fields {
            let dropped = matches!(key.as_str(), "nextPage" | "nextPageToken")
                || (key == "next" && style == Pagination::Cursor && last_next.is_none());
            if dropped {
                continue;
            }
            if Some(key) == first.items_key.as_ref() {
                push(&mut out, key, &join_items(&self.items));
            } else if key == "isLast" {
                push(&mut out, key, if self.cut { b"false" } else { b"true" });
            } else if let Some(count) = merged_count.filter(|_| key == "maxResults") {
                push(&mut out, key, count.to_string().as_bytes());
            } else if key == "next" && style == Pagination::Cursor {
                let next = last_next.as_deref().unwrap_or(raw);
                push(&mut out, key, next.get().as_bytes());
            } else {
                push(&mut out, key, raw.get().as_bytes());
            }
        }
        if style == Pagination::Cursor
            && let Some(next) = &last_next
            && !first.fields.iter().any(|(key, _)| key == "next")
        {
            push(&mut out, "next", next.get().as_bytes());
        }
        out.push(b'}');
        out
    }
}

fn join_items(items: &[Box<RawValue>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.iter().map(|i| i.get().len() + 1).sum::<usize>() + 2);
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item.get().as_bytes());
    }
    out.push(b']');
    out
}

/// A `next` link on the configured origin is followed verbatim; one on another
/// origin (Jira may name the site while jr talks to the API gateway) is
/// re-rooted on the base URL, so credentials never go to another host.
///
/// A relative link is read against the base URL's own path: `/rest/...` below
/// `https://api.atlassian.com/ex/jira/<cloudId>` stays below it (URL joining
/// would drop `/ex/jira/<cloudId>` and ask the gateway for the wrong thing).
fn same_origin(base: &Url, next: &str) -> Result<String, Error> {
    let base_path = base.path().trim_end_matches('/');
    let rooted;
    let next = if next.starts_with('/') && !next.starts_with("//") && !next.starts_with(base_path) {
        rooted = format!("{base_path}{next}");
        rooted.as_str()
    } else {
        next
    };
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

/// A paging parameter the user gave: in the query when the operation takes
/// it there, else in the JSON body (the POST search endpoints), else the query.
fn param_value(plan: &RequestPlan, name: &str) -> Option<i64> {
    if !plan.query_params.contains(&name)
        && let Some(body) = json_body(plan)
    {
        return body.get(name).and_then(serde_json::Value::as_i64);
    }
    plan.query
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.parse().ok())
}

/// Sets a paging parameter where the operation takes it: the query when the
/// operation declares it there, else a field of a JSON object body (POST
/// search endpoints), else the query. `numeric` sends a
/// body field as a JSON number.
/// Whether the operation takes paging parameter `name` in its query or body.
fn can_set(plan: &RequestPlan, name: &str) -> bool {
    plan.query_params.contains(&name) || plan.body_paging.contains(&name)
}

fn set_param(plan: &mut RequestPlan, name: &str, value: String, numeric: bool) {
    let in_query = plan.query_params.contains(&name);
    if !in_query && let Some(mut body) = json_body(plan) {
        let value = match value.parse::<i64>() {
            Ok(n) if numeric => serde_json::Value::from(n),
            _ => serde_json::Value::String(value),
        };
        body.insert(name.to_owned(), value);
        if let Some((bytes, _)) = &mut plan.body {
            *bytes = serde_json::to_vec(&body).unwrap_or_default();
        }
        return;
    }
    plan.query.retain(|(n, _)| n != name);
    plan.query.push((name.to_owned(), value));
}

fn json_body(plan: &RequestPlan) -> Option<serde_json::Map<String, serde_json::Value>> {
    let (bytes, content_type) = plan.body.as_ref()?;
    if !content_type.contains("json") {
        return None;
    }
    match serde_json::from_slice(bytes) {
        Ok(serde_json::Value::Object(body)) => Some(body),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(pages: &[&str], style: Pagination) -> String {
        let mut merge = Merge::default();
        for page in pages {
            let _ = merge.add(Page::parse(page.as_bytes()).unwrap(), None);
        }
        String::from_utf8(merge.finish(style)).unwrap()
    }

    #[test]
    fn offset_pages_merge_into_the_first_envelope() {
        let out = merged(
            &[
                r#"{"self":"s","maxResults":2,"startAt":0,"total":3,"isLast":false,"nextPage":"n","values":[1,2]}"#,
                r#"{"self":"t","maxResults":2,"startAt":2,"total":3,"isLast":true,"values":[3]}"#,
            ],
            Pagination::Offset,
        );
        assert_eq!(
            out,
            // maxResults counts the merged items (issue 16: the first page's
            // 2 no longer describes the answer).
            r#"{"self":"s","maxResults":3,"startAt":0,"total":3,"isLast":true,"values":[1,2,3]}"#
        );
    }

    #[test]
    fn merging_keeps_key_order_and_number_text() {
        let out = merged(
            &[
                r#"{"values":[{"id":9007199254740993,"f":0.10000000000000000555}],"maxResults":1,"next":"a"}"#,
                r#"{"values":[],"maxResults":1}"#,
            ],
            Pagination::Cursor,
        );
        assert_eq!(
            out,
            r#"{"values":[{"id":9007199254740993,"f":0.10000000000000000555}],"maxResults":1,"next":"a"}"#
        );
    }

    #[test]
    fn a_merged_cursor_result_keeps_the_last_next_link_to_poll() {
        let out = merged(
            &[
                r#"{"values":[{"id":"1"}],"maxResults":1,"next":"a"}"#,
                r#"{"values":[{"id":"2"}],"maxResults":1,"next":"b"}"#,
                r#"{"values":[],"maxResults":1}"#,
            ],
            Pagination::Cursor,
        );
        assert_eq!(
            out,
            r#"{"values":[{"id":"1"},{"id":"2"}],"maxResults":2,"next":"b"}"#
        );
    }

    #[test]
    fn token_pages_merge_their_issues_without_the_token() {
        let out = merged(
            &[
                r#"{"issues":[{"id":"1"}],"nextPageToken":"t1","isLast":false}"#,
                r#"{"issues":[{"id":"2"}],"isLast":true}"#,
            ],
            Pagination::Token,
        );
        assert_eq!(out, r#"{"issues":[{"id":"1"},{"id":"2"}],"isLast":true}"#);
    }

    #[test]
    fn the_paging_style_is_read_from_an_answers_shape() {
        let style = |body: &str| detect(body.as_bytes());
        assert_eq!(
            style(r#"{"issues":[],"nextPageToken":"t","isLast":false}"#),
            Pagination::Token
        );
        assert_eq!(
            style(r#"{"startAt":0,"maxResults":1,"isLast":false,"values":[1]}"#),
            Pagination::Offset
        );
        assert_eq!(
            style(r#"{"startAt":0,"total":9,"comments":[1]}"#),
            Pagination::Offset
        );
        assert_eq!(
            style(r#"{"values":[1],"next":"https://x/rest/a?after=1"}"#),
            Pagination::Cursor
        );
        for plain in [
            r#"{"accountId":"a"}"#,
            "[1,2]",
            r#"{"next":"x"}"#,
            "not json",
        ] {
            assert_eq!(style(plain), Pagination::None, "{plain}");
        }
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

    /// Issue 12: a relative `next` link dropped the gateway's `/ex/jira/<cloudId>`.
    #[test]
    fn a_relative_next_link_stays_below_the_base_path() {
        let gateway = Url::parse("https://api.atlassian.com/ex/jira/abc").unwrap();
        let next = "/rest/api/3/webhook/failed?after=5";
        assert_eq!(
            same_origin(&gateway, next).unwrap(),
            "https://api.atlassian.com/ex/jira/abc/rest/api/3/webhook/failed?after=5"
        );
        let already = "/ex/jira/abc/rest/api/3/webhook/failed?after=5";
        assert_eq!(
            same_origin(&gateway, already).unwrap(),
            "https://api.atlassian.com/ex/jira/abc/rest/api/3/webhook/failed?after=5"
        );
        let site = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            same_origin(&site, next).unwrap(),
            "http://127.0.0.1:8080/rest/api/3/webhook/failed?after=5"
        );
    }

    #[test]
    fn paging_parameters_go_into_a_json_body_when_there_is_one() {
        let op = crate::ops::by_operation_id("searchAndReconsileIssuesUsingJqlPost").unwrap();
        let mut plan = RequestPlan::build(
            op,
            &[],
            Some(br#"{"jql":"project = A","maxResults":2}"#.to_vec()),
        )
        .unwrap();
        set_param(&mut plan, "nextPageToken", "t1".into(), false);
        let body = &plan.body.as_ref().unwrap().0;
        assert_eq!(
            std::str::from_utf8(body).unwrap(),
            r#"{"jql":"project = A","maxResults":2,"nextPageToken":"t1"}"#
        );
        assert!(plan.query.is_empty());
    }

    #[test]
    fn paging_parameters_the_operation_takes_in_the_query_stay_there() {
        // POST /rest/api/3/app/field/context/configuration/list: startAt is a
        // query parameter and the body schema forbids other fields.
        let op = crate::ops::by_operation_id("getCustomFieldsConfigurations").unwrap();
        let body = br#"{"fieldIdsOrKeys":["customfield_10035"]}"#;
        let mut plan = RequestPlan::build(op, &[], Some(body.to_vec())).unwrap();
        set_param(&mut plan, "startAt", "1".into(), true);
        assert_eq!(plan.body.as_ref().unwrap().0, body);
        assert_eq!(plan.query, [("startAt".to_owned(), "1".to_owned())]);
    }
}
