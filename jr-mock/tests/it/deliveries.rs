//! Outbound deliveries, retries on the virtual clock, failed-webhook records,
//! and the control API.

use crate::common;

use common::*;
use jr_mock::{FakeJira, MockConfig};
use serde_json::{Value, json};

const MINUTE_MS: i64 = 60_000;

fn header<'a>(req: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_matching_event_is_delivered_once_per_app_with_jiras_headers() {
    let jira = fake().await;
    let receiver = receiver(200).await;
    let url = format!("{}/hook", receiver.uri());
    let ids = created_ids(
        &register(
            &jira,
            OAUTH,
            &url,
            &["project = ABC", "issuetype = bug", "project = XYZ"],
        )
        .await,
    );

    let report = emit(&jira, event("ABC")).await;

    assert_eq!(report["timestamp"], START_MS);
    let attempt = &report["deliveries"][0];
    assert_eq!(report["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            attempt["attempt"].clone(),
            attempt["status"].clone(),
            attempt["outcome"].clone()
        ),
        (json!(1), json!(200), json!("delivered"))
    );
    assert_eq!(attempt["webhookIds"], json!([ids[0], ids[1]]));
    let received = receiver.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    let req = &received[0];
    assert_eq!(
        header(req, "content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(header(req, "x-atlassian-webhook-flow"), Some("Primary"));
    assert_eq!(
        header(req, "x-atlassian-webhook-identifier"),
        attempt["deliveryId"].as_str()
    );
    assert_eq!(header(req, "x-atlassian-webhook-retry"), None);
    let bearer = header(req, "authorization")
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap();
    assert!(
        jr_mock::jwt::decode(bearer)
            .unwrap()
            .verify(b"oauth-app-secret", START_MS / 1000, 0)
            .is_ok()
    );
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["timestamp"], START_MS);
    assert_eq!(body["webhookEvent"], "jira:issue_created");
    assert_eq!(body["issue"]["key"], "ABC-1");
    assert_eq!(body["matchedWebhookIds"], json!([ids[0], ids[1]]));
}

#[tokio::test]
async fn each_app_gets_its_own_delivery_and_connect_apps_get_a_jwt() {
    let jira = fake().await;
    let (a, c) = (receiver(200).await, receiver(204).await);
    register(
        &jira,
        OAUTH,
        &format!("{}/hook", a.uri()),
        &["project = ABC"],
    )
    .await;
    register(
        &jira,
        Auth::Connect,
        &format!("{}/hook", c.uri()),
        &["status = 'to do'"],
    )
    .await;
    let report = emit(&jira, event("ABC")).await;
    assert_eq!(report["deliveries"].as_array().unwrap().len(), 2);
    let req = &c.received_requests().await.unwrap()[0];
    let token = header(req, "authorization")
        .unwrap()
        .strip_prefix("JWT ")
        .unwrap();
    let claims = jr_mock::jwt::decode(token)
        .unwrap()
        .verify(b"connect-app-secret", START_MS / 1000, 0)
        .unwrap();
    assert_eq!(claims["qsh"], jr_mock::jwt::qsh("POST", "/hook", &[], true));
    assert_eq!(claims["iss"], "jr-mock-client-key");
}

#[tokio::test]
async fn a_failing_receiver_is_retried_5_times_on_the_virtual_clock_then_listed_as_failed() {
    let jira = fake().await;
    let receiver = receiver(500).await;
    let url = format!("{}/hook", receiver.uri());
    register(&jira, OAUTH, &url, &["project = ABC"]).await;

    let first = emit(&jira, event("ABC")).await;
    assert_eq!(first["deliveries"][0]["outcome"], "retry_scheduled");
    assert_eq!(
        first["deliveries"][0]["nextAttemptMs"],
        START_MS + MINUTE_MS
    );
    let (_, failed) = call(&jira, "GET", "/rest/api/3/webhook/failed", OAUTH, None).await;
    assert_eq!(failed, json!({"values": [], "maxResults": 100}));

    advance(&jira, 5 * MINUTE_MS).await;

    let received = receiver.received_requests().await.unwrap();
    let retries: Vec<Option<&str>> = received
        .iter()
        .map(|r| header(r, "x-atlassian-webhook-retry"))
        .collect();
    assert_eq!(
        retries,
        [None, Some("1"), Some("2"), Some("3"), Some("4"), Some("5")]
    );
    let delivery_id = first["deliveries"][0]["deliveryId"].as_str().unwrap();
    assert!(
        received
            .iter()
            .all(|r| header(r, "x-atlassian-webhook-identifier") == Some(delivery_id))
    );
    let (status, failed) = call(&jira, "GET", "/rest/api/3/webhook/failed", OAUTH, None).await;
    assert_eq!(status, 200);
    let record = &failed["values"][0];
    assert_eq!(record["id"], delivery_id);
    assert_eq!(record["url"], url);
    assert_eq!(record["failureTime"], START_MS + 5 * MINUTE_MS);
    assert_eq!(
        record["body"].as_str().unwrap().as_bytes(),
        received[0].body.as_slice()
    );
    let t = START_MS + 5 * MINUTE_MS;
    assert_eq!(
        failed["next"],
        format!(
            "{}/ex/jira/{CLOUD_ID}/rest/api/3/webhook/failed?failedAfter={t}&maxResults=100",
            jira.base_url()
        )
    );
    let (_, other) = call(&jira, "GET", "/rest/api/3/webhook/failed", OTHER, None).await;
    assert_eq!(other["values"], json!([]));

    advance(&jira, 72 * 3_600_000).await;
    let (_, failed) = call(&jira, "GET", "/rest/api/3/webhook/failed", OAUTH, None).await;
    assert_eq!(failed["values"], json!([]));
}

