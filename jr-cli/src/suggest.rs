//! "Did you mean": for an unknown command, the group's command that shares
//! the most words with it (`jr webhook failed` → `jr webhook get-failed`,
//! `jr issue get-issue` → `jr issue get`); for an unknown group, the nearest
//! group; for an unknown flag, a path parameter of the command it resembles.
//! Only the operation table's names are read, never the clap tree, and only
//! after something went wrong.

use crate::entry::Registry;
use jr_core::ops;

/// The full command to suggest for the unknown `word` after `jr <group>`
/// (or after `jr` when `group` is `None`), if one is close enough.
pub fn command(registry: Registry, group: Option<&str>, word: &str) -> Option<String> {
    let Some(group) = group.filter(|g| *g != word) else {
        let names = ops::groups()
            .into_iter()
            .chain(registry.top_level().map(|own| own.name));
        return nearest_by_letters(word, names).map(|name| format!("jr {name}"));
    };
    let mut names: Vec<&str> = Vec::new();
    for op in ops::in_group(group) {
        names.push(op.command());
        if let Some(alias) = registry.alias(op) {
            names.push(alias);
        }
    }
    names.extend(registry.in_group(group).map(|own| own.name));
    let typed: Vec<String> = words(word)
        .filter(|w| singular(w) != singular(&group.to_lowercase()))
        .collect();
    let best = names
        .iter()
        .map(|name| (score(&typed, name), *name))
        .filter(|(score, _)| *score > 0)
        .max_by_key(|(score, name)| (*score, std::cmp::Reverse(name.len())))
        .map(|(_, name)| name)
        .or_else(|| nearest_by_letters(word, names.iter().copied()));
    best.map(|name| format!("jr {group} {name}"))
}

/// A path parameter of `jr <group> <command>` that the unknown `flag`
/// (`--key`, `--issue`) seems to mean, as `--name`.
pub fn flag(group: &str, command: &str, flag: &str) -> Option<String> {
    let op = ops::find(group, command)?;
    let typed = flag.trim_start_matches('-').replace('-', "").to_lowercase();
    op.params()
        .iter()
        .filter(|p| p.location == ops::Location::Path)
        .map(|p| (p.name(), p.name().to_lowercase()))
        .filter(|(_, lower)| {
            (typed.len() >= 2 && lower.contains(&typed))
                || strsim::jaro_winkler(&typed, lower) > 0.85
        })
        .map(|(name, _)| format!("--{name}"))
        .next()
}

/// 10 per word of `typed` the name has, minus 1 per word it has beyond them.
fn score(typed: &[String], name: &str) -> usize {
    let theirs: Vec<String> = words(name).collect();
    let common = typed.iter().filter(|w| theirs.contains(w)).count();
    if common == 0 {
        return 0;
    }
    (10 * common).saturating_sub(theirs.len() - common)
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// `issues` → `issue`, `statuses` → `status`, as the naming rule compares
/// words (docs/architecture.md §2).
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = word.strip_suffix("ses") {
        format!("{stem}s")
    } else {
        word.strip_suffix('s').unwrap_or(word).to_owned()
    }
}

fn nearest_by_letters<'n>(word: &str, names: impl Iterator<Item = &'n str>) -> Option<&'n str> {
    names
        .map(|name| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &name.to_lowercase()),
                name,
            )
        })
        .filter(|(similarity, _)| *similarity > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::COMMANDS;

    #[test]
    fn commands_are_suggested_by_their_words() {
        let suggest = |group, word| command(COMMANDS, Some(group), word);
        assert_eq!(
            suggest("webhook", "failed").as_deref(),
            Some("jr webhook get-failed")
        );
        assert_eq!(
            suggest("issue", "get-issue").as_deref(),
            Some("jr issue get")
        );
        assert_eq!(command(COMMANDS, None, "isue").as_deref(), Some("jr issue"));
        assert_eq!(command(COMMANDS, None, "zzzzzz"), None);
    }

    #[test]
    fn a_flag_like_a_path_parameter_is_suggested() {
        assert_eq!(
            flag("issue", "get", "--issue").as_deref(),
            Some("--issueIdOrKey")
        );
        assert_eq!(flag("issue", "get", "--zz"), None);
    }
}
