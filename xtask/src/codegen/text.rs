//! The spec's markdown as plain text, and the permissions paragraph split off.
//!
//! Help, reference pages and error hints print these strings as they are, so
//! the conversion is deliberately small: links become their text, `**` goes,
//! backslash escapes (`EDIT\_ISSUES`) lose their backslash. Lists, code spans
//! and newlines stay, since they read well as text.

/// The marker of the permissions paragraph in the spec's markdown.
///
/// The spec writes it `**[Permissions](#permissions) required:**`, sometimes
/// `**[Permissions](#permissions) required**:`, without the bold, or in the
/// middle of a paragraph; the link is common to all of them. Once plain, it
/// reads [`PERMISSIONS`].
const MARKER: &str = "[Permissions](#permissions) required";

/// The marker as plain text.
const PERMISSIONS: &str = "Permissions required";

/// Markdown reduced to plain text: `[text](url)` becomes `text`, `**` is
/// removed, and a backslash before ASCII punctuation is dropped.
pub fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(c) = rest.chars().next() {
        if let Some((text, after)) = link(rest) {
            out.push_str(&plain(text));
            rest = after;
        } else if let Some(after) = rest.strip_prefix("**") {
            rest = after;
        } else if let Some(escaped) = escape(rest) {
            out.push(escaped);
            rest = &rest[2..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A markdown link at the start of `s`: its text and what follows the link.
fn link(s: &str) -> Option<(&str, &str)> {
    let text_end = closing(s, '[', ']')?;
    let target = &s[text_end + 1..];
    let target_end = closing(target, '(', ')')?;
    Some((&s[1..text_end], &target[target_end + 1..]))
}

/// The byte offset of the bracket closing the one `s` starts with, if `s`
/// starts with `open`; nested pairs are skipped.
///
/// The spec's links never span lines, so the search stops at a newline: a
/// stray `[` or `(` in prose must not swallow a paragraph.
fn closing(s: &str, open: char, close: char) -> Option<usize> {
    if !s.starts_with(open) {
        return None;
    }
    let mut depth = 0usize;
    for (at, c) in s.char_indices() {
        if c == '\n' {
            return None;
        } else if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(at);
            }
        }
    }
    None
}

/// The character a markdown backslash escape at the start of `s` stands for.
fn escape(s: &str) -> Option<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some('\\'), Some(c)) if c.is_ascii_punctuation() => Some(c),
        _ => None,
    }
}

/// A plain-text description split into what the operation does and who may
/// call it.
#[derive(Debug, PartialEq, Eq)]
pub struct Described {
    /// Everything but the permissions paragraph, trimmed.
    pub description: String,
    /// The text after `Permissions required:`, trimmed, or empty.
    pub permissions: String,
}

/// Splits a markdown description into plain-text description and
/// permissions at the permissions marker.
///
/// The permissions are the paragraph after the marker. When that paragraph
/// ends with a colon (`either of:`) the list that follows belongs to it too.
/// Paragraphs after the permissions (notes, examples) are kept, appended to
/// the description, rather than lost.
pub fn split_permissions(markdown: &str) -> Described {
    let Some(at) = markdown.find(MARKER) else {
        return Described {
            description: plain(markdown).trim().to_owned(),
            permissions: String::new(),
        };
    };
    // The opening `**` belongs to the marker; leaving it would make the
    // closing one bold the whole rest.
    let at = markdown[..at].strip_suffix("**").map_or(at, str::len);
    let after = plain(&markdown[at..]);
    let after = after
        .trim_start_matches(PERMISSIONS)
        .trim_start_matches(':');
    let mut rest = after.trim_start();
    let mut permissions = String::new();
    while !rest.is_empty() && (permissions.is_empty() || permissions.ends_with(':')) {
        let (paragraph, next) = paragraph(rest);
        if !permissions.is_empty() {
            permissions.push_str("\n\n");
        }
        permissions.push_str(paragraph.trim_end());
        rest = next;
    }
    let mut description = plain(&markdown[..at]).trim().to_owned();
    let rest = rest.trim();
    if !rest.is_empty() {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(rest);
    }
    Described {
        description,
        permissions,
    }
}

