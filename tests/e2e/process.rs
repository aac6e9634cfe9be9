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
