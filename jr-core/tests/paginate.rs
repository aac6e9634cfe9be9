//! Page following against a wiremock server on 127.0.0.1: offset and cursor
//! styles merge every page, and a server that loops is stopped.

use jr_core::auth::Auth;
use jr_core::config::Settings;
use jr_core::http::HttpClient;
use jr_core::ops::{self, Pagination};
use jr_core::paginate::{fetch_all, fetch_up_to};
use jr_core::request::RequestPlan;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> HttpClient {
    let settings = Settings {
        base_url: jr_core::Url::parse(&server.uri()).unwrap(),
        site_url: None,
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
    // The first page's maxResults (2) no longer describes the merged answer.
    assert_eq!(merged["maxResults"], json!(3));
}

/// Issue 16: `--limit N` stops after N items, successfully, and the answer
/// says it is not the last page; a cursor inside a cut page is not kept.
#[tokio::test]
async fn a_limit_stops_the_walk_after_that_many_items() {
    let server = MockServer::start().await;
    page(
        &server,
        "0",
        json!({"startAt":0,"maxResults":2,"isLast":false,"values":[{"id":1},{"id":2}]}),
    )
    .await;
    page(
        &server,
        "2",
        json!({"startAt":2,"maxResults":2,"isLast":false,"values":[{"id":3},{"id":4}]}),
    )
    .await;
    let body = fetch_up_to(
        &client(&server),
        &plan("getDynamicWebhooksForApp"),
        Pagination::Offset,
        10,
        Some(3),
    )
    .await
    .unwrap();
    let merged: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(merged["values"], json!([{"id":1},{"id":2},{"id":3}]));
    assert_eq!(
        (merged["isLast"].clone(), merged["maxResults"].clone()),
        (json!(false), json!(3))
    );
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 2, "no page after the limit is asked for");
    Mock::given(path("/rest/api/3/webhook/failed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"values":[{"id":"a"},{"id":"b"}],"maxResults":2,"next":format!("{}/rest/api/3/webhook/failed?failedAfter=2", server.uri())}),
        ))
        .mount(&server)
        .await;
    let body = fetch_up_to(
        &client(&server),
        &plan("getFailedWebhooks"),
        Pagination::Cursor,
        10,
        Some(1),
    )
    .await
    .unwrap();
    let merged: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(merged["values"], json!([{"id":"a"}]));
    assert!(
        merged.get("next").is_none(),
        "a cursor after `b` would skip it: {merged}"
    );
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
    // A new item on every page, never the last: only the cap ends it.
    Mock::given(path("/rest/api/3/webhook"))
        .respond_with(|request: &wiremock::Request| {
            let start = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "startAt")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            ResponseTemplate::new(200)
                .set_body_json(json!({"isLast":false,"values":[{"id":start}]}))
        })
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

fn plan_with(operation_id: &str, values: &[(&str, &str)], body: Option<&str>) -> RequestPlan {
    let values: Vec<(String, Vec<String>)> = values
        .iter()
        .map(|(n, v)| (n.to_string(), vec![v.to_string()]))
        .collect();
    RequestPlan::build(
        ops::by_operation_id(operation_id).unwrap(),
        &values,
        body.map(|b| b.as_bytes().to_vec()),
    )
    .unwrap()
}

const SEARCH: &str = "/rest/api/3/search/jql";

