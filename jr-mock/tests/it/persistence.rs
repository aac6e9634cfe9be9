//! `--state FILE`: the jr-mock binary is killed (SIGKILL) in the middle of
//! a burst of registrations and restarted from its file; every
//! registration that was answered 200 is still there.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{CLOUD_ID, START_MS, connect_jwt};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// Registrations acknowledged before the kill.
const KILL_AFTER: usize = 40;
/// Requests per client, at most.
const PER_CLIENT: usize = 200;

fn spawn(state: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jr-mock"))
        .args(["--port", "0", "--webhook-limit", "100000", "--start-ms"])
        .arg(START_MS.to_string())
        .arg("--state")
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("jr-mock listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, url)
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// `Authorization` for `app` calling `verb` on `url`.
/// Where `app` sends its requests: OAuth apps through the gateway prefix.
fn site(base: &str, app: &str) -> String {
    match app {
        "oauth-app" | "other-app" => format!("{base}/ex/jira/{CLOUD_ID}"),
        _ => base.to_owned(),
    }
}

fn auth(app: &str, verb: &str, url: &str) -> String {
    match app {
        "oauth-app" => "Bearer oauth-app-token".to_owned(),
        "other-app" => "Bearer other-app-token".to_owned(),
        _ => format!("JWT {}", connect_jwt(verb, url)),
    }
}

const APPS: [&str; 3] = ["oauth-app", "other-app", "com.example.connect-app"];

/// Registers one webhook at a time for `app` until an error or the bound;
/// pushes every acknowledged ID.
async fn burst(
    base: String,
    app: &'static str,
    acked: Arc<Mutex<Vec<(String, i64)>>>,
    count: Arc<(AtomicUsize, Notify)>,
) {
    let client = client();
    let url = format!("{}/rest/api/3/webhook", site(&base, app));
    let body = json!({"url": "http://127.0.0.1:9/hook",
        "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = ABC"}]});
    for _ in 0..PER_CLIENT {
        let sent = client
            .post(&url)
            .header("Authorization", auth(app, "POST", &url))
            .json(&body)
            .send()
            .await;
        let Ok(resp) = sent else { return };
        if resp.status() != 200 {
            return;
        }
        let Ok(answer) = resp.json::<Value>().await else {
            return;
        };
        if let Some(id) = answer["webhookRegistrationResult"][0]["createdWebhookId"].as_i64() {
            acked.lock().unwrap().push((app.to_owned(), id));
            if count.0.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                count.1.notify_one();
            }
        }
    }
}

