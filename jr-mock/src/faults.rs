//! Fault injection for client tests: rules, from [`crate::MockConfig::faults`]
//! (`jr-mock --faults FILE`) or the control API, that make matching Jira
//! requests slow, rate-limited, unavailable, HTML, truncated or cut off.
//!
//! A rule is JSON (camelCase), for example
//! `{"path": "/rest/api/3/webhook", "method": "GET", "kind": "rateLimit", "times": 2, "retryAfter": 1}`:
//! - `path`: the request path without the gateway prefix `/ex/jira/<cloudId>`
//!   and trailing slash; a trailing `*` makes it a prefix (`"/rest/*"`).
//!   The control API (`/_mock/...`) is never faulted.
//! - `method` (optional): only this method.
//! - `times` (optional): how many requests it applies to; forever when absent.
//! - `kind` and its fields:
//!   - `latency` `{"ms": N}`: the normal answer, N ms late (wiremock waits
//!     outside its request lock, so other requests go on meanwhile);
//!   - `rateLimit` `{"retryAfter": 1 | "Wed, 21 Oct 2026 07:28:00 GMT", "limit": 100, "reason": "jira-burst-based"}`:
//!     429 with `Retry-After` (seconds, or the string verbatim, e.g. an HTTP
//!     date), `X-RateLimit-Limit`, `X-RateLimit-Remaining: 0`,
//!     `X-RateLimit-Reset` (virtual now + the seconds, `yyyy-MM-ddTHH:mmZ`),
//!     `X-RateLimit-NearLimit: true`, `RateLimit-Reason`, and Jira's JSON body
//!     (semantics §11);
//!   - `unavailable` `{"retryAfter": ...}`: 503, `Retry-After` when given, an
//!     `ErrorCollection`;
//!   - `html` `{"status": 500}`: Jira's HTML error page ("Oops - an error has occurred");
//!   - `truncated`: 200 whose `Content-Length` promises [`TRUNCATED_BODY`]
//!     while only its first half is sent; then the connection closes;
//!   - `closeConnection`: the connection closes without any response.
//!
//! The first matching rule (in the order added) applies; latency rules
//! apply on top of the normal answer, the others replace it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::store::Store;
use crate::wire::Reply;

/// Marks a response for truncation: the front door (module `front`) cuts
/// the body short and closes the connection; the header never reaches the
/// client.
pub(crate) const TRUNCATE_HEADER: &str = "x-jr-mock-truncate";

/// Priority of the fault mocks: before everything, tests' own mocks included.
pub const PRIORITY: u8 = 1;

/// Jira's HTML error page (observed on 429s and 5xx; semantics §11).
pub const HTML_PAGE: &str = "<!DOCTYPE html><html><head><title>Oops - an error has occurred</title></head>\
<body><h1>Oops - an error has occurred</h1><p>jr-mock fault injection</p></body></html>";

/// The JSON body the `truncated` fault promises; only its first half is sent.
pub const TRUNCATED_BODY: &str = r#"{"isLast":true,"maxResults":100,"startAt":0,"total":1,"values":[{"id":10000,"events":["jira:issue_created"],"jqlFilter":"project = ABC","url":"https://hooks.example.com/jira"}]}"#;

/// One fault rule; see the module docs for the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// Exact path, or a prefix ending in `*`.
    pub path: String,
    /// Upper-case method; any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Requests left to fault; unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// What happens.
    #[serde(flatten)]
    pub fault: Fault,
}

/// What a rule does to a matching request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Fault {
    /// The normal answer, `ms` milliseconds late.
    Latency {
        /// Delay in ms (real time).
        ms: u64,
    },
    /// 429 with rate-limit headers.
    RateLimit {
        /// `Retry-After`: seconds, or a string sent verbatim (an HTTP date).
        #[serde(default = "one_second")]
        retry_after: RetryAfter,
        /// `X-RateLimit-Limit`.
        #[serde(default = "default_limit")]
        limit: u32,
        /// `RateLimit-Reason`.
        #[serde(default = "default_reason")]
        reason: String,
    },
    /// 503, with `Retry-After` when given.
    Unavailable {
        /// `Retry-After`, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<RetryAfter>,
    },
    /// An HTML error page with `status`.
    Html {
        /// The status, default 500; 100–599, checked when the rule is read.
        #[serde(default = "default_html_status", deserialize_with = "http_status")]
        status: u16,
    },
    /// 200 with a body shorter than its `Content-Length`.
    Truncated,
    /// The connection closes without a response.
    CloseConnection,
}

