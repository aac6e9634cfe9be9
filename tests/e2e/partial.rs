//! Per-item failures end to end: a bulk answer in which some items failed
//! prints the whole result, then one stderr line per failed item, and exits
//! 4; a bulk 400 in which every item failed keeps Jira's answer whole (and
//! bounded) in the error's `jira`.

use crate::support::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BULK: &str = "/rest/api/3/issue/bulk";

async fn bulk_answers(status: u16, body: &Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(BULK))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

fn create_issues(server: &MockServer) -> assert_cmd::Command {
    let mut cmd = jr_at(&server.uri());
    cmd.env("JR_AUTH_TOKEN", APP).args([
        "issue",
        "create-issues",
        "--no-validate",
        "--body",
        r#"{"issueUpdates":[{"fields":{"summary":"a"}},{"fields":{}}]}"#,
    ]);
    cmd
}

fn element(n: usize, field: &str, message: &str) -> Value {
    json!({"status": 400, "failedElementNumber": n,
           "elementErrors": {"errorMessages": [], "errors": {field: message}}})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_201_with_failed_elements_prints_the_result_and_exits_4() {
    let answer = json!({"issues": [{"id": "10000", "key": "ED-24"}],
        "errors": [element(1, "summary", "You must specify a summary of the issue.")]});
    let server = bulk_answers(201, &answer).await;
    let (out, stderr, code) = run(&mut create_issues(&server));
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(out, answer, "the whole result on stdout");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0],
        "element 1: summary: You must specify a summary of the issue."
    );
    let error = error_line(&stderr);
    assert_eq!(error["error_type"], json!("validation"));
    assert!(
        error["message"].as_str().unwrap().contains("1 failed item"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_201_without_failed_elements_is_a_success() {
    let answer = json!({"issues": [{"id": "10000", "key": "ED-24"}], "errors": []});
    let server = bulk_answers(201, &answer).await;
    let (out, stderr, code) = run(&mut create_issues(&server));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out, answer);
    assert_eq!(stderr, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_400_in_which_every_element_failed_keeps_jiras_answer_whole_and_bounded() {
    let long = "x".repeat(5000);
    let errors: Vec<Value> = (0..150).map(|n| element(n, "project", &long)).collect();
    let server = bulk_answers(400, &json!({"issues": [], "errors": errors})).await;
    let (out, stderr, code) = run(&mut create_issues(&server));
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(out, Value::Null);
    let error = error_line(&stderr);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("Jira answered HTTP 400: 150 failed element(s): element 0: project: "),
        "{error}"
    );
    let kept = error["jira"]["errors"].as_array().expect("jira is parsed");
    assert_eq!(kept[7]["failedElementNumber"], json!(7));
    assert_eq!(kept.last(), Some(&json!("… [50 more items]")));
    assert!(
        kept[0]["elementErrors"]["errors"]["project"]
            .as_str()
            .unwrap()
            .ends_with("… [4000 bytes omitted]")
    );
}
