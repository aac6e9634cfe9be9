//! Shared helpers for jr-mock's HTTP tests: a client, credentials, calls.

use jr_mock::{FakeJira, MockConfig};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const DAY_MS: i64 = 86_400_000;
pub const START_MS: i64 = 1_700_000_000_000;

/// How a test request authenticates.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    Basic(&'a str, &'a str),
    Connect,
    Raw(&'a str),
}

pub const OAUTH: Auth<'static> = Auth::Bearer("oauth-app-token");
pub const OTHER: Auth<'static> = Auth::Bearer("other-app-token");
pub const USER: Auth<'static> = Auth::Basic("user@example.com", "user-token");

/// The site's cloud ID (the default).
pub const CLOUD_ID: &str = jr_mock::model::DEFAULT_CLOUD_ID;

/// The usual test configuration: faithful authentication, except that OAuth
/// apps may read their failed deliveries (`oauthReadsFailed`), since most
/// delivery tests read failures as the OAuth app that registered; the
/// default (403) has its own test, on [`faithful_config`].
pub fn config() -> MockConfig {
    let mut config = faithful_config();
    config.switches.oauth_reads_failed = true;
    config
}

/// The default switches, a fixed clock, seed and retry delay.
pub fn faithful_config() -> MockConfig {
    MockConfig {
        start_ms: Some(START_MS),
        seed: Some(1),
        retry_delay_ms: Some(60_000),
        delivery_timeout: std::time::Duration::from_secs(5),
        ..MockConfig::default()
    }
}

pub async fn fake() -> FakeJira {
    FakeJira::start_with(config()).await
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// A Connect JWT for `method` on `url` (qsh over its path and query).
pub fn connect_jwt(method: &str, url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    let query: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = json!({"iss": "com.example.connect-app", "iat": now, "exp": now + 180,
        "qsh": jr_mock::jwt::qsh(method, u.path(), &query, true)});
    jr_mock::jwt::sign(&claims, b"connect-app-secret")
}

/// Sends `verb url` with `auth` and an optional JSON body; returns status and JSON (Null when empty).
pub async fn send(verb: &str, url: &str, auth: Auth<'_>, body: Option<&Value>) -> (u16, Value) {
    send_with(&client(), verb, url, auth, body).await
}

/// [`send`] on `client` (building a client costs milliseconds in debug
/// builds; loops reuse one).
pub async fn send_with(
    client: &reqwest::Client,
    verb: &str,
    url: &str,
    auth: Auth<'_>,
    body: Option<&Value>,
) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(verb.as_bytes()).unwrap();
    let url = &through_gateway_for(auth, url);
    let mut req = client.request(m, url);
    req = match auth {
        Auth::None => req,
        Auth::Bearer(t) => req.bearer_auth(t),
        Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
        Auth::Connect => req.header("Authorization", format!("JWT {}", connect_jwt(verb, url))),
        Auth::Raw(h) => req.header("Authorization", h),
    };
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    // Not every answer is JSON: Jira's 401 outside the webhook paths is text.
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, json)
}

/// `url` as an OAuth 2.0 client must send it: a bearer token goes through
/// the gateway prefix `/ex/jira/{cloudId}` (jira-semantics §2.4), where the
/// fake accepts it; other credentials and `/_mock`, `/oauth` and `/_edge`
/// paths stay on the site. (`Auth::Raw` is never moved, so a test can send
/// a bearer token to the site on purpose.)
pub fn through_gateway_for(auth: Auth<'_>, url: &str) -> String {
    let Auth::Bearer(_) = auth else {
        return url.to_owned();
    };
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_owned();
    };
    let path = parsed.path().to_owned();
    if !path.starts_with("/rest/") {
        return url.to_owned();
    }
    parsed.set_path(&format!("/ex/jira/{CLOUD_ID}{path}"));
    parsed.to_string()
}