async fn token_page(server: &MockServer, token: Option<&str>, body: Value) {
    let mut mock = Mock::given(method("GET")).and(path(SEARCH));
    mock = match token {
        Some(token) => mock.and(query_param("nextPageToken", token)),
        None => mock.and(wiremock::matchers::query_param_is_missing("nextPageToken")),
    };
    mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn token_pages_are_followed_with_next_page_token() {
    let server = MockServer::start().await;
    token_page(
        &server,
        None,
        json!({"issues":[{"id":"1"}],"nextPageToken":"t1","isLast":false}),
    )
    .await;
    token_page(
        &server,
        Some("t1"),
        json!({"issues":[{"id":"2"}],"nextPageToken":"t2","isLast":false}),
    )
    .await;
    token_page(
        &server,
        Some("t2"),
        json!({"issues":[{"id":"3"}],"isLast":true}),
    )
    .await;
    let plan = plan_with(
        "searchAndReconsileIssuesUsingJql",
        &[("jql", "project = ABC")],
        None,
    );
    let body = fetch_all(&client(&server), &plan, Pagination::Token, 10)
        .await
        .unwrap();
    assert_eq!(
        std::str::from_utf8(&body).unwrap(),
        r#"{"issues":[{"id":"1"},{"id":"2"},{"id":"3"}],"isLast":true}"#
    );
}

#[tokio::test]
async fn an_empty_token_page_with_a_new_token_is_followed() {
    let server = MockServer::start().await;
    token_page(
        &server,
        None,
        json!({"issues":[],"nextPageToken":"t1","isLast":false}),
    )
    .await;
    token_page(&server, Some("t1"), json!({"issues":[{"id":"2"}]})).await;
    let plan = plan_with(
        "searchAndReconsileIssuesUsingJql",
        &[("jql", "project = ABC")],
        None,
    );
    let body = fetch_all(&client(&server), &plan, Pagination::Token, 10)
        .await
        .unwrap();
    let merged: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(merged["issues"], json!([{"id":"2"}]));
}

/// A server that hands out a fresh token with every empty page is followed
/// for three empty pages, not up to `--max-pages`.
#[tokio::test]
async fn three_empty_token_pages_in_a_row_stop_with_an_error_saying_so() {
    let server = MockServer::start().await;
    token_page(
        &server,
        None,
        json!({"issues":[],"nextPageToken":"t1","isLast":false}),
    )
    .await;
    for n in 1..=10 {
        token_page(
            &server,
            Some(&format!("t{n}")),
            json!({"issues":[],"nextPageToken":format!("t{}", n + 1),"isLast":false}),
        )
        .await;
    }
    let plan = plan_with("searchAndReconsileIssuesUsingJql", &[("jql", "x")], None);
    let err = fetch_all(&client(&server), &plan, Pagination::Token, 1000)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.message().contains("pages were empty"),
        "{}",
        err.message()
    );
    let sent = server.received_requests().await.unwrap().len();
    assert!(sent <= 5, "{sent} requests");
    assert_eq!(sent, 3);
}

#[tokio::test]
async fn an_item_between_empty_token_pages_starts_the_count_again() {
    let server = MockServer::start().await;
    let pages = [
        json!({"issues":[],"nextPageToken":"t1"}),
        json!({"issues":[],"nextPageToken":"t2"}),
        json!({"issues":[{"id":"1"}],"nextPageToken":"t3"}),
        json!({"issues":[],"nextPageToken":"t4"}),
        json!({"issues":[],"nextPageToken":"t5"}),
        json!({"issues":[{"id":"2"}],"isLast":true}),
    ];
    for (n, body) in pages.into_iter().enumerate() {
        let token = (n > 0).then(|| format!("t{n}"));
        token_page(&server, token.as_deref(), body).await;
    }
    let plan = plan_with("searchAndReconsileIssuesUsingJql", &[("jql", "x")], None);
    let body = fetch_all(&client(&server), &plan, Pagination::Token, 1000)
        .await
        .unwrap();
    let merged: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(merged["issues"], json!([{"id":"1"},{"id":"2"}]));
}

