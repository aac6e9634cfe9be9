//! One HTTP exchange as [`crate::http::HttpClient`] saw it, and the redacted
//! [`Recording`] made of it. Every credential goes through
//! [`crate::redact`] here, before anything is serialised: header values by
//! name, query values by name, form and JSON bodies by member name, and URL
//! strings inside JSON bodies and headers (user information, credential
//! query values).

use crate::recording::{self, Base, Body, Recording};
use crate::redact;
use serde_json::Value;
use std::borrow::Cow;

/// One exchange, as sent and as answered, credentials still in it.
#[derive(Debug, Clone)]
pub struct Exchange<'a> {
    /// When the request was sent, ms since the UNIX epoch.
    pub time_ms: i64,
    /// The spec's operationId, `None` for `jr raw` and pages of unknown
    /// operations.
    pub operation_id: Option<&'a str>,
    /// The base URL requests are made against (site, or the API gateway's
    /// `{gateway}/ex/jira/{cloudId}`), as configured (may hold userinfo).
    pub base_url: &'a url::Url,
    /// The cloud ID when `base_url` is the gateway's.
    pub cloud_id: Option<&'a str>,
    /// Upper-case method.
    pub method: &'a str,
    /// The URL as sent.
    pub url: &'a url::Url,
    /// The headers jr set on the request (names in any case), in order.
    pub request_headers: Vec<(String, String)>,
    /// The request body, if any.
    pub request_body: Option<&'a [u8]>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The answer's headers, in order.
    pub response_headers: Vec<(String, String)>,
    /// The answer's body (empty for none).
    pub response_body: &'a [u8],
}

impl Exchange<'_> {
    /// The exchange as a recording, every credential replaced by
    /// [`redact::REDACTED`] (not yet pseudonymised).
    pub fn to_recording(&self) -> Recording {
        let request_type = content_type(&self.request_headers);
        let response_type = content_type(&self.response_headers);
        Recording {
            format: recording::FORMAT.to_owned(),
            time: self.time_ms,
            operation_id: self.operation_id.map(str::to_owned),
            base: base_of(self.base_url, self.cloud_id),
            request: recording::Request {
                method: self.method.to_ascii_uppercase(),
                path: path_below(self.base_url, self.url),
                query: query_of(self.url),
                headers: headers_of(&self.request_headers),
                body: self
                    .request_body
                    .map(|bytes| body_of(request_type.as_deref(), bytes)),
            },
            response: recording::Response {
                status: self.status,
                headers: headers_of(&self.response_headers),
                body: (!self.response_body.is_empty())
                    .then(|| body_of(response_type.as_deref(), self.response_body)),
            },
            pseudonymised: false,
        }
    }
}

/// The base as a recording stores it: no user information, no trailing `/`.
pub fn base_of(base_url: &url::Url, cloud_id: Option<&str>) -> Base {
    let mut clean = base_url.clone();
    // Only fails for URLs that cannot have user information: nothing to drop.
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_query(None);
    clean.set_fragment(None);
    Base {
        url: clean.as_str().trim_end_matches('/').to_owned(),
        cloud_id: cloud_id.map(str::to_owned),
    }
}

/// The path of `url` below the path of `base` (`/ex/jira/{cloudId}` is
/// dropped for the gateway), as sent; the whole path when `url` is not
/// below it.
pub fn path_below(base: &url::Url, url: &url::Url) -> String {
    let prefix = base.path().trim_end_matches('/');
    match url.path().strip_prefix(prefix) {
        Some(rest) if rest.starts_with('/') => rest.to_owned(),
        Some("") => "/".to_owned(),
        _ => url.path().to_owned(),
    }
}

/// The query pairs, percent-decoded, credential values redacted.
fn query_of(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(name, value)| {
            let value = if redact::is_credential(&name) {
                redact::REDACTED.to_owned()
            } else {
                url_redacted(&value)
            };
            (name.into_owned(), value)
        })
        .collect()
}

/// Header pairs, names lower-cased, credential values redacted, URLs in
/// values (`location`) without user information or credential queries.
fn headers_of(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let name = name.to_ascii_lowercase();
            let value = redact::header_value(&name, value);
            (name, url_redacted(value))
        })
        .collect()
}

fn content_type(headers: &[(String, String)]) -> Option<String> {
    headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.clone())
}

