//! The help pages jr lays out itself (issue 17): `jr --help`, `jr -h`,
//! `jr GROUP --help`, `jr GROUP -h`, and `jr GROUP COMMAND --help` (or `-h`)
//! for an operation.
//!
//! clap spends about 12,000 instructions on each line of a "Commands:" list
//! and about 15,000 on each option (its wrapping works through styled
//! strings): two thirds of a list page's work, and the ~30 global options
//! were a third of an operation's page. Here the command list and the
//! "Global options:" section are laid out by `help_layout`, by the rules of
//! clap's help template, and clap writes the rest of the page (about, usage,
//! the command's own options, the example) from the page's command, with
//! the global flags hidden from it, through a help template that carries
//! the two parts. The pages are clap's own, byte for byte: the tests compare
//! both for the root, every group and every operation at several widths,
//! and fail on a clap update that lays help out differently.
//!
//! Any other way of asking (`jr help GROUP`, a global flag before the help
//! flag, a hand-written command) goes to clap as before, and so does a page
//! with something `help_layout` does not cover.

use crate::entry::Registry;
use crate::help_layout::{self, Entry};
use crate::{globals, tree};
use clap::builder::Styles;
use clap::{Arg, Command};
use jr_core::ops;

/// The page `argv` asks for, as clap would print it, when `argv` is one of
/// the plain forms above; `None` for anything else. `width` is the line
/// width in columns; `None` reads it as clap does: the terminal's, else
/// `COLUMNS`, else 100.
pub fn page(registry: Registry, argv: &[String], width: Option<usize>) -> Option<String> {
    let (flag, words) = argv.get(1..)?.split_last()?;
    let long = match flag.as_str() {
        "--help" => true,
        "-h" => false,
        _ => return None,
    };
    let group = match words {
        [] => None,
        [group, ..] if registry.find_top_level(group).is_some() => return None,
        [group, ..] => Some(ops::group(group)?.name()),
    };
    let width = width.unwrap_or_else(terminal_width);
    let bin = program_name(argv.first().map_or("", String::as_str));
    match (group, words) {
        (None, _) => root_page(registry, bin, long, width),
        (Some(group), [_]) => group_page(registry, bin, group, long, width),
        (Some(group), [_, command]) => operation_page(registry, bin, group, command, long, width),
        _ => None,
    }
}

/// The name clap gives the program in usage lines: the file name of
/// `argv[0]` (`jira` when started through a link of that name). Without one
/// clap names the root `jr` and its subcommands alone (`webhook`, not
/// `jr webhook`); `bin` is then empty.
fn program_name(argv0: &str) -> &str {
    std::path::Path::new(argv0)
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
}

/// `bin` and the words after it, as clap names a subcommand in usage.
fn named(bin: &str, words: &[&str]) -> String {
    let mut name = bin.to_owned();
    for word in words {
        if !name.is_empty() {
            name.push(' ');
        }
        name.push_str(word);
    }
    name
}

/// Whether clap would print `text` as it is in a template: no `{` (a tag)
/// and no control character but line breaks. clap's printing drops some of
/// them (BEL, escape sequences) and keeps others (tab, CR); a name with any
/// goes to clap, which is exact if not the fastest.
fn plain(text: &str) -> bool {
    !text.contains('{') && !has_control(text)
}

/// Whether `text` holds a control character other than a line break (the
/// Unicode category Cc: U+0000 to U+001F, U+007F to U+009F; the last are
/// the two bytes `C2 80` to `C2 9F` in UTF-8).
fn has_control(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(at, &b)| {
        (b < 0x20 && b != b'\n')
            || b == 0x7f
            || (b == 0xc2
                && bytes
                    .get(at + 1)
                    .is_some_and(|next| (0x80..0xa0).contains(next)))
    })
}

/// `jr --help`: the groups and the top-level commands.
fn root_page(registry: Registry, bin: &str, long: bool, width: usize) -> Option<String> {
    let command = root_command();
    let list = help_layout::command_list(&root_entries(registry), width);
    let bin = if bin.is_empty() { "jr" } else { bin };
    let usage = [bin, " [OPTIONS] <COMMAND>"].concat();
    render(command, &usage, Some(&list), long, width)
}

