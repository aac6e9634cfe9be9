//! Sending requests: one reqwest client (rustls on ring, Mozilla roots), built
//! only when a request is about to go out; retries by the rules of
//! [`crate::retry`]; bodies read up to a size cap; `--verbose` events; and the
//! mapping of every non-2xx answer into a typed [`Error`] with Jira's
//! ErrorCollection parsed.

use crate::config::Settings;
use crate::error::{Error, ErrorCollection, ErrorKind};
use crate::ops::Method;
use crate::record::{Exchange, Recorder};
use crate::request::RequestPlan;
use crate::retry::{self, Reason, RetryPolicy, Sleeper, TokioSleeper};
use serde_json::{Map, Value, json};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// The default per-request timeout (docs/architecture.md §3 `--timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take, whatever the request timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default cap on one response body (`--max-response-size`): 100 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 100 * 1024 * 1024;

/// Response headers worth showing in a `--verbose` response line
/// (docs/jira-semantics.md §11), compared case-insensitively.
const RATE_LIMIT_HEADERS: &[&str] = &[
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-nearlimit",
    "ratelimit-reason",
    "beta-ratelimit-policy",
    "beta-ratelimit",
    "beta-retry-after",
];

/// Receives one `--verbose` event as a JSON object:
/// `{"event":"request","attempt","method","url","headers"}`,
/// `{"event":"response","status","duration_ms","url","headers"}` (rate-limit
/// headers only) or `{"event":"retry","attempt","wait_ms","reason"}`.
/// Secrets are already redacted.
pub type EventSink = Arc<dyn Fn(Value) + Send + Sync>;

/// A response with a 2xx status, body fully read.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status (200..=299).
    pub status: u16,
    /// The body's bytes exactly as Jira sent them (empty for 202/204).
    pub body: Vec<u8>,
    /// The `Content-Type` header as sent (`application/json;charset=UTF-8`,
    /// `image/png`), `None` when there was none or it was not text.
    pub content_type: Option<String>,
}

impl Response {
    /// Whether the body is to be read as JSON: its `Content-Type` names
    /// JSON (`application/json`, `application/vnd.x+json`, any parameters),
    /// or there is none (RFC 9110 §8.3 leaves the type to the reader; Jira's
    /// REST answers are JSON).
    pub fn is_json(&self) -> bool {
        self.content_type.as_deref().is_none_or(is_json_type)
    }

    /// Whether the answer is a web page (`text/html`, or a body that starts
    /// as an HTML document whatever its type says): no operation of Jira's
    /// REST API answers HTML, so a 200 page is a login or proxy page from a
    /// wrong base URL, an error rather than a result.
    pub fn is_web_page(&self) -> bool {
        let html_type = self.content_type.as_deref().is_some_and(|value| {
            value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("text/html")
        });
        html_type || looks_like_html(&self.body)
    }
}

/// Whether a `Content-Type` value is a JSON media type (RFC 8259 §11:
/// `application/json`, or a `+json` structured syntax suffix, RFC 6839).
pub fn is_json_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// Sends requests for one invocation.
pub struct HttpClient {
    settings: Settings,
    timeout: Duration,
    client: OnceLock<reqwest::Client>,
    retry: RetryPolicy,
    sleeper: Arc<dyn Sleeper>,
    events: Option<EventSink>,
    max_response_bytes: u64,
    recorder: Option<Arc<Recorder>>,
}

/// One request as it goes on the wire, before credentials are added.
struct Outgoing<'a> {
    /// Names the recording of the exchange (see [`crate::record`]).
    operation_id: Option<&'a str>,
    method: Method,
    url: String,
    headers: &'a [(String, String)],
    body: Option<(&'a [u8], &'a str)>,
}

/// Why one attempt failed, and whether it is worth another.
struct Failure {
    error: Error,
    reason: Option<Reason>,
    retry_after: Option<Duration>,
}

impl HttpClient {
    /// A client for `settings` with the default retry policy, tokio's timer
    /// and a 100 MiB body cap; nothing is built or opened until the first send.
    pub fn new(settings: Settings, timeout: Duration) -> HttpClient {
        HttpClient {
            settings,
            timeout,
            client: OnceLock::new(),
            retry: RetryPolicy::default(),
            sleeper: Arc::new(TokioSleeper),
            events: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            recorder: None,
        }
    }