pub async fn call(
    jira: &FakeJira,
    verb: &str,
    path_and_query: &str,
    auth: Auth<'_>,
    body: Option<Value>,
) -> (u16, Value) {
    send(
        verb,
        &format!("{}{path_and_query}", jira.base_url()),
        auth,
        body.as_ref(),
    )
    .await
}

/// Registers one webhook per JQL filter at `url` for `auth`; returns the response body.
pub async fn register(jira: &FakeJira, auth: Auth<'_>, url: &str, jqls: &[&str]) -> Value {
    let webhooks: Vec<Value> = jqls
        .iter()
        .map(|j| json!({"events": ["jira:issue_created"], "jqlFilter": j}))
        .collect();
    let (status, body) = call(
        jira,
        "POST",
        "/rest/api/3/webhook",
        auth,
        Some(json!({"url": url, "webhooks": webhooks})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

pub fn created_ids(body: &Value) -> Vec<i64> {
    body["webhookRegistrationResult"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["createdWebhookId"].as_i64())
        .collect()
}

pub fn event(project: &str) -> Value {
    json!({"webhookEvent": "jira:issue_created", "issue": {"id": "10001", "key": format!("{project}-1"),
        "fields": {"project": {"key": project}, "issuetype": {"name": "Bug"}, "status": {"name": "To Do"}}}})
}

pub async fn emit(jira: &FakeJira, event: Value) -> Value {
    let (status, body) = call(jira, "POST", "/_mock/events", Auth::None, Some(event)).await;
    assert_eq!(status, 200, "{body}");
    body
}

pub async fn advance(jira: &FakeJira, ms: i64) -> i64 {
    let (status, body) = call(
        jira,
        "POST",
        "/_mock/clock",
        Auth::None,
        Some(json!({"advanceMs": ms})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["nowMs"].as_i64().unwrap()
}

/// A receiver answering every POST /hook with `status`.
pub async fn receiver(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(status))
        .named("receiver")
        .mount(&server)
        .await;
    server
}

/// A URL on 127.0.0.1 where nothing listens.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/hook")
}

/// A running `jr-mock` binary, killed when dropped.
pub struct Binary {
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Binary {
    /// Starts `jr-mock --port 0 ARGS` and reads its first stdout line.
    pub fn start(args: &[&str]) -> Self {
        Self::spawn(args, std::process::Stdio::null())
    }

    /// [`Binary::start`] with stderr piped, to read from `child.stderr`.
    pub fn start_with_stderr(args: &[&str]) -> Self {
        Self::spawn(args, std::process::Stdio::piped())
    }

    fn spawn(args: &[&str], stderr: std::process::Stdio) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jr-mock"))
            .args(["--port", "0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("jr-mock listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self { child, url }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `bytes` on a fresh connection to `addr`, closes the writing half
/// when `close_write`, and returns everything read until the server closes
/// the connection or `wait` passes (`None`: still open then).
pub fn raw(
    addr: &str,
    bytes: &[u8],
    close_write: bool,
    wait: std::time::Duration,
) -> (String, bool) {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(bytes).unwrap();
    if close_write {
        stream.shutdown(std::net::Shutdown::Write).unwrap();
    }
    read_until_closed(&mut stream, wait)
}

/// Reads from `stream` until the server closes it (`true`) or `wait` passes (`false`).
pub fn read_until_closed(
    stream: &mut std::net::TcpStream,
    wait: std::time::Duration,
) -> (String, bool) {
    use std::io::Read;
    let deadline = std::time::Instant::now() + wait;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return (String::from_utf8_lossy(&got).into_owned(), false);
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return (String::from_utf8_lossy(&got).into_owned(), false);
            }
            // Reset by the server: closed.
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), true),
        }
    }
}

/// The status of the first response in `text` (0 when there is none).
pub fn status_of(text: &str) -> u16 {
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .filter(|_| text.starts_with("HTTP/1.1 "))
        .unwrap_or(0)
}
