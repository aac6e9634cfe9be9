//! clap 4's help layout, for the help pages jr writes itself (see
//! `help_pages`): the "Commands:" list and an options section, laid out
//! exactly as clap does, from plain text (clap's default styles are never
//! printed: jr prints help as plain text). Each rule names the clap function
//! it follows (in `help_template.rs`, `styled_str.rs`, `textwrap/` and
//! `util/escape.rs` of clap_builder); `help_pages`' tests compare whole pages
//! with clap's.

use clap::{Arg, Command};
use std::borrow::Cow;

/// clap's indent before each listed command or option (its `TAB`).
const TAB: &str = "  ";
/// The indent of a text put on the next line: `TAB` and eight spaces.
const NEXT_LINE_INDENT: usize = 10;
/// The room an option's short form takes before its long one (`-p, `).
const SHORT_SIZE: usize = 4;

/// One listed command: its name, its summary, its visible aliases and its
/// display order.
pub struct Entry {
    /// The name, with `, -S` and `, --long` when the command has flags.
    pub name: String,
    pub about: String,
    pub aliases: Vec<String>,
    /// clap's display order: the one given (`Command::display_order`), else
    /// the command's place among its parent's subcommands, hidden ones
    /// counted.
    pub order: usize,
}

/// clap's display order of a command or argument that was given none.
const NO_ORDER: usize = 999;

impl Entry {
    /// A command as clap would list it, at `place` among its parent's
    /// subcommands: `None` when hidden; the summary is `about`, else
    /// `long_about`; aliases are the visible ones.
    pub fn of(command: &Command, place: usize) -> Option<Entry> {
        if command.is_hide_set() {
            return None;
        }
        let mut name = command.get_name().to_owned();
        if let Some(short) = command.get_short_flag() {
            name.push_str(", -");
            name.push(short);
        }
        if let Some(long) = command.get_long_flag() {
            name.push_str(", --");
            name.push_str(long);
        }
        Some(Entry {
            name,
            about: command
                .get_about()
                .or_else(|| command.get_long_about())
                .map(ToString::to_string)
                .unwrap_or_default(),
            aliases: command
                .get_visible_short_flag_aliases()
                .map(|s| format!("-{s}"))
                .chain(
                    command
                        .get_visible_long_flag_aliases()
                        .map(|l| format!("--{l}")),
                )
                .chain(command.get_visible_aliases().map(str::to_owned))
                .collect(),
            order: Some(command.get_display_order())
                .filter(|&order| order != NO_ORDER)
                .unwrap_or(place),
        })
    }

    /// The `help` command clap adds last to a command with subcommands.
    pub fn help() -> Entry {
        Entry {
            name: "help".to_owned(),
            about: "Print this message or the help of the given subcommand(s)".to_owned(),
            aliases: Vec::new(),
            order: NO_ORDER,
        }
    }
}

/// The "Commands:" list without its heading (`write_subcommands`): names in
/// a column as wide as the longest (at least 2), each summary beside its
/// name and wrapped below itself, or every summary on the line after its
/// name when one would wrap with the column over 40 % of `width` columns.
pub fn command_list(entries: &[Entry], width: usize) -> String {
    // clap lists by display order, then name.
    let mut entries: Vec<&Entry> = entries.iter().collect();
    entries.sort_by(|a, b| (a.order, &a.name).cmp(&(b.order, &b.name)));
    let longest = entries
        .iter()
        .map(|e| display_width(&e.name))
        .fold(2, usize::max);
    let specs: Vec<String> = entries.iter().map(|e| alias_spec(&e.aliases)).collect();
    let next_line = entries
        .iter()
        .zip(&specs)
        .any(|(entry, spec)| wraps_beside(&entry.about, spec, longest, width));
    let mut out = String::new();
    for (i, (entry, spec)) in entries.iter().zip(&specs).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(TAB);
        out.push_str(&entry.name);
        if !next_line {
            pad(&mut out, longest + TAB.len() - display_width(&entry.name));
        }
        // clap's short form: a command's spec values follow its summary.
        let layout = Layout {
            long: false,
            next_line,
            longest,
            width,
        };
        help_text(&mut out, &entry.about, spec, layout);
    }
    out
}

