//! `cargo xtask codegen [--check] [--spec PATH]`: writes the operation table
//! `jr-core/src/ops/generated.rs` and jr-mock's answer catalog
//! `jr-mock/src/catalog/generated.rs` ([`catalog`]) from the Jira Cloud
//! platform OpenAPI spec. It also writes `jr-core/src/ops/bodies.rs`: each
//! JSON request body's schema (as JSON Schema) and an example, kept apart
//! from the table so that start-up never touches them, and
//! `jr-core/src/ops/partial.rs`: the operations whose answers carry
//! per-item failures, found in the response schemas ([`partial`]).
//!
//! The pipeline is spec (JSON) -> [`model::SpecModel`] (names, parameter
//! types, pagination, plain text; see [`lower`]) -> text ([`render`]) -> one
//! [`write_or_check`]. With `--check` nothing is written and a stale file is
//! an error naming the command to run; CI runs that, and the
//! `operation_table_is_fresh` test does the same for `cargo test`.
//!
//! The spec defaults to [`crate::workspace::spec_path`]
//! (`spec/jira-platform-v3.json`, carried in the repository with its `NOTICE`).

mod blob;
mod catalog;
mod instance;
mod lower;
mod model;
mod naming;
mod partial;
mod render;
mod schema;
mod text;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Whether to write generated files or only compare them with the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// Runs the task from its command-line arguments.
pub fn main(args: &[String]) -> Result<()> {
    let (mode, spec) = parse_args(args)?;
    let changed = run(mode, spec.as_deref())?;
    match mode {
        Mode::Check if !changed.is_empty() => {
            bail!("stale: {}; run `cargo xtask codegen`", list(&changed))
        }
        Mode::Write if !changed.is_empty() => eprintln!("codegen: wrote {}", list(&changed)),
        _ => {}
    }
    Ok(())
}

fn parse_args(args: &[String]) -> Result<(Mode, Option<PathBuf>)> {
    let mut mode = Mode::Write;
    let mut spec = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => mode = Mode::Check,
            "--spec" => spec = Some(PathBuf::from(args.next().context("--spec needs a PATH")?)),
            other => {
                bail!("codegen: unknown argument `{other}`; usage: codegen [--check] [--spec PATH]")
            }
        }
    }
    Ok((mode, spec))
}

/// Generates every file from the spec at `spec` (default: the repository's)
/// and returns those that differed from the tree: rewritten in
/// [`Mode::Write`], left alone in [`Mode::Check`].
pub fn run(mode: Mode, spec: Option<&Path>) -> Result<Vec<PathBuf>> {
    let root = crate::workspace::root();
    let spec_path = spec.map_or_else(crate::workspace::spec_path, Path::to_path_buf);
    let source = std::fs::read_to_string(&spec_path)
        .with_context(|| format!("reading the spec {}", spec_path.display()))?;
    let spec: serde_json::Value = serde_json::from_str(&source)
        .with_context(|| format!("parsing the spec {}", spec_path.display()))?;
    let model = lower::lower(&spec).with_context(|| format!("in {}", spec_path.display()))?;
    let table = root.join("jr-core/src/ops/generated.rs");
    let mut changed = Vec::new();
    if write_or_check(&table, &render::render(&model), mode)? {
        changed.push(table);
    }
    let answers = root.join("jr-mock/src/catalog/generated.rs");
    if write_or_check(&answers, &catalog::render(&spec, &model)?, mode)? {
        changed.push(answers);
    }
    let bodies = root.join("jr-core/src/ops/bodies.rs");
    if write_or_check(&bodies, &render::render_bodies(&model), mode)? {
        changed.push(bodies);
    }
    let failures = root.join("jr-core/src/ops/partial.rs");
    let marked = partial::find(&spec);
    if write_or_check(
        &failures,
        &partial::render(&model.spec_version, &marked),
        mode,
    )? {
        changed.push(failures);
    }
    Ok(changed)
}

