//! The help pages that list commands: `jr --help`, `jr -h`, `jr GROUP --help`
//! and `jr GROUP -h`, written without a clap command per listed command
//! (issue 17).
//!
//! clap lays out one line of a "Commands:" list in about 12,000 instructions
//! (its wrapping works through styled strings), and these pages list 90 to
//! 110 commands: two thirds of `jr --help`'s time. Here the list is laid out
//! from the operation table by the rules of clap 4's help template (the
//! column, its choice to put every summary on the next line, its word
//! wrapping), and clap writes the rest of the page (about, usage, options)
//! from the page's command without subcommands, through a help template that
//! carries the list. The pages are clap's own, byte for byte: the tests
//! compare both for the root and every group at several widths, and fail on
//! a clap update that lays lists out differently.
//!
//! Any other way of asking (`jr help GROUP`, a global flag before the help
//! flag, a hand-written top-level command) goes to clap as before.

use crate::entry::Registry;
use crate::{globals, tree};
use clap::Command;
use clap::builder::Styles;
use jr_core::ops;

/// clap's indent before each listed command (its `TAB`).
const TAB: &str = "  ";
/// The indent of a summary put on the next line: `TAB` and eight spaces.
const NEXT_LINE_INDENT: usize = 10;
/// The `help` command clap adds to a command with subcommands.
const HELP_COMMAND: (&str, &str) = (
    "help",
    "Print this message or the help of the given subcommand(s)",
);

/// The page `argv` asks for, as clap would print it, when `argv` is one of
/// the plain forms above; `None` for anything else. `width` is the line
/// width in columns; `None` reads it as clap does: the terminal's, else
/// `COLUMNS`, else 100.
pub fn page(registry: Registry, argv: &[String], width: Option<usize>) -> Option<String> {
    let (group, long) = match argv.get(1..)? {
        [flag] => (None, long_flag(flag)?),
        [group, flag] => (Some(ops::group(group)?), long_flag(flag)?),
        _ => return None,
    };
    if group.is_some_and(|g| registry.find_top_level(g.name()).is_some()) {
        return None;
    }
    let width = width.unwrap_or_else(terminal_width);
    let (command, entries, usage) = match group {
        None => (
            tree::root_without_flags().args(globals::args().map(|arg| arg.global(false))),
            root_entries(registry),
            "jr [OPTIONS] <COMMAND>".to_owned(),
        ),
        Some(group) => (
            Command::new(group.name())
                .about(tree::group_about(group.name()))
                .args(globals::args().map(|arg| arg.global(false))),
            group_entries(registry, group.name()),
            ["jr ", group.name(), " [OPTIONS] <COMMAND>"].concat(),
        ),
    };
    let list = command_list(&entries, width);
    // clap reads `{` in a template as the start of a tag.
    if list.contains('{') {
        return None;
    }
    let template = [
        "{before-help}{about-with-newline}\n{usage-heading} ",
        &usage,
        "\n\nCommands:\n",
        &list,
        "\n\n{all-args}{after-help}",
    ]
    .concat();
    let mut command = command.styles(Styles::plain()).help_template(template);
    // clap reads a set width of 0 as "no limit" but lays out to a terminal
    // (or `COLUMNS`) that says 0 as 0 columns, which it then finds itself.
    if width > 0 {
        command = command.term_width(width);
    }
    let text = if long && long_help_exists(&command) {
        command.render_long_help()
    } else {
        command.render_help()
    };
    // With plain styles clap writes no escape sequences, so its stripping
    // pass (a tenth of the page's work) is only needed for one a text carries.
    let raw = text.ansi().to_string();
    Some(if raw.contains('\x1b') {
        text.to_string()
    } else {
        raw
    })
}

/// `--help` asks for the long page, `-h` for the short one.
fn long_flag(word: &str) -> Option<bool> {
    match word {
        "--help" => Some(true),
        "-h" => Some(false),
        _ => None,
    }
}

/// One listed command: its name, its summary and its visible aliases.
struct Entry {
    name: String,
    about: String,
    aliases: Vec<String>,
}