/// An options section without its heading (`write_args`), or `None` for an
/// argument this layout does not cover (a positional one, one whose
/// environment value clap would show, possible values with help in the
/// long form): the caller leaves such a page to clap. `args` are built (a
/// built command's), in any order; the section sorts them as clap does.
pub fn option_section(args: &[&Arg], long: bool, width: usize) -> Option<String> {
    // Each shown argument with its sort key and its text (`to_string`: the
    // long form, or the short one alone, with the value placeholders).
    let mut shown: Vec<((usize, String), &Arg, String)> = Vec::new();
    for &arg in args.iter().filter(|arg| shown_in(arg, long)) {
        if arg.is_positional() || (arg.get_long().is_none() && arg.get_short().is_none()) {
            return None;
        }
        shown.push((sort_key(arg), arg, arg.to_string()));
    }
    shown.sort_by(|a, b| a.0.cmp(&b.0));
    // clap keeps one of two arguments with the same key (same display
    // order, short `x` and long `x0`): a page with such a pair is left to it.
    if shown.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return None;
    }
    let longest = shown
        .iter()
        .map(|(_, arg, text)| {
            display_width(text)
                + if arg.get_long().is_some() {
                    SHORT_SIZE
                } else {
                    0
                }
        })
        .fold(2, usize::max);
    let specs = shown
        .iter()
        .map(|(_, arg, _)| spec_values(arg, long))
        .collect::<Option<Vec<String>>>()?;
    let next_line = long
        || shown.iter().zip(&specs).any(|((_, arg, _), spec)| {
            arg.is_next_line_help_set() || wraps_beside(&help_of(arg, false), spec, longest, width)
        });
    let mut out = String::new();
    for (i, ((_, arg, text), spec)) in shown.iter().zip(&specs).enumerate() {
        if i > 0 {
            out.push('\n');
            if next_line && long {
                out.push('\n');
            }
        }
        let layout = Layout {
            long,
            next_line,
            longest,
            width,
        };
        write_option(&mut out, arg, text, spec, layout);
    }
    Some(out)
}

/// How a list or section is laid out: the form (in the long one an
/// option's spec values go below its help), whether every text goes on the
/// line after its name, the name column's width and the line width.
#[derive(Clone, Copy)]
struct Layout {
    long: bool,
    next_line: bool,
    longest: usize,
    width: usize,
}

/// One option (`write_arg`): its short and long names, padding to the
/// column unless on the next line, then its help and spec values.
fn write_option(out: &mut String, arg: &Arg, text: &str, spec: &str, layout: Layout) {
    out.push_str(TAB);
    match (arg.get_short(), arg.get_long()) {
        (Some(short), Some(_)) => {
            out.push('-');
            out.push(short);
            out.push_str(", ");
        }
        (None, Some(_)) => out.push_str("    "),
        _ => {}
    }
    out.push_str(text);
    if !layout.next_line {
        let own = display_width(text) + SHORT_SIZE;
        let room = if arg.get_long().is_some() {
            TAB.len()
        } else {
            TAB.len() + 4
        };
        pad(out, layout.longest + room - own);
    }
    let about = help_of(arg, layout.long);
    help_text(out, &about, spec, layout);
}

/// `should_show_arg`: not hidden, and not hidden from this form.
fn shown_in(arg: &Arg, long: bool) -> bool {
    !arg.is_hide_set()
        && ((long && !arg.is_hide_long_help_set())
            || (!long && !arg.is_hide_short_help_set())
            || arg.is_next_line_help_set())
}

/// `option_sort_key`: display order, then the short letter (lower case
/// first) or the long name.
fn sort_key(arg: &Arg) -> (usize, String) {
    let key = match (arg.get_short(), arg.get_long()) {
        (Some(short), _) => {
            let mut key = short.to_ascii_lowercase().to_string();
            key.push(if short.is_ascii_lowercase() { '0' } else { '1' });
            key
        }
        (None, Some(long)) => long.to_owned(),
        (None, None) => ["{", arg.get_id().as_str()].concat(),
    };
    (arg.get_display_order(), key)
}

