//! How `jr` is linked (issue 17: start-up time and memory).
//!
//! **GCC's unwinder, statically**, on Linux with glibc, as `gcc
//! -static-libgcc` does for C++ programs. Rust's standard library links the
//! shared `libgcc_s.so.1` for unwinding (panics, backtraces). Loading it cost
//! every start of `jr` about 0.1 ms on this kind of machine (a sixth of a
//! hello world's start-up): the library's mapping, its relocations and its
//! constructor, which asks the CPU for its features (`cpuid`, which traps to
//! the hypervisor in a virtual machine). `libgcc_eh.a` is the same unwinder
//! as an archive; named here, it comes before the standard library's
//! `-lgcc_s` on the linker's command line, so every unwinder symbol resolves
//! to it and `--as-needed` (rustc's default) leaves `libgcc_s.so.1` out of
//! the binary's needs. The archive ships with GCC, which the target already
//! needs as its linker driver. With `crt-static` the standard library links
//! `libgcc_eh` itself.
//!
//! **Start-up functions side by side**, in release builds linked by lld:
//! `startup-order.txt` (written by `cargo xtask startup-order`) is handed to
//! lld as its `--symbol-ordering-file`, so the code `jr` runs to start,
//! parse and print help or a dry run sits in a few hundred KB instead of
//! being spread over all of `.text`, and the pages the kernel maps for it
//! (peak RSS) shrink by about 2 MB. Names the link no longer has are
//! skipped. rustc links `x86_64-unknown-linux-gnu` with its own lld since
//! 1.90; with an older rustc, another target, or a linker set by the user
//! (GNU ld does not know the option) the file is not passed.

use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=startup-order.txt");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let crt_static = features.split(',').any(|f| f == "crt-static");
    if os == "linux" && target_env == "gnu" && !crt_static {
        println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
    }
    if env::var("PROFILE").as_deref() == Ok("release") && links_with_rust_lld() {
        let manifest = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        let order = format!("{manifest}/startup-order.txt");
        if !std::path::Path::new(&order).exists() {
            return;
        }
        // Separate words, not `-Wl,a,b`: a comma in the path would split it.
        for word in [
            "--symbol-ordering-file",
            &order,
            "--no-warn-symbol-ordering",
        ] {
            println!("cargo:rustc-link-arg-bin=jr=-Xlinker");
            println!("cargo:rustc-link-arg-bin=jr={word}");
        }
    }
}

/// Whether rustc links this build with its own lld: the target is
/// `x86_64-unknown-linux-gnu`, rustc is 1.90 or later, and nobody chose
/// another linker (`-C linker…`, `-fuse-ld`, `CARGO_TARGET_…_LINKER`).
fn links_with_rust_lld() -> bool {
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
    if env::var("TARGET").as_deref() != Ok("x86_64-unknown-linux-gnu")
        || env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some()
    {
        return false;
    }
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if flags.contains("linker") || flags.contains("fuse-ld") {
        return false;
    }
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(output) = Command::new(rustc).arg("--version").output() else {
        return false;
    };
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let version = String::from_utf8_lossy(&output.stdout);
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    minor.is_some_and(|m| m >= 90)
}
