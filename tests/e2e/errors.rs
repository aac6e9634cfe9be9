//! Faults caught before sending, and how errors are reported.

use crate::support::*;
use jr_mock::FakeJira;
use serde_json::json;

async fn requests_seen(jira: &FakeJira) -> usize {
    jira.server()
        .received_requests()
        .await
        .map(|r| r.len())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_flag_value_exits_4_before_any_request() {
    let jira = FakeJira::start().await;
    let (_, stderr, code) =
        run(jr_as(&jira, APP).args(["webhook", "get-failed", "--maxResults", "abc"]));
    assert_eq!(code, 4);
    let error = error_line(&stderr);
    assert_eq!(error["error_type"], json!("validation"));
    assert!(
        error["message"].as_str().unwrap().contains("--maxResults"),
        "{error}"
    );
    assert_eq!(requests_seen(&jira).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_body_json_exits_4_naming_line_and_column() {
    let jira = FakeJira::start().await;
    let (_, stderr, code) =
        run(jr_as(&jira, APP).args(["webhook", "refresh", "--body", "{\"webhookIds\": [1,]}"]));
    assert_eq!(code, 4);
    let message = error_line(&stderr)["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("line 1, column 19"), "{message}");
    assert_eq!(requests_seen(&jira).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_body_file_exits_4() {
    let jira = FakeJira::start().await;
    let (_, stderr, code) =
        run(jr_as(&jira, APP).args(["webhook", "refresh", "--body", "@/nonexistent/body.json"]));
    assert_eq!(code, 4);
    assert!(
        error_line(&stderr)["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/body.json")
    );
    assert_eq!(requests_seen(&jira).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_is_read_from_a_file_or_stdin() {
    let jira = FakeJira::start().await;
    let id = register(&jira, APP, "https://hooks.example/jira");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), json!({"webhookIds": [id]}).to_string()).unwrap();
    let (out, _, code) = run(jr_as(&jira, APP).args([
        "webhook",
        "refresh",
        "--body",
        &format!("@{}", file.path().display()),
    ]));
    assert_eq!(code, 0);
    assert!(out["expirationDate"].is_string());

    let (out, _, code) = run(jr_as(&jira, APP)
        .args(["webhook", "delete-by-id", "--body", "-"])
        .write_stdin(json!({"webhookIds": [id]}).to_string()));
    assert_eq!((out, code), (json!({}), 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_jql_is_refused_before_sending() {
    let jira = FakeJira::start().await;
    let (_, stderr, code) = run(jr_as(&jira, APP).args([
        "webhook",
        "register-dynamic",
        "--url",
        "https://h.example/x",
        "--jql",
        " ",
        "--event",
        "jira:issue_created",
    ]));
    assert_eq!(code, 4);
    assert!(
        error_line(&stderr)["hint"]
            .as_str()
            .unwrap()
            .contains("project != null")
    );
    assert_eq!(requests_seen(&jira).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_redacts_the_token_and_sends_nothing() {
    let jira = FakeJira::start().await;
    let (out, _, code) =
        run(jr_as(&jira, APP).args(["webhook", "delete-by-id", "--id", "7,8", "--dry-run"]));
    assert_eq!(code, 0);
    assert_eq!(out["method"], json!("DELETE"));
    assert_eq!(
        out["url"],
        json!(format!("{}/rest/api/3/webhook", jira.base_url()))
    );
    assert_eq!(out["body"], json!({"webhookIds": [7, 8]}));
    assert!(!out.to_string().contains(APP), "the token is redacted");
    assert_eq!(requests_seen(&jira).await, 0);
}

#[test]
fn no_base_url_is_a_configuration_error() {
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_jr"))
        .env_remove("JR_BASE_URL")
        .env_remove("JR_PROFILE")
        .env("JR_CONFIG_PATH", "/nonexistent/jr.json")
        .args(["webhook", "get-failed"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let error = error_line(&String::from_utf8_lossy(&output.stderr));
    assert!(error["hint"].as_str().unwrap().contains("JR_BASE_URL"));
}

#[test]
fn a_closed_port_is_a_connection_error_with_exit_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_jr"))
        .env("JR_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("JR_CONFIG_PATH", "/nonexistent/jr.json")
        .args(["webhook", "get-failed"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let error = error_line(&String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        error["request"],
        json!({"method": "GET", "path": "/rest/api/3/webhook/failed"})
    );
}
