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
    let mut bodies = received(&hook).await;
    // Deliveries run concurrently: put them in the order of the changes.
    bodies.sort_by_key(|b| b["changelog"]["id"].as_str().map(str::to_owned));
    assert_eq!(bodies.len(), 3, "{bodies:?}");
    assert_eq!(field_ids(&bodies[0]), ["labels", "summary"]);
    assert_eq!(bodies[1]["changelog"]["items"][0]["toString"], "b");
    assert_eq!(bodies[2]["issue_event_type_name"], "issue_generic");
    assert_eq!(field_ids(&bodies[2]), ["labels", "status", "summary"]);
}

#[tokio::test]
async fn the_changelog_pages_oldest_first_and_expand_adds_it_and_the_names_to_get_and_search() {
    let (jira, _hook) = with_issues(&["jira:issue_updated"], &["First"]).await;
    for (i, s) in ["a", "b", "c"].iter().enumerate() {
        let edit = json!({"fields": {"summary": s}});
        let (status, _) = call(&jira, "PUT", "/rest/api/3/issue/ABC-1", OAUTH, Some(edit)).await;
        assert_eq!(status, 204, "edit {i}");
    }
    let (status, page) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-1/changelog?maxResults=2",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (page["total"].as_u64(), page["isLast"].as_bool()),
        (Some(3), Some(false))
    );
    assert_eq!(page["values"][0]["items"][0]["toString"], "a");
    assert_eq!(
        page["values"][0]["author"]["accountId"],
        "5b10ac8d82e05b22cc7d4ef5"
    );
    assert!(
        page["nextPage"].as_str().unwrap().ends_with("startAt=2"),
        "{page}"
    );
    let (_, last) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-1/changelog?startAt=2",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(
        (
            last["values"].as_array().unwrap().len(),
            last["isLast"].as_bool()
        ),
        (1, Some(true))
    );
    assert!(last.get("nextPage").is_none());
    let first_id = page["values"][0]["id"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    let (status, listed) = call(
        &jira,
        "POST",
        "/rest/api/3/issue/ABC-1/changelog/list",
        OAUTH,
        Some(json!({"changelogIds": [first_id, 99999]})),
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["histories"][0]["items"][0]["toString"], "a");
    let (status, missing) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-9/changelog",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(status, 404, "{missing}");

    let (_, issue) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-1?expand=changelog,names&fields=summary",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(issue["changelog"]["total"], 3, "{issue}");
    assert_eq!(
        issue["changelog"]["histories"][2]["items"][0]["toString"],
        "c"
    );
    assert_eq!(issue["names"], json!({"summary": "Summary"}));
    let (_, plain) = call(&jira, "GET", "/rest/api/3/issue/ABC-1", OAUTH, None).await;
    assert!(plain.get("changelog").is_none() && plain.get("names").is_none());
    let search = json!({"jql": "project = ABC", "fields": ["summary", "status"], "expand": "changelog,names"});
    let (status, found) = call(&jira, "POST", "/rest/api/3/search/jql", OAUTH, Some(search)).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["issues"][0]["changelog"]["total"], 3);
    assert_eq!(found["names"]["status"], "Status");
    let (_, found) = call(
        &jira,
        "GET",
        "/rest/api/3/search/jql?jql=project%3DABC&expand=changelog",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(
        found["issues"][0]["changelog"]["histories"][0]["items"][0]["fieldId"],
        "summary"
    );
}