    /// Replaces the retry policy (`--retries`, `--retry-unsafe`, jitter source).
    pub fn with_retry(mut self, retry: RetryPolicy) -> HttpClient {
        self.retry = retry;
        self
    }

    /// Replaces how the client waits between attempts (tests record instead).
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> HttpClient {
        self.sleeper = sleeper;
        self
    }

    /// Sends every request, response and retry event to `sink` (`--verbose`).
    pub fn with_events(mut self, sink: EventSink) -> HttpClient {
        self.events = Some(sink);
        self
    }

    /// Writes every exchange with a complete answer (each attempt, each
    /// page) into `recorder`'s directory (`--record`, see [`crate::record`]).
    pub fn with_recorder(mut self, recorder: Arc<Recorder>) -> HttpClient {
        self.recorder = Some(recorder);
        self
    }

    /// The most bytes one answer may have (`--max-response-size`); paging
    /// holds a merged answer to the same limit.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    /// Caps one response body at `bytes`; a longer answer is an error (exit 1).
    pub fn with_max_response_bytes(mut self, bytes: u64) -> HttpClient {
        self.max_response_bytes = bytes;
        self
    }

    /// The settings requests are sent with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Sends `plan` to the configured base URL, retrying as the policy allows.
    ///
    /// Errors: the class of a non-2xx status (see [`ErrorKind::from_status`]),
    /// exit 2 before sending when no credentials were given
    /// ([`crate::auth::Auth::Missing`]), or exit 1 for connection failures,
    /// timeouts and bodies over the cap.
    /// An error after retries says how many attempts were made and carries
    /// `retry_after` (seconds) when the server gave one.
    pub async fn send(&self, plan: &RequestPlan) -> Result<Response, Error> {
        let outgoing = Outgoing {
            operation_id: plan.operation_id,
            method: plan.method,
            url: plan.url(&self.settings.base_url),
            headers: &plan.headers,
            body: plan
                .body
                .as_ref()
                .map(|(bytes, content_type)| (bytes.as_slice(), content_type.as_str())),
        };
        self.execute(&outgoing).await
    }

    /// Sends a GET to an absolute `url` (a `next` link), with the same
    /// credentials and retries; `operation_id` (the listing's, if known)
    /// names its recording.
    pub async fn get_url(&self, url: &str, operation_id: Option<&str>) -> Result<Response, Error> {
        let outgoing = Outgoing {
            operation_id,
            method: Method::Get,
            url: url.to_owned(),
            headers: &[],
            body: None,
        };
        self.execute(&outgoing).await
    }