/// A `Retry-After` value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RetryAfter {
    /// Delta seconds.
    Seconds(u64),
    /// Sent verbatim (an HTTP date such as `Wed, 21 Oct 2026 07:28:00 GMT`).
    Text(String),
}

fn one_second() -> RetryAfter {
    RetryAfter::Seconds(1)
}
fn default_limit() -> u32 {
    100
}
fn default_reason() -> String {
    "jira-burst-based".to_owned()
}
fn default_html_status() -> u16 {
    500
}

/// A status wiremock can send: a rule with another number is refused when it
/// is posted or loaded, never when a request meets it.
fn http_status<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u16, D::Error> {
    let status = u16::deserialize(deserializer)?;
    if (100..=599).contains(&status) {
        Ok(status)
    } else {
        Err(serde::de::Error::custom(format!(
            "status {status} is not an HTTP status (100-599)"
        )))
    }
}

/// Why a fault rule is refused when posted or loaded: the field and what is
/// wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RuleError {
    /// The offending field (`path`, `retryAfter`).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl FaultRule {
    /// Checks what serde cannot: `path` starts with `/` (or is `*`), a
    /// textual `retryAfter` is an HTTP date (RFC 7231 §7.1.1.1, e.g.
    /// `Wed, 21 Oct 2026 07:28:00 GMT`), and every value sent as a header
    /// (`reason`, `retryAfter`) is a valid header value (RFC 9110 §5.5).
    /// Errors: [`RuleError`] naming the field.
    pub fn check(&self) -> Result<(), RuleError> {
        if !self.path.starts_with('/') && self.path != "*" {
            return Err(RuleError {
                field: "path",
                message: format!("'{}' must start with '/' (or be '*')", self.path),
            });
        }
        let retry_after = match &self.fault {
            Fault::RateLimit { retry_after, .. } => Some(retry_after),
            Fault::Unavailable { retry_after } => retry_after.as_ref(),
            _ => None,
        };
        if let Fault::RateLimit { reason, .. } = &self.fault
            && hyper::header::HeaderValue::from_str(reason).is_err()
        {
            return Err(RuleError {
                field: "reason",
                message: format!(
                    "{reason:?} is not a valid header value (visible ASCII, spaces, tabs)"
                ),
            });
        }
        if let Some(RetryAfter::Text(text)) = retry_after
            && (jiff::fmt::rfc2822::DateTimeParser::new()
                .parse_timestamp(text)
                .is_err()
                || hyper::header::HeaderValue::from_str(text).is_err())
        {
            return Err(RuleError {
                field: "retryAfter",
                message: format!("'{text}' is neither seconds nor an HTTP date"),
            });
        }
        Ok(())
    }

    /// Whether the rule covers `method` on `path` (the request's).
    fn covers(&self, method: &str, path: &str) -> bool {
        if path.starts_with("/_mock") {
            return false;
        }
        let path = normalise(path);
        let path_ok = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == normalise(&self.path),
        };
        path_ok
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// `path` without the gateway prefix and a trailing slash.
fn normalise(path: &str) -> &str {
    let path = match path.strip_prefix("/ex/jira/") {
        Some(rest) => rest.find('/').map_or(path, |i| &rest[i..]),
        None => path,
    };
    match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    }
}

/// Which faults a look-up is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Latency,
    Close,
    Reply,
}

impl Fault {
    fn class(&self) -> Class {
        match self {
            Fault::Latency { .. } => Class::Latency,
            Fault::CloseConnection => Class::Close,
            _ => Class::Reply,
        }
    }
}

/// The active rules, shared by the fault mocks, the fake's responders and the control API.
#[derive(Debug, Default)]
pub struct FaultStore {
    rules: Mutex<Vec<FaultRule>>,
}

