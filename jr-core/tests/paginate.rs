//! Page following against a wiremock server on 127.0.0.1: offset and cursor
//! styles merge every page, and a server that loops is stopped.

use jr_core::auth::Auth;
use jr_core::config::Settings;
use jr_core::http::HttpClient;
use jr_core::ops::{self, Pagination};
use jr_core::paginate::fetch_all;
use jr_core::request::RequestPlan;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> HttpClient {
    let settings = Settings {
        base_url: jr_core::Url::parse(&server.uri()).unwrap(),
        auth: Auth::Bearer { token: "t".into() },
        cloud_id: None,
        oauth: None,
    };
    HttpClient::new(settings, Duration::from_secs(5))
}

fn plan(operation_id: &str) -> RequestPlan {
    RequestPlan::build(ops::by_operation_id(operation_id).unwrap(), &[], None).unwrap()
}

async fn page(server: &MockServer, at: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path("/rest/api/3/webhook"))
        .and(query_param("startAt", at))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn offset_pages_are_followed_until_is_last() {
    let server = MockServer::start().await;
    page(
        &server,
        "0",
        json!({"startAt":0,"maxResults":2,"total":3,"isLast":false,"values":[{"id":1},{"id":2}]}),
    )
    .await;
    page(
        &server,
        "2",
        json!({"startAt":2,"maxResults":2,"total":3,"isLast":true,"values":[{"id":3}]}),
    )
    .await;
    let body = fetch_all(
        &client(&server),
        &plan("getDynamicWebhooksForApp"),
        Pagination::Offset,
        10,
    )
    .await
    .unwrap();
    let merged: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(merged["values"], json!([{"id":1},{"id":2},{"id":3}]));
    assert_eq!(merged["isLast"], json!(true));
}

#[tokio::test]
async fn cursor_pages_are_followed_until_an_empty_page() {
    let server = MockServer::start().await;
    let next = |after: u64| {
        format!(
            "{}/rest/api/3/webhook/failed?failedAfter={after}&maxResults=1",
            server.uri()
        )
    };
    Mock::given(path("/rest/api/3/webhook/failed"))
        .and(query_param("failedAfter", "10"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"values":[{"id":"b","failureTime":20}],"maxResults":1,"next":next(20)}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/rest/api/3/webhook/failed"))
        .and(query_param("failedAfter", "20"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"values":[],"maxResults":1})))
        .mount(&server)
        .await;
    Mock::given(path("/rest/api/3/webhook/failed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"values":[{"id":"a","failureTime":10}],"maxResults":1,"next":next(10)}),
        ))
        .with_priority(10)
        .mount(&server)
        .await;
    let body = fetch_all(
        &client(&server),
        &plan("getFailedWebhooks"),
        Pagination::Cursor,
        10,
    )
    .await
    .unwrap();
    let merged: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        merged["values"],
        json!([{"id":"a","failureTime":10},{"id":"b","failureTime":20}])
    );
    assert_eq!(merged["next"], json!(next(20)), "the URL to poll later");
}

#[tokio::test]
async fn a_repeated_cursor_stops_with_exit_1() {
    let server = MockServer::start().await;
    let same = format!("{}/rest/api/3/webhook/failed?failedAfter=1", server.uri());
    Mock::given(path("/rest/api/3/webhook/failed"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"values":[{"id":"a"}],"next":same})),
        )
        .mount(&server)
        .await;
    let err = fetch_all(
        &client(&server),
        &plan("getFailedWebhooks"),
        Pagination::Cursor,
        50,
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.message().contains("same next page"),
        "{}",
        err.message()
    );
    let requests = server.received_requests().await.unwrap().len();
    assert!(requests <= 3, "stopped early, after {requests} requests");
}

#[tokio::test]
async fn the_page_cap_stops_an_endless_offset_listing() {
    let server = MockServer::start().await;
    Mock::given(path("/rest/api/3/webhook"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"isLast":false,"values":[{"id":1}]})),
        )
        .mount(&server)
        .await;
    let err = fetch_all(
        &client(&server),
        &plan("getDynamicWebhooksForApp"),
        Pagination::Offset,
        4,
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn max_pages_counts_every_page_read_including_the_last() {
    let server = MockServer::start().await;
    Mock::given(path("/rest/api/3/webhook/failed"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"values":[],"maxResults":100})),
        )
        .mount(&server)
        .await;
    let body = fetch_all(
        &client(&server),
        &plan("getFailedWebhooks"),
        Pagination::Cursor,
        1,
    )
    .await;
    assert!(body.is_ok(), "one empty page fits in --max-pages 1");
}
