//! The inspector: a live web page at `/_mock/ui` showing what the fake is
//! doing (apps and their webhooks with expiry on the virtual clock, every
//! delivery attempt, the failed-delivery store, the request journal, the
//! clock) with the few actions a developer needs (advance the clock, send
//! one of the 20 events, reset).
//!
//! - `GET /_mock/ui`: the page ([`PAGE`], `inspector/page.html`): plain
//!   HTML, CSS and JavaScript embedded in the binary, no build step. It
//!   fetches only from its own origin, which its `Content-Security-Policy`
//!   enforces (`default-src 'none'`, `connect-src 'self'`), and shows every
//!   value as text, never as markup.
//! - `GET /_mock/ui/events`: a server-sent event stream (`text/event-stream`,
//!   the WHATWG HTML standard's format): an `event: change` whenever the
//!   model or the journal changed ([`Store::subscribe`]), at most one per
//!   [`MIN_GAP`] (bursts are merged), whose data is `{"version": N,
//!   "nowMs": T}`, and a `: heartbeat` comment at least every [`HEARTBEAT`]
//!   so that no proxy or idle timeout closes a quiet stream. Each client
//!   has a channel of one frame and the store's watch keeps one count, so
//!   a slow client never makes anything queue up.
//! - `GET /_mock/state` ([`state`]) and `POST /_mock/ui/send`
//!   ([`sample_event`]) are answered by [`crate::control`] like the other
//!   JSON routes; the page reads the rest from `/_mock/deliveries`,
//!   `/_mock/failed` and `/_mock/requests`.
//!
//! This module imports `store`, `model`, `wire` and jr-core's event
//! payloads; the front door (`front`) serves the two routes above.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Response;
use hyper::body::{Body, Frame};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::model::Model;
use crate::store::Store;
use crate::wire::{Answer, ApiError, json_bytes};

/// The page, served at `GET /_mock/ui`.
pub const PAGE: &str = include_str!("inspector/page.html");

/// The longest a stream stays silent: a heartbeat comment goes out at
/// least this often.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

/// The shortest time between two change events on one stream; changes in
/// between are merged into the next event.
pub const MIN_GAP: Duration = Duration::from_millis(100);

/// What the page may load: itself (inline style and script) and JSON from
/// its own origin; nothing else, and never anything off-host.
const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                   connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

/// Answers the inspector's own routes (`GET /_mock/ui`, `GET
/// /_mock/ui/events`); `None` for any other request, which the control API
/// answers.
pub(crate) fn serve(method: &str, path: &str, store: &Arc<Store>) -> Option<Answer> {
    match (method, path.strip_suffix('/').unwrap_or(path)) {
        ("GET", "/_mock/ui") => Some(page()),
        ("GET", "/_mock/ui/events") => Some(event_stream(store.clone())),
        _ => None,
    }
}

