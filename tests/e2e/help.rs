//! Help texts, snapshot-tested (read every snapshot before accepting it).

fn help(args: &[&str]) -> String {
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_jr"))
        .args(args)
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn webhook_group_help_lists_the_five_commands() {
    insta::assert_snapshot!(help(&["webhook", "--help"]));
}

#[test]
fn get_failed_help_explains_the_operation() {
    insta::assert_snapshot!(help(&["webhook", "get-failed", "--help"]));
}

#[test]
fn register_dynamic_help_shows_the_helper_flags() {
    insta::assert_snapshot!(help(&["webhook", "register-dynamic", "--help"]));
}

#[test]
fn top_level_help_lists_every_group_on_one_line() {
    let text = help(&["--help"]);
    for group in [
        "webhook",
        "version",
        "issue",
        "issueLink",
        "atlassian-connect",
    ] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{group} ")))
            .unwrap_or_else(|| panic!("{group} not listed"));
        assert!(line.contains("operation"), "{line}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn version_group_help_lists_its_commands() {
    insta::assert_snapshot!(help(&["version", "--help"]));
}

#[test]
fn a_command_with_a_body_shows_its_flags_types_and_a_runnable_example() {
    insta::assert_snapshot!(help(&["project", "get-components-paginated", "--help"]));
    insta::assert_snapshot!(help(&["version", "create", "--help"]));
}

#[test]
fn man_pages_cover_every_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_jr"))
        .arg("__man")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let page = std::fs::read_to_string(dir.path().join("jr-webhook-get-failed.1")).expect("a page");
    assert!(page.contains("Get failed webhooks"), "{page}");
    let pages = std::fs::read_dir(dir.path()).expect("dir").count();
    assert!(
        pages > 621,
        "one page per command, group and jr itself: {pages}"
    );
}

/// `jr --help` and `jr GROUP -h` are laid out by jr's own `list_pages`;
/// with a global flag before them clap lays the same pages out. Both must
/// agree at any width a terminal or `COLUMNS` gives, 0 and nonsense too.
#[test]
fn list_pages_match_claps_at_odd_widths() {
    let page = |args: &[&str], columns: &str| {
        let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_jr"))
            .args(args)
            .env("COLUMNS", columns)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    for columns in ["0", "1", "37", "not-a-number"] {
        for (fast, clap) in [
            (&["--help"][..], &["--compact", "--help"][..]),
            (&["webhook", "-h"], &["--compact", "webhook", "-h"]),
        ] {
            let ours = page(fast, columns);
            assert!(ours.contains("Commands:"), "{fast:?}: {ours}");
            assert_eq!(ours, page(clap, columns), "{fast:?} at COLUMNS={columns}");
        }
    }
}

/// Started through a link named `jira`, jr's own pages name the program
/// `jira` in their usage line, as clap's do (review of issue 17).
#[cfg(unix)]
#[test]
fn the_pages_name_the_program_as_it_was_started() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("jira");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_jr"), &link).unwrap();
    let page = |args: &[&str]| {
        let output = assert_cmd::Command::new(&link)
            .args(args)
            .env("COLUMNS", "100")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    for (fast, clap) in [
        (&["--help"][..], &["--compact", "--help"][..]),
        (&["webhook", "-h"], &["--compact", "webhook", "-h"]),
        (
            &["webhook", "list", "--help"],
            &["--compact", "webhook", "list", "--help"],
        ),
    ] {
        let ours = page(fast);
        assert!(ours.contains("Usage: jira"), "{fast:?}: {ours}");
        assert_eq!(ours, page(clap), "{fast:?}");
    }
}
