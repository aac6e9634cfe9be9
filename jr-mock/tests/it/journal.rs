//! The control API's listings: the request journal (`/_mock/requests`,
//! credentials redacted, paged, cleared by reset), paged deliveries, the
//! failed-delivery store (`/_mock/failed`), and refusals of unknown events
//! and malformed fault rules.

use crate::common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn the_journal_lists_requests_redacted_paged_and_cleared_by_reset() {
    let jira = fake().await;
    let base = jira.base_url();
    for _ in 0..3 {
        let (status, _) = send(
            "GET",
            &format!("{base}/rest/api/3/myself?jwt=secret-jwt"),
            USER,
            None,
        )
        .await;
        assert_eq!(status, 200);
    }
    let (_, all) = call(&jira, "GET", "/_mock/requests", Auth::None, None).await;
    let requests = all["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 3, "control calls are not journaled: {all}");
    assert_eq!(all["dropped"], 0);
    let first = &requests[0];
    assert_eq!(
        (&first["method"], &first["path"], &first["status"]),
        (&json!("GET"), &json!("/rest/api/3/myself"), &json!(200))
    );
    assert_eq!(first["timeMs"], START_MS);
    let shown = first.to_string();
    assert!(
        !shown.contains("user-token") && !shown.contains("dXNlckBleGFtcGxlLmNvbTp1c2VyLXRva2Vu"),
        "{shown}"
    );
    assert!(!shown.contains("secret-jwt"), "{shown}");

    let (_, page) = call(&jira, "GET", "/_mock/requests?limit=2", Auth::None, None).await;
    assert_eq!(page["requests"].as_array().unwrap().len(), 2);
    let next = page["nextAfter"].as_u64().expect("more remain");
    let (_, rest) = call(
        &jira,
        "GET",
        &format!("/_mock/requests?after={next}&limit=2"),
        Auth::None,
        None,
    )
    .await;
    assert_eq!(rest["requests"].as_array().unwrap().len(), 1);
    assert!(rest.get("nextAfter").is_none());
    let (status, _) = call(&jira, "GET", "/_mock/requests?limit=0", Auth::None, None).await;
    assert_eq!(status, 400);

    call(&jira, "POST", "/_mock/reset", Auth::None, None).await;
    let (_, after) = call(&jira, "GET", "/_mock/requests", Auth::None, None).await;
    assert_eq!(after["requests"], json!([]));
}

#[tokio::test]
async fn deliveries_page_and_failed_lists_every_apps_failures() {
    let jira = fake().await;
    let closed = closed_port_url();
    register(&jira, OAUTH, &closed, &["project = ABC"]).await;
    emit(&jira, event("ABC")).await;
    advance(&jira, DAY_MS).await;
    let (_, all) = call(&jira, "GET", "/_mock/deliveries", Auth::None, None).await;
    assert_eq!(all["deliveries"].as_array().unwrap().len(), 6);
    assert!(all.get("nextAfter").is_none());
    let (_, page) = call(
        &jira,
        "GET",
        "/_mock/deliveries?after=2&limit=3",
        Auth::None,
        None,
    )
    .await;
    let attempts: Vec<_> = page["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["attempt"].clone())
        .collect();
    assert_eq!(attempts, [json!(3), json!(4), json!(5)]);
    assert_eq!(page["nextAfter"], 5);

    let (status, failed) = call(&jira, "GET", "/_mock/failed", Auth::None, None).await;
    assert_eq!(status, 200);
    let records = failed["failed"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{failed}");
    assert_eq!(records[0]["app"], "oauth-app");
    assert_eq!(records[0]["url"], closed);
    assert!(records[0]["body"].is_string() && records[0]["failureTime"].is_i64());
}

#[tokio::test]
async fn unknown_events_and_malformed_fault_rules_are_refused_naming_why() {
    let jira = fake().await;
    let (status, body) = call(
        &jira,
        "POST",
        "/_mock/events",
        Auth::None,
        Some(json!({"webhookEvent": "issue_created", "issue": {}})),
    )
    .await;
    assert_eq!(status, 400);
    let message = body["errorMessages"][0].as_str().unwrap();
    assert!(
        message.contains("jira:issue_created") && message.contains("jira:version_deleted"),
        "{message}"
    );

    for (rule, field) in [
        (
            json!({"path": "rest/api/3/webhook", "kind": "html"}),
            "path",
        ),
        (
            json!({"path": "/rest/*", "kind": "rateLimit", "retryAfter": "soon"}),
            "retryAfter",
        ),
        (
            json!({"path": "/rest/*", "kind": "unavailable", "retryAfter": "tomorrow"}),
            "retryAfter",
        ),
    ] {
        let (status, body) = call(
            &jira,
            "POST",
            "/_mock/faults",
            Auth::None,
            Some(json!({"rules": [rule]})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(body["errors"][field].is_string(), "{body}");
    }
    let date = json!({"path": "/rest/*", "kind": "rateLimit", "retryAfter": "Wed, 21 Oct 2026 07:28:00 GMT"});
    let (status, _) = call(
        &jira,
        "POST",
        "/_mock/faults",
        Auth::None,
        Some(json!({"rules": [date]})),
    )
    .await;
    assert_eq!(status, 200, "an HTTP date is accepted");
}

#[tokio::test]
async fn deliveries_are_streamed_whole_without_holding_up_other_calls() {
    let jira = fake().await;
    let ids = register(&jira, OAUTH, &closed_port_url(), &["project = Q"]).await;
    assert_eq!(created_ids(&ids).len(), 1);
    for _ in 0..150 {
        jira.emit_event(event("Q")).await.unwrap();
    }
    let client = client();
    let listing = client
        .get(format!("{}/_mock/deliveries", jira.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(listing.status(), 200);
    assert!(
        listing.headers().get("content-length").is_none(),
        "streamed, not built whole: {:?}",
        listing.headers()
    );
    // While the listing is unread, the fake answers everything else.
    let health = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        client
            .get(format!("{}/_mock/clock", jira.base_url()))
            .send(),
    )
    .await
    .expect("answered while a listing is open")
    .unwrap();
    assert_eq!(health.status(), 200);
    let all: serde_json::Value = listing.json().await.unwrap();
    assert_eq!(all["deliveries"].as_array().unwrap().len(), 150);
    assert!(all.get("nextAfter").is_none());
    let (_, page) = call(
        &jira,
        "GET",
        "/_mock/deliveries?limit=100",
        Auth::None,
        None,
    )
    .await;
    assert_eq!(page["deliveries"].as_array().unwrap().len(), 100);
    assert_eq!(page["nextAfter"], 100);
}
