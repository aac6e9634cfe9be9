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

/// [`jr`] as a `std::process::Command`, for what assert_cmd does not offer:
/// a stdout of the test's choosing, or waiting on a spawned child.
fn jr_std(server: &MockServer) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_jr"));
    cmd.env("JR_CONFIG_PATH", "/nonexistent/jr-test/config.json")
        .env("JR_NO_KEYRING", "1")
        .env("JR_BASE_URL", server.uri())
        .env("JR_AUTH_TYPE", "bearer")
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

/// Sends `signal` (`TERM`, `INT`) to `pid` with the system's `kill`.
fn send_signal(pid: u32, signal: &str) {
    let sent = std::process::Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Polls `ready()` every 5 ms for at most 10 s; panics naming `what` otherwise.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// A child's exit code and stderr, waiting at most 10 s for it to end.
fn finish(mut child: std::process::Child) -> (i32, String) {
    wait_until("jr to exit", || child.try_wait().unwrap().is_some());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    (status.code().unwrap_or(-1), stderr)
}

fn spawn_jr(
    server: &MockServer,
    args: &[&str],
    stdout: std::process::Stdio,
) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_jr"))
        .env("JR_BASE_URL", server.uri())
        .env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", "token")
        .env("XDG_CONFIG_HOME", "/nonexistent/jr-test-config")
        .env("JR_NO_KEYRING", "1")
        .env_remove("JR_CONFIG_PATH")
        .env_remove("JR_PROFILE")
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// SIGTERM (sent by `timeout`, CI runners, systemd) ended jr with no JSON
/// error line; now it is exit 143 with one, like Ctrl-C's 130.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_request_is_exit_143_with_a_json_line() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(30)))
        .mount(&server)
        .await;
    let child = spawn_jr(
        &server,
        &["raw", "GET", "/rest/api/3/myself"],
        std::process::Stdio::null(),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the request never arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    send_signal(child.id(), "TERM");
    let (code, stderr) = finish(child);
    assert_eq!(code, 143, "{stderr}");
    assert_eq!(error_line(&stderr)["error_type"], "terminated");
}

/// SIGINT did not stop jr while it was blocked writing to a full pipe (tokio
/// had taken the signal over); the watchdog ends it a second later.
#[tokio::test(flavor = "multi_thread")]
async fn sigint_while_blocked_on_a_full_pipe_is_exit_130() {
    let big = format!(
        "[{}]",
        vec!["\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\""; 100_000].join(",")
    );
    let server = answering(big).await;
    // stdout is a pipe that nobody reads: jr blocks once it holds 64 KiB.
    let child = spawn_jr(
        &server,
        &["raw", "GET", "/rest/api/3/x"],
        std::process::Stdio::piped(),
    );
    let pid = child.id();
    wait_until("jr to block writing to the pipe", || {
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .map(|tasks| {
                tasks.flatten().any(|task| {
                    std::fs::read_to_string(task.path().join("wchan"))
                        .is_ok_and(|w| w.contains("pipe_write") || w.contains("pipe_wait"))
                })
            })
            .unwrap_or(false)
    });
    send_signal(pid, "INT");
    let (code, stderr) = finish(child);
    assert_eq!(code, 130, "{stderr}");
    assert_eq!(error_line(&stderr)["error_type"], "interrupted");
}

/// SIGTERM while the reader of `--output ndjson` had stopped reading cut the
/// last line where the pipe filled (the watchdog ends jr a second later,
/// blocked mid-write). Lines now go to a pipe in writes that cannot block
/// part-way, so the pipe holds whole lines only, short (under PIPE_BUF) and
/// long (20,000 bytes) alike.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_on_a_full_pipe_leaves_only_whole_lines() {
    use std::io::Read;
    // 30 items of 1,500 bytes, then items of 20,000 and 1,500 in turn: 1.3
    // MB, more than jr grows the pipe to (1 MiB), so it fills.
    let items: Vec<String> = (0..150)
        .map(|i| {
            let len = if i >= 30 && i % 2 == 0 { 20_000 } else { 1_500 };
            format!("\"{}\"", "x".repeat(len - 3))
        })
        .collect();
    let server = answering(format!("[{}]", items.join(","))).await;
    let mut child = spawn_jr(
        &server,
        &["raw", "GET", "/rest/api/3/x", "--output", "ndjson"],
        std::process::Stdio::piped(),
    );
    let mut stdout = child.stdout.take().unwrap();
    rustix::pipe::fcntl_setpipe_size(&stdout, 65_536).unwrap();
    wait_until("the pipe to fill", || {
        rustix::io::ioctl_fionread(&stdout).unwrap() >= 40_000
    });
    send_signal(child.id(), "TERM");
    let (code, stderr) = finish(child);
    assert_eq!(code, 143, "{stderr}");
    assert_eq!(error_line(&stderr)["error_type"], "terminated");
    let mut written = String::new();
    stdout.read_to_string(&mut written).unwrap();
    assert!(written.ends_with('\n'), "cut after {} bytes", written.len());
    let lines: Vec<&str> = written.lines().collect();
    assert!(lines.len() >= 3, "{} lines", lines.len());
    for (line, item) in lines.iter().zip(&items) {
        assert_eq!(line, item);
    }
}

