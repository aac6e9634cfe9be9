//! Repository-wide facts that no compiler checks, run as tests (`cargo test
//! -p xtask`), in the spirit of rust-analyzer's `tidy`:
//!
//! - the repository stands alone: no file refers to the folder of inputs
//!   that sits beside the project on the developers' machines, and every
//!   `*.md` page a file names exists in the tree;
//! - every hand-written `.rs` file opens with a `//!` module doc, and every
//!   generated one with the generator's preamble;
//! - no test is hidden (the `ignore` attribute) or inverted (`should_panic`);
//! - jr-core, a library, never prints or exits on its own;
//! - every example in the README's "Testing your app against jr-mock" is a
//!   copy of the file its paragraph names, a file `.ci/run` runs.
//!
//! The needles are built with `concat!` so that this file does not match
//! itself.

use std::path::{Path, PathBuf};

/// Directories never read: build output, git's store, installed npm packages.
const SKIPPED_DIRS: &[&str] = &["target", ".git", "node_modules"];

/// The text files of the repository below `root` (by extension or name),
/// with their paths relative to `root`, sorted. The spec (`spec/`) is data,
/// not prose: it is skipped.
pub fn text_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let skipped = SKIPPED_DIRS.contains(&name.as_str()) || name.starts_with("target");
            if !skipped && path.strip_prefix(root).ok() != Some(Path::new("spec")) {
                walk(root, &path, out);
            }
        } else if kind.is_file()
            && is_text(&name)
            && let Ok(relative) = path.strip_prefix(root)
        {
            out.push(relative.to_path_buf());
        }
    }
}

fn is_text(name: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        "rs", "md", "toml", "mjs", "js", "ts", "py", "sh", "json", "yml", "yaml", "html", "css",
        "txt", "snap",
    ];
    let extension = name.rsplit_once('.').map(|(_, e)| e);
    extension.is_some_and(|e| EXTENSIONS.contains(&e)) || matches!(name, "run" | "NOTICE")
}

/// The Markdown pages (a name ending in `.md`, with any path before it)
/// that `text` mentions.
pub fn cited_pages(text: &str) -> Vec<&str> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/');
    let mut pages = Vec::new();
    for (at, _) in text.match_indices(".md") {
        let end = at + 3;
        if text[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            continue;
        }
        let start = text[..at].rfind(|c: char| !is_name(c)).map_or(0, |i| {
            i + text[i..].chars().next().map_or(1, char::len_utf8)
        });
        // A page of another site (`https://host/path/NAME.md`) is not ours.
        if start < at && !text[start..end].starts_with("//") {
            pages.push(&text[start..end]);
        }
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::root;
    use std::collections::BTreeSet;

    fn read(path: &Path) -> String {
        std::fs::read_to_string(root().join(path)).unwrap_or_default()
    }

    #[test]
    fn no_file_refers_to_the_inputs_beside_the_repository() {
        let needle = concat!("..", "/shared");
        let offenders: Vec<_> = text_files(&root())
            .into_iter()
            .filter(|path| read(path).contains(needle))
            .collect();
        assert!(
            offenders.is_empty(),
            "these files refer to {needle}, which is not part of the repository; \
             cite docs/architecture.md or docs/jira-semantics.md instead: {offenders:?}"
        );
    }

    #[test]
    fn every_cited_page_is_in_the_tree() {
        let files = text_files(&root());
        let pages: BTreeSet<String> = files
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .collect();
        let mut missing = Vec::new();
        for path in files.iter().filter(|p| !p.ends_with("Cargo.lock")) {
            for page in cited_pages(&read(path)) {
                let name = page.rsplit('/').next().unwrap_or(page);
                if !pages.contains(name) {
                    missing.push(format!("{}: {page}", path.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "pages cited but not in the tree: {missing:#?}"
        );
    }

    /// The fenced examples of the README's section `heading`, each with the
    /// last backquoted path (a word with a `/` and a `.`) of the text before it.
    fn examples_with_sources(readme: &str, heading: &str) -> Vec<(String, String)> {
        let start = readme.find(heading).expect("the section exists");
        let rest = &readme[start + heading.len()..];
        let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
        let mut out = Vec::new();
        let mut prose = String::new();
        let mut parts = section.split("\n```");
        while let Some(text) = parts.next() {
            prose.push_str(text);
            let Some(block) = parts.next() else { break };
            let source = prose
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|w| w.contains('/') && w.contains('.') && !w.contains(' '))
                .last()
                .unwrap_or_default()
                .to_owned();
            let code = block.split_once('\n').map_or("", |(_, code)| code);
            out.push((source, code.to_owned()));
            prose.clear();
        }
        out
    }

    #[test]
    fn the_readmes_testing_examples_are_copies_of_files_ci_runs() {
        let readme = read(Path::new("README.md"));
        let examples = examples_with_sources(&readme, "## Testing your app against jr-mock");
        let code: Vec<_> = examples
            .iter()
            .filter(|(_, code)| code.lines().count() > 3)
            .collect();
        assert!(code.len() >= 3, "binary, Python and Node: {examples:#?}");
        for (source, code) in code {
            assert!(!source.is_empty(), "an example names no file:\n{code}");
            assert!(
                read(Path::new(source)).contains(code.as_str()),
                "README's example is not a copy of {source}:\n{code}"
            );
        }
    }

    #[test]
    fn every_rust_file_opens_with_its_purpose() {
        let generated = "// Generated by `cargo xtask codegen` from the spec; do not edit.";
        let bare: Vec<_> = text_files(&root())
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .filter(|p| {
                let text = read(p);
                let first = text.lines().next().unwrap_or_default();
                // A file called `generated.rs` must carry the preamble; any
                // other file either carries it (codegen wrote it) or a `//!`.
                let named_generated = p.ends_with("generated.rs");
                let has_preamble = first == generated;
                if named_generated {
                    !has_preamble
                } else {
                    !has_preamble && !first.starts_with("//!")
                }
            })
            .collect();
        assert!(
            bare.is_empty(),
            "open these with a //! module doc (generated files with the generator's preamble): {bare:?}"
        );
    }

    #[test]
    fn no_test_is_hidden_or_inverted() {
        let needles = [concat!("#[", "ignore"), concat!("#[", "should_panic")];
        let offenders: Vec<_> = text_files(&root())
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .filter(|p| needles.iter().any(|n| read(p).contains(n)))
            .collect();
        assert!(
            offenders.is_empty(),
            "assert the Err or the exit code instead, and a FIXME for today's wrong output: {offenders:?}"
        );
    }

    #[test]
    fn jr_core_never_prints_or_exits() {
        let needles = [concat!("println", "!("), concat!("process::", "exit")];
        let offenders: Vec<_> = text_files(&root().join("jr-core/src"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .filter(|p| {
                let text = read(&Path::new("jr-core/src").join(p));
                needles.iter().any(|n| text.contains(n))
            })
            .collect();
        assert!(
            offenders.is_empty(),
            "jr-core returns values and errors; jr-cli prints: {offenders:?}"
        );
    }

    #[test]
    fn cited_pages_are_found_in_text() {
        let text = "see docs/architecture.md §3, (README.md) and `jira-semantics.md`; \
                    not x.mdx nor https://example.com/a/OTHER.md";
        assert_eq!(
            cited_pages(text),
            ["docs/architecture.md", "README.md", "jira-semantics.md"]
        );
    }
}