/// An argument's help in the long form (its long help, else its help) or
/// the short one (the other way round).
fn help_of(arg: &Arg, long: bool) -> String {
    let (first, second) = if long {
        (arg.get_long_help(), arg.get_help())
    } else {
        (arg.get_help(), arg.get_long_help())
    };
    first
        .or(second)
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// `spec_vals`: `[env: NAME]`, `[default: V]`, `[aliases: ...]` and (short
/// form, or no value with help) `[possible values: ...]`, joined by a space
/// in the short form and a line break in the long one. `None` where clap
/// would show the environment variable's value, which clap keeps to itself.
fn spec_values(arg: &Arg, long: bool) -> Option<String> {
    let mut specs = Vec::new();
    if let Some(env) = arg.get_env().filter(|_| !arg.is_hide_env_set()) {
        if !arg.is_hide_env_values_set() {
            return None;
        }
        specs.push(["[env: ", &env.to_string_lossy(), "]"].concat());
    }
    let takes_value = arg.get_num_args().is_none_or(|n| n.takes_values());
    if takes_value && !arg.is_hide_default_value_set() && !arg.get_default_values().is_empty() {
        let values: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| escape(&v.to_string_lossy()))
            .collect();
        specs.push(["[default: ", &values.join(" "), "]"].concat());
    }
    let aliases: Vec<String> = (arg.get_visible_short_aliases().unwrap_or_default().iter())
        .map(|s| format!("-{s}"))
        .chain(
            arg.get_visible_aliases()
                .unwrap_or_default()
                .iter()
                .map(|l| format!("--{l}")),
        )
        .collect();
    match aliases.as_slice() {
        [] => {}
        [one] => specs.push(["[alias: ", one, "]"].concat()),
        many => specs.push(["[aliases: ", &many.join(", "), "]"].concat()),
    }
    let values = arg.get_possible_values();
    let values_with_help = values
        .iter()
        .any(|v| !v.is_hide_set() && v.get_help().is_some());
    if !arg.is_hide_possible_values_set() && !values.is_empty() {
        if long && values_with_help {
            return None;
        }
        let names: Vec<String> = values
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| escape(v.get_name()))
            .collect();
        specs.push(["[possible values: ", &names.join(", "), "]"].concat());
    }
    Some(specs.join(if long { "\n" } else { " " }))
}

/// clap's quoting of a shown value: `"a b"` for one that is empty or holds
/// white space, as Rust's `Debug` writes it.
fn escape(value: &str) -> String {
    if value.is_empty() || value.contains(char::is_whitespace) {
        format!("{value:?}")
    } else {
        value.to_owned()
    }
}

/// `subcommand_next_line_help`/`arg_next_line_help`'s forced case: the
/// text would wrap beside a name column that takes over 40 % of the width.
fn wraps_beside(about: &str, spec: &str, longest: usize, width: usize) -> bool {
    let taken = longest + TAB.len() * 2;
    let wanted = display_width(about) + display_width(spec);
    width >= taken && (taken as f32 / width as f32) > 0.40 && wanted > width - taken
}

/// `help`: the text after a name, beside it (indented to the column) or on
/// the next line (indented by ten); the spec values follow the text on its
/// line, or in the long form of an option after a blank line.
fn help_text(out: &mut String, about: &str, spec: &str, layout: Layout) {
    let Layout {
        long: specs_below,
        next_line,
        longest,
        width,
    } = layout;
    if next_line {
        out.push('\n');
        pad(out, NEXT_LINE_INDENT);
    }
    let indent = if next_line {
        NEXT_LINE_INDENT
    } else {
        longest + TAB.len() * 2
    };
    let available = width.saturating_sub(indent);
    let about = if about.contains("{n}") {
        Cow::Owned(about.replace("{n}", "\n"))
    } else {
        Cow::Borrowed(about)
    };
    if spec.is_empty() || specs_below {
        wrap_into(out, &about, available, indent);
    } else if about.is_empty() {
        wrap_into(out, spec, available, indent);
    } else {
        wrap_into(out, &[&about, " ", spec].concat(), available, indent);
    }
    if !spec.is_empty() && specs_below {
        if about.is_empty() {
            wrap_into(out, spec, available, indent);
        } else {
            wrap_into(out, &["\n\n", spec].concat(), available, indent);
        }
    }
}