/// The review of the first whole-lines writer: it sent a line over 4 KiB
/// only into an empty pipe, so a caller that waits for jr to exit before
/// reading (Python's `Popen.wait()` then `read()`) waited for ever on 10 KB.
/// Output that fits in the pipe is written at once again.
#[tokio::test(flavor = "multi_thread")]
async fn output_that_fits_the_pipe_needs_no_reader_to_finish() {
    use std::io::Read;
    let items: Vec<String> = (0..8)
        .map(|i| format!("\"{i}{}\"", "x".repeat(5_000)))
        .collect();
    let server = answering(format!("[{}]", items.join(","))).await;
    for form in [&["--output", "ndjson"][..], &["--jq", ".[]", "--jq-json"]] {
        let mut args = vec!["raw", "GET", "/rest/api/3/x"];
        args.extend_from_slice(form);
        let mut child = spawn_jr(&server, &args, std::process::Stdio::piped());
        let mut stdout = child.stdout.take().unwrap();
        let (code, stderr) = finish(child);
        assert_eq!(code, 0, "{form:?}: {stderr}");
        let mut written = String::new();
        stdout.read_to_string(&mut written).unwrap();
        assert_eq!(written.lines().collect::<Vec<_>>(), items, "{form:?}");
    }
}

/// `--query jwt=...`, `access_token=...` and headers like `Api-Password` or
/// `X-Session-Id` were shown in `--dry-run`, `--verbose` and errors; the one
/// rule of jr_core::redact now hides them everywhere.
#[test]
fn credentials_in_queries_headers_and_bodies_are_never_shown() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let secrets = [
        "s3cr3t-jwt",
        "s3cr3t-token",
        "s3cr3t-session",
        "s3cr3t-pw",
        "hunter2",
    ];
    let args = [
        "raw",
        "POST",
        "/rest/api/3/x",
        "--query",
        "jwt=s3cr3t-jwt",
        "--query",
        "access_token=s3cr3t-token",
        "--query",
        "jql=a",
        "--header",
        "X-Session-Id: s3cr3t-session",
        "--header",
        "Api-Password: s3cr3t-pw",
        "--body",
        r#"{"password":"hunter2","name":"n"}"#,
    ];
    for extra in [&["--dry-run"][..], &["--verbose", "--retries", "0"][..]] {
        let output = jr_at(&format!("http://127.0.0.1:{port}"))
            .env("JR_AUTH_TYPE", "bearer")
            .env("JR_AUTH_TOKEN", "bearer-s3cr3t")
            .args(args)
            .args(extra)
            .output()
            .unwrap();
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            shown.contains("jql=a") && shown.contains("<redacted>"),
            "{shown}"
        );
        for secret in secrets.iter().chain(&["bearer-s3cr3t"]) {
            assert!(!shown.contains(secret), "{extra:?} shows {secret}: {shown}");
        }
    }
}

