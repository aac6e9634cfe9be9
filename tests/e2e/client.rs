//! The client's behaviour under Jira's faults and at its edges, through the
//! real `jr` binary: retries, timeouts, streaming, output fidelity, jq,
//! dry-run and verbose redaction, Ctrl-C, closed pipes, the size cap.
//! Faults are wiremock mocks mounted ahead of jr-mock's own, or a plain
//! wiremock server; everything stays on 127.0.0.1.

use crate::support::*;
use jr_mock::FakeJira;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LIST: &str = "/rest/api/3/webhook";

/// `jr` against a plain wiremock server, as an app.
fn jr_app_at(server: &MockServer) -> assert_cmd::Command {
    let mut cmd = jr_at(&server.uri());
    cmd.env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", "very-secret-token");
    cmd
}

/// Answers every webhook list request with `body`.
async fn list_answers(server: &MockServer, body: &str) {
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_string(body.to_owned()))
        .mount(server)
        .await;
}

/// The 429 jr-mock's rate-limit fault answered the webhook list (recorded in
/// `fixtures/jr-mock/`: Retry-After, X-RateLimit-*, RateLimit-Reason, Jira's
/// JSON body), told to retry at once so the test does not wait 30 s.
fn rate_limited(server: &MockServer) -> ResponseTemplate {
    let name = "jr-mock/getDynamicWebhooksForApp.4.json";
    assert_eq!(recording(name).response.status, 429, "{name}");
    recorded_answer(name, &server.uri()).insert_header("retry-after", "0")
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

/// Registers `n` webhooks for the app in one request; jr-mock allows one URL
/// per app, with any number of filters.
fn register_many(jira: &FakeJira, n: usize) {
    let body = json!({"url": "https://hooks.example/jira", "webhooks": (0..n)
        .map(|i| json!({"events": ["jira:issue_created"], "jqlFilter": format!("project = P{i}")}))
        .collect::<Vec<_>>()});
    let (_, stderr, code) =
        run(jr_as(jira, APP).args(["webhook", "register-dynamic", "--body", &body.to_string()]));
    assert_eq!(code, 0, "{stderr}");
}

const BIG: &str = r#"{"isLast":true,"values":[{"z":1,"id":9007199254740993,"f":0.10000000000000000555,"a":1.10}],"startAt":0}"#;

#[tokio::test(flavor = "multi_thread")]
async fn big_ids_floats_and_key_order_come_out_as_jira_sent_them() {
    let server = MockServer::start().await;
    list_answers(&server, BIG).await;
    let compact = jr_app_at(&server)
        .args(["webhook", "get-dynamic-webhooks-for-app", "--compact"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&compact.stdout), format!("{BIG}\n"));
    let pretty = jr_app_at(&server)
        .args(["webhook", "get-dynamic-webhooks-for-app", "--pretty"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&pretty.stdout);
    assert!(
        text.contains("\"z\": 1,\n      \"id\": 9007199254740993,\n      \"f\": 0.10000000000000000555,\n      \"a\": 1.10"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour in a pipe: {text:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn jq_prints_each_result_on_its_own_line_with_numbers_intact() {
    let server = MockServer::start().await;
    list_answers(&server, BIG).await;
    let output = jr_app_at(&server)
        .args([
            "webhook",
            "get-dynamic-webhooks-for-app",
            "--jq",
            ".values[] | .id, .f, \"s\"",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    // A string result prints raw, as `jq -r` and `gh api --jq` print it.
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "9007199254740993\n0.10000000000000000555\ns\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jq_error_exits_4_and_a_bad_expression_sends_nothing() {
    let server = MockServer::start().await;
    list_answers(&server, BIG).await;
    let (_, stderr, code) = run(jr_app_at(&server).args([
        "webhook",
        "get-dynamic-webhooks-for-app",
        "--jq",
        ".values[",
    ]));
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(requests(&server).await, 0);
    let (_, stderr, code) = run(jr_app_at(&server).args([
        "webhook",
        "get-dynamic-webhooks-for-app",
        "--jq",
        ".startAt | keys",
    ]));
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(error_line(&stderr)["error_type"], json!("validation"));
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_redacts_the_token_and_sends_nothing() {
    let server = MockServer::start().await;
    let output = jr_app_at(&server)
        .args(["webhook", "refresh", "--id", "10001", "--dry-run"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("very-secret-token"), "{stdout}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(plan["method"], json!("PUT"));
    assert_eq!(plan["headers"]["Authorization"], json!("Bearer <redacted>"));
    assert_eq!(plan["body"], json!({"webhookIds": [10001]}));
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_writes_json_lines_for_request_response_and_retry_without_secrets() {
    let server = MockServer::start().await;
    Mock::given(path(LIST))
        .respond_with(rate_limited(&server))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    list_answers(&server, BIG).await;
    let (_, stderr, code) =
        run(jr_app_at(&server).args(["webhook", "get-dynamic-webhooks-for-app", "--verbose"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("very-secret-token"), "{stderr}");
    let events: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(
        kinds,
        ["request", "response", "retry", "request", "response"]
    );
    assert_eq!(
        events[0]["headers"]["Authorization"],
        json!("Bearer <redacted>")
    );
    assert_eq!(events[1]["headers"]["x-ratelimit-remaining"], json!("0"));
    assert_eq!(events[2]["reason"], json!("HTTP 429"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_from_jira_is_retried_then_the_result_printed() {
    let jira = FakeJira::start().await;
    register(&jira, APP, "https://hooks.example/jira");
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0")
                .insert_header("Content-Type", "text/html")
                .set_body_string("<!DOCTYPE html><html>Oops - an error has occurred</html>"),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .named("getDynamicWebhooksForApp: two 429s")
        .mount(jira.server())
        .await;
    let (out, stderr, code) =
        run(jr_as(&jira, APP).args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out["values"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn exhausted_retries_exit_5_naming_the_attempts() {
    let server = MockServer::start().await;
    Mock::given(path(LIST))
        .respond_with(rate_limited(&server))
        .mount(&server)
        .await;
    let (_, stderr, code) =
        run(jr_app_at(&server).args(["webhook", "get-dynamic-webhooks-for-app", "--retries", "2"]));
    assert_eq!(code, 5);
    let error = error_line(&stderr);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("gave up after 3 attempts"),
        "{error}"
    );
    assert_eq!(error["retry_after"], json!(0));
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn register_is_not_retried_on_503() {
    let server = MockServer::start().await;
    Mock::given(path(LIST))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .mount(&server)
        .await;
    let (_, _, code) = run(jr_app_at(&server).args([
        "webhook",
        "register-dynamic",
        "--url",
        "https://hooks.example/jira",
        "--jql",
        "project = ABC",
        "--event",
        "jira:issue_created",
    ]));
    assert_eq!(code, 7);
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hung_server_ends_with_exit_1_naming_the_timeout() {
    let server = MockServer::start().await;
    Mock::given(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(20)))
        .mount(&server)
        .await;
    let started = Instant::now();
    let (_, stderr, code) = run(jr_app_at(&server).args([
        "webhook",
        "get-dynamic-webhooks-for-app",
        "--timeout",
        "300ms",
        "--retries",
        "0",
    ]));
    assert_eq!(code, 1);
    assert!(
        error_line(&stderr)["message"]
            .as_str()
            .unwrap()
            .contains("timed out after 0.3 s"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(15), "never a hang");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_over_max_response_size_fails_with_exit_1() {
    let jira = FakeJira::start().await;
    register_many(&jira, 3);
    let (out, stderr, code) = run(jr_as(&jira, APP).args([
        "webhook",
        "get-dynamic-webhooks-for-app",
        "--max-response-size",
        "100B",
    ]));
    assert_eq!(code, 1);
    assert_eq!(out, Value::Null, "nothing cut is printed");
    assert!(
        error_line(&stderr)["message"]
            .as_str()
            .unwrap()
            .contains("100 bytes")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stream_prints_one_item_per_line_across_pages() {
    let jira = FakeJira::start().await;
    register_many(&jira, 5);
    let output = jr_as(&jira, APP)
        .args([
            "webhook",
            "get-dynamic-webhooks-for-app",
            "--maxResults",
            "2",
            "--stream",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let filters: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["jqlFilter"].clone())
        .collect();
    assert_eq!(
        filters,
        (0..5)
            .map(|i| json!(format!("project = P{i}")))
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fields_is_a_flag_only_where_the_operation_has_that_parameter() {
    let (_, stderr, code) = run(jr_at("http://127.0.0.1:9").args([
        "webhook",
        "get-failed",
        "--fields",
        "summary",
        "--dry-run",
    ]));
    assert_eq!(code, 4, "{stderr}");
    let (plan, stderr, code) = run(jr_at("http://127.0.0.1:9").args([
        "issue",
        "get",
        "--issueIdOrKey",
        "ABC-1",
        "--fields",
        "summary",
        "--dry-run",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        plan["url"],
        json!("http://127.0.0.1:9/rest/api/3/issue/ABC-1?fields=summary")
    );
}

/// Spawns `jr` with piped stdout and stderr.
fn spawn_jr(server: &MockServer, args: &[&str]) -> Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_jr"))
        .args(args)
        .env("JR_BASE_URL", server.uri())
        .env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", "very-secret-token")
        .env("XDG_CONFIG_HOME", "/nonexistent/jr-test-config")
        .env_remove("JR_CONFIG_PATH")
        .env_remove("JR_PROFILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jr starts")
}

/// Waits (bounded) until `server` has seen `n` requests.
async fn wait_for_requests(server: &MockServer, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while requests(server).await < n {
        assert!(Instant::now() < deadline, "jr never sent request {n}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn interrupt(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits (bounded) for `child` to exit and returns its code and stdout.
fn finish(mut child: Child) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            return (status.code(), stdout, started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("jr did not stop after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_while_waiting_for_jira_exits_130_at_once() {
    let server = MockServer::start().await;
    Mock::given(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let child = spawn_jr(&server, &["webhook", "get-dynamic-webhooks-for-app"]);
    wait_for_requests(&server, 1).await;
    interrupt(&child);
    let (code, stdout, took) = finish(child);
    assert_eq!(code, Some(130));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_a_streamed_listing_leaves_complete_lines() {
    let server = MockServer::start().await;
    let first = json!({"startAt":0,"maxResults":2,"isLast":false,
        "values":[{"id":1,"name":"a"},{"id":2,"name":"b"}]});
    Mock::given(path(LIST))
        .and(query_param("startAt", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .mount(&server)
        .await;
    Mock::given(path(LIST))
        .and(query_param("startAt", "2"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let mut child = spawn_jr(
        &server,
        &["webhook", "get-dynamic-webhooks-for-app", "--stream"],
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first_line = lines.next().expect("a line").unwrap();
    wait_for_requests(&server, 2).await;
    interrupt(&child);
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let (code, _, _) = finish(child);
    assert_eq!(code, Some(130));
    let all: Vec<Value> = std::iter::once(first_line)
        .chain(rest)
        .map(|line| serde_json::from_str(&line).expect("a complete JSON line"))
        .collect();
    assert_eq!(
        all,
        [json!({"id":1,"name":"a"}), json!({"id":2,"name":"b"})]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_that_stops_early_ends_a_stream_quietly() {
    let server = MockServer::start().await;
    let values: Vec<Value> = (0..2000)
        .map(|i| json!({"id": i, "pad": "x".repeat(100)}))
        .collect();
    list_answers(
        &server,
        &json!({"startAt":0,"maxResults":2000,"total":2000,"isLast":true,"values":values})
            .to_string(),
    )
    .await;
    let mut child = spawn_jr(
        &server,
        &["webhook", "get-dynamic-webhooks-for-app", "--stream"],
    );
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    drop(reader); // like `| head -1`
    let output = child.wait_with_output().unwrap();
    assert!(
        matches!(output.status.code(), Some(0) | Some(141)),
        "{:?}",
        output.status
    );
    assert!(
        output.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_cut_mid_transfer_says_truncated_not_cannot_reach() {
    let jira = FakeJira::start().await;
    control(
        &jira,
        "/_mock/faults",
        json!({"rules": [{"path": LIST, "kind": "truncated"}]}),
    )
    .await;
    let (out, stderr, code) =
        run(jr_as(&jira, APP).args(["webhook", "get-dynamic-webhooks-for-app", "--retries", "0"]));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(out, Value::Null, "nothing on stdout");
    let message = error_line(&stderr)["message"].as_str().unwrap().to_owned();
    assert!(message.contains("was truncated"), "{message}");
    assert!(!message.contains("cannot reach"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_503_without_retry_after_has_no_retry_after_in_the_error() {
    let jira = FakeJira::start().await;
    control(
        &jira,
        "/_mock/faults",
        json!({"rules": [{"path": LIST, "kind": "unavailable"}]}),
    )
    .await;
    let (_, stderr, code) =
        run(jr_as(&jira, APP).args(["webhook", "get-dynamic-webhooks-for-app", "--retries", "0"]));
    assert_eq!(code, 7, "{stderr}");
    let error = error_line(&stderr);
    assert_eq!(error["status"], json!(503));
    assert_eq!(error.get("retry_after"), None, "{error}");
}