fn pad(out: &mut String, spaces: usize) {
    out.extend(std::iter::repeat_n(' ', spaces));
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

/// clap's greedy word wrap of unstyled text to `width` columns
/// (`StyledStr::wrap`, then `indent`), appended to `out`: words end after
/// their run of spaces, a line's first word never breaks, a broken line
/// loses its trailing spaces and the next starts with the paragraph's
/// leading spaces; the end is trimmed, and every line after the first is
/// indented by `indent` spaces.
fn wrap_into(out: &mut String, text: &str, width: usize, indent: usize) {
    let start = out.len();
    let new_line = |out: &mut String| {
        out.push('\n');
        pad(out, indent);
    };
    for line in text.split_inclusive('\n') {
        let mut line_width = 0;
        let mut indentation = "";
        let mut first_word = true;
        // The previous word's trailing white space, dropped at a break.
        let mut trailing_before = 0;
        for (at, word) in words(line).enumerate() {
            if at == 0 && word.trim().is_empty() {
                indentation = word;
            }
            let trimmed = word.trim_end();
            let word_width = display_width(trimmed);
            let trailing = word.len() - trimmed.len();
            if first_word && word_width > 0 {
                first_word = false;
            } else if width < line_width + word_width {
                out.truncate(out.len() - trailing_before);
                new_line(out);
                out.push_str(indentation);
                line_width = indentation.len();
            }
            line_width += word_width + trailing;
            trailing_before = trailing;
            // A line's own break is written as an indented one.
            match word.strip_suffix('\n') {
                Some(body) => {
                    out.push_str(body);
                    new_line(out);
                }
                None => out.push_str(word),
            }
        }
    }
    let kept = out[start..].trim_end().len();
    out.truncate(start + kept);
}

/// [`wrap_into`] on its own, for the tests.
#[cfg(test)]
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    wrap_into(&mut out, text, width, 0);
    out
}

/// clap's words (`find_words_ascii_space`): each ends after its run of
/// ASCII spaces. Read as bytes: a space is never part of a longer UTF-8
/// sequence.
fn words(line: &str) -> impl Iterator<Item = &str> {
    let bytes = line.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let mut end = start;
        while end < bytes.len() && bytes[end] != b' ' {
            end += 1;
        }
        while end < bytes.len() && bytes[end] == b' ' {
            end += 1;
        }
        let word = &line[start..end];
        start = end;
        Some(word)
    })
}

