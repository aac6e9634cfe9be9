//! Links GCC's unwinder statically into `jr` on Linux with glibc, as
//! `gcc -static-libgcc` does for C++ programs.
//!
//! Rust's standard library links the shared `libgcc_s.so.1` for unwinding
//! (panics, backtraces). Loading it costs every start of `jr` about 0.1 ms
//! on this kind of machine (a sixth of a hello world's start-up, issue 17):
//! the library's mapping, its relocations and its constructor, which asks
//! the CPU for its features (`cpuid`, which traps to the hypervisor in a
//! virtual machine). `libgcc_eh.a` is the same unwinder as an archive; named
//! here, it comes before the standard library's `-lgcc_s` on the linker's
//! command line, so every unwinder symbol resolves to it and `--as-needed`
//! (rustc's default) leaves `libgcc_s.so.1` out of the binary's needs. The
//! archive ships with GCC, which the target already needs as its linker.
//! With `crt-static` the standard library links `libgcc_eh` itself.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let crt_static = features.split(',').any(|f| f == "crt-static");
    if os == "linux" && env == "gnu" && !crt_static {
        println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
