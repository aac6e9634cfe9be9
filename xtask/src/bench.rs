//! `cargo xtask bench <what>`: measurements reported as ratios against a baseline run
//! side by side in the same process (docs/architecture.md §5), never as timed assertions in tests.
//!
//! Each benchmark lives in its own module under `bench/`.

mod mock;
mod request;
pub mod startup;

use anyhow::bail;

const USAGE: &str = "usage: cargo xtask bench <startup | request | mock> [options]";

/// Runs the benchmark named by `args[0]`.
pub fn main(args: &[String]) -> anyhow::Result<()> {
    let Some((what, rest)) = args.split_first() else {
        bail!("{USAGE}");
    };
    match what.as_str() {
        "startup" => startup::main(rest),
        "request" => request::main(rest),
        "mock" => mock::main(rest),
        other => bail!("unknown benchmark `{other}`; {USAGE}"),
    }
}
