//! OAuth 2.0 (3LO) end to end against jr-mock's authorization server: the
//! test plays the browser by following the printed authorize URL; tokens
//! expire on jr-mock's virtual clock; refresh tokens rotate and a reused one
//! ends in exit 2 with "log in again".

use crate::support::*;
use jr_mock::FakeJira;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

fn login(jira: &FakeJira, config: &Path, client_secret: &str) -> (Value, String, i32) {
    login_with(jira, config, client_secret, false)
}

/// [`login`]; with `forge`, a forged redirect (another `state`, an `error`)
/// reaches jr's callback before the real one.
fn login_with(
    jira: &FakeJira,
    config: &Path,
    client_secret: &str,
    forge: bool,
) -> (Value, String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jr"))
        .env("JR_CONFIG_PATH", config)
        .env_remove("JR_BASE_URL")
        .env_remove("JR_AUTH_TYPE")
        .env_remove("JR_AUTH_TOKEN")
        .env_remove("JR_PROFILE")
        .env("JR_NO_KEYRING", "1")
        .args(["-p", "work", "--api-url", &jira.base_url(), "auth", "login"])
        .args(["--client-id", "oauth-app", "--client-secret", client_secret])
        .args([
            "--auth-url",
            &jira.base_url(),
            "--no-browser",
            "--callback-port",
            "0",
            "--wait",
            "20s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jr starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    // The URL is alone on one line; read at most a few lines to find it.
    let mut url = None;
    for _ in 0..5 {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        seen.push_str(&line);
        if line.starts_with("http") {
            url = Some(line.trim().to_owned());
            break;
        }
    }
    let url = url.unwrap_or_else(|| panic!("no authorize URL on stderr: {seen}"));
    assert!(
        url.contains("state=") && url.contains("offline_access"),
        "{url}"
    );
    if forge {
        let redirect_uri = url::Url::parse(&url)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| v.into_owned())
            .expect("a redirect_uri");
        let forged = ureq::get(&format!("{redirect_uri}?state=forged&error=access_denied"))
            .config()
            .http_status_as_error(false)
            .build()
            .call()
            .expect("the forged redirect reaches jr");
        assert_eq!(forged.status(), 400);
    }
    // The browser: jr-mock approves at once and redirects to jr's loopback callback.
    let page = ureq::get(&url).call().expect("the redirect reaches jr");
    assert_eq!(page.status(), 200);
    let output = child.wait_with_output().expect("jr ends");
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
    seen.push_str(&rest);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        seen,
        output.status.code().unwrap_or(-1),
    )
}

