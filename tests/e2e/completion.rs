//! Shell completion: the registration snippets, and the answers `jr` gives
//! when a shell calls it back at TAB time (fish's protocol: one candidate per
//! line, help after a tab).

use crate::support::jr_isolated;

fn candidates(words: &[&str]) -> Vec<String> {
    let output = jr_isolated()
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
