//! Recorded answers (`--fixtures DIR`): matching, order, reset, the
//! answer's bytes, authentication and fault rules in front, the journal's
//! sources, refused files and drift — through the embedded fake (wiremock)
//! and the binary's front door alike.

use std::net::TcpListener;
use std::path::Path;

use jr_mock::fixtures::check::check_dir;
use jr_mock::{FakeJira, MockConfig, StartError};
use serde_json::{Value, json};

use crate::common::{Binary, CLOUD_ID, faithful_config};

const USER_AUTH: (&str, &str) = ("user@example.com", "user-token");
const SITE: &str = "https://your-domain.atlassian.net";
const GATEWAY: &str = "https://api.atlassian.com/ex/jira/0000-recorded";

/// A recording of `method path?query` on `base` answered `status` with
/// `headers` and `body` (a `jr-recording/1` file's JSON).
fn recording(base: &str, method: &str, path: &str, query: Value, response: Value) -> Value {
    let cloud_id = base.strip_prefix("https://api.atlassian.com/ex/jira/");
    json!({
        "format": "jr-recording/1",
        "time": 1_764_619_200_000_i64,
        "operationId": null,
        "base": {"url": base, "cloudId": cloud_id},
        "request": {"method": method, "path": path, "query": query,
                    "headers": [["authorization", "<redacted>"]], "body": null},
        "response": response,
    })
}

fn write(dir: &Path, name: &str, value: &Value) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// Both ways a fake answers: embedded (through wiremock) and the binary's
/// front door.
async fn both(dir: &Path, lenient: bool) -> [FakeJira; 2] {
    let config = || {
        let mut config = MockConfig {
            fixtures: Some(dir.to_owned()),
            ..faithful_config()
        };
        config.switches.lenient_auth = lenient;
        config
    };
    let embedded = FakeJira::start_with(config()).await;
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let direct = FakeJira::serve(config(), listener).await.unwrap();
    [embedded, direct]
}

async fn get(url: &str, auth: bool) -> reqwest::Response {
    let req = crate::common::client().get(url);
    let req = match auth {
        true => req.basic_auth(USER_AUTH.0, Some(USER_AUTH.1)),
        false => req,
    };
    req.send().await.unwrap()
}