    async fn execute(&self, outgoing: &Outgoing<'_>) -> Result<Response, Error> {
        let mut attempt: u32 = 1;
        loop {
            let failure = match self.attempt(outgoing, attempt).await {
                Ok(response) => return Ok(response),
                Err(failure) => failure,
            };
            let Some(reason) = failure
                .reason
                .filter(|r| self.retry.allows(outgoing.method, *r))
            else {
                return Err(failure.error);
            };
            let too_long = failure
                .retry_after
                .is_some_and(|wait| wait > retry::MAX_RETRY_AFTER);
            if attempt > self.retry.max_retries || too_long {
                return Err(gave_up(failure, attempt));
            }
            let wait = self.retry.delay(attempt, failure.retry_after);
            self.emit(|| {
                json!({"event": "retry", "attempt": attempt, "wait_ms": wait.as_millis() as u64,
                       "reason": reason.to_string()})
            });
            self.sleeper.sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt(&self, outgoing: &Outgoing<'_>, attempt: u32) -> Result<Response, Failure> {
        let Outgoing { method, url, .. } = outgoing;
        let path = path_of(url);
        let failed = |error: Error, reason| Failure {
            error: error.with_request(method.as_str(), &path),
            reason,
            retry_after: None,
        };
        let (client, request) = self
            .request(outgoing)
            .map_err(|e| failed(e, None))?
            .build_split();
        let request = request
            .map_err(|e| failed(transport_error(&e, url, self.timeout), transport_reason(&e)))?;
        // What went out, kept only when it is to be recorded.
        let sent = self
            .recorder
            .as_ref()
            .map(|_| (now_ms(), request.url().clone(), pairs(request.headers())));
        self.emit(|| self.request_event(outgoing, attempt));
        let started = Instant::now();
        let response = client
            .execute(request)
            .await
            .map_err(|e| failed(transport_error(&e, url, self.timeout), transport_reason(&e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = self
            .read_body(response, url)
            .await
            .map_err(|(error, reason)| failed(error, reason))?;
        self.emit(|| response_event(status, started.elapsed(), url, &headers));
        if let (Some(recorder), Some((time_ms, sent_url, sent_headers))) = (&self.recorder, sent) {
            recorder.record(&Exchange {
                time_ms,
                operation_id: outgoing.operation_id,
                base_url: &self.settings.base_url,
                cloud_id: self.settings.cloud_id.as_deref(),
                method: method.as_str(),
                url: &sent_url,
                request_headers: sent_headers,
                request_body: outgoing.body.map(|(bytes, _)| bytes),
                status,
                response_headers: pairs(&headers),
                response_body: &body,
            });
        }
        if (200..300).contains(&status) {
            let content_type = headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            return Ok(Response {
                status,
                body,
                content_type,
            });
        }
        let (error, retry_after) = status_failure(status, &body, url, &headers);
        Err(Failure {
            retry_after,
            ..failed(error, Some(Reason::Status(status)))
        })
    }

    /// The request with its headers, body and credentials.
    fn request(&self, outgoing: &Outgoing<'_>) -> Result<reqwest::RequestBuilder, Error> {
        // No credentials given: nothing goes out (exit 2), unless
        // `--auth-type none` asked for an anonymous call.
        self.settings.auth.refuse_missing()?;
        let mut request = self
            .client()?
            .request(to_reqwest(outgoing.method), &outgoing.url)
            .header("Accept", "application/json");
        for (name, value) in outgoing.headers {
            request = request.header(name, value);
        }
        if let Some((bytes, content_type)) = outgoing.body {
            request = request
                .header("Content-Type", content_type)
                .body(bytes.to_vec());
        }
        // Built per attempt: a Connect JWT's `qsh` hashes this very method,
        // path and query, and its `iat` must be fresh on a retry.
        let signed_url = url::Url::parse(&outgoing.url).ok();
        let auth = signed_url.and_then(|signed| {
            self.settings.auth.header_value(
                outgoing.method.as_str(),
                &signed,
                &self.settings.base_url,
            )
        });
        if let Some(value) = auth {
            request = request.header("Authorization", value);
        }
        Ok(request)
    }

    /// Reads the body in chunks, failing as soon as it passes the cap.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        url: &str,
    ) -> Result<Vec<u8>, (Error, Option<Reason>)> {
        let cap = self.max_response_bytes;
        let shown = crate::redact::url(url);
        let too_big = || {
            Error::general(format!(
                "the answer from {shown} is larger than the response size limit of {cap} bytes"
            ))
            .with_hint("raise --max-response-size, or ask for less (--maxResults, --fields)")
        };
        let announced = response.content_length().unwrap_or(0);
        if announced > cap {
            return Err((too_big(), None));
        }
        // A `Content-Length` may lie: reserve at most 1 MiB up front and let
        // the body grow only as bytes really arrive.
        let mut body = Vec::with_capacity(announced.min(1 << 20) as usize);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if (body.len() + chunk.len()) as u64 > cap {
                        return Err((too_big(), None));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) if e.is_timeout() => {
                    return Err((transport_error(&e, url, self.timeout), transport_reason(&e)));
                }
                Err(e) => {
                    let reason = transport_reason(&e).or(Some(Reason::ConnectionReset));
                    return Err((truncated(&e, url, body.len(), announced), reason));
                }
            }
        }
    }

    fn request_event(&self, outgoing: &Outgoing<'_>, attempt: u32) -> Value {
        let mut headers = Map::new();
        headers.insert("Accept".into(), json!("application/json"));
        if let Some(auth) = self.settings.auth.redacted_header_value() {
            headers.insert("Authorization".into(), json!(auth));
        }
        if let Some((_, content_type)) = outgoing.body {
            headers.insert("Content-Type".into(), json!(content_type));
        }
        for (name, value) in outgoing.headers {
            headers.insert(name.clone(), json!(shown_header_value(name, value)));
        }
        json!({"event": "request", "attempt": attempt, "method": outgoing.method.as_str(),
               "url": crate::redact::url(&outgoing.url), "headers": headers})
    }

    fn emit(&self, event: impl FnOnce() -> Value) {
        if let Some(sink) = &self.events {
            sink(event());
        }
    }

    fn client(&self) -> Result<&reqwest::Client, Error> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = build_client(self.timeout)?;
        Ok(self.client.get_or_init(|| client))
    }
}

/// Now, in ms since the UNIX epoch (0 before it).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

/// Header names and values in order; a value that is not UTF-8 is read
/// lossily.
fn pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect()
}

