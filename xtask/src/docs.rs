//! `cargo xtask docs [--check]`: the command reference, one page per group
//! in `docs/commands/` plus an index, rendered by `jr __docs` from the same
//! commands as `--help`. With `--check` nothing is written and stale pages
//! are an error; jr-cli's `the_committed_reference_is_fresh` test does the
//! same under `cargo test`.

use crate::jr;
use crate::workspace;
use anyhow::{Result, bail};

pub fn main(args: &[String]) -> Result<()> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask docs [--check]"),
    };
    let binary = jr::build()?;
    let dir = workspace::root().join("docs/commands");
    let dir = dir.to_string_lossy();
    let mut args = vec!["__docs", dir.as_ref()];
    if check {
        args.push("--check");
    }
    let summary = jr::run(&binary, &args)?;
    eprintln!("docs: {}", summary.trim());
    Ok(())
}
