//! Hostile or broken answers and inputs (issue 12): each class ends with a
//! clear error and exit code, or with bounded work, never with an abort.

use crate::support::{error_line, jr_at, run};

/// Runs `cmd` and returns (stdout as text, stderr, exit code).
fn run_text(cmd: &mut assert_cmd::Command) -> (String, String, i32) {
    let output = cmd.output().expect("jr runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (
        text(&output.stdout),
        text(&output.stderr),
        output.status.code().unwrap_or(-1),
    )
}
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn answering(body: String) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Type", "application/json")
                .set_body_string(body),
        )
        .mount(&server)
        .await;
    server
}

fn jr(server: &MockServer) -> assert_cmd::Command {
    let mut cmd = jr_at(&server.uri());
    cmd.env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", "token");
    cmd
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// `--jq` on an answer nested 25,000 deep overflowed jaq's stack (SIGABRT,
/// exit 134, no JSON error); 1,000 levels, the documented limit, still work.
#[tokio::test]
async fn jq_refuses_too_deep_answers_and_handles_the_limit() {
    let deep = answering(nested(25_000)).await;
    let (_, stderr, code) = run(jr(&deep).args(["raw", "GET", "/rest/api/3/x", "--jq", "."]));
    assert_eq!(code, 1, "{stderr}");
    let message = error_line(&stderr)["message"].as_str().unwrap().to_owned();
    assert!(message.contains("at most 1000"), "{message}");

    let limit = answering(nested(1_000)).await;
    let (stdout, stderr, code) =
        run_text(jr(&limit).args(["raw", "GET", "/rest/api/3/x", "--jq", "[paths] | length"]));
    assert_eq!((code, stdout.trim()), (0, "999"), "{stderr}");
}

/// `--pretty` on 20,000 nested arrays built the whole 800 MB text in memory;
/// it now streams (the output is still that large, so it goes to a pipe that
/// counts it).
#[tokio::test]
async fn pretty_output_of_deep_nesting_streams() {
    let depth = 3_000;
    let server = answering(nested(depth)).await;
    let (stdout, stderr, code) =
        run_text(jr(&server).args(["raw", "GET", "/rest/api/3/x", "--pretty"]));
    assert_eq!(code, 0, "{stderr}");
    let inner = depth - 1;
    assert_eq!(stdout.len(), 2 * inner * inner + 2 * inner + 2 * depth + 1);
}

/// `jr configure` took no lock: 20 parallel `configure -p pN` all exited 0
/// but only 1–5 profiles survived. Every write of the config file now holds
/// the same lock as token renewal and re-reads under it.
#[test]
fn parallel_configures_keep_every_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let runs: Vec<_> = (0..20)
        .map(|n| {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_jr"));
            cmd.env("JR_CONFIG_PATH", &path)
                .env("JR_NO_KEYRING", "1")
                .env_remove("JR_PROFILE")
                .args(["configure", "-p", &format!("p{n}"), "--base-url"])
                .arg(format!("https://site{n}.example"))
                .args(["--auth-type", "bearer", "--auth-token", "t"])
                .stdout(std::process::Stdio::null());
            cmd.spawn().unwrap()
        })
        .collect();
    for mut child in runs {
        assert!(child.wait().unwrap().success());
    }
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let names: Vec<&String> = file["profiles"].as_object().unwrap().keys().collect();
    assert_eq!(names.len(), 20, "{names:?}");
}