fn page() -> Answer {
    let body = Full::new(Bytes::from_static(PAGE.as_bytes()))
        .map_err(|e: std::convert::Infallible| match e {})
        .boxed();
    let mut resp = Response::new(body);
    let headers = resp.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert("content-security-policy", HeaderValue::from_static(CSP));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The stream's response; a task per client turns store changes into
/// frames until the client goes away (its channel closes).
fn event_stream(store: Arc<Store>) -> Answer {
    let (tx, frames) = mpsc::channel(1);
    tokio::spawn(pump(store.subscribe(), tx, store));
    let mut resp = Response::new(EventStream { frames }.boxed());
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

async fn pump(mut changes: watch::Receiver<u64>, tx: mpsc::Sender<Bytes>, store: Arc<Store>) {
    changes.borrow_and_update();
    // `retry`: how long a browser waits before reconnecting, in ms.
    let first = format!("retry: 2000\n\n{}", change_frame(&changes, &store));
    if tx.send(Bytes::from(first)).await.is_err() {
        return;
    }
    let start = tokio::time::Instant::now() + HEARTBEAT;
    let mut beat = tokio::time::interval_at(start, HEARTBEAT);
    loop {
        let frame = tokio::select! {
            () = tx.closed() => return,
            changed = changes.changed() => match changed {
                Ok(()) => Bytes::from(change_frame(&changes, &store)),
                Err(_) => return,
            },
            _ = beat.tick() => Bytes::from_static(b": heartbeat\n\n"),
        };
        if tx.send(frame).await.is_err() {
            return;
        }
        beat.reset();
        tokio::time::sleep(MIN_GAP).await;
    }
}

fn change_frame(changes: &watch::Receiver<u64>, store: &Store) -> String {
    let version = *changes.borrow();
    let now = store.read(Model::now_ms);
    format!(
        "event: change\ndata: {}\n\n",
        json!({"version": version, "nowMs": now})
    )
}

/// The event stream's body: the frames `pump` sends, ending when it stops.
struct EventStream {
    frames: mpsc::Receiver<Bytes>,
}

impl Body for EventStream {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.frames
            .poll_recv(cx)
            .map(|frame| frame.map(|bytes| Ok(Frame::data(bytes))))
    }
}

/// `GET /_mock/state`: what the page shows besides the listings.
///
/// `{"nowMs": T, "cloudId", "apps": [{"app", "kind" ("oauth" | "connect" |
/// "unknown"), "webhooks": [webhook]}], "deliveries": {"logged": N,
/// "pending": P}, "failedKept": F, "requests": {"lastSeq": S},
/// "switches": {...}}`. Every configured app is listed (then any other
/// owner of a webhook), in configuration order; a webhook is `{"id",
/// "url", "events", "jqlFilter", "fieldIdsFilter"?,
/// "issuePropertyKeysFilter"?, "accountId"?, "expiresAtMs", "expired"}`,
/// by ascending ID, expired ones included while Jira still lists them (90
/// days). `logged` and `lastSeq` number the newest attempt and journal
/// entry, so `/_mock/deliveries?after=logged-K` and
/// `/_mock/requests?after=lastSeq-K` give the newest K. Times in ms since
/// the UNIX epoch.
pub fn state(m: &Model, last_request_seq: u64) -> Value {
    let now = m.now_ms();
    let ids = &m.identities;
    let mut apps: Vec<(String, &str)> = ids
        .oauth_apps
        .iter()
        .map(|a| (a.client_id.clone(), "oauth"))
        .chain(ids.connect_apps.iter().map(|a| (a.key.clone(), "connect")))
        .collect();
    for hook in m.webhooks.all() {
        if !apps.iter().any(|(key, _)| *key == hook.app) {
            apps.push((hook.app.clone(), "unknown"));
        }
    }
    let apps: Vec<Value> = apps
        .into_iter()
        .map(|(app, kind)| {
            let webhooks: Vec<Value> = m
                .webhooks
                .all()
                .filter(|h| h.app == app && h.is_kept(now))
                .map(|h| {
                    let mut hook = json!({"id": h.id, "url": h.url});
                    if let (Some(hook), Value::Object(spec)) = (hook.as_object_mut(), json!(h.spec))
                    {
                        hook.extend(spec);
                    }
                    if let Some(account) = &h.account_id {
                        hook["accountId"] = json!(account);
                    }
                    hook["expiresAtMs"] = json!(h.expires_at_ms);
                    hook["expired"] = json!(!h.is_live(now));
                    hook
                })
                .collect();
            json!({"app": app, "kind": kind, "webhooks": webhooks})
        })
        .collect();
    let failed_kept = m.failed.all().iter().filter(|r| r.is_kept(now)).count();
    json!({
        "nowMs": now,
        "cloudId": m.cloud_id,
        "apps": apps,
        "deliveries": {"logged": m.deliveries.logged(), "pending": m.deliveries.pending().len()},
        "failedKept": failed_kept,
        "requests": {"lastSeq": last_request_seq},
        "switches": m.rules.switches,
    })
}

/// The body of `POST /_mock/ui/send`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendBody {
    event: String,
    #[serde(default)]
    issue: Option<String>,
    #[serde(default)]
    project: Option<String>,
}

/// `POST /_mock/ui/send {"event": NAME, "issue"?: "ABC-1", "project"?:
/// "ABC"}`: the realistic payload of event `NAME` (one of the 20) about
/// that issue and project at `now_ms`, built by jr-core's
/// [`jr_core::webhook::events::payload`] (the one `jr webhook trigger`
/// sends), ready for `POST /_mock/events`. A blank project means the issue
/// key's prefix. Errors: 400 for a malformed body or an unknown event name
/// (the message lists the 20).
pub fn sample_event(body: &Bytes, now_ms: i64) -> Result<Value, ApiError> {
    use jr_core::webhook::events::{Subject, payload};
    let body: SendBody = json_bytes(body)?;
    let mut subject = Subject::default();
    if let Some(issue) = body.issue.filter(|i| !i.trim().is_empty()) {
        subject.issue = issue.trim().to_owned();
    }
    subject.project = body
        .project
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    payload(&body.event, &subject, now_ms).map_err(|message| ApiError::BadField {
        field: "event".into(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_event_is_the_named_one_about_the_chosen_issue() {
        let body = Bytes::from_static(br#"{"event": "comment_created", "issue": "XY-7"}"#);
        let event = sample_event(&body, 1_000).unwrap();
        assert_eq!(event["webhookEvent"], "comment_created");
        assert_eq!(event["issue"]["key"], "XY-7");
        assert_eq!(event["issue"]["fields"]["project"]["key"], "XY");
        let bad = Bytes::from_static(br#"{"event": "jira:nothing"}"#);
        assert_eq!(sample_event(&bad, 1_000).unwrap_err().status(), 400);
    }

    #[test]
    fn the_page_fetches_nothing_off_host() {
        for off_host in [
            "http:", "https:", "src=", "href=", "url(", "@import", "<link",
        ] {
            assert!(!PAGE.contains(off_host), "the page mentions {off_host}");
        }
        assert!(CSP.contains("default-src 'none'") && CSP.contains("connect-src 'self'"));
    }
}
