//! The search group's hand-written parts: runnable examples for Jira's
//! enhanced JQL search, whose `jql` must be bounded (the spec: "this
//! parameter requires a bounded query"), so the generated example without
//! a query is one Jira refuses; and a hint on that refusal.
//! Source: Jira REST v3 `searchAndReconsileIssuesUsingJql`,
//! `searchAndReconsileIssuesUsingJqlPost`.

use crate::entry::{Entry, Extension};
use jr_core::Error;

/// `jr search search-and-reconsile-issues-using-jql` (GET).
pub const GET: Entry = Entry::Extends(
    "searchAndReconsileIssuesUsingJql",
    Extension {
        example: Some(
            "jr search search-and-reconsile-issues-using-jql \\\n    --jql 'project = ABC ORDER BY created DESC' --fields summary,status --maxResults 50",
        ),
        explain: |error| explain_unbounded(error, "--jql 'project = ABC ORDER BY created DESC'"),
        ..Extension::NONE
    },
);

/// `jr search search-and-reconsile-issues-using-jql-post` (POST).
pub const POST: Entry = Entry::Extends(
    "searchAndReconsileIssuesUsingJqlPost",
    Extension {
        example: Some(
            "jr search search-and-reconsile-issues-using-jql-post \\\n    --body '{\"jql\": \"project = ABC ORDER BY created DESC\", \"fields\": [\"summary\", \"status\"]}'",
        ),
        explain: |error| {
            explain_unbounded(
                error,
                "--body '{\"jql\": \"project = ABC ORDER BY created DESC\"}'",
            )
        },
        ..Extension::NONE
    },
);

/// Jira's 400 for a query without a restriction gets a hint that says how
/// to bound it, with `example` (the flag that carries the query).
fn explain_unbounded(error: Error, example: &str) -> Error {
    if !error.message().contains("Unbounded JQL") {
        return error;
    }
    error.with_hint(format!(
        "Jira's search needs a restriction before ORDER BY, e.g. {example}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unbounded_refusal_gets_a_hint_and_others_are_left_alone() {
        let unbounded = Error::validation(
            "Jira answered HTTP 400: Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
        );
        let hint = (explain_unbounded(unbounded, "--jql 'project = ABC'").hint())
            .unwrap_or_default()
            .to_owned();
        assert!(hint.contains("--jql 'project = ABC'"), "{hint}");
        let other = explain_unbounded(Error::validation("something else"), "--jql x");
        assert!(other.hint().is_none());
    }
}