async fn listed_ids(base: &str, app: &str) -> Vec<i64> {
    let url = format!("{}/rest/api/3/webhook?maxResults=100000", site(base, app));
    let page: Value = client()
        .get(&url)
        .header("Authorization", auth(app, "GET", &url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_jr_mock_restarts_with_every_acknowledged_registration() {
    let dir = std::env::temp_dir().join(format!("jr-mock-persist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let (mut child, base) = spawn(&state);
    let acked = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new((AtomicUsize::new(0), Notify::new()));

    let clients: Vec<_> = APPS
        .iter()
        .flat_map(|app| [app, app])
        .map(|app| tokio::spawn(burst(base.clone(), app, acked.clone(), count.clone())))
        .collect();
    let waited = tokio::time::timeout(Duration::from_secs(30), count.1.notified()).await;
    child.kill().unwrap(); // SIGKILL: no chance to flush anything
    child.wait().unwrap();
    assert!(
        waited.is_ok(),
        "the burst never reached {KILL_AFTER} registrations"
    );
    for c in clients {
        c.await.unwrap();
    }

    let (mut restarted, base) = spawn(&state);
    let acked = acked.lock().unwrap().clone();
    let mut missing = Vec::new();
    for app in APPS {
        let present = listed_ids(&base, app).await;
        let want = acked.iter().filter(|(a, _)| a == app).map(|(_, id)| *id);
        missing.extend(want.filter(|id| !present.contains(id)));
    }
    restarted.kill().unwrap();
    restarted.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(acked.len() >= KILL_AFTER);
    assert!(
        missing.is_empty(),
        "lost acknowledged registrations: {missing:?}"
    );
}

#[tokio::test]
async fn a_state_file_of_another_version_is_refused_at_start() {
    let dir = std::env::temp_dir().join(format!("jr-mock-badstate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    std::fs::write(&state, r#"{"version": 99}"#).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_jr-mock"))
        .arg("--state")
        .arg(&state)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("version"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[tokio::test]
async fn a_registration_that_cannot_be_saved_is_refused_and_not_applied() {
    let dir = std::env::temp_dir().join(format!("jr-mock-unsaved-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let jira = jr_mock::FakeJira::start_with(jr_mock::MockConfig {
        state_file: Some(state.clone()),
        ..common::config()
    })
    .await;
    // A directory where the temporary file goes: every save fails, even as root.
    let blocker = dir.join(".state.json.tmp");
    std::fs::create_dir_all(&blocker).unwrap();
    let body = json!({"url": "https://h.test/x",
        "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = A"}]});
    let url = format!("{}/rest/api/3/webhook", jira.base_url());
    let (status, answer) = common::send("POST", &url, common::OAUTH, Some(&body)).await;
    assert_eq!(status, 503, "{answer}");
    assert!(
        answer["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("could not save")
    );
    let (_, page) = common::send("GET", &url, common::OAUTH, None).await;
    assert_eq!(page["total"], 0, "the refused registration is not live");

    std::fs::remove_dir(&blocker).unwrap();
    let (status, _) = common::send("POST", &url, common::OAUTH, Some(&body)).await;
    assert_eq!(status, 200);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(saved["webhooks"].as_array().unwrap().len(), 1);
    drop(jira);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 12 (class 13): on a full disk a registration is refused, never
/// live, gone after a restart, and no partial temporary file is left. The
/// temporary file is a link to /dev/full, where every write fails with
/// ENOSPC, as on a full disk.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn on_a_full_disk_a_registration_is_refused_not_live_and_leaves_no_temp_file() {
    let dir = std::env::temp_dir().join(format!("jr-mock-full-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let tmp = dir.join(".state.json.tmp");
    let disk_full = || std::os::unix::fs::symlink("/dev/full", &tmp).unwrap();
    let receiver = common::receiver(200).await;
    let (mut child, base) = spawn(&state);
    let client = client();
    let url = format!("{base}/ex/jira/{CLOUD_ID}/rest/api/3/webhook");
    let register = |jql: &str| {
        let body = json!({"url": format!("{}/hook", receiver.uri()),
            "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": jql}]});
        client
            .post(&url)
            .bearer_auth("oauth-app-token")
            .json(&body)
            .send()
    };
    assert_eq!(register("project = A").await.unwrap().status(), 200);

    disk_full();
    let refused = register("project = B").await.unwrap();
    assert_eq!(refused.status(), 503);
    let answer: Value = refused.json().await.unwrap();
    assert!(answer.to_string().contains("could not save"), "{answer}");
    assert!(
        std::fs::symlink_metadata(&tmp).is_err(),
        "the failed save left its temporary file"
    );

    disk_full();
    let emitted: Value = client
        .post(format!("{base}/_mock/events"))
        .json(&common::event("B"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        emitted["deliveries"],
        json!([]),
        "the refused webhook is not live"
    );
    std::fs::remove_file(&tmp).unwrap();

    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, base) = spawn(&state);
    let hooks: Value = client
        .get(format!("{base}/ex/jira/{CLOUD_ID}/rest/api/3/webhook"))
        .bearer_auth("oauth-app-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let filters: Vec<&str> = hooks["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["jqlFilter"].as_str())
        .collect();
    assert_eq!(filters, ["project = A"]);
    child.kill().unwrap();
    child.wait().unwrap();
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("state.json")]);
    std::fs::remove_dir_all(&dir).unwrap();
}