/// Bytes no JSON or UTF-8 reader would keep as they are.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe binary";

async fn answering_png() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Type", "image/png")
                .set_body_bytes(PNG),
        )
        .mount(&server)
        .await;
    server
}

const AVATAR: [&str; 4] = [
    "universal_avatar",
    "get-avatar-image-by-type",
    "--type",
    "project",
];

/// An answer that is not JSON (an avatar image, issue 12 class 7) used to
/// be refused or mangled: it is written byte for byte to a pipe, to
/// `--output-file` whole (with a summary on stdout), and never to a
/// terminal or through `--jq`, which read JSON.
#[tokio::test(flavor = "multi_thread")]
async fn a_non_json_answer_is_written_unchanged_to_a_pipe_or_a_file_never_to_a_terminal() {
    let server = answering_png().await;
    let piped = jr(&server).args(AVATAR).output().unwrap();
    assert_eq!(piped.status.code(), Some(0));
    assert_eq!(piped.stdout, PNG, "the bytes unchanged in a pipe");

    let raw = jr(&server)
        .args([
            "raw",
            "GET",
            "/rest/api/3/universal_avatar/view/type/project",
        ])
        .output()
        .unwrap();
    assert_eq!((raw.status.code(), raw.stdout.as_slice()), (Some(0), PNG));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("avatar.png");
    let (summary, _, code) = run(jr(&server)
        .args(AVATAR)
        .args(["--output-file", file.to_str().unwrap()]));
    assert_eq!(code, 0);
    assert_eq!(std::fs::read(&file).unwrap(), PNG);
    assert_eq!(summary["bytes"], PNG.len());
    assert_eq!(summary["contentType"], "image/png");
    assert_eq!(summary["file"], file.to_str().unwrap());

    let dashed = jr(&server)
        .args(AVATAR)
        .args(["--output-file", "-"])
        .output()
        .unwrap();
    assert_eq!(
        (dashed.status.code(), dashed.stdout.as_slice()),
        (Some(0), PNG)
    );

    let (out, err, code) = run_text(jr(&server).args(AVATAR).args(["--jq", "."]));
    assert_eq!((out.as_str(), code), ("", 4), "{err}");
    let error = error_line(&err);
    assert!(
        error["message"].as_str().unwrap().contains("image/png"),
        "{err}"
    );
    assert!(
        error["hint"].as_str().unwrap().contains("--output-file"),
        "{err}"
    );

    // On a pseudo-terminal (`script`): refused, nothing garbles the screen.
    let jr_bin = env!("CARGO_BIN_EXE_jr");
    let shown = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{jr_bin} {}", AVATAR.join(" ")),
            "/dev/null",
        ])
        .env("JR_BASE_URL", server.uri())
        .env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", "token")
        .env("XDG_CONFIG_HOME", "/nonexistent/jr-test-config")
        .env("JR_NO_KEYRING", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&shown.stdout);
    assert_eq!(shown.status.code(), Some(4), "{screen}");
    assert!(
        screen.contains("--output-file") && !screen.contains("IHDR"),
        "{screen}"
    );
}

/// `--output-file` belongs to an operation's answer: a command that prints
/// none refuses it rather than ignoring it, and a folder that does not
/// exist is named.
#[tokio::test(flavor = "multi_thread")]
async fn output_file_is_refused_where_it_would_be_ignored_and_names_a_bad_folder() {
    let server = answering_png().await;
    let (_, err, code) = run_text(jr(&server).args(["completion", "bash", "--output-file", "x"]));
    assert_eq!(code, 4, "{err}");
    assert!(
        error_line(&err)["message"]
            .as_str()
            .unwrap()
            .contains("jr completion"),
        "{err}"
    );

    let (_, err, code) = run_text(
        jr(&server)
            .args(AVATAR)
            .args(["--output-file", "/nonexistent/jr-test/avatar.png"]),
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("/nonexistent/jr-test/avatar.png"), "{err}");
}

