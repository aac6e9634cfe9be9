//! The error taxonomy: one [`Error`] type whose [`ErrorKind`] decides the
//! process exit code, and its one-line JSON form for stderr (docs/architecture.md §3).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::fmt;

/// What went wrong, one variant per exit class of the command-line contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Exit 1: connection failures, timeouts, configuration, pagination that
    /// makes no progress, anything not covered below.
    General,
    /// Exit 2: HTTP 401 or 403, or credentials missing for an operation.
    Auth,
    /// Exit 3: HTTP 404 or 410.
    NotFound,
    /// Exit 4: HTTP 400, 422 and other 4xx; bad flags or body caught before
    /// sending; a registration item rejected by Jira.
    Validation,
    /// Exit 5: HTTP 429 (after retries).
    RateLimited,
    /// Exit 6: HTTP 409.
    Conflict,
    /// Exit 7: HTTP 5xx (after retries, for those that are retried).
    Server,
    /// Exit 130: interrupted by SIGINT (Ctrl-C).
    Interrupted,
    /// Exit 143: terminated by SIGTERM (`timeout`, CI runners, systemd).
    Terminated,
    /// The `--jq` filter stopped the run with jq's `halt_error` (exit 8, or
    /// the code it gave, 0-255). Its message is already on stderr, so no
    /// JSON error line is printed (see `Error::is_quiet`).
    Halted(u8),
}

/// The exit code of a bare `halt_error` in `--jq`: jq's own 5 means "rate
/// limited" in jr (docs/architecture.md §3).
pub const HALT_ERROR_EXIT: u8 = 8;

impl ErrorKind {
    /// The process exit code of this class.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::General => 1,
            ErrorKind::Auth => 2,
            ErrorKind::NotFound => 3,
            ErrorKind::Validation => 4,
            ErrorKind::RateLimited => 5,
            ErrorKind::Conflict => 6,
            ErrorKind::Server => 7,
            ErrorKind::Interrupted => 130,
            ErrorKind::Terminated => 143,
            ErrorKind::Halted(code) => code,
        }
    }

    /// The `error_type` field of the JSON form (`validation`, `not_found`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::General => "general",
            ErrorKind::Auth => "auth",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Validation => "validation",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Server => "server",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::Terminated => "terminated",
            ErrorKind::Halted(_) => "halted",
        }
    }

    /// The class an HTTP error status belongs to (docs/architecture.md §3).
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 | 403 => ErrorKind::Auth,
            404 | 410 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            400..=499 => ErrorKind::Validation,
            _ => ErrorKind::General,
        }
    }
}

/// Jira's `ErrorCollection` schema: `{"errorMessages": [...], "errors": {field: message}, "status"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorCollection {
    #[serde(default)]
    /// Jira's general messages.
    pub error_messages: Vec<String>,
    #[serde(default)]
    /// Messages by field name (`jqlFilter`: ...).
    pub errors: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The HTTP status, when Jira includes it.
    pub status: Option<u16>,
}

impl ErrorCollection {
    /// Parses a response body as an ErrorCollection; `None` when it is not one
    /// (HTML, empty, or JSON of another shape).
    pub fn parse(body: &[u8]) -> Option<ErrorCollection> {
        let value: Value = serde_json::from_slice(body).ok()?;
        let object = value.as_object()?;
        if !object.contains_key("errorMessages") && !object.contains_key("errors") {
            return None;
        }
        serde_json::from_value(value).ok()
    }

    /// All messages as one line: `errorMessages` first, then `field: message`.
    pub fn summary(&self) -> String {
        let fields = self.errors.iter().map(|(field, message)| match message {
            Value::String(text) => format!("{field}: {text}"),
            other => format!("{field}: {other}"),
        });
        self.error_messages
            .iter()
            .cloned()
            .chain(fields)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The request an error belongs to, for the `request` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// The failing request's HTTP method (`GET`).
    pub method: String,
    /// The path without the query string (`/rest/api/3/webhook`).
    pub path: String,
}

/// A failure of one `jr` invocation, printed once by the binary. Boxed inside,
/// so that `Result<T, Error>` stays one pointer wide on the happy path.
#[derive(Debug, Clone)]
pub struct Error(Box<Inner>);

#[derive(Debug, Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    hint: Option<String>,
    status: Option<u16>,
    request: Option<RequestInfo>,
    retry_after: Option<u64>,
    jira: Option<ErrorCollection>,
    /// Jira's answer when it is JSON but not an ErrorCollection.
    jira_json: Option<Value>,
}

