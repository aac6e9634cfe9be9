//! `cargo xtask fixtures check [DIR]` (default `fixtures/`): every `.json`
//! file under DIR must be a recording (`docs/recording.schema.json`), and
//! its answer's drift from the spec's response schemas must be on the
//! documented allow-list. The check itself is jr-mock's
//! (`jr-mock --check-fixtures DIR`, `jr_mock::fixtures::check`), run as a
//! binary because xtask does not depend on the workspace's crates (a broken
//! generated table must stay repairable); jr-mock's tests run the same
//! function over `fixtures/`.

use crate::workspace::{self, Profile};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

/// Runs `fixtures <subtask> ...`.
pub fn main(args: &[String]) -> Result<()> {
    match args.split_first() {
        Some((task, rest)) if task == "check" => check(rest),
        _ => bail!("usage: cargo xtask fixtures check [DIR]"),
    }
}

/// Checks DIR (default `fixtures/`); fails when jr-mock's check does.
fn check(args: &[String]) -> Result<()> {
    let dir = match args {
        [] => workspace::root().join("fixtures"),
        [dir] => PathBuf::from(dir),
        _ => bail!("usage: cargo xtask fixtures check [DIR]"),
    };
    let mock = workspace::build(Profile::Debug, &["jr-mock"])?.join("jr-mock");
    let status = Command::new(&mock)
        .arg("--check-fixtures")
        .arg(&dir)
        .status()
        .with_context(|| format!("running {}", mock.display()))?;
    if !status.success() {
        bail!("the fixtures in {} do not pass the check", dir.display());
    }
    Ok(())
}