impl FaultStore {
    /// A store holding `rules`.
    pub fn new(rules: Vec<FaultRule>) -> Self {
        Self {
            rules: Mutex::new(rules),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `rules` after the current ones.
    pub fn add(&self, rules: Vec<FaultRule>) {
        self.lock().extend(rules);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The rules with their remaining `times`.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    fn find(&self, class: Class, req: &Request) -> Option<usize> {
        self.lock()
            .iter()
            .position(|r| r.fault.class() == class && r.covers(req.method.as_str(), req.url.path()))
    }

    /// Takes one use of the first rule of `class` covering `req`; spent rules are removed.
    fn take(&self, class: Class, req: &Request) -> Option<Fault> {
        let i = self.find(class, req)?;
        let mut rules = self.lock();
        let rule = rules.get_mut(i)?;
        let fault = rule.fault.clone();
        match &mut rule.times {
            Some(1) | Some(0) => {
                rules.remove(i);
            }
            Some(n) => *n -= 1,
            None => {}
        }
        Some(fault)
    }

    /// Whether a `closeConnection` rule covers `req` (one use taken).
    pub fn closes(&self, req: &Request) -> bool {
        self.take(Class::Close, req).is_some()
    }

    /// The answer of the first reply rule (429, 503, HTML, truncated)
    /// covering `req`, if any (one use taken); `now_ms` gives the virtual
    /// time, ms since the UNIX epoch, for `X-RateLimit-Reset`.
    pub fn reply(&self, req: &Request, now_ms: impl FnOnce() -> i64) -> Option<Reply> {
        let fault = self.take(Class::Reply, req)?;
        let source = crate::journal::Source::Control.as_str();
        Some(reply(&fault, now_ms()).insert_header(crate::journal::SOURCE_HEADER, source))
    }

    /// The delay a latency rule adds to `req`'s answer, if any (one use taken).
    pub fn latency(&self, req: &Request) -> Option<Duration> {
        match self.take(Class::Latency, req)? {
            Fault::Latency { ms } => Some(Duration::from_millis(ms)),
            _ => None,
        }
    }
}

/// Mounts the two fault mocks: one closing connections, one answering
/// (`clock` gives the virtual time for `X-RateLimit-Reset`).
pub(crate) async fn mount(server: &MockServer, faults: &Arc<FaultStore>, clock: Arc<Store>) {
    Mock::given(Covered {
        faults: faults.clone(),
        class: Class::Close,
        take: true,
    })
    .respond_with_err(|_: &Request| {
        std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "jr-mock fault: connection closed",
        )
    })
    .with_priority(PRIORITY)
    .named("fault: closeConnection")
    .mount(server)
    .await;
    Mock::given(Covered {
        faults: faults.clone(),
        class: Class::Reply,
        take: false,
    })
    .respond_with(FaultReply {
        faults: faults.clone(),
        clock,
    })
    .with_priority(PRIORITY)
    .named("fault: reply")
    .mount(server)
    .await;
}

/// Matches requests a rule of one class covers; `take` spends a use on match.
struct Covered {
    faults: Arc<FaultStore>,
    class: Class,
    take: bool,
}

impl Match for Covered {
    fn matches(&self, req: &Request) -> bool {
        if self.take {
            self.faults.take(self.class, req).is_some()
        } else {
            self.faults.find(self.class, req).is_some()
        }
    }
}

/// Answers with the first reply fault covering the request. wiremock holds
/// its lock from matching to responding, so the rule found by [`Covered`]
/// is still there.
struct FaultReply {
    faults: Arc<FaultStore>,
    clock: Arc<Store>,
}

impl Respond for FaultReply {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        match self.faults.reply(req, || self.clock.read(|m| m.now_ms())) {
            Some(reply) => reply.template(),
            // Unreachable while wiremock serialises requests; a plain 503 if not.
            None => ResponseTemplate::new(503),
        }
    }
}

/// The response of a reply fault at virtual time `now_ms`.
fn reply(fault: &Fault, now_ms: i64) -> Reply {
    match fault {
        Fault::RateLimit {
            retry_after,
            limit,
            reason,
        } => {
            let wait_s = match retry_after {
                RetryAfter::Seconds(s) => *s,
                RetryAfter::Text(_) => 0,
            };
            let wait_ms = i64::try_from(wait_s.saturating_mul(1000)).unwrap_or(i64::MAX);
            let reset_ms = now_ms.saturating_add(wait_ms);
            Reply::new(429)
                .insert_header("Retry-After", retry_after_text(retry_after))
                .insert_header("X-RateLimit-Limit", limit.to_string())
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header("X-RateLimit-Reset", reset_text(reset_ms))
                .insert_header("X-RateLimit-NearLimit", "true")
                .insert_header("RateLimit-Reason", reason.as_str())
                .set_body_json(json!({
                    "errorMessages": ["The request has been rate-limited. Please try again later."],
                    "errors": {},
                    "status": 429
                }))
        }
        Fault::Unavailable { retry_after } => {
            let template = Reply::new(503).set_body_json(json!({
                "errorMessages": ["jr-mock fault: service unavailable"],
                "errors": {}
            }));
            match retry_after {
                Some(r) => template.insert_header("Retry-After", retry_after_text(r)),
                None => template,
            }
        }
        Fault::Html { status } => {
            Reply::new(*status).set_body_raw(HTML_PAGE, "text/html;charset=UTF-8")
        }
        // The front door cuts the body and the connection.
        Fault::Truncated => Reply::new(200)
            .insert_header(TRUNCATE_HEADER, "1")
            .set_body_raw(TRUNCATED_BODY, "application/json"),
        Fault::Latency { .. } | Fault::CloseConnection => Reply::new(500),
    }
}

fn retry_after_text(r: &RetryAfter) -> String {
    match r {
        RetryAfter::Seconds(s) => s.to_string(),
        RetryAfter::Text(t) => t.clone(),
    }
}

/// `yyyy-MM-ddTHH:mmZ` (Jira's `X-RateLimit-Reset`); an instant beyond
/// the last one representable (a huge `retryAfter`) is that last one, never
/// an earlier date.
fn reset_text(ms: i64) -> String {
    let ts = jiff::Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    });
    ts.strftime("%Y-%m-%dT%H:%MZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: serde_json::Value) -> FaultRule {
        serde_json::from_value(json).expect("a rule")
    }

    #[test]
    fn rules_read_their_json_with_defaults() {
        let r = rule(json!({"path": "/rest/api/3/webhook", "kind": "rateLimit", "times": 2}));
        assert_eq!(
            r.fault,
            Fault::RateLimit {
                retry_after: RetryAfter::Seconds(1),
                limit: 100,
                reason: "jira-burst-based".into()
            }
        );
        let r = rule(
            json!({"path": "/x", "kind": "unavailable", "retryAfter": "Wed, 21 Oct 2026 07:28:00 GMT"}),
        );
        assert_eq!(
            r.fault,
            Fault::Unavailable {
                retry_after: Some(RetryAfter::Text("Wed, 21 Oct 2026 07:28:00 GMT".into()))
            }
        );
        assert!(
            serde_json::from_value::<FaultRule>(json!({"path": "/x", "kind": "explode"})).is_err()
        );
        assert!(
            serde_json::from_value::<FaultRule>(
                json!({"path": "/x", "kind": "html", "status": 99})
            )
            .is_err(),
            "a status wiremock cannot send is refused up front"
        );
    }

    #[test]
    fn paths_match_exactly_or_by_prefix_never_the_control_api() {
        let exact =
            rule(json!({"path": "/rest/api/3/webhook", "method": "get", "kind": "truncated"}));
        assert!(exact.covers("GET", "/rest/api/3/webhook/"));
        assert!(exact.covers("GET", "/ex/jira/c1/rest/api/3/webhook"));
        assert!(!exact.covers("POST", "/rest/api/3/webhook"));
        assert!(!exact.covers("GET", "/rest/api/3/webhook/failed"));
        let prefix = rule(json!({"path": "*", "kind": "truncated"}));
        assert!(prefix.covers("GET", "/rest/api/3/issue/A-1"));
        assert!(!prefix.covers("GET", "/_mock/faults"));
    }

    #[test]
    fn a_counted_rule_is_spent_after_its_times() {
        let store = FaultStore::new(vec![rule(
            json!({"path": "*", "kind": "latency", "ms": 5, "times": 2}),
        )]);
        let req = Request {
            url: "http://localhost/rest/api/3/x".parse().unwrap(),
            method: wiremock::http::Method::GET,
            headers: Default::default(),
            body: Vec::new(),
        };
        let got: Vec<_> = (0..3).map(|_| store.latency(&req)).collect();
        assert_eq!(
            got,
            [
                Some(Duration::from_millis(5)),
                Some(Duration::from_millis(5)),
                None
            ]
        );
        assert!(store.rules().is_empty());
    }

    #[test]
    fn the_rate_limit_reset_is_minutes_in_utc() {
        assert_eq!(reset_text(1_559_392_950_000), "2019-06-01T12:42Z");
        assert!(
            reset_text(i64::MAX).starts_with("9999-12-"),
            "never wraps to an earlier date"
        );
    }
}
