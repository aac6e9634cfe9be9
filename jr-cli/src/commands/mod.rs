//! The registry of hand-written commands: one file per command (or per
//! family of extensions), one line per entry in [`COMMANDS`]. The tree, the
//! dispatcher and the operation runner read it; nothing else lists commands.
//!
//! To add a command: write `commands/<name>.rs` with a `pub const ENTRY:
//! Entry` (its clap command and its `run(ctx, matches)`, printing through
//! `ctx.out` and sending through `ctx`), declare the module below and add
//! its line to [`COMMANDS`].

mod auth;
mod completion;
mod configure;
mod man;
pub mod raw;
mod reference;
mod schema;
mod search;
mod webhook;

use crate::entry::Registry;

pub use completion::complete_if_asked;

/// Every hand-written entry. The top-level ones are listed by `jr --help`
/// in this order, after the groups.
pub static COMMANDS: Registry = Registry(&[
    configure::ENTRY,
    auth::ENTRY,
    completion::ENTRY,
    raw::ENTRY,
    schema::ENTRY,
    man::ENTRY,
    reference::ENTRY,
    search::GET,
    search::POST,
    webhook::REGISTER,
    webhook::LIST,
    webhook::FAILED,
    webhook::REFRESH,
    webhook::DELETE,
    webhook::listen::ENTRY,
    webhook::trigger::ENTRY,
    webhook::replay::ENTRY,
    webhook::ensure::ENTRY,
    webhook::status::ENTRY,
]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Entry;
    use jr_core::ops;
    use std::collections::HashSet;

    #[test]
    fn each_command_is_named_as_its_entry_says() {
        for entry in COMMANDS.0 {
            if let Entry::TopLevel(own) | Entry::InGroup(_, own) = entry {
                assert_eq!((own.command)().get_name(), own.name);
            }
        }
    }

    #[test]
    fn no_group_shadows_a_top_level_command_and_names_are_unique() {
        let mut seen = HashSet::new();
        for own in COMMANDS.top_level() {
            assert!(
                ops::group(own.name).is_none(),
                "group `{}` clashes",
                own.name
            );
            assert!(seen.insert(own.name), "`{}` is registered twice", own.name);
        }
    }

    #[test]
    fn commands_in_a_group_mount_in_one_that_exists_beside_its_operations() {
        let mut seen = HashSet::new();
        for entry in COMMANDS.0 {
            let Entry::InGroup(group, own) = entry else {
                continue;
            };
            assert!(ops::group(group).is_some(), "no group `{group}`");
            assert!(
                ops::find(group, own.name).is_none(),
                "`{group} {}` is an operation already",
                own.name
            );
            assert!(
                seen.insert((group, own.name)),
                "`{group} {}` twice",
                own.name
            );
        }
    }

    #[test]
    fn extensions_extend_operations_of_the_table_once() {
        let mut seen = HashSet::new();
        for entry in COMMANDS.0 {
            let Entry::Extends(operation_id, _) = entry else {
                continue;
            };
            assert!(
                ops::by_operation_id(operation_id).is_some(),
                "no operation `{operation_id}`"
            );
            assert!(seen.insert(operation_id), "`{operation_id}` extended twice");
        }
    }
}
