//! Subtasks: an issue of a `subtask` issue type (see
//! [`crate::model::seed::IssueType`]) has a `parent`, another issue of the
//! same project that is not itself a subtask. The parent lists its
//! subtasks in `fields.subtasks`; the subtask shows it in `fields.parent`
//! (each `{"id", "key", "self", "fields": {"summary", "status",
//! "issuetype"}}`, as Jira's).
//!
//! Deleting a parent without `deleteSubtasks=true` is the spec's 400;
//! with it, its subtasks go too, each firing its `jira:issue_deleted`
//! (see [`IssueStore::delete_with`]).

use serde_json::{Value, json};

use super::{Issue, IssueError, IssueStore, Site, field_error, render};
use crate::model::seed::{IssueType, Project};

/// The 400 for a subtask created without a parent ([INF] text,
/// docs/jira-semantics.md §14).
pub const NEEDS_PARENT: &str = "Subtasks must be created with a parent issue.";
/// Jira's 400 for a parent a new issue cannot have ([INF]).
pub const WRONG_HIERARCHY: &str = "Given parent issue does not belong to appropriate hierarchy.";
/// The 400 for deleting a parent without `deleteSubtasks=true` ([INF]).
pub fn has_subtasks(key: &str) -> String {
    format!("The issue {key} has subtasks; set deleteSubtasks=true to delete it with them.")
}

impl IssueStore {
    /// The parent a new issue of `issue_type` in `project` gets from its
    /// `parent` field (`{"key"}` or `{"id"}`), `None` for a standard type
    /// without one.
    /// Errors: [`IssueError::Fields`] `parent`: missing for a subtask
    /// ([`NEEDS_PARENT`]), unknown (`Could not find issue by id or key.`), or
    /// not allowed ([`WRONG_HIERARCHY`]: a standard type, another
    /// project, or a subtask parent).
    pub(super) fn parent_for(
        &self,
        project: &Project,
        issue_type: &IssueType,
        given: Option<&Value>,
    ) -> Result<Option<u64>, IssueError> {
        let given = given.filter(|v| !v.is_null());
        let Some(given) = given else {
            return match issue_type.subtask {
                true => Err(field_error("parent", NEEDS_PARENT)),
                false => Ok(None),
            };
        };
        let by = |name: &str| given.get(name).and_then(Value::as_str);
        let parent = by("key")
            .or_else(|| by("id"))
            .and_then(|k| self.find(k))
            .ok_or_else(|| field_error("parent", "Could not find issue by id or key."))?;
        if !issue_type.subtask || parent.project != project.key || parent.parent.is_some() {
            return Err(field_error("parent", WRONG_HIERARCHY));
        }
        Ok(Some(parent.id))
    }

    /// The subtasks of the issue `issue_id`, oldest first.
    pub fn subtasks_of(&self, issue_id: u64) -> impl Iterator<Item = &Issue> {
        self.issues
            .values()
            .filter(move |i| i.parent == Some(issue_id))
    }

    /// The issue as `getIssue` answers it: [`render`] with
    /// `fields.subtasks` and, on a subtask, `fields.parent`.
    pub fn show(&self, site: Site<'_>, issue: &Issue) -> Value {
        let mut v = render(site, issue);
        let subtasks: Vec<Value> = self.subtasks_of(issue.id).map(|s| brief(site, s)).collect();
        v["fields"]["subtasks"] = subtasks.into();
        if let Some(parent) = issue.parent.and_then(|p| self.issues.get(&p)) {
            v["fields"]["parent"] = brief(site, parent);
        }
        v
    }
}

/// A parent or subtask as Jira lists it.
fn brief(site: Site<'_>, issue: &Issue) -> Value {
    let r = render(site, issue);
    json!({"id": r["id"], "key": r["key"], "self": r["self"],
        "fields": {"summary": r["fields"]["summary"], "status": r["fields"]["status"],
            "issuetype": r["fields"]["issuetype"]}})
}
