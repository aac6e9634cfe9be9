//! Sending requests: one reqwest client (rustls on ring, Mozilla roots), built
//! only when a request is about to go out, and the mapping of every non-2xx
//! answer into a typed [`Error`] with Jira's ErrorCollection parsed.

use crate::config::Settings;
use crate::error::{Error, ErrorCollection, ErrorKind};
use crate::request::RequestPlan;
use std::sync::OnceLock;
use std::time::Duration;

/// The default per-request timeout (DESIGN.md §3 `--timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take, whatever the request timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A response with a 2xx status, body fully read.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status (200..=299).
    pub status: u16,
    /// The body's bytes exactly as Jira sent them (empty for 202/204).
    pub body: Vec<u8>,
}

/// Sends requests for one invocation.
pub struct HttpClient {
    settings: Settings,
    timeout: Duration,
    client: OnceLock<reqwest::Client>,
}

impl HttpClient {
    /// A client for `settings`; nothing is built or opened until the first send.
    pub fn new(settings: Settings, timeout: Duration) -> HttpClient {
        HttpClient {
            settings,
            timeout,
            client: OnceLock::new(),
        }
    }

    /// The settings requests are sent with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Sends `plan` to the configured base URL.
    ///
    /// Errors: the class of a non-2xx status (see [`ErrorKind::from_status`]),
    /// or exit 1 for connection failures and timeouts.
    pub async fn send(&self, plan: &RequestPlan) -> Result<Response, Error> {
        let url = plan.url(&self.settings.base_url);
        let mut request = self
            .client()?
            .request(to_reqwest(plan.method), &url)
            .header("Accept", "application/json");
        for (name, value) in &plan.headers {
            request = request.header(name, value);
        }
        if let Some((bytes, content_type)) = &plan.body {
            request = request
                .header("Content-Type", content_type.as_str())
                .body(bytes.clone());
        }
        self.execute(request, plan.method.as_str(), &url).await
    }

    /// Sends a GET to an absolute `url` (a `next` link), with the same credentials.
    pub async fn get_url(&self, url: &str) -> Result<Response, Error> {
        let request = self.client()?.get(url).header("Accept", "application/json");
        self.execute(request, "GET", url).await
    }

    async fn execute(
        &self,
        mut request: reqwest::RequestBuilder,
        method: &str,
        url: &str,
    ) -> Result<Response, Error> {
        if let Some(value) = self.settings.auth.header_value() {
            request = request.header("Authorization", value);
        }
        let path = path_of(url);
        let response = request
            .send()
            .await
            .map_err(|e| transport_error(&e, url, self.timeout).with_request(method, &path))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("Retry-After")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(&e, url, self.timeout).with_request(method, &path))?
            .to_vec();
        if (200..300).contains(&status) {
            return Ok(Response { status, body });
        }
        let mut error = status_error(status, &body, url).with_request(method, &path);
        if let Some(seconds) = retry_after {
            error = error.with_retry_after(seconds);
        }
        Err(error)
    }

    fn client(&self) -> Result<&reqwest::Client, Error> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = build_client(self.timeout)?;
        Ok(self.client.get_or_init(|| client))
    }
}

fn build_client(timeout: Duration) -> Result<reqwest::Client, Error> {
    // reqwest is built without a crypto provider (no aws-lc, see DESIGN.md §6);
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
        .build()
        .map_err(|e| Error::general(format!("cannot set up the HTTP client: {e}")))
}

fn to_reqwest(method: crate::ops::Method) -> reqwest::Method {
    match method {
        crate::ops::Method::Get => reqwest::Method::GET,
        crate::ops::Method::Post => reqwest::Method::POST,
        crate::ops::Method::Put => reqwest::Method::PUT,
        crate::ops::Method::Delete => reqwest::Method::DELETE,
    }
}

/// The path of `url` without scheme, host or query.
fn path_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| url.to_owned())
}

fn transport_error(error: &reqwest::Error, url: &str, timeout: Duration) -> Error {
    if error.is_timeout() {
        return Error::general(format!(
            "request to {url} timed out after {} s",
            timeout.as_secs_f64()
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

/// Turns a non-2xx answer into an error: Jira's ErrorCollection parsed, an
/// HTML page reduced to one line that names the URL.
pub fn status_error(status: u16, body: &[u8], url: &str) -> Error {
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
        None if looks_like_html(body) => Error::new(
            kind,
            format!("Jira answered HTTP {status} with an HTML page instead of JSON from {url}"),
        )
        .with_hint("check the base URL: it should be the site (https://your-domain.atlassian.net) or the API gateway"),
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
        429 => error.with_hint("rate limited: wait and try again"),
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
    use super::*;

    #[test]
    fn an_html_body_becomes_one_line_naming_the_url() {
        let err = status_error(
            429,
            b"<!DOCTYPE html><html>Oops - an error has occurred</html>",
            "https://x.example/rest/api/3/myself",
        );
        assert_eq!(err.exit_code(), 5);
        assert!(
            err.message()
                .contains("https://x.example/rest/api/3/myself")
        );
        assert!(!err.message().contains('\n'));
        assert!(err.hint().unwrap_or_default().contains("base URL"));
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

/// Parses a `--timeout` value: a number of seconds (`30`, `2.5`) or a jiff
/// friendly duration (`500ms`, `30s`, `5m`, `1h 30m`).
///
/// Errors: exit 4 naming the value, for text that is neither or is not positive.
pub fn parse_timeout(text: &str) -> Result<Duration, Error> {
    let bad = || {
        Error::validation(format!(
            "invalid value `{text}` for --timeout: expected a duration such as 30s, 500ms, 2m or a number of seconds"
        ))
    };
    let duration = match text.trim().parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 => Duration::from_secs_f64(seconds),
        Ok(_) => return Err(bad()),
        Err(_) => {
            let span: jiff::SignedDuration = text.trim().parse().map_err(|_| bad())?;
            Duration::try_from(span).map_err(|_| bad())?
        }
    };
    if duration.is_zero() {
        return Err(bad());
    }
    Ok(duration)
}

#[cfg(test)]
mod timeout_tests {
    use super::*;

    #[test]
    fn timeouts_read_seconds_and_friendly_durations() {
        assert_eq!(parse_timeout("30").ok(), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_timeout("500ms").ok(),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_timeout("2m").ok(), Some(Duration::from_secs(120)));
        for bad in ["", "0", "-1", "soon", "0s"] {
            assert_eq!(
                parse_timeout(bad).map_err(|e| e.exit_code()).err(),
                Some(4),
                "{bad}"
            );
        }
    }
}
