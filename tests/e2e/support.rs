//! Shared helpers: a `jr` command aimed at a jr-mock as one of its default
//! identities, and calls to jr-mock's control API.

use assert_cmd::Command;
use jr_mock::FakeJira;
use serde_json::{Value, json};

/// The OAuth 2.0 app `oauth-app`'s static access token.
pub const APP: &str = "oauth-app-token";
/// The OAuth 2.0 app `other-app`'s static access token.
pub const OTHER_APP: &str = "other-app-token";

/// `jr` with no base URL, credentials or config file leaking in from the
/// machine running the tests.
pub fn jr_isolated() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jr"));
    cmd.env("XDG_CONFIG_HOME", "/nonexistent/jr-test-config")
        .env_remove("JR_CONFIG_PATH")
        .env_remove("JR_BASE_URL")
        .env_remove("JR_PROFILE")
        .env_remove("JR_AUTH_TYPE")
        .env_remove("JR_AUTH_USER")
        .env_remove("JR_AUTH_TOKEN")
        .env_remove("JR_CONNECT_KEY")
        .env_remove("JR_CONNECT_SECRET")
        .env_remove("JR_CLOUD_ID")
        .env_remove("JR_API_GATEWAY_URL")
        .env_remove("JR_RECORD_DIR")
        .env_remove("NO_COLOR")
        // Tests never touch the machine's real keychain.
        .env("JR_NO_KEYRING", "1")
        .timeout(std::time::Duration::from_secs(30));
    cmd
}

/// [`jr_isolated`] aimed at `base_url`, with no credentials.
pub fn jr_at(base_url: &str) -> Command {
    let mut cmd = jr_isolated();
    cmd.env("JR_BASE_URL", base_url);
    cmd
}

fn bare_jr(jira: &FakeJira) -> Command {
    jr_at(&jira.base_url())
}

/// The cloud ID of jr-mock's site (its default; `/_edge/tenant_info`).
pub const CLOUD_ID: &str = jr_mock::model::DEFAULT_CLOUD_ID;

/// `jr` authenticated as an OAuth 2.0 app by its bearer token, sending
/// through the API gateway prefix `/ex/jira/{cloudId}` as such tokens must
/// (jr-mock refuses them on the site URL, as Jira does).
pub fn jr_as(jira: &FakeJira, token: &str) -> Command {
    let mut cmd = jr_isolated();
    // The API calls go through the gateway prefix; the site stays jr-mock's
    // own URL, where jr finds its control API (clock, events).
    cmd.env("JR_BASE_URL", jira.base_url())
        .env("JR_API_GATEWAY_URL", jira.base_url())
        .env("JR_CLOUD_ID", CLOUD_ID)
        .env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", token);
    cmd
}

/// `jr` authenticated as the default user (basic auth), who is not an app.
pub fn jr_as_user(jira: &FakeJira) -> Command {
    let mut cmd = bare_jr(jira);
    cmd.env("JR_AUTH_TYPE", "basic")
        .env("JR_AUTH_USER", "user@example.com")
        .env("JR_AUTH_TOKEN", "user-token");
    cmd
}

/// The default Connect app's key.
pub const CONNECT_KEY: &str = "com.example.connect-app";

/// `jr` signing every request as the Connect app with `secret` (the right one
/// is `connect-app-secret`).
pub fn jr_as_connect(jira: &FakeJira, secret: &str) -> Command {
    let mut cmd = bare_jr(jira);
    cmd.env("JR_AUTH_TYPE", "connect")
        .env("JR_CONNECT_KEY", CONNECT_KEY)
        .env("JR_CONNECT_SECRET", secret);
    cmd
}

/// Runs `cmd` and returns (stdout as JSON, stderr, exit code).
pub fn run(cmd: &mut Command) -> (Value, String, i32) {
    let output = cmd.output().expect("jr runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (json, stderr, output.status.code().unwrap_or(-1))
}

/// The one JSON error line jr printed on stderr.
pub fn error_line(stderr: &str) -> Value {
    let last = stderr.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|_| panic!("stderr is not a JSON line: {stderr:?}"))
}

