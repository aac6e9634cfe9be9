//! Group and command names, by the rule of docs/architecture.md §2.
//!
//! The names are the interface scripts depend on (`jr webhook get-failed`), and
//! they must match the existing `jr` name for name. So every step is a pure
//! function of the path or the operationId, pinned by table tests.

use std::collections::BTreeMap;

/// The group of an operation: the path segment after `/rest/api/3/`, or for
/// any other prefix the segment after `/rest/`, case kept (`issueLink`).
///
/// `None` when the path is not under `/rest/` or the segment is empty.
pub fn group(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/rest/api/3/")
        .or_else(|| path.strip_prefix("/rest/"))?;
    let segment = rest.split('/').next().unwrap_or_default();
    (!segment.is_empty()).then_some(segment)
}

/// Splits an operationId into words at camelCase boundaries, acronym-aware:
/// `getIssueJQL` -> `get`, `Issue`, `JQL`; `getIDsOfWorklogs` -> `get`, `IDs`,
/// `Of`, `Worklogs`. `.` and `_` are part of words, not separators.
pub fn words(operation_id: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = operation_id.char_indices().collect();
    let mut starts = vec![0];
    for (i, &(at, c)) in chars.iter().enumerate().skip(1) {
        let prev = chars[i - 1].1;
        let next = chars.get(i + 1).map(|&(_, c)| c);
        let after_next = chars.get(i + 2).map(|&(_, c)| c);
        if c.is_ascii_uppercase() && starts_word(prev, next, after_next) {
            starts.push(at);
        }
    }
    starts.push(operation_id.len());
    starts
        .windows(2)
        .map(|w| &operation_id[w[0]..w[1]])
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether a capital letter, between `prev` and `next`, starts a new word.
fn starts_word(prev: char, next: Option<char>, after_next: Option<char>) -> bool {
    if !prev.is_ascii_uppercase() {
        // `issueType`: the plain camelCase boundary.
        return true;
    }
    // Inside a run of capitals, the last one starts the next word when a
    // lower-case letter follows (`JQLQuery` -> `JQL`, `Query`), except for the
    // plural `s` of the acronym (`IDsOf`, `getIDs`), which stays with it.
    match next {
        Some('s') => after_next.is_some_and(|c| !c.is_ascii_uppercase()),
        Some(n) => n.is_ascii_lowercase(),
        None => false,
    }
}

/// The naive singular used to compare a word with a group, lower case:
/// `status`/`statuses` -> `status`, a trailing `ies` -> `y`, otherwise one
/// trailing `s` removed (`webhooks` -> `webhook`, `class` -> `clas`).
pub fn singular(word: &str) -> String {
    let word = word.to_lowercase();
    if word == "status" || word == "statuses" {
        return "status".to_owned();
    }
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    match word.strip_suffix('s') {
        Some(stem) => stem.to_owned(),
        None => word,
    }
}

/// The command an operation gets in its group before the collision rule.
///
/// The first word is the verb; the group's name is dropped from the rest when
/// it is the whole rest (`refreshWebhooks` -> `refresh`), else its last word
/// (`getFailedWebhooks` -> `get-failed`), else its first word
/// (`deleteWebhookById` -> `delete-by-id`). Words are compared one at a time,
/// never as joined runs, so `getApplicationRole` in group `applicationrole`
/// keeps every word.
pub fn command(operation_id: &str, group: &str) -> String {
    let words = words(operation_id);
    let Some((verb, rest)) = words.split_first() else {
        return String::new();
    };
    let group = singular(group);
    let is_group = |word: &str| singular(word) == group;
    let kept = match rest {
        [only] if is_group(only) => &[][..],
        [init @ .., last] if is_group(last) => init,
        [first, tail @ ..] if is_group(first) => tail,
        _ => rest,
    };
    kebab(std::iter::once(verb).chain(kept))
}

/// The whole operationId in kebab case (`createIssues` -> `create-issues`):
/// the name every party to a collision falls back to.
pub fn kebab_id(operation_id: &str) -> String {
    kebab(words(operation_id).iter())
}

fn kebab<'a>(words: impl Iterator<Item = &'a &'a str>) -> String {
    words
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("-")
}