/// The groups and the visible hand-written top-level commands, then `help`.
fn root_entries(registry: Registry) -> Vec<Entry> {
    let groups = ops::groups().into_iter().map(|name| Entry {
        name: name.to_owned(),
        about: tree::group_about(name),
        aliases: Vec::new(),
    });
    let own = registry.top_level().map(|own| (own.command)());
    groups.chain(visible(own)).chain([help_entry()]).collect()
}

/// A group's operations, its visible hand-written commands, then `help`.
fn group_entries(registry: Registry, group: &str) -> Vec<Entry> {
    let operations = ops::in_group(group).map(|op| Entry {
        name: op.command().to_owned(),
        about: op.summary().to_owned(),
        aliases: registry
            .extension(op.operation_id())
            .and_then(|e| e.alias)
            .map(str::to_owned)
            .into_iter()
            .collect(),
    });
    let own = registry.in_group(group).map(|own| (own.command)());
    operations
        .chain(visible(own))
        .chain([help_entry()])
        .collect()
}

/// The commands clap would list: not hidden, summary from `about`, else
/// `long_about`.
fn visible(commands: impl Iterator<Item = Command>) -> impl Iterator<Item = Entry> {
    commands.filter(|c| !c.is_hide_set()).map(|c| Entry {
        name: c.get_name().to_owned(),
        about: c
            .get_about()
            .or_else(|| c.get_long_about())
            .map(ToString::to_string)
            .unwrap_or_default(),
        aliases: c
            .get_visible_short_flag_aliases()
            .map(|s| format!("-{s}"))
            .chain(c.get_visible_long_flag_aliases().map(|l| format!("--{l}")))
            .chain(c.get_visible_aliases().map(str::to_owned))
            .collect(),
    })
}

fn help_entry() -> Entry {
    Entry {
        name: HELP_COMMAND.0.to_owned(),
        about: HELP_COMMAND.1.to_owned(),
        aliases: Vec::new(),
    }
}

/// The "Commands:" list without its heading, as clap's help template lays
/// it out (`write_subcommands`): names in a column as wide as the longest
/// (at least 2), each summary beside its name and wrapped below itself, or
/// every summary on the line after its name when one would wrap with the
/// column over 40 % of `width`.
fn command_list(entries: &[Entry], width: usize) -> String {
    let longest = entries
        .iter()
        .map(|e| display_width(&e.name))
        .fold(2, usize::max);
    let specs: Vec<String> = entries.iter().map(|e| alias_spec(&e.aliases)).collect();
    let taken = longest + TAB.len() * 2;
    let next_line = entries.iter().zip(&specs).any(|(entry, spec)| {
        let wanted = display_width(&entry.about) + display_width(spec);
        width >= taken && (taken as f32 / width as f32) > 0.40 && wanted > width - taken
    });
    let indent = if next_line { NEXT_LINE_INDENT } else { taken };
    let mut out = String::new();
    for (i, (entry, spec)) in entries.iter().zip(&specs).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(TAB);
        out.push_str(&entry.name);
        if next_line {
            out.push('\n');
            out.push_str(&" ".repeat(NEXT_LINE_INDENT));
        } else {
            out.push_str(&" ".repeat(longest + TAB.len() - display_width(&entry.name)));
        }
        let mut about = entry.about.replace("{n}", "\n");
        if !spec.is_empty() {
            if !about.is_empty() {
                about.push(' ');
            }
            about.push_str(spec);
        }
        let wrapped = wrap(&about, width.saturating_sub(indent));
        out.push_str(&wrapped.replace('\n', &["\n", &" ".repeat(indent)].concat()));
    }
    out
}

/// `[alias: a]`, `[aliases: a, b]`, or nothing.
fn alias_spec(aliases: &[String]) -> String {
    match aliases {
        [] => String::new(),
        [one] => ["[alias: ", one, "]"].concat(),
        many => ["[aliases: ", &many.join(", "), "]"].concat(),
    }
}

