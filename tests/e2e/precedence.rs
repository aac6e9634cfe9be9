//! Where requests go and as whom, one test per row of the README's table
//! ("Where jr sends requests, and as whom"): flags > environment > the
//! profile `JR_PROFILE` names > the default profile, the target (site, cloud
//! ID, gateway) taken whole from one source; and config files that are
//! missing, corrupt or without a default profile.

use crate::support::*;
use jr_mock::{FakeJira, MockConfig, Switches};

/// A jr-mock that lets OAuth tokens in on the site URL and under any cloud
/// ID, and lets them read failures: these tests are about where jr sends a
/// request, not about who may call what (that is `faithful`'s and `auth`'s).
async fn routing_only_fake() -> FakeJira {
    FakeJira::start_with(MockConfig {
        switches: Switches {
            lenient_auth: true,
            oauth_reads_failed: true,
            ..Switches::default()
        },
        ..MockConfig::default()
    })
    .await
}
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A config file whose default profile `work` is what `jr auth login`
/// writes (site, cloud ID, gateway, bearer token), beside a plain profile
/// `site`. The gateway is a closed port: a request sent there fails.
fn config(dir: &Path, gateway: &str) -> PathBuf {
    let path = dir.join("config.json");
    let file = json!({"default_profile": "work", "profiles": {
        "work": {"base_url": "https://work.example", "cloud_id": "work-cloud", "api_url": gateway,
                 "auth": {"type": "bearer", "token": "profile-token"}},
        "site": {"base_url": "https://site.example", "auth": {"type": "bearer", "token": "site-token"}}}});
    std::fs::write(&path, file.to_string()).unwrap();
    path
}

fn closed_port() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

fn jr_with(path: &Path) -> assert_cmd::Command {
    let mut cmd = jr_isolated();
    cmd.env("JR_CONFIG_PATH", path);
    cmd
}

/// The URL and Authorization `--dry-run` shows.
fn planned(cmd: &mut assert_cmd::Command) -> (String, Value) {
    let (plan, stderr, code) = run(cmd.args(["--dry-run", "webhook", "get-failed"]));
    assert_eq!(code, 0, "{stderr}");
    (
        plan["url"].as_str().unwrap_or_default().to_owned(),
        plan["headers"]["Authorization"].clone(),
    )
}

/// The URLs of the requests `--verbose` reports.
fn sent_urls(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|event| event["event"] == "request")
        .filter_map(|event| event["url"].as_str().map(str::to_owned))
        .collect()
}

const FAILED: &str = "/rest/api/3/webhook/failed";

/// Row: the default profile, whole, when nothing else names a site.
#[test]
fn row_default_profile_gives_site_gateway_and_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), "https://gw.example");
    let (url, auth) = planned(&mut jr_with(&path));
    assert_eq!(
        url,
        format!("https://gw.example/ex/jira/work-cloud{FAILED}")
    );
    assert_eq!(auth, json!("Bearer <redacted>"));
}

