//! Who may see and change what, simply (docs/architecture.md §4):
//!
//! - **Projects**: a project of the seed with `"members": [...]` (account
//!   IDs and app keys) is seen only by those callers: a user by account
//!   ID, an app by its key or, for an OAuth app, the account it acts for.
//!   A project without `members` (the default seed's) is seen by everyone.
//!   For a caller who does not see a project, its issues do not exist: 404
//!   `Issue does not exist or you do not have permission to see it.` on
//!   every operation naming one, left out of search, counts and labels,
//!   and creating in it is Jira's 400 `Specify a valid project ID or key`.
//! - **OAuth scopes**: a bearer token issued by the fake's authorization
//!   server carries its scopes; a write (any modelled operation that
//!   changes something) needs `write:jira-work` (or a granular
//!   `write:…:jira` scope) and a read `read:jira-work` (or `read:…:jira`),
//!   else Jira's 401 `Unauthorized; scope does not match` ([3P],
//!   docs/jira-semantics.md §14). Tokens from `--config` have no recorded
//!   scopes and pass.

use serde_json::{Map, Value};

use super::{Call, Failure};
use crate::model::Model;
use crate::model::apps::Caller;
use crate::model::issues::IssueError;

/// Jira's 401 message for a token without the scope ([INF]).
pub const SCOPE_MISMATCH: &str = "Unauthorized; scope does not match";

/// The caller as the access rules see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer {
    /// Account IDs and app keys the caller answers to (empty: anonymous).
    pub ids: Vec<String>,
    /// The scopes of an OAuth token the fake issued; `None`: not known.
    pub scopes: Option<Vec<String>>,
}

impl Viewer {
    /// The viewer for `caller` (with its bearer `token`, if any) in `model`.
    pub fn of(caller: Option<&Caller>, token: Option<&str>, model: &Model) -> Self {
        let ids = match caller {
            None => Vec::new(),
            Some(Caller::User { account_id, .. }) => vec![account_id.clone()],
            Some(Caller::App(app)) => std::iter::once(app.app.clone())
                .chain(app.account_id.clone())
                .collect(),
        };
        let scopes = token
            .and_then(|t| model.oauth.scopes(t, model.now_ms()))
            .map(<[String]>::to_vec);
        Viewer { ids, scopes }
    }

    /// Whether the caller sees the project `key` (see the module docs).
    pub fn sees(&self, model: &Model, key: &str) -> bool {
        model.seed.project(key).is_some_and(|p| {
            p.members
                .as_ref()
                .is_none_or(|m| self.ids.iter().any(|id| m.contains(id)))
        })
    }

    /// Whether the token's scopes allow a read (`write` false) or a write.
    fn allows(&self, write: bool) -> bool {
        let Some(scopes) = &self.scopes else {
            return true;
        };
        let (classic, prefix) = if write {
            ("write:jira-work", "write:")
        } else {
            ("read:jira-work", "read:")
        };
        scopes
            .iter()
            .any(|s| s == classic || (s.starts_with(prefix) && s.ends_with(":jira")))
    }
}

/// The modelled operations that change nothing (the others are writes).
const READS: [&str; 13] = [
    "getIssue",
    "getComments",
    "getComment",
    "getTransitions",
    "searchAndReconsileIssuesUsingJql",
    "searchAndReconsileIssuesUsingJqlPost",
    "getChangeLogs",
    "getChangeLogsByIds",
    "getIssuePropertyKeys",
    "getIssueProperty",
    "getIssueWorklog",
    "getWorklog",
    "getAllLabels",
];

/// Refuses the call before it reaches the model: a token without the
/// scope, or an issue of a project the caller does not see.
/// Errors: [`Failure::Scope`]; [`IssueError::NotFound`].
pub(super) fn guard(operation_id: &str, call: &Call<'_>) -> Result<(), Failure> {
    let write = !READS.contains(&operation_id) && operation_id != "countIssues";
    if !call.viewer.allows(write) {
        return Err(Failure::Scope);
    }
    let key = call.param("issueIdOrKey");
    if key.is_empty() {
        return Ok(());
    }
    let hidden = call.store.read(|m| {
        m.issues
            .find(&key)
            .is_some_and(|i| !call.viewer.sees(m, &i.project))
    });
    if hidden {
        return Err(IssueError::NotFound.into());
    }
    Ok(())
}

/// `fields` with `project` removed when the caller does not see it, so
/// creating there gets Jira's `Specify a valid project ID or key`.
pub(super) fn hide_project(call: &Call<'_>, fields: &mut Map<String, Value>) {
    let Some(project) = fields.get("project") else {
        return;
    };
    let by = |name: &str| project.get(name).and_then(Value::as_str).map(str::to_owned);
    let Some(named) = by("key").or_else(|| by("id")) else {
        return;
    };
    let hidden = call.store.read(|m| {
        let key = m.seed.project(&named).map(|p| p.key.clone());
        key.is_some_and(|k| !call.viewer.sees(m, &k))
    });
    if hidden {
        fields.remove("project");
    }
}
