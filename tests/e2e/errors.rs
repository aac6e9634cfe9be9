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
        json!(format!(
            "{}/ex/jira/{CLOUD_ID}/rest/api/3/webhook",
            jira.base_url()
        ))
    );
    assert_eq!(out["body"], json!({"webhookIds": [7, 8]}));
    assert!(!out.to_string().contains(APP), "the token is redacted");
    assert_eq!(requests_seen(&jira).await, 0);
}

#[test]
fn no_base_url_is_a_configuration_error() {
    let (_, stderr, code) = run(jr_isolated().args(["webhook", "get-failed"]));
    assert_eq!(code, 1);
    assert!(
        error_line(&stderr)["hint"]
            .as_str()
            .unwrap()
            .contains("JR_BASE_URL")
    );
}

#[test]
fn a_closed_port_is_a_connection_error_with_exit_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_, stderr, code) = run(jr_at(&format!("http://127.0.0.1:{port}"))
        .env("JR_AUTH_TOKEN", APP)
        .args(["webhook", "get-failed"]));
    assert_eq!(code, 1);
    assert_eq!(
        error_line(&stderr)["request"],
        json!({"method": "GET", "path": "/rest/api/3/webhook/failed"})
    );
}

#[test]
fn a_config_path_that_does_not_exist_is_named_in_the_error() {
    let (_, stderr, code) = run(jr_at("http://127.0.0.1:1")
        .env("JR_CONFIG_PATH", "/nonexistent/jr-config.json")
        .args(["webhook", "get-failed"]));
    assert_eq!(code, 1);
    let error = error_line(&stderr);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/jr-config.json"),
        "{error}"
    );
}

#[test]
fn a_profile_is_read_from_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, r#"{"default_profile":"app","profiles":{"app":{"base_url":"http://127.0.0.1:9","auth":{"type":"bearer","token":"from-profile"}}}}"#).unwrap();
    let (plan, stderr, code) = run(jr_isolated().env("JR_CONFIG_PATH", &path).args([
        "webhook",
        "get-failed",
        "--dry-run",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        plan["url"],
        json!("http://127.0.0.1:9/rest/api/3/webhook/failed")
    );
    assert_eq!(plan["headers"]["Authorization"], json!("Bearer <redacted>"));
}

#[test]
fn a_success_body_that_is_not_json_is_an_error_not_a_result() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(
                wiremock::ResponseTemplate::new(200).set_body_string("<html>login</html>"),
            )
            .mount(&server)
            .await;
        server
    });
    let output = jr_at(&server.uri())
        .env("JR_AUTH_TOKEN", APP)
        .args(["webhook", "get-failed", "--no-paginate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    assert!(
        error_line(&String::from_utf8_lossy(&output.stderr))["hint"]
            .as_str()
            .unwrap()
            .contains("base URL")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_pipe_ends_quietly() {
    let jira = FakeJira::start().await;
    register(&jira, APP, "https://hooks.example/jira");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jr"))
        .args(["webhook", "get-dynamic-webhooks-for-app", "--pretty"])
        .env("JR_API_GATEWAY_URL", jira.base_url())
        .env("JR_CLOUD_ID", CLOUD_ID)
        .env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", APP)
        .env("XDG_CONFIG_HOME", "/nonexistent/jr-test-config")
        .env_remove("JR_CONFIG_PATH")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before jr writes
    let output = child.wait_with_output().unwrap();
    assert!(
        matches!(output.status.code(), Some(0) | Some(141)),
        "{:?}",
        output.status
    );
    assert!(
        output.stderr.is_empty(),
        "no panic or error text: {:?}",
        String::from_utf8_lossy(&output.stderr)
    );
}
