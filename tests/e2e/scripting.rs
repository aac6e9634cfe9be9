//! Issue 16: jr for scripts and for people — jq as jq users know it, tables
//! and help on a terminal, commands that are easy to guess. Terminal cases
//! run `jr` under `script`, which gives it a pseudo-terminal.

use crate::support::{APP, CLOUD_ID, control, error_line, jr_as, jr_isolated, register, run};
use jr_mock::FakeJira;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn app(jira: &FakeJira) -> assert_cmd::Command {
    jr_as(jira, APP)
}

/// `jr ARGS` on a pseudo-terminal (stdout and stderr both the terminal):
/// what the terminal showed, and the exit code.
fn on_a_terminal(jira: Option<&FakeJira>, args: &str) -> (String, i32) {
    let jr = env!("CARGO_BIN_EXE_jr");
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{jr} {args}"), "/dev/null"])
        .env("XDG_CONFIG_HOME", "/nonexistent/jr-test-config")
        .env("JR_NO_KEYRING", "1")
        .env("COLUMNS", "60")
        .env("TZ", "UTC")
        .env_remove("JR_BASE_URL")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    if let Some(jira) = jira {
        cmd.env("JR_BASE_URL", jira.base_url())
            .env("JR_API_GATEWAY_URL", jira.base_url())
            .env("JR_CLOUD_ID", CLOUD_ID)
            .env("JR_AUTH_TYPE", "bearer")
            .env("JR_AUTH_TOKEN", APP);
    }
    let output = cmd.output().expect("script runs");
    (
        String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n"),
        output.status.code().unwrap_or(-1),
    )
}

fn stdout(cmd: &mut assert_cmd::Command) -> (String, String, i32) {
    let output = cmd.output().expect("jr runs");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn jq_string_results_print_raw_and_jq_json_keeps_the_quotes() {
    let jira = FakeJira::start().await;
    register(&jira, APP, "https://app.example.com/hook");
    let (out, err, code) = stdout(app(&jira).args(["webhook", "list", "--jq", ".values[0].url"]));
    assert_eq!(
        (out.as_str(), code),
        ("https://app.example.com/hook\n", 0),
        "{err}"
    );
    let (out, _, _) =
        stdout(app(&jira).args(["webhook", "list", "--jq", ".values[0].url", "--jq-json"]));
    assert_eq!(out, "\"https://app.example.com/hook\"\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn jq_builtins_args_env_and_formats_work_as_in_jq() {
    let jira = FakeJira::start().await;
    register(&jira, APP, "https://app.example.com/hook");
    let filter = r#".values[0] | [$who, $n.k, $ENV.JR_TEST_WORD, (env.JR_TEST_WORD), ([.id, .url] | @csv), ([.id, "a b"] | @tsv), ("it's" | @sh), ("a b" | @uri), ("x" | @base64)] | .[]"#;
    let (out, err, code) = stdout(app(&jira).env("JR_TEST_WORD", "hello").args([
        "webhook",
        "list",
        "--jq",
        filter,
        "--arg",
        "who",
        "ann",
        "--argjson",
        "n",
        r#"{"k":[1]}"#,
    ]));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..4], ["ann", "[1]", "hello", "hello"], "{out}");
    assert!(
        lines[4].ends_with(",\"https://app.example.com/hook\""),
        "{out}"
    );
    assert!(lines[5].ends_with("\ta b"), "{out}");
    assert_eq!(lines[6..], ["'it'\\''s'", "a%20b", "eA=="], "{out}");
}

