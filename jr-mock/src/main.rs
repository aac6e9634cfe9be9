//! The `jr-mock` binary.
fn main() {}
