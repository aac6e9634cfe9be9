//! The `jr` process itself: which shared libraries it loads (issue 17).

use std::process::Command;

/// `jr` loads no `libm.so.6` (jr-cli/src/pow.rs): loading it cost about
/// 0.1 ms of every start. glibc's dynamic loader lists what it would load
/// when `LD_TRACE_LOADED_OBJECTS` is set (this is how `ldd` works), and runs
/// nothing of `jr`.
#[test]
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn jr_loads_no_libm() {
    let output = Command::new(env!("CARGO_BIN_EXE_jr"))
        .arg("--version")
        .env("LD_TRACE_LOADED_OBJECTS", "1")
        .output()
        .expect("jr starts");
    let listing = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(listing.contains("libc.so.6"), "not a listing: {listing}");
    assert!(
        !listing.contains("libm.so"),
        "jr loads the math library again; define the new function in \
         jr-cli/src/pow.rs:\n{listing}"
    );
}

/// Standard streams closed at exec are opened on `/dev/null` before `jr`
/// opens anything (jr-cli/src/start.rs, as the standard library's start-up
/// does): otherwise the next file `jr` opens would take descriptor 1 and
/// receive the output. `jr webhook listen` stays up, so its descriptors can
/// be read in `/proc` while it runs.
#[test]
#[cfg(target_os = "linux")]
fn closed_standard_streams_are_opened_on_dev_null() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = Command::new("sh")
        .args([
            "-c",
            r#"exec "$0" webhook listen --port 0 <&- >&-"#,
            env!("CARGO_BIN_EXE_jr"),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh starts");
    let mut first = String::new();
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    stderr
        .read_line(&mut first)
        .expect("jr says where it listens");
    let fd = |n: u32| std::fs::read_link(format!("/proc/{}/fd/{n}", child.id()));
    let (stdin, stdout) = (fd(0), fd(1));
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.contains("listening"), "{first}");
    assert_eq!(stdin.expect("fd 0 open").to_str(), Some("/dev/null"));
    assert_eq!(stdout.expect("fd 1 open").to_str(), Some("/dev/null"));
}

/// With an open-files limit below 3, `poll` on the three standard streams
/// fails (`EINVAL`); a closed one is then found with `fcntl` and still opened
/// on `/dev/null`, as the standard library does (the review found the lock
/// file of `jr configure` becoming stdout). `--body -` keeps `jr` waiting on
/// stdin meanwhile; `prlimit` (util-linux) sets the limit and execs `jr` in
/// the same process.
#[test]
#[cfg(target_os = "linux")]
fn under_an_open_files_limit_of_two_a_closed_stdout_is_opened_on_dev_null() {
    use std::io::Write;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let jr = env!("CARGO_BIN_EXE_jr");
    let mut child = Command::new("sh")
        .args([
            "-c",
            r#"exec prlimit --nofile=2 -- "$0" --dry-run --base-url http://127.0.0.1:9 --auth-type none webhook register-dynamic --body - >&-"#,
            jr,
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh starts");
    let proc_dir = format!("/proc/{}", child.id());
    let jr_path = std::fs::canonicalize(jr).expect("jr exists");
    // jr has started once the process is jr and its descriptor 1 is open;
    // it then waits for the body on stdin.
    let deadline = Instant::now() + Duration::from_secs(10);
    let stdout = loop {
        let is_jr = std::fs::read_link(format!("{proc_dir}/exe")).is_ok_and(|exe| exe == jr_path);
        let fd1 = std::fs::read_link(format!("{proc_dir}/fd/1"));
        if let (true, Ok(target)) = (is_jr, fd1) {
            break Some(target);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let mut stdin = child.stdin.take().expect("piped");
    let _ = stdin.write_all(b"{}");
    drop(stdin);
    let output = child.wait_with_output().expect("jr ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stdout.as_deref().and_then(|p| p.to_str()),
        Some("/dev/null"),
        "{stderr}"
    );
    // The body `{}` lacks the required members: jr read it and said so.
    assert_eq!(output.status.code(), Some(4), "{stderr}");
}