/// The first paragraph of `s` (up to a blank line) and the text after the
/// blank lines that end it.
fn paragraph(s: &str) -> (&str, &str) {
    let mut at = 0;
    let mut end = None;
    for line in s.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        match (blank, end) {
            (true, None) if at > 0 => end = Some(at),
            (false, Some(end)) => return (&s[..end], &s[at..]),
            _ => {}
        }
        at += line.len();
    }
    (&s[..end.unwrap_or(at)], "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_reduces_links_and_bold() {
        for (markdown, want) in [
            (
                "Returns a [paginated](#pagination) list.",
                "Returns a paginated list.",
            ),
            (
                "**[Permissions](#permissions) required:** Only [Connect](https://x.example/#connect-apps) apps.",
                "Permissions required: Only Connect apps.",
            ),
            (
                "using **[asApp()](https://x.example/#sig)** requests",
                "using asApp() requests",
            ),
            (
                "the EDIT\\_ISSUES permission, as \\#d",
                "the EDIT_ISSUES permission, as #d",
            ),
            (
                "`[location].office.city is \"Sydney\"`",
                "`[location].office.city is \"Sydney\"`",
            ),
            ("a [link](https://x.example/a_(b)) here", "a link here"),
            ("line one\n\n *  item [x]\n", "line one\n\n *  item [x]\n"),
            (
                "unclosed [bracket and (paren",
                "unclosed [bracket and (paren",
            ),
        ] {
            assert_eq!(plain(markdown), want, "{markdown}");
        }
    }

    fn split(markdown: &str) -> (String, String) {
        let d = split_permissions(markdown);
        (d.description, d.permissions)
    }

    #[test]
    fn permissions_are_the_paragraph_after_the_marker() {
        let (description, permissions) = split(
            "Removes webhooks by ID.\n\n**[Permissions](#permissions) required:** Only [Connect](https://x) apps can use this operation.",
        );
        assert_eq!(description, "Removes webhooks by ID.");
        assert_eq!(permissions, "Only Connect apps can use this operation.");
    }

    #[test]
    fn permissions_in_other_spellings_are_found() {
        let bold_colon_outside =
            split("Analyses.\n\n**[Permissions](#permissions) required**: None.");
        assert_eq!(bold_colon_outside, ("Analyses.".into(), "None.".into()));
        let not_bold = split("Lists.\n\n[Permissions](#permissions) required: *Browse projects*.");
        assert_eq!(not_bold, ("Lists.".into(), "*Browse projects*.".into()));
    }

    #[test]
    fn a_list_after_the_marker_is_the_permissions() {
        let (description, permissions) = split(
            "Returns an issue.\n\n**[Permissions](#permissions) required:**\n\n *  *Browse projects*.\n *  If configured, security.",
        );
        assert_eq!(description, "Returns an issue.");
        assert_eq!(
            permissions,
            "*  *Browse projects*.\n *  If configured, security."
        );
    }

    #[test]
    fn a_paragraph_ending_in_a_colon_takes_the_list_after_it() {
        let (description, permissions) = split(
            "Returns transitions.\n\n**[Permissions](#permissions) required: A list is returned only when the user has:**\n\n *  *Browse projects*.\n\nHowever, without *Transition issues* none are listed.",
        );
        assert_eq!(
            description,
            "Returns transitions.\n\nHowever, without *Transition issues* none are listed."
        );
        assert_eq!(
            permissions,
            "A list is returned only when the user has:\n\n *  *Browse projects*."
        );
    }

    #[test]
    fn paragraphs_after_the_permissions_stay_in_the_description() {
        let (description, permissions) = split(
            "Deletes a dashboard.\n\n**[Permissions](#permissions) required:** None\n\nThe dashboard must be owned by the user.",
        );
        assert_eq!(
            description,
            "Deletes a dashboard.\n\nThe dashboard must be owned by the user."
        );
        assert_eq!(permissions, "None");
    }

    #[test]
    fn no_marker_means_no_permissions() {
        let (description, permissions) = split("  Returns data policy for the workspace.\n");
        assert_eq!(description, "Returns data policy for the workspace.");
        assert_eq!(permissions, "");
    }

    #[test]
    fn the_marker_inside_a_paragraph_is_a_split() {
        let (description, permissions) = split(
            "Returns a [paginated](#pagination) mapping. **[Permissions](#permissions) required:** *Administer Jira*.",
        );
        assert_eq!(description, "Returns a paginated mapping.");
        assert_eq!(permissions, "*Administer Jira*.");
    }

    #[test]
    fn the_words_without_the_link_are_not_a_marker() {
        let (description, permissions) = split("Says Permissions required: nothing.");
        assert_eq!(description, "Says Permissions required: nothing.");
        assert_eq!(permissions, "");
    }
}
