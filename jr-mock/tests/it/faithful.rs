//! The faithful defaults outside the webhook API (issue 14): credentials on
//! every operation and the gateway rules, `/myself`, paging that ends,
//! checked bodies, removed operations; and `lenientAuth` restoring the old
//! rules.

use crate::common;

use common::*;
use jr_mock::FakeJira;
use serde_json::{Value, json};

const MYSELF: &str = "/rest/api/3/myself";

fn gateway(base: &str, cloud_id: &str, path: &str) -> String {
    format!("{base}/ex/jira/{cloud_id}{path}")
}

#[tokio::test]
async fn every_operation_needs_credentials_and_oauth_goes_through_the_gateway() {
    let jira = fake().await;
    let site = format!("{}{MYSELF}", jira.base_url());
    let through = gateway(&jira.base_url(), CLOUD_ID, MYSELF);

    let resp = client().get(&site).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("www-authenticate"));
    assert_eq!(
        resp.text().await.unwrap(),
        "Client must be authenticated to access this resource."
    );
    for (url, auth, want) in [
        (&site, Auth::Basic("user@example.com", "wrong"), 401),
        (&site, Auth::Raw("Bearer nobody-knows-me"), 401),
        (&site, Auth::Raw("Bearer oauth-app-token"), 401),
        (&site, USER, 200),
        (&site, Auth::Connect, 200),
        (&through, Auth::Raw("Bearer oauth-app-token"), 200),
        (&through, USER, 200),
    ] {
        let (status, body) = send("GET", url, auth, None).await;
        assert_eq!(status, want, "{url} {auth:?}: {body}");
    }
    let elsewhere = gateway(&jira.base_url(), "not-this-site", MYSELF);
    let (status, _) = send("GET", &elsewhere, OAUTH, None).await;
    assert_eq!(status, 404, "the gateway knows no such cloud ID");
    let (status, _) = send(
        "GET",
        &format!("{}/rest/api/3/serverInfo", jira.base_url()),
        Auth::None,
        None,
    )
    .await;
    assert_eq!(status, 401, "the catalog's operations too");
}

#[tokio::test]
async fn lenient_auth_restores_the_old_rules_and_nothing_more() {
    let jira = fake().await;
    let (status, switches) = call(
        &jira,
        "POST",
        "/_mock/switches",
        Auth::None,
        Some(json!({"lenientAuth": true})),
    )
    .await;
    assert_eq!(
        (status, switches["lenientAuth"].clone()),
        (200, json!(true))
    );
    let base = jira.base_url();
    let serverinfo = format!("{base}/rest/api/3/serverInfo");
    assert_eq!(send("GET", &serverinfo, Auth::None, None).await.0, 200);
    let any_cloud = gateway(&base, "any-cloud", "/rest/api/3/serverInfo");
    assert_eq!(send("GET", &any_cloud, Auth::None, None).await.0, 200);
    let webhooks = format!("{base}/rest/api/3/webhook");
    for (auth, want) in [
        (Auth::Raw("Bearer oauth-app-token"), 200),
        (Auth::Raw("Bearer nobody-knows-me"), 401),
        (Auth::Raw("JWT a.b.c"), 401),
        (Auth::None, 401),
        (USER, 403),
    ] {
        assert_eq!(send("GET", &webhooks, auth, None).await.0, want, "{auth:?}");
    }
    let (status, _) = send("GET", &format!("{base}{MYSELF}"), Auth::None, None).await;
    assert_eq!(status, 401, "/myself has nobody to answer");
}

