//! The changelog of issues: one history per change that fired a
//! `jira:issue_updated` with a changelog (edit, transition), kept until the
//! issue is deleted, and what `expand=changelog,names` adds to an issue.
//!
//! A history is `{"id", "author", "created", "items": [{"field",
//! "fieldtype", "fieldId", "from", "fromString", "to", "toString"}]}` (the
//! spec's `Changelog`), the same `id` and `items` as the event's
//! `changelog`. History IDs count from 10000 over the whole site.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Actor, IssueError, IssueStore, jira_time, render_actor};

/// One change of one issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct History {
    /// The changelog ID (the event's `changelog.id`).
    pub id: u64,
    /// The issue changed.
    pub issue_id: u64,
    /// Who changed it.
    pub author: Actor,
    /// When, ms since the UNIX epoch.
    pub created_ms: i64,
    /// One item per changed field.
    pub items: Vec<Value>,
}

impl IssueStore {
    /// Records the change `items` of the issue `issue_id` by `author` at
    /// `now_ms`; returns the event's `changelog` (`{"id", "items"}`).
    pub(super) fn record_history(
        &mut self,
        issue_id: u64,
        author: &Actor,
        now_ms: i64,
        items: Vec<Value>,
    ) -> Value {
        let id = self.next_changelog_id;
        self.next_changelog_id += 1;
        let changelog = json!({"id": id.to_string(), "items": items});
        self.histories.insert(
            id,
            History {
                id,
                issue_id,
                author: author.clone(),
                created_ms: now_ms,
                items,
            },
        );
        changelog
    }

    /// `getChangeLogs`: the issue's histories, oldest first.
    /// Errors: [`IssueError::NotFound`].
    pub fn histories_of(&self, key_or_id: &str) -> Result<Vec<&History>, IssueError> {
        let issue = self.id_of(key_or_id)?;
        Ok(self.histories_of_id(issue))
    }

    pub(super) fn histories_of_id(&self, issue_id: u64) -> Vec<&History> {
        self.histories
            .values()
            .filter(|h| h.issue_id == issue_id)
            .collect()
    }

    /// `getChangeLogsByIds`: those of the issue's histories whose IDs are
    /// in `ids`, oldest first (IDs of other issues or unknown are skipped).
    /// Errors: [`IssueError::NotFound`].
    pub fn histories_by_ids(
        &self,
        key_or_id: &str,
        ids: &[u64],
    ) -> Result<Vec<&History>, IssueError> {
        let mut found = self.histories_of(key_or_id)?;
        found.retain(|h| ids.contains(&h.id));
        Ok(found)
    }

    /// Forgets the histories of the issue `issue_id` (being deleted).
    pub(super) fn drop_histories(&mut self, issue_id: u64) {
        self.histories.retain(|_, h| h.issue_id != issue_id);
    }
}

/// A history as the changelog operations answer it (links on `base`).
/// Items leave out `from`/`to`/`fromString`/`toString` that are null: the
/// spec's `ChangeDetails` types them as strings (the webhook's changelog
/// keeps the nulls).
pub fn render_history(h: &History, base: &str) -> Value {
    let items: Vec<Value> = h
        .items
        .iter()
        .map(|i| match i {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            other => other.clone(),
        })
        .collect();
    json!({"id": h.id.to_string(), "author": render_actor(&h.author, base),
        "created": jira_time(h.created_ms), "items": items})
}

/// The display name of each field of `fields` (`expand=names`): Jira's
/// names for its system fields, the ID itself for custom fields.
pub fn field_names(fields: &Map<String, Value>) -> Value {
    let names: Map<String, Value> = fields
        .keys()
        .map(|k| (k.clone(), Value::from(system_name(k).unwrap_or(k.as_str()))))
        .collect();
    Value::Object(names)
}

fn system_name(field: &str) -> Option<&'static str> {
    Some(match field {
        "summary" => "Summary",
        "description" => "Description",
        "issuetype" => "Issue Type",
        "project" => "Project",
        "status" => "Status",
        "labels" => "Labels",
        "reporter" => "Reporter",
        "creator" => "Creator",
        "assignee" => "Assignee",
        "created" => "Created",
        "updated" => "Updated",
        "environment" => "Environment",
        "duedate" => "Due date",
        "priority" => "Priority",
        "parent" => "Parent",
        "subtasks" => "Sub-tasks",
        "timespent" => "Time Spent",
        _ => return None,
    })
}

/// The expand options asked (`expand=changelog,names`, possibly repeated).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expand {
    /// `changelog`: each issue gets `"changelog": {"startAt": 0,
    /// "maxResults", "total", "histories"}`.
    pub changelog: bool,
    /// `names`: the display name of each field returned.
    pub names: bool,
}

impl Expand {
    /// Reads comma-separated `expand` values; unknown options are ignored, as in Jira.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut e = Expand::default();
        for v in values.into_iter().flat_map(|v| v.split(',')) {
            match v.trim() {
                "changelog" => e.changelog = true,
                "names" => e.names = true,
                _ => {}
            }
        }
        e
    }
}

impl IssueStore {
    /// Adds `changelog` to the rendered issue `rendered` (of `issue_id`)
    /// when `expand` asks it.
    pub fn expand_changelog(
        &self,
        rendered: &mut Value,
        issue_id: u64,
        expand: Expand,
        base: &str,
    ) {
        if !expand.changelog {
            return;
        }
        let histories: Vec<Value> = self
            .histories_of_id(issue_id)
            .into_iter()
            .map(|h| render_history(h, base))
            .collect();
        let n = histories.len();
        rendered["changelog"] =
            json!({"startAt": 0, "maxResults": n, "total": n, "histories": histories});
    }
}