#[tokio::test]
async fn properties_answer_jiras_codes_and_fire_their_events_through_the_key_filter() {
    let jira = fake().await;
    let hook = receiver(200).await;
    let hooks = json!({"url": format!("{}/hook", hook.uri()), "webhooks": [{"events":
        ["issue_property_set", "issue_property_deleted"], "jqlFilter": "project = ABC",
        "issuePropertyKeysFilter": ["support"]}]});
    let (status, body) = call(&jira, "POST", "/rest/api/3/webhook", OAUTH, Some(hooks)).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        OAUTH,
        Some(new_issue("ABC", "p")),
    )
    .await;
    assert_eq!(status, 201);
    let at = "/rest/api/3/issue/ABC-1/properties/support";
    let (status, body) = call(&jira, "PUT", at, OAUTH, Some(json!({"tier": 1}))).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = call(&jira, "PUT", at, OAUTH, Some(json!({"tier": 2}))).await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &jira,
        "PUT",
        "/rest/api/3/issue/ABC-1/properties/other",
        OAUTH,
        Some(json!(true)),
    )
    .await;
    assert_eq!(status, 201);
    let (status, got) = call(&jira, "GET", at, OAUTH, None).await;
    assert_eq!(
        (status, got),
        (200, json!({"key": "support", "value": {"tier": 2}}))
    );
    let (_, keys) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-1/properties",
        OAUTH,
        None,
    )
    .await;
    let names: Vec<&str> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["key"].as_str())
        .collect();
    assert_eq!(names, ["other", "support"]);
    assert!(
        keys["keys"][1]["self"]
            .as_str()
            .unwrap()
            .ends_with("/issue/10000/properties/support")
    );
    let huge = json!("x".repeat(40_000));
    let (status, body) = call(&jira, "PUT", at, OAUTH, Some(huge)).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = call(&jira, "DELETE", at, OAUTH, None).await;
    assert_eq!(status, 204);
    let (status, body) = call(&jira, "GET", at, OAUTH, None).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["errorMessages"][0],
        "The property with key 'support' does not exist."
    );
    let (status, body) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-9/properties",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");

    settle(&jira).await;
    let bodies = received(&hook).await;
    // Deliveries run concurrently: compare them in a fixed order.
    let mut seen: Vec<String> = bodies
        .iter()
        .map(|b| format!("{} {}", b["webhookEvent"].as_str().unwrap(), b["property"]))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            r#"issue_property_deleted {"key":"support"}"#,
            r#"issue_property_set {"key":"support","value":{"tier":1}}"#,
            r#"issue_property_set {"key":"support","value":{"tier":2}}"#,
        ],
        "the key filter leaves out 'other'"
    );
    assert!(bodies.iter().all(|b| b["issue"]["key"] == "ABC-1"));
}

#[tokio::test]
async fn a_webhooks_issue_property_jql_matches_the_stored_properties() {
    let jira = fake().await;
    let hook = receiver(200).await;
    let hooks = json!({"url": format!("{}/hook", hook.uri()), "webhooks": [{"events":
        ["jira:issue_updated"], "jqlFilter": "issue.property[support].tier = 2"}]});
    let (status, body) = call(&jira, "POST", "/rest/api/3/webhook", OAUTH, Some(hooks)).await;
    assert_eq!(status, 200, "{body}");
    for s in ["one", "two"] {
        call(
            &jira,
            "POST",
            "/rest/api/3/issue",
            OAUTH,
            Some(new_issue("ABC", s)),
        )
        .await;
    }
    let (status, _) = call(
        &jira,
        "PUT",
        "/rest/api/3/issue/ABC-2/properties/support",
        OAUTH,
        Some(json!({"tier": 2})),
    )
    .await;
    assert_eq!(status, 201);
    for key in ["ABC-1", "ABC-2"] {
        let edit = json!({"fields": {"summary": "changed"}});
        let (status, _) = call(
            &jira,
            "PUT",
            &format!("/rest/api/3/issue/{key}"),
            OAUTH,
            Some(edit),
        )
        .await;
        assert_eq!(status, 204);
    }
    settle(&jira).await;
    let bodies = received(&hook).await;
    let keys: Vec<&Value> = bodies.iter().map(|b| &b["issue"]["key"]).collect();
    assert_eq!(keys, [&json!("ABC-2")]);
    assert!(
        bodies[0]["issue"].get("properties").is_none(),
        "the payload stays Jira's shape"
    );
}

