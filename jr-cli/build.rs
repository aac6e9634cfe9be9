//! Links `jr` as a position-dependent executable on Linux.
//!
//! The operation table is ~35,000 `&'static str` pointers; in a position-
//! independent executable each one is a relocation the loader applies at
//! every start, touching about 1.6 MB (≈400 page faults, ≈1 ms) before
//! `main`. Linked with `-no-pie` the linker resolves them once, and the
//! table's pages are read only when used. The cost is ASLR for the binary's
//! own image (libraries, stack and heap stay randomised).

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.contains("linux") {
        println!("cargo:rustc-link-arg-bin=jr=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