impl Error {
    /// A new error of `kind` with a one-line `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(Inner {
            kind,
            message: message.into(),
            hint: None,
            status: None,
            request: None,
            retry_after: None,
            jira: None,
            jira_json: None,
        }))
    }

    /// Shorthand for a [`ErrorKind::Validation`] error (exit 4).
    pub fn validation(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Validation, message)
    }

    /// Shorthand for a [`ErrorKind::General`] error (exit 1).
    pub fn general(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::General, message)
    }

    /// Replaces the one-line message (to add what happened around it).
    pub fn with_message(mut self, message: impl Into<String>) -> Error {
        self.0.message = message.into();
        self
    }

    /// Adds a suggestion of what to do next.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.0.hint = Some(hint.into());
        self
    }

    /// Records the HTTP status that caused the error.
    pub fn with_status(mut self, status: u16) -> Error {
        self.0.status = Some(status);
        self
    }

    /// Records the request the error belongs to.
    pub fn with_request(mut self, method: &str, path: &str) -> Error {
        self.0.request = Some(RequestInfo {
            method: method.to_owned(),
            path: path.to_owned(),
        });
        self
    }

    /// Records a `Retry-After` value, in seconds.
    pub fn with_retry_after(mut self, seconds: u64) -> Error {
        self.0.retry_after = Some(seconds);
        self
    }

    /// Attaches Jira's parsed ErrorCollection.
    pub fn with_jira(mut self, jira: ErrorCollection) -> Error {
        self.0.jira = Some(jira);
        self
    }

    /// Attaches Jira's answer when it is JSON of another shape than an
    /// ErrorCollection (a bulk answer's per-element errors, say); it becomes
    /// the `jira` field, bounded by [`bounded`].
    pub fn with_jira_json(mut self, body: Value) -> Error {
        self.0.jira_json = Some(body);
        self
    }

    /// The exit class.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The one-line message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// What to do next, when known.
    pub fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }

    /// The HTTP status that caused the error, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// Jira's ErrorCollection, when the answer carried one.
    pub fn jira(&self) -> Option<&ErrorCollection> {
        self.0.jira.as_ref()
    }

    /// The process exit code (see [`ErrorKind::exit_code`]).
    pub fn exit_code(&self) -> u8 {
        self.0.kind.exit_code()
    }

    /// True when the error has said what it had to say already (a `--jq`
    /// `halt_error` wrote its own message): the binary prints no JSON line.
    pub fn is_quiet(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Halted(_))
    }

    /// The JSON form printed on stderr: `{"error_type", "status", "message",
    /// "hint", "request": {"method", "path"}, "retry_after", "jira"}`, fields
    /// absent when unknown.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("error_type".into(), json!(self.0.kind.as_str()));
        if let Some(status) = self.0.status {
            out.insert("status".into(), json!(status));
        }
        out.insert(
            "message".into(),
            json!(bounded_text(&self.0.message, MAX_MESSAGE_BYTES)),
        );
        if let Some(hint) = &self.0.hint {
            out.insert("hint".into(), json!(bounded_text(hint, MAX_MESSAGE_BYTES)));
        }
        if let Some(request) = &self.0.request {
            out.insert(
                "request".into(),
                json!({"method": request.method, "path": request.path}),
            );
        }
        if let Some(seconds) = self.0.retry_after {
            out.insert("retry_after".into(), json!(seconds));
        }
        if let Some(jira) = &self.0.jira {
            let collection = json!({"errorMessages": jira.error_messages, "errors": jira.errors});
            out.insert("jira".into(), bounded(&collection));
        } else if let Some(body) = &self.0.jira_json {
            out.insert("jira".into(), bounded(body));
        }
        Value::Object(out)
    }
}

/// Strings longer than this many bytes are shortened in the error's `jira`.
pub const MAX_STRING_BYTES: usize = 1000;
/// The longest `message` or `hint` of the error line, in bytes; longer text
/// ends in `… [N bytes omitted]` (a 5 MB `errorMessages` once made a 10 MB line).
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// Arrays (and objects) longer than this are shortened in the error's `jira`.
pub const MAX_ITEMS: usize = 100;
/// Nesting deeper than this is replaced by a note in the error's `jira`.
pub const MAX_DEPTH: usize = 32;

/// `value` made small enough for one stderr line while staying valid JSON,
/// never cut in the middle of a value: a string over [`MAX_STRING_BYTES`]
/// keeps its start and ends in `… [N bytes omitted]`; an array over
/// [`MAX_ITEMS`] keeps its first items and ends with the string
/// `… [N more items]`; an object over [`MAX_ITEMS`] fields keeps its first
/// fields and gains `"…": "[N more fields]"`.
pub fn bounded(value: &Value) -> Value {
    bounded_at(value, 0)
}