/// The error for a non-2xx answer and the wait its `Retry-After` asks for.
fn status_failure(
    status: u16,
    body: &[u8],
    url: &str,
    headers: &reqwest::header::HeaderMap,
) -> (Error, Option<Duration>) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let retry_after = header("Retry-After")
        .and_then(|v| retry::parse_retry_after(v, header("Date"), SystemTime::now()));
    let error = status_error(status, body, url);
    let Some(wait) = retry_after else {
        return (error, None);
    };
    let seconds = whole_seconds(wait);
    let message = format!("{}; retry after {seconds} s", error.message());
    (
        error.with_retry_after(seconds).with_message(message),
        retry_after,
    )
}

fn response_event(
    status: u16,
    took: Duration,
    url: &str,
    headers: &reqwest::header::HeaderMap,
) -> Value {
    let rate_limits: Map<String, Value> = headers
        .iter()
        .filter(|(name, _)| RATE_LIMIT_HEADERS.contains(&name.as_str()))
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), json!(value.to_str().ok()?))))
        .collect();
    json!({"event": "response", "status": status, "duration_ms": took.as_millis() as u64,
           "url": crate::redact::url(url), "headers": rate_limits})
}

/// The last failure, reworded to say how many attempts were made. It keeps
/// the server's `Retry-After` as `retry_after`; when the server gave none,
/// the error has none either (docs/architecture.md §3: `retry_after` is the server's word,
/// never jr's own back-off).
fn gave_up(failure: Failure, attempts: u32) -> Error {
    let noun = if attempts == 1 { "attempt" } else { "attempts" };
    let message = format!(
        "{}; gave up after {attempts} {noun}",
        failure.error.message()
    );
    failure.error.with_message(message)
}

/// Rounds up, so that a wait of 0.5 s is reported as 1 s, never 0.
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// Which transport failures are worth another attempt: timeouts, and a
/// connection reset or closed before the answer was complete. A refused
/// connection or an unknown host is not: the base URL is probably wrong.
fn transport_reason(error: &reqwest::Error) -> Option<Reason> {
    if error.is_timeout() {
        return Some(Reason::Timeout);
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as Io;
            if matches!(
                io.kind(),
                Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe | Io::UnexpectedEof
            ) {
                return Some(Reason::ConnectionReset);
            }
        }
        if let Some(hyper) = current.downcast_ref::<hyper::Error>()
            && hyper.is_incomplete_message()
        {
            return Some(Reason::ConnectionReset);
        }
        cause = current.source();
    }
    None
}

/// A header's value as `--verbose` and `--dry-run` show it: the rule of
/// [`crate::redact`] (`Authorization`, cookies, and names containing `token`,
/// `secret`, `password`, `session`, `api-key`, ...) turns credentials into
/// `<redacted>`.
pub fn shown_header_value<'a>(name: &str, value: &'a str) -> &'a str {
    crate::redact::header_value(name, value)
}

/// A reqwest client with jr's TLS set-up (rustls on ring, Mozilla roots),
/// user agent and timeouts; also used by [`crate::oauth`].
/// Errors (exit 1): the TLS set-up fails.
pub fn build_client(timeout: Duration) -> Result<reqwest::Client, Error> {
    builder(timeout)
        .redirect(redirect_policy())
        .build()
        .map_err(|e| Error::general(format!("cannot set up the HTTP client: {e}")))
}

/// [`build_client`] that never follows a redirect: for requests that are not
/// Jira API calls (a webhook re-delivered to an app, a jr-mock's control
/// API), where the answer itself is what matters, as it is to Jira's
/// delivery. Errors (exit 1): the TLS set-up fails.
pub fn build_client_without_redirects(timeout: Duration) -> Result<reqwest::Client, Error> {
    builder(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::general(format!("cannot set up the HTTP client: {e}")))
}

fn builder(timeout: Duration) -> reqwest::ClientBuilder {
    // reqwest is built without a crypto provider (no aws-lc, see docs/architecture.md §6);
    // installing ring twice is harmless, so the error is ignored.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .filter_map(|der| reqwest::Certificate::from_der(der).ok());
    reqwest::Client::builder()
        .user_agent(concat!("jr/", env!("CARGO_PKG_VERSION")))
        .tls_certs_only(roots)
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
}

