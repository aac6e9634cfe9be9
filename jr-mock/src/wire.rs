//! The wire format every part of jr-mock that answers HTTP shares: the
//! Jira responders ([`crate::api`], [`crate::catalog`]), the control API
//! ([`crate::control`]) and the front door (`front`).
//!
//! - Errors are Jira's `ErrorCollection`, `{"errorMessages": [...],
//!   "errors": {...}}` (no `status` field), one [`ApiError`] variant per
//!   HTTP status.
//! - Answers are JSON (`Content-Type: application/json`). A responder
//!   builds a [`Reply`] (status, headers, body, delay), which becomes a
//!   wiremock [`ResponseTemplate`] in the embedded fake or a hyper
//!   [`Answer`] in the binary's front door: one set of responders serves
//!   both.
//! - Query values are read from the request URL ([`query_value`],
//!   [`query_int`]), bodies as JSON ([`json_bytes`]), and links are built
//!   on the `Host` the caller used ([`links_base`]).
//!
//! This module imports no other module of the crate.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use url::Url;
use wiremock::{Request, ResponseTemplate};

/// A failed request; each variant is one HTTP status, answered as an
/// `ErrorCollection`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401: missing, unknown or invalid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// 403: the caller may not use the operation.
    #[error("{0}")]
    Forbidden(String),
    /// 400: a malformed body or query value.
    #[error("{0}")]
    BadRequest(String),
    /// 400 naming the offending field in `errors`.
    #[error("{field}: {message}")]
    BadField {
        /// The field name.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// 404: nothing answers this method and path.
    #[error("{0}")]
    NotFound(String),
    /// 503: the fake is shutting down, or could not save a change.
    #[error("{0}")]
    Unavailable(String),
    /// 413: the request body is larger than the fake's limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 408: the request body did not arrive in time.
    #[error("{0}")]
    RequestTimeout(String),
}

impl ApiError {
    /// The 404 for a request no operation answers:
    /// `jr-mock: no operation matches <METHOD> <path>`.
    pub fn no_operation(method: &str, path: &str) -> Self {
        Self::NotFound(format!("jr-mock: no operation matches {method} {path}"))
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated(_) => 401,
            Self::Forbidden(_) => 403,
            Self::BadRequest(_) | Self::BadField { .. } => 400,
            Self::NotFound(_) => 404,
            Self::Unavailable(_) => 503,
            Self::PayloadTooLarge(_) => 413,
            Self::RequestTimeout(_) => 408,
        }
    }

    /// The `ErrorCollection` body.
    pub fn body(&self) -> Value {
        match self {
            Self::BadField { field, message } => {
                let mut errors = Map::new();
                errors.insert(field.clone(), message.clone().into());
                json!({"errorMessages": [], "errors": errors})
            }
            other => json!({"errorMessages": [other.to_string()], "errors": {}}),
        }
    }

    /// The response: status plus `ErrorCollection` JSON (and
    /// `WWW-Authenticate` on a 401).
    pub fn template(&self) -> Reply {
        let template = json_response(self.status(), &self.body());
        match self {
            Self::Unauthenticated(_) => {
                template.insert_header("WWW-Authenticate", WWW_AUTHENTICATE)
            }
            _ => template,
        }
    }

    /// The front door's response: status plus `ErrorCollection` JSON.
    pub fn answer(&self) -> Answer {
        json_answer(self.status(), &self.body())
    }
}

/// The `WWW-Authenticate` challenge of every 401 (the realm is jr-mock's
/// own; jira-semantics §10.3).
pub const WWW_AUTHENTICATE: &str = r#"OAuth realm="jr-mock""#;

/// Jira's 401 outside the webhook paths: `text/plain` body
/// `Client must be authenticated to access this resource.` and
/// `WWW-Authenticate` (observed, jira-semantics §10.3).
pub fn not_authenticated(text: &str) -> Reply {
    Reply::new(401)
        .insert_header("WWW-Authenticate", WWW_AUTHENTICATE)
        .set_body_raw(text.as_bytes().to_vec(), "text/plain; charset=UTF-8")
}

/// A JSON response with `status`.
pub fn json_response(status: u16, body: &Value) -> Reply {
    Reply::new(status).set_body_json(body)
}

/// Turns a responder's result into its response.
pub fn reply(result: Result<Reply, ApiError>) -> Reply {
    result.unwrap_or_else(|e| e.template())
}

/// One of the fake's responses before it is sent: what wiremock's
/// `ResponseTemplate` holds, but readable, so that the same responder
/// answers through wiremock ([`Reply::template`], the embedded fake) and
/// through the binary's front door ([`Reply::answer`]).
///
/// Headers are kept as text and checked only when sent: a name or value
/// that is not a valid HTTP header is left out rather than panicking
/// (wiremock panics on one), though every source of header text (fault
/// rules) is checked when it is posted or loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status (100–599; anything else is sent as 500).
    pub status: u16,
    /// Header names and values, in order; [`Reply::insert_header`] keeps a
    /// name once, a recorded answer may repeat one (`Set-Cookie`).
    pub headers: Vec<(String, String)>,
    /// The body's bytes.
    pub body: Vec<u8>,
    /// How long to wait before answering (a latency fault), real time.
    pub delay: Option<Duration>,
}

