//! Running the `jr` binary from xtask: tasks that need the command tree
//! (man pages, reference pages) ask `jr` to render them, because xtask does
//! not depend on jr-core (a broken generated table must stay repairable).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root: xtask's manifest sits one level below it.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Builds `jr` (debug) and returns its path.
pub fn build() -> Result<PathBuf> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "--quiet", "-p", "jr-cli", "--bin", "jr"])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build -p jr-cli failed");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("debug").join("jr"))
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
