//! `jr configure` and `jr auth status | logout` end to end, on a config file in
//! a temporary directory: profiles created, updated without losing fields,
//! tested against jr-mock, listed and shown with every secret redacted.

use crate::support::*;
use jr_mock::FakeJira;
use serde_json::{Value, json};
use std::path::Path;

const SECRETS: &[&str] = &["user-token", "oauth-app-token", "connect-app-secret"];

fn jr_with_config(path: &Path) -> assert_cmd::Command {
    let mut cmd = jr_isolated();
    cmd.env("JR_CONFIG_PATH", path);
    cmd
}

fn stored(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("config written")).expect("config is JSON")
}

fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_is_created_tested_and_updated_without_losing_fields() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jr").join("config.json");
    let (shown, stderr, code) = run(jr_with_config(&path).args([
        "configure",
        "-p",
        "app",
        "--base-url",
        // An OAuth 2.0 token goes through the gateway prefix (jr-mock, like
        // Jira, refuses it on the site URL).
        &format!("{}/ex/jira/{CLOUD_ID}", jira.base_url()),
        "--auth-type",
        "bearer",
        "--auth-token",
        "oauth-app-token",
        "--test",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(shown["test"]["ok"], json!(true), "{shown}");
    assert_eq!(shown["test"]["checked"], json!("GET /rest/api/3/webhook"));
    assert_eq!(
        shown["default"],
        json!(true),
        "the first profile becomes the default"
    );
    assert_no_secret(&shown.to_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Another tool's field and a later update of one field keep everything else.
    let mut file = stored(&path);
    file["profiles"]["app"]["note"] = json!("kept");
    std::fs::write(&path, file.to_string()).unwrap();
    let (_, stderr, code) =
        run(jr_with_config(&path).args(["configure", "-p", "app", "--cloud-id", "abc-123"]));
    assert_eq!(code, 0, "{stderr}");
    let file = stored(&path);
    assert_eq!(file["profiles"]["app"]["note"], json!("kept"));
    assert_eq!(file["profiles"]["app"]["cloud_id"], json!("abc-123"));
    assert_eq!(
        file["profiles"]["app"]["auth"]["token"],
        json!("oauth-app-token")
    );
    assert_eq!(file["default_profile"], json!("app"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connect_profile_signs_its_requests() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let mut configure = jr_with_config(&path);
    configure
        .args([
            "configure",
            "-p",
            "connect",
            "--base-url",
            &jira.base_url(),
            "--auth-type",
            "connect",
            "--connect-key",
            CONNECT_KEY,
            "--connect-secret",
            "-",
        ])
        .write_stdin("connect-app-secret\n");
    let (_, stderr, code) = run(&mut configure);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stored(&path)["profiles"]["connect"]["auth"]["shared_secret"],
        json!("connect-app-secret"),
        "read from stdin"
    );
    let (list, stderr, code) =
        run(jr_with_config(&path).args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(list["values"], json!([]));
}

#[test]
fn list_status_and_logout_never_print_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(
        &path,
        json!({"default_profile": "site", "profiles": {
            "site": {"base_url": "https://site.example", "auth": {"type": "basic", "user": "user@example.com", "token": "user-token"}},
            "app": {"base_url": "https://app.example", "auth": {"type": "oauth2", "token": "oauth-app-token", "refresh_token": "connect-app-secret", "expires_at": 1}}}})
        .to_string(),
    )
    .unwrap();
    let mut outputs = String::new();
    for args in [
        vec!["configure", "--list"],
        vec!["auth", "status"],
        vec!["-p", "app", "auth", "status"],
        vec!["-p", "app", "auth", "logout"],
    ] {
        let (out, stderr, code) = run(jr_with_config(&path).args(&args));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        outputs.push_str(&out.to_string());
        outputs.push_str(&stderr);
    }
    assert_no_secret(&outputs);
    assert!(
        outputs.contains("\"user\":\"user@example.com\""),
        "{outputs}"
    );
    let app = &stored(&path)["profiles"]["app"];
    assert_eq!(
        app["auth"],
        json!({"type": "oauth2"}),
        "logout forgets the tokens only"
    );
    assert_eq!(app["base_url"], json!("https://app.example"));
}

#[test]
fn deleting_an_unknown_profile_or_a_bad_value_fails_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let (_, stderr, code) =
        run(jr_with_config(&path).args(["configure", "-p", "nope", "--delete"]));
    assert_eq!(code, 1, "{stderr}");
    for bad in [
        vec!["configure", "--auth-type", "kerberos"],
        vec!["configure", "--base-url", "ftp://x.example"],
        vec!["configure", "--cloud-id", "a/b"],
    ] {
        let (_, stderr, code) = run(jr_with_config(&path).args(&bad));
        assert_eq!(code, 4, "{bad:?}: {stderr}");
    }
    assert!(!path.exists(), "nothing was written");
}

#[test]
fn without_a_keychain_secrets_stay_in_the_file_and_jr_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let (shown, stderr, code) = run(jr_with_config(&path).args([
        "configure",
        "-p",
        "site",
        "--base-url",
        "https://site.example",
        "--auth-user",
        "user@example.com",
        "--auth-token",
        "user-token",
        "--keyring",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let warning = shown["warning"].as_str().unwrap_or_default();
    assert!(
        warning.contains("no OS keychain") && warning.contains("plain text"),
        "{shown}"
    );
    assert!(
        shown["secrets"].as_str().unwrap().contains("plain text"),
        "{shown}"
    );
    assert_eq!(
        stored(&path)["profiles"]["site"]["auth"]["token"],
        json!("user-token")
    );
    assert_eq!(
        stored(&path)["profiles"]["site"]["auth"].get("secret_store"),
        None
    );
    assert_no_secret(&shown.to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_test_saves_nothing_and_gateway_fields_are_kept_or_cleared() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let (_, stderr, code) = run(jr_with_config(&path).args([
        "configure",
        "-p",
        "app",
        "--base-url",
        &jira.base_url(),
        "--auth-type",
        "bearer",
        "--auth-token",
        "not-a-token",
        "--test",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        error_line(&stderr)["hint"]
            .as_str()
            .unwrap()
            .contains("not saved"),
        "{stderr}"
    );
    assert!(
        !path.exists(),
        "a profile that fails its test is not written"
    );

    let (_, stderr, code) = run(jr_with_config(&path).args([
        "configure",
        "-p",
        "gw",
        "--cloud-id",
        "abc-123",
        "--api-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stored(&path)["profiles"]["gw"]["api_url"],
        json!("http://127.0.0.1:9")
    );
    let (_, _, code) = run(jr_with_config(&path).args([
        "configure",
        "-p",
        "gw",
        "--cloud-id",
        "",
        "--api-url",
        "",
    ]));
    assert_eq!(code, 0);
    assert_eq!(stored(&path)["profiles"]["gw"].get("cloud_id"), None);
    assert_eq!(stored(&path)["profiles"]["gw"].get("api_url"), None);
}

#[test]
fn bad_profile_names_two_stdin_values_and_a_symlinked_file() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    std::fs::write(&real, "{}").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    for bad in [
        vec!["configure", "-p", ""],
        vec!["configure", "-p", "a b/c"],
        vec!["configure", "--auth-token", "-", "--connect-secret", "-"],
    ] {
        let (_, stderr, code) = run(jr_with_config(&link).args(&bad));
        assert_eq!(code, 4, "{bad:?}: {stderr}");
    }
    let (_, stderr, code) = run(jr_with_config(&link).args([
        "configure",
        "-p",
        "x",
        "--base-url",
        "https://x.example",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "still a symlink"
    );
    assert_eq!(
        stored(&real)["profiles"]["x"]["base_url"],
        json!("https://x.example")
    );
}

#[test]
fn a_logged_out_oauth_profile_says_to_log_in_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, json!({"default_profile": "work", "profiles": {"work": {
        "base_url": "https://work.example", "auth": {"type": "oauth2", "client_id": "c", "client_secret": "s"}}}}).to_string()).unwrap();
    let (_, stderr, code) = run(jr_with_config(&path).args(["--dry-run", "webhook", "get-failed"]));
    assert_eq!(code, 2, "{stderr}");
    let error = error_line(&stderr);
    assert!(
        error["message"].as_str().unwrap().contains("logged out"),
        "{error}"
    );
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("jr auth login -p work"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_output_never_shows_a_secret() {
    let jira = FakeJira::start().await;
    let mut seen = String::new();
    for mut cmd in [
        jr_as(&jira, "oauth-app-token"),
        jr_as_user(&jira),
        jr_as_connect(&jira, "connect-app-secret"),
    ] {
        let output = cmd
            .args(["--verbose", "webhook", "get-failed"])
            .output()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&output.stdout));
        seen.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    assert!(
        seen.contains("\"event\":\"request\""),
        "verbose events were printed: {seen}"
    );
    assert_no_secret(&seen);
}