/// clap's width of unstyled text without its `unicode` feature: a character
/// is one column, and an ASCII control character starts a run that is not
/// counted up to the next `m` (an escape sequence).
fn display_width(text: &str) -> usize {
    if text.bytes().all(|b| b.is_ascii() && !b.is_ascii_control()) {
        return text.len();
    }
    let mut width = 0;
    let mut in_sequence = false;
    for ch in text.chars() {
        if ch.is_ascii_control() {
            in_sequence = true;
        } else if in_sequence && ch == 'm' {
            in_sequence = false;
            continue;
        }
        if !in_sequence {
            width += 1;
        }
    }
    width
}

/// clap's greedy word wrap of unstyled text to `width` columns: words end
/// after their run of spaces, a line's first word never breaks, a broken
/// line loses its trailing spaces and the next starts with the paragraph's
/// leading spaces; the end is trimmed.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut line_width = 0;
    let mut indentation: Option<&str> = None;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i > 0 {
            line_width = 0;
            indentation = None;
        }
        let mut words: Vec<&str> = words(line).collect();
        let mut first_word = false;
        if indentation.is_none() {
            first_word = true;
            if let Some(word) = words.first() {
                indentation = Some(if word.trim().is_empty() { word } else { "" });
            }
        }
        let mut at = 0;
        while at < words.len() {
            let trimmed = words[at].trim_end();
            let word_width = display_width(trimmed);
            let trailing = words[at].len() - trimmed.len();
            if first_word && word_width > 0 {
                first_word = false;
            } else if width < line_width + word_width {
                if at > 0 {
                    words[at - 1] = words[at - 1].trim_end();
                }
                line_width = 0;
                words.insert(at, "\n");
                at += 1;
                if let Some(indentation) = indentation {
                    words.insert(at, indentation);
                    line_width += indentation.len();
                    at += 1;
                }
            }
            line_width += word_width + trailing;
            at += 1;
        }
        words.iter().for_each(|word| out.push_str(word));
    }
    out.trim_end().to_owned()
}

/// clap's words: each ends after its run of ASCII spaces.
fn words(line: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut in_space = false;
    let mut chars = line.char_indices();
    std::iter::from_fn(move || {
        for (at, ch) in chars.by_ref() {
            let space = ch == ' ';
            if in_space && !space {
                let word = &line[start..at];
                start = at;
                in_space = space;
                return Some(word);
            }
            in_space = space;
        }
        (start < line.len()).then(|| {
            let word = &line[start..];
            start = line.len();
            word
        })
    })
}

/// Whether clap answers `--help` with the long page (`Command::long_help_exists`):
/// a long about, or an argument with a long help or hidden from one form.
fn long_help_exists(command: &Command) -> bool {
    command.get_long_about().is_some()
        || command.get_before_long_help().is_some()
        || command.get_after_long_help().is_some()
        || command.get_arguments().any(|arg| {
            !arg.is_hide_set()
                && (arg.get_long_help().is_some()
                    || arg.is_hide_long_help_set()
                    || arg.is_hide_short_help_set()
                    || (!arg.is_hide_possible_values_set()
                        && arg
                            .get_possible_values()
                            .iter()
                            .any(|value| !value.is_hide_set() && value.get_help().is_some())))
        })
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

    #[test]
    fn other_forms_are_left_to_clap() {
        for words in [
            &["help"][..],
            &["help", "webhook"],
            &["--pretty", "--help"],
            &["webhook", "get-failed", "--help"],
            &["webhook", "--help", "get-failed"],
            &["configure", "--help"],
            &["no-such-group", "--help"],
            &["webhook", "--version"],
            &[],
        ] {
            assert_eq!(page(COMMANDS, &argv(words), Some(100)), None, "{words:?}");
        }
    }

    #[test]
    fn wrapping_follows_claps_rules() {
        // The first word never breaks; a broken line loses its trailing
        // spaces; a paragraph's leading spaces indent its broken lines.
        assert_eq!(
            wrap("averyveryverylongword and more", 5),
            "averyveryverylongword\nand\nmore"
        );
        assert_eq!(wrap("one two  three", 8), "one two\nthree");
        assert_eq!(wrap("  one two three", 9), "  one two\n  three");
        assert_eq!(wrap("a\n  b c", 3), "a\n  b\n  c");
        assert_eq!(display_width("a\x1b[1mbc\x1b[0m"), 3);
    }
}