#[tokio::test]
async fn scoped_tokens_work_only_through_the_gateway() {
    let mut config = config();
    config.identities.users[0].scoped = true;
    let jira = FakeJira::start_with(config).await;
    let base = jira.base_url();
    assert_eq!(
        send("GET", &format!("{base}{MYSELF}"), USER, None).await.0,
        401
    );
    assert_eq!(
        send("GET", &gateway(&base, CLOUD_ID, MYSELF), USER, None)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn myself_answers_the_calling_user_or_app_user() {
    let mut config = config();
    config.identities.users[0].display_name = "Mia Krystof".into();
    config.cloud_id = "c0ffee-1".into();
    let jira = FakeJira::start_with(config).await;
    let base = jira.base_url();
    let (_, tenant) = send(
        "GET",
        &format!("{base}/_edge/tenant_info"),
        Auth::None,
        None,
    )
    .await;
    assert_eq!(tenant, json!({"cloudId": "c0ffee-1"}));
    let (status, me) = send("GET", &format!("{base}{MYSELF}"), USER, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            &me["accountId"],
            &me["displayName"],
            &me["emailAddress"],
            &me["accountType"]
        ),
        (
            &json!("5b10ac8d82e05b22cc7d4ef5"),
            &json!("Mia Krystof"),
            &json!("user@example.com"),
            &json!("atlassian")
        )
    );
    let (_, me) = send("GET", &format!("{base}{MYSELF}"), Auth::Connect, None).await;
    assert_eq!(me["accountType"], "app");
    assert_eq!(me["displayName"], "com.example.connect-app");
    assert!(me.get("emailAddress").is_none());
    let through = gateway(&base, "c0ffee-1", MYSELF);
    let (status, me) = send("GET", &through, Auth::Raw("Bearer oauth-app-token"), None).await;
    assert_eq!(
        (status, me["displayName"].clone()),
        (200, json!("Mia Krystof"))
    );
}

#[tokio::test]
async fn offset_and_token_pages_end() {
    let jira = fake().await;
    let base = jira.base_url();
    let mut names = Vec::new();
    for start in 0..10 {
        let url = format!("{base}/rest/api/3/project/search?startAt={start}&maxResults=1");
        let (status, page) = send("GET", &url, USER, None).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["startAt"], start);
        assert_eq!(page["total"], 2);
        names.extend(
            page["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["key"].clone()),
        );
        if page["isLast"] == true {
            assert!(page.get("nextPage").is_none());
            break;
        }
        assert!(
            page["nextPage"].as_str().unwrap().contains("startAt=1"),
            "{page}"
        );
    }
    assert_eq!(names, [json!("EX"), json!("ABC")]);
    // maxResults=0 asks for no items, with the total (review of issue 14).
    let url = format!("{base}/rest/api/3/project/search?maxResults=0");
    let (status, page) = send("GET", &url, USER, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (page["values"].clone(), page["total"].clone()),
        (json!([]), json!(2))
    );

    let url = format!("{base}/rest/api/3/search/jql?jql=project%20%3D%20XYZ&maxResults=1");
    let (_, page) = send("GET", &url, USER, None).await;
    assert_eq!(page["isLast"], true);
    assert!(page.get("nextPageToken").is_none(), "{page}");
    let (status, body) = send("GET", &format!("{url}&nextPageToken=made-up"), USER, None).await;
    assert_eq!(status, 400);
    assert!(body["errors"]["nextPageToken"].is_string(), "{body}");
}

#[tokio::test]
async fn request_bodies_are_checked_against_the_spec() {
    let jira = fake().await;
    let url = format!("{}/rest/api/3/issue", jira.base_url());
    let issue = |description: Value| {
        json!({"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Task"},
            "summary": "s", "description": description}})
    };
    let (status, body) = send("POST", &url, USER, Some(&issue(json!("plain text")))).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"errorMessages": [], "errors": {"description":
            "Operation value must be an Atlassian Document (see the Atlassian Document Format)"}})
    );
    let adf = json!({"type": "doc", "version": 1, "content": []});
    assert_eq!(send("POST", &url, USER, Some(&issue(adf))).await.0, 201);

    let http = client();
    let raw = |content_type: &'static str, body: &'static str| {
        http.post(&url)
            .basic_auth("user@example.com", Some("user-token"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    assert_eq!(raw("application/json", "").await.unwrap().status(), 400);
    assert_eq!(raw("application/json", "{{{").await.unwrap().status(), 400);
    assert_eq!(raw("text/plain", "{}").await.unwrap().status(), 415);

    let versions = format!("{}/rest/api/3/version", jira.base_url());
    let (status, body) = send("POST", &versions, USER, Some(&json!({"name": 5}))).await;
    assert_eq!(status, 400);
    assert!(
        body["errors"]["name"].is_string(),
        "the field is named: {body}"
    );
}

#[tokio::test]
async fn the_removed_search_endpoints_answer_410() {
    let jira = fake().await;
    let url = format!(
        "{}/rest/api/3/search?jql=project%20%3D%20ABC",
        jira.base_url()
    );
    let (status, body) = send("GET", &url, USER, None).await;
    assert_eq!(status, 410);
    assert_eq!(
        body["errorMessages"][0],
        "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."
    );
    let post = format!("{}/rest/api/3/search", jira.base_url());
    assert_eq!(
        send("POST", &post, USER, Some(&json!({"jql": "project = ABC"})))
            .await
            .0,
        410
    );
}