/// A body as stored: [`redact::body`] applied, then URL strings inside a
/// JSON body redacted too.
fn body_of(content_type: Option<&str>, bytes: &[u8]) -> Body {
    let redacted = redact::body(content_type, bytes);
    match Body::from_bytes(&redacted) {
        Body::Json(mut value) => {
            redact_url_strings(&mut value);
            Body::Json(value)
        }
        other => other,
    }
}

/// Every string of `value` that is an absolute http(s) URL, through
/// [`redact::url`]. An explicit stack: any depth is safe.
fn redact_url_strings(value: &mut Value) {
    let mut stack = vec![value];
    while let Some(current) = stack.pop() {
        match current {
            Value::String(text) if looks_like_url(text) => {
                if let Cow::Owned(shown) = redact::url(text) {
                    *text = shown;
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(members) => stack.extend(members.values_mut()),
            _ => {}
        }
    }
}

/// `text` through [`redact::url`] when it is an absolute http(s) URL, else
/// as it is (a value such as `a@b` is no URL with user information).
fn url_redacted(text: &str) -> String {
    if looks_like_url(text) {
        redact::url(text).into_owned()
    } else {
        text.to_owned()
    }
}

fn looks_like_url(text: &str) -> bool {
    (text.starts_with("http://") || text.starts_with("https://"))
        && !text.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exchange<'a>(base: &'a url::Url, url: &'a url::Url, body: &'a [u8]) -> Exchange<'a> {
        Exchange {
            time_ms: 1_764_619_200_000,
            operation_id: Some("getIssue"),
            base_url: base,
            cloud_id: None,
            method: "post",
            url,
            request_headers: vec![
                ("Accept".into(), "application/json".into()),
                ("Authorization".into(), "Basic dXNlcjpzM2NyZXQ=".into()),
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
            ],
            request_body: Some(b"grant_type=x&client_secret=cs1&code=c0de"),
            status: 200,
            response_headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Set-Cookie".into(), "JSESSIONID=abc".into()),
                ("Location".into(), "https://u:pw@x.example/next".into()),
            ],
            response_body: body,
        }
    }

    #[test]
    fn every_credential_is_redacted_before_anything_is_stored() {
        let base = url::Url::parse("http://admin:hunter2@127.0.0.1:8080/").unwrap();
        let url = url::Url::parse(
            "http://admin:hunter2@127.0.0.1:8080/rest/api/3/issue/A-1?jwt=eyJ.x.y&jql=a%20%3D%20b&access_token=at1",
        )
        .unwrap();
        let body = json!({"access_token": "at2", "refresh_token": "rt-5ecret", "id_token": "it-5ecret",
            "nested": [{"sharedSecret": "ss-5ecret", "password": "pw-5ecret", "code_verifier": "cv-5ecret"}],
            "self": "https://u:pw@x.example/rest?access_token=at3&startAt=1"})
        .to_string();
        let recording = exchange(&base, &url, body.as_bytes()).to_recording();
        let text = serde_json::to_string(&recording).unwrap();
        for secret in [
            "hunter2",
            "dXNlcjpzM2NyZXQ",
            "eyJ.x.y",
            "at1",
            "at2",
            "at3",
            "5ecret",
            "cs1",
            "c0de",
            "JSESSIONID=abc",
            "u:pw",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(recording.base.url, "http://127.0.0.1:8080");
        assert_eq!(recording.request.path, "/rest/api/3/issue/A-1");
        assert_eq!(recording.request.method, "POST");
        assert_eq!(
            recording.request.query[1],
            ("jql".to_owned(), "a = b".to_owned())
        );
        assert_eq!(recording.request.headers[1].0, "authorization");
        assert!(text.contains("startAt=1"), "{text}");
    }

    #[test]
    fn the_gateway_prefix_is_not_part_of_the_path() {
        let base = url::Url::parse("https://api.example/ex/jira/c1d").unwrap();
        let url = url::Url::parse("https://api.example/ex/jira/c1d/rest/api/3/myself").unwrap();
        let mut exchange = exchange(&base, &url, b"");
        exchange.cloud_id = Some("c1d");
        let recording = exchange.to_recording();
        assert_eq!(recording.request.path, "/rest/api/3/myself");
        assert_eq!(recording.base.url, "https://api.example/ex/jira/c1d");
        assert_eq!(recording.base.cloud_id.as_deref(), Some("c1d"));
        assert_eq!(recording.response.body, None);
        let other = url::Url::parse("https://api.example/elsewhere").unwrap();
        assert_eq!(path_below(&base, &other), "/elsewhere");
    }
}
