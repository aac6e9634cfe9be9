//! Shell completion: the registration snippets, and the answers `jr` gives
//! when a shell calls it back at TAB time (fish's protocol: one candidate per
//! line, help after a tab).

use crate::support::jr_isolated;

fn candidates(words: &[&str]) -> Vec<String> {
    candidates_with(&mut jr_isolated(), words)
}

fn candidates_with(jr: &mut assert_cmd::Command, words: &[&str]) -> Vec<String> {
    let output = jr
        .env("COMPLETE", "fish")
        .arg("--")
        .arg("jr")
        .args(words)
        .output()
        .expect("jr runs");
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn groups_commands_and_flags_complete() {
    assert!(candidates(&["webh"]).contains(&"webhook".to_owned()));
    assert!(candidates(&["vers"]).contains(&"version".to_owned()));
    assert_eq!(candidates(&["webhook", "get-f"]), ["get-failed"]);
    let flags = candidates(&["webhook", "get-failed", "--max"]);
    assert!(flags.contains(&"--maxResults".to_owned()), "{flags:?}");
    let enums = candidates(&["dashboard", "get-all", "--filter", ""]);
    assert_eq!(enums, ["my", "favourite"]);
}

/// The word being completed was taken to name one command alone when it
/// was a whole name or alias: `jr webhook list` offered only `list` (not
/// `listen`), `jr issue get` only `get`.
#[test]
fn a_whole_command_name_still_completes_to_longer_ones() {
    let webhook = candidates(&["webhook", "list"]);
    for name in ["list", "listen"] {
        assert!(webhook.contains(&name.to_owned()), "{webhook:?}");
    }
    let issue = candidates(&["issue", "get"]);
    assert!(issue.contains(&"get".to_owned()), "{issue:?}");
    assert!(issue.len() > 5, "{issue:?}");
}

/// A word that is not UTF-8 panicked the completion call-back (exit 101).
#[test]
fn a_word_that_is_not_utf8_does_not_panic_the_completion() {
    use std::os::unix::ffi::OsStrExt;
    let output = jr_isolated()
        .env("COMPLETE", "fish")
        .args(["--", "jr", "webhook"])
        .arg(std::ffi::OsStr::from_bytes(b"\xff"))
        .output()
        .expect("jr runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn jrs_own_commands_complete_beside_the_groups() {
    assert!(candidates(&["confi"]).contains(&"configure".to_owned()));
    assert!(candidates(&["aut"]).contains(&"auth".to_owned()));
    let auth = candidates(&["auth", ""]);
    for name in ["login", "status", "logout"] {
        assert!(auth.contains(&name.to_owned()), "{auth:?}");
    }
    assert!(candidates(&["sche"]).contains(&"schema".to_owned()));
}

#[test]
fn every_shell_gets_a_small_registration_snippet() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let output = jr_isolated()
            .args(["completion", shell])
            .output()
            .expect("jr runs");
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let snippet = String::from_utf8_lossy(&output.stdout);
        assert!(snippet.contains("COMPLETE"), "{shell}: {snippet}");
        assert!(
            snippet.len() < 4096,
            "{shell}: dynamic, not a 2 MB static script"
        );
    }
    let output = jr_isolated()
        .args(["completion", "tcsh"])
        .output()
        .expect("jr runs");
    assert_eq!(output.status.code(), Some(4));
}

#[test]
fn values_complete_for_enums_helpers_globals_and_expand() {
    assert_eq!(
        candidates(&["webhook", "register-dynamic", "--event", "jira:issue_c"]),
        ["jira:issue_created"]
    );
    let events = candidates(&["webhook", "register-dynamic", "--event", ""]);
    assert_eq!(events.len(), 20, "{events:?}");
    assert_eq!(candidates(&["--auth-type", "o"]), ["oauth2"]);
    let types = candidates(&["--auth-type", ""]);
    assert_eq!(types, ["basic", "bearer", "oauth2", "connect", "none"]);
    assert_eq!(candidates(&["--output", "n"]), ["ndjson"]);
    let expand = candidates(&["issue", "get", "ABC-1", "--expand", ""]);
    assert!(
        expand.contains(&"renderedFields".to_owned()) && expand.contains(&"changelog".to_owned()),
        "{expand:?}"
    );
    assert_eq!(
        candidates(&["issue", "get", "ABC-1", "--expand", "names,ch"]),
        ["names,changelog"]
    );
}

#[test]
fn profile_names_come_from_the_config_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = dir.path().join("config.json");
    std::fs::write(
        &config,
        r#"{"profiles": {"prod": {"base_url": "https://prod.example"}, "staging": {"base_url": "https://staging.example"}}}"#,
    )
    .expect("written");
    let mut jr = jr_isolated();
    jr.env("JR_CONFIG_PATH", &config);
    assert_eq!(candidates_with(&mut jr, &["-p", ""]), ["prod", "staging"]);
    let mut jr = jr_isolated();
    jr.env("JR_CONFIG_PATH", &config);
    assert_eq!(candidates_with(&mut jr, &["--profile", "st"]), ["staging"]);
    // With no config file there is nothing to offer, and no error.
    assert!(candidates(&["-p", ""]).is_empty());
}

#[test]
fn groups_commands_and_flags_complete_after_aliases_and_global_flags() {
    assert_eq!(candidates(&["webhook", "li"]), ["list", "listen"]);
    let flags = candidates(&["webhook", "list", "--maxR"]);
    assert_eq!(flags, ["--maxResults"]);
    assert_eq!(candidates(&["-p", "prod", "webh"]), ["webhook"]);
    assert_eq!(
        candidates(&["--pretty", "webhook", "get-f"]),
        ["get-failed"]
    );
}
