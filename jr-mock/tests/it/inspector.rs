//! The inspector's routes without a browser: the page and its headers,
//! `/_mock/state` (webhooks with expiry on the virtual clock), the event
//! stream (a change event when the state changes), and `/_mock/ui/send`.
//! The browser test is `tests/inspector/` (run by `.ci/run`).

use std::time::Duration;

use crate::common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn the_page_is_html_that_may_load_nothing_but_its_own_origin() {
    let jira = fake().await;
    let resp = client()
        .get(format!("{}/_mock/ui", jira.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let header = |name: &str| resp.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    let csp = header("content-security-policy");
    assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"));
    let page = resp.text().await.unwrap();
    assert!(page.contains("<title>jr-mock inspector</title>"));
    let (status, _) = call(&jira, "POST", "/_mock/ui", Auth::None, None).await;
    assert_eq!(status, 404, "only GET serves the page");
}

#[tokio::test]
async fn the_state_lists_every_app_and_marks_expired_webhooks_on_the_virtual_clock() {
    let jira = fake().await;
    register(&jira, OAUTH, "http://127.0.0.1:9/hook", &["project = A"]).await;
    let (status, state) = call(&jira, "GET", "/_mock/state", Auth::None, None).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["nowMs"], START_MS);
    let apps: Vec<&str> = state["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["app"].as_str().unwrap())
        .collect();
    assert_eq!(apps, ["oauth-app", "other-app", "com.example.connect-app"]);
    let hook = &state["apps"][0]["webhooks"][0];
    assert_eq!(hook["url"], "http://127.0.0.1:9/hook");
    assert_eq!(hook["events"], json!(["jira:issue_created"]));
    assert_eq!(hook["jqlFilter"], "project = A");
    assert_eq!(hook["expired"], false);
    let expires = hook["expiresAtMs"].as_i64().unwrap();
    assert_eq!(expires, START_MS + 30 * 86_400_000);
    assert_eq!(state["requests"]["lastSeq"], 1, "the registration");

    advance(&jira, 31 * 86_400_000).await;
    let (_, state) = call(&jira, "GET", "/_mock/state", Auth::None, None).await;
    let hook = &state["apps"][0]["webhooks"][0];
    assert_eq!(hook["expired"], true, "{state}");
    assert_eq!(hook["expiresAtMs"], expires);
}

#[tokio::test]
async fn send_builds_the_named_event_about_the_chosen_issue_and_delivers_it() {
    let jira = fake().await;
    let hook = receiver(200).await;
    let url = format!("{}/hook", hook.uri());
    register(&jira, OAUTH, &url, &["project = XY"]).await;
    let body = json!({"event": "jira:issue_created", "issue": "XY-7", "project": ""});
    let (status, report) = call(&jira, "POST", "/_mock/ui/send", Auth::None, Some(body)).await;
    assert_eq!(status, 200, "{report}");
    let attempts = report["deliveries"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "{report}");
    assert_eq!(attempts[0]["body"]["issue"]["key"], "XY-7");
    assert_eq!(attempts[0]["outcome"], "delivered");

    let other = json!({"event": "jira:issue_created", "issue": "ZZ-1"});
    let (_, report) = call(&jira, "POST", "/_mock/ui/send", Auth::None, Some(other)).await;
    assert_eq!(
        report["deliveries"],
        json!([]),
        "another project matches nothing"
    );
    let bad = json!({"event": "jira:issue_exploded"});
    let (status, err) = call(&jira, "POST", "/_mock/ui/send", Auth::None, Some(bad)).await;
    assert_eq!(status, 400);
    assert!(
        err["errors"]["event"]
            .as_str()
            .unwrap()
            .contains("jira:issue_created")
    );
}

/// Reads the stream until a chunk holds `wanted`, for at most 5 s.
async fn read_until(stream: &mut reqwest::Response, wanted: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !seen.contains(wanted) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {wanted:?} within 5 s; got {seen:?}"))
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

#[tokio::test]
async fn the_event_stream_tells_of_every_change() {
    let jira = fake().await;
    let mut stream = client()
        .get(format!("{}/_mock/ui/events", jira.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let first = read_until(&mut stream, "event: change").await;
    assert!(first.starts_with("retry: "), "{first}");
    assert!(first.contains(&format!("\"nowMs\":{START_MS}")), "{first}");

    let now = advance(&jira, 60_000).await;
    let next = read_until(&mut stream, &format!("\"nowMs\":{now}")).await;
    assert!(next.contains("event: change\ndata: {"), "{next}");
    let data: Value = serde_json::from_str(
        next.lines()
            .rev()
            .find_map(|l| l.strip_prefix("data: "))
            .unwrap(),
    )
    .unwrap();
    assert!(data["version"].as_u64().unwrap() > 0, "{data}");
}
