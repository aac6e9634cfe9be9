//! Requests beside the Jira REST API, sent without Jira's credentials: a
//! delivery passed on or re-delivered to an app (`jr webhook listen
//! --forward-to`, `jr webhook replay`) and a jr-mock's control API
//! (`/_mock/health`, `/_mock/clock`, `/_mock/events`). One attempt each, no
//! redirect followed (Jira's delivery follows none either), bodies read up
//! to [`MAX_BODY_BYTES`].

use crate::error::Error;
use std::net::IpAddr;
use std::time::Duration;

/// The largest body read back: Jira delivers no webhook over 25 MB
/// (docs/jira-semantics.md §8.2), and no answer here needs more.
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// Sends requests that carry no Jira credentials.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
}

/// An answer of any status, body fully read.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// Its `Content-Type`, when it sent one.
    pub content_type: Option<String>,
    /// The body's bytes as received.
    pub body: Vec<u8>,
}

impl Outbound {
    /// A client with `timeout` per request (connect included).
    ///
    /// Errors (exit 1): the TLS set-up fails.
    pub fn new(timeout: Duration) -> Result<Outbound, Error> {
        Ok(Outbound {
            client: crate::http::build_client_without_redirects(timeout)?,
        })
    }

    /// `POST url` with `headers` and `body` as given.
    ///
    /// Errors: a one-line reason when no answer came (refused, timed out,
    /// not a URL, a body over [`MAX_BODY_BYTES`]).
    pub async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Answer, String> {
        let mut request = self.client.post(url).body(body.to_vec());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        read(request, url).await
    }

    /// `GET url`.
    ///
    /// Errors: as [`Outbound::post`].
    pub async fn get(&self, url: &str) -> Result<Answer, String> {
        read(self.client.get(url), url).await
    }
}

async fn read(request: reqwest::RequestBuilder, url: &str) -> Result<Answer, String> {
    let shown = crate::redact::url(url).into_owned();
    let mut response = request
        .send()
        .await
        .map_err(|e| format!("{shown}: {}", reason(&e)))?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("{shown}: {}", reason(&e)))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(format!(
                "{shown}: the answer is larger than {MAX_BODY_BYTES} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        content_type,
        body,
    })
}

fn reason(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "cannot connect".into()
    } else if error.is_builder() {
        "not a valid http(s) URL".into()
    } else {
        "the connection failed".into()
    }
}

/// Whether `url` is an `http(s)` URL whose host is a loopback address
/// (127.0.0.0/8, `::1`) or `localhost`.
pub fn is_loopback(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_are_loopback() {
        assert!(is_loopback("http://127.0.0.1:8080/hook"));
        assert!(is_loopback("http://127.9.9.9/"));
        assert!(is_loopback("https://localhost/x"));
        assert!(is_loopback("http://[::1]:9/"));
        assert!(!is_loopback("https://app.example.com/hook"));
        assert!(!is_loopback("http://10.0.0.1/hook"));
        assert!(!is_loopback("ftp://127.0.0.1/"));
        assert!(!is_loopback("not a url"));
    }
}
