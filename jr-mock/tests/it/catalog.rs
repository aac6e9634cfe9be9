//! Every operation of the spec answers, and every answer validates against
//! the spec's response schema; routing errors are Jira-shaped.
//!
//! The conformance test reads the workspace's `spec/jira-platform-v3.json`
//! (jr-mock itself never does) and validates with the
//! `jsonschema` crate as Draft 4 plus OpenAPI's `nullable`, formats not
//! checked (Jira's own examples use `+0000` offsets, which RFC 3339 date-time
//! rejects). The one difference allowed is named in [`KNOWN_DIFFERENCES`].

use crate::common;

use std::path::Path;

use common::{CLOUD_ID, OAUTH, USER, client, fake, send};
use jr_mock::catalog::{Kind, Location, OPERATIONS, Operation};
use jr_mock::fixtures::drift::with_nullable;
use serde_json::{Map, Value, json};

/// Spec/reality differences the fake keeps on purpose: `(schema, property, allowed schema)`.
/// Jira sends `expirationDate` as `yyyy-MM-dd'T'HH:mm:ss.SSS+0000` although the
/// spec declares int64 (docs/jira-semantics.md §9).
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    ("Webhook", "expirationDate"),
    ("WebhooksExpirationDate", "expirationDate"),
];

fn spec() -> Value {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/jira-platform-v3.json"
    ));
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the workspace's spec, {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the spec is JSON")
}

/// The components the validators resolve `$ref`s in, with the known differences applied.
fn components(spec: &Value) -> Value {
    let mut components = with_nullable(spec["components"].clone());
    for (schema, property) in KNOWN_DIFFERENCES {
        let prop = components
            .pointer_mut(&format!("/schemas/{schema}/properties/{property}"))
            .unwrap_or_else(|| panic!("{schema}.{property} is in the spec"));
        *prop = json!({"type": ["integer", "string"]});
    }
    components
}

/// The spec's response schema for `op` at the status jr-mock answers, if it
/// has content (`{}` for content without a schema).
fn response_schema<'s>(spec: &'s Value, op: &Operation) -> Option<&'s Value> {
    let content = spec
        .pointer(&format!(
            "/paths/{}/{}/responses/{}/content",
            op.path.replace('~', "~0").replace('/', "~1"),
            op.method.to_lowercase(),
            op.status
        ))?
        .as_object()?;
    let media = content
        .get("application/json")
        .or(content.values().next())?;
    Some(media.get("schema").unwrap_or(&ANY))
}

static ANY: Value = Value::Null;

/// A URL for `op` with every path parameter and required query parameter filled.
fn url_for(base: &str, op: &Operation) -> String {
    let mut path = op.path.to_owned();
    let mut query = Vec::new();
    for p in op.params {
        let sample = match p.kind {
            Kind::Integer | Kind::Number | Kind::String => "10000",
            Kind::Boolean => "true",
        };
        match p.location {
            Location::Path => path = path.replace(&format!("{{{}}}", p.name), sample),
            Location::Query if p.required => query.push(format!("{}={sample}", p.name)),
            Location::Query => {}
        }
    }
    // Jira's enhanced search refuses an unbounded query (and so does jr-mock).
    if op.operation_id == "searchAndReconsileIssuesUsingJql" {
        query.push("jql=project%20%3D%20ABC".to_owned());
    }
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    format!("{base}{path}{query}")
}

/// Bodies for the operations jr-mock models.
fn request_body(op: &Operation, webhook_id: i64) -> Option<Value> {
    match op.operation_id {
        "registerDynamicWebhooks" => Some(json!({"url": "https://hooks.example.com/jira",
            "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = ABC"}]})),
        "deleteWebhookById" => Some(json!({"webhookIds": [999_999]})),
        "refreshWebhooks" => Some(json!({"webhookIds": [webhook_id]})),
        "createIssue" => Some(json!({"fields": {"project": {"key": "ABC"},
            "issuetype": {"name": "Task"}, "summary": "from the catalog test"}})),
        // One created, one refused: Jira's partial success.
        "createIssues" => Some(
            json!({"issueUpdates": [{"fields": {"project": {"key": "ABC"},
            "issuetype": {"name": "Task"}, "summary": "bulk"}}, {"fields": {}}]}),
        ),
        "editIssue" => Some(json!({"fields": {"summary": "edited"}})),
        "doTransition" => Some(json!({"transition": {"id": "21"}})),
        "addComment" | "updateComment" => Some(json!({"body": {"type": "doc", "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": "c"}]}]}})),
        "countIssues" | "searchAndReconsileIssuesUsingJqlPost" => {
            Some(json!({"jql": "project = ABC"}))
        }
        "getChangeLogsByIds" => Some(json!({"changelogIds": [10000]})),
        "assignIssue" => Some(json!({"accountId": "5b10ac8d82e05b22cc7d4ef5"})),
        "setIssueProperty" => Some(json!({"team": "core"})),
        "addWorklog" => Some(json!({"timeSpent": "1h", "started": "2021-01-17T12:34:00.000+0000"})),
        "updateWorklog" => Some(json!({"timeSpent": "2h"})),
        _ => None,
    }
}

