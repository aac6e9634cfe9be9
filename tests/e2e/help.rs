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