/// A function the filter defines that recursed without end overflowed
/// jaq's stack (SIGABRT, exit 134, no JSON line): it is exit 4 with the
/// error line now.
#[tokio::test]
async fn endless_recursion_in_jq_is_exit_4_with_a_json_line() {
    let server = answering("{}".to_string()).await;
    let (stdout, stderr, code) =
        run_text(jr(&server).args(["raw", "GET", "/rest/api/3/x", "--jq", "def f: [f]; f"]));
    assert_eq!((stdout.as_str(), code), ("", 4), "{stderr}");
    assert!(
        error_line(&stderr)["message"]
            .as_str()
            .unwrap()
            .contains("recursed too deep"),
        "{stderr}"
    );
}

/// jaq's built-ins recurse natively: `tojson` over a value nested 100,000
/// deep, or freeing one nested 300,000 deep, ran the `--jq` thread's stack
/// out. With the standard library's start-up that was SIGABRT (exit 134)
/// with a one-line message; without it (jr-cli/src/start.rs) a silent
/// SIGSEGV, as the review found. It is exit 1 with the JSON line now
/// (jr-cli/src/overflow.rs).
#[tokio::test]
async fn a_filter_that_runs_the_stack_out_in_a_built_in_is_exit_1_with_a_json_line() {
    let server = answering("{}".to_string()).await;
    // The second review: an expression of 10,000 nested `try`s, which the
    // 1,000-level check of brackets does not count, overflowed in jaq's
    // parser; the same line names that case too.
    let tries = format!("{}1", "try ".repeat(10_000));
    for filter in [
        "reduce range(100000) as $i (0; [.]) | tojson | length",
        "reduce range(300000) as $i (null; [.]) | length",
        tries.as_str(),
    ] {
        let (stdout, stderr, code) =
            run_text(jr(&server).args(["raw", "GET", "/rest/api/3/x", "--jq", filter]));
        assert_eq!((stdout.as_str(), code), ("", 1), "{filter}: {stderr}");
        let message = error_line(&stderr)["message"].as_str().unwrap().to_owned();
        assert!(message.contains("64 MiB stack ran out"), "{message}");
    }
}

/// An environment variable that is not UTF-8 made every `--jq` panic (exit
/// 101: `$ENV` was read with `std::env::vars`), and then `env` (jaq's own,
/// which the second review found); both read it lossily now, as jq does.
#[cfg(unix)]
#[tokio::test]
async fn an_environment_variable_that_is_not_utf8_does_not_panic_jq() {
    use std::os::unix::ffi::OsStrExt;
    let server = answering("{}".to_string()).await;
    let value = std::ffi::OsStr::from_bytes(b"a\xffb");
    let (stdout, stderr, code) = run_text(jr(&server).env("JR_TEST_NOT_UTF8", value).args([
        "raw",
        "GET",
        "/rest/api/3/x",
        "--jq",
        "$ENV.JR_TEST_NOT_UTF8",
    ]));
    assert_eq!((stdout.as_str(), code), ("a\u{fffd}b\n", 0), "{stderr}");
}

/// When the thread a `--jq` filter runs on cannot start (here: an address
/// space limit of 80 MB, below its 64 MiB stack and what jr already maps),
/// jr exited 101 with nothing on stderr, as a review found. It is exit 1
/// with the JSON line now. `prlimit` (util-linux) sets the limit.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_jq_thread_that_cannot_start_is_exit_1_with_a_json_line() {
    let server = answering("{}".to_string()).await;
    let output = std::process::Command::new("prlimit")
        .args(["--as=80000000", "--", env!("CARGO_BIN_EXE_jr")])
        .args(["raw", "GET", "/rest/api/3/x", "--jq", "."])
        .env("JR_BASE_URL", server.uri())
        .env("JR_AUTH_TYPE", "bearer")
        .env("JR_AUTH_TOKEN", "token")
        .env("JR_CONFIG_PATH", "/nonexistent/jr-test/config.json")
        .env("JR_NO_KEYRING", "1")
        .output()
        .expect("prlimit runs jr");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let message = error_line(&stderr)["message"].as_str().unwrap().to_owned();
    assert!(message.contains("cannot start the thread"), "{message}");
}

