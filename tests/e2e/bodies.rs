//! Request bodies: checked against the operation's schema before sending,
//! and the non-JSON kinds (multipart uploads, binary files, JSON Patch,
//! text) as they reach a recording wiremock server.

use crate::support::{error_line, jr_at, run};
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server that answers everything `{}` and remembers what it got.
async fn recorder() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    server
}

fn jr(server: &MockServer) -> assert_cmd::Command {
    let mut cmd = jr_at(&server.uri());
    cmd.env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", "token");
    cmd
}

async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.remove(0)
}

#[tokio::test]
async fn a_body_breaking_the_schema_is_refused_with_pointer_and_rule() {
    let server = recorder().await;
    let body = r#"{"url": "https://a.example", "webhooks": [{"events": ["jira:issue_created"]}]}"#;
    let (_, stderr, code) = run(jr(&server).args(["webhook", "register-dynamic", "--body", body]));
    assert_eq!(code, 4, "{stderr}");
    let message = error_line(&stderr)["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("at `/webhooks/0`"), "{message}");
    assert!(
        message.contains("rule: required") && message.contains("jqlFilter"),
        "{message}"
    );
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );

    let (_, stderr, code) = run(jr(&server).args([
        "webhook",
        "register-dynamic",
        "--no-validate",
        "--body",
        body,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        only_request(&server)
            .await
            .body_json::<serde_json::Value>()
            .ok(),
        serde_json::from_str(body).ok()
    );
}

#[tokio::test]
async fn an_upload_is_multipart_with_the_no_check_header() {
    let server = recorder().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "attached words").expect("write");
    let (_, stderr, code) = run(jr(&server)
        .args([
            "issue",
            "add-attachment",
            "--issueIdOrKey",
            "ABC-1",
            "--file",
        ])
        .arg(&file));
    assert_eq!(code, 0, "{stderr}");
    let request = only_request(&server).await;
    assert_eq!(request.url.path(), "/rest/api/3/issue/ABC-1/attachments");
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("X-Atlassian-Token"), "no-check");
    assert!(header("Content-Type").starts_with("multipart/form-data; boundary="));
    let body = String::from_utf8_lossy(&request.body);
    assert!(
        body.contains("name=\"file\"; filename=\"notes.txt\""),
        "{body}"
    );
    assert!(body.contains("attached words"), "{body}");
}

#[tokio::test]
async fn a_binary_body_is_the_file_bytes_with_an_image_type() {
    let server = recorder().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let png = [0x89, b'P', b'N', b'G', 0, 1, 2];
    std::fs::write(dir.path().join("face.png"), png).expect("write");
    let (_, stderr, code) = run(jr(&server).current_dir(dir.path()).args([
        "project",
        "create-avatar",
        "--projectIdOrKey",
        "ABC",
        "--body",
        "@face.png",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let request = only_request(&server).await;
    assert_eq!(request.body, png);
    assert_eq!(
        request
            .headers
            .get("Content-Type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
}

#[tokio::test]
async fn json_patch_and_text_bodies_keep_their_content_types() {
    let server = recorder().await;
    let patch = r#"[{"op": "replace", "path": "/name", "value": "Plan B"}]"#;
    let (_, stderr, code) =
        run(jr(&server).args(["plans", "update", "--planId", "1", "--body", patch]));
    assert_eq!(code, 0, "{stderr}");
    let (_, stderr, code) = run(jr(&server).args([
        "plans",
        "update-plan",
        "--planId",
        "1",
        "--body",
        r#"{"op": 1}"#,
    ]));
    assert_eq!(code, 4, "a patch is an array of operations: {stderr}");
    let (_, stderr, code) = run(jr(&server).args([
        "mypreferences",
        "set-preference",
        "--key",
        "theme",
        "--content-type",
        "text/plain",
        "--body",
        "dark",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let requests = server.received_requests().await.expect("recording");
    let types: Vec<&str> = requests
        .iter()
        .map(|r| {
            r.headers
                .get("Content-Type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(types, ["application/json-patch+json", "text/plain"]);
    assert_eq!(requests[1].body, b"dark");
}

#[tokio::test]
async fn raw_sends_any_request_and_a_body_on_delete() {
    let server = recorder().await;
    let (out, stderr, code) = run(jr(&server).args([
        "raw",
        "DELETE",
        "/rest/api/3/webhook",
        "--query",
        "note=a b",
        "--header",
        "X-Extra: 1",
        "--body",
        r#"{"webhookIds": [10000]}"#,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out, json!({}));
    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "DELETE");
    assert_eq!(request.url.path(), "/rest/api/3/webhook");
    assert_eq!(request.url.query(), Some("note=a%20b"));
    assert_eq!(
        request.headers.get("X-Extra").and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert_eq!(
        request.body_json::<serde_json::Value>().ok(),
        Some(json!({"webhookIds": [10000]}))
    );
}

#[tokio::test]
async fn raw_reaches_jr_mock_with_the_configured_credentials() {
    let jira = jr_mock::FakeJira::start().await;
    let (out, stderr, code) = run(crate::support::jr_as(&jira, crate::support::APP).args([
        "raw",
        "get",
        "/rest/api/3/webhook",
        "--query",
        "maxResults=1",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out["maxResults"], json!(1));
}
