//! The issue operations beyond create, get, edit, transition, delete and
//! comments: `update` operations, fields on a transition, the changelog,
//! properties, worklogs, assignee, labels, subtasks and the approximate
//! count, over HTTP, each change delivered through the engine.

use serde_json::{Value, json};

use crate::common::*;
use crate::issues::{new_issue, received, settle};
use jr_mock::FakeJira;

/// A fake with one webhook for `events` (JQL `project = ABC`) at a
/// receiver, and the issues `summaries` created in ABC.
async fn with_issues(events: &[&str], summaries: &[&str]) -> (FakeJira, wiremock::MockServer) {
    let jira = fake().await;
    let hook = receiver(200).await;
    let hooks = json!({"url": format!("{}/hook", hook.uri()),
        "webhooks": [{"events": events, "jqlFilter": "project = ABC"}]});
    let (status, body) = call(&jira, "POST", "/rest/api/3/webhook", OAUTH, Some(hooks)).await;
    assert_eq!(status, 200, "{body}");
    for s in summaries {
        let (status, body) = call(
            &jira,
            "POST",
            "/rest/api/3/issue",
            OAUTH,
            Some(new_issue("ABC", s)),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    (jira, hook)
}

fn field_ids(event: &Value) -> Vec<&str> {
    let mut ids: Vec<&str> = event["changelog"]["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["fieldId"].as_str()).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn update_operations_and_fields_on_a_transition_change_the_issue_and_fire_their_changelog() {
    let (jira, hook) = with_issues(&["jira:issue_updated"], &["First"]).await;
    let edit =
        json!({"update": {"labels": [{"add": "a"}, {"add": "b"}], "summary": [{"set": "Second"}]}});
    let (status, body) = call(&jira, "PUT", "/rest/api/3/issue/ABC-1", OAUTH, Some(edit)).await;
    assert_eq!(status, 204, "{body}");
    let remove = json!({"update": {"labels": [{"remove": "a"}]}});
    let (status, _) = call(&jira, "PUT", "/rest/api/3/issue/ABC-1", OAUTH, Some(remove)).await;
    assert_eq!(status, 204);
    let both = json!({"fields": {"labels": []}, "update": {"labels": [{"add": "c"}]}});
    let (status, body) = call(&jira, "PUT", "/rest/api/3/issue/ABC-1", OAUTH, Some(both)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"]["labels"],
        "Field 'labels' cannot be specified in both 'fields' and 'update'."
    );
    let wrong = json!({"update": {"summary": [{"add": "x"}]}});
    let (status, body) = call(&jira, "PUT", "/rest/api/3/issue/ABC-1", OAUTH, Some(wrong)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"]["summary"],
        "Field 'summary' does not support operation 'add'."
    );
    let move_it = json!({"transition": {"id": "31"}, "fields": {"summary": "Shipped"},
        "update": {"labels": [{"add": "done"}]}});
    let (status, body) = call(
        &jira,
        "POST",
        "/rest/api/3/issue/ABC-1/transitions",
        OAUTH,
        Some(move_it),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (_, issue) = call(&jira, "GET", "/rest/api/3/issue/ABC-1", OAUTH, None).await;
    assert_eq!(issue["fields"]["labels"], json!(["b", "done"]));
    assert_eq!(issue["fields"]["summary"], "Shipped");
    assert_eq!(issue["fields"]["status"]["name"], "Done");

    settle(&jira).await;
    let bodies = received(&hook).await;
    assert_eq!(bodies.len(), 3, "{bodies:?}");
    assert_eq!(field_ids(&bodies[0]), ["labels", "summary"]);
    assert_eq!(bodies[1]["changelog"]["items"][0]["toString"], "b");
    assert_eq!(bodies[2]["issue_event_type_name"], "issue_generic");
    assert_eq!(field_ids(&bodies[2]), ["labels", "status", "summary"]);
}