impl Reply {
    /// An empty response with `status`.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: None,
        }
    }

    /// Sets header `name` to `value`, replacing any value it had.
    pub fn insert_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The body `body` as JSON, with `Content-Type: application/json`.
    pub fn set_body_json(self, body: impl serde::Serialize) -> Self {
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        self.set_body_raw(bytes, "application/json")
    }

    /// The body `body` with `Content-Type: mime`.
    pub fn set_body_raw(mut self, body: impl Into<Vec<u8>>, mime: &str) -> Self {
        self.body = body.into();
        self.insert_header("content-type", mime)
    }

    /// Answers `delay` late.
    pub fn set_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// The valid headers, typed.
    fn typed_headers(&self) -> impl Iterator<Item = (HeaderName, HeaderValue)> + '_ {
        self.headers.iter().filter_map(|(n, v)| {
            let name = HeaderName::from_bytes(n.as_bytes()).ok()?;
            let value = HeaderValue::from_str(v).ok()?;
            Some((name, value))
        })
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status)
            .ok()
            .filter(|_| (100..=599).contains(&self.status))
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The wiremock response (the embedded fake).
    pub fn template(&self) -> ResponseTemplate {
        let mut template = ResponseTemplate::new(self.status_code());
        for (name, value) in self.typed_headers() {
            template = template.append_header(name, value);
        }
        template = template.set_body_bytes(self.body.clone());
        match self.delay {
            Some(delay) => template.set_delay(delay),
            None => template,
        }
    }

    /// The front door's response (the binary); the delay is the caller's to
    /// wait.
    pub fn answer(self) -> Answer {
        let mut resp = Response::new(
            Full::new(Bytes::from(self.body.clone()))
                .map_err(|e: Infallible| match e {})
                .boxed(),
        );
        *resp.status_mut() = self.status_code();
        for (name, value) in self.typed_headers() {
            resp.headers_mut().append(name, value);
        }
        resp
    }
}

/// A response of the front door (hyper), body streamed or whole.
pub type Answer = Response<BoxBody<Bytes, std::io::Error>>;

/// A front-door JSON response with `status` (200 if `status` is not a
/// valid HTTP status).
pub fn json_answer(status: u16, body: &Value) -> Answer {
    let body = Full::new(Bytes::from(body.to_string()))
        .map_err(|e: Infallible| match e {})
        .boxed();
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// A 200 JSON answer `{"<name>": [items…]<rest>}` streamed in chunks of
/// [`STREAM_CHUNK`] items, each serialised only when hyper asks for it, so a
/// long listing is neither built whole nor serialised under any lock.
/// `rest` is the text after the array (`,"nextAfter":5`), empty or starting
/// with a comma.
pub fn json_stream<T>(name: &str, items: Vec<T>, rest: String) -> Answer
where
    T: std::ops::Deref + Send + Sync + Unpin + 'static,
    T::Target: serde::Serialize,
{
    let body = JsonArray {
        head: Some(Bytes::from(format!("{{{}:[", Value::from(name)))),
        items: items.into_iter(),
        first: true,
        tail: Some(Bytes::from(format!("]{rest}}}"))),
    };
    let mut resp = Response::new(body.boxed());
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// Items of a streamed array per body chunk.
pub const STREAM_CHUNK: usize = 64;

/// The body of [`json_stream`].
struct JsonArray<T> {
    head: Option<Bytes>,
    items: std::vec::IntoIter<T>,
    first: bool,
    tail: Option<Bytes>,
}

impl<T> hyper::body::Body for JsonArray<T>
where
    T: std::ops::Deref + Unpin,
    T::Target: serde::Serialize,
{
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        use std::task::Poll;
        let this = &mut *self;
        if let Some(head) = this.head.take() {
            return Poll::Ready(Some(Ok(hyper::body::Frame::data(head))));
        }
        let mut chunk = Vec::new();
        for item in this.items.by_ref().take(STREAM_CHUNK) {
            if !std::mem::take(&mut this.first) {
                chunk.push(b',');
            }
            if let Err(e) = serde_json::to_writer(&mut chunk, &*item) {
                return Poll::Ready(Some(Err(std::io::Error::other(e))));
            }
        }
        if !chunk.is_empty() {
            return Poll::Ready(Some(Ok(hyper::body::Frame::data(Bytes::from(chunk)))));
        }
        Poll::Ready(this.tail.take().map(|t| Ok(hyper::body::Frame::data(t))))
    }
}

/// The first value of query parameter `name` in `url`, decoded.
pub fn query_value(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Query parameter `name` of `url` as an integer of type `T` within `min..=max`.
/// Errors: [`ApiError::BadRequest`] naming the parameter and the value.
pub fn query_int<T>(url: &Url, name: &str, min: T, max: T) -> Result<Option<T>, ApiError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = query_value(url, name) else {
        return Ok(None);
    };
    match raw.trim().parse::<T>() {
        Ok(v) if v >= min && v <= max => Ok(Some(v)),
        _ => Err(ApiError::BadRequest(format!(
            "The value '{raw}' is not valid for the query parameter '{name}': expected an integer from {min} to {max}"
        ))),
    }
}

/// The body of `req` as JSON of type `T`.
/// Errors: [`ApiError::BadRequest`] as [`json_bytes`].
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    json_bytes(&req.body)
}

/// `body` as JSON of type `T`.
/// Errors: [`ApiError::BadRequest`]: the body is missing (empty or only
/// whitespace), or the parser's message.
pub fn json_bytes<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest("The request body is missing".into()));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("The request body is invalid: {e}")))
}

/// `http://<Host header>` plus any gateway prefix (`/ex/jira/<cloudId>`)
/// of the request path; `fallback` when the request has no usable Host.
pub fn links_base(req: &Request, fallback: &str) -> String {
    let host = req
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()));
    let origin = match host {
        Some(h) => format!("http://{h}"),
        None => fallback.trim_end_matches('/').to_owned(),
    };
    let path = req.url.path();
    let prefix = path.find("/rest/").map_or("", |i| &path[..i]);
    format!("{origin}{prefix}")
}