#[test]
fn halt_error_debug_and_stderr_write_to_stderr_with_a_documented_exit_code() {
    let schema = ["schema", "webhook", "get-failed"];
    let (out, err, code) = stdout(
        jr_isolated()
            .args(schema)
            .args(["--jq", r#""done\n" | halt_error"#]),
    );
    // jq exits 5; 5 is jr's "rate limited", so a bare halt_error exits 8.
    assert_eq!((out.as_str(), err.as_str(), code), ("", "done\n", 8));
    let (_, err, code) = stdout(
        jr_isolated()
            .args(schema)
            .args(["--jq", r#"{"a":1} | halt_error(3)"#]),
    );
    assert_eq!((err.as_str(), code), ("{\"a\":1}\n", 3));
    let (out, err, code) = stdout(
        jr_isolated()
            .args(schema)
            .args(["--jq", r#"(1 | debug), ("note" | stderr), 2, halt, 3"#]),
    );
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        ("1\nnote\n2\n", "[\"DEBUG:\",1]\nnote", 0)
    );
}

#[test]
fn an_endless_filter_ends_with_the_reader_and_with_ctrl_c() {
    let jr = env!("CARGO_BIN_EXE_jr");
    let started = Instant::now();
    let piped = Command::new("sh")
        .args([
            "-c",
            &format!("{jr} schema webhook get-failed --jq 'repeat(1)' | head -3"),
        ])
        .output()
        .expect("sh runs");
    assert_eq!(String::from_utf8_lossy(&piped.stdout), "1\n1\n1\n");
    assert!(started.elapsed() < Duration::from_secs(10));
    for filter in ["1, repeat(2)", "1, last(repeat(2))"] {
        let mut child = Command::new(jr)
            .args(["schema", "webhook", "get-failed", "--jq", filter])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("jr starts");
        // The reader stays: a closed pipe would end jr quietly instead.
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        reader.read_line(&mut first).expect("a first result");
        assert_eq!(first, "1\n");
        let killed = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        std::io::copy(&mut reader, &mut std::io::sink()).expect("jr's output ends");
        let output = child.wait_with_output().expect("jr ends");
        assert_eq!(output.status.code(), Some(130), "{filter}");
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(error_line(&err)["error_type"], "interrupted", "{err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_applies_jq_or_refuses_it() {
    let jira = FakeJira::start().await;
    register(&jira, APP, "https://app.example.com/hook");
    let (out, err, code) = stdout(app(&jira).args(["auth", "status", "--jq", "type"]));
    assert_eq!((out.as_str(), code), ("object\n", 0), "{err}");
    let (out, _, code) =
        stdout(jr_isolated().args(["schema", "webhook", "get-failed", "--jq", ".verb"]));
    assert_eq!((out.trim(), code), ("get-failed", 0));
    let (out, _, code) = stdout(
        jr_isolated()
            .env("JR_CONFIG_PATH", "/nonexistent/jr.json")
            .args(["configure", "--list", "--jq", "type"]),
    );
    assert_eq!((out.trim(), code), ("object", 0));
    let (out, _, code) =
        stdout(app(&jira).args(["webhook", "status", "--jq", ".webhooks | length"]));
    assert_eq!((out.as_str(), code), ("1\n", 0));
    let (_, err, code) = stdout(jr_isolated().args(["completion", "bash", "--jq", "."]));
    assert_eq!(code, 4);
    assert!(
        error_line(&err)["message"]
            .as_str()
            .unwrap_or_default()
            .contains("--jq"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jq_runtime_error_names_the_filter_and_a_short_value() {
    let jira = FakeJira::start().await;
    let long = format!("https://app.example.com/hook/{}", "x".repeat(80));
    for _ in 0..5 {
        register(&jira, APP, &long);
    }
    let (_, err, code) =
        stdout(app(&jira).args(["webhook", "list", "--jq", ".values | ascii_downcase"]));
    assert_eq!(code, 4);
    let message = error_line(&err)["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.starts_with("--jq `.values | ascii_downcase` failed: "),
        "{message}"
    );
    assert!(message.contains('…') && message.len() < 200, "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn output_table_shows_rows_and_chosen_columns_uncut_in_a_pipe() {
    let jira = FakeJira::start().await;
    let long = format!("https://app.example.com/{}", "y".repeat(90));
    register(&jira, APP, &long);
    let (out, err, code) = stdout(app(&jira).args(["webhook", "list", "--output", "table"]));
    assert_eq!(code, 0, "{err}");
    for column in ["id", "url", "events", "jqlFilter", "expirationDate"] {
        assert!(
            out.lines().nth(1).unwrap_or_default().contains(column),
            "{out}"
        );
    }
    assert!(
        out.contains(&long) && out.contains("in 30 days") && !out.contains('…'),
        "{out}"
    );
    let (out, _, _) = stdout(app(&jira).args([
        "webhook",
        "list",
        "--output",
        "table",
        "--columns",
        "url,events",
    ]));
    assert!(
        out.lines().nth(1).unwrap_or_default().contains("url") && !out.contains("jqlFilter"),
        "{out}"
    );
    let (out, _, code) =
        stdout(app(&jira).args(["webhook", "list", "--output", "ndjson", "--jq", ".url"]));
    assert_eq!((out, code), (format!("{long}\n"), 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_a_table_cuts_long_values_and_errors_get_a_sentence() {
    let jira = FakeJira::start().await;
    register(
        &jira,
        APP,
        &format!("https://app.example.com/{}", "y".repeat(90)),
    );
    let (shown, code) = on_a_terminal(Some(&jira), "webhook list --output table");
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains('…') && shown.lines().all(|l| l.chars().count() <= 60),
        "{shown}"
    );
    let (shown, code) = on_a_terminal(Some(&jira), "webhook get-failed --maxResults abc");
    assert_eq!(code, 4);
    let lines: Vec<&str> = shown.lines().collect();
    assert!(
        lines[0].starts_with("jr: ") && lines[0].contains("exit 4"),
        "{shown}"
    );
    assert_eq!(error_line(lines[1])["error_type"], "validation", "{shown}");
    // In a pipe stderr has the JSON line only.
    let (_, err, _) = stdout(app(&jira).args(["webhook", "get-failed", "--maxResults", "abc"]));
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn jr_alone_prints_the_help_and_succeeds() {
    let (out, err, code) = stdout(&mut jr_isolated());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Usage: jr") && err.is_empty(), "{out}");
    let (shown, code) = on_a_terminal(None, "webhook get-failed --help");
    assert_eq!(code, 0);
    assert!(
        shown.contains("Example:\n  jr webhook get-failed --maxResults"),
        "{shown}"
    );
    assert!(
        shown.contains("JR_BASE_URL]") && !shown.contains("JR_BASE_URL="),
        "{shown}"
    );
    let (out, _, _) = stdout(jr_isolated().args(["issue", "get", "--help"]));
    assert!(
        out.contains("Permissions required:\n  - Browse projects project permission"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_path_parameter_may_be_given_positionally() {
    let jira = FakeJira::start().await;
    let id = register(&jira, APP, "https://app.example.com/hook");
    let by_flag = stdout(jr_isolated().args([
        "--dry-run",
        "--base-url",
        "http://127.0.0.1:9",
        "--auth-type",
        "none",
        "issue",
        "get",
        "--issueIdOrKey",
        "ABC-1",
    ]));
    let by_position = stdout(jr_isolated().args([
        "--dry-run",
        "--base-url",
        "http://127.0.0.1:9",
        "--auth-type",
        "none",
        "issue",
        "get",
        "ABC-1",
    ]));
    assert_eq!(by_flag, by_position);
    assert!(
        by_position.0.contains("/rest/api/3/issue/ABC-1"),
        "{by_position:?}"
    );
    let (_, _, code) = stdout(jr_isolated().args([
        "--base-url",
        "http://127.0.0.1:9",
        "--auth-type",
        "none",
        "issue",
        "get",
        "A-1",
        "--issueIdOrKey",
        "A-2",
    ]));
    assert_eq!(code, 4);
    assert!(id > 0);
}

#[test]
fn unknown_commands_and_flags_get_a_did_you_mean() {
    for (words, hint) in [
        (
            &["webhook", "failed"][..],
            "did you mean jr webhook get-failed?",
        ),
        (&["issue", "get-issue"], "did you mean jr issue get?"),
        (&["isue", "get"], "did you mean jr issue?"),
    ] {
        let (_, err, code) = run(jr_isolated().args(words));
        assert_eq!(
            (code, error_line(&err)["hint"].as_str()),
            (4, Some(hint)),
            "{words:?}"
        );
    }
    let (_, err, code) = run(jr_isolated().args(["issue", "get", "--issue", "A-1"]));
    assert_eq!(code, 4);
    assert!(
        error_line(&err)["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("--issueIdOrKey"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn limit_stops_after_n_items_and_succeeds() {
    let jira = FakeJira::start().await;
    for _ in 0..3 {
        register(&jira, APP, "https://app.example.com/hook");
    }
    let (out, err, code) = run(app(&jira).args([
        "--compact",
        "webhook",
        "list",
        "--maxResults",
        "2",
        "--limit",
        "3",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out["values"].as_array().map(Vec::len), Some(3), "{out}");
    assert_eq!(out["maxResults"], json!(3), "{out}");
    let (out, err, code) = stdout(app(&jira).args([
        "webhook",
        "list",
        "--maxResults",
        "2",
        "--limit",
        "1",
        "--stream",
    ]));
    assert_eq!((out.lines().count(), code), (1, 0), "{err}");
    let (_, _, code) =
        stdout(app(&jira).args(["webhook", "list", "--maxResults", "1", "--max-pages", "1"]));
    assert_eq!(code, 1, "--max-pages stays the cap that fails");
}

#[tokio::test(flavor = "multi_thread")]
async fn stream_prints_a_plain_arrays_elements_one_per_line() {
    let jira = FakeJira::start().await;
    let (whole, err, code) = run(crate::support::jr_as_user(&jira).args([
        "--compact",
        "issuetype",
        "get-issue-all-types",
    ]));
    assert_eq!(code, 0, "{err}");
    let count = whole.as_array().map(Vec::len).unwrap_or_default();
    assert!(count > 1, "{whole}");
    let (out, _, code) = stdout(crate::support::jr_as_user(&jira).args([
        "issuetype",
        "get-issue-all-types",
        "--stream",
        "--jq",
        ".name",
    ]));
    assert_eq!((out.lines().count(), code), (count, 0), "{out}");
}

/// Every page of the webhook listing `ms` milliseconds late (jr-mock's
/// latency fault), so a listing of several pages really takes its time.
async fn slow_pages(jira: &FakeJira, ms: u64) {
    let rules = control(
        jira,
        "/_mock/faults",
        json!({"rules": [{"path": "/rest/api/3/webhook", "method": "GET", "kind": "latency", "ms": ms}]}),
    )
    .await;
    assert!(rules.to_string().contains("latency"), "{rules}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_listing_shows_its_progress_on_a_terminal_only() {
    let jira = FakeJira::start().await;
    for _ in 0..3 {
        register(&jira, APP, "https://app.example.com/hook");
    }
    let listing = "webhook list --maxResults 1 --compact";
    // A quick listing on a terminal shows no progress line.
    let (shown, _) = on_a_terminal(Some(&jira), listing);
    assert!(
        !shown.contains("so far") && shown.contains(r#""maxResults":3"#),
        "{shown}"
    );
    slow_pages(&jira, 300).await;
    let (shown, code) = on_a_terminal(Some(&jira), listing);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("items so far"), "{shown}");
    // The result itself is whole (the line was cleared, not mixed into it).
    assert!(shown.contains(r#""maxResults":3"#), "{shown}");
    // In a pipe, and with --stream, there is no progress line.
    let (out, err, code) = stdout(app(&jira).args(["webhook", "list", "--maxResults", "1"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty() && out.contains(r#""maxResults":3"#), "{err}");
    let (shown, code) = on_a_terminal(Some(&jira), &format!("{listing} --stream"));
    assert_eq!(code, 0, "{shown}");
    assert!(
        !shown.contains("so far") && shown.lines().count() == 3,
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_follows_a_next_link_on_the_site_and_paginates_by_shape() {
    use crate::support::{advance, issue_created, oauth_reads_failed, receiver};
    let jira = FakeJira::start().await;
    oauth_reads_failed(&jira).await;
    let broken = receiver(500).await;
    let hook = format!("{}/hook", broken.uri());
    register(&jira, APP, &hook);
    for key in ["ABC-1", "ABC-2", "ABC-3"] {
        issue_created(&jira, key).await;
        advance(&jira, 2 * 60 * 60 * 1000).await;
    }
    let (first, err, code) = run(app(&jira).args([
        "webhook",
        "get-failed",
        "--maxResults",
        "1",
        "--no-paginate",
    ]));
    assert_eq!(code, 0, "{err}");
    let next = first["next"].as_str().unwrap_or_default().to_owned();
    assert!(next.starts_with("http"), "an absolute link: {first}");
    let count = |out: &serde_json::Value| out["values"].as_array().map(Vec::len);
    let (one, err, code) = run(app(&jira).args(["raw", "GET", &next]));
    assert_eq!((code, count(&one)), (0, Some(1)), "{err}");
    assert_ne!(one["values"][0], first["values"][0], "the second page");
    let (rest, err, code) = run(app(&jira).args(["raw", "GET", &next, "--paginate"]));
    assert_eq!((code, count(&rest)), (0, Some(2)), "{err}");
    // Offset pages (startAt/isLast), merged or streamed.
    for _ in 0..2 {
        register(&jira, APP, &hook);
    }
    let list = format!("{}/rest/api/3/webhook?maxResults=1", jira.base_url());
    let (all, err, code) = run(app(&jira).args(["raw", "GET", &list, "--paginate"]));
    assert_eq!((code, count(&all)), (0, Some(3)), "{err}");
    assert_eq!(all["isLast"], json!(true), "{all}");
    let (lines, err, code) = stdout(app(&jira).args([
        "raw",
        "GET",
        "/rest/api/3/webhook",
        "--query",
        "maxResults=2",
        "--paginate",
        "--stream",
        "--jq",
        ".id",
    ]));
    assert_eq!((code, lines.lines().count()), (0, 3), "{err}");
    // Another host is refused before anything is sent, naming both hosts.
    let (_, err, code) =
        run(app(&jira).args(["raw", "GET", "https://elsewhere.example/rest/api/3/myself"]));
    assert_eq!(code, 4, "{err}");
    let message = error_line(&err)["message"].to_string();
    let site = jira.base_url().replace("http://", "");
    assert!(
        message.contains("elsewhere.example") && message.contains(site.trim_end_matches('/')),
        "{message}"
    );
}

/// `jr --dry-run` aimed at a closed port, with no credentials.
fn dry_run() -> assert_cmd::Command {
    let mut cmd = jr_isolated();
    cmd.args([
        "--dry-run",
        "--base-url",
        "http://127.0.0.1:9",
        "--auth-type",
        "none",
    ]);
    cmd
}

#[test]
fn a_dry_run_shows_a_file_body_by_name_size_and_type_never_its_bytes() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("face.png");
    std::fs::write(&file, b"\x89PNG secret bytes").expect("written");
    let path = file.to_string_lossy().into_owned();
    let (plan, err, code) = run(dry_run().args([
        "project",
        "create-avatar",
        "--projectIdOrKey",
        "A",
        "--body",
        &format!("@{path}"),
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        plan["body"],
        json!(format!("<file {path}, 17 bytes, image/png>")),
        "{plan}"
    );
    let (plan, err, code) =
        run(dry_run().args(["issue", "add-attachment", "ABC-1", "--file", &path]));
    assert_eq!(code, 0, "{err}");
    let body = plan["body"].as_str().unwrap_or_default();
    assert!(
        body.contains("filename=\"face.png\"")
            && body.contains("<file face.png, 17 bytes, image/png>")
            && !body.contains("secret"),
        "{plan}"
    );
}

#[test]
fn helper_flags_are_in_the_schema_and_in_the_messages() {
    let (schema, err, code) = run(jr_isolated().args(["schema", "webhook", "register-dynamic"]));
    assert_eq!(code, 0, "{err}");
    let flags = schema["flags"].as_array().cloned().unwrap_or_default();
    let helper = |name: &str| {
        flags
            .iter()
            .any(|f| f["name"] == name && f["in"] == "helper")
    };
    assert!(
        helper("url") && helper("jql") && helper("event"),
        "{schema}"
    );
    let body = flags
        .iter()
        .find(|f| f["name"] == "body")
        .cloned()
        .unwrap_or_default();
    assert_eq!(body["required"], json!(false), "{body}");
    assert!(
        body["description"]
            .to_string()
            .contains("required unless a helper flag is given"),
        "{body}"
    );
    let (schema, _, _) = run(jr_isolated().args(["schema", "webhook", "delete-by-id"]));
    for name in ["id", "all"] {
        assert!(
            schema["flags"]
                .to_string()
                .contains(&format!(r#""name":"{name}""#)),
            "{schema}"
        );
    }
    // A missing body names the helper flags.
    let (_, err, code) = run(dry_run().args(["webhook", "register-dynamic"]));
    assert_eq!(code, 4, "{err}");
    let message = error_line(&err)["message"].to_string();
    assert!(
        ["--body", "--url", "--jql", "--event"]
            .iter()
            .all(|f| message.contains(f)),
        "{message}"
    );
    // A helper flag's bad value is reported against the flag.
    let (_, err, code) = run(dry_run().args([
        "webhook",
        "register-dynamic",
        "--url",
        "https://app.example.com/hook",
        "--jql",
        "project = ABC",
        "--event",
        "jira:issue_create",
    ]));
    assert_eq!(code, 4, "{err}");
    let error = error_line(&err);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("invalid value `jira:issue_create` for --event")
            && message.contains("jira:issue_created, jira:issue_updated")
            && !message.contains("body"),
        "{error}"
    );
    assert_eq!(
        error["hint"],
        json!("did you mean --event jira:issue_created?")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn input_and_inputs_see_one_document_or_fail_naming_stream() {
    let jira = FakeJira::start().await;
    for _ in 0..3 {
        register(&jira, APP, "https://app.example.com/hook");
    }
    let paged = ["webhook", "list", "--maxResults", "1"];
    // The merged pages are the one input: `inputs` is empty, as in jq.
    let (out, err, code) = stdout(app(&jira).args(paged).args([
        "--jq",
        "[., inputs] | [length, (.[0].values | length)]",
        "--compact",
    ]));
    assert_eq!((out.as_str(), code), ("[1,3]\n", 0), "{err}");
    let (_, err, code) = stdout(app(&jira).args(paged).args(["--jq", "input"]));
    assert_eq!(code, 4, "{err}");
    assert!(
        error_line(&err)["message"]
            .to_string()
            .contains("No more inputs"),
        "{err}"
    );
    // With --stream each item is the input of its own run: never an empty `inputs`.
    for filter in ["[inputs]", "input"] {
        let (out, err, code) = stdout(app(&jira).args(paged).args(["--stream", "--jq", filter]));
        assert_eq!((out.as_str(), code), ("", 4), "{filter}: {err}");
        assert!(
            error_line(&err)["message"].to_string().contains("--stream"),
            "{err}"
        );
    }
}