async fn requests(jira: &FakeJira) -> Vec<Value> {
    let page: Value = get(&format!("{}/_mock/requests", jira.base_url()), false)
        .await
        .json()
        .await
        .unwrap();
    page["requests"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_answer_replays_byte_for_byte_with_its_urls_moved() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{{ \"self\": \"{}\\/rest\\/api\\/3\\/thing\\/1\", \"next\": \"{SITE}/rest/api/3/thing?page=2\", \"elsewhere\": \"{SITE}.example.com/x\", \"n\": 1.50 }}",
        SITE.replace('/', "\\/")
    );
    let response = json!({
        "status": 202,
        "headers": [["content-type", "application/json;charset=UTF-8"],
                    ["content-length", "1"], ["transfer-encoding", "chunked"],
                    ["connection", "close"], ["content-encoding", "gzip"],
                    ["x-arequestid", "abc"], ["location", format!("{SITE}/rest/api/3/task/1")]],
        "body": {"text": text},
    });
    write(
        dir.path(),
        "site/raw.GET.1.json",
        &recording(SITE, "GET", "/rest/api/3/thing/1", json!([]), response),
    );
    let compact = json!({"self": format!("{SITE}/rest/api/3/thing/1"), "values": [{"self": format!("{SITE}/x")}]});
    write(
        dir.path(),
        "gateway/raw.GET.1.json",
        &recording(
            GATEWAY,
            "GET",
            "/rest/api/3/thing/2",
            json!([]),
            json!({"status": 200, "headers": [], "body": {"json": {
                "self": format!("{GATEWAY}/rest/api/3/thing/2"), "site": compact}}}),
        ),
    );
    for jira in both(dir.path(), false).await {
        let base = jira.base_url();
        let resp = get(&format!("{base}/rest/api/3/thing/1"), true).await;
        assert_eq!(resp.status(), 202);
        let headers = resp.headers().clone();
        assert_eq!(headers["x-arequestid"], "abc");
        assert_eq!(headers["location"], format!("{base}/rest/api/3/task/1"));
        assert!(headers.get("content-encoding").is_none());
        assert!(headers.get("transfer-encoding").is_none());
        assert!(headers.get("x-jr-mock-source").is_none());
        let body = resp.bytes().await.unwrap();
        let expected = text
            .replace(&SITE.replace('/', "\\/"), &base.replace('/', "\\/"))
            .replace(&format!("{SITE}/rest"), &format!("{base}/rest"));
        assert_eq!(std::str::from_utf8(&body).unwrap(), expected);
        assert_eq!(headers["content-length"], body.len().to_string());
        assert!(expected.contains(&format!("{SITE}.example.com/x")));

        let gateway = format!("{base}/ex/jira/{CLOUD_ID}");
        let resp = crate::common::client()
            .get(format!("{gateway}/rest/api/3/thing/2"))
            .bearer_auth("oauth-app-token")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        // Only the recorded base (the gateway's) moves; the site's URLs stay.
        let expected = serde_json::to_string(&json!({
            "self": format!("{gateway}/rest/api/3/thing/2"), "site": compact}))
        .unwrap();
        assert_eq!(resp.text().await.unwrap(), expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_recording_answers_under_any_cloud_id_with_that_id() {
    let dir = tempfile::tempdir().unwrap();
    let response = json!({"status": 200, "headers": [],
        "body": {"json": {"self": format!("{GATEWAY}/rest/api/3/thing")}}});
    write(
        dir.path(),
        "a.json",
        &recording(GATEWAY, "GET", "/rest/api/3/thing", json!([]), response),
    );
    // lenientAuth lets another cloud ID through authentication.
    for jira in both(dir.path(), true).await {
        let gateway = format!("{}/ex/jira/another-id", jira.base_url());
        let body: Value = get(&format!("{gateway}/rest/api/3/thing"), false)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["self"], format!("{gateway}/rest/api/3/thing"));
        // A gateway recording is not a site path.
        let site = get(&format!("{}/rest/api/3/thing", jira.base_url()), false).await;
        assert_eq!(site.status(), 404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matches_come_in_recorded_order_the_last_repeating_and_reset_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    for (name, time, text, query) in [
        ("b.json", 2, "second", json!([["expand", "names"]])),
        ("a.json", 1, "first", json!([["expand", "names"]])),
        ("c.json", 3, "other", json!([["expand", "schema"]])),
    ] {
        let mut rec = recording(
            SITE,
            "GET",
            "/rest/api/3/serverInfo",
            query,
            json!({"status": 200, "headers": [], "body": {"text": text}}),
        );
        rec["time"] = json!(time);
        write(dir.path(), name, &rec);
    }
    for jira in both(dir.path(), false).await {
        let url = format!("{}/rest/api/3/serverInfo?x=1&expand=names", jira.base_url());
        let mut texts = Vec::new();
        for _ in 0..3 {
            texts.push(get(&url, true).await.text().await.unwrap());
        }
        assert_eq!(texts, ["first", "second", "second"]);
        let reset = crate::common::client()
            .post(format!("{}/_mock/reset", jira.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(reset.status(), 200);
        assert_eq!(get(&url, true).await.text().await.unwrap(), "first");
        // Without the recorded query pair, the catalog answers.
        let plain = format!("{}/rest/api/3/serverInfo", jira.base_url());
        let answer: Value = get(&plain, true).await.json().await.unwrap();
        assert!(answer.get("baseUrl").is_some(), "{answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_and_fault_rules_come_before_a_recording() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.json",
        &recording(
            SITE,
            "GET",
            "/rest/api/3/serverInfo",
            json!([]),
            json!({"status": 200, "headers": [], "body": {"text": "recorded"}}),
        ),
    );
    for jira in both(dir.path(), false).await {
        let url = format!("{}/rest/api/3/serverInfo", jira.base_url());
        let anonymous = get(&url, false).await;
        assert_eq!(anonymous.status(), 401);
        assert!(anonymous.headers().contains_key("www-authenticate"));
        jira.add_faults(vec![
            serde_json::from_value(json!({"path": "/rest/*", "times": 1,
                "kind": "rateLimit", "retryAfter": 1}))
            .unwrap(),
        ]);
        assert_eq!(get(&url, true).await.status(), 429);
        assert_eq!(get(&url, true).await.text().await.unwrap(), "recorded");
        let sources: Vec<(Value, Value)> = requests(&jira)
            .await
            .iter()
            .map(|r| (r["source"].clone(), r["status"].clone()))
            .collect();
        assert_eq!(
            sources,
            [
                (json!("control"), json!(401)),
                (json!("control"), json!(429)),
                (json!("fixture"), json!(200)),
            ]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_api_is_never_answered_from_a_recording() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.json",
        &recording(
            SITE,
            "GET",
            "/_mock/health",
            json!([]),
            json!({"status": 500, "headers": [], "body": {"text": "recorded"}}),
        ),
    );
    for jira in both(dir.path(), false).await {
        let health = get(&format!("{}/_mock/health", jira.base_url()), false).await;
        assert_eq!(health.status(), 200);
        assert_eq!(
            health.json::<Value>().await.unwrap(),
            json!({"status": "ok"})
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_says_where_each_answer_came_from() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "sub/getIssue.1.json",
        &recording(
            SITE,
            "GET",
            "/rest/api/3/issue/ABC-1",
            json!([]),
            json!({"status": 200, "headers": [], "body": {"json": {"key": "ABC-1"}}}),
        ),
    );
    for jira in both(dir.path(), false).await {
        let base = jira.base_url();
        get(&format!("{base}/rest/api/3/issue/ABC-1"), true).await;
        get(&format!("{base}/rest/api/3/serverInfo"), true).await;
        get(&format!("{base}/rest/api/3/issue/ABC-2"), true).await;
        let gateway = format!("{base}/ex/jira/{CLOUD_ID}/rest/api/3/webhook");
        crate::common::client()
            .get(gateway)
            .bearer_auth("oauth-app-token")
            .send()
            .await
            .unwrap();
        let shown: Vec<(Value, Value)> = requests(&jira)
            .await
            .iter()
            .map(|r| (r["source"].clone(), r["fixture"].clone()))
            .collect();
        assert_eq!(
            shown,
            [
                (json!("fixture"), json!("sub/getIssue.1.json")),
                (json!("catalog"), Value::Null),
                (json!("model"), Value::Null),
                (json!("model"), Value::Null),
            ]
        );
    }
}

#[tokio::test]
async fn a_file_that_is_not_a_recording_refuses_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = recording(SITE, "GET", "/x", json!([]), json!({}));
    rec["format"] = json!("jr-recording/9");
    write(dir.path(), "deep/er/broken.json", &rec);
    let config = MockConfig {
        fixtures: Some(dir.path().to_owned()),
        ..faithful_config()
    };
    let Err(StartError::Fixtures(message)) = FakeJira::try_start_with(config).await else {
        panic!("started with a broken recording");
    };
    assert!(message.contains("broken.json"), "{message}");
    assert!(message.contains("jr-recording/9"), "{message}");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jr-mock"))
        .args(["--port", "0", "--fixtures"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("deep/er/broken.json"), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// A `getDynamicWebhooksForApp` answer with a string `expirationDate` and
/// no `url` (known), and optionally a `total` that is not a number (not).
fn webhook_list(unknown_drift: bool) -> Value {
    let total = match unknown_drift {
        true => json!("one"),
        false => json!(1),
    };
    let mut rec = recording(
        SITE,
        "GET",
        "/rest/api/3/webhook",
        json!([]),
        json!({"status": 200, "headers": [], "body": {"json": {
            "maxResults": 100, "startAt": 0, "total": total, "isLast": true,
            "values": [{"id": 10000, "jqlFilter": "project = ABC", "events": ["jira:issue_created"],
                        "expirationDate": "2019-06-01T12:42:30.000+0000"}]}}}),
    );
    rec["operationId"] = json!("getDynamicWebhooksForApp");
    rec
}

#[tokio::test]
async fn drift_is_reported_with_file_and_pointer_and_fails_the_check_unless_known() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "getDynamicWebhooksForApp.1.json",
        &webhook_list(false),
    );
    let report = check_dir(dir.path()).unwrap();
    assert_eq!(report.files, 1);
    assert!(!report.failed(), "{:?}", report.deviations);
    let mut found: Vec<(String, String)> = report
        .deviations
        .iter()
        .map(|d| (d.pointer.clone(), d.field.clone()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("/values/0".to_owned(), "url".to_owned()),
            (
                "/values/0/expirationDate".to_owned(),
                "expirationDate".to_owned()
            ),
        ]
    );

    write(
        dir.path(),
        "getDynamicWebhooksForApp.2.json",
        &webhook_list(true),
    );
    let config = MockConfig {
        fixtures: Some(dir.path().to_owned()),
        ..faithful_config()
    };
    let jira = FakeJira::start_with(config).await;
    let warning = jira
        .fixture_warnings()
        .iter()
        .find(|w| w.contains("/total"))
        .expect("a warning for /total");
    assert!(
        warning.starts_with("getDynamicWebhooksForApp.2.json: "),
        "{warning}"
    );
    assert!(!warning.contains("[known"), "{warning}");
    let report = check_dir(dir.path()).unwrap();
    assert!(report.failed());

    std::fs::write(dir.path().join("not-a-recording.json"), b"{\"a\": 1}").unwrap();
    std::fs::remove_file(dir.path().join("getDynamicWebhooksForApp.2.json")).unwrap();
    let report = check_dir(dir.path()).unwrap();
    assert!(report.failed());
    assert!(
        report
            .invalid
            .iter()
            .any(|p| p.starts_with("not-a-recording.json")),
        "{:?}",
        report.invalid
    );
}

#[test]
fn the_projects_own_fixtures_pass_the_check() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures"));
    let report = check_dir(dir).unwrap();
    assert!(report.files >= 2, "{report:?}");
    assert!(!report.failed(), "{report:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_from_starts_with_the_recorded_projects_users_and_issues() {
    let dir = tempfile::tempdir().unwrap();
    let issue = json!({"id": "20001", "key": "SHOP-7", "self": format!("{SITE}/rest/api/3/issue/20001"),
        "fields": {"summary": "Recorded summary", "labels": ["vip"],
            "project": {"id": "30000", "key": "SHOP", "name": "Shop"},
            "issuetype": {"id": "10100", "name": "Feature"},
            "status": {"id": "7", "name": "Review", "statusCategory": {"key": "indeterminate"}},
            "reporter": {"accountId": "acc-1", "displayName": "Ann"},
            "created": "2026-12-01T10:00:00.000+0000"}});
    let mut get_issue = recording(
        SITE,
        "GET",
        "/rest/api/3/issue/SHOP-7",
        json!([]),
        json!({"status": 200, "headers": [], "body": {"json": issue}}),
    );
    get_issue["operationId"] = json!("getIssue");
    write(dir.path(), "getIssue.1.json", &get_issue);
    let mut project = recording(
        SITE,
        "GET",
        "/rest/api/3/project/SHOP",
        json!([]),
        json!({"status": 200, "headers": [], "body": {"json": {"id": "30000", "key": "SHOP",
            "name": "Shop", "lead": {"accountId": "acc-2", "displayName": "Bo"}}}}),
    );
    project["operationId"] = json!("getProject");
    write(dir.path(), "getProject.1.json", &project);

    let mock = crate::common::Binary::start(&["--seed-from", dir.path().to_str().unwrap()]);
    let body: Value = get(&format!("{}/rest/api/3/issue/SHOP-7", mock.url), true)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["key"], "SHOP-7");
    assert_eq!(body["fields"]["summary"], "Recorded summary");
    assert_eq!(body["fields"]["status"]["name"], "Review");
    let search = format!(
        "{}/rest/api/3/search/jql?jql=project%20%3D%20SHOP&fields=summary",
        mock.url
    );
    let found: Value = get(&search, true).await.json().await.unwrap();
    assert_eq!(found["issues"][0]["key"], "SHOP-7", "{found}");
    assert_eq!(found["issues"][0]["fields"]["summary"], "Recorded summary");
    // A new issue in the recorded project is numbered after the recorded one.
    let created: Value = crate::common::client()
        .post(format!("{}/rest/api/3/issue", mock.url))
        .basic_auth(USER_AUTH.0, Some(USER_AUTH.1))
        .json(
            &json!({"fields": {"project": {"key": "SHOP"}, "issuetype": {"id": "10100"},
            "summary": "new"}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["key"], "SHOP-8", "{created}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_takes_fixtures_from_its_config_file_and_warns_about_drift() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rec/getDynamicWebhooksForApp.1.json",
        &webhook_list(true),
    );
    let config = dir.path().join("jr-mock.json");
    std::fs::write(&config, r#"{"fixtures": "rec"}"#).unwrap();
    let config = config.to_str().unwrap();
    let mut mock = Binary::start_with_stderr(&["--lenient-auth", "--config", config]);
    let list: Value = get(&format!("{}/rest/api/3/webhook", mock.url), false)
        .await
        .json()
        .await
        .unwrap();
    let _ = mock.child.kill();
    let mut stderr = String::new();
    mock.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(list["total"], "one", "answered from the recording");
    let drift = stderr
        .lines()
        .find(|l| l.contains("\"/total\""))
        .unwrap_or_else(|| panic!("no warning about /total in {stderr}"));
    assert!(
        drift.starts_with(
            "jr-mock: warning: drift from the spec: getDynamicWebhooksForApp.1.json: "
        ),
        "{drift}"
    );
}
