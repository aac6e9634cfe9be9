//! The `jr-mock` binary: first stdout line, control API, config file.

use crate::common::CLOUD_ID;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn spawn(args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jr-mock"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

/// The base URL in jr-mock's first line, a client without proxies, and
/// the switches it answers.
async fn url_and_switches(line: &str) -> (String, reqwest::Client, serde_json::Value) {
    let url = line
        .trim()
        .trim_start_matches("jr-mock listening on ")
        .to_owned();
    let client = crate::common::client();
    let switches = client
        .get(format!("{url}/_mock/switches"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (url, client, switches)
}

#[tokio::test]
async fn prints_its_url_first_and_serves_until_killed() {
    let dir = std::env::temp_dir().join(format!("jr-mock-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("ids.json");
    std::fs::write(
        &config,
        r#"{"oauthApps":[{"clientId":"mine","clientSecret":"s","accessTokens":[{"token":"t1"}]}]}"#,
    )
    .unwrap();
    let (mut child, line) = spawn(&[
        "--port",
        "0",
        "--config",
        config.to_str().unwrap(),
        "--retry-delay-ms",
        "5",
    ]);
    let url = line
        .trim()
        .strip_prefix("jr-mock listening on ")
        .unwrap()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");

    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let health = client
        .get(format!("{url}/_mock/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let mine = client
        .get(format!("{url}/ex/jira/{CLOUD_ID}/rest/api/3/webhook"))
        .bearer_auth("t1")
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), 200);
    let default_app = client
        .get(format!("{url}/ex/jira/{CLOUD_ID}/rest/api/3/webhook"))
        .bearer_auth("oauth-app-token")
        .send()
        .await
        .unwrap();
    assert_eq!(default_app.status(), 401);

    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_documents_the_config_shape_and_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_jr-mock"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "--port",
        "--config",
        "--retry-delay-ms",
        "--oauth-reads-failed",
        "--lenient-auth",
        "Hides client bugs",
        "--webhook-limit",
        "--delivery-timeout-ms",
        "--external-deliveries",
        "--start-ms",
        "--faults",
        "--token-lifetime-ms",
        "--allow-second-url",
        "--state",
        "--duplicate-deliveries",
        "--degrade-failing-urls",
        "--max-body-size",
        "--header-timeout-ms",
        "--idle-timeout-ms",
        "LIMITS",
        "oauthApps",
        "connectApps",
        "oauth-app-token",
        "other-app-token",
        "connect-app-secret",
        "user-token",
        "/_mock/health",
        "/_mock/clock",
        "/_mock/events",
        "/_mock/deliveries",
        "/_mock/reset",
        "/_mock/switches",
        "/_mock/faults",
        "/oauth/token",
        "/authorize",
        "/_edge/tenant_info",
        "STATE",
        "rateLimit",
        "closeConnection",
        "405",
    ] {
        assert!(help.contains(needle), "{needle} missing from --help");
    }
}

#[test]
fn a_bad_config_file_fails_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_jr-mock"))
        .args(["--config", "/nonexistent/ids.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[tokio::test]
async fn switches_on_the_command_line_reach_the_fake() {
    let (mut child, line) = spawn(&["--duplicate-deliveries", "--allow-second-url"]);
    let (url, client, switches) = url_and_switches(&line).await;
    let mut statuses = Vec::new();
    for hook in ["https://a.test/hook", "https://b.test/hook"] {
        let body = serde_json::json!({"url": hook,
            "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = A"}]});
        let resp = client
            .post(format!("{url}/ex/jira/{CLOUD_ID}/rest/api/3/webhook"))
            .bearer_auth("oauth-app-token")
            .json(&body)
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        switches,
        serde_json::json!({"duplicateDeliveries": true, "allowSecondUrl": true,
            "oauthReadsFailed": false, "lenientAuth": false, "degradeFailingUrls": false})
    );
    assert_eq!(statuses, [200, 200], "a second URL is allowed");
}

#[tokio::test]
async fn fault_rules_from_a_file_apply_from_the_start() {
    let dir = std::env::temp_dir().join(format!("jr-mock-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("faults.json");
    std::fs::write(
        &rules,
        r#"{"rules":[{"path":"/rest/api/3/serverInfo","kind":"unavailable","times":1}]}"#,
    )
    .unwrap();
    let (mut child, line) = spawn(&["--faults", rules.to_str().unwrap()]);
    let url = line
        .trim()
        .strip_prefix("jr-mock listening on ")
        .unwrap()
        .to_owned();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let resp = client
            .get(format!("{url}/rest/api/3/serverInfo"))
            .basic_auth("user@example.com", Some("user-token"))
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(statuses, [503, 200]);
}

#[test]
fn a_bad_fault_file_fails_with_a_message() {
    let dir = std::env::temp_dir().join(format!("jr-mock-badfaults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("faults.json");
    std::fs::write(&rules, r#"{"rules":[{"path":"/x","kind":"explode"}]}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_jr-mock"))
        .args(["--faults", rules.to_str().unwrap()])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid fault rules"));
}

#[tokio::test]
async fn switches_from_the_config_file_and_the_command_line_add_up() {
    let dir = std::env::temp_dir().join(format!("jr-mock-switches-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    std::fs::write(&config, r#"{"switches": {"oauthReadsFailed": true}}"#).unwrap();
    let (mut child, line) = spawn(&[
        "--config",
        config.to_str().unwrap(),
        "--duplicate-deliveries",
    ]);
    let (_, _, switches) = url_and_switches(&line).await;
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        switches,
        serde_json::json!({"duplicateDeliveries": true, "allowSecondUrl": false,
            "oauthReadsFailed": true, "lenientAuth": false, "degradeFailingUrls": false})
    );
}

/// `jr-mock -v` prints one stderr line per request (method, path, query,
/// status; credentials redacted) and one per delivery attempt.
#[tokio::test(flavor = "multi_thread")]
async fn verbose_logs_each_request_and_delivery_attempt_on_stderr() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jr-mock"))
        .args(["--port", "0", "-v", "--retry-delay-ms", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .trim_start_matches("jr-mock listening on ")
        .to_owned();
    let client = crate::common::client();
    let anonymous = client
        .get(format!("{base}/rest/api/3/myself?jwt=s3cr3t"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    // A delivery attempt to a closed port on loopback: it fails, and is logged.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let registered = client
        .post(format!("{base}/ex/jira/{CLOUD_ID}/rest/api/3/webhook"))
        .bearer_auth("oauth-app-token")
        .json(
            &serde_json::json!({"url": format!("http://127.0.0.1:{port}/hook"),
            "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = ABC"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 200);
    let event = serde_json::json!({"webhookEvent": "jira:issue_created",
        "issue": {"key": "ABC-1", "fields": {"project": {"key": "ABC"}}}});
    let sent = client
        .post(format!("{base}/_mock/events"))
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("GET /rest/api/3/myself?jwt=<redacted> -> 401"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t"), "{stderr}");
    assert!(
        stderr.contains("attempt 1 to http://127.0.0.1:") && stderr.contains("/hook"),
        "{stderr}"
    );
}