/// A body the catalog accepts for `op` and its content type: jr-core's
/// example body (valid against the operation's schema), or a few bytes for
/// operations that take any content.
fn catalog_body(op: &Operation) -> Option<(String, &'static str)> {
    let spec = jr_core::ops::by_operation_id(op.operation_id)?;
    let body = spec.body?;
    let text = jr_core::ops::body::example(spec).unwrap_or("x").to_owned();
    Some((text, body.content_type()))
}

/// The operations jr-mock answers from its model, in the order the test
/// sends them (see `jr_mock::stateful::STATEFUL`).
const STATEFUL_ORDER: [&str; 28] = [
    "createIssue",
    "createIssues",
    "getIssue",
    "searchAndReconsileIssuesUsingJql",
    "searchAndReconsileIssuesUsingJqlPost",
    "countIssues",
    "getAllLabels",
    "getTransitions",
    "editIssue",
    "getChangeLogs",
    "getChangeLogsByIds",
    "doTransition",
    "assignIssue",
    "setIssueProperty",
    "getIssuePropertyKeys",
    "getIssueProperty",
    "deleteIssueProperty",
    "addComment",
    "getComments",
    "getComment",
    "updateComment",
    "deleteComment",
    "addWorklog",
    "getIssueWorklog",
    "getWorklog",
    "updateWorklog",
    "deleteWorklog",
    "deleteIssue",
];

/// The status `op` answers: the spec's first 2xx, except `editIssue`,
/// which answers 204 as Jira does (200 only with `returnIssue=true`), and
/// `setIssueProperty`, 201 for a property it creates.
fn expected_status(op: &Operation) -> u16 {
    match op.operation_id {
        "editIssue" => 204,
        "setIssueProperty" => 201,
        _ => op.status,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_with_a_body_valid_against_the_spec() {
    let spec = spec();
    let components = components(&spec);
    let jira = fake().await;
    let base = jira.base_url();
    // One webhook, so the list shows an `expirationDate`.
    let registered = request_body(
        OPERATIONS
            .iter()
            .find(|o| o.operation_id == "registerDynamicWebhooks")
            .unwrap(),
        0,
    );
    let (_, created) = send(
        "POST",
        &format!("{base}/rest/api/3/webhook"),
        OAUTH,
        registered.as_ref(),
    )
    .await;
    let webhook_id = created["webhookRegistrationResult"][0]["createdWebhookId"]
        .as_i64()
        .expect("registered");

    // Every answer goes under its operationId into one instance, checked by
    // one validator whose `properties` are the response schemas: the spec's
    // components are compiled once, not once per operation.
    let mut schemas = Map::new();
    let mut answers = Map::new();
    let mut failures = Vec::new();
    // 303s are answers in their own right here, not to be followed.
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The stateful operations last, in an order where each finds the issue
    // (ID 10000, the sample every path parameter gets) it needs.
    let mut modelled = jr_mock::stateful::STATEFUL.to_vec();
    let mut listed = STATEFUL_ORDER.to_vec();
    modelled.sort_unstable();
    listed.sort_unstable();
    assert_eq!(
        modelled, listed,
        "every stateful operation is sent, in order"
    );
    let stateful = |op: &&Operation| STATEFUL_ORDER.contains(&op.operation_id);
    let mut ordered: Vec<&Operation> = OPERATIONS.iter().filter(|o| !stateful(o)).collect();
    for id in STATEFUL_ORDER {
        ordered.extend(OPERATIONS.iter().find(|o| o.operation_id == id));
    }
    for op in ordered {
        let mut req = http
            .request(
                reqwest::Method::from_bytes(op.method.as_bytes()).unwrap(),
                url_for(&format!("{base}/ex/jira/{CLOUD_ID}"), op),
            )
            .bearer_auth("oauth-app-token");
        if let Some(body) = request_body(op, webhook_id) {
            req = req.json(&body);
        } else if let Some((text, content_type)) = catalog_body(op) {
            req = req.header("Content-Type", content_type).body(text);
        }
        let resp = req.send().await.expect("jr-mock answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("a body");
        let name = format!("{} {} {}", op.operation_id, op.method, op.path);
        if jr_mock::catalog::removed::REMOVED
            .iter()
            .any(|(id, _)| *id == op.operation_id)
        {
            if status != 410 {
                failures.push(format!("{name}: removed, yet status {status}: {text}"));
            }
            continue;
        }
        let expected = expected_status(op);
        if status != expected {
            failures.push(format!(
                "{name}: status {status}, expected {expected}: {text}"
            ));
            continue;
        }
        let Some(schema) = response_schema(&spec, op).filter(|_| expected != 204) else {
            if !text.is_empty() {
                failures.push(format!("{name}: a body where the spec has none: {text}"));
            }
            continue;
        };
        let body: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: not JSON ({e}): {text}"));
                continue;
            }
        };
        let schema = match with_nullable(schema.clone()) {
            Value::Null => json!({}),
            schema => schema,
        };
        schemas.insert(op.operation_id.to_owned(), schema);
        answers.insert(op.operation_id.to_owned(), body);
    }
    let root = json!({"type": "object", "properties": schemas, "components": components});
    let validator = jsonschema::draft4::options()
        .should_validate_formats(false)
        .build(&root)
        .expect("the response schemas compile");
    let answers = Value::Object(answers);
    for error in validator.iter_errors(&answers) {
        failures.push(format!("{error} at {}", error.instance_path()));
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_missing_required_query_parameter_is_a_400_naming_it() {
    let jira = fake().await;
    let (status, body) = send(
        "GET",
        &format!("{}/rest/api/3/issuetype/project", jira.base_url()),
        USER,
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"errorMessages": [], "errors": {"projectId": "The parameter 'projectId' is required."}})
    );
}

#[tokio::test]
async fn a_parameter_of_the_wrong_type_is_a_400_naming_it() {
    let jira = fake().await;
    let url = format!(
        "{}/rest/api/3/issuetype/project?projectId=abc",
        jira.base_url()
    );
    let (status, body) = send("GET", &url, USER, None).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"]["projectId"],
        "The value 'abc' is not valid for 'projectId': expected an integer."
    );
}

