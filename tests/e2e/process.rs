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