/// `text` cut at a character boundary at most `limit` bytes in, followed by
/// `… [N bytes omitted]` when anything was cut.
pub fn bounded_text(text: &str, limit: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= limit {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let omitted = text.len() - end;
    std::borrow::Cow::Owned(format!("{}… [{omitted} bytes omitted]", &text[..end]))
}

fn bounded_at(value: &Value, depth: usize) -> Value {
    if depth >= MAX_DEPTH && (value.is_array() || value.is_object()) {
        return json!(format!("… [nested deeper than {MAX_DEPTH} levels]"));
    }
    match value {
        Value::String(text) if text.len() > MAX_STRING_BYTES => {
            json!(bounded_text(text, MAX_STRING_BYTES))
        }
        Value::Array(items) => {
            let mut kept: Vec<Value> = items
                .iter()
                .take(MAX_ITEMS)
                .map(|item| bounded_at(item, depth + 1))
                .collect();
            if items.len() > MAX_ITEMS {
                kept.push(json!(format!("… [{} more items]", items.len() - MAX_ITEMS)));
            }
            Value::Array(kept)
        }
        Value::Object(fields) => {
            let mut kept: Map<String, Value> = fields
                .iter()
                .take(MAX_ITEMS)
                .map(|(key, field)| (key.clone(), bounded_at(field, depth + 1)))
                .collect();
            if fields.len() > MAX_ITEMS {
                kept.insert(
                    "…".into(),
                    json!(format!("[{} more fields]", fields.len() - MAX_ITEMS)),
                );
            }
            Value::Object(kept)
        }
        other => other.clone(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12 review: a 5 MB `errorMessages` entry was bounded inside
    /// `jira` but copied whole into `message`: the line stays small now.
    #[test]
    fn a_huge_message_is_bounded_in_the_error_line() {
        let error = Error::validation(format!("Jira answered HTTP 400: {}", "z".repeat(5_000_000)))
            .with_hint("h".repeat(10_000));
        let line = error.to_json().to_string();
        assert!(line.len() < 10_000, "{} bytes", line.len());
        let message = error.to_json()["message"].as_str().unwrap().to_owned();
        assert!(
            message.ends_with("bytes omitted]"),
            "{}",
            &message[message.len() - 40..]
        );
        assert!(serde_json::from_str::<Value>(&line).is_ok());
        assert_eq!(
            bounded_text("é".repeat(3).as_str(), 3),
            "é… [4 bytes omitted]"
        );
    }

    #[test]
    fn statuses_map_to_the_documented_exit_codes() {
        let cases = [
            (400, 4),
            (401, 2),
            (403, 2),
            (404, 3),
            (409, 6),
            (410, 3),
            (422, 4),
            (429, 5),
            (500, 7),
            (503, 7),
        ];
        for (status, code) in cases {
            assert_eq!(ErrorKind::from_status(status).exit_code(), code, "{status}");
        }
    }

    #[test]
    fn error_collection_is_parsed_not_pasted() {
        let body = br#"{"errorMessages":["Only Connect and OAuth 2.0 apps can use this operation"],"errors":{}}"#;
        let jira = ErrorCollection::parse(body).expect("an ErrorCollection");
        assert_eq!(
            jira.summary(),
            "Only Connect and OAuth 2.0 apps can use this operation"
        );
        let json = Error::new(ErrorKind::Auth, "x").with_jira(jira).to_json();
        assert_eq!(
            json["jira"]["errorMessages"][0],
            "Only Connect and OAuth 2.0 apps can use this operation"
        );
    }

    #[test]
    fn html_and_empty_bodies_are_not_error_collections() {
        assert!(ErrorCollection::parse(b"<html>Oops</html>").is_none());
        assert!(ErrorCollection::parse(b"").is_none());
        assert!(ErrorCollection::parse(br#"{"values":[]}"#).is_none());
    }

    #[test]
    fn long_strings_arrays_and_objects_are_shortened_but_stay_json() {
        let long = "é".repeat(MAX_STRING_BYTES);
        let body = json!({"issues": [], "errors": (0..250).map(|i| json!({"failedElementNumber": i,
            "elementErrors": {"errorMessages": [long.clone()], "errors": {}}})).collect::<Vec<_>>()});
        let error = Error::validation("x").with_jira_json(body).to_json();
        let text = error.to_string();
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        let errors = back["jira"]["errors"].as_array().unwrap();
        assert_eq!(errors.len(), MAX_ITEMS + 1);
        assert_eq!(errors[MAX_ITEMS], json!("… [150 more items]"));
        let message = errors[0]["elementErrors"]["errorMessages"][0]
            .as_str()
            .unwrap();
        assert!(
            message.ends_with(&format!(
                "… [{} bytes omitted]",
                2 * MAX_STRING_BYTES - MAX_STRING_BYTES
            )),
            "{message}"
        );
        assert!(message.starts_with("éé"));
        let wide: Map<String, Value> = (0..150).map(|i| (format!("f{i}"), json!(i))).collect();
        let shown = bounded(&Value::Object(wide));
        assert_eq!(shown["…"], json!("[50 more fields]"));
        let mut deep = json!(1);
        for _ in 0..40 {
            deep = json!([deep]);
        }
        assert!(bounded(&deep).to_string().contains("nested deeper than"));
    }

    #[test]
    fn absent_fields_are_left_out_of_the_json_form() {
        let json = Error::validation("bad").to_json();
        assert_eq!(json, json!({"error_type": "validation", "message": "bad"}));
    }
}
