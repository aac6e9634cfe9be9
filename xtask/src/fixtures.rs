//! `cargo xtask fixtures ...`: the project's recorded fixtures.
//!
//! - `check [DIR]` (default `fixtures/`): every `.json` file under DIR must
//!   be a recording (`docs/recording.schema.json`), and its answer's drift
//!   from the spec's response schemas must be on the documented allow-list.
//!   The check itself is jr-mock's (`jr-mock --check-fixtures DIR`,
//!   `jr_mock::fixtures::check`), run as a binary because xtask does not
//!   depend on the workspace's crates (a broken generated table must stay
//!   repairable); jr-mock's tests run the same function over `fixtures/`.
//! - `record [--check]`: runs the session of `fixtures/jr-mock/SESSION`
//!   (`tests/fixture_session.rs`, shared with the e2e freshness test) with
//!   the built `jr` against the built `jr-mock`, started with a fixed clock,
//!   retry delay and random seed, into a fresh directory; then replaces
//!   `fixtures/jr-mock/` with it, or with `--check` compares the two
//!   (without `time` and the `date` header) and fails on drift.

use crate::workspace::{self, MockProcess, Profile};
use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../tests/fixture_session.rs"]
mod session;

const USAGE: &str = "usage: cargo xtask fixtures <check [DIR] | record [--check]>";

/// Runs `fixtures <subtask> ...`.
pub fn main(args: &[String]) -> Result<()> {
    match args.split_first() {
        Some((task, rest)) if task == "check" => check(rest),
        Some((task, rest)) if task == "record" => record(rest),
        _ => bail!(USAGE),
    }
}

/// Checks DIR (default `fixtures/`); fails when jr-mock's check does.
fn check(args: &[String]) -> Result<()> {
    let dir = match args {
        [] => workspace::root().join("fixtures"),
        [dir] => PathBuf::from(dir),
        _ => bail!(USAGE),
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

/// Records the session into a fresh directory, then writes it to
/// `fixtures/jr-mock/` or (`--check`) compares it with the committed one.
fn record(args: &[String]) -> Result<()> {
    let only_check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!(USAGE),
    };
    let committed = workspace::root().join("fixtures/jr-mock");
    let fresh = tempdir_in(&workspace::root().join("target"))?;
    let outcome = record_into(&fresh).and_then(|()| {
        if only_check {
            session::compare(&committed, &fresh).map_err(|drift| {
                anyhow!("fixtures/jr-mock/ is stale (run `cargo xtask fixtures record`):\n{drift}")
            })
        } else {
            replace_recordings(&committed, &fresh)
        }
    });
    let _ = std::fs::remove_dir_all(&fresh);
    outcome
}

/// Runs the session with the built binaries, recording into `dir`.
fn record_into(dir: &Path) -> Result<()> {
    let bin = workspace::build(Profile::Debug, &["jr-cli", "jr-mock"])?;
    let steps = session::parse(session::SESSION).map_err(|e| anyhow!(e))?;
    let mock_args = session::mock_args();
    let mock_args: Vec<&str> = mock_args.iter().map(String::as_str).collect();
    let mock = MockProcess::start(&bin.join("jr-mock"), &mock_args)?;
    let target = session::Target {
        jr: &bin.join("jr"),
        base_url: &mock.base_url,
        cloud_id: session::CLOUD_ID,
        record: Some(dir),
    };
    session::run(&steps, target).map_err(|e| anyhow!(e))?;
    session::canonicalise(dir, &mock.base_url).map_err(|e| anyhow!(e))
}

/// Replaces the `.json` files of `committed` by those of `fresh`; other
/// files (SESSION) stay.
fn replace_recordings(committed: &Path, fresh: &Path) -> Result<()> {
    for old in session::json_files(committed).map_err(|e| anyhow!(e))? {
        std::fs::remove_file(&old).with_context(|| format!("removing {}", old.display()))?;
    }
    let files = session::json_files(fresh).map_err(|e| anyhow!(e))?;
    for new in &files {
        let to = committed.join(new.file_name().unwrap_or_default());
        std::fs::copy(new, &to).with_context(|| format!("writing {}", to.display()))?;
    }
    println!(
        "{} recordings written to {}",
        files.len(),
        committed.display()
    );
    Ok(())
}

/// A new empty directory under `parent`, named after this process.
fn tempdir_in(parent: &Path) -> Result<PathBuf> {
    let dir = parent.join(format!("xtask-fixtures-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
