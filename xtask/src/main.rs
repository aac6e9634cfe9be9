//! `cargo xtask`: project tasks that are not part of the shipped binaries.
//!
//! - `codegen [--check] [--spec PATH]`: writes `jr-core/src/ops/generated.rs` from the
//!   Jira Cloud platform OpenAPI spec, or with `--check` fails when it is stale.
//! - `demo`: runs the whole dynamic-webhook life cycle with the real `jr` binary against
//!   a `jr-mock` it starts itself.
//! - `docs [--check]`: the command reference in `docs/commands/`, rendered by
//!   `jr __docs`.
//! - `man [--out DIR]`: man pages for every command, rendered by `jr __man`
//!   (default `target/man`).
//! - `bench <startup | request | mock>`: benchmarks, reported as ratios against a
//!   baseline measured in the same run.
//! - `fixtures check [DIR]`: every `.json` file of DIR (default `fixtures/`) is a
//!   recording, and its drift from the spec is on the documented allow-list.
//! - `fixtures record [--check]`: regenerates `fixtures/jr-mock/` from the
//!   session in `fixtures/jr-mock/SESSION`, or with `--check` fails when the
//!   committed recordings drifted from a fresh run.
//! - `startup-order [--check]`: writes `jr-cli/startup-order.txt`, the
//!   functions `jr` runs at start-up, which the release link lays out side
//!   by side (needs valgrind).

mod bench;
mod codegen;
mod demo;
mod docs;
mod fixtures;
mod jr;
mod man;
mod startup_order;
#[cfg(test)]
mod tidy;
mod workspace;

use anyhow::bail;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        bail!(
            "usage: cargo xtask <codegen [--check] [--spec PATH] | demo | bench KIND | docs [--check] | man [--out DIR] | fixtures <check [DIR] | record [--check]> | startup-order [--check]>"
        );
    };
    match task.as_str() {
        "codegen" => codegen::main(rest),
        "demo" => demo::main(rest),
        "bench" => bench::main(rest),
        "man" => man::main(rest),
        "docs" => docs::main(rest),
        "fixtures" => fixtures::main(rest),
        "startup-order" => startup_order::main(rest),
        other => {
            bail!(
                "unknown task `{other}`; expected `codegen`, `demo`, `bench`, `docs`, `man`, `fixtures` or `startup-order`"
            )
        }
    }
}
