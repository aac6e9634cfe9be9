//! Running the `jr` binary from xtask: tasks that need the command tree
//! (man pages, reference pages) ask `jr` to render them, because xtask does
//! not depend on jr-core (a broken generated table must stay repairable).

use crate::workspace::{self, Profile};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds `jr` (debug) and returns its path.
pub fn build() -> Result<PathBuf> {
    Ok(workspace::build(Profile::Debug, &["jr-cli"])?.join("jr"))
}

/// Runs `jr args...` and returns its stdout; fails with its stderr.
pub fn run(jr: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new(jr)
        .args(args)
        .output()
        .with_context(|| format!("running {}", jr.display()))?;
    if !output.status.success() {
        bail!(
            "`jr {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
