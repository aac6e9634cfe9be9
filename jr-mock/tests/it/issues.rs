//! The stateful issue operations over HTTP: create, get, edit, transition,
//! delete, each firing its webhook through the delivery engine (signed,
//! matched by event and JQL), saved with `--state`, seeded with `--seed`.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;
use jr_mock::{FakeJira, MockConfig};

pub(crate) fn adf(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]})
}

pub(crate) fn new_issue(project: &str, summary: &str) -> Value {
    json!({"fields": {"project": {"key": project}, "issuetype": {"name": "Task"},
        "summary": summary, "description": adf("Details")}})
}

/// Registers one webhook for the three issue events with `jql` at `url`.
async fn register_issue_events(jira: &FakeJira, url: &str, jql: &str) {
    let hooks = json!({"url": url, "webhooks": [{"events":
        ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"], "jqlFilter": jql}]});
    let (status, body) = call(jira, "POST", "/rest/api/3/webhook", OAUTH, Some(hooks)).await;
    assert_eq!(status, 200, "{body}");
}

pub(crate) async fn settle(jira: &FakeJira) {
    let (status, body) = call(jira, "GET", "/_mock/settle", Auth::None, None).await;
    assert_eq!(status, 200, "{body}");
}

/// The JSON bodies the receiver got, in order, after checking each
/// delivery's bearer JWT under the OAuth app's client secret.
pub(crate) async fn received(server: &MockServer) -> Vec<Value> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .map(|r| {
            let auth = r.headers.get("authorization").unwrap().to_str().unwrap();
            let token = auth.strip_prefix("Bearer ").unwrap();
            let claims = jr_mock::jwt::decode(token)
                .unwrap()
                .verify(b"oauth-app-secret", START_MS / 1000, 60)
                .unwrap();
            assert_eq!(claims["iss"], "oauth-app");
            serde_json::from_slice(&r.body).unwrap()
        })
        .collect()
}

#[tokio::test]
async fn an_issue_lives_through_create_edit_transition_and_delete_and_each_change_is_delivered() {
    let jira = fake().await;
    let hook = receiver(200).await;
    register_issue_events(&jira, &format!("{}/hook", hook.uri()), "project = ABC").await;

    let (status, created) = call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        OAUTH,
        Some(new_issue("ABC", "First")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["key"], "ABC-1");
    assert_eq!(created["id"], "10000");
    let (status, issue) = call(&jira, "GET", "/rest/api/3/issue/ABC-1", OAUTH, None).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(issue["fields"]["summary"], "First");
    assert_eq!(issue["fields"]["status"]["name"], "To Do");
    assert_eq!(
        issue["fields"]["reporter"]["accountId"],
        "5b10ac8d82e05b22cc7d4ef5"
    );
    let (_, only) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/10000?fields=summary,labels",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(only["fields"].as_object().unwrap().len(), 2, "{only}");

    let edit = json!({"fields": {"summary": "Renamed", "labels": ["urgent"]}});
    let (status, body) = call(
        &jira,
        "PUT",
        "/rest/api/3/issue/ABC-1",
        OAUTH,
        Some(edit.clone()),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = call(
        &jira,
        "PUT",
        "/rest/api/3/issue/ABC-1?returnIssue=true",
        OAUTH,
        Some(edit),
    )
    .await;
    assert_eq!(
        (status, body["fields"]["summary"].as_str()),
        (200, Some("Renamed")),
        "an edit changing nothing"
    );
    let (status, listed) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-1/transitions",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = listed["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(ids, ["21", "31"]);
    let (status, refused) = call(
        &jira,
        "POST",
        "/rest/api/3/issue/ABC-1/transitions",
        OAUTH,
        Some(json!({"transition": {"id": "11"}})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        refused["errorMessages"][0],
        "Transition id '11' is not valid for this issue."
    );
    let (status, _) = call(
        &jira,
        "POST",
        "/rest/api/3/issue/ABC-1/transitions",
        OAUTH,
        Some(json!({"transition": {"id": "31"}})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(&jira, "DELETE", "/rest/api/3/issue/ABC-1", OAUTH, None).await;
    assert_eq!(status, 204);
    let (status, gone) = call(&jira, "GET", "/rest/api/3/issue/ABC-1", OAUTH, None).await;
    assert_eq!(status, 404);
    assert_eq!(
        gone,
        json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}})
    );

    settle(&jira).await;
    let bodies = received(&hook).await;
    let kinds: Vec<(&str, &str)> = bodies
        .iter()
        .map(|b| {
            (
                b["webhookEvent"].as_str().unwrap(),
                b["issue_event_type_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("jira:issue_created", "issue_created"),
            ("jira:issue_updated", "issue_updated"),
            ("jira:issue_updated", "issue_generic"),
            ("jira:issue_deleted", "issue_deleted"),
        ]
    );
    for b in &bodies {
        assert_eq!(b["user"]["accountId"], "5b10ac8d82e05b22cc7d4ef5");
        assert_eq!(b["issue"]["key"], "ABC-1");
        assert_eq!(b["timestamp"], START_MS);
        assert_eq!(b["matchedWebhookIds"], json!([10001]));
    }
    let items = bodies[1]["changelog"]["items"].as_array().unwrap();
    let fields: Vec<&str> = items.iter().filter_map(|i| i["fieldId"].as_str()).collect();
    assert_eq!(fields, ["summary", "labels"]);
    assert_eq!(items[0]["fromString"], "First");
    assert_eq!(items[0]["toString"], "Renamed");
    assert_eq!(bodies[2]["changelog"]["items"][0]["toString"], "Done");
    assert_eq!(bodies[2]["issue"]["fields"]["status"]["name"], "Done");
    let log = jira.deliveries();
    assert_eq!(log.len(), 4);
    assert!(log.iter().all(|a| a.status == Some(200)), "{log:?}");
}

#[tokio::test]
async fn refused_creates_name_each_field_with_jiras_texts_and_fire_nothing() {
    let jira = fake().await;
    let hook = receiver(200).await;
    register_issue_events(&jira, &format!("{}/hook", hook.uri()), "project = ABC").await;
    let (status, body) = call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        USER,
        Some(json!({"fields": {}})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"]["project"],
        "Specify a valid project ID or key"
    );
    assert_eq!(body["errors"]["issuetype"], "Specify an issue type");
    assert_eq!(
        body["errors"]["summary"],
        "You must specify a summary of the issue."
    );
    let plain = json!({"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Task"},
        "summary": "s", "description": "plain text"}});
    let (status, body) = call(&jira, "POST", "/rest/api/3/issue", USER, Some(plain)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("Atlassian Document"), "{body}");
    let (status, _) = call(&jira, "GET", "/rest/api/3/issue/ABC-1", Auth::None, None).await;
    assert_eq!(status, 401, "every stateful operation needs credentials");
    settle(&jira).await;
    assert!(jira.deliveries().is_empty());
    assert!(jira.snapshot().issues.issues.is_empty());
}

#[tokio::test]
async fn only_webhooks_whose_jql_matches_get_the_event_and_unmodelled_operations_keep_the_catalog()
{
    let jira = fake().await;
    let hook = receiver(200).await;
    register_issue_events(
        &jira,
        &format!("{}/hook", hook.uri()),
        "project = XYZ AND issuetype = Bug",
    )
    .await;
    let (status, _) = call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        USER,
        Some(new_issue("ABC", "not this one")),
    )
    .await;
    assert_eq!(status, 201);
    let bug = json!({"fields": {"project": {"id": "10001"}, "issuetype": {"id": "10002"}, "summary": "bug"}});
    let (status, created) = call(&jira, "POST", "/rest/api/3/issue", USER, Some(bug)).await;
    assert_eq!((status, created["key"].as_str()), (201, Some("XYZ-1")));
    settle(&jira).await;
    let bodies = received(&hook).await;
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["issue"]["key"], "XYZ-1");
    assert_eq!(
        bodies[0]["user"]["emailAddress"],
        Value::Null,
        "the event's user carries no email"
    );
    // The issue picker shares the /issue/ prefix and stays the catalog's.
    let (status, picker) = call(&jira, "GET", "/rest/api/3/issue/picker", USER, None).await;
    assert_eq!(status, 200, "{picker}");
    assert!(picker.get("errorMessages").is_none(), "{picker}");
}

#[tokio::test]
async fn a_write_answers_before_its_delivery_and_settle_waits_for_it() {
    let jira = fake().await;
    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(2)))
        .mount(&slow)
        .await;
    register_issue_events(&jira, &format!("{}/hook", slow.uri()), "project = ABC").await;
    let (status, _) = call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        USER,
        Some(new_issue("ABC", "s")),
    )
    .await;
    assert_eq!(status, 201);
    assert!(
        jira.deliveries().is_empty(),
        "the answer did not wait for the receiver"
    );
    settle(&jira).await;
    assert_eq!(jira.deliveries().len(), 1);
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_retries_and_failure_record_as_mock_events() {
    let jira = fake().await;
    let hook = receiver(500).await;
    register_issue_events(&jira, &format!("{}/hook", hook.uri()), "project = ABC").await;
    let (status, _) = call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        OAUTH,
        Some(new_issue("ABC", "s")),
    )
    .await;
    assert_eq!(status, 201);
    settle(&jira).await;
    for _ in 0..5 {
        advance(&jira, 60_000).await;
    }
    let log = jira.deliveries();
    assert_eq!(log.len(), 6, "attempt 1 and five retries");
    let (_, failed) = call(&jira, "GET", "/_mock/failed", Auth::None, None).await;
    assert_eq!(failed["failed"].as_array().unwrap().len(), 1, "{failed}");
}