/// `--output-file /dev/stdout` failed into a pipe ("No such file" for the
/// link text `pipe:[N]`) and, into a file the shell opened with `>>`,
/// replaced that file with the body alone (second review); then, with `>`,
/// the summary line overwrote the body's start (third review). A path that
/// is jr's stdout is now stdout itself, as `-` is: the body, no summary.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn output_file_dev_stdout_writes_into_a_pipe_or_appends_to_the_shells_file() {
    let server = answering_png().await;
    let piped = jr(&server)
        .args(AVATAR)
        .args(["--output-file", "/dev/stdout"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert_eq!(piped.status.code(), Some(0), "{stderr}");
    assert_eq!(piped.stdout, PNG);

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("so.txt");
    std::fs::write(&log, b"keep\n").unwrap();
    let appending = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    // assert_cmd captures stdout; the shell's `>>` needs the std Command.
    let status = jr_std(&server)
        .args(AVATAR)
        .args(["--output-file", "/dev/stdout"])
        .stdout(appending)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let written = std::fs::read(&log).unwrap();
    assert!(written.starts_with(b"keep\n"), "{written:?}");
    assert_eq!(&written[5..5 + PNG.len()], PNG);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(
        names.len(),
        1,
        "the shell's file itself, no other: {names:?}"
    );
}

/// A SIGINT that came while `--output-file` was being written was lost:
/// jr renamed the file into place and exited 0 (second review). The write
/// now looks for the signal between chunks and before the rename: exit
/// 130, and no file under the name a script would read.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn sigint_while_the_output_file_is_written_is_exit_130_and_no_file() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Type", "application/octet-stream")
                .set_body_bytes(vec![7u8; 64 * 1024 * 1024]),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.bin");
    let child = jr_std(&server)
        .args([
            "raw",
            "GET",
            "/rest/api/3/big",
            "--max-response-size",
            "1GiB",
        ])
        .args(["--output-file", target.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The temporary file appears when the body has arrived and its write
    // begins; the signal goes then.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let writing = loop {
        let temporary = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .any(|entry| {
                entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".jr-output-")
            });
        if temporary || std::time::Instant::now() > deadline {
            break temporary;
        }
        std::thread::sleep(std::time::Duration::from_micros(200));
    };
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(writing, "the write never began: {stderr}");
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(!target.exists(), "the file was renamed into place");
}

/// `--output-file -` with `--jq` printed the raw body and ignored `--jq`
/// (third review): there is no summary to filter. It is exit 4 now, naming
/// the flag; `--jq` with a file still filters the summary.
#[tokio::test(flavor = "multi_thread")]
async fn jq_with_output_file_to_stdout_is_refused() {
    let server = answering_png().await;
    let (stdout, stderr, code) =
        run_text(
            jr(&server)
                .args(AVATAR)
                .args(["--output-file", "-", "--jq", "."]),
        );
    assert_eq!((stdout.as_str(), code), ("", 4), "{stderr}");
    assert!(
        error_line(&stderr)["message"]
            .as_str()
            .unwrap()
            .contains("--jq has nothing to filter")
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("avatar.png");
    let (stdout, stderr, code) = run_text(jr(&server).args(AVATAR).args([
        "--output-file",
        file.to_str().unwrap(),
        "--jq",
        ".bytes",
    ]));
    assert_eq!(
        (stdout.trim(), code),
        (PNG.len().to_string().as_str(), 0),
        "{stderr}"
    );
}