/// Whether clap answers `--help` with the long page (`Command::long_help_exists`):
/// a long about, or an argument with a long help or hidden from one form.
pub fn long_help_exists(command: &Command) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    use clap::ArgAction;
    use clap::builder::{PossibleValue, Styles};

    /// Arguments that take every branch of the options layout.
    fn assorted() -> Vec<Arg> {
        let long_text = "A help long enough to wrap at most widths, so that the section \
                         takes the next-line layout when the column is wide";
        vec![
            Arg::new("env")
                .long("env")
                .env("JR_HELP_LAYOUT_TEST_UNSET")
                .hide_env_values(true)
                .help("With env"),
            Arg::new("def")
                .long("def")
                .default_value("a b")
                .help("Default with a space"),
            Arg::new("defs")
                .long("defs")
                .num_args(1..)
                .default_values(["x", "y"]),
            Arg::new("al")
                .long("al")
                .visible_alias("alias1")
                .visible_short_alias('z')
                .help("Aliases"),
            Arg::new("one-alias")
                .long("one-alias")
                .visible_alias("other"),
            Arg::new("pv")
                .long("pv")
                .value_parser(["one", "two words"])
                .help("Possible"),
            Arg::new("switch")
                .short('s')
                .long("switch")
                .action(ArgAction::SetTrue)
                .help(long_text),
            Arg::new("only-short").short('o').help("Short only"),
            Arg::new("below")
                .long("below")
                .next_line_help(true)
                .help("Always below"),
            Arg::new("pair")
                .long("pair")
                .num_args(2)
                .value_names(["K", "V"])
                .action(ArgAction::Append),
            Arg::new("lh")
                .long("lh")
                .help("Short form")
                .long_help("The long form{n}on two lines"),
            Arg::new("hidden").long("hidden").hide(true),
            Arg::new("in-long")
                .long("in-long")
                .hide_short_help(true)
                .help("Only in the long form"),
            Arg::new("in-short")
                .long("in-short")
                .hide_long_help(true)
                .help("Only in the short form"),
        ]
    }

    /// clap's section under heading `H` and ours, at `width`, long or short.
    fn both(args: Vec<Arg>, long: bool, width: usize) -> (String, Option<String>) {
        let mut command = Command::new("t")
            .styles(Styles::plain())
            .term_width(width)
            .args(args.into_iter().map(|arg| arg.help_heading("H")));
        command.build();
        let page = if long {
            command.render_long_help()
        } else {
            command.render_help()
        };
        let page = page.to_string();
        let theirs = page[page.find("\nH:\n").expect("the heading") + 4..]
            .trim_end()
            .to_owned();
        let args: Vec<&Arg> = command
            .get_arguments()
            .filter(|arg| arg.get_help_heading() == Some("H"))
            .collect();
        (theirs, option_section(&args, long, width))
    }

    #[test]
    fn every_option_branch_is_laid_out_as_clap_does() {
        for long in [false, true] {
            for width in [20, 60, 100, 300] {
                let (theirs, ours) = both(assorted(), long, width);
                assert_eq!(
                    ours.as_deref(),
                    Some(theirs.as_str()),
                    "long {long}, {width} columns"
                );
            }
        }
    }

    /// A command list with what clap's takes into account: display orders,
    /// subcommand flags, aliases, hidden commands, a summary only in
    /// `long_about`.
    #[test]
    fn a_command_list_is_laid_out_as_clap_does() {
        let commands = [
            Command::new("zeta")
                .about("Listed first by its order")
                .display_order(0),
            Command::new("hidden-first").hide(true),
            Command::new("alpha").about("Placed by its position, the hidden one counted"),
            Command::new("beta")
                .about("Ordered as alpha's place")
                .display_order(2),
            Command::new("flags")
                .short_flag('F')
                .long_flag("flag")
                .about("With flags"),
            Command::new("aliased")
                .visible_alias("al")
                .visible_alias("ali")
                .visible_short_flag_alias('x')
                .about("Three aliases"),
            Command::new("hidden").hide(true).about("Not listed"),
            Command::new("long-only").long_about("Only a long about"),
            Command::new("late").display_order(2000).about("After help"),
        ];
        for width in [12, 50, 100, 300] {
            let mut clap = Command::new("t")
                .styles(Styles::plain())
                .term_width(width)
                .help_template("{subcommands}")
                .subcommands(commands.iter().cloned());
            let theirs = clap.render_help().to_string();
            let mut entries: Vec<Entry> = (commands.iter().enumerate())
                .filter_map(|(place, command)| Entry::of(command, place))
                .collect();
            entries.push(Entry::help());
            let ours = command_list(&entries, width);
            assert_eq!(ours, theirs.trim_end(), "{width} columns");
        }
    }

    #[test]
    fn what_the_layout_does_not_cover_is_declined() {
        let shown_env = Arg::new("e").long("e").env("JR_HELP_LAYOUT_TEST_UNSET");
        let positional = Arg::new("p").index(1);
        let values_with_help = Arg::new("v")
            .long("v")
            .value_parser([PossibleValue::new("a").help("The a")]);
        // Same display order, same key: clap shows one of the two.
        let same_key = [
            Arg::new("x").short('x').display_order(5),
            Arg::new("x0").long("x0").display_order(5),
        ];
        assert_eq!(both(same_key.to_vec(), false, 80).0.matches("x").count(), 2);
        assert_eq!(both(same_key.to_vec(), false, 80).1, None);
        for arg in [shown_env, positional] {
            assert_eq!(both(vec![arg], false, 80).1, None);
        }
        assert_eq!(both(vec![values_with_help.clone()], true, 80).1, None);
        // In the short form clap lists them inline, as laid out here.
        let (theirs, ours) = both(vec![values_with_help], false, 80);
        assert_eq!(ours.as_deref(), Some(theirs.as_str()));
    }
}