/// Row: the environment's base URL and credentials beat the default
/// profile as a whole: the request reaches the environment's site, not the
/// profile's gateway (a closed port here).
#[tokio::test(flavor = "multi_thread")]
async fn row_environment_base_url_is_a_whole_target() {
    let jira = routing_only_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &closed_port());
    let (out, stderr, code) = run(jr_with(&path)
        .env("JR_BASE_URL", jira.base_url())
        .env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", APP)
        .args(["--verbose", "webhook", "get-failed"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out["values"], json!([]));
    assert_eq!(sent_urls(&stderr), [format!("{}{FAILED}", jira.base_url())]);
}

/// Row: environment base URL plus environment cloud ID: requests go to
/// `{JR_API_GATEWAY_URL}/ex/jira/{JR_CLOUD_ID}`; `JR_BASE_URL` stays the site.
#[tokio::test(flavor = "multi_thread")]
async fn row_environment_cloud_id_goes_through_the_environment_gateway() {
    let jira = routing_only_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &closed_port());
    let (out, stderr, code) = run(jr_with(&path)
        .env("JR_BASE_URL", "https://env-site.example")
        .env("JR_CLOUD_ID", "env-cloud")
        .env("JR_API_GATEWAY_URL", jira.base_url())
        .env("JR_AUTH_TOKEN", APP)
        .args(["--verbose", "webhook", "get-failed"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out["values"], json!([]));
    assert_eq!(
        sent_urls(&stderr),
        [format!("{}/ex/jira/env-cloud{FAILED}", jira.base_url())]
    );
}

/// Rows: `JR_PROFILE` names a profile below the environment; `-p` names
/// one above it; a flag beats everything.
#[test]
fn rows_named_profiles_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), "https://gw.example");
    let (url, _) = planned(jr_with(&path).env("JR_PROFILE", "site"));
    assert_eq!(url, format!("https://site.example{FAILED}"));
    let (url, _) = planned(
        jr_with(&path)
            .env("JR_PROFILE", "site")
            .env("JR_BASE_URL", "http://127.0.0.1:9"),
    );
    assert_eq!(url, format!("http://127.0.0.1:9{FAILED}"));
    let (url, _) = planned(
        jr_with(&path)
            .env("JR_BASE_URL", "http://127.0.0.1:9")
            .args(["-p", "site"]),
    );
    assert_eq!(url, format!("https://site.example{FAILED}"));
    let (url, _) = planned(
        jr_with(&path)
            .env("JR_BASE_URL", "http://127.0.0.1:9")
            .env("JR_CLOUD_ID", "env-cloud")
            .args(["-p", "site", "--base-url", "http://127.0.0.1:7"]),
    );
    assert_eq!(url, format!("http://127.0.0.1:7{FAILED}"));
}

/// A `JR_CONFIG_PATH` naming no file, or a corrupt file, does not stop a run
/// whose target and credentials come from the environment; the corrupt one
/// is named in a warning. When a profile is needed, the error names the file.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_corrupt_config_file_breaks_only_runs_that_need_a_profile() {
    let jira = routing_only_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.json");
    std::fs::write(&corrupt, "{\"profiles\": ").unwrap();
    let missing = dir.path().join("missing.json");
    for (path, warns) in [(&corrupt, true), (&missing, false)] {
        let (out, stderr, code) = run(jr_as(&jira, APP)
            .env("JR_CONFIG_PATH", path)
            .args(["webhook", "get-failed"]));
        assert_eq!(code, 0, "{}: {stderr}", path.display());
        assert_eq!(out["values"], json!([]));
        assert_eq!(
            stderr.starts_with("warning: config file") && stderr.contains("corrupt.json"),
            warns,
            "{stderr}"
        );
        let (_, stderr, code) = run(jr_as(&jira, APP).env("JR_CONFIG_PATH", path).args([
            "-p",
            "work",
            "webhook",
            "get-failed",
        ]));
        assert_eq!(code, 1, "a named profile is needed: {stderr}");
        let error = error_line(&stderr);
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains(path.to_str().unwrap()),
            "{error}"
        );
    }
}

/// After `jr configure --delete` of the default profile, the next command
/// says there is no default profile and how to choose one.
#[test]
fn after_deleting_the_default_profile_the_next_command_says_how_to_choose_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), "https://gw.example");
    let (_, stderr, code) = run(jr_with(&path).args(["configure", "-p", "work", "--delete"]));
    assert_eq!(code, 0, "{stderr}");
    let (_, stderr, code) = run(jr_with(&path).args(["webhook", "get-failed"]));
    assert_eq!(code, 1, "{stderr}");
    let error = error_line(&stderr);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no default profile"),
        "{error}"
    );
    let hint = error["hint"].as_str().unwrap();
    assert!(
        hint.contains("-p NAME") && hint.contains("--default") && hint.contains("site"),
        "{hint}"
    );
}