fn stored(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn jr_profile(config: &Path) -> assert_cmd::Command {
    let mut cmd = jr_isolated();
    cmd.env("JR_CONFIG_PATH", config);
    cmd
}

/// Issue 12: a forged callback with a wrong `state` aborted the login; it is
/// ignored with a note, and the real approval still completes it.
#[tokio::test(flavor = "multi_thread")]
async fn a_forged_redirect_is_ignored_and_the_login_goes_on() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let jira_for_login = &jira;
    let (out, stderr, code) = tokio::task::block_in_place(|| {
        login_with(jira_for_login, &config, "oauth-app-secret", true)
    });
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out["profile"], json!("work"));
    assert!(stderr.contains("ignored a redirect"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_stores_a_profile_whose_token_is_renewed_and_rotated() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let jira_for_login = &jira;
    let (out, stderr, code) =
        tokio::task::block_in_place(|| login(jira_for_login, &config, "oauth-app-secret"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out["profile"], json!("work"));
    assert_eq!(
        out["cloud_id"],
        json!("a436116f-02ce-4520-8fbb-7301462a1674")
    );
    assert!(!stderr.contains("oauth-app-secret") && !out.to_string().contains("jr-mock-access"));
    let file = stored(&config);
    assert_eq!(file["default_profile"], json!("work"));
    let first_refresh = file["profiles"]["work"]["auth"]["refresh_token"].clone();
    assert!(first_refresh.is_string(), "{file}");

    // Requests go through the gateway prefix with the new token.
    let id = {
        let (out, stderr, code) = run(jr_profile(&config).args([
            "webhook",
            "register-dynamic",
            "--url",
            "https://hooks.example/jira",
            "--jql",
            "project = ABC",
            "--event",
            "jira:issue_created",
        ]));
        assert_eq!(code, 0, "{stderr}");
        out["webhookRegistrationResult"][0]["createdWebhookId"].clone()
    };

    // An hour later on jr-mock's clock the access token is dead: jr gets a
    // 401, renews once, and the call succeeds; the refresh token rotated.
    advance(&jira, 3_600_000).await;
    let (list, stderr, code) =
        run(jr_profile(&config).args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(list["values"][0]["id"], id);
    let second_refresh = stored(&config)["profiles"]["work"]["auth"]["refresh_token"].clone();
    assert_ne!(second_refresh, first_refresh, "rotated and stored");

    // A token close to expiry (by jr's own clock) is renewed before sending.
    let mut file = stored(&config);
    file["profiles"]["work"]["auth"]["expires_at"] = json!(0);
    std::fs::write(&config, file.to_string()).unwrap();
    let (_, stderr, code) =
        run(jr_profile(&config).args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(code, 0, "{stderr}");
    let third_refresh = stored(&config)["profiles"]["work"]["auth"]["refresh_token"].clone();
    assert_ne!(third_refresh, second_refresh);

    // Reusing a spent refresh token: exit 2, "log in again", no secret shown.
    let mut file = stored(&config);
    file["profiles"]["work"]["auth"]["refresh_token"] = first_refresh;
    file["profiles"]["work"]["auth"]["expires_at"] = json!(0);
    std::fs::write(&config, file.to_string()).unwrap();
    let (_, stderr, code) =
        run(jr_profile(&config).args(["webhook", "get-dynamic-webhooks-for-app"]));
    assert_eq!(code, 2, "{stderr}");
    let error = error_line(&stderr);
    assert!(
        error["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("log in again"),
        "{error}"
    );
    assert!(
        !stderr.contains("oauth-app-secret") && !stderr.contains("jr-mock-refresh"),
        "{stderr}"
    );

    let (status, stderr, code) = run(jr_profile(&config).args(["auth", "status"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(status["auth_type"], json!("oauth2"));
    assert!(!status.to_string().contains("jr-mock-"), "{status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_client_secret_fails_the_login_with_exit_2_and_writes_nothing() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let jira_for_login = &jira;
    let (_, stderr, code) =
        tokio::task::block_in_place(|| login(jira_for_login, &config, "not-the-secret"));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        error_line(&stderr)["message"]
            .as_str()
            .unwrap_or_default()
            .contains("invalid_client"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
    assert!(!config.exists(), "no half-made profile");
}

#[test]
fn login_checks_its_inputs_before_anyone_approves() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let login = |extra: &[&str]| {
        let mut cmd = jr_profile(&config);
        cmd.args([
            "auth",
            "login",
            "--client-id",
            "c",
            "--client-secret",
            "s",
            "--no-browser",
            "--callback-port",
            "0",
        ])
        .args(extra);
        run(&mut cmd)
    };
    let (_, stderr, code) = login(&["--auth-url", "http://auth.example.com"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("plain http://"), "{stderr}");
    let (_, stderr, code) = login(&["--wait", "abc"]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("--wait"), "{stderr}");
    let (_, stderr, code) = login(&["--auth-url", "ftp://x"]);
    assert_eq!(code, 4, "{stderr}");
    let (plan, stderr, code) = run(jr_profile(&config).env("JR_PROFILE", "envprof").args([
        "--dry-run",
        "auth",
        "login",
        "--client-id",
        "c",
        "--client-secret",
        "s",
        "--callback-port",
        "0",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        plan["profile"],
        json!("envprof"),
        "JR_PROFILE names the profile"
    );
    assert!(
        plan["authorize_url"]
            .as_str()
            .unwrap()
            .starts_with("https://auth.atlassian.com/authorize?")
    );
    assert!(!config.exists(), "a dry run writes nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_commands_with_an_expired_token_renew_it_once() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let jira_for_login = &jira;
    let (_, stderr, code) =
        tokio::task::block_in_place(|| login(jira_for_login, &config, "oauth-app-secret"));
    assert_eq!(code, 0, "{stderr}");
    advance(&jira, 3_600_000).await;
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_jr"))
                .env("JR_CONFIG_PATH", &config)
                .env("JR_NO_KEYRING", "1")
                .env_remove("JR_BASE_URL")
                .env_remove("JR_AUTH_TOKEN")
                .args(["webhook", "get-dynamic-webhooks-for-app"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Issue 19: `--record` with a token renewal. The token endpoint is not a
/// Jira API call and is never recorded; no client secret, refresh token or
/// access token (old or new) reaches any recorded file.
#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_run_that_renews_its_token_records_no_token_exchange() {
    let jira = FakeJira::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let rec = dir.path().join("rec");
    let jira_for_login = &jira;
    let (_, stderr, code) =
        tokio::task::block_in_place(|| login(jira_for_login, &config, "oauth-app-secret"));
    assert_eq!(code, 0, "{stderr}");
    let mut file = stored(&config);
    let auth = |file: &Value, name: &str| {
        file["profiles"]["work"]["auth"][name]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (old_refresh, old_access) = (auth(&file, "refresh_token"), auth(&file, "token"));
    file["profiles"]["work"]["auth"]["expires_at"] = json!(0);
    std::fs::write(&config, file.to_string()).unwrap();
    let (_, stderr, code) = run(jr_profile(&config).args([
        "--record",
        &rec.display().to_string(),
        "webhook",
        "get-dynamic-webhooks-for-app",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let file = stored(&config);
    let (new_refresh, new_access) = (auth(&file, "refresh_token"), auth(&file, "token"));
    assert_ne!(new_refresh, old_refresh, "the token was renewed");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&rec).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for secret in [
            "oauth-app-secret",
            &old_refresh,
            &old_access,
            &new_refresh,
            &new_access,
        ] {
            assert!(!text.contains(secret), "{secret} in {}", path.display());
        }
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    assert_eq!(names, ["getDynamicWebhooksForApp.1.json"]);
}