/// The final commands of `(group, operationId)` pairs, in the same order.
///
/// When two operations of one group would get the same command, every one of
/// them uses its whole kebab-cased operationId instead (`issue create-issue`,
/// `issue create-issues`), so neither name depends on the other's existence
/// being discovered first.
pub fn commands(ops: &[(&str, &str)]) -> Vec<String> {
    let base: Vec<String> = ops.iter().map(|&(g, id)| command(id, g)).collect();
    let mut uses: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (&(group, _), name) in ops.iter().zip(&base) {
        *uses.entry((group, name.as_str())).or_default() += 1;
    }
    ops.iter()
        .zip(&base)
        .map(|(&(group, id), name)| {
            let shared = uses.get(&(group, name.as_str())).is_some_and(|&n| n > 1);
            if shared { kebab_id(id) } else { name.clone() }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_come_from_the_path() {
        for (path, want) in [
            ("/rest/api/3/webhook/failed", Some("webhook")),
            ("/rest/api/3/issueLink/{linkId}", Some("issueLink")),
            ("/rest/api/3/serverInfo", Some("serverInfo")),
            (
                "/rest/atlassian-connect/1/app/module/dynamic",
                Some("atlassian-connect"),
            ),
            ("/rest/forge/1/app/properties", Some("forge")),
            ("/rest/internal/api/latest/worklog/bulk", Some("internal")),
            ("/wiki/rest/api", None),
            ("/rest/api/3/", None),
        ] {
            assert_eq!(group(path), want, "{path}");
        }
    }

    #[test]
    fn words_split_at_camel_case_and_keep_acronyms() {
        for (id, want) in [
            ("getIssueJQL", &["get", "Issue", "JQL"][..]),
            ("getIDsOfWorklogs", &["get", "IDs", "Of", "Worklogs"]),
            ("getIDs", &["get", "IDs"]),
            (
                "evaluateJSISJiraExpression",
                &["evaluate", "JSIS", "Jira", "Expression"],
            ),
            (
                "getPrecomputationsByID",
                &["get", "Precomputations", "By", "ID"],
            ),
            (
                "getJQLAutocompleteData",
                &["get", "JQL", "Autocomplete", "Data"],
            ),
            ("redact", &["redact"]),
            (
                "AddonPropertiesResource.getAddonProperties_get",
                &[
                    "Addon",
                    "Properties",
                    "Resource.get",
                    "Addon",
                    "Properties_get",
                ],
            ),
        ] {
            assert_eq!(words(id), want, "{id}");
        }
    }

    #[test]
    fn singular_is_naive_and_lower_case() {
        for (word, want) in [
            ("Webhooks", "webhook"),
            ("webhook", "webhook"),
            ("status", "status"),
            ("Statuses", "status"),
            ("Priorities", "priority"),
            ("IDs", "id"),
            ("class", "clas"),
        ] {
            assert_eq!(singular(word), want, "{word}");
        }
    }

    #[test]
    fn commands_follow_the_four_cases() {
        for (id, group, want) in [
            ("refreshWebhooks", "webhook", "refresh"),
            ("registerDynamicWebhooks", "webhook", "register-dynamic"),
            ("getFailedWebhooks", "webhook", "get-failed"),
            ("deleteWebhookById", "webhook", "delete-by-id"),
            (
                "getDynamicWebhooksForApp",
                "webhook",
                "get-dynamic-webhooks-for-app",
            ),
            (
                "getApplicationRole",
                "applicationrole",
                "get-application-role",
            ),
            ("getIssueJQL", "issue", "get-jql"),
            ("getIDsOfWorklogs", "worklog", "get-ids-of"),
            ("getStatuses", "status", "get"),
            ("getPriorities", "priority", "get"),
            ("getIssueLink", "issueLink", "get-issue-link"),
            ("redact", "redact", "redact"),
        ] {
            assert_eq!(command(id, group), want, "{id} in {group}");
        }
    }

    #[test]
    fn colliding_commands_fall_back_to_the_whole_operation_id() {
        let ops = [
            ("issue", "createIssue"),
            ("issue", "createIssues"),
            ("issue", "getIssue"),
            ("project", "createIssue"),
        ];
        assert_eq!(
            commands(&ops),
            ["create-issue", "create-issues", "get", "create-issue"]
        );
    }

    #[test]
    fn kebab_id_keeps_dots_and_underscores() {
        assert_eq!(kebab_id("getIDsOfWorklogs"), "get-ids-of-worklogs");
        assert_eq!(
            kebab_id("ServiceRegistryResource.services_get"),
            "service-registry-resource.services_get"
        );
    }
}
