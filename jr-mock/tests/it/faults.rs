//! Fault injection seen by a plain HTTP client (reqwest): each kind, from the
//! control API and from the configuration.

use crate::common;

use std::time::{Duration, Instant};

use common::{OAUTH, START_MS, client, config, fake, send};
use jr_mock::FakeJira;
use jr_mock::faults::{FaultRule, HTML_PAGE, TRUNCATED_BODY};
use serde_json::{Value, json};

async fn add(jira: &FakeJira, rules: Value) -> Value {
    let (status, body) = send(
        "POST",
        &format!("{}/_mock/faults", jira.base_url()),
        common::USER,
        Some(&json!({ "rules": rules })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn url(jira: &FakeJira, path: &str) -> String {
    format!("{}{path}", jira.base_url())
}

#[tokio::test]
async fn latency_delays_the_normal_answer() {
    let jira = fake().await;
    add(
        &jira,
        json!([{"path": "/rest/api/3/serverInfo", "kind": "latency", "ms": 60, "times": 1}]),
    )
    .await;
    let started = Instant::now();
    let (status, body) = send(
        "GET",
        &url(&jira, "/rest/api/3/serverInfo"),
        common::USER,
        None,
    )
    .await;
    let slow = started.elapsed();
    assert_eq!(status, 200);
    assert!(body["baseUrl"].is_string(), "the normal answer: {body}");
    assert!(slow >= Duration::from_millis(60), "{slow:?}");
    // Spent after its one use (timing the next call would be flaky on a busy machine).
    let (_, rules) = send("GET", &url(&jira, "/_mock/faults"), common::USER, None).await;
    assert_eq!(rules, json!({"rules": []}));
}

#[tokio::test]
async fn rate_limits_answer_429_with_jira_headers_then_pass() {
    let jira = fake().await;
    add(
        &jira,
        json!([{"path": "/rest/api/3/webhook", "method": "GET", "kind": "rateLimit",
                       "times": 2, "retryAfter": 3, "limit": 50, "reason": "jira-quota-based"}]),
    )
    .await;
    let http = client();
    for _ in 0..2 {
        let resp = http
            .get(url(&jira, "/rest/api/3/webhook"))
            .bearer_auth("oauth-app-token")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 429);
        let h = resp.headers();
        assert_eq!(h["retry-after"], "3");
        assert_eq!(h["x-ratelimit-limit"], "50");
        assert_eq!(h["x-ratelimit-remaining"], "0");
        // START_MS is 2023-11-14T22:13:20Z; plus 3 s.
        assert_eq!(h["x-ratelimit-reset"], "2023-11-14T22:13Z");
        assert_eq!(h["ratelimit-reason"], "jira-quota-based");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], 429);
        assert_eq!(
            body["errorMessages"][0],
            "The request has been rate-limited. Please try again later."
        );
    }
    let (status, _) = send("GET", &url(&jira, "/rest/api/3/webhook"), OAUTH, None).await;
    assert_eq!(status, 200);
    assert_eq!(jira.now_ms(), START_MS, "faults never move the clock");
}

#[tokio::test]
async fn retry_after_may_be_an_http_date() {
    let jira = fake().await;
    let date = "Wed, 21 Oct 2026 07:28:00 GMT";
    add(
        &jira,
        json!([{"path": "/rest/*", "kind": "rateLimit", "retryAfter": date}]),
    )
    .await;
    let resp = client()
        .get(url(&jira, "/rest/api/3/myself"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["retry-after"], date);
}

#[tokio::test]
async fn unavailable_answers_503() {
    let jira = fake().await;
    add(&jira, json!([{"path": "/rest/api/3/webhook/failed", "kind": "unavailable", "retryAfter": 2, "times": 1}])).await;
    let resp = client()
        .get(url(&jira, "/rest/api/3/webhook/failed"))
        .bearer_auth("oauth-app-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(resp.headers()["retry-after"], "2");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"], json!({}));
}

