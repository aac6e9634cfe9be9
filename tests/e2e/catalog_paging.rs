//! jr against jr-mock's catalog with the faithful defaults (issue 14): every
//! paginated operation is walked to its last page (no `--no-paginate`) and
//! exits 0; credentials are required.

use crate::support::*;
use jr_core::ops::{self, Pagination};
use jr_mock::FakeJira;

/// Operations Atlassian removed: jr-mock answers 410 (tested in jr-mock).
const REMOVED: &[&str] = &["searchForIssuesUsingJql", "searchForIssuesUsingJqlPost"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_paginated_operation_is_walked_to_its_end() {
    let jira = FakeJira::start().await;
    // The stateful operations on an issue (the changelog) page over the
    // issue the examples name: create it.
    let issue =
        r#"{"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Task"}, "summary": "s"}}"#;
    let (created, stderr, code) =
        run(jr_as_user(&jira).args(["issue", "create-issue", "--body", issue]));
    assert_eq!(
        (code, created["key"].as_str()),
        (0, Some("ABC-1")),
        "{stderr}"
    );
    let mut failures = Vec::new();
    let mut walked = 0;
    for op in ops::OPERATIONS
        .iter()
        .filter(|op| op.pagination != Pagination::None && !REMOVED.contains(&op.operation_id()))
    {
        // Dynamic webhooks need an app; everything else runs as the user.
        let mut cmd = if op.path().starts_with("/rest/api/3/webhook") {
            let mut cmd = jr_as_connect(&jira, "connect-app-secret");
            cmd.env("JR_CONNECT_KEY", CONNECT_KEY);
            cmd
        } else {
            jr_as_user(&jira)
        };
        let mut args = ops::example::args(op);
        // Jira's enhanced search needs a bounded query (jr-mock refuses an
        // unbounded one, as Jira does); the generated example has none.
        match op.operation_id() {
            "searchAndReconsileIssuesUsingJql" => {
                args.extend(["--jql".to_owned(), "project = ABC".to_owned()]);
            }
            "searchAndReconsileIssuesUsingJqlPost" => {
                args = vec![
                    "--body".to_owned(),
                    r#"{"jql": "project = ABC"}"#.to_owned(),
                ];
            }
            _ => {}
        }
        // One item a page, so operations with several items page for real.
        if op.param("maxResults").is_some() && !args.iter().any(|a| a == "--maxResults") {
            args.extend(["--maxResults".to_owned(), "1".to_owned()]);
        }
        let (_, stderr, code) = run(cmd
            .args([op.group(), op.command()])
            .args(&args)
            .args(["--max-pages", "20"]));
        walked += 1;
        if code != 0 {
            failures.push(format!(
                "{} ({}): exit {code}: {}",
                op.operation_id(),
                op.command(),
                stderr.trim()
            ));
        }
    }
    assert!(walked > 70, "only {walked} paginated operations");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operation_without_credentials_is_refused_with_exit_2() {
    let jira = FakeJira::start().await;
    let (_, stderr, code) = run(jr_at(&jira.base_url()).args(["myself", "get-current-user"]));
    assert_eq!(code, 2, "{stderr}");
    let (me, stderr, code) = run(jr_as_user(&jira).args(["myself", "get-current-user"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(me["emailAddress"], "user@example.com");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deprecated_operation_is_marked_in_help_and_warned_about_before_the_call() {
    let jira = FakeJira::start().await;
    let (_, stderr, code) = run(jr_as_user(&jira).args(["priority", "get-priorities"]));
    assert_eq!(code, 0, "{stderr}");
    let warning: serde_json::Value =
        serde_json::from_str(stderr.lines().next().unwrap_or_default())
            .unwrap_or_else(|_| panic!("a JSON warning line: {stderr:?}"));
    assert_eq!(warning["operation"], "getPriorities");
    assert!(
        warning["warning"].as_str().unwrap().contains("deprecated"),
        "{warning}"
    );
    let help = jr_isolated()
        .args(["priority", "get-priorities", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("Deprecated"));
}