#[tokio::test]
async fn a_closed_port_is_a_connection_failure_and_is_retried() {
    let jira = fake().await;
    let url = closed_port_url();
    register(&jira, OAUTH, &url, &["project = ABC"]).await;
    let first = emit(&jira, event("ABC")).await;
    let attempt = &first["deliveries"][0];
    assert_eq!(attempt["status"], Value::Null);
    assert!(
        attempt["error"]
            .as_str()
            .unwrap()
            .starts_with("connection failed")
    );
    jira.advance_ms(10 * MINUTE_MS).await.unwrap();
    let log = jira.deliveries();
    assert_eq!(log.len(), 6);
    assert_eq!(log[5].outcome, jr_mock::Outcome::Failed);
    let (_, failed) = call(&jira, "GET", "/rest/api/3/webhook/failed", OAUTH, None).await;
    assert_eq!(failed["values"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_404_fails_at_once_and_is_not_recorded() {
    let jira = fake().await;
    let receiver = receiver(404).await;
    register(
        &jira,
        OAUTH,
        &format!("{}/hook", receiver.uri()),
        &["project = ABC"],
    )
    .await;
    let first = emit(&jira, event("ABC")).await;
    assert_eq!(first["deliveries"][0]["outcome"], "rejected");
    advance(&jira, 60 * MINUTE_MS).await;
    assert_eq!(receiver.received_requests().await.unwrap().len(), 1);
    let (_, failed) = call(&jira, "GET", "/rest/api/3/webhook/failed", OAUTH, None).await;
    assert_eq!(failed["values"], json!([]));
}

#[tokio::test]
async fn random_retry_delays_stay_within_5_to_15_minutes() {
    let jira = FakeJira::start_with(MockConfig {
        retry_delay_ms: None,
        ..config()
    })
    .await;
    register(&jira, OAUTH, &closed_port_url(), &["project = ABC"]).await;
    emit(&jira, event("ABC")).await;
    jira.advance_ms(6 * 15 * MINUTE_MS).await.unwrap();
    let times: Vec<i64> = jira.deliveries().iter().map(|a| a.time_ms).collect();
    assert_eq!(times.len(), 6);
    for w in times.windows(2) {
        assert!(
            (5 * MINUTE_MS..=15 * MINUTE_MS).contains(&(w[1] - w[0])),
            "{times:?}"
        );
    }
}

/// Three deliveries failing at the same virtual time share one failureTime.
async fn three_simultaneous_failures(jira: &FakeJira) {
    register(jira, OAUTH, &closed_port_url(), &["project = ABC"]).await;
    for _ in 0..3 {
        emit(jira, event("ABC")).await;
    }
    advance(jira, 5 * MINUTE_MS).await;
}

#[tokio::test]
async fn failed_pages_never_split_equal_failure_times() {
    let jira = fake().await;
    three_simultaneous_failures(&jira).await;
    let (_, page) = call(
        &jira,
        "GET",
        "/rest/api/3/webhook/failed?maxResults=1",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(page["values"].as_array().unwrap().len(), 3);
    assert_eq!(page["maxResults"], 1);
    let next = page["next"].as_str().unwrap().to_owned();
    let (status, page) = send("GET", &next, OAUTH, None).await;
    assert_eq!(status, 200);
    assert_eq!(page, json!({"values": [], "maxResults": 1}));
}

#[tokio::test]
async fn after_and_failed_after_are_the_same_filter_and_after_wins() {
    let jira = fake().await;
    three_simultaneous_failures(&jira).await;
    let t = START_MS + 5 * MINUTE_MS;
    let count = |p: Value| p["values"].as_array().unwrap().len();
    let (_, a) = call(
        &jira,
        "GET",
        &format!("/rest/api/3/webhook/failed?after={}", t - 1),
        OAUTH,
        None,
    )
    .await;
    let (_, b) = call(
        &jira,
        "GET",
        &format!("/rest/api/3/webhook/failed?failedAfter={}", t - 1),
        OAUTH,
        None,
    )
    .await;
    assert_eq!((count(a), count(b)), (3, 3));
    let (_, c) = call(
        &jira,
        "GET",
        &format!("/rest/api/3/webhook/failed?after={t}&failedAfter=0"),
        OAUTH,
        None,
    )
    .await;
    assert_eq!(count(c), 0);
}

#[tokio::test]
async fn the_control_api_moves_the_clock_and_resets() {
    let jira = fake().await;
    let (_, health) = call(&jira, "GET", "/_mock/health", Auth::None, None).await;
    assert_eq!(health, json!({"status": "ok"}));
    let (_, clock) = call(&jira, "GET", "/_mock/clock", Auth::None, None).await;
    assert_eq!(clock, json!({"nowMs": START_MS}));
    assert_eq!(advance(&jira, 1_000).await, START_MS + 1_000);
    let (_, set) = call(
        &jira,
        "POST",
        "/_mock/clock",
        Auth::None,
        Some(json!({"nowMs": START_MS + 5_000})),
    )
    .await;
    let later = START_MS + 5_000;
    assert_eq!(set, json!({"nowMs": later}));
    assert_eq!(jira.now_ms(), later);
    for bad in [
        json!({}),
        json!({"advanceMs": 1, "nowMs": 2}),
        json!({"nowMs": -1}),
        json!({"advanceMs": "x"}),
        json!({"advanceMs": -1}),
        json!({"nowMs": later - 1}),
    ] {
        let (status, _) = call(&jira, "POST", "/_mock/clock", Auth::None, Some(bad.clone())).await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, _) = call(
        &jira,
        "POST",
        "/_mock/events",
        Auth::None,
        Some(json!({"issue": {}})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(jira.now_ms(), later, "refused moves change nothing");

    register(&jira, OAUTH, &closed_port_url(), &["project = ABC"]).await;
    emit(&jira, event("ABC")).await;
    let (_, log) = call(&jira, "GET", "/_mock/deliveries", Auth::None, None).await;
    let entry = &log["deliveries"][0];
    let keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "deliveryId",
            "app",
            "url",
            "webhookIds",
            "attempt",
            "timeMs",
            "status",
            "error",
            "outcome",
            "nextAttemptMs",
            "headers",
            "body"
        ]
    );
    assert_eq!(entry["app"], "oauth-app");

    let (_, reset) = call(&jira, "POST", "/_mock/reset", Auth::None, None).await;
    assert_eq!(reset, json!({"nowMs": later}), "reset keeps the clock");
    let (_, log) = call(&jira, "GET", "/_mock/deliveries", Auth::None, None).await;
    assert_eq!(log, json!({"deliveries": []}));
    let (_, page) = call(&jira, "GET", "/rest/api/3/webhook", OAUTH, None).await;
    assert_eq!(page["total"], 0);
    jira.advance_ms(MINUTE_MS).await.unwrap();
    assert!(jira.deliveries().is_empty(), "reset drops pending retries");
}

#[tokio::test]
async fn a_receiver_slower_than_the_delivery_timeout_is_a_retryable_timeout() {
    let jira = FakeJira::start_with(MockConfig {
        delivery_timeout: std::time::Duration::from_millis(100),
        ..config()
    })
    .await;
    let slow = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)),
        )
        .mount(&slow)
        .await;
    register(
        &jira,
        OAUTH,
        &format!("{}/hook", slow.uri()),
        &["project = ABC"],
    )
    .await;
    let report = jira.emit_event(event("ABC")).await.unwrap();
    let attempt = &report.deliveries[0];
    assert_eq!(attempt.error.as_deref(), Some("timed out"));
    assert_eq!(attempt.outcome, jr_mock::Outcome::RetryScheduled);
}

#[tokio::test]
async fn a_receiver_off_loopback_is_never_contacted_by_default() {
    let jira = fake().await;
    register(
        &jira,
        OAUTH,
        "https://receiver.example/hook",
        &["project = ABC"],
    )
    .await;

    let report = emit(&jira, event("ABC")).await;

    let attempt = &report["deliveries"][0];
    assert_eq!(attempt["status"], Value::Null, "{attempt}");
    assert_eq!(attempt["outcome"], json!("retry_scheduled"));
    let error = attempt["error"].as_str().unwrap_or_default();
    assert!(error.contains("--external-deliveries"), "{error}");
}
