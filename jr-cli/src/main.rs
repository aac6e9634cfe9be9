//! The `jr` binary.
fn main() {}
