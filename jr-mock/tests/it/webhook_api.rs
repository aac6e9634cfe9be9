//! The five webhook operations over HTTP: callers, per-item results, pages,
//! ownership, expiry and refresh, malformed requests.

use crate::common;

use common::*;
use jr_mock::{FakeJira, MockConfig};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const HOOK: &str = "https://hooks.test/jira";

#[tokio::test]
async fn non_app_callers_get_jiras_403_on_all_five_operations() {
    let jira = fake().await;
    let ids = Some(json!({"webhookIds": [1]}));
    let calls = [
        (
            "POST",
            "/rest/api/3/webhook",
            Some(json!({"url": HOOK, "webhooks": []})),
        ),
        ("GET", "/rest/api/3/webhook", None),
        ("DELETE", "/rest/api/3/webhook", ids.clone()),
        ("GET", "/rest/api/3/webhook/failed", None),
        ("PUT", "/rest/api/3/webhook/refresh", ids),
    ];
    for (verb, p, body) in calls {
        let (status, body) = call(&jira, verb, p, USER, body).await;
        assert_eq!(status, 403, "{verb} {p}");
        assert_eq!(
            body,
            json!({"errorMessages": ["Only Connect and OAuth 2.0 apps can use this operation"], "errors": {}})
        );
    }
}

#[tokio::test]
async fn missing_or_bad_credentials_get_401_error_collections() {
    let jira = fake().await;
    let bad = [
        Auth::None,
        Auth::Bearer("nope"),
        Auth::Basic("user@example.com", "wrong"),
        Auth::Raw("JWT not.a.jwt"),
        Auth::Raw("Digest abc"),
    ];
    for auth in bad {
        let (status, body) = call(&jira, "GET", "/rest/api/3/webhook", auth, None).await;
        assert_eq!(status, 401, "{auth:?}");
        assert!(body["errorMessages"][0].is_string(), "{body}");
        assert_eq!(body["errors"], json!({}));
    }
}

#[tokio::test]
async fn a_connect_app_with_a_valid_jwt_and_qsh_is_an_app() {
    let jira = fake().await;
    let (status, body) = call(
        &jira,
        "GET",
        "/rest/api/3/webhook?startAt=0&maxResults=5",
        Auth::Connect,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let url = format!("{}/rest/api/3/webhook?maxResults=5", jira.base_url());
    let wrong_qsh = format!("JWT {}", connect_jwt("GET", &format!("{url}&startAt=1")));
    let (status, _) = send("GET", &url, Auth::Raw(&wrong_qsh), None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn registration_answers_per_item_in_request_order_with_jiras_texts() {
    let jira = fake().await;
    let body = json!({"url": HOOK, "webhooks": [
        {"events": ["jira:issue_created"], "jqlFilter": "project = ABC"},
        {"events": ["jira:issue_updated"], "jqlFilter": "project is not EMPTY"},
        {"events": ["comment_created"], "jqlFilter": "watchCount = 3"}]});
    let (status, body) = call(&jira, "POST", "/rest/api/3/webhook", OAUTH, Some(body)).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"webhookRegistrationResult": [
        {"createdWebhookId": 10001},
        {"errors": ["Operator is not is unsupported"]},
        {"errors": ["The clause watchCount is unsupported"]}]})
    );
}

#[tokio::test]
async fn empty_jql_and_unknown_events_are_per_item_errors() {
    let jira = fake().await;
    let body = json!({"url": HOOK, "webhooks": [
        {"events": ["jira:issue_created"], "jqlFilter": ""},
        {"events": ["jira:issue_created"], "jqlFilter": "project != null"},
        {"events": ["worklog_created"], "jqlFilter": "project = A"}]});
    let (status, body) = call(&jira, "POST", "/rest/api/3/webhook", OAUTH, Some(body)).await;
    assert_eq!(status, 200);
    let results = &body["webhookRegistrationResult"];
    assert!(results[0]["errors"][0].as_str().unwrap().contains("empty"));
    assert_eq!(results[1], json!({"createdWebhookId": 10001}));
    assert!(
        results[2]["errors"][0]
            .as_str()
            .unwrap()
            .contains("worklog_created")
    );
}