#[tokio::test]
async fn a_repeated_token_stops_with_exit_1() {
    let server = MockServer::start().await;
    token_page(
        &server,
        None,
        json!({"issues":[{"id":"1"}],"nextPageToken":"t1"}),
    )
    .await;
    token_page(
        &server,
        Some("t1"),
        json!({"issues":[{"id":"1"}],"nextPageToken":"t1"}),
    )
    .await;
    let plan = plan_with("searchAndReconsileIssuesUsingJql", &[("jql", "x")], None);
    let err = fetch_all(&client(&server), &plan, Pagination::Token, 50)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.message().contains("twice"), "{}", err.message());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_post_search_sends_its_token_in_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SEARCH))
        .and(wiremock::matchers::body_json(
            json!({"jql":"project = ABC","nextPageToken":"t1"}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"issues":[{"id":"2"}],"isLast":true})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SEARCH))
        .and(wiremock::matchers::body_json(
            json!({"jql":"project = ABC"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"issues":[{"id":"1"}],"nextPageToken":"t1","isLast":false})),
        )
        .mount(&server)
        .await;
    let plan = plan_with(
        "searchAndReconsileIssuesUsingJqlPost",
        &[],
        Some(r#"{"jql":"project = ABC"}"#),
    );
    let body = fetch_all(&client(&server), &plan, Pagination::Token, 10)
        .await
        .unwrap();
    let merged: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(merged["issues"], json!([{"id":"1"},{"id":"2"}]));
}

/// An offset listing of `total` webhooks in pages of `size`, answering any `startAt`.
async fn offset_listing(server: &MockServer, total: i64, size: i64) {
    for start in (0..total).step_by(size as usize) {
        let values: Vec<Value> = (start..(start + size).min(total))
            .map(|id| json!({"id": 9007199254740000_i64 + id}))
            .collect();
        page(
            server,
            &start.to_string(),
            json!({"maxResults":size,"startAt":start,"total":total,"isLast":start + size >= total,"values":values}),
        )
        .await;
    }
}

#[tokio::test]
async fn offset_pages_with_a_total_arrive_in_order() {
    let server = MockServer::start().await;
    offset_listing(&server, 23, 2).await;
    let body = fetch_all(
        &client(&server),
        &plan("getDynamicWebhooksForApp"),
        Pagination::Offset,
        100,
    )
    .await
    .unwrap();
    let merged: Value = serde_json::from_slice(&body).unwrap();
    let ids: Vec<i64> = merged["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = (0..23).map(|id| 9007199254740000 + id).collect();
    assert_eq!(ids, expected);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        12,
        "no page fetched twice"
    );
}

#[tokio::test]
async fn a_users_start_at_is_where_paging_begins() {
    let server = MockServer::start().await;
    offset_listing(&server, 6, 2).await;
    let plan = plan_with("getDynamicWebhooksForApp", &[("startAt", "2")], None);
    let body = fetch_all(&client(&server), &plan, Pagination::Offset, 100)
        .await
        .unwrap();
    let merged: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(merged["values"].as_array().unwrap().len(), 4);
    assert_eq!(merged["startAt"], json!(2));
}

