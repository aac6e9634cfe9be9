//! Flags typed from the spec, seen in the request `--dry-run` plans: nothing
//! is sent, so no server is needed (the base URL is a closed port).

use crate::support::{error_line, jr_at, run};
use serde_json::{Value, json};

/// `jr ARGS --dry-run` as a bearer caller; returns (plan, stderr, exit code).
fn plan(args: &[&str]) -> (Value, String, i32) {
    let mut cmd = jr_at("http://127.0.0.1:9");
    cmd.env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", "token")
        .args(args)
        .arg("--dry-run");
    run(&mut cmd)
}

fn url_of(args: &[&str]) -> String {
    let (plan, stderr, code) = plan(args);
    assert_eq!(code, 0, "{stderr}");
    plan["url"].as_str().expect("a URL").to_owned()
}

/// The validation error jr printed for `args` (exit 4 asserted).
fn rejected(args: &[&str]) -> String {
    let (_, stderr, code) = plan(args);
    assert_eq!(code, 4, "{stderr}");
    error_line(&stderr)["message"]
        .as_str()
        .expect("a message")
        .to_owned()
}

const BASE: &str = "http://127.0.0.1:9/rest/api/3";

#[test]
fn a_path_parameter_is_one_percent_encoded_segment() {
    assert_eq!(
        url_of(&["issue", "get", "--issueIdOrKey", "a/b c?"]),
        format!("{BASE}/issue/a%2Fb%20c%3F")
    );
}

#[test]
fn booleans_are_a_bare_flag_or_take_a_value() {
    let on = url_of(&["issue", "get", "--issueIdOrKey", "A-1", "--updateHistory"]);
    assert_eq!(on, format!("{BASE}/issue/A-1?updateHistory=true"));
    let off = url_of(&[
        "issue",
        "get",
        "--issueIdOrKey",
        "A-1",
        "--updateHistory=false",
    ]);
    assert_eq!(off, format!("{BASE}/issue/A-1?updateHistory=false"));
    let message = rejected(&[
        "issue",
        "get",
        "--issueIdOrKey",
        "A-1",
        "--updateHistory=maybe",
    ]);
    assert!(message.contains("--updateHistory"), "{message}");
}

#[test]
fn arrays_are_repeatable_and_comma_separated_and_sent_repeated() {
    let url = url_of(&[
        "issue",
        "get",
        "--issueIdOrKey",
        "A-1",
        "--fields",
        "summary,status",
        "--fields",
        "assignee",
    ]);
    assert_eq!(
        url,
        format!("{BASE}/issue/A-1?fields=summary&fields=status&fields=assignee")
    );
}

#[test]
fn integers_are_range_checked() {
    let message = rejected(&[
        "project",
        "get-components-paginated",
        "--projectIdOrKey",
        "A",
        "--startAt",
        "x",
    ]);
    assert!(
        message.contains("--startAt") && message.contains("integer"),
        "{message}"
    );
    let message = rejected(&[
        "project",
        "get-components-paginated",
        "--projectIdOrKey",
        "A",
        "--maxResults",
        "3000000000",
    ]);
    assert!(message.contains("32-bit"), "{message}");
    let ok = url_of(&["webhook", "get-failed", "--after", "9007199254740993"]);
    assert!(
        ok.ends_with("after=9007199254740993"),
        "int64 kept exactly: {ok}"
    );
}

#[test]
fn enums_are_validated_and_may_start_with_a_dash() {
    let url = url_of(&[
        "project",
        "get-components-paginated",
        "--projectIdOrKey",
        "A",
        "--orderBy",
        "-name",
    ]);
    assert!(url.ends_with("orderBy=-name"), "{url}");
    let message = rejected(&["dashboard", "get-all", "--filter", "mine"]);
    assert!(message.contains("one of: my, favourite"), "{message}");
}

#[test]
fn header_parameters_travel_as_headers() {
    let (plan, stderr, code) = plan(&[
        "atlassian-connect",
        "migration-resource.workflow-rule-search_post",
        "--Atlassian-Transfer-Id",
        "transfer-1",
        "--body",
        r#"{"ruleIds": ["a"], "workflowEntityId": "w"}"#,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        plan["headers"]["Atlassian-Transfer-Id"],
        json!("transfer-1")
    );
}

#[test]
fn required_parameters_are_enforced_before_sending() {
    let message = rejected(&["issue", "get"]);
    assert!(message.contains("--issueIdOrKey"), "{message}");
}

#[test]
fn the_version_group_is_project_versions_and_the_flag_is_jr_itself() {
    assert_eq!(
        url_of(&["version", "get", "--id", "10000"]),
        format!("{BASE}/version/10000")
    );
    let output = jr_at("http://127.0.0.1:9")
        .arg("--version")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("jr {}\n", env!("CARGO_PKG_VERSION"))
    );
}