/// Registers one webhook for `jira:issue_created` in project ABC; returns its ID.
pub fn register(jira: &FakeJira, token: &str, url: &str) -> i64 {
    let (out, stderr, code) = run(jr_as(jira, token).args([
        "webhook",
        "register-dynamic",
        "--url",
        url,
        "--jql",
        "project = ABC",
        "--event",
        "jira:issue_created",
    ]));
    assert_eq!(code, 0, "{stderr}");
    out["webhookRegistrationResult"][0]["createdWebhookId"]
        .as_i64()
        .unwrap_or_else(|| panic!("no ID in {out}"))
}

/// POSTs to jr-mock's control API and returns its JSON answer.
pub async fn control(jira: &FakeJira, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}{path}", jira.base_url()))
        .json(&body)
        .send()
        .await
        .expect("control call")
        .json()
        .await
        .expect("control answer is JSON")
}

/// Lets OAuth 2.0 apps read their failed deliveries (jr-mock's
/// `oauthReadsFailed` switch; by default only Connect apps may, as the spec
/// says).
pub async fn oauth_reads_failed(jira: &FakeJira) {
    let switches = control(jira, "/_mock/switches", json!({"oauthReadsFailed": true})).await;
    assert_eq!(switches["oauthReadsFailed"], json!(true), "{switches}");
}

/// Posts an issue-created event for `key` in project ABC.
pub async fn issue_created(jira: &FakeJira, key: &str) -> Value {
    let event = json!({"webhookEvent": "jira:issue_created", "issue": {"key": key, "fields": {
        "project": {"key": "ABC"}, "issuetype": {"name": "Bug"}, "status": {"name": "To Do"}}}});
    control(jira, "/_mock/events", event).await
}

/// Moves the virtual clock forward by `ms` milliseconds.
pub async fn advance(jira: &FakeJira, ms: u64) -> Value {
    control(jira, "/_mock/clock", json!({ "advanceMs": ms })).await
}

/// A wiremock receiver on 127.0.0.1 answering every POST with `status`.
pub async fn receiver(status: u16) -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

/// Milliseconds in a day.
pub const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// The recording `fixtures/NAME` (e.g. `jr-mock/getDynamicWebhooksForApp.4.json`),
/// read with the format's own reader.
pub fn recording(name: &str) -> jr_core::recording::Recording {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name);
    jr_core::recording::read(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The answer recorded in `fixtures/NAME` as a wiremock response: its
/// status, its headers but those the transport sets (`content-length`,
/// `transfer-encoding`, `connection`, `date`), and its body, with every
/// URL under the recorded base moved to `base` (as jr-mock `--fixtures`
/// does).
pub fn recorded_answer(name: &str, base: &str) -> wiremock::ResponseTemplate {
    let recording = recording(name);
    let mut answer = wiremock::ResponseTemplate::new(recording.response.status);
    for (header, value) in &recording.response.headers {
        let transport = ["content-length", "transfer-encoding", "connection", "date"];
        if !transport.contains(&header.as_str()) {
            answer = answer.append_header(header.as_str(), value.as_str());
        }
    }
    if let Some(body) = &recording.response.body {
        let bytes = body.to_bytes().unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let moved = text.replace(&recording.base.url, base.trim_end_matches('/'));
        answer = answer.set_body_bytes(moved.into_bytes());
    }
    answer
}

/// Mounts the answers recorded in `fixtures/NAMES` on `server`, each for
/// its recorded method, path (below the recorded base) and query pairs, and
/// each answering once; a recording with more query pairs wins over one
/// with fewer (a listing's later pages over its first), then the earlier
/// name (a token-paged listing's pages, whose redacted tokens all match).
pub async fn mount_recordings(server: &wiremock::MockServer, names: &[&str]) {
    use wiremock::matchers::{method, path, query_param};
    for name in names {
        let request = recording(name).request;
        let mut mock =
            wiremock::Mock::given(method(request.method.as_str())).and(path(request.path.as_str()));
        for (key, value) in &request.query {
            mock = mock.and(query_param(key.as_str(), value.as_str()));
        }
        let priority = u8::try_from(20usize.saturating_sub(request.query.len())).unwrap_or(20);
        mock.respond_with(recorded_answer(name, &server.uri()))
            .with_priority(priority)
            .up_to_n_times(1)
            .named(*name)
            .mount(server)
            .await;
    }
}
