//! The webhook developer's loop end to end: `jr webhook listen` receiving
//! jr-mock's signed deliveries (both schemes, retries), `trigger` for every
//! event, `replay` of failed deliveries, `ensure` on the virtual clock and
//! `status`. Every wait is bounded by a deadline; time moves only through
//! jr-mock's virtual clock.

use crate::support::*;
use jr_mock::{FakeJira, MockConfig};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a test waits for one line from `jr webhook listen`.
const LINE_WAIT: Duration = Duration::from_secs(20);

/// A running `jr webhook listen`, its stdout and stderr read line by line
/// on threads, killed when dropped.
struct Listener {
    child: Child,
    /// `http://127.0.0.1:PORT/hook`, from its first stderr line.
    url: String,
    stdout: mpsc::Receiver<String>,
}

impl Listener {
    /// Starts `jr webhook listen ARGS` (no Jira settings: it needs none).
    fn start(args: &[&str]) -> Listener {
        Listener::start_with_env(args, &[])
    }

    fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Listener {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jr"))
            .args(["--compact", "webhook", "listen"])
            .args(args)
            .env("XDG_CONFIG_HOME", "/nonexistent/jr-test-config")
            .env("JR_NO_KEYRING", "1")
            .env_remove("JR_WEBHOOK_SECRET")
            .env_remove("JR_BASE_URL")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("jr starts");
        let stdout = lines(child.stdout.take().expect("piped"));
        let stderr = lines(child.stderr.take().expect("piped"));
        let first = stderr.recv_timeout(LINE_WAIT).expect("a listening line");
        let listening: Value = serde_json::from_str(&first).expect("JSON");
        let url = listening["listening"].as_str().expect("a URL").to_owned();
        Listener { child, url, stdout }
    }

    /// The next delivery line, parsed; fails the test after [`LINE_WAIT`].
    fn next(&self) -> Value {
        let line = self
            .stdout
            .recv_timeout(LINE_WAIT)
            .expect("a delivery line in time");
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"))
    }

