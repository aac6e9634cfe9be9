//! An app developer's integration loop against jr-mock's stateful issues:
//! `jr` (as the OAuth 2.0 app, through the gateway) creates, edits,
//! transitions and deletes an issue; each change reaches a local receiver
//! as Jira's signed webhook; the deleted issue is then gone (exit 3).

use crate::support::*;
use jr_mock::FakeJira;
use serde_json::{Value, json};

/// Waits until the deliveries jr-mock's Jira operations queued are done.
async fn settle(jira: &FakeJira) {
    let answer = reqwest::Client::new()
        .get(format!("{}/_mock/settle", jira.base_url()))
        .send()
        .await
        .expect("settle call");
    assert_eq!(answer.status(), 200);
}

/// The JSON bodies the receiver got, after checking each delivery's
/// bearer JWT (HS256 under the OAuth app's client secret, `iss` its client ID).
async fn received(server: &wiremock::MockServer, now_s: i64) -> Vec<Value> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .map(|r| {
            let auth = r
                .headers
                .get("authorization")
                .expect("signed")
                .to_str()
                .unwrap();
            let token = auth.strip_prefix("Bearer ").expect("a bearer JWT");
            let claims = jr_mock::jwt::decode(token)
                .unwrap()
                .verify(b"oauth-app-secret", now_s, 60)
                .expect("the signature verifies under the client secret");
            assert_eq!(claims["iss"], "oauth-app");
            serde_json::from_slice(&r.body).unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jr_creates_edits_transitions_and_deletes_an_issue_and_each_change_is_delivered_signed() {
    let jira = FakeJira::start().await;
    let hook = receiver(200).await;
    let url = format!("{}/hook", hook.uri());
    let (_, stderr, code) = run(jr_as(&jira, "oauth-app-token").args([
        "webhook",
        "register-dynamic",
        "--url",
        &url,
        "--jql",
        "project = ABC",
        "--event",
        "jira:issue_created,jira:issue_updated,jira:issue_deleted",
    ]));
    assert_eq!(code, 0, "{stderr}");

    let body = json!({"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Task"},
        "summary": "From jr", "description": {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Made by the e2e test"}]}]}}});
    let (created, stderr, code) = run(jr_as(&jira, "oauth-app-token").args([
        "issue",
        "create-issue",
        "--body",
        &body.to_string(),
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(created["key"], "ABC-1");
    settle(&jira).await;
    let now_s = jira.now_ms() / 1000;
    let first = received(&hook, now_s).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["webhookEvent"], "jira:issue_created");
    assert_eq!(first[0]["issue"]["fields"]["summary"], "From jr");

    let edit = json!({"fields": {"summary": "Renamed by jr"}}).to_string();
    let (_, stderr, code) = run(jr_as(&jira, "oauth-app-token").args([
        "issue",
        "edit",
        "--issueIdOrKey",
        "ABC-1",
        "--body",
        &edit,
    ]));
    assert_eq!(code, 0, "{stderr}");
    let transition = json!({"transition": {"id": "31"}}).to_string();
    let (_, stderr, code) = run(jr_as(&jira, "oauth-app-token").args([
        "issue",
        "do-transition",
        "--issueIdOrKey",
        "ABC-1",
        "--body",
        &transition,
    ]));
    assert_eq!(code, 0, "{stderr}");
    let (_, stderr, code) =
        run(jr_as(&jira, "oauth-app-token").args(["issue", "delete", "--issueIdOrKey", "ABC-1"]));
    assert_eq!(code, 0, "{stderr}");
    let (_, stderr, code) =
        run(jr_as(&jira, "oauth-app-token").args(["issue", "get", "--issueIdOrKey", "ABC-1"]));
    assert_eq!(code, 3, "a deleted issue is not found: {stderr}");
    assert!(stderr.contains("Issue does not exist"), "{stderr}");

    settle(&jira).await;
    let all = received(&hook, now_s).await;
    let kinds: Vec<&str> = all
        .iter()
        .filter_map(|b| b["issue_event_type_name"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "issue_created",
            "issue_updated",
            "issue_generic",
            "issue_deleted"
        ]
    );
    let item = &all[1]["changelog"]["items"][0];
    assert_eq!(
        (item["fromString"].as_str(), item["toString"].as_str()),
        (Some("From jr"), Some("Renamed by jr"))
    );
    assert_eq!(all[2]["changelog"]["items"][0]["toString"], "Done");
    assert!(
        all.iter()
            .all(|b| b["user"]["accountId"] == "5b10ac8d82e05b22cc7d4ef5")
    );
}

/// `jr search search-and-reconsile-issues-using-jql` follows jr-mock's
/// `nextPageToken` pages (one issue each) and gets every `ABC` issue
/// exactly once, newest first; the `XYZ` issue is not among them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jr_searches_created_issues_across_token_pages_and_gets_each_once() {
    let jira = FakeJira::start().await;
    for (n, project) in ["ABC", "XYZ", "ABC", "ABC"].iter().enumerate() {
        let body = json!({"fields": {"project": {"key": project},
            "issuetype": {"name": "Task"}, "summary": format!("Issue {n}")}});
        let (_, stderr, code) = run(jr_as(&jira, "oauth-app-token").args([
            "issue",
            "create-issue",
            "--body",
            &body.to_string(),
        ]));
        assert_eq!(code, 0, "{stderr}");
        // Distinct creation times, so `ORDER BY created DESC` is not a tie.
        jira.advance_ms(1_000).await.expect("the clock moves");
    }
    let (found, stderr, code) = run(jr_as(&jira, "oauth-app-token").args([
        "search",
        "search-and-reconsile-issues-using-jql",
        "--jql",
        "project = ABC ORDER BY created DESC",
        "--maxResults",
        "1",
        // Without `fields` Jira's enhanced search returns only the IDs.
        "--fields",
        "summary",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let keys: Vec<&str> = found["issues"]
        .as_array()
        .expect("the pages' issues, joined")
        .iter()
        .filter_map(|i| i["key"].as_str())
        .collect();
    assert_eq!(keys, ["ABC-3", "ABC-2", "ABC-1"]);
    // Three requests, one per page: jr followed the tokens.
    let journal: Value = reqwest::Client::new()
        .get(format!("{}/_mock/requests?limit=1000", jira.base_url()))
        .send()
        .await
        .expect("journal call")
        .json()
        .await
        .expect("journal JSON");
    let searches = journal["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/search/jql"))
        })
        .count();
    assert_eq!(searches, 3, "{journal}");
}

/// `jr issue create-issues` against jr-mock's bulk create with one good
/// and one bad element: Jira's partial success (201 with `errors`) is exit
/// 4, the whole result on stdout and one `element N: field: message` line
/// per element error on stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jr_bulk_create_with_one_bad_element_exits_4_and_names_the_element() {
    let jira = FakeJira::start().await;
    let body = json!({"issueUpdates": [
        {"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Task"}, "summary": "Good"}},
        {"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Task"}}}]});
    let (result, stderr, code) = run(jr_as(&jira, "oauth-app-token").args([
        "issue",
        "create-issues",
        "--body",
        &body.to_string(),
    ]));
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(result["issues"][0]["key"], "ABC-1");
    assert_eq!(result["errors"][0]["failedElementNumber"], 1);
    assert!(
        stderr.contains("element 1: summary: You must specify a summary of the issue."),
        "{stderr}"
    );
    assert_eq!(jira.snapshot().issues.issues.len(), 1);
}
