//! `jr --record DIR` against jr-mock (issue 19, recording half): one file per
//! exchange (each page, each attempt of a retry), named by operationId,
//! redacted by jr-core's one rule, valid against docs/recording.schema.json
//! and readable with `recording::read`; `--record-pseudonymise` keeps no
//! real account ID or e-mail and is stable within a directory.

use crate::support::*;
use jr_core::recording::{self, Recording};
use jr_mock::FakeJira;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// Every recording in `dir` by file name, each checked against the schema
/// and read back with the format's own reader. Other files (the key,
/// nothing else) are skipped.
fn recordings(dir: &Path) -> BTreeMap<String, Recording> {
    let schema: Value = serde_json::from_str(recording::SCHEMA).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") {
            assert!(name == ".jr-record-key", "a stray file {name}");
            continue;
        }
        let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        found.insert(
            name,
            recording::read(&path).unwrap_or_else(|e| panic!("{e}")),
        );
    }
    found
}

/// The text of every file in `dir`, for grepping.
fn every_file(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            (path.display().to_string(), text)
        })
        .collect()
}

fn names(found: &BTreeMap<String, Recording>) -> Vec<&str> {
    found.keys().map(String::as_str).collect()
}

fn arg(dir: &Path) -> String {
    dir.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generated_command_records_its_exchange_with_the_operation_id() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("new/rec");
    let (out, stderr, code) =
        run(jr_as_user(&jira).args(["--record", &arg(&rec), "myself", "get-current-user"]));
    assert_eq!(code, 0, "{stderr}");
    let found = recordings(&rec);
    assert_eq!(names(&found), ["getCurrentUser.1.json"]);
    let recording = &found["getCurrentUser.1.json"];
    assert_eq!(recording.operation_id.as_deref(), Some("getCurrentUser"));
    assert_eq!(recording.base.url, jira.base_url().trim_end_matches('/'));
    assert_eq!(recording.base.cloud_id, None);
    assert_eq!(recording.request.method, "GET");
    assert_eq!(recording.request.path, "/rest/api/3/myself");
    assert!(recording.time > 1_700_000_000_000, "{}", recording.time);
    let header = |name: &str| {
        recording
            .request
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("authorization"), Some("<redacted>"));
    assert_eq!(header("accept"), Some("application/json"));
    assert_eq!(recording.response.status, 200);
    let body = recording
        .response
        .body
        .as_ref()
        .unwrap()
        .to_bytes()
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        out,
        "the answer as printed"
    );

    // The environment variable does the same; a second run takes number 2.
    let (_, stderr, code) = run(jr_as_user(&jira)
        .env("JR_RECORD_DIR", &rec)
        .args(["myself", "get-current-user"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        names(&recordings(&rec)),
        ["getCurrentUser.1.json", "getCurrentUser.2.json"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn jr_raw_records_as_raw_method_with_its_query_decoded() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (_, stderr, code) = run(jr_as_user(&jira).args([
        "--record",
        &arg(dir.path()),
        "raw",
        "GET",
        "/rest/api/3/myself",
        "--query",
        "expand=groups,applicationRoles",
        "--query",
        "note=a b&c",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let found = recordings(dir.path());
    assert_eq!(names(&found), ["raw.GET.1.json"]);
    let recording = &found["raw.GET.1.json"];
    assert_eq!(recording.operation_id, None);
    assert_eq!(
        recording.request.query,
        [
            ("expand".to_owned(), "groups,applicationRoles".to_owned()),
            ("note".to_owned(), "a b&c".to_owned())
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paged_listing_records_one_file_per_page() {
    let jira = FakeJira::start().await;
    let webhooks: Vec<Value> = ["ABC", "DEF", "GHI"]
        .iter()
        .map(|project| json!({"events": ["jira:issue_created"], "jqlFilter": format!("project = {project}")}))
        .collect();
    let body = json!({"url": "https://hooks.example/jira", "webhooks": webhooks});
    let (_, stderr, code) =
        run(jr_as(&jira, APP).args(["webhook", "register-dynamic", "--body", &body.to_string()]));
    assert_eq!(code, 0, "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let (out, stderr, code) = run(jr_as(&jira, APP).args([
        "--record",
        &arg(dir.path()),
        "webhook",
        "get-dynamic-webhooks-for-app",
        "--maxResults",
        "1",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out["values"].as_array().map(Vec::len), Some(3), "{out}");
    let found = recordings(dir.path());
    assert_eq!(
        names(&found),
        [
            "getDynamicWebhooksForApp.1.json",
            "getDynamicWebhooksForApp.2.json",
            "getDynamicWebhooksForApp.3.json"
        ]
    );
    // Offset pages after the first may be fetched side by side: the files
    // are numbered in the order the answers came.
    let mut starts: Vec<&str> = found
        .values()
        .map(|r| {
            r.request
                .query
                .iter()
                .find(|(n, _)| n == "startAt")
                .map_or("0", |(_, v)| v.as_str())
        })
        .collect();
    starts.sort_unstable();
    assert_eq!(starts, ["0", "1", "2"]);
    // Through the gateway: the base says so, the path is below it.
    for recording in found.values() {
        assert_eq!(
            recording.base.url,
            format!(
                "{}/ex/jira/{CLOUD_ID}",
                jira.base_url().trim_end_matches('/')
            )
        );
        assert_eq!(recording.base.cloud_id.as_deref(), Some(CLOUD_ID));
        assert_eq!(recording.request.path, "/rest/api/3/webhook");
    }
}

/// Hand-written commands send through the same client: `refresh --all`
/// lists, then refreshes, and both exchanges are recorded by operationId.
#[tokio::test(flavor = "multi_thread")]
async fn a_hand_written_command_records_every_request_it_sends() {
    let jira = FakeJira::start().await;
    register(&jira, APP, "https://hooks.example/jira");
    let dir = tempfile::tempdir().unwrap();
    let (_, stderr, code) =
        run(jr_as(&jira, APP).args(["--record", &arg(dir.path()), "webhook", "refresh", "--all"]));
    assert_eq!(code, 0, "{stderr}");
    let found = recordings(dir.path());
    assert_eq!(
        names(&found),
        ["getDynamicWebhooksForApp.1.json", "refreshWebhooks.1.json"]
    );
    let refresh = &found["refreshWebhooks.1.json"];
    assert_eq!(refresh.request.method, "PUT");
    assert!(
        matches!(&refresh.request.body, Some(recording::Body::Json(body)) if body["webhookIds"].is_array()),
        "{:?}",
        refresh.request.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_attempt_of_a_retry_is_its_own_file() {
    let jira = FakeJira::start().await;
    control(
        &jira,
        "/_mock/faults",
        json!({"rules": [{"path": "/rest/api/3/webhook", "method": "GET", "kind": "rateLimit",
                          "times": 1, "retryAfter": 0}]}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (_, stderr, code) = run(jr_as(&jira, APP).args([
        "--record",
        &arg(dir.path()),
        "webhook",
        "get-dynamic-webhooks-for-app",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let found = recordings(dir.path());
    let statuses: Vec<u16> = found.values().map(|r| r.response.status).collect();
    assert_eq!(statuses, [429, 200], "{:?}", names(&found));
    let first = &found["getDynamicWebhooksForApp.1.json"];
    assert!(
        first
            .response
            .headers
            .iter()
            .any(|(n, v)| n == "retry-after" && v == "0"),
        "{:?}",
        first.response.headers
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_configured_secret_reaches_any_recorded_file() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rec = arg(dir.path());
    let connect_secret = "connect-app-secret";
    // Connect: a JWT signed with the shared secret on every request.
    let (_, stderr, code) = run(jr_as_connect(&jira, connect_secret).args([
        "--record",
        &rec,
        "webhook",
        "get-dynamic-webhooks-for-app",
    ]));
    assert_eq!(code, 0, "{stderr}");
    // OAuth 2.0 bearer through the gateway.
    let (_, stderr, code) =
        run(jr_as(&jira, APP).args(["--record", &rec, "webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(code, 0, "{stderr}");
    // A password in the base URL is refused before anything is sent.
    let with_password = jira
        .base_url()
        .replacen("http://", "http://admin:url-pass-word@", 1);
    let (_, stderr, code) = run(jr_as_user(&jira).env("JR_BASE_URL", &with_password).args([
        "--record",
        &rec,
        "myself",
        "get-current-user",
    ]));
    assert_eq!(code, 1, "{stderr}");
    // Basic auth, credentials in the query, a header and a JSON body (the
    // answer may be an error: it is recorded all the same).
    let (_, stderr, code) = run(jr_as_user(&jira)
        .args(["--record", &rec, "raw", "POST", "/rest/api/3/myself"])
        .args(["--query", "access_token=query-access-token"])
        .args(["--query", "jwt=query-jwt-value"])
        .args(["--header", "X-Api-Key: header-api-key"])
        .args([
            "--body",
            r#"{"password":"body-password","client_secret":"body-client-secret","nested":{"refresh_token":"body-refresh-token","sharedSecret":"body-shared-secret","code":"body-code"}}"#,
        ]));
    assert!(code == 0 || code == 4 || code == 3, "{code}: {stderr}");
    let basic = "user@example.com:user-token";
    let basic_encoded = "dXNlckBleGFtcGxlLmNvbTp1c2VyLXRva2Vu";
    let secrets = [
        "user-token",
        basic_encoded,
        basic,
        APP,
        connect_secret,
        // Every JWT starts with the base64 of `{"`.
        "eyJ",
        "url-pass-word",
        "query-access-token",
        "query-jwt-value",
        "header-api-key",
        "body-password",
        "body-client-secret",
        "body-refresh-token",
        "body-shared-secret",
        "body-code",
    ];
    let files = every_file(dir.path());
    assert!(files.len() >= 3, "{files:?}");
    for (path, text) in &files {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} in {path}:\n{text}");
        }
    }
    let found = recordings(dir.path());
    assert_eq!(
        names(&found),
        [
            "getDynamicWebhooksForApp.1.json",
            "getDynamicWebhooksForApp.2.json",
            "raw.POST.1.json"
        ]
    );
    let raw = &found["raw.POST.1.json"];
    assert_eq!(raw.base.url, jira.base_url().trim_end_matches('/'));
    assert!(
        raw.request
            .query
            .iter()
            .all(|(_, value)| value == "<redacted>"),
        "{:?}",
        raw.request.query
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pseudonymised_recordings_hold_no_real_person_and_stay_stable() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rec = arg(dir.path());
    let real = [
        "5b10a2844c20165700ede21g",
        "5b10a0effa615349cb016cd8",
        "mia@example.com",
        "will@example.com",
    ];
    for _ in 0..2 {
        let (out, stderr, code) = run(jr_as_user(&jira).args([
            "--record",
            &rec,
            "--record-pseudonymise",
            "group",
            "get-users-from",
            "--groupname",
            "jira-users",
            "--no-paginate",
        ]));
        assert_eq!(code, 0, "{stderr}");
        assert!(
            out.to_string().contains("mia@example.com"),
            "stdout keeps the real answer"
        );
    }
    let (_, stderr, code) = run(jr_as_user(&jira).args([
        "--record",
        &rec,
        "--record-pseudonymise",
        "raw",
        "GET",
        "/rest/api/3/user",
        "--query",
        "accountId=5b10a2844c20165700ede21g",
    ]));
    assert!(code == 0 || code == 3, "{code}: {stderr}");
    for (path, text) in every_file(dir.path()) {
        for value in real {
            assert!(!text.contains(value), "{value} in {path}:\n{text}");
        }
    }
    let found = recordings(dir.path());
    assert!(found.values().all(|r| r.pseudonymised));
    let first_user = |name: &str| -> Value {
        let body = found[name]
            .response
            .body
            .as_ref()
            .unwrap()
            .to_bytes()
            .unwrap();
        serde_json::from_slice::<Value>(&body).unwrap()["values"][0].clone()
    };
    let (one, two) = (
        first_user("getUsersFromGroup.1.json"),
        first_user("getUsersFromGroup.2.json"),
    );
    assert_eq!(one["accountId"], two["accountId"], "stable across runs");
    assert_eq!(one["emailAddress"], two["emailAddress"]);
    let email = one["emailAddress"].as_str().unwrap();
    assert!(
        email.starts_with("user-") && email.ends_with("@example.invalid"),
        "{email}"
    );
    // The account ID in a later query is the same pseudonym.
    let raw = &found["raw.GET.1.json"];
    assert_eq!(
        raw.request.query,
        [(
            "accountId".to_owned(),
            one["accountId"].as_str().unwrap().to_owned()
        )]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_runs_into_one_directory_keep_every_file_and_agree_on_the_key() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rec = arg(dir.path());
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let mut cmd = jr_as_user(&jira);
            cmd.args(["--record", &rec, "--record-pseudonymise"]).args([
                "raw",
                "GET",
                "/rest/api/3/myself",
            ]);
            std::thread::spawn(move || run(&mut cmd))
        })
        .collect();
    for handle in runs {
        let (_, stderr, code) = handle.join().unwrap();
        assert_eq!(code, 0, "{stderr}");
    }
    let found = recordings(dir.path());
    let expected: Vec<String> = (1..=8).map(|n| format!("raw.GET.{n}.json")).collect();
    assert_eq!(
        names(&found),
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let emails: std::collections::BTreeSet<String> = found
        .values()
        .map(|r| {
            let body = r.response.body.as_ref().unwrap().to_bytes().unwrap();
            serde_json::from_slice::<Value>(&body).unwrap()["emailAddress"].to_string()
        })
        .collect();
    assert_eq!(emails.len(), 1, "one key for every run: {emails:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unusable_directory_is_refused_before_anything_is_sent() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let target = file.join("rec");
    let (out, stderr, code) =
        run(jr_as_user(&jira).args(["--record", &arg(&target), "myself", "get-current-user"]));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(out, Value::Null);
    let error = error_line(&stderr);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&arg(&target)), "{message}");
    assert!(
        error["hint"].as_str().unwrap().contains("--record"),
        "{error}"
    );
    let journal = control_get(&jira, "/_mock/requests").await;
    assert!(
        !journal.to_string().contains("/rest/api/3/myself"),
        "nothing was sent: {journal}"
    );
}

/// A recording that cannot be written after its exchange: the answer is
/// still printed, then exit 1 names the directory.
#[tokio::test(flavor = "multi_thread")]
async fn a_write_failure_after_the_exchange_prints_the_answer_then_exits_1() {
    let jira = FakeJira::start().await;
    // The answer comes 2 s late: time to take the directory away meanwhile.
    control(
        &jira,
        "/_mock/faults",
        json!({"rules": [{"path": "/rest/api/3/myself", "kind": "latency", "ms": 2000}]}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec");
    let mut cmd = jr_as_user(&jira);
    cmd.args(["--record", &arg(&rec), "myself", "get-current-user"]);
    let running = std::thread::spawn(move || run(&mut cmd));
    // jr creates the directory just before it sends.
    let mut polls = 0;
    while !rec.exists() && polls < 500 {
        std::thread::sleep(std::time::Duration::from_millis(10));
        polls += 1;
    }
    assert!(rec.exists(), "jr never created {}", rec.display());
    std::fs::remove_dir_all(&rec).unwrap();
    let (out, stderr, code) = running.join().unwrap();
    assert_eq!(code, 1, "{stderr}");
    assert!(out["accountId"].is_string(), "the answer is printed: {out}");
    let message = error_line(&stderr)["message"].as_str().unwrap().to_owned();
    assert!(message.contains("could not be written"), "{message}");
    assert!(message.contains(&arg(&rec)), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_records_nothing_and_pseudonymise_needs_a_directory() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec");
    let (_, stderr, code) = run(jr_as_user(&jira).args([
        "--record",
        &arg(&rec),
        "--dry-run",
        "myself",
        "get-current-user",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!rec.exists() || every_file(&rec).is_empty());
    let (_, stderr, code) =
        run(jr_as_user(&jira).args(["--record-pseudonymise", "myself", "get-current-user"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        error_line(&stderr)["message"]
            .as_str()
            .unwrap()
            .contains("--record")
    );
}

/// GETs jr-mock's control API.
async fn control_get(jira: &FakeJira, path: &str) -> Value {
    reqwest::get(format!("{}{path}", jira.base_url()))
        .await
        .expect("control call")
        .json()
        .await
        .expect("control answer is JSON")
}