/// Redirects are followed (at most 10) except from an OAuth 2.0 token
/// endpoint (`.../oauth/token`): following a 307 or 308 there would re-send
/// the client secret and the refresh token in the body to wherever it points.
/// The redirect answer itself is then returned, and [`crate::oauth`] reports it.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let from_token_endpoint = attempt
            .previous()
            .last()
            .is_some_and(|url| url.path().ends_with("/oauth/token"));
        if from_token_endpoint {
            attempt.stop()
        } else if attempt.previous().len() > 10 {
            attempt.error("more than 10 redirects")
        } else {
            attempt.follow()
        }
    })
}

fn to_reqwest(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// The path of `url` without scheme, host or query.
fn path_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| url.to_owned())
}

fn transport_error(error: &reqwest::Error, url: &str, timeout: Duration) -> Error {
    let url = crate::redact::url(url);
    if error.is_timeout() {
        let (what, limit) = if error.is_connect() {
            ("connecting to", CONNECT_TIMEOUT.min(timeout))
        } else {
            ("request to", timeout)
        };
        return Error::general(format!(
            "{what} {url} timed out after {} s (--timeout)",
            limit.as_secs_f64()
        ))
        .with_hint("raise --timeout, or check that the server answers");
    }
    // The innermost cause ("Connection refused") is the informative part.
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    Error::general(format!("cannot reach {url}: {cause}"))
        .with_hint("check the base URL (JR_BASE_URL or --base-url) and the network")
}

/// A body that stopped before its end: the server was reached and began to
/// answer, so this is not "cannot reach". `received` and `announced`
/// (`Content-Length`, 0 when unknown) are bytes.
fn truncated(error: &reqwest::Error, url: &str, received: usize, announced: u64) -> Error {
    let url = crate::redact::url(url);
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let of = if announced > 0 {
        format!(" of the {announced} announced")
    } else {
        String::new()
    };
    Error::general(format!(
        "the response from {url} was truncated: the connection ended after {received} bytes{of} ({cause})"
    ))
    .with_hint("try again; if it keeps happening, check proxies or the network between jr and Jira")
}

/// Turns a non-2xx answer into an error: Jira's ErrorCollection parsed, other
/// JSON kept whole in `jira` (bounded, see [`crate::error::bounded`]), an
/// HTML page reduced to one line that names the URL.
pub fn status_error(status: u16, body: &[u8], url: &str) -> Error {
    let url = crate::redact::url(url);
    let kind = ErrorKind::from_status(status);
    let error = match ErrorCollection::parse(body) {
        Some(jira) => {
            let summary = jira.summary();
            let message = if summary.is_empty() {
                format!("Jira answered HTTP {status}")
            } else {
                format!("Jira answered HTTP {status}: {summary}")
            };
            Error::new(kind, message).with_jira(jira)
        }
        // Atlassian's edge answers 429 and 5xx with an HTML page at times
        // (field case B15): that is not a wrong base URL.
        None if looks_like_html(body) && (status == 429 || status >= 500) => Error::new(
            kind,
            format!("Jira answered HTTP {status} with an HTML error page from {url}"),
        ),
        None if looks_like_html(body) => Error::new(
            kind,
            format!("Jira answered HTTP {status} with an HTML page instead of JSON from {url}"),
        )
        .with_hint("check the base URL: it should be the site (https://your-domain.atlassian.net) or the API gateway"),
        // JSON of another shape (a bulk answer whose every element failed):
        // parsed into `jira` whole, never cut; the message quotes the
        // failed elements when there are any.
        None if let Ok(json) = serde_json::from_slice::<Value>(body) => {
            let failed = crate::partial::element_lines_in(&json);
            let message = if failed.is_empty() {
                format!("Jira answered HTTP {status}; its answer is in `jira`")
            } else {
                format!(
                    "Jira answered HTTP {status}: {} failed element(s): {}",
                    failed.len(),
                    crate::partial::quote(&failed)
                )
            };
            Error::new(kind, message).with_jira_json(json)
        }
        None => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                Error::new(kind, format!("Jira answered HTTP {status}"))
            } else {
                let line: String = text.chars().take(200).collect::<String>().replace('\n', " ");
                Error::new(kind, format!("Jira answered HTTP {status}: {line}"))
            }
        }
    };
    let error = error.with_status(status);
    if error.hint().is_some() {
        return error;
    }
    match status {
        401 => error.with_hint(
            "check the credentials: JR_AUTH_TYPE, JR_AUTH_USER, JR_AUTH_TOKEN or the profile",
        ),
        429 => error.with_hint("rate limited: wait and try again, or raise --retries"),
        500..=599 => error.with_hint("Jira may be unavailable for a moment: try again later"),
        _ => error,
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&body[..body.len().min(256)]).to_ascii_lowercase();
    let start = start.trim_start();
    start.starts_with("<!doctype html") || start.starts_with("<html") || start.contains("<body")
}