#[tokio::test]
async fn html_answers_jiras_error_page() {
    let jira = fake().await;
    add(
        &jira,
        json!([{"path": "/rest/api/3/issue/*", "kind": "html", "status": 502}]),
    )
    .await;
    let resp = client()
        .get(url(&jira, "/rest/api/3/issue/ABC-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 502);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(resp.text().await.unwrap(), HTML_PAGE);
}

#[tokio::test]
async fn a_truncated_body_fails_while_reading_it() {
    let jira = fake().await;
    add(
        &jira,
        json!([{"path": "/rest/api/3/webhook", "kind": "truncated", "times": 1}]),
    )
    .await;
    let resp = client()
        .get(url(&jira, "/rest/api/3/webhook"))
        .bearer_auth("oauth-app-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let promised: usize = resp.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(promised, TRUNCATED_BODY.len());
    let read = resp.bytes().await;
    assert!(read.is_err(), "the body should end early: {read:?}");
    let (status, _) = send("GET", &url(&jira, "/rest/api/3/webhook"), OAUTH, None).await;
    assert_eq!(status, 200, "spent after one use");
}

#[tokio::test]
async fn a_closed_connection_gives_no_response_at_all() {
    let jira = fake().await;
    add(&jira, json!([{"path": "/rest/api/3/webhook", "method": "POST", "kind": "closeConnection", "times": 1}])).await;
    let http = client();
    let sent = http
        .post(url(&jira, "/rest/api/3/webhook"))
        .bearer_auth("oauth-app-token")
        .json(&json!({"url": "https://hooks.example.com/x", "webhooks": []}))
        .send()
        .await;
    let err = sent.expect_err("no response");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    // Nothing was registered, and the next call goes through.
    let (status, body) = send("GET", &url(&jira, "/rest/api/3/webhook"), OAUTH, None).await;
    assert_eq!((status, body["total"].clone()), (200, json!(0)));
}

#[tokio::test]
async fn the_control_api_lists_adds_and_clears_rules() {
    let jira = fake().await;
    let base = jira.base_url();
    let body = add(
        &jira,
        json!([{"path": "/rest/api/3/webhook", "kind": "unavailable", "times": 2}]),
    )
    .await;
    assert_eq!(
        body,
        json!({"rules": [{"path": "/rest/api/3/webhook", "times": 2, "kind": "unavailable"}]})
    );
    let (status, _) = send("GET", &format!("{base}/rest/api/3/webhook"), OAUTH, None).await;
    assert_eq!(status, 503);
    let (_, listed) = send("GET", &format!("{base}/_mock/faults"), common::USER, None).await;
    assert_eq!(listed["rules"][0]["times"], 1);
    let (status, cleared) = send(
        "DELETE",
        &format!("{base}/_mock/faults"),
        common::USER,
        None,
    )
    .await;
    assert_eq!((status, cleared), (200, json!({"rules": []})));
    let (status, _) = send("GET", &format!("{base}/rest/api/3/webhook"), OAUTH, None).await;
    assert_eq!(status, 200);
    let (status, body) = send(
        "POST",
        &format!("{base}/_mock/faults"),
        common::USER,
        Some(&json!({"rules": [{"path": "/x", "kind": "explode"}]})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("explode"),
        "{body}"
    );
}

#[tokio::test]
async fn rules_from_the_configuration_apply_from_the_start() {
    let rule: FaultRule =
        serde_json::from_value(json!({"path": "*", "kind": "unavailable", "times": 1})).unwrap();
    let jira = FakeJira::start_with(jr_mock::MockConfig {
        faults: vec![rule],
        ..config()
    })
    .await;
    let (first, _) = send(
        "GET",
        &url(&jira, "/rest/api/3/serverInfo"),
        common::USER,
        None,
    )
    .await;
    let (second, _) = send(
        "GET",
        &url(&jira, "/rest/api/3/serverInfo"),
        common::USER,
        None,
    )
    .await;
    assert_eq!((first, second), (503, 200));
    // The in-process handle adds and clears too.
    jira.add_faults(vec![
        serde_json::from_value(json!({"path": "*", "kind": "html"})).unwrap(),
    ]);
    let html = client()
        .get(url(&jira, "/rest/api/3/serverInfo"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    jira.clear_faults();
    let (ok, _) = send(
        "GET",
        &url(&jira, "/rest/api/3/serverInfo"),
        common::USER,
        None,
    )
    .await;
    assert_eq!((html, ok), (500, 200));
}

#[tokio::test]
async fn a_huge_retry_after_never_wraps_the_rate_limit_reset() {
    let jira = fake().await;
    add(
        &jira,
        json!([{"path": "/rest/api/3/myself", "kind": "rateLimit", "retryAfter": u64::MAX}]),
    )
    .await;
    let resp = client()
        .get(url(&jira, "/rest/api/3/myself"))
        .basic_auth("user@example.com", Some("user-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let reset = resp.headers()["X-RateLimit-Reset"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        reset.starts_with("9999-"),
        "{reset}: the reset lies after now, never before"
    );
}