#[tokio::test]
async fn malformed_bodies_get_400_error_collections() {
    let jira = fake().await;
    let bodies = [
        json!("not an object"),
        json!({"url": HOOK}),
        json!({"url": HOOK, "webhooks": {}}),
        json!({"url": HOOK, "webhooks": [{"events": ["jira:issue_created"]}]}),
        json!({"url": HOOK, "webhooks": [{"events": "jira:issue_created", "jqlFilter": "project = A"}]}),
    ];
    for b in bodies {
        let (status, body) =
            call(&jira, "POST", "/rest/api/3/webhook", OAUTH, Some(b.clone())).await;
        assert_eq!(status, 400, "{b}");
        assert!(body["errorMessages"][0].is_string());
    }
    let url = format!("{}/ex/jira/{CLOUD_ID}/rest/api/3/webhook", jira.base_url());
    let resp = client()
        .post(&url)
        .bearer_auth("oauth-app-token")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    for (verb, p) in [
        ("DELETE", "/rest/api/3/webhook"),
        ("PUT", "/rest/api/3/webhook/refresh"),
    ] {
        let (status, _) = call(&jira, verb, p, OAUTH, Some(json!({}))).await;
        assert_eq!(status, 400, "{verb} without webhookIds");
        let (status, _) = call(&jira, verb, p, OAUTH, None).await;
        assert_eq!(status, 400, "{verb} without a body");
    }
}