#[tokio::test]
async fn worklogs_are_added_paged_updated_and_deleted_and_fire_issue_work_logged() {
    let (jira, hook) = with_issues(&["jira:issue_updated"], &["w"]).await;
    let logs = "/rest/api/3/issue/ABC-1/worklog";
    let started = "2021-01-17T12:34:00.000+0000";
    for (spent, text) in [("1h 30m", "one"), ("2d", "two")] {
        let body = json!({"timeSpent": spent, "started": started,
            "comment": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}});
        let (status, body) = call(&jira, "POST", logs, OAUTH, Some(body)).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["author"]["accountId"], "5b10ac8d82e05b22cc7d4ef5");
        assert_eq!(body["started"], started);
    }
    let (status, body) = call(
        &jira,
        "POST",
        logs,
        OAUTH,
        Some(json!({"started": started})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"]["timeLogged"],
        "You must indicate the time spent working."
    );
    let (status, body) = call(
        &jira,
        "POST",
        logs,
        OAUTH,
        Some(json!({"timeSpent": "1h", "started": "2021-01-17"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errors"]["started"]
            .as_str()
            .unwrap()
            .contains("yyyy-MM-dd'T'HH:mm:ss.SSSZ")
    );
    let (status, page) = call(
        &jira,
        "GET",
        &format!("{logs}?maxResults=1&startAt=1"),
        OAUTH,
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (page["total"].as_u64(), page["maxResults"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(page["worklogs"][0]["timeSpentSeconds"], 2 * 8 * 3600);
    let (status, one) = call(&jira, "GET", &format!("{logs}/10000"), OAUTH, None).await;
    assert_eq!((status, one["timeSpent"].as_str()), (200, Some("1h 30m")));
    let (status, changed) = call(
        &jira,
        "PUT",
        &format!("{logs}/10000"),
        OAUTH,
        Some(json!({"timeSpent": "45m"})),
    )
    .await;
    assert_eq!(
        (status, changed["timeSpentSeconds"].as_u64()),
        (200, Some(2700)),
        "{changed}"
    );
    let (status, _) = call(&jira, "DELETE", &format!("{logs}/10001"), OAUTH, None).await;
    assert_eq!(status, 204);
    let (status, body) = call(&jira, "GET", &format!("{logs}/10001"), OAUTH, None).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["errorMessages"][0],
        "Cannot find worklog with id: 10001."
    );

    settle(&jira).await;
    let mut types: Vec<String> = received(&hook)
        .await
        .iter()
        .map(|b| b["issue_event_type_name"].as_str().unwrap_or("").to_owned())
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            "issue_work_logged",
            "issue_work_logged",
            "issue_worklog_deleted",
            "issue_worklog_updated"
        ]
    );
}

#[tokio::test]
async fn assignee_labels_and_subtasks_with_delete_subtasks_over_http() {
    let (jira, hook) = with_issues(
        &["jira:issue_updated", "jira:issue_deleted"],
        &["parent", "other"],
    )
    .await;
    let assign = "/rest/api/3/issue/ABC-1/assignee";
    let me = json!({"accountId": "5b10ac8d82e05b22cc7d4ef5"});
    let (status, body) = call(&jira, "PUT", assign, OAUTH, Some(me)).await;
    assert_eq!(status, 204, "{body}");
    let (_, issue) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-1?fields=assignee",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(
        issue["fields"]["assignee"]["accountId"],
        "5b10ac8d82e05b22cc7d4ef5"
    );
    let (status, body) = call(
        &jira,
        "PUT",
        assign,
        OAUTH,
        Some(json!({"accountId": "nobody"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"]["assignee"], "User 'nobody' does not exist.");
    let (status, body) = call(
        &jira,
        "PUT",
        assign,
        OAUTH,
        Some(json!({"accountId": null})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = call(
        &jira,
        "PUT",
        "/rest/api/3/issue/ABC-2/assignee",
        OAUTH,
        Some(json!({"accountId": "-1"})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, other) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-2?fields=assignee",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(
        other["fields"]["assignee"]["accountId"], "5b10ac8d82e05b22cc7d4ef5",
        "-1: the lead"
    );

    for (key, labels) in [
        ("ABC-1", json!(["red", "blue"])),
        ("ABC-2", json!(["blue", "green"])),
    ] {
        let edit = json!({"fields": {"labels": labels}});
        let (status, _) = call(
            &jira,
            "PUT",
            &format!("/rest/api/3/issue/{key}"),
            OAUTH,
            Some(edit),
        )
        .await;
        assert_eq!(status, 204);
    }
    let (status, page) = call(&jira, "GET", "/rest/api/3/label?maxResults=2", OAUTH, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["values"], json!(["blue", "green"]));
    assert_eq!(
        (page["total"].as_u64(), page["isLast"].as_bool()),
        (Some(3), Some(false))
    );
    let (_, rest) = call(&jira, "GET", "/rest/api/3/label?startAt=2", OAUTH, None).await;
    assert_eq!(
        (rest["values"].clone(), rest["isLast"].as_bool()),
        (json!(["red"]), Some(true))
    );

    let sub = json!({"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Subtask"},
        "summary": "child", "parent": {"key": "ABC-1"}}});
    let (status, created) = call(&jira, "POST", "/rest/api/3/issue", OAUTH, Some(sub)).await;
    assert_eq!(
        (status, created["key"].as_str()),
        (201, Some("ABC-3")),
        "{created}"
    );
    let orphan = json!({"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Subtask"}, "summary": "x"}});
    let (status, body) = call(&jira, "POST", "/rest/api/3/issue", OAUTH, Some(orphan)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["parent"].is_string());
    let (_, parent) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-1?fields=subtasks",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(parent["fields"]["subtasks"][0]["key"], "ABC-3");
    let (_, child) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-3?fields=parent",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(child["fields"]["parent"]["key"], "ABC-1");
    let (status, body) = call(&jira, "DELETE", "/rest/api/3/issue/ABC-1", OAUTH, None).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("deleteSubtasks")
    );
    let (status, _) = call(
        &jira,
        "DELETE",
        "/rest/api/3/issue/ABC-1?deleteSubtasks=true",
        OAUTH,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(&jira, "GET", "/rest/api/3/issue/ABC-3", OAUTH, None).await;
    assert_eq!(status, 404, "the subtask went with its parent");

    settle(&jira).await;
    let bodies = received(&hook).await;
    let mut deleted: Vec<&str> = bodies
        .iter()
        .filter(|b| b["webhookEvent"] == "jira:issue_deleted")
        .filter_map(|b| b["issue"]["key"].as_str())
        .collect();
    deleted.sort_unstable();
    assert_eq!(deleted, ["ABC-1", "ABC-3"]);
    let assigned = bodies
        .iter()
        .filter(|b| b["issue_event_type_name"] == "issue_assigned")
        .count();
    assert_eq!(assigned, 3, "assign, unassign, assign to the lead");
}

#[tokio::test]
async fn the_approximate_count_uses_the_search_jql_and_wants_a_restriction() {
    let (jira, _hook) = with_issues(&["jira:issue_created"], &["one", "two", "three"]).await;
    call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        OAUTH,
        Some(new_issue("XYZ", "x")),
    )
    .await;
    let count = |jql: &str| {
        let jira = &jira;
        let body = json!({ "jql": jql });
        async move {
            call(
                jira,
                "POST",
                "/rest/api/3/search/approximate-count",
                OAUTH,
                Some(body),
            )
            .await
        }
    };
    assert_eq!(count("project = ABC").await, (200, json!({"count": 3})));
    assert_eq!(count("summary ~ t").await, (200, json!({"count": 2})));
    let (status, body) = count("project = NOPE").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errorMessages"][0],
        "The value 'nope' does not exist for the field 'project'."
    );
    let (status, body) = count("ORDER BY created").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errorMessages"][0],
        "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
    );
    let (status, body) = count("colour = red").await;
    assert_eq!(status, 400);
    assert!(
        body["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("'colour'")
    );
}

#[tokio::test]
async fn search_finds_comment_text_and_resolves_current_user_and_day_functions() {
    let (jira, _hook) = with_issues(&["jira:issue_created"], &["one", "two"]).await;
    let body = json!({"body": {"type": "doc", "version": 1, "content": [{"type": "paragraph",
        "content": [{"type": "text", "text": "needle in a comment"}]}]}});
    let (status, _) = call(
        &jira,
        "POST",
        "/rest/api/3/issue/ABC-2/comment",
        OAUTH,
        Some(body),
    )
    .await;
    assert_eq!(status, 201);
    let me = json!({"accountId": "5b10ac8d82e05b22cc7d4ef5"});
    call(
        &jira,
        "PUT",
        "/rest/api/3/issue/ABC-1/assignee",
        OAUTH,
        Some(me),
    )
    .await;
    let keys = |jql: &str| {
        let jira = &jira;
        let body = json!({"jql": jql, "fields": ["summary"]});
        async move {
            let (status, page) =
                call(jira, "POST", "/rest/api/3/search/jql", USER, Some(body)).await;
            assert_eq!(status, 200, "{page}");
            page["issues"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|i| i["key"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(keys("text ~ needle").await, ["ABC-2"]);
    assert_eq!(keys("assignee = currentUser()").await, ["ABC-1"]);
    assert_eq!(
        keys("assignee in membersOf(\"jira-software-users\")").await,
        ["ABC-1"]
    );
    assert_eq!(
        keys("created >= startOfDay() AND created <= endOfDay() AND updated <= now()").await,
        ["ABC-1", "ABC-2"]
    );
    assert_eq!(keys("created IS EMPTY").await, Vec::<String>::new());
}

/// An access token the fake's authorization server issued to `oauth-app`
/// with `scope` (space-separated).
async fn issued_token(jira: &FakeJira, scope: &str) -> String {
    let base = jira.base_url();
    let encoded: String = url::form_urlencoded::byte_serialize(scope.as_bytes()).collect();
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .get(format!("{base}/authorize?client_id=oauth-app&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb&response_type=code&state=s&scope={encoded}"))
        .send()
        .await
        .unwrap();
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let set: Value = client
        .post(format!("{base}/oauth/token"))
        .json(&json!({"grant_type": "authorization_code", "client_id": "oauth-app",
            "client_secret": "oauth-app-secret", "code": code, "redirect_uri": "http://127.0.0.1:1/cb"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    set["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_project_with_members_is_hidden_from_others_and_a_token_needs_its_scopes() {
    let mut config = config();
    config.site.projects[1].members = Some(vec!["other-app".into()]);
    let jira = FakeJira::start_with(config).await;
    let (status, body) = call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        OTHER,
        Some(new_issue("XYZ", "secret")),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        OTHER,
        Some(new_issue("ABC", "open")),
    )
    .await;
    assert_eq!(status, 201, "a project without members is everyone's");
    for who in [USER, OAUTH] {
        let (status, body) = call(&jira, "GET", "/rest/api/3/issue/XYZ-1", who, None).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(
            body["errorMessages"][0],
            "Issue does not exist or you do not have permission to see it."
        );
        let (status, _) = call(
            &jira,
            "POST",
            "/rest/api/3/issue/XYZ-1/comment",
            who,
            Some(json!({"body": {"type": "doc", "version": 1, "content": []}})),
        )
        .await;
        assert_eq!(status, 404);
        let (_, found) = call(
            &jira,
            "GET",
            "/rest/api/3/search/jql?jql=summary%20~%20e&fields=summary",
            who,
            None,
        )
        .await;
        let keys: Vec<&Value> = found["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["key"])
            .collect();
        assert_eq!(keys, [&json!("ABC-1")], "{found}");
        let (status, body) = call(
            &jira,
            "POST",
            "/rest/api/3/issue",
            who,
            Some(new_issue("XYZ", "x")),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(
            body["errors"]["project"],
            "Specify a valid project ID or key"
        );
    }
    let (status, _) = call(&jira, "GET", "/rest/api/3/issue/XYZ-1", OTHER, None).await;
    assert_eq!(status, 200, "a member sees it");

    let reader = issued_token(&jira, "read:jira-work").await;
    let (status, body) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-1",
        Auth::Bearer(&reader),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let edit = json!({"fields": {"summary": "changed"}});
    let (status, body) = call(
        &jira,
        "PUT",
        "/rest/api/3/issue/ABC-1",
        Auth::Bearer(&reader),
        Some(edit.clone()),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            401,
            json!({"code": 401, "message": "Unauthorized; scope does not match"})
        )
    );
    let writer = issued_token(&jira, "read:jira-work write:jira-work").await;
    let (status, body) = call(
        &jira,
        "PUT",
        "/rest/api/3/issue/ABC-1",
        Auth::Bearer(&writer),
        Some(edit),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let webhooks_only = issued_token(&jira, "manage:jira-webhook").await;
    let (status, _) = call(
        &jira,
        "GET",
        "/rest/api/3/issue/ABC-1",
        Auth::Bearer(&webhooks_only),
        None,
    )
    .await;
    assert_eq!(status, 401, "reading needs read:jira-work");
}

#[tokio::test]
async fn a_restricted_comment_is_kept_returned_and_hidden_from_those_outside() {
    let mut config = config();
    config.site.users.push(jr_mock::model::seed::SeedUser {
        account_id: "other-account".into(),
        display_name: "Other".into(),
        email_address: None,
        groups: vec!["outsiders".into()],
    });
    config.site.projects[0]
        .roles
        .insert("Developers".into(), vec!["5b10ac8d82e05b22cc7d4ef5".into()]);
    let apps = &mut config.identities.oauth_apps;
    let other = apps
        .iter_mut()
        .find(|a| a.client_id == "other-app")
        .unwrap();
    other.access_tokens[0].account_id = "other-account".into();
    let jira = FakeJira::start_with(config).await;
    call(
        &jira,
        "POST",
        "/rest/api/3/issue",
        USER,
        Some(new_issue("ABC", "c")),
    )
    .await;
    let comments = "/rest/api/3/issue/ABC-1/comment";
    let adf = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "t"}]}]});
    let (status, open) = call(&jira, "POST", comments, USER, Some(json!({"body": adf}))).await;
    assert_eq!(status, 201, "{open}");
    let dev = json!({"body": adf, "visibility": {"type": "role", "value": "Developers"}});
    let (status, restricted) = call(&jira, "POST", comments, USER, Some(dev)).await;
    assert_eq!(status, 201, "{restricted}");
    assert_eq!(restricted["visibility"]["value"], "Developers");
    let group =
        json!({"body": adf, "visibility": {"type": "group", "value": "jira-software-users"}});
    let (status, _) = call(&jira, "POST", comments, USER, Some(group)).await;
    assert_eq!(status, 201);
    let outside = json!({"body": adf, "visibility": {"type": "group", "value": "outsiders"}});
    let (status, body) = call(&jira, "POST", comments, USER, Some(outside)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"]["commentLevel"],
        "You are currently not a member of the group: outsiders."
    );

    let (_, mine) = call(&jira, "GET", comments, USER, None).await;
    assert_eq!(mine["total"], 3, "{mine}");
    // `other-app` acts for `other-account`: in neither the role nor the group.
    let (_, theirs) = call(&jira, "GET", comments, OTHER, None).await;
    assert_eq!(theirs["total"], 1, "{theirs}");
    assert_eq!(theirs["comments"][0]["id"], open["id"]);
    let hidden = format!("{comments}/{}", restricted["id"].as_str().unwrap());
    let (status, body) = call(&jira, "GET", &hidden, OTHER, None).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = call(&jira, "DELETE", &hidden, OTHER, None).await;
    assert_eq!(status, 404);
    let (status, body) = call(&jira, "GET", &hidden, USER, None).await;
    assert_eq!(
        (status, body["visibility"]["type"].as_str()),
        (200, Some("role"))
    );
}