#[tokio::test]
async fn issues_survive_a_restart_with_state_and_keys_keep_counting() {
    let dir = std::env::temp_dir().join(format!("jr-mock-issues-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let with_state = || MockConfig {
        state_file: Some(state.clone()),
        ..config()
    };
    {
        let jira = FakeJira::start_with(with_state()).await;
        let (status, _) = call(
            &jira,
            "POST",
            "/rest/api/3/issue",
            USER,
            Some(new_issue("ABC", "kept")),
        )
        .await;
        assert_eq!(status, 201);
    }
    let jira = FakeJira::start_with(with_state()).await;
    let (status, issue) = call(&jira, "GET", "/rest/api/3/issue/ABC-1", USER, None).await;
    assert_eq!(
        (status, issue["fields"]["summary"].as_str()),
        (200, Some("kept"))
    );
    let (_, next) = call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        USER,
        Some(new_issue("ABC", "next")),
    )
    .await;
    assert_eq!(next["key"], "ABC-2");
    drop(jira);
    // A seed without project ABC cannot take this state.
    let mut other = config();
    other.state_file = Some(state.clone());
    other.site.projects.retain(|p| p.key != "ABC");
    let refused = FakeJira::try_start_with(other)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("issue ABC-1 is in project ABC, which the seed does not have"),
        "{refused}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_binary_takes_a_seed_file_and_refuses_a_bad_one_naming_the_value() {
    let dir = std::env::temp_dir().join(format!("jr-mock-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("seed.json");
    let mut bad = jr_mock::model::seed::Seed::default();
    bad.projects[0].lead = "nobody".into();
    std::fs::write(&seed, serde_json::to_string(&bad).unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jr-mock"))
        .args(["--port", "0", "--seed"])
        .arg(&seed)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("projects[0].lead: no user has the account ID \"nobody\""),
        "{stderr}"
    );
    let mut good = jr_mock::model::seed::Seed::default();
    good.projects[0].key = "QQ".into();
    std::fs::write(&seed, serde_json::to_string(&good).unwrap()).unwrap();
    let bin = Binary::start(&["--seed", seed.to_str().unwrap()]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (status, body) = rt.block_on(send(
        "POST",
        &format!("{}/rest/api/3/issue", bin.url),
        USER,
        Some(&new_issue("QQ", "seeded")),
    ));
    assert_eq!(
        (status, body["key"].as_str()),
        (201, Some("QQ-1")),
        "{body}"
    );
    drop(bin);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// GET and POST `/rest/api/3/search/jql` answer from the model: the JQL
/// filters and orders, `fields` selects, `nextPageToken` walks every
/// match once, and a foreign token or unsupported JQL is a 400.
#[tokio::test]
async fn search_jql_answers_from_the_model_and_pages_by_token() {
    let jira = fake().await;
    for (project, summary) in [
        ("ABC", "Login fails"),
        ("XYZ", "Other"),
        ("ABC", "Logout"),
        ("ABC", "login page"),
    ] {
        let (status, body) = call(
            &jira,
            "POST",
            "/rest/api/3/issue",
            OAUTH,
            Some(new_issue(project, summary)),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let mut url = "/rest/api/3/search/jql?jql=project%20%3D%20ABC%20ORDER%20BY%20key%20DESC&maxResults=1&fields=summary".to_owned();
        if let Some(t) = &token {
            url.push_str(&format!("&nextPageToken={t}"));
        }
        let (status, page) = call(&jira, "GET", &url, OAUTH, None).await;
        assert_eq!(status, 200, "{page}");
        let issues = page["issues"].as_array().unwrap();
        assert_eq!(issues.len(), 1, "{page}");
        assert_eq!(issues[0]["fields"].as_object().unwrap().len(), 1, "{page}");
        keys.push(issues[0]["key"].as_str().unwrap().to_owned());
        token = page["nextPageToken"].as_str().map(str::to_owned);
        assert_eq!(page["isLast"], token.is_none(), "{page}");
        if token.is_none() {
            break;
        }
    }
    assert_eq!(keys, ["ABC-3", "ABC-2", "ABC-1"]);

    // Without `fields`, each issue is only its ID, as Jira's enhanced search answers.
    let (_, bare) = call(
        &jira,
        "GET",
        "/rest/api/3/search/jql?jql=project%3DABC&maxResults=1",
        OAUTH,
        None,
    )
    .await;
    let only = bare["issues"][0]
        .as_object()
        .map(|o| o.keys().cloned().collect::<Vec<_>>());
    assert_eq!(only, Some(vec!["id".to_owned()]), "{bare}");

    let body = json!({"jql": "summary ~ login AND project IN (ABC, XYZ)", "fields": ["summary", "status"]});
    let (status, page) = call(&jira, "POST", "/rest/api/3/search/jql", OAUTH, Some(body)).await;
    assert_eq!(status, 200, "{page}");
    let found: Vec<&Value> = page["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["key"])
        .collect();
    assert_eq!(found, [&json!("ABC-1"), &json!("ABC-3")], "{page}");
    assert_eq!(page["isLast"], true);
    assert!(page.get("nextPageToken").is_none(), "{page}");

    let (status, body) = call(
        &jira,
        "GET",
        "/rest/api/3/search/jql?jql=project%3DABC&nextPageToken=1-0000000000000000",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["nextPageToken"].is_string(), "{body}");
    let (status, body) = call(
        &jira,
        "GET",
        "/rest/api/3/search/jql?jql=votes%20%3D%201",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errorMessages"][0],
        "Field 'votes' does not exist or you do not have permission to view it."
    );
    let (status, _) = call(
        &jira,
        "GET",
        "/rest/api/3/search/jql?jql=project%3DABC",
        Auth::None,
        None,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn bulk_create_answers_each_element_with_jiras_shape_and_fires_one_event_per_created_issue() {
    let jira = fake().await;
    let hook = receiver(200).await;
    register_issue_events(&jira, &format!("{}/hook", hook.uri()), "project = ABC").await;
    let bad = json!({"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Task"}}});
    let bulk = json!({"issueUpdates": [new_issue("ABC", "One"), bad, new_issue("ABC", "Two")]});
    let (status, body) = call(&jira, "POST", "/rest/api/3/issue/bulk", OAUTH, Some(bulk)).await;
    assert_eq!(status, 201, "{body}");
    let keys: Vec<&Value> = body["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["key"])
        .collect();
    assert_eq!(keys, [&json!("ABC-1"), &json!("ABC-2")]);
    assert!(
        body["issues"][1]["self"]
            .as_str()
            .unwrap()
            .ends_with("/rest/api/3/issue/10001")
    );
    assert_eq!(
        body["errors"],
        json!([{"status": 400, "failedElementNumber": 1, "elementErrors": {"errorMessages": [],
            "errors": {"summary": "You must specify a summary of the issue."}}}])
    );
    settle(&jira).await;
    let bodies = received(&hook).await;
    // Deliveries run concurrently: their arrival order is not the creation order.
    let mut created: Vec<String> = bodies
        .iter()
        .filter_map(|b| b["issue"]["key"].as_str().map(str::to_owned))
        .collect();
    created.sort();
    assert_eq!(created, ["ABC-1", "ABC-2"]);
    assert!(
        bodies
            .iter()
            .all(|b| b["webhookEvent"] == "jira:issue_created")
    );

    let all_bad =
        json!({"issueUpdates": [{"fields": {}}, {"fields": {"project": {"key": "NOPE"}}}]});
    let (status, body) = call(
        &jira,
        "POST",
        "/rest/api/3/issue/bulk",
        OAUTH,
        Some(all_bad),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["issues"], json!([]));
    assert_eq!(body["errors"][0]["failedElementNumber"], 0);
    assert_eq!(
        body["errors"][0]["elementErrors"]["errors"]["project"],
        "Specify a valid project ID or key"
    );
    assert_eq!(body["errors"][1]["failedElementNumber"], 1);
    settle(&jira).await;
    assert_eq!(
        jira.snapshot().issues.issues.len(),
        2,
        "a failed element changes nothing"
    );
}

/// The `X-Atlassian-Webhook-Flow` header and JSON body of each delivery, in order.
async fn received_with_flow(server: &MockServer) -> Vec<(String, Value)> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .map(|r| {
            let flow = r.headers.get("x-atlassian-webhook-flow").unwrap();
            let body = serde_json::from_slice(&r.body).unwrap();
            (flow.to_str().unwrap().to_owned(), body)
        })
        .collect()
}

#[tokio::test]
async fn comments_are_added_paged_edited_and_deleted_and_an_issues_deletion_cascades_as_secondary()
{
    let jira = fake().await;
    let hook = receiver(200).await;
    let hooks = json!({"url": format!("{}/hook", hook.uri()), "webhooks": [{"events":
        ["jira:issue_updated", "jira:issue_deleted", "comment_created", "comment_updated",
         "comment_deleted"], "jqlFilter": "project = ABC"}]});
    let (status, body) = call(&jira, "POST", "/rest/api/3/webhook", OAUTH, Some(hooks)).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        OAUTH,
        Some(new_issue("ABC", "c")),
    )
    .await;
    assert_eq!(status, 201);
    let comments = "/rest/api/3/issue/ABC-1/comment";
    for text in ["one", "two", "three"] {
        let (status, body) = call(
            &jira,
            "POST",
            comments,
            USER,
            Some(json!({"body": adf(text)})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["author"]["accountId"], "5b10ac8d82e05b22cc7d4ef5");
    }
    let (status, body) = call(
        &jira,
        "POST",
        comments,
        USER,
        Some(json!({"body": "plain"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("Atlassian Document"), "{body}");
    let (status, page) = call(
        &jira,
        "GET",
        &format!("{comments}?startAt=1&maxResults=1"),
        USER,
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (
            page["startAt"].as_u64(),
            page["maxResults"].as_u64(),
            page["total"].as_u64()
        ),
        (Some(1), Some(1), Some(3))
    );
    assert_eq!(page["comments"][0]["body"], adf("two"));
    assert_eq!(page["comments"].as_array().unwrap().len(), 1);
    let one = format!("{comments}/10000");
    let (status, body) = call(&jira, "PUT", &one, USER, Some(json!({"body": adf("uno")}))).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(&jira, "GET", &one, USER, None).await;
    assert_eq!((status, &body["body"]), (200, &adf("uno")));
    let (status, _) = call(&jira, "DELETE", &format!("{comments}/10001"), USER, None).await;
    assert_eq!(status, 204);
    let (status, body) = call(&jira, "GET", &format!("{comments}/10001"), USER, None).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["errorMessages"][0],
        "Can not find a comment for id: 10001."
    );
    let (status, body) = call(&jira, "GET", "/rest/api/3/issue/ABC-9/comment", USER, None).await;
    assert_eq!(
        (status, body["errorMessages"][0].as_str()),
        (404, Some(jr_mock::model::issues::NO_ISSUE))
    );
    let (status, _) = call(&jira, "DELETE", "/rest/api/3/issue/ABC-1", OAUTH, None).await;
    assert_eq!(status, 204);
    settle(&jira).await;

    let got: Vec<(String, String, String)> = received_with_flow(&hook)
        .await
        .into_iter()
        .map(|(flow, b)| {
            let name = b["webhookEvent"].as_str().unwrap().to_owned();
            let comment = b["comment"]["id"].as_str().unwrap_or("").to_owned();
            (flow, name, comment)
        })
        .collect();
    let want = |flow: &str, name: &str, comment: &str| {
        (flow.to_owned(), name.to_owned(), comment.to_owned())
    };
    let mut expected = Vec::new();
    for id in ["10000", "10001", "10002"] {
        expected.push(want("Primary", "comment_created", id));
        expected.push(want("Primary", "jira:issue_updated", id));
    }
    expected.extend([
        want("Primary", "comment_updated", "10000"),
        want("Primary", "comment_deleted", "10001"),
        want("Primary", "jira:issue_deleted", ""),
        want("Secondary", "comment_deleted", "10000"),
        want("Secondary", "comment_deleted", "10002"),
    ]);
    // Deliveries due at the same instant run concurrently: compare as sets.
    let (mut got, mut expected) = (got, expected);
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    assert!(jira.snapshot().issues.comments.is_empty());
}

#[tokio::test]
async fn comments_survive_a_restart_with_state_and_reset_clears_them() {
    let dir = std::env::temp_dir().join(format!("jr-mock-comments-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let with_state = || MockConfig {
        state_file: Some(state.clone()),
        ..config()
    };
    {
        let jira = FakeJira::start_with(with_state()).await;
        let (status, _) = call(
            &jira,
            "POST",
            "/rest/api/3/issue",
            USER,
            Some(new_issue("ABC", "k")),
        )
        .await;
        assert_eq!(status, 201);
        let (status, _) = call(
            &jira,
            "POST",
            "/rest/api/3/issue/ABC-1/comment",
            USER,
            Some(json!({"body": adf("kept")})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let jira = FakeJira::start_with(with_state()).await;
    let (status, page) = call(&jira, "GET", "/rest/api/3/issue/ABC-1/comment", USER, None).await;
    assert_eq!((status, page["total"].as_u64()), (200, Some(1)));
    assert_eq!(page["comments"][0]["body"], adf("kept"));
    let (status, _) = call(&jira, "POST", "/_mock/reset", Auth::None, None).await;
    assert!(status < 300, "reset: {status}");
    assert!(jira.snapshot().issues.comments.is_empty());
    assert_eq!(jira.snapshot().issues.next_comment_id, 10000);
    drop(jira);
    std::fs::remove_dir_all(&dir).unwrap();
}