#[tokio::test]
async fn an_empty_path_parameter_is_a_400() {
    let jira = fake().await;
    let url = format!("{}/rest/api/3/issue//comment", jira.base_url());
    let (status, body) = send("GET", &url, USER, None).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"]["issueIdOrKey"],
        "The parameter 'issueIdOrKey' is required."
    );
}

#[tokio::test]
async fn a_known_path_with_an_unknown_method_is_a_405_with_allow() {
    let jira = fake().await;
    let http = client();
    let resp = http
        .patch(format!("{}/rest/api/3/issue/ABC-1", jira.base_url()))
        .basic_auth("user@example.com", Some("user-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(resp.headers()["allow"], "DELETE, GET, PUT");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"], json!({}));
    assert!(
        body["errorMessages"][0].as_str().unwrap().contains("PATCH"),
        "{body}"
    );
    // The modelled webhook path too: its mocks take only their own methods.
    let (status, _) = send(
        "PATCH",
        &format!("{}/rest/api/3/webhook", jira.base_url()),
        OAUTH,
        None,
    )
    .await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn an_unknown_path_is_a_jira_shaped_404() {
    let jira = fake().await;
    let (status, body) = send(
        "GET",
        &format!("{}/rest/api/3/nothing", jira.base_url()),
        USER,
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"errorMessages": ["jr-mock: no operation matches GET /rest/api/3/nothing"], "errors": {}})
    );
}

#[tokio::test]
async fn example_links_point_at_the_fake_and_the_gateway_prefix_is_kept() {
    let jira = fake().await;
    let base = jira.base_url();
    let (status, body) = send("GET", &format!("{base}/rest/api/3/priority/3"), USER, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["self"], format!("{base}/rest/api/3/priority/3"));
    let (_, body) = send(
        "GET",
        &format!("{base}/ex/jira/{CLOUD_ID}/rest/api/3/priority/3"),
        USER,
        None,
    )
    .await;
    assert_eq!(
        body["self"],
        format!("{base}/ex/jira/{CLOUD_ID}/rest/api/3/priority/3")
    );
}

#[tokio::test]
async fn an_asynchronous_operation_answers_303_with_a_task_location() {
    let jira = fake().await;
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http
        .put(format!(
            "{}/rest/api/3/issuesecurityschemes/project",
            jira.base_url()
        ))
        .basic_auth("user@example.com", Some("user-token"))
        .json(&json!({"projectId": "10000", "schemeId": "10000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(
        resp.headers()["location"],
        format!("{}/rest/api/3/task/10000", jira.base_url()).as_str()
    );
}