#[tokio::test]
async fn an_offset_page_that_ignores_start_at_stops_instead_of_repeating() {
    let server = MockServer::start().await;
    Mock::given(path("/rest/api/3/webhook"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"startAt":0,"maxResults":1,"isLast":false,"values":[{"id":1}]}),
            ),
        )
        .mount(&server)
        .await;
    let err = fetch_all(
        &client(&server),
        &plan("getDynamicWebhooksForApp"),
        Pagination::Offset,
        50,
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.message().contains("startAt"), "{}", err.message());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// Issue 12: a server that ignores `startAt` and does not echo it sent jr
/// through 1,000 identical pages (and duplicates into `--stream`).
#[tokio::test]
async fn offset_pages_repeating_the_same_items_without_start_at_stop() {
    let server = MockServer::start().await;
    Mock::given(path("/rest/api/3/webhook"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"maxResults":2,"isLast":false,"values":[{"id":1},{"id":2}]})),
        )
        .mount(&server)
        .await;
    let err = fetch_all(
        &client(&server),
        &plan("getDynamicWebhooksForApp"),
        Pagination::Offset,
        1000,
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.message().contains("same items"), "{}", err.message());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// Issue 12: 60 pages of 5 MB grew to 336 MB under a 10 MB limit, then failed
/// with nothing printed; the merged answer now obeys the limit, naming --stream.
#[tokio::test]
async fn a_merged_answer_obeys_the_response_size_limit() {
    let server = MockServer::start().await;
    let big = "x".repeat(600);
    Mock::given(path("/rest/api/3/webhook"))
        .respond_with(move |request: &wiremock::Request| {
            let start: i64 = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "startAt")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            ResponseTemplate::new(200).set_body_json(
                json!({"startAt":start,"isLast":false,"values":[{"id":start,"pad":big}]}),
            )
        })
        .mount(&server)
        .await;
    let err = fetch_all(
        &client(&server).with_max_response_bytes(2_000),
        &plan("getDynamicWebhooksForApp"),
        Pagination::Offset,
        100,
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.message().contains("merged answer of 4 pages"),
        "{}",
        err.message()
    );
    assert!(err.hint().unwrap_or_default().contains("--stream"));
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn pages_stream_one_at_a_time_and_can_stop_early() {
    let server = MockServer::start().await;
    offset_listing(&server, 10, 2).await;
    let mut seen = Vec::new();
    jr_core::paginate::for_each_page(
        &client(&server),
        &plan("getDynamicWebhooksForApp"),
        Pagination::Offset,
        100,
        &mut |page| {
            seen.push(page.items().len());
            Ok(if seen.len() == 2 {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            })
        },
    )
    .await
    .unwrap();
    assert_eq!(seen, [2, 2]);
}

#[tokio::test]
async fn a_page_shorter_than_planned_makes_paging_continue_from_where_it_ended() {
    let server = MockServer::start().await;
    let answer = |start: i64, ids: &[i64], last: bool| {
        let values: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
        json!({"startAt":start,"maxResults":2,"total":5,"isLast":last,"values":values})
    };
    page(&server, "0", answer(0, &[1, 2], false)).await;
    page(&server, "2", answer(2, &[3], false)).await;
    page(&server, "3", answer(3, &[4, 5], true)).await;
    page(&server, "4", answer(4, &[5], true)).await;
    let body = fetch_all(
        &client(&server),
        &plan("getDynamicWebhooksForApp"),
        Pagination::Offset,
        100,
    )
    .await
    .unwrap();
    let merged: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        merged["values"],
        json!([{"id":1},{"id":2},{"id":3},{"id":4},{"id":5}]),
        "nothing skipped or repeated"
    );
}

#[tokio::test]
async fn later_offset_pages_are_requested_while_an_earlier_one_is_still_pending() {
    let server = MockServer::start().await;
    let answer = |start: i64| {
        json!({"startAt":start,"maxResults":2,"total":10,"isLast":start == 8,
               "values":[{"id":start},{"id":start + 1}]})
    };
    page(&server, "0", answer(0)).await;
    // The second page hangs; a sequential client would never ask for the third.
    Mock::given(method("GET"))
        .and(path("/rest/api/3/webhook"))
        .and(query_param("startAt", "2"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .mount(&server)
        .await;
    for start in [4, 6] {
        page(&server, &start.to_string(), answer(start)).await;
    }
    let client = client(&server);
    let list = plan("getDynamicWebhooksForApp");
    let listing = fetch_all(&client, &list, Pagination::Offset, 100);
    let watch = async {
        for _ in 0..500 {
            let seen = server.received_requests().await.unwrap_or_default();
            let starts: Vec<String> = seen
                .iter()
                .filter_map(|r| {
                    r.url
                        .query_pairs()
                        .find(|(k, _)| k == "startAt")
                        .map(|(_, v)| v.into_owned())
                })
                .collect();
            if ["2", "4", "6"]
                .iter()
                .all(|s| starts.iter().any(|x| x == s))
            {
                return starts;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("pages after the pending one were never requested");
    };
    tokio::select! {
        _ = listing => panic!("the listing cannot finish while page 2 hangs"),
        starts = watch => assert!(starts.len() <= 1 + jr_core::paginate::CONCURRENT_PAGES, "{starts:?}"),
    }
}