#[tokio::test]
async fn unparsable_query_values_get_400() {
    let jira = fake().await;
    for q in [
        "/rest/api/3/webhook?startAt=abc",
        "/rest/api/3/webhook?maxResults=-1",
        "/rest/api/3/webhook/failed?after=x",
        "/rest/api/3/webhook/failed?maxResults=0",
    ] {
        let (status, body) = call(&jira, "GET", q, OAUTH, None).await;
        assert_eq!(status, 400, "{q}");
        assert!(
            body["errorMessages"][0].as_str().unwrap().contains('\''),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_second_url_for_the_same_app_is_a_400() {
    let jira = fake().await;
    register(&jira, OAUTH, "https://a.test/hook", &["project = A"]).await;
    let body = json!({"url": "https://b.test/hook", "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = A"}]});
    let (status, body) = call(&jira, "POST", "/rest/api/3/webhook", OAUTH, Some(body)).await;
    assert_eq!(status, 400);
    assert!(
        body["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("single URL")
    );
    register(&jira, OTHER, "https://b.test/hook", &["project = A"]).await;
}

#[tokio::test]
async fn oauth_apps_get_5_webhooks_per_user_unless_the_limit_is_lifted() {
    let jira = fake().await;
    let six = ["project = A"; 6];
    let body = register(&jira, OAUTH, HOOK, &six).await;
    assert_eq!(created_ids(&body).len(), 5);
    assert!(
        body["webhookRegistrationResult"][5]["errors"][0]
            .as_str()
            .unwrap()
            .contains("limit")
    );

    let lifted = FakeJira::start_with(MockConfig {
        webhook_limit: Some(1000),
        ..config()
    })
    .await;
    assert_eq!(
        created_ids(&register(&lifted, OAUTH, HOOK, &six).await).len(),
        6
    );
}

#[tokio::test]
async fn url_rules_are_per_item_errors() {
    let jira = fake().await;
    let body = register(&jira, OAUTH, "http://hooks.test/jira", &["project = A"]).await;
    assert!(
        body["webhookRegistrationResult"][0]["errors"][0]
            .as_str()
            .unwrap()
            .contains("https")
    );
    let body = register(
        &jira,
        Auth::Connect,
        "https://elsewhere.test/h",
        &["project = A", "project = B"],
    )
    .await;
    for i in 0..2 {
        assert!(
            body["webhookRegistrationResult"][i]["errors"][0]
                .as_str()
                .unwrap()
                .contains("base URL")
        );
    }
    let body = register(
        &jira,
        Auth::Connect,
        "https://connect-app.example.com/hook",
        &["project = A"],
    )
    .await;
    assert_eq!(created_ids(&body).len(), 1);
}

#[tokio::test]
async fn offset_pages_report_is_last_total_and_links() {
    let jira = fake().await;
    register(
        &jira,
        OAUTH,
        HOOK,
        &["project = A", "project = B", "project = C"],
    )
    .await;
    let (_, page) = call(
        &jira,
        "GET",
        "/rest/api/3/webhook?startAt=0&maxResults=2",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(
        (
            page["isLast"].clone(),
            page["total"].clone(),
            page["values"].as_array().unwrap().len()
        ),
        (json!(false), json!(3), 2)
    );
    let base = jira.base_url();
    assert_eq!(
        page["nextPage"],
        format!("{base}/ex/jira/{CLOUD_ID}/rest/api/3/webhook?maxResults=2&startAt=2")
    );
    assert_eq!(
        page["self"],
        format!("{base}/ex/jira/{CLOUD_ID}/rest/api/3/webhook?maxResults=2&startAt=0")
    );
    let (_, page) = call(
        &jira,
        "GET",
        "/rest/api/3/webhook?startAt=2&maxResults=2",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(page["isLast"], true);
    assert_eq!(page["values"][0]["jqlFilter"], "project = C");
    assert!(page.get("nextPage").is_none());
    let (_, page) = call(&jira, "GET", "/rest/api/3/webhook", OAUTH, None).await;
    assert_eq!(
        (page["maxResults"].clone(), page["isLast"].clone()),
        (json!(100), json!(true))
    );
    let keys: Vec<&String> = page["values"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["events", "expirationDate", "id", "jqlFilter", "url"]);
}

#[tokio::test]
async fn apps_never_see_refresh_or_delete_each_others_webhooks() {
    let jira = fake().await;
    let ids = created_ids(&register(&jira, OAUTH, HOOK, &["project = A", "project = B"]).await);
    let (_, page) = call(&jira, "GET", "/rest/api/3/webhook", OTHER, None).await;
    assert_eq!(page["total"], 0);
    jira.advance_ms(DAY_MS).await.unwrap();
    let (status, _) = call(
        &jira,
        "PUT",
        "/rest/api/3/webhook/refresh",
        OTHER,
        Some(json!({"webhookIds": ids})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &jira,
        "DELETE",
        "/rest/api/3/webhook",
        OTHER,
        Some(json!({"webhookIds": ids})),
    )
    .await;
    assert_eq!((status, body), (202, Value::Null));
    let (_, page) = call(&jira, "GET", "/rest/api/3/webhook", OAUTH, None).await;
    assert_eq!(page["total"], 2);
    assert_eq!(
        page["values"][0]["expirationDate"],
        "2023-12-14T22:13:20.000+0000"
    );
    let (status, body) = call(
        &jira,
        "DELETE",
        "/rest/api/3/webhook",
        OAUTH,
        Some(json!({"webhookIds": [ids[0], 999]})),
    )
    .await;
    assert_eq!((status, body), (202, Value::Null));
    let (_, page) = call(&jira, "GET", "/rest/api/3/webhook", OAUTH, None).await;
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn webhooks_expire_after_30_days_stay_listed_and_refresh_revives_them() {
    let jira = fake().await;
    let receiver = receiver(200).await;
    let url = format!("{}/hook", receiver.uri());
    let ids = created_ids(&register(&jira, OAUTH, &url, &["project = ABC"]).await);
    let (_, page) = call(&jira, "GET", "/rest/api/3/webhook", OAUTH, None).await;
    assert_eq!(
        page["values"][0]["expirationDate"],
        "2023-12-14T22:13:20.000+0000"
    ); // START + 30 d

    advance(&jira, 31 * DAY_MS).await;
    assert_eq!(emit(&jira, event("ABC")).await["deliveries"], json!([]));
    let (_, page) = call(&jira, "GET", "/rest/api/3/webhook", OAUTH, None).await;
    assert_eq!(page["total"], 1);

    let (status, body) = call(
        &jira,
        "PUT",
        "/rest/api/3/webhook/refresh",
        OAUTH,
        Some(json!({"webhookIds": ids})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"expirationDate": "2024-01-14T22:13:20.000+0000"})
    ); // START + 31 d + 30 d
    let report = emit(&jira, event("ABC")).await;
    assert_eq!(report["deliveries"][0]["outcome"], "delivered");
}

#[tokio::test]
async fn webhooks_are_purged_90_days_after_expiry() {
    let jira = fake().await;
    register(&jira, OAUTH, HOOK, &["project = A"]).await;
    jira.advance_ms(120 * DAY_MS + 1).await.unwrap();
    let (_, page) = call(&jira, "GET", "/rest/api/3/webhook", OAUTH, None).await;
    assert_eq!(page["total"], 0);
}

#[tokio::test]
async fn oauth_apps_get_a_403_on_failed_by_default_as_the_spec_says() {
    let jira = FakeJira::start_with(faithful_config()).await;
    let (status, body) = call(&jira, "GET", "/rest/api/3/webhook/failed", OAUTH, None).await;
    assert_eq!(status, 403);
    assert!(
        body["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("not a Connect app")
    );
    let (status, _) = call(
        &jira,
        "GET",
        "/rest/api/3/webhook/failed",
        Auth::Connect,
        None,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn every_switch_can_be_flipped_at_run_time() {
    let jira = fake().await;
    let on = json!({"oauthReadsFailed": false, "allowSecondUrl": true});
    let (status, switches) = call(&jira, "POST", "/_mock/switches", Auth::None, Some(on)).await;
    assert_eq!(
        (status, switches),
        (
            200,
            json!({"duplicateDeliveries": false, "allowSecondUrl": true,
                "oauthReadsFailed": false, "lenientAuth": false, "degradeFailingUrls": false})
        )
    );
    let (status, _) = call(&jira, "GET", "/rest/api/3/webhook/failed", OAUTH, None).await;
    assert_eq!(status, 403);
    register(&jira, OAUTH, HOOK, &["project = A"]).await;
    let second = register(&jira, OAUTH, "https://other.test/hook", &["project = A"]).await;
    assert_eq!(created_ids(&second).len(), 1, "{second}");

    let (status, _) = call(
        &jira,
        "POST",
        "/_mock/switches",
        Auth::None,
        Some(json!({"oauthReadsFailed": "yes"})),
    )
    .await;
    assert_eq!(status, 400);
    let (_, switches) = call(&jira, "GET", "/_mock/switches", Auth::None, None).await;
    assert_eq!(
        switches["oauthReadsFailed"], false,
        "a refused change changes nothing"
    );
}

#[tokio::test]
async fn unknown_paths_get_a_jira_shaped_404() {
    let jira = fake().await;
    let (status, body) = call(&jira, "GET", "/rest/api/3/nothing-here", OAUTH, None).await;
    assert_eq!(status, 404);
    assert_eq!(body["errors"], json!({}));
    assert!(
        body["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("/rest/api/3/nothing-here")
    );
}

#[tokio::test]
async fn the_gateway_prefix_and_a_trailing_slash_reach_the_same_operation() {
    let jira = fake().await;
    register(&jira, OAUTH, HOOK, &["project = A"]).await;
    let (status, page) = call(
        &jira,
        "GET",
        "/ex/jira/a436116f-02ce-4520-8fbb-7301462a1674/rest/api/3/webhook/",
        OAUTH,
        None,
    )
    .await;
    assert_eq!((status, page["total"].clone()), (200, json!(1)));
    assert!(
        page["self"]
            .as_str()
            .unwrap()
            .contains("/ex/jira/a436116f-02ce-4520-8fbb-7301462a1674/rest/api/3/webhook?")
    );
}

#[tokio::test]
async fn a_test_mock_with_higher_priority_injects_a_fault() {
    let jira = fake().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/ex/jira/{CLOUD_ID}/rest/api/3/webhook/failed"
        )))
        .and(jira.app_caller("oauth-app"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .named("getFailedWebhooks: one 429")
        .mount(jira.server())
        .await;
    let (status, _) = call(&jira, "GET", "/rest/api/3/webhook/failed", OTHER, None).await;
    assert_eq!(status, 200);
    let (status, _) = call(&jira, "GET", "/rest/api/3/webhook/failed", OAUTH, None).await;
    assert_eq!(status, 429);
    let (status, _) = call(&jira, "GET", "/rest/api/3/webhook/failed", OAUTH, None).await;
    assert_eq!(status, 200);
}