#[cfg(test)]
mod tests {

    #[test]
    fn credentials_in_extra_headers_are_never_shown() {
        for name in [
            "Authorization",
            "cookie",
            "X-Api-Key",
            "X-Auth-Token",
            "Client-Secret",
        ] {
            assert_eq!(shown_header_value(name, "s3cret"), "<redacted>", "{name}");
        }
        assert_eq!(
            shown_header_value("X-Atlassian-Token", "no-check"),
            "no-check"
        );
        assert_eq!(shown_header_value("X-ExperimentalApi", "opt-in"), "opt-in");
    }

    use super::*;

    #[test]
    fn an_html_rate_limit_page_is_not_blamed_on_the_base_url() {
        let err = status_error(
            429,
            b"<!DOCTYPE html><html>Oops - an error has occurred</html>",
            "https://x.example/rest/api/3/myself",
        );
        assert_eq!(err.exit_code(), 5);
        assert!(err.message().contains("HTTP 429"), "{}", err.message());
        assert!(!err.hint().unwrap_or_default().contains("base URL"));
    }

    #[test]
    fn json_and_web_page_answers_are_told_by_type_and_html_by_its_start() {
        let answer = |content_type: Option<&str>, body: &[u8]| Response {
            status: 200,
            body: body.to_vec(),
            content_type: content_type.map(str::to_owned),
        };
        for json_type in [
            None,
            Some("application/json;charset=UTF-8"),
            Some("Application/JSON"),
            Some("application/vnd.atlassian+json; v=1"),
        ] {
            assert!(answer(json_type, b"{}").is_json(), "{json_type:?}");
        }
        for other in [
            "image/png",
            "text/plain",
            "application/octet-stream",
            "text/json-ish",
        ] {
            assert!(!answer(Some(other), b"x").is_json(), "{other}");
        }
        assert!(answer(Some("text/html; charset=utf-8"), b"x").is_web_page());
        assert!(answer(Some("text/plain"), b"  <!DOCTYPE html><html>").is_web_page());
        assert!(!answer(Some("image/png"), b"\x89PNG").is_web_page());
    }

    #[test]
    fn an_html_body_becomes_one_line_naming_the_url() {
        let err = status_error(
            404,
            b"<!DOCTYPE html><html>Oops - an error has occurred</html>",
            "https://x.example/rest/api/3/myself",
        );
        assert_eq!(err.exit_code(), 3);
        assert!(
            err.message()
                .contains("https://x.example/rest/api/3/myself")
        );
        assert!(!err.message().contains('\n'));
        assert!(err.hint().unwrap_or_default().contains("base URL"));
    }