/// `jr GROUP --help`: the group's operations and hand-written commands.
fn group_page(
    registry: Registry,
    bin: &str,
    group: &'static str,
    long: bool,
    width: usize,
) -> Option<String> {
    let command = group_command(group);
    let list = help_layout::command_list(&group_entries(registry, group), width);
    let usage = [&named(bin, &[group]), " [OPTIONS] <COMMAND>"].concat();
    render(command, &usage, Some(&list), long, width)
}

/// The root as clap writes its page: the global flags, no subcommand (the
/// list is the table's).
fn root_command() -> Command {
    tree::root_without_flags().args(globals::args().map(|arg| arg.global(false)))
}

/// A group as clap writes its page: the global flags, no subcommand.
fn group_command(group: &'static str) -> Command {
    Command::new(group)
        .about(tree::group_about(group))
        .args(globals::args().map(|arg| arg.global(false)))
}

/// `jr GROUP COMMAND --help` for an operation (by name or alias): the
/// operation's command with the global flags, so that clap's usage line is
/// the one it prints for a run.
fn operation_page(
    registry: Registry,
    bin: &str,
    group: &str,
    word: &str,
    long: bool,
    width: usize,
) -> Option<String> {
    let op =
        ops::in_group(group).find(|op| op.command() == word || registry.alias(op) == Some(word))?;
    if registry.find_in_group(group, word).is_some() {
        return None;
    }
    // As the tree builds it for a run, bar the parents: the global flags
    // follow the operation's own, and the usage line names the full path.
    let command = tree::operation_command(registry, op);
    // clap copies a global flag into a command only where no argument of
    // the command has its name (`--limit` of `jr auditing get-audit-records`).
    let globals: Vec<Arg> = globals::args()
        .filter(|global| {
            command
                .get_arguments()
                .all(|own| own.get_id() != global.get_id())
        })
        .map(|global| global.global(false))
        .collect();
    let mut command = command
        .bin_name(named(bin, &[group, op.command()]))
        .args(globals)
        .styles(Styles::plain());
    command.build();
    let usage = command.render_usage().to_string();
    let usage = usage.strip_prefix("Usage: ")?.to_owned();
    render(command, &usage, None, long, width)
}

/// The page of `command` (its global flags visible): clap writes it through
/// a template that carries `usage`, the command `list` if any and the
/// "Global options:" section laid out here, with the global flags hidden
/// from clap. `None` when the section holds what `help_layout` does not
/// cover, when a text laid out here holds a `{` (a tag in clap's
/// templates), or the program's name a control character.
fn render(
    mut command: Command,
    usage: &str,
    list: Option<&str>,
    long: bool,
    width: usize,
) -> Option<String> {
    command.build();
    if command.is_next_line_help_set() {
        return None;
    }
    let long = long && help_layout::long_help_exists(&command);
    let global: Vec<&Arg> = command
        .get_arguments()
        .filter(|arg| arg.get_help_heading() == Some(globals::HEADING))
        .collect();
    let section = help_layout::option_section(&global, long, width)?;
    // The usage line holds the program's name, which is the caller's; the
    // texts of the list and the section are the table's and the registry's,
    // and the tests compare every page with clap's printed one, which drops
    // some control characters: a text that held one would fail them.
    let list = list.unwrap_or_default();
    if section.is_empty() || !plain(usage) || section.contains('{') || list.contains('{') {
        return None;
    }
    let list = if list.is_empty() {
        String::new()
    } else {
        ["Commands:\n", list, "\n\n"].concat()
    };
    let template = [
        "{before-help}{about-with-newline}\n{usage-heading} ",
        usage,
        "\n\n",
        &list,
        "{all-args}\n\n",
        globals::HEADING,
        ":\n",
        &section,
        "{after-help}",
    ]
    .concat();
    let mut command = command
        .mut_args(|arg| {
            if arg.get_help_heading() == Some(globals::HEADING) {
                arg.hide(true)
            } else {
                arg
            }
        })
        .styles(Styles::plain())
        .help_template(template);
    // clap reads a set width of 0 as "no limit" but lays out to a terminal
    // (or `COLUMNS`) that says 0 as 0 columns, which it then finds itself.
    if width > 0 {
        command = command.term_width(width);
    }
    let text = if long {
        command.render_long_help()
    } else {
        command.render_help()
    };
    // With plain styles clap writes no escape sequences, and the page's
    // texts hold no character its printing drops (see above), so its
    // stripping pass (a tenth of a page's work) has nothing to do.
    Some(text.ansi().to_string())
}

