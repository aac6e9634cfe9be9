//! The project's own recordings (issue 19): `fixtures/jr-mock/` is what the
//! session of `fixtures/jr-mock/SESSION` records against a deterministic
//! jr-mock (the freshness check, the same steps `cargo xtask fixtures
//! record --check` runs), and a recorded session replays from a second
//! jr-mock started with `--fixtures` with the same stdout and exit codes.

use crate::fixture_session::{self as session, Outcome, Target, Who};
use jr_mock::{FakeJira, MockConfig};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// `fixtures/jr-mock/` in the repository.
fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/jr-mock")
}

/// A jr-mock configured as `cargo xtask fixtures record` starts the binary
/// (`session::mock_args`).
async fn deterministic_mock() -> FakeJira {
    FakeJira::start_with(MockConfig {
        start_ms: Some(session::START_MS),
        retry_delay_ms: Some(session::RETRY_DELAY_MS),
        seed: Some(session::RANDOM_SEED),
        ..MockConfig::default()
    })
    .await
}

/// Runs the whole session against `jira`, recording into `dir` when given.
fn run_session(jira: &FakeJira, steps: &[session::Step], record: Option<&Path>) -> Vec<Outcome> {
    let base = jira.base_url();
    let target = Target {
        jr: Path::new(env!("CARGO_BIN_EXE_jr")),
        base_url: base.trim_end_matches('/'),
        cloud_id: session::CLOUD_ID,
        record,
    };
    session::run(steps, target).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_jr_mock_recordings_are_fresh() {
    assert_eq!(session::CLOUD_ID, jr_mock::model::DEFAULT_CLOUD_ID);
    let jira = deterministic_mock().await;
    let steps = session::parse(session::SESSION).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    run_session(&jira, &steps, Some(fresh.path()));
    session::canonicalise(fresh.path(), &jira.base_url()).unwrap();
    if let Err(drift) = session::compare(&committed(), fresh.path()) {
        panic!("fixtures/jr-mock/ is stale; run `cargo xtask fixtures record`:\n{drift}");
    }

    // The check can fail: one edited byte of an answer, one missing file.
    let edited = tempfile::tempdir().unwrap();
    for file in session::json_files(fresh.path()).unwrap() {
        std::fs::copy(&file, edited.path().join(file.file_name().unwrap())).unwrap();
    }
    let victim = edited.path().join("getIssue.1.json");
    let mut value: Value = serde_json::from_slice(&std::fs::read(&victim).unwrap()).unwrap();
    value["response"]["body"]["json"]["key"] = json!("ABC-7");
    std::fs::write(&victim, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    std::fs::remove_file(edited.path().join("createIssue.5.json")).unwrap();
    let drift = session::compare(edited.path(), fresh.path()).unwrap_err();
    assert!(
        drift.contains("getIssue.1.json: at \"/response/body/json/key\" committed \"ABC-7\", recorded \"ABC-1\""),
        "{drift}"
    );
    assert!(
        drift.contains("createIssue.5.json: recorded now, not committed"),
        "{drift}"
    );
}

/// Each outcome's line, exit code, stdout and stderr, with `base` written
/// as `BASE`: jr prints URLs of the jr-mock it ran against (an issue's
/// `self`), whose port differs.
fn printed(outcomes: &[Outcome], base: &str) -> Vec<(usize, i32, String, String)> {
    let base = base.trim_end_matches('/');
    outcomes
        .iter()
        .map(|o| {
            let stdout = String::from_utf8_lossy(&o.stdout).replace(base, "BASE");
            (o.line, o.code, stdout, o.stderr.replace(base, "BASE"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_session_replays_from_a_second_jr_mock_with_the_same_output() {
    let first = deterministic_mock().await;
    let steps = session::parse(session::SESSION).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let recorded = run_session(&first, &steps, Some(dir.path()));

    // The second jr-mock has none of the first's state (no webhooks, no
    // issues, no fault rule): every answer comes from the recordings. Its
    // clock starts where the first's did, because jr reads jr-mock's clock
    // (not a recorded answer) to tell whether a listed webhook expired.
    let second = FakeJira::start_with(MockConfig {
        fixtures: Some(dir.path().to_path_buf()),
        start_ms: Some(session::START_MS),
        ..MockConfig::default()
    })
    .await;
    let jira_steps: Vec<session::Step> = steps
        .iter()
        .filter(|s| s.who != Who::Control)
        .cloned()
        .collect();
    let replayed = run_session(&second, &jira_steps, None);
    let recorded: Vec<Outcome> = recorded
        .into_iter()
        .filter(|o| jira_steps.iter().any(|s| s.line == o.line))
        .collect();
    let replayed = printed(&replayed, &second.base_url());
    let recorded = printed(&recorded, &first.base_url());
    assert_eq!(replayed.len(), recorded.len());
    for (again, before) in replayed.iter().zip(&recorded) {
        assert_eq!(again, before, "SESSION line {}", before.0);
    }

    // What the comparison covers: a gateway command whose `self` moved to
    // the second jr-mock's gateway prefix, 4xx ErrorCollections, the 429.
    let gateway = format!("BASE/ex/jira/{}/rest/api/3/issue/10000", session::CLOUD_ID);
    assert!(
        replayed.iter().any(|o| o.2.contains(&gateway)),
        "{replayed:?}"
    );
    let codes: Vec<i32> = replayed.iter().map(|o| o.1).collect();
    for code in [3, 4, 5] {
        assert!(codes.contains(&code), "{codes:?}");
    }
    assert!(
        replayed
            .iter()
            .any(|o| o.3.contains("Issue does not exist")),
        "{replayed:?}"
    );

    // Every answer came from a recording (none from the model or catalog),
    // the failed list's `next` URLs were followed on the second jr-mock.
    let journal: Value = reqwest::get(format!("{}/_mock/requests", second.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let requests = journal["requests"].as_array().unwrap();
    let failed_pages = requests
        .iter()
        .filter(|r| r["path"] == "/rest/api/3/webhook/failed")
        .count();
    assert_eq!(failed_pages, 4, "{journal}");
    for request in requests {
        assert_eq!(request["source"], "fixture", "{request}");
    }
}

/// `jr` at a wiremock server with a bearer token.
fn jr_at_wiremock(server: &wiremock::MockServer) -> assert_cmd::Command {
    let mut cmd = crate::support::jr_at(&server.uri());
    cmd.env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", crate::support::APP);
    cmd
}

/// The `member` items (`values`, `issues`) of every recorded page, in
/// order, with the recorded base moved to `base` as the server moved it.
fn recorded_items(names: &[&str], member: &str, base: &str) -> Vec<Value> {
    names
        .iter()
        .flat_map(|name| {
            let recording = crate::support::recording(name);
            let bytes = recording.response.body.unwrap().to_bytes().unwrap();
            let text = String::from_utf8(bytes).unwrap();
            let page: Value =
                serde_json::from_str(&text.replace(&recording.base.url, base)).unwrap();
            page[member].as_array().unwrap().clone()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn jr_walks_the_recorded_failed_pages_and_search_pages_and_reports_an_error_collection() {
    use crate::support::{error_line, mount_recordings, run};
    let server = wiremock::MockServer::start().await;
    let failed = [1, 2, 3, 4].map(|n| format!("jr-mock/getFailedWebhooks.{n}.json"));
    let failed: Vec<&str> = failed.iter().map(String::as_str).collect();
    let search = [1, 2, 3].map(|n| format!("jr-mock/searchAndReconsileIssuesUsingJql.{n}.json"));
    let search: Vec<&str> = search.iter().map(String::as_str).collect();
    mount_recordings(&server, &failed).await;
    mount_recordings(&server, &search).await;
    mount_recordings(&server, &["jr-mock/getIssue.3.json"]).await;

    // Four cursor pages, followed by their `next` URLs (moved to wiremock).
    let (out, stderr, code) =
        run(jr_at_wiremock(&server).args(["webhook", "get-failed", "--maxResults", "2"]));
    assert_eq!(code, 0, "{stderr}");
    let items = recorded_items(&failed, "values", &server.uri());
    assert_eq!(items.len(), 5);
    assert_eq!(out["values"], Value::Array(items));

    // Three token pages.
    let (out, stderr, code) = run(jr_at_wiremock(&server).args([
        "search",
        "search-and-reconsile-issues-using-jql",
        "--jql",
        "project = ABC ORDER BY key",
        "--maxResults",
        "2",
        "--fields",
        "summary,status",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let keys: Vec<&str> = out["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|issue| issue["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["ABC-1", "ABC-2", "ABC-3", "ABC-4", "ABC-5"]);
    assert_eq!(
        out["issues"],
        Value::Array(recorded_items(&search, "issues", &server.uri()))
    );

    // A 404 ErrorCollection: exit 3, Jira's answer kept in the error line.
    let (_, stderr, code) = run(jr_at_wiremock(&server).args(["issue", "get", "ABC-999"]));
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(
        error_line(&stderr)["jira"]["errorMessages"],
        json!(["Issue does not exist or you do not have permission to see it."])
    );
    let seen = server.received_requests().await.unwrap().len();
    assert_eq!(seen, 4 + 3 + 1);
}