    /// `createIssues` with every element failing answers 400 with
    /// `{"issues":[],"errors":[...]}`: not an ErrorCollection, so it is kept
    /// whole in `jira` and its elements are named in the message.
    #[test]
    fn a_bulk_400_is_parsed_into_jira_with_its_elements_named() {
        let element = |n: usize| {
            json!({"status": 400, "failedElementNumber": n, "elementErrors": {"errorMessages": [],
                "errors": {"issuetype": "The issue type selected is invalid.", "project": "x".repeat(3000)}}})
        };
        let body = json!({"issues": [], "errors": (0..300).map(element).collect::<Vec<_>>()});
        let err = status_error(400, body.to_string().as_bytes(), "u");
        assert_eq!(err.exit_code(), 4);
        assert!(
            err.message()
                .starts_with("Jira answered HTTP 400: 600 failed element(s): element 0: issuetype: The issue type selected is invalid."),
            "{}",
            err.message()
        );
        let line = err.to_json().to_string();
        let back: Value = serde_json::from_str(&line).expect("the error line is JSON");
        let errors = back["jira"]["errors"].as_array().unwrap();
        assert_eq!(errors[1]["failedElementNumber"], 1);
        assert_eq!(errors.last().unwrap(), &json!("… [200 more items]"));
        assert!(
            errors[0]["elementErrors"]["errors"]["project"]
                .as_str()
                .unwrap()
                .ends_with("… [2000 bytes omitted]")
        );
        let other = status_error(409, br#"{"conflict":{"id":1}}"#, "u");
        assert_eq!(other.to_json()["jira"], json!({"conflict": {"id": 1}}));
    }

    #[test]
    fn a_jira_error_collection_lands_in_the_error() {
        let err = status_error(
            400,
            br#"{"errorMessages":[],"errors":{"jqlFilter":"bad"}}"#,
            "u",
        );
        assert_eq!(err.exit_code(), 4);
        assert_eq!(
            err.jira().map(|j| j.summary()),
            Some("jqlFilter: bad".into())
        );
    }
}

/// The longest `--timeout` accepted: 24 hours. Longer values are refused
/// rather than overflowing a timer.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// Parses a `--timeout` value: a number of seconds (`30`, `2.5`) or a jiff
/// friendly duration (`500ms`, `30s`, `5m`, `1h 30m`).
///
/// Errors: exit 4 naming the value, for text that is neither or is not positive, or
/// longer than [`MAX_TIMEOUT`].
pub fn parse_timeout(text: &str) -> Result<Duration, Error> {
    let bad = || {
        Error::validation(format!(
            "invalid value `{text}` for --timeout: expected a duration such as 30s, 500ms, 2m or a number of seconds"
        ))
    };
    let duration = match text.trim().parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 => {
            Duration::try_from_secs_f64(seconds).map_err(|_| bad())?
        }
        Ok(_) => return Err(bad()),
        Err(_) => {
            let span: jiff::SignedDuration = text.trim().parse().map_err(|_| bad())?;
            Duration::try_from(span).map_err(|_| bad())?
        }
    };
    if duration.is_zero() {
        return Err(bad());
    }
    if duration > MAX_TIMEOUT {
        return Err(Error::validation(format!(
            "--timeout `{text}` is longer than the longest jr accepts, 24h"
        )));
    }
    Ok(duration)
}

/// Parses a `--max-response-size` value: a number of bytes, optionally with a
/// unit: `B`, `KB`/`MB`/`GB` (powers of 1000) or `KiB`/`MiB`/`GiB` (powers of
/// 1024), case-insensitive, a space allowed before the unit (`100MiB`, `5 MB`).
///
/// Errors: exit 4 naming the value, for other text or zero.
pub fn parse_size(text: &str) -> Result<u64, Error> {
    let bad = || {
        Error::validation(format!(
            "invalid value `{text}` for --max-response-size: expected bytes such as 1048576, 500KB or 100MiB"
        ))
    };
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let number: u64 = digits.parse().map_err(|_| bad())?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000_u64.pow(2),
        "gb" => 1000_u64.pow(3),
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return Err(bad()),
    };
    match number.checked_mul(scale) {
        Some(bytes) if bytes > 0 => Ok(bytes),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn timeouts_read_seconds_and_friendly_durations() {
        assert_eq!(parse_timeout("30").ok(), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_timeout("500ms").ok(),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_timeout("2m").ok(), Some(Duration::from_secs(120)));
        assert_eq!(parse_timeout("24h").ok(), Some(MAX_TIMEOUT));
        // Issue 12: `--timeout 1e300` panicked (exit 101) converting to a Duration.
        for bad in [
            "", "0", "-1", "soon", "0s", "1e300", "1e20", "86401", "25h", "inf", "NaN",
        ] {
            assert_eq!(
                parse_timeout(bad).map_err(|e| e.exit_code()).err(),
                Some(4),
                "{bad}"
            );
        }
    }

    #[test]
    fn sizes_read_bytes_and_units() {
        assert_eq!(parse_size("100MiB").ok(), Some(100 * 1024 * 1024));
        assert_eq!(parse_size("5 MB").ok(), Some(5_000_000));
        assert_eq!(parse_size("2048").ok(), Some(2048));
        assert_eq!(parse_size("1kib").ok(), Some(1024));
        for bad in ["", "0", "-1", "10XB", "MiB", "1.5MB"] {
            assert_eq!(
                parse_size(bad).map_err(|e| e.exit_code()).err(),
                Some(4),
                "{bad}"
            );
        }
    }
}