/// The groups and the visible hand-written top-level commands, then `help`.
fn root_entries(registry: Registry) -> Vec<Entry> {
    let groups = ops::GROUPS.iter().enumerate().map(|(place, group)| Entry {
        name: group.name().to_owned(),
        about: group.about(),
        aliases: Vec::new(),
        order: place,
    });
    let own = (registry.top_level().enumerate())
        .filter_map(|(place, own)| Entry::of(&(own.command)(), ops::GROUPS.len() + place));
    groups.chain(own).chain([Entry::help()]).collect()
}

/// A group's operations, its visible hand-written commands, then `help`.
fn group_entries(registry: Registry, group: &str) -> Vec<Entry> {
    let operations = ops::in_group(group).enumerate().map(|(place, op)| Entry {
        name: op.command().to_owned(),
        about: op.summary().to_owned(),
        aliases: registry.alias(op).map(str::to_owned).into_iter().collect(),
        order: place,
    });
    let count = ops::in_group(group).count();
    let own = (registry.in_group(group).enumerate())
        .filter_map(|(place, own)| Entry::of(&(own.command)(), count + place));
    operations.chain(own).chain([Entry::help()]).collect()
}

/// The width clap lays help out to: the terminal's (stdout's, else stderr's,
/// else stdin's), else `COLUMNS`, else 100 columns.
fn terminal_width() -> usize {
    terminal_size::terminal_size()
        .map(|(width, _)| usize::from(width.0))
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::COMMANDS;

    fn argv(words: &[&str]) -> Vec<String> {
        std::iter::once("jr")
            .chain(words.iter().copied())
            .map(str::to_owned)
            .collect()
    }

    /// What clap prints for `argv` at `width` with the whole lazily built
    /// tree (the path every other form takes).
    fn clap_page(argv: &[String], width: usize) -> String {
        match tree::command(COMMANDS, argv)
            .term_width(width)
            .try_get_matches_from(argv)
        {
            Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => e.render().to_string(),
            other => panic!("{argv:?} did not ask for help: {other:?}"),
        }
    }

    /// Widths from narrower than the name column (every summary on the next
    /// line, one word a line) to wider than any line.
    const WIDTHS: &[usize] = &[12, 45, 80, 100, 133, 400];

    #[test]
    fn the_root_page_is_claps_at_every_width() {
        for flag in ["--help", "-h"] {
            let argv = argv(&[flag]);
            for &width in WIDTHS {
                let ours = page(COMMANDS, &argv, Some(width)).expect("a plain form");
                assert_eq!(
                    ours,
                    clap_page(&argv, width),
                    "jr {flag} at {width} columns"
                );
            }
        }
    }

    #[test]
    fn every_group_page_is_claps_at_every_width() {
        for group in ops::groups() {
            for flag in ["--help", "-h"] {
                let argv = argv(&[group, flag]);
                for &width in WIDTHS {
                    let ours = page(COMMANDS, &argv, Some(width)).expect("a plain form");
                    let theirs = clap_page(&argv, width);
                    assert_eq!(ours, theirs, "jr {group} {flag} at {width} columns");
                }
            }
        }
    }

    /// Fewer widths than the list pages: 621 operations, each page built
    /// twice.
    const OPERATION_WIDTHS: &[usize] = &[30, 100, 400];

    #[test]
    fn every_operation_page_is_claps() {
        let mut laid_out = 0;
        for op in ops::OPERATIONS.iter() {
            for flag in ["--help", "-h"] {
                let argv = argv(&[op.group(), op.command(), flag]);
                for &width in OPERATION_WIDTHS {
                    let theirs = clap_page(&argv, width);
                    if let Some(ours) = page(COMMANDS, &argv, Some(width)) {
                        assert_eq!(
                            ours,
                            theirs,
                            "jr {} {} {flag} at {width}",
                            op.group(),
                            op.command()
                        );
                        laid_out += 1;
                    }
                }
            }
        }
        // Every operation's page is laid out here, not left to clap.
        assert_eq!(laid_out, ops::OPERATIONS.len() * 2 * OPERATION_WIDTHS.len());
    }

    /// Issue 17: the top-level and group pages build no command for a
    /// group or an operation; their lists are the table's rows.
    #[test]
    fn the_list_pages_build_no_subcommand() {
        assert_eq!(root_command().get_subcommands().count(), 0);
        for group in ops::groups() {
            assert_eq!(group_command(group).get_subcommands().count(), 0, "{group}");
        }
        let entries = root_entries(COMMANDS);
        assert!(entries.len() > ops::GROUPS.len());
        for (entry, group) in entries.iter().zip(ops::GROUPS.iter()) {
            assert_eq!(
                (entry.name.as_str(), &entry.about),
                (group.name(), &group.about())
            );
        }
    }

    #[test]
    fn an_alias_names_the_operation_page() {
        let by_alias = page(COMMANDS, &argv(&["webhook", "list", "--help"]), Some(100));
        let by_name = page(
            COMMANDS,
            &argv(&["webhook", "get-dynamic-webhooks-for-app", "--help"]),
            Some(100),
        );
        assert!(
            by_alias
                .as_deref()
                .is_some_and(|p| p.contains("Usage: jr webhook"))
        );
        assert_eq!(by_alias, by_name);
    }

    /// clap names the program after `argv[0]`'s file name (a link named
    /// `jira`), and so do the pages laid out here.
    #[test]
    fn the_program_is_named_as_argv0_names_it() {
        const PAGES: [&[&str]; 3] = [
            &["--help"],
            &["webhook", "-h"],
            &["webhook", "list", "--help"],
        ];
        let named = |argv0: &str, words: &[&str]| {
            let mut argv = argv(words);
            argv[0] = argv0.to_owned();
            (page(COMMANDS, &argv, Some(100)), clap_page(&argv, 100))
        };
        for argv0 in ["/usr/local/bin/jira", "", "./jr", "jr.exe"] {
            for words in PAGES {
                let (ours, theirs) = named(argv0, words);
                assert_eq!(ours, Some(theirs), "{argv0:?} {words:?}");
            }
        }
        // A name with a `{` or a control character: the page is clap's, or
        // left to clap.
        for argv0 in ["/opt/j{r}", "/opt/j\x07r"] {
            for words in PAGES {
                if let (Some(ours), theirs) = named(argv0, words) {
                    assert_eq!(ours, theirs, "{argv0:?} {words:?}");
                }
            }
        }
        let (ours, _) = named("/opt/jira", &["webhook", "-h"]);
        let ours = ours.expect("a plain form");
        assert!(ours.contains("Usage: jira webhook [OPTIONS]"), "{ours}");
    }

    #[test]
    fn a_brace_or_a_control_character_leaves_the_page_to_clap() {
        assert!(plain("Commands:\n  a  b"));
        assert!(!plain("a {tag}"));
        assert!(!plain("a bell\x07"));
        assert!(!plain("a tab\t"));
        // The same characters as `char::is_control`, line breaks aside.
        for c in ['\0', '\x1b', '\x7f', '\u{80}', '\u{9f}', '\r'] {
            assert!(has_control(&format!("a{c}b")), "{c:?}");
        }
        for c in ['\n', ' ', '\u{a0}', '\u{100}', 'é', '\u{2028}'] {
            assert!(!has_control(&format!("a{c}b")), "{c:?}");
        }
        assert!(
            (0..=0x10ffff)
                .filter_map(char::from_u32)
                .all(|c| { has_control(&c.to_string()) == (c.is_control() && c != '\n') })
        );
    }

    #[test]
    fn other_forms_are_left_to_clap() {
        for words in [
            &["help"][..],
            &["help", "webhook"],
            &["--pretty", "--help"],
            &["webhook", "listen", "--help"],
            &["webhook", "get-failed", "--limit", "--help"],
            &["webhook", "no-such-command", "--help"],
            &["webhook", "--help", "get-failed"],
            &["configure", "--help"],
            &["no-such-group", "--help"],
            &["webhook", "--version"],
            &[],
        ] {
            assert_eq!(page(COMMANDS, &argv(words), Some(100)), None, "{words:?}");
        }
    }
}
