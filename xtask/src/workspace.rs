//! What every xtask needs of the workspace: where it is, where cargo puts
//! binaries, building them, and a `jr-mock` child process to run against.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The workspace root: xtask's manifest sits one level below it.
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The Jira Cloud platform OpenAPI spec the project is generated from:
/// `spec/jira-platform-v3.json` in the repository (see `spec/NOTICE`).
pub fn spec_path() -> PathBuf {
    root().join("spec/jira-platform-v3.json")
}

/// Whether a build is a debug or a release build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// `target/debug`.
    Debug,
    /// `target/release`, with `--release`.
    Release,
}

/// Builds `packages` (quietly) and returns the directory holding their
/// binaries: `$CARGO_TARGET_DIR` or `target/`, then `debug` or `release`.
/// Errors: cargo cannot be run or the build fails.
pub fn build(profile: Profile, packages: &[&str]) -> Result<PathBuf> {
    let root = root();
    let mut args = vec!["build", "--quiet"];
    if profile == Profile::Release {
        args.push("--release");
    }
    for package in packages {
        args.extend(["-p", package]);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(&args)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("`cargo {}` failed", args.join(" "));
    }
    Ok(bin_dir(profile))
}

/// Where cargo puts `profile`'s binaries: `$CARGO_TARGET_DIR` or `target/`,
/// then `debug` or `release`.
pub fn bin_dir(profile: Profile) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    target.join(match profile {
        Profile::Debug => "debug",
        Profile::Release => "release",
    })
}

/// A `jr-mock` child process on a free loopback port, killed when dropped.
pub struct MockProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`, read from its first line of stdout.
    pub base_url: String,
}

impl MockProcess {
    /// Starts `binary --port 0 extra_args...` and waits for its
    /// `jr-mock listening on URL` line. Errors: it cannot start, or its
    /// first line is something else (the child is then killed).
    pub fn start(binary: &Path, extra_args: &[&str]) -> Result<MockProcess> {
        let mut child = Command::new(binary)
            .args(["--port", "0"])
            .args(extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut first = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout).read_line(&mut first)?;
        }
        let Some(base_url) = first.trim().strip_prefix("jr-mock listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("unexpected first line from jr-mock: {first:?}");
        };
        let base_url = base_url.to_owned();
        Ok(MockProcess { child, base_url })
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
