//! Checks that jr-cli's modules form layers with no import circles: a module
//! uses only modules of lower layers (or its own child modules). The edges
//! are read from the sources: `crate::a::...`, `super::a::...`, and uses of
//! a child declared with `mod a;`. Test modules (`#[cfg(test)] mod tests`)
//! are left out: a test may build the whole tree from the registry.
//!
//! `cargo test -p jr-cli layers -- --nocapture` prints the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lowest first. `commands/*` is every command file; `commands` is the
/// registry that lists them.
const LAYERS: &[&[&str]] = &[
    &[
        "globals",
        "help_layout",
        "keychain",
        "body",
        "signals",
        "table",
        "human",
        "progress",
        "whole_lines",
        "pow",
        "overflow",
    ],
    &["sink", "session", "profiles", "args", "output_file"],
    &["exec"],
    &["context"],
    &["entry"],
    &["tree", "operation", "suggest"],
    &["help_pages"],
    // What a family of commands shares sits below the commands themselves.
    &["commands/webhook/api", "commands/webhook/site"],
    &["commands/*"],
    &["commands"],
    &["dispatch"],
    &["main"],
    // The C entry point on Linux with glibc, which calls `main`'s `run_main`.
    &["start"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|names| {
        names.iter().any(|name| match name.strip_suffix("/*") {
            Some(parent) => module.starts_with(&format!("{parent}/")),
            None => *name == module,
        })
    })
}

/// `commands/auth/login.rs` → `commands/auth/login`; `commands/mod.rs` → `commands`.
fn module_name(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let name = relative.to_string_lossy().replace('\\', "/");
    name.strip_suffix("/mod").map(str::to_owned).unwrap_or(name)
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text a module's own code is in: up to its test module.
fn code(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests")
        .map_or(text, |at| &text[..at])
}

fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The first one or two path segments after each `prefix` (`crate::`,
/// `super::`), including each item of `prefix{a, b::c}`.
fn paths_after<'t>(text: &'t str, prefix: &str) -> Vec<Vec<&'t str>> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &text[at + prefix.len()..];
        let items: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group[..group.find('}').unwrap_or(group.len())]
                .split(',')
                .map(str::trim)
                .collect(),
            None => vec![rest],
        };
        for item in items {
            let first = identifier(item);
            let second = item
                .get(first.len()..)
                .and_then(|r| r.strip_prefix("::"))
                .map(identifier)
                .unwrap_or_default();
            if !first.is_empty() && first != "self" {
                found.push(vec![first, second]);
            }
        }
    }
    found
}

/// The module that `base/first[/second]` names, the longest that exists.
fn resolve(modules: &BTreeSet<String>, base: &str, path: &[&str]) -> Option<String> {
    let join = |parts: &[&str]| {
        let mut name = base.to_owned();
        for part in parts.iter().filter(|p| !p.is_empty()) {
            if !name.is_empty() {
                name.push('/');
            }
            name.push_str(part);
        }
        name
    };
    [join(path), join(&path[..1])]
        .into_iter()
        .find(|name| modules.contains(name))
        .or_else(|| (!base.is_empty()).then(|| base.to_owned()))
}

fn parent(module: &str) -> &str {
    module.rsplit_once('/').map_or("", |(parent, _)| parent)
}

/// Every module and the modules it uses.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_name(&src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let module = module_name(&src, file);
        if module == "layers" {
            // This test itself, compiled only for tests.
            continue;
        }
        let text = std::fs::read_to_string(file).expect("a source file");
        let code = code(&text);
        let mut uses = BTreeSet::new();
        for path in paths_after(code, "crate::") {
            uses.extend(resolve(&modules, "", &path));
        }
        let up = if module == "main" {
            ""
        } else {
            parent(&module)
        };
        for path in paths_after(code, "super::") {
            uses.extend(resolve(&modules, up, &path));
        }
        // A child declared here (`mod login;`) and used by name (`login::run`).
        let own_dir = if module == "main" { "" } else { &module };
        for line in code.lines().map(str::trim) {
            let Some(child) = line
                .strip_prefix("mod ")
                .or_else(|| line.strip_prefix("pub mod "))
                .and_then(|rest| rest.strip_suffix(';'))
            else {
                continue;
            };
            let used = code.match_indices(&format!("{child}::")).any(|(at, _)| {
                !code[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            });
            let name = if own_dir.is_empty() {
                child.to_owned()
            } else {
                format!("{own_dir}/{child}")
            };
            if used && modules.contains(&name) {
                uses.insert(name);
            }
        }
        uses.remove(&module);
        graph.insert(module, uses);
    }
    graph
}

#[test]
fn modules_only_use_lower_layers() {
    let graph = graph();
    for (module, uses) in &graph {
        println!(
            "{module} -> {}",
            Vec::from_iter(uses.iter().cloned()).join(", ")
        );
    }
    let mut wrong = Vec::new();
    for (module, uses) in &graph {
        let Some(own) = layer(module) else {
            wrong.push(format!("`{module}` has no layer in LAYERS"));
            continue;
        };
        for used in uses {
            let child = used.starts_with(&format!("{module}/"));
            match layer(used) {
                Some(theirs) if theirs < own || child => {}
                _ => wrong.push(format!("`{module}` uses `{used}`, which is not below it")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn there_is_no_import_circle() {
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut circle = path[at..].to_vec();
            circle.push(module.to_owned());
            return Some(circle);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_owned());
        for used in graph.get(module).into_iter().flatten() {
            if let Some(circle) = visit(used, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(module.to_owned());
        None
    }
    let graph = graph();
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        let circle = visit(module, &graph, &mut Vec::new(), &mut done);
        assert!(
            circle.is_none(),
            "import circle: {}",
            circle.unwrap_or_default().join(" -> ")
        );
    }
}

#[test]
fn the_reader_finds_uses_of_every_form() {
    let text = "use crate::args::{A, B};\nuse crate::{keychain, session::now};\nuse super::profiles;\nlet x = rest::crate::no;\n";
    let crate_paths = paths_after(text, "crate::");
    assert_eq!(
        crate_paths,
        vec![
            vec!["args", ""],
            vec!["keychain", ""],
            vec!["session", "now"]
        ]
    );
    assert_eq!(paths_after(text, "super::"), vec![vec!["profiles", ""]]);
}
