//! Authentication end to end: Connect JWTs signed per request and verified by
//! jr-mock, the plain-`http://` refusal, the cloud-ID gateway base, the
//! scoped-token hint on a 401, and no request at all without credentials
//! unless `--auth-type none` asks for an anonymous call.

use crate::support::*;
use jr_mock::FakeJira;
use serde_json::json;

const CONNECT_SECRET: &str = "connect-app-secret";
const CONNECT_HOOK: &str = "https://connect-app.example.com/jira/hook";

#[tokio::test(flavor = "multi_thread")]
async fn every_webhook_command_signed_as_a_connect_app_is_accepted() {
    let jira = FakeJira::start().await;
    let connect = || jr_as_connect(&jira, CONNECT_SECRET);
    let body = json!({"url": CONNECT_HOOK, "webhooks": (0..3)
        .map(|i| json!({"events": ["jira:issue_created"], "jqlFilter": format!("project = P{i}")}))
        .collect::<Vec<_>>()});
    let (registered, stderr, code) =
        run(connect().args(["webhook", "register-dynamic", "--body", &body.to_string()]));
    assert_eq!(code, 0, "{stderr}");
    let ids: Vec<String> = registered["webhookRegistrationResult"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["createdWebhookId"].to_string())
        .collect();
    assert_eq!(ids.len(), 3, "{registered}");

    // Several pages: each page's request carries its own query in its qsh.
    let (list, stderr, code) = run(connect().args([
        "webhook",
        "get-dynamic-webhooks-for-app",
        "--maxResults",
        "1",
        "--startAt",
        "0",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(list["values"].as_array().map(Vec::len), Some(3), "{list}");

    let (failed, stderr, code) = run(connect().args([
        "webhook",
        "get-failed",
        "--maxResults",
        "50",
        "--after",
        "1700000000000",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(failed["values"], json!([]));

    let (refreshed, stderr, code) = run(connect().args(["webhook", "refresh", "--all"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(refreshed["expirationDate"].is_string(), "{refreshed}");

    let (_, stderr, code) =
        run(connect().args(["webhook", "delete-by-id", "--id", &ids.join(",")]));
    assert_eq!(code, 0, "{stderr}");
    let (list, _, _) = run(connect().args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(list["values"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connect_token_signed_with_the_wrong_secret_exits_2() {
    let jira = FakeJira::start().await;
    let (_, stderr, code) =
        run(jr_as_connect(&jira, "not-the-secret")
            .args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(code, 2, "{stderr}");
    let error = error_line(&stderr);
    assert_eq!(error["status"], json!(401));
    assert!(
        error["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("JR_CONNECT_SECRET"),
        "{error}"
    );
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
}

#[test]
fn dry_run_shows_a_redacted_connect_token() {
    let (out, stderr, code) = run(jr_at("http://127.0.0.1:9")
        .env("JR_AUTH_TYPE", "connect")
        .env("JR_CONNECT_KEY", CONNECT_KEY)
        .env("JR_CONNECT_SECRET", CONNECT_SECRET)
        .args(["--dry-run", "webhook", "get-failed"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out["headers"]["Authorization"], json!("JWT <redacted>"));
    assert!(!out.to_string().contains(CONNECT_SECRET));
}

#[test]
fn credentials_are_not_sent_over_plain_http_to_another_host() {
    let (_, stderr, code) = run(jr_at("http://jira.example")
        .env("JR_AUTH_TOKEN", APP)
        .args(["webhook", "get-failed"]));
    assert_eq!(code, 1, "{stderr}");
    let error = error_line(&stderr);
    assert!(
        error["message"].as_str().unwrap().contains("plain http://"),
        "{error}"
    );
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("--allow-insecure-http")
    );
    assert!(!stderr.contains(APP), "the token never appears: {stderr}");

    let (out, stderr, code) = run(jr_at("http://jira.example")
        .env("JR_AUTH_TOKEN", APP)
        .args([
            "--allow-insecure-http",
            "--dry-run",
            "webhook",
            "get-failed",
        ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        out["url"],
        json!("http://jira.example/rest/api/3/webhook/failed")
    );
}

#[test]
fn a_cloud_id_goes_through_the_gateway() {
    let (out, stderr, code) = run(jr_isolated().env("JR_AUTH_TOKEN", APP).args([
        "--cloud-id",
        "11223344-a1b2-3b33-c444-def123456789",
        "--dry-run",
        "webhook",
        "get-failed",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        out["url"],
        json!(
            "https://api.atlassian.com/ex/jira/11223344-a1b2-3b33-c444-def123456789/rest/api/3/webhook/failed"
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_to_basic_auth_on_a_site_hints_at_scoped_tokens() {
    let jira = FakeJira::start().await;
    let (_, stderr, code) = run(jr_at(&jira.base_url())
        .env("JR_AUTH_USER", "user@example.com")
        .env("JR_AUTH_TOKEN", "a-scoped-token")
        .args(["webhook", "get-failed"]));
    assert_eq!(code, 2, "{stderr}");
    let hint = error_line(&stderr)["hint"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        hint.contains("scoped API token") && hint.contains("--cloud-id"),
        "{hint}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_signs_queries_with_repeated_values_spaces_ampersands_and_non_ascii() {
    let jira = FakeJira::start().await;
    let (out, stderr, code) = run(jr_as_connect(&jira, CONNECT_SECRET).args([
        "raw",
        "GET",
        "/rest/api/3/webhook",
        "--query",
        "startAt=0",
        "--query",
        "x=b c",
        "--query",
        "x=a&b",
        "--query",
        "y=é*~",
        "--query",
        "l=zeta",
        "--query",
        "l=ab",
        "--query",
        "l=émile",
    ]));
    assert_eq!(
        code, 0,
        "jr-mock verified the qsh over this query: {stderr}"
    );
    assert!(out["values"].is_array(), "{out}");
}

#[test]
fn credentials_in_extra_headers_are_redacted_and_dot_segments_refused() {
    let (out, stderr, code) = run(jr_at("http://127.0.0.1:9").args([
        "--dry-run",
        "raw",
        "GET",
        "/rest/api/3/myself",
        "--header",
        "Cookie: session=s3cret-cookie",
        "--header",
        "Authorization: Basic s3cret-basic",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!out.to_string().contains("s3cret"), "{out}");
    let (_, stderr, code) = run(jr_at("http://127.0.0.1:9").args([
        "--dry-run",
        "issue",
        "delete-comment",
        "--issueIdOrKey",
        "ABC-1",
        "--id",
        "..",
    ]));
    assert_eq!(code, 4, "`..` would name the issue itself: {stderr}");
}

/// A wiremock server answering the anonymous transitions request as Jira
/// does (200, no transitions); returns it and how many requests it saw.
async fn anonymous_jira() -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_string(r#"{"transitions":[]}"#))
        .mount(&server)
        .await;
    server
}

async fn received(server: &wiremock::MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

const TRANSITIONS: [&str; 4] = ["issue", "get-transitions", "--issueIdOrKey", "ABC-1"];

#[tokio::test(flavor = "multi_thread")]
async fn without_credentials_nothing_is_sent_and_the_exit_code_is_2() {
    let server = anonymous_jira().await;
    let (out, stderr, code) = run(jr_at(&server.uri()).args(TRANSITIONS));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(out, serde_json::Value::Null, "nothing on stdout");
    assert!(received(&server).await.is_empty(), "no request went out");
    let error = error_line(&stderr);
    assert_eq!(error["error_type"], json!("auth"), "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no credentials"),
        "{error}"
    );
    let hint = error["hint"].as_str().unwrap();
    for way in [
        "jr auth login",
        "jr configure",
        "JR_AUTH_USER",
        "JR_AUTH_TOKEN",
        "JR_CONNECT_KEY",
        "--auth-type none",
    ] {
        assert!(hint.contains(way), "{way}: {hint}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_type_none_sends_an_anonymous_call_on_purpose() {
    let server = anonymous_jira().await;
    let (out, stderr, code) = run(jr_at(&server.uri())
        .args(["--auth-type", "none"])
        .args(TRANSITIONS));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out, json!({"transitions": []}));
    let (out, stderr, code) = run(jr_at(&server.uri())
        .env("JR_AUTH_TYPE", "none")
        .args(TRANSITIONS));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out, json!({"transitions": []}));
    let sent = received(&server).await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|r| !r.headers.contains_key("authorization")),
        "anonymous: no Authorization header"
    );
}

#[test]
fn dry_run_needs_no_credentials_and_says_none_were_given() {
    let (plan, stderr, code) = run(jr_at("http://127.0.0.1:9")
        .args(["--dry-run"])
        .args(TRANSITIONS));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        plan["url"],
        json!("http://127.0.0.1:9/rest/api/3/issue/ABC-1/transitions")
    );
    assert_eq!(plan["headers"].get("Authorization"), None, "{plan}");
    assert!(
        stderr.starts_with("note: no credentials are set") && stderr.contains("exit 2"),
        "{stderr}"
    );
    let (_, stderr, code) = run(jr_at("http://127.0.0.1:9")
        .args(["--dry-run", "--auth-type", "none"])
        .args(TRANSITIONS));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "", "anonymous on purpose: no note");
}