    /// Waits for the process to end by itself; its exit code.
    fn exit_code(mut self) -> i32 {
        let deadline = std::time::Instant::now() + LINE_WAIT;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code().unwrap_or(-1);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("jr webhook listen did not exit in time");
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(reader: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Registers `url` for issue events in project ABC as `cmd`'s app.
fn register_with(mut cmd: assert_cmd::Command, url: &str) -> i64 {
    let (out, stderr, code) = run(cmd.args([
        "webhook",
        "register-dynamic",
        "--url",
        url,
        "--jql",
        "project = ABC",
        "--event",
        "jira:issue_created",
    ]));
    assert_eq!(code, 0, "{stderr}");
    out["webhookRegistrationResult"][0]["createdWebhookId"]
        .as_i64()
        .unwrap_or_else(|| panic!("no ID in {out}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_verifies_an_oauth_apps_bearer_signature_valid_and_invalid() {
    let jira = FakeJira::start().await;
    let good = Listener::start(&["--secret", "oauth-app-secret", "--max", "1"]);
    let bad = Listener::start(&["--secret", "oauth-app-secret", "--reject-invalid"]);
    let id = register_with(jr_as(&jira, APP), &good.url);
    // other-app signs with its own client secret: wrong for this listener.
    register_with(jr_as(&jira, OTHER_APP), &bad.url);
    issue_created(&jira, "ABC-1").await;

    let line = good.next();
    assert_eq!(
        line["signature"],
        json!({"scheme": "oauth-bearer", "valid": true, "reason": "HS256 signature and exp verified"})
    );
    assert_eq!(line["event"], "jira:issue_created");
    assert_eq!(line["status"], 204);
    assert_eq!(line["matched_webhook_ids"], json!([id]));
    assert_eq!(line["flow"], "Primary");
    assert!(line.get("retry").is_none(), "a first attempt: {line}");
    assert!(line["identifier"].is_string(), "{line}");
    assert_eq!(line["body"]["issue"]["key"], "ABC-1");
    assert_eq!(good.exit_code(), 0, "--max 1 ends it");

    let line = bad.next();
    assert_eq!(line["signature"]["scheme"], "oauth-bearer");
    assert_eq!(line["signature"]["valid"], false);
    assert!(
        line["signature"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("signature does not match")),
        "{line}"
    );
    assert_eq!(line["status"], 401, "--reject-invalid");
    let attempts = jira.deliveries();
    assert!(
        attempts
            .iter()
            .any(|a| a.url == bad.url && a.status == Some(401)),
        "jr-mock saw the 401"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_verifies_a_connect_apps_jwt_with_its_qsh_valid_and_invalid() {
    let jira = FakeJira::start().await;
    let good = Listener::start_with_env(
        &["--max", "1"],
        &[("JR_WEBHOOK_SECRET", "connect-app-secret")],
    );
    register_with(jr_as_connect(&jira, "connect-app-secret"), &good.url);
    issue_created(&jira, "ABC-2").await;
    let line = good.next();
    assert_eq!(
        line["signature"],
        json!({"scheme": "connect-jwt", "valid": true, "reason": "HS256 signature, exp and qsh verified"})
    );
    assert_eq!(good.exit_code(), 0);

    let jira = FakeJira::start().await;
    let bad = Listener::start(&["--secret", "not-the-shared-secret", "--max", "1"]);
    register_with(jr_as_connect(&jira, "connect-app-secret"), &bad.url);
    issue_created(&jira, "ABC-3").await;
    let line = bad.next();
    assert_eq!(line["signature"]["scheme"], "connect-jwt");
    assert_eq!(line["signature"]["valid"], false);
    assert_eq!(line["status"], 204, "reported, not rejected");
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_answers_in_turn_and_sees_jiras_retries_of_one_delivery() {
    let delay = 60_000;
    let jira = FakeJira::start_with(MockConfig {
        retry_delay_ms: Some(delay),
        ..MockConfig::default()
    })
    .await;
    let listener = Listener::start(&["--respond", "503,503,200", "--max", "3"]);
    register_with(jr_as(&jira, APP), &listener.url);
    issue_created(&jira, "ABC-4").await;
    let first = listener.next();
    advance(&jira, delay).await;
    let second = listener.next();
    advance(&jira, delay).await;
    let third = listener.next();
    let seen: Vec<(Value, Value)> = [&first, &second, &third]
        .iter()
        .map(|l| {
            (
                l["status"].clone(),
                l.get("retry").cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (json!(503), Value::Null),
            (json!(503), json!(1)),
            (json!(200), json!(2))
        ]
    );
    assert_eq!(first["identifier"], second["identifier"]);
    assert_eq!(first["identifier"], third["identifier"]);
    assert_eq!(listener.exit_code(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_forwards_to_the_app_and_answers_with_its_status() {
    let jira = FakeJira::start().await;
    let app = receiver(202).await;
    let forward = format!("{}/app", app.uri());
    let listener = Listener::start(&["--forward-to", &forward, "--max", "1"]);
    register_with(jr_as(&jira, APP), &listener.url);
    issue_created(&jira, "ABC-5").await;
    let line = listener.next();
    assert_eq!(line["status"], 202);
    assert_eq!(line["forward"], json!({"url": forward, "status": 202}));
    let received = app.received_requests().await.expect("recorded");
    assert_eq!(received.len(), 1);
    let sent: Value = serde_json::from_slice(&received[0].body).expect("JSON");
    assert_eq!(sent["issue"]["key"], "ABC-5");
    assert!(
        received[0]
            .headers
            .contains_key("x-atlassian-webhook-identifier")
    );
    assert!(received[0].headers.contains_key("authorization"));
}

#[test]
fn listen_refuses_to_forward_off_this_machine_without_allow_remote() {
    let (_, stderr, code) = run(jr_isolated().args([
        "webhook",
        "listen",
        "--forward-to",
        "https://app.example.com/hook",
    ]));
    assert_eq!(code, 4);
    assert!(
        error_line(&stderr)["hint"]
            .as_str()
            .is_some_and(|h| h.contains("--allow-remote")),
        "{stderr}"
    );
}

/// `jr` as the OAuth app `oauth-app`, compact output.
fn app(jira: &FakeJira) -> assert_cmd::Command {
    let mut cmd = jr_as(jira, APP);
    cmd.arg("--compact");
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn trigger_sends_each_of_the_20_events_to_the_webhooks_whose_jql_matches() {
    let jira = FakeJira::start().await;
    let sink = receiver(200).await;
    let events: Vec<&str> = jr_core::webhook::events::EVENTS.to_vec();
    let body = json!({"url": format!("{}/hook", sink.uri()), "webhooks": [
        {"jqlFilter": "project = ABC AND issuetype = Bug", "events": events},
        {"jqlFilter": "project = XYZ", "events": events}]});
    let (out, stderr, code) =
        run(app(&jira).args(["webhook", "register-dynamic", "--body", &body.to_string()]));
    assert_eq!(code, 0, "{stderr}");
    let abc_bugs = out["webhookRegistrationResult"][0]["createdWebhookId"].clone();
    let xyz = out["webhookRegistrationResult"][1]["createdWebhookId"].clone();
    for event in &events {
        let (out, stderr, code) = run(app(&jira).args([
            "webhook",
            "trigger",
            event,
            "--issue",
            "ABC-7",
            "--issuetype",
            "Bug",
            "--changelog",
            "status:To Do:Done",
            "--comment",
            "hi",
        ]));
        assert_eq!(code, 0, "{event}: {stderr}");
        assert_eq!(out["event"], json!(event));
        let issue_event = !event.starts_with("sprint_") && !event.starts_with("jira:version_");
        let expected = if issue_event {
            json!([abc_bugs])
        } else {
            json!([abc_bugs, xyz])
        };
        assert_eq!(out["matchedWebhookIds"], expected, "{event}: {out}");
        assert_eq!(out["deliveries"][0]["status"], 200, "{event}: {out}");
        assert_eq!(
            out["deliveries"][0]["url"],
            json!(format!("{}/hook", sink.uri()))
        );
    }
    let (out, _, code) = run(app(&jira).args([
        "webhook",
        "trigger",
        "jira:issue_created",
        "--issue",
        "ABC-8",
        "--issuetype",
        "Task",
    ]));
    assert_eq!(
        (code, out["matchedWebhookIds"].clone()),
        (0, json!([])),
        "the JQL filters"
    );
    let received = sink.received_requests().await.expect("recorded");
    assert_eq!(received.len(), events.len(), "one delivery per event");
}

#[tokio::test(flavor = "multi_thread")]
async fn trigger_refuses_an_unknown_event_and_a_server_that_is_not_a_jr_mock() {
    let jira = FakeJira::start().await;
    let (_, stderr, code) = run(app(&jira).args(["webhook", "trigger", "jira:issue_create"]));
    assert_eq!(code, 4);
    let error = error_line(&stderr);
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("jira:issue_created") && m.contains("sprint_started")),
        "{error}"
    );
    let site = receiver(404).await;
    let (_, stderr, code) =
        run(jr_at(&site.uri()).args(["webhook", "trigger", "jira:issue_created"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        error_line(&stderr)["message"]
            .as_str()
            .is_some_and(|m| m.contains("Jira Cloud cannot be told")),
        "{stderr}"
    );
}

/// A jr-mock with a 1 s retry delay, and the Connect app's webhook at a
/// receiver answering 503: after the retries one failure is listed.
async fn failed_delivery() -> (FakeJira, wiremock::MockServer, Value) {
    let jira = FakeJira::start_with(MockConfig {
        retry_delay_ms: Some(1000),
        ..MockConfig::default()
    })
    .await;
    let broken = receiver(503).await;
    register_with(
        jr_as_connect(&jira, "connect-app-secret"),
        &format!("{}/hook", broken.uri()),
    );
    issue_created(&jira, "ABC-9").await;
    advance(&jira, 5 * 1000).await;
    let (failed, stderr, code) =
        run(jr_as_connect(&jira, "connect-app-secret").args(["webhook", "get-failed"]));
    assert_eq!(code, 0, "{stderr}");
    let record = failed["values"][0].clone();
    assert!(record["body"].is_string(), "{failed}");
    (jira, broken, record)
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_redelivers_a_failed_delivery_byte_exact_with_its_identifier() {
    let (jira, _broken, record) = failed_delivery().await;
    let app_now = receiver(200).await;
    let (out, stderr, code) = run(jr_as_connect(&jira, "connect-app-secret").args([
        "--compact",
        "webhook",
        "replay",
        "--forward-to",
        &format!("{}/hook", app_now.uri()),
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out["id"], record["id"]);
    assert_eq!(
        (out["status"].clone(), out["ok"].clone()),
        (json!(200), json!(true))
    );
    let received = app_now.received_requests().await.expect("recorded");
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].body,
        record["body"].as_str().unwrap_or_default().as_bytes(),
        "byte-exact"
    );
    assert_eq!(
        received[0]
            .headers
            .get("x-atlassian-webhook-identifier")
            .and_then(|v| v.to_str().ok()),
        record["id"].as_str()
    );
    assert_eq!(
        received[0]
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );

    let listener = Listener::start(&["--max", "1"]);
    let (_, stderr, code) = run(jr_as_connect(&jira, "connect-app-secret").args([
        "webhook",
        "replay",
        "--forward-to",
        &listener.url,
    ]));
    assert_eq!(code, 0, "{stderr}");
    let line = listener.next();
    assert_eq!(line["identifier"], record["id"]);
    let sent: Value = serde_json::from_str(record["body"].as_str().unwrap_or_default()).unwrap();
    assert_eq!(line["body"], sent);
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_to_the_records_own_url_that_still_fails_is_exit_1_and_dry_run_sends_nothing() {
    let (jira, broken, record) = failed_delivery().await;
    let before = broken.received_requests().await.expect("recorded").len();
    let (out, stderr, code) = run(jr_as_connect(&jira, "connect-app-secret").args([
        "--compact",
        "--dry-run",
        "webhook",
        "replay",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out["dryRun"], true);
    assert_eq!(
        broken.received_requests().await.expect("recorded").len(),
        before,
        "nothing sent"
    );
    let (out, stderr, code) =
        run(jr_as_connect(&jira, "connect-app-secret").args(["--compact", "webhook", "replay"]));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        (out["status"].clone(), out["ok"].clone()),
        (json!(503), json!(false))
    );
    let message = error_line(&stderr)["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains(record["id"].as_str().unwrap_or("?")),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_as_an_oauth_app_refused_the_failures_explains_the_403() {
    let jira = FakeJira::start_with(MockConfig::default()).await;
    let (_, stderr, code) = run(app(&jira).args(["webhook", "replay"]));
    assert_eq!(code, 2);
    assert!(
        error_line(&stderr)["hint"]
            .as_str()
            .is_some_and(|h| h.contains("Connect")),
        "{stderr}"
    );
}

fn ensure(jira: &FakeJira, url: &str, extra: &[&str]) -> (Value, String, i32) {
    let mut cmd = app(jira);
    cmd.args([
        "webhook",
        "ensure",
        "--url",
        url,
        "--jql",
        "project = ABC",
        "--event",
        "jira:issue_created,jira:issue_updated",
        "--jql",
        "project = XYZ",
        "--event",
        "comment_created",
    ])
    .args(extra);
    run(&mut cmd)
}

/// The write requests `--verbose` shows on stderr (PUT, POST, DELETE).
fn writes(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["event"] == "request" && e["method"] != "GET")
        .map(|e| {
            format!(
                "{} {}",
                e["method"].as_str().unwrap_or("?"),
                e["url"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn ensure_registers_then_refreshes_on_the_virtual_clock_and_is_idempotent() {
    let jira = FakeJira::start().await;
    let url = "https://app.example.com/hook";
    let (first, stderr, code) = ensure(&jira, url, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        first["registered"].as_array().map(Vec::len),
        Some(2),
        "{first}"
    );
    let ids: Vec<Value> = first["registered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();

    let (again, stderr, code) = ensure(&jira, url, &["--verbose"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        again["unchanged"].as_array().map(Vec::len),
        Some(2),
        "{again}"
    );
    assert_eq!(again["registered"], json!([]));
    assert_eq!(again["refreshed"], json!([]));
    assert_eq!(
        writes(&stderr),
        Vec::<String>::new(),
        "a second run sends no write"
    );

    advance(&jira, 25 * DAY_MS).await;
    let (refreshed, stderr, code) = ensure(&jira, url, &["--verbose"]);
    assert_eq!(code, 0, "{stderr}");
    let refreshed_ids: Vec<Value> = refreshed["refreshed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(refreshed_ids, ids, "5 days left, within 7d: {refreshed}");
    assert_eq!(writes(&stderr).len(), 1, "one refresh call: {stderr}");

    // Only the second webhook is left to expire: the first is renewed by hand.
    advance(&jira, 24 * DAY_MS).await;
    let (_, _, code) = run(app(&jira).args(["webhook", "refresh", "--id", &ids[0].to_string()]));
    assert_eq!(code, 0);
    advance(&jira, 7 * DAY_MS).await;
    let (status, _, _) = run(app(&jira).args(["webhook", "status"]));
    assert!(
        status["webhooks"][1]["expiresInDays"]
            .as_f64()
            .is_some_and(|d| d < 0.0),
        "{status}"
    );
    let (expired, stderr, code) = ensure(&jira, url, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        expired["refreshed"].as_array().map(Vec::len),
        Some(1),
        "{expired}"
    );
    assert_eq!(expired["refreshed"][0]["id"], ids[1], "the expired one");
    assert_eq!(expired["unchanged"][0]["id"], ids[0]);

    let (last, stderr, code) = ensure(&jira, url, &["--verbose"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        last["unchanged"].as_array().map(Vec::len),
        Some(2),
        "{last}"
    );
    assert_eq!(writes(&stderr), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn ensure_prunes_only_when_asked_dry_runs_without_writes_and_reports_rejected_items() {
    let jira = FakeJira::start().await;
    let url = "https://app.example.com/hook";
    let stray = register(&jira, APP, url);
    let (planned, stderr, code) = {
        let mut cmd = app(&jira);
        cmd.args([
            "--dry-run",
            "--verbose",
            "webhook",
            "ensure",
            "--url",
            url,
            "--jql",
            "project = XYZ",
            "--event",
            "comment_created",
            "--prune",
        ]);
        run(&mut cmd)
    };
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        writes(&stderr),
        Vec::<String>::new(),
        "--dry-run sends no write"
    );
    assert_eq!(planned["registered"][0]["jqlFilter"], "project = XYZ");
    assert_eq!(planned["deleted"][0]["id"], json!(stray));
    let (kept, _, code) = run(app(&jira).args([
        "webhook",
        "ensure",
        "--jql",
        "project = XYZ",
        "--event",
        "comment_created",
    ]));
    assert_eq!(
        (code, kept["deleted"].clone()),
        (0, json!([])),
        "no --prune: kept; the URL is the app's"
    );
    let (pruned, _, code) = run(app(&jira).args([
        "webhook",
        "ensure",
        "--jql",
        "project = XYZ",
        "--event",
        "comment_created",
        "--prune",
    ]));
    assert_eq!(code, 0);
    assert_eq!(pruned["deleted"][0]["id"], json!(stray));
    let (rejected, stderr, code) = run(app(&jira).args([
        "webhook",
        "ensure",
        "--jql",
        "watchCount = 3",
        "--event",
        "comment_created",
    ]));
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(
        rejected["errors"][0]["errors"],
        json!(["The clause watchCount is unsupported"])
    );
    assert!(
        error_line(&stderr)["message"]
            .as_str()
            .is_some_and(|m| m.contains("watchCount"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn status_reports_expiry_by_the_virtual_clock_and_failures_or_why_not() {
    let (jira, broken, record) = failed_delivery().await;
    let (status, stderr, code) =
        run(jr_as_connect(&jira, "connect-app-secret").args(["webhook", "status"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(status["failures"]["count"], 1, "{status}");
    assert_eq!(status["failures"]["oldest"], record["failureTime"]);
    assert_eq!(
        status["failures"]["byUrl"][format!("{}/hook", broken.uri())],
        1
    );
    let days = status["webhooks"][0]["expiresInDays"]
        .as_f64()
        .expect("a number");
    assert!((29.0..=30.0).contains(&days), "{status}");
    assert!(
        status["warnings"].to_string().contains("failed deliveries"),
        "{status}"
    );

    advance(&jira, 31 * DAY_MS).await;
    let (status, _, code) =
        run(jr_as_connect(&jira, "connect-app-secret").args(["webhook", "status"]));
    assert_eq!(code, 0);
    assert!(
        status["webhooks"][0]["expiresInDays"]
            .as_f64()
            .is_some_and(|d| d < 0.0),
        "{status}"
    );
    assert!(
        status["warnings"].to_string().contains("has expired"),
        "{status}"
    );
    let (_, stderr, code) =
        run(jr_as_connect(&jira, "connect-app-secret").args(["webhook", "list"]));
    assert_eq!(code, 0);
    assert!(
        stderr.contains("expired"),
        "the list warns by the virtual clock too: {stderr}"
    );

    let oauth_only = FakeJira::start_with(MockConfig::default()).await;
    register(&oauth_only, APP, "https://app.example.com/hook");
    let (status, stderr, code) = run(app(&oauth_only).args(["webhook", "status"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(status["failures"], Value::Null);
    assert!(
        status["warnings"].to_string().contains("only Connect apps"),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn status_on_a_terminal_is_a_table_with_expired_rows_marked() {
    let jira = FakeJira::start().await;
    register(&jira, APP, "https://app.example.com/hook");
    advance(&jira, 31 * DAY_MS).await;
    let jr = env!("CARGO_BIN_EXE_jr");
    let output = Command::new("script")
        .args(["-qec", &format!("{jr} webhook status"), "/dev/null"])
        .env("JR_BASE_URL", jira.base_url())
        .env("JR_API_GATEWAY_URL", jira.base_url())
        .env("JR_CLOUD_ID", CLOUD_ID)
        .env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", APP)
        .env("XDG_CONFIG_HOME", "/nonexistent/jr-test-config")
        .env("JR_NO_KEYRING", "1")
        .env("COLUMNS", "100")
        .stdin(Stdio::null())
        .output()
        .expect("script runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("EXPIRED"), "{text}");
    assert!(text.contains("Expires in"), "{text}");
    assert!(text.contains("warning: webhook"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_is_an_alias_and_delete_by_id_all_needs_all_or_id() {
    let jira = FakeJira::start().await;
    register(&jira, APP, "https://app.example.com/hook");
    let (list, _, code) = run(app(&jira).args(["webhook", "list"]));
    assert_eq!(
        (code, list["values"].as_array().map(Vec::len)),
        (0, Some(1))
    );
    let (_, stderr, code) = run(app(&jira).args(["webhook", "delete-by-id"]));
    assert_eq!(code, 4);
    let message = error_line(&stderr)["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("--id") && message.contains("--all"),
        "{message}"
    );
    let (_, stderr, code) = run(app(&jira).args(["webhook", "delete-by-id", "--all"]));
    assert_eq!(code, 0, "{stderr}");
    let (list, _, _) = run(app(&jira).args(["webhook", "list"]));
    assert_eq!(list["values"], json!([]));
    let help = jr_isolated()
        .args(["webhook", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    for own in [
        "listen",
        "trigger",
        "replay",
        "ensure",
        "status",
        "[alias: list]",
    ] {
        assert!(help.contains(own), "{own}: {help}");
    }
}

/// Starts `listen`, sees one delivery of `key`, sends `signal` (`INT`,
/// `TERM`) and returns the exit code.
async fn listen_until_signalled(key: &str, signal: &str) -> i32 {
    let jira = FakeJira::start().await;
    let listener = Listener::start(&[]);
    register_with(jr_as(&jira, APP), &listener.url);
    issue_created(&jira, key).await;
    assert_eq!(listener.next()["body"]["issue"]["key"], key);
    let sent = Command::new("kill")
        .args([format!("-{signal}"), listener.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    listener.exit_code()
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_ends_with_130_on_ctrl_c_after_printing_what_it_received() {
    assert_eq!(listen_until_signalled("ABC-10", "INT").await, 130);
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_ends_with_143_on_sigterm() {
    assert_eq!(listen_until_signalled("ABC-11", "TERM").await, 143);
}