/// Writes `text` to `path` unless it is already there. Returns whether the
/// file differed; in [`Mode::Check`] it is never touched.
///
/// Skipping identical writes keeps mtimes, so cargo does not rebuild jr-core
/// after a no-op codegen.
pub fn write_or_check(path: &Path, text: &str, mode: Mode) -> Result<bool> {
    // A missing file is as stale as a wrong one.
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current == text {
        return Ok(false);
    }
    if mode == Mode::Write {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(true)
}

fn list(paths: &[PathBuf]) -> String {
    let root = crate::workspace::root();
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_table_is_fresh() {
        let stale = run(Mode::Check, None).expect("codegen runs on the shipped spec");
        assert!(
            stale.is_empty(),
            "stale: {stale:?}; run `cargo xtask codegen`"
        );
    }

    /// docs/architecture.md §2 on the shipped spec: every group is its path's segment,
    /// every command is the rule's name or, where two in a group would
    /// collide, the whole kebab-cased operationId, and no two are alike.
    #[test]
    fn every_operation_is_named_by_the_rule() {
        let path = crate::workspace::spec_path();
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("the spec")).expect("JSON");
        let model = lower::lower(&spec).expect("lowers");
        let mut by_rule = std::collections::BTreeMap::<(&str, String), usize>::new();
        for op in &model.operations {
            let name = naming::command(&op.operation_id, &op.group);
            *by_rule.entry((op.group.as_str(), name)).or_default() += 1;
        }
        let mut seen = std::collections::BTreeSet::new();
        for op in &model.operations {
            assert_eq!(
                Some(op.group.as_str()),
                naming::group(&op.path),
                "{}",
                op.path
            );
            let name = naming::command(&op.operation_id, &op.group);
            let collides = by_rule[&(op.group.as_str(), name.clone())] > 1;
            let want = if collides {
                naming::kebab_id(&op.operation_id)
            } else {
                name
            };
            assert_eq!(op.command, want, "{}", op.operation_id);
            assert!(
                seen.insert((&op.group, &op.command)),
                "{} {} twice",
                op.group,
                op.command
            );
        }
        assert_eq!(model.operations.len(), 621);
        assert!(seen.contains(&(&"version".to_owned(), &"get".to_owned())));
    }

    #[test]
    fn check_mode_reports_a_stale_file_without_touching_it() {
        let dir = std::env::temp_dir().join(format!("xtask-codegen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("generated.rs");
        std::fs::write(&path, "old").expect("seed file");

        let check = write_or_check(&path, "new", Mode::Check).expect("check");
        let after_check = std::fs::read_to_string(&path).expect("read");
        let write = write_or_check(&path, "new", Mode::Write).expect("write");
        let again = write_or_check(&path, "new", Mode::Check).expect("check again");
        let after_write = std::fs::read_to_string(&path).expect("read");
        std::fs::remove_dir_all(&dir).expect("clean up");

        assert!(check && write && !again);
        assert_eq!((after_check.as_str(), after_write.as_str()), ("old", "new"));
    }

    #[test]
    fn the_generated_file_opens_with_the_preamble() {
        let spec = serde_json::json!({"info": {"version": "1"}, "paths": {}});
        let model = lower::lower(&spec).expect("an empty spec lowers");
        let text = render::render(&model);
        assert!(text.starts_with(render::PREAMBLE), "{text}");
        assert!(text.contains("\nuse super::*;\n"), "{text}");
    }

    #[test]
    fn arguments_select_mode_and_spec() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (mode, spec) = parse_args(&args(&["--check", "--spec", "x.json"])).expect("parses");
        assert_eq!((mode, spec), (Mode::Check, Some(PathBuf::from("x.json"))));
        assert!(parse_args(&args(&["--spec"])).is_err());
        assert!(parse_args(&args(&["--frobnicate"])).is_err());
    }
}
