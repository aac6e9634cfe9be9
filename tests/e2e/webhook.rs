//! The dynamic-webhook commands end to end: register, list, refresh, delete,
//! failed deliveries, ownership, expiry and pagination.

use crate::support::*;
use jr_mock::FakeJira;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn registered_webhooks_are_listed_refreshed_and_deleted() {
    let jira = FakeJira::start().await;
    let id = register(&jira, APP, "https://hooks.example/jira");

    let (list, _, code) = run(jr_as(&jira, APP).args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(code, 0);
    assert_eq!(list["values"][0]["id"], json!(id));
    assert_eq!(list["values"][0]["jqlFilter"], json!("project = ABC"));
    assert_eq!(list["values"][0]["events"], json!(["jira:issue_created"]));

    let (refreshed, _, code) =
        run(jr_as(&jira, APP).args(["webhook", "refresh", "--id", &id.to_string()]));
    assert_eq!(code, 0);
    assert!(refreshed["expirationDate"].is_string(), "{refreshed}");

    let (deleted, _, code) =
        run(jr_as(&jira, APP).args(["webhook", "delete-by-id", "--id", &id.to_string()]));
    assert_eq!((deleted, code), (json!({}), 0), "a 202 prints {{}}");
    let (list, _, _) = run(jr_as(&jira, APP).args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(list["values"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_never_sees_or_changes_another_apps_webhooks() {
    let jira = FakeJira::start().await;
    let id = register(&jira, APP, "https://hooks.example/jira");

    let (list, _, code) =
        run(jr_as(&jira, OTHER_APP).args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!((list["values"].clone(), code), (json!([]), 0));
    let (_, _, code) =
        run(jr_as(&jira, OTHER_APP).args(["webhook", "delete-by-id", "--id", &id.to_string()]));
    assert_eq!(code, 0, "foreign IDs are ignored, as Jira does");

    let (list, _, _) = run(jr_as(&jira, APP).args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(
        list["values"][0]["id"],
        json!(id),
        "still there after the other app's delete"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_is_refused_with_exit_2_and_a_hint_about_apps() {
    let jira = FakeJira::start().await;
    for args in [
        vec!["webhook", "get-dynamic-webhooks-for-app"],
        vec!["webhook", "get-failed"],
        vec!["webhook", "refresh", "--id", "1"],
        vec!["webhook", "delete-by-id", "--id", "1"],
        vec![
            "webhook",
            "register-dynamic",
            "--url",
            "https://h.example/x",
            "--jql",
            "project = A",
            "--event",
            "jira:issue_created",
        ],
    ] {
        let (out, stderr, code) = run(jr_as_user(&jira).args(&args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(out, serde_json::Value::Null, "nothing on stdout");
        let error = error_line(&stderr);
        assert_eq!(error["status"], json!(403));
        assert_eq!(
            error["jira"]["errorMessages"][0],
            json!("Only Connect and OAuth 2.0 apps can use this operation")
        );
        assert!(
            error["hint"]
                .as_str()
                .unwrap_or_default()
                .contains("OAuth 2.0 app"),
            "{error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_credentials_get_exit_2() {
    let jira = FakeJira::start().await;
    let (_, stderr, code) = run(jr_as(&jira, "no-such-token").args(["webhook", "get-failed"]));
    assert_eq!(code, 2);
    assert_eq!(error_line(&stderr)["status"], json!(401));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_registration_item_prints_the_result_and_exits_4() {
    let jira = FakeJira::start().await;
    let body = json!({"url": "https://hooks.example/jira", "webhooks": [
        {"events": ["jira:issue_created"], "jqlFilter": "project = ABC"},
        {"events": ["jira:issue_updated"], "jqlFilter": "project is not EMPTY"},
        {"events": ["comment_created"], "jqlFilter": "watchCount = 3"}]});
    let (out, stderr, code) =
        run(jr_as(&jira, APP).args(["webhook", "register-dynamic", "--body", &body.to_string()]));
    assert_eq!(code, 4);
    let results = &out["webhookRegistrationResult"];
    assert!(results[0]["createdWebhookId"].is_i64(), "{out}");
    assert_eq!(
        results[1]["errors"],
        json!(["Operator is not is unsupported"])
    );
    assert_eq!(
        results[2]["errors"],
        json!(["The clause watchCount is unsupported"])
    );
    let message = error_line(&stderr)["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("item 2: Operator is not is unsupported"),
        "{message}"
    );
    assert!(
        message.contains("item 3: The clause watchCount is unsupported"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn helper_flags_build_the_registration_body() {
    let jira = FakeJira::start().await;
    let (out, stderr, code) = run(jr_as(&jira, APP).args([
        "webhook",
        "register-dynamic",
        "--url",
        "https://hooks.example/jira",
        "--jql",
        "project = ABC",
        "--event",
        "jira:issue_created,jira:issue_updated",
        "--field-id",
        "summary",
        "--field-id",
        "status",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(out["webhookRegistrationResult"][0]["createdWebhookId"].is_i64());
    let (list, _, _) = run(jr_as(&jira, APP).args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(
        list["values"][0]["events"],
        json!(["jira:issue_created", "jira:issue_updated"])
    );
    assert_eq!(
        list["values"][0]["fieldIdsFilter"],
        json!(["summary", "status"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_follows_every_offset_page() {
    let jira = FakeJira::start().await;
    let body = json!({"url": "https://hooks.example/jira", "webhooks": (0..5)
        .map(|i| json!({"events": ["jira:issue_created"], "jqlFilter": format!("project = P{i}")}))
        .collect::<Vec<_>>()});
    let (_, stderr, code) =
        run(jr_as(&jira, APP).args(["webhook", "register-dynamic", "--body", &body.to_string()]));
    assert_eq!(code, 0, "{stderr}");

    let (all, _, code) = run(jr_as(&jira, APP).args([
        "webhook",
        "get-dynamic-webhooks-for-app",
        "--maxResults",
        "2",
    ]));
    assert_eq!(code, 0);
    let filters: Vec<_> = all["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["jqlFilter"].clone())
        .collect();
    assert_eq!(
        filters,
        (0..5)
            .map(|i| json!(format!("project = P{i}")))
            .collect::<Vec<_>>()
    );
    assert_eq!(all["isLast"], json!(true));

    let (one, _, _) = run(jr_as(&jira, APP).args([
        "webhook",
        "get-dynamic-webhooks-for-app",
        "--maxResults",
        "2",
        "--no-paginate",
    ]));
    assert_eq!(one["values"].as_array().map(Vec::len), Some(2));
    assert_eq!(one["isLast"], json!(false));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_delivery_is_listed_then_gone_after_72_hours() {
    let jira = FakeJira::start().await;
    oauth_reads_failed(&jira).await;
    let broken = receiver(503).await;
    register(&jira, APP, &format!("{}/hook", broken.uri()));

    issue_created(&jira, "ABC-1").await;
    advance(&jira, 2 * 60 * 60 * 1000).await; // past 5 retries of at most 15 minutes
    let attempts = broken.received_requests().await.unwrap_or_default().len();
    assert_eq!(attempts, 6, "one attempt and five retries");

    let (failed, _, code) = run(jr_as(&jira, APP).args(["webhook", "get-failed"]));
    assert_eq!(code, 0);
    let values = failed["values"].as_array().cloned().unwrap_or_default();
    assert_eq!(values.len(), 1, "{failed}");
    assert_eq!(values[0]["url"], json!(format!("{}/hook", broken.uri())));
    assert!(values[0]["failureTime"].is_i64());

    advance(&jira, 73 * 60 * 60 * 1000).await;
    let (failed, _, _) = run(jr_as(&jira, APP).args(["webhook", "get-failed"]));
    assert_eq!(failed["values"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_deliveries_are_read_across_cursor_pages() {
    let jira = FakeJira::start().await;
    oauth_reads_failed(&jira).await;
    let broken = receiver(500).await;
    register(&jira, APP, &format!("{}/hook", broken.uri()));
    for key in ["ABC-1", "ABC-2", "ABC-3"] {
        issue_created(&jira, key).await;
        advance(&jira, 2 * 60 * 60 * 1000).await;
    }

    let (all, stderr, code) =
        run(jr_as(&jira, APP).args(["webhook", "get-failed", "--maxResults", "1"]));
    assert_eq!(code, 0, "{stderr}");
    let times: Vec<i64> = all["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["failureTime"].as_i64())
        .collect();
    assert_eq!(times.len(), 3, "{all}");
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "oldest first: {times:?}"
    );

    let (first, _, _) = run(jr_as(&jira, APP).args([
        "webhook",
        "get-failed",
        "--maxResults",
        "1",
        "--no-paginate",
    ]));
    assert_eq!(first["values"].as_array().map(Vec::len), Some(1));
    assert!(first["next"].is_string(), "{first}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_expires_after_30_days_and_refresh_revives_it() {
    let jira = FakeJira::start().await;
    let hook = receiver(200).await;
    let id = register(&jira, APP, &format!("{}/hook", hook.uri()));

    advance(&jira, 31 * DAY_MS).await;
    issue_created(&jira, "ABC-1").await;
    assert_eq!(
        hook.received_requests().await.unwrap_or_default().len(),
        0,
        "expired: nothing delivered"
    );

    let (list, _, code) = run(jr_as(&jira, APP).args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(code, 0);
    assert_eq!(
        list["values"][0]["id"],
        json!(id),
        "an expired webhook is still listed"
    );

    let (_, _, code) = run(jr_as(&jira, APP).args(["webhook", "refresh", "--all"]));
    assert_eq!(code, 0);
    issue_created(&jira, "ABC-2").await;
    let delivered = hook.received_requests().await.unwrap_or_default();
    assert_eq!(delivered.len(), 1, "refreshed: delivered again");
    let body: serde_json::Value = serde_json::from_slice(&delivered[0].body).unwrap();
    assert_eq!(body["issue"]["key"], json!("ABC-2"));
    assert_eq!(body["matchedWebhookIds"], json!([id]));
    assert!(
        delivered[0]
            .headers
            .get("X-Atlassian-Webhook-Identifier")
            .is_some()
    );
}

#[test]
fn refresh_all_in_a_dry_run_lists_nothing_and_shows_a_placeholder() {
    // Port 9 is closed: listing the webhooks would fail with exit 1.
    let mut jr = jr_at("http://127.0.0.1:9");
    jr.env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", APP)
        .args(["--dry-run", "webhook", "refresh", "--all"]);
    let (shown, stderr, code) = run(&mut jr);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(shown["method"], json!("PUT"));
    assert_eq!(
        shown["url"],
        json!("http://127.0.0.1:9/rest/api/3/webhook/refresh")
    );
    assert_eq!(
        shown["body"],
        json!({"webhookIds": "<every webhook ID of the calling app, listed first>"})
    );
    let (_, _, code) =
        run(jr_at("http://127.0.0.1:9").args(["webhook", "refresh", "--all", "--id", "1"]));
    assert_eq!(code, 4, "--all and --id exclude each other");
}
