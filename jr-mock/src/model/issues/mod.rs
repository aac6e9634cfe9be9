//! Issues and Jira's rules over them: create, get, edit, transition,
//! delete, each with an explicit `now` (ms since the UNIX epoch), and the
//! webhook events each change fires (payload shape: docs/jira-semantics.md §8).
//!
//! Every change returns the events it fires, in order, as Jira would send
//! them before the fake adds `timestamp` and `matchedWebhookIds`
//! (`{"webhookEvent", "issue_event_type_name", "user", "issue",
//! "changelog"?}`); [`super::Model`] enqueues them. A refused change fires
//! nothing and changes nothing:
//!
//! | change | events |
//! |---|---|
//! | create (alone or in bulk, per created issue) | `jira:issue_created` (`issue_created`) |
//! | edit that changes something | `jira:issue_updated` (`issue_updated`; `issue_assigned` when only the assignee changed) with one `changelog.items` entry per changed field |
//! | edit that changes nothing | none |
//! | transition | `jira:issue_updated` (`issue_generic`) with a `status` item |
//! | delete | `jira:issue_deleted` (`issue_deleted`), the issue as it was; then the comments' `comment_deleted` (see [`comments`]) |
//!
//! Issue IDs start at 10000 and are never reused; keys count per project
//! (`ABC-1`, `ABC-2`, …) and are never reused either.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub mod comments;
pub mod history;
pub mod properties;
pub mod search;
pub mod subtasks;
pub mod update;
pub mod worklogs;

use super::seed::{Project, Seed};

/// Jira's 404 text for an issue that does not exist or is hidden.
pub const NO_ISSUE: &str = "Issue does not exist or you do not have permission to see it.";
/// Jira's 400 text for a label that is not one word ([INF]).
pub const LABEL_WORDS: &str = "Labels must be words without spaces.";
/// The first issue ID.
pub const FIRST_ISSUE_ID: u64 = 10000;

/// Fields an issue keeps as sent (besides `customfield_*`).
const RAW_FIELDS: [&str; 3] = ["environment", "duedate", "priority"];

/// Who makes a change: the event's `user`, a new issue's reporter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// The account ID.
    pub account_id: String,
    /// The name shown.
    pub display_name: String,
    /// `atlassian` or `app`.
    pub account_type: String,
}

/// One issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Issue {
    /// The numeric ID.
    pub id: u64,
    /// `PROJECT-N`.
    pub key: String,
    /// The project's key.
    pub project: String,
    /// The issue type's ID.
    pub issue_type: String,
    /// The summary.
    pub summary: String,
    /// The description (ADF), if any.
    pub description: Option<Value>,
    /// The labels, in the order set.
    pub labels: Vec<String>,
    /// The status's name.
    pub status: String,
    /// Who created it.
    pub reporter: Actor,
    /// The assignee's account ID.
    pub assignee: Option<String>,
    /// Creation time, ms since the UNIX epoch.
    pub created_ms: i64,
    /// Last change, ms since the UNIX epoch.
    pub updated_ms: i64,
    /// `customfield_*`, `environment`, `duedate`, `priority`: kept as sent.
    pub other: Map<String, Value>,
    /// The parent's ID, for a subtask (see [`subtasks`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u64>,
}

/// Why a request about issues is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    /// 404 with [`NO_ISSUE`].
    #[error("{NO_ISSUE}")]
    NotFound,
    /// 400 with these `errors` (field → message).
    #[error("invalid fields: {0:?}")]
    Fields(BTreeMap<String, String>),
    /// 400 with this one `errorMessages` entry.
    #[error("{0}")]
    Message(String),
    /// 404 with this `errorMessages` entry: the issue exists, the thing
    /// asked about (comment, property, worklog) is not on it.
    #[error("{0}")]
    Missing(String),
}

fn field_error(field: &str, message: &str) -> IssueError {
    IssueError::Fields(BTreeMap::from([(field.to_owned(), message.to_owned())]))
}

/// Every issue and the counters for new ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssueStore {
    /// The issues by ID.
    pub issues: BTreeMap<u64, Issue>,
    /// The next issue ID.
    pub next_id: u64,
    /// The last number used per project key.
    pub last_number: BTreeMap<String, u64>,
    /// The next changelog ID.
    pub next_changelog_id: u64,
    /// The comments by ID (see [`comments`]).
    #[serde(default)]
    pub comments: BTreeMap<u64, comments::Comment>,
    /// The next comment ID.
    #[serde(default = "first_id")]
    pub next_comment_id: u64,
    /// The changelog by history ID (see [`history`]).
    #[serde(default)]
    pub histories: BTreeMap<u64, history::History>,
    /// The issue properties by issue ID, then key (see [`properties`]).
    #[serde(default)]
    pub properties: BTreeMap<u64, BTreeMap<String, Value>>,
    /// The worklogs by ID (see [`worklogs`]).
    #[serde(default)]
    pub worklogs: BTreeMap<u64, worklogs::Worklog>,
    /// The next worklog ID.
    #[serde(default = "first_id")]
    pub next_worklog_id: u64,
}

fn first_id() -> u64 {
    FIRST_ISSUE_ID
}

impl Default for IssueStore {
    fn default() -> Self {
        Self {
            issues: BTreeMap::new(),
            next_id: FIRST_ISSUE_ID,
            last_number: BTreeMap::new(),
            next_changelog_id: FIRST_ISSUE_ID,
            comments: BTreeMap::new(),
            next_comment_id: FIRST_ISSUE_ID,
            histories: BTreeMap::new(),
            properties: BTreeMap::new(),
            worklogs: BTreeMap::new(),
            next_worklog_id: FIRST_ISSUE_ID,
        }
    }
}

/// What a change needs besides the store: the site's data and links.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    /// Users and projects.
    pub seed: &'a Seed,
    /// The base URL of `self` links (`http://127.0.0.1:PORT`).
    pub base: &'a str,
}

impl IssueStore {
    /// The issue with this key (case-insensitive) or numeric ID.
    pub fn find(&self, key_or_id: &str) -> Option<&Issue> {
        match key_or_id.parse::<u64>() {
            Ok(id) => self.issues.get(&id),
            Err(_) => self
                .issues
                .values()
                .find(|i| i.key.eq_ignore_ascii_case(key_or_id)),
        }
    }

    fn id_of(&self, key_or_id: &str) -> Result<u64, IssueError> {
        self.find(key_or_id)
            .map(|i| i.id)
            .ok_or(IssueError::NotFound)
    }

    /// `createIssue`: a new issue from `fields` (`project`, `issuetype`,
    /// `summary` required). Returns it with the events it fires.
    /// Errors: [`IssueError::Fields`] naming each bad field with Jira's text.
    pub fn create(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        fields: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<(Issue, Vec<Value>), IssueError> {
        let mut errors = BTreeMap::new();
        let project = find_project(site.seed, fields.get("project"));
        if project.is_none() {
            errors.insert("project".into(), "Specify a valid project ID or key".into());
        }
        let issue_type = project.and_then(|p| find_type(p, fields.get("issuetype")));
        match (fields.get("issuetype"), issue_type) {
            (None, _) => errors.insert("issuetype".into(), "Specify an issue type".into()),
            (Some(_), None) if project.is_some() => {
                errors.insert("issuetype".into(), "Specify a valid issue type".into())
            }
            _ => None,
        };
        let summary = fields.get("summary").and_then(Value::as_str).map(str::trim);
        if summary.is_none_or(str::is_empty) {
            errors.insert(
                "summary".into(),
                "You must specify a summary of the issue.".into(),
            );
        } else if let Some(fault) = summary.and_then(summary_fault) {
            errors.insert("summary".into(), fault.into());
        }
        let parent = match (project, issue_type) {
            (Some(p), Some(t)) => self.parent_for(p, t, fields.get("parent")),
            _ => Ok(None),
        };
        let parent = parent.unwrap_or_else(|e| {
            if let IssueError::Fields(e) = e {
                errors.extend(e);
            }
            None
        });
        let (Some(project), Some(issue_type), Some(summary), true) =
            (project, issue_type, summary, errors.is_empty())
        else {
            return Err(IssueError::Fields(errors));
        };
        let number = self.last_number.get(&project.key).copied().unwrap_or(0) + 1;
        let mut issue = Issue {
            id: self.next_id,
            key: format!("{}-{number}", project.key),
            project: project.key.clone(),
            issue_type: issue_type.id.clone(),
            summary: summary.to_owned(),
            description: None,
            labels: Vec::new(),
            status: project.workflow.statuses[0].name.clone(),
            reporter: actor.clone(),
            assignee: None,
            created_ms: now_ms,
            updated_ms: now_ms,
            other: Map::new(),
            parent,
        };
        let settable = fields
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "project" | "issuetype" | "summary" | "parent"));
        for (name, value) in settable {
            set_field(&mut issue, site.seed, project, name, value)?;
        }
        self.next_id += 1;
        self.last_number.insert(project.key.clone(), number);
        self.issues.insert(issue.id, issue.clone());
        let shown = self.show(site, &issue);
        let event = event(
            "jira:issue_created",
            "issue_created",
            site,
            actor,
            shown,
            None,
        );
        Ok((issue, vec![event]))
    }

    /// `createIssues`: [`IssueStore::create`] for each element of
    /// `issueUpdates` (`{"fields": {...}}`), in order; a refused element
    /// changes nothing and the others go on. Returns, per element, the new
    /// issue or why it was refused, and the events of those created.
    pub fn create_many(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        elements: &[Value],
        now_ms: i64,
    ) -> (Vec<Result<Issue, IssueError>>, Vec<Value>) {
        let mut events = Vec::new();
        let results = elements
            .iter()
            .map(|element| {
                let fields = match element.get("fields") {
                    Some(Value::Object(f)) => f,
                    _ => return Err(field_error("fields", "\"fields\" must be an object")),
                };
                let (issue, fired) = self.create(site, actor, fields, now_ms)?;
                events.extend(fired);
                Ok(issue)
            })
            .collect();
        (results, events)
    }

    /// `editIssue` with `fields` only (see [`IssueStore::edit_with`]).
    /// Errors: as [`IssueStore::edit_with`].
    pub fn edit(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
        fields: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<Vec<Value>, IssueError> {
        self.edit_with(site, actor, key_or_id, fields, &Map::new(), now_ms)
    }

    /// `editIssue`: sets each of `fields` (`summary`, `description`,
    /// `labels`, `assignee`, `issuetype`, `environment`, `duedate`,
    /// `priority`, `customfield_*`), then applies the `update` operations
    /// (see [`update`]). Returns the events (none when nothing changed).
    /// Errors: [`IssueError::NotFound`]; [`IssueError::Fields`] for a field
    /// that cannot be set, a bad value, a bad operation or a field in both
    /// `fields` and `update` (nothing is changed).
    pub fn edit_with(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
        fields: &Map<String, Value>,
        update: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<Vec<Value>, IssueError> {
        let id = self.id_of(key_or_id)?;
        let before = self.issues[&id].clone();
        let project = project_of(site.seed, &before)?;
        let after = edited(site.seed, project, &before, fields, update)?;
        let items = changes(site.seed, project, &before, &after);
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let only_assignee = items.iter().all(|i| i["fieldId"] == "assignee");
        let type_name = if only_assignee {
            "issue_assigned"
        } else {
            "issue_updated"
        };
        Ok(vec![self.commit_change(
            site, actor, after, items, type_name, now_ms,
        )])
    }

    /// Stores `after` (changed at `now_ms` by `actor`, `items` its
    /// changelog) and returns its `jira:issue_updated` event.
    fn commit_change(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        mut after: Issue,
        items: Vec<Value>,
        type_name: &str,
        now_ms: i64,
    ) -> Value {
        after.updated_ms = now_ms;
        let changelog = self.record_history(after.id, actor, now_ms, items);
        self.issues.insert(after.id, after.clone());
        let shown = self.show(site, &after);
        event(
            "jira:issue_updated",
            type_name,
            site,
            actor,
            shown,
            Some(changelog),
        )
    }

    /// `getTransitions`: the transitions available from the issue's status.
    /// Errors: [`IssueError::NotFound`].
    pub fn transitions<'s>(
        &self,
        seed: &'s Seed,
        key_or_id: &str,
    ) -> Result<Vec<&'s super::seed::Transition>, IssueError> {
        let issue = self.find(key_or_id).ok_or(IssueError::NotFound)?;
        let project = project_of(seed, issue)?;
        Ok(project.workflow.available(&issue.status).collect())
    }

    /// `doTransition` without `fields` or `update` (see
    /// [`IssueStore::transition_with`]). Errors: as that.
    pub fn transition(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
        transition_id: &str,
        now_ms: i64,
    ) -> Result<Vec<Value>, IssueError> {
        let none = Map::new();
        self.transition_with(
            site,
            actor,
            key_or_id,
            transition_id,
            (&none, &none),
            now_ms,
        )
    }

    /// `doTransition`: moves the issue along the transition
    /// `transition_id`, setting `edits` (`fields`, `update`) as an edit
    /// does. Fires one `jira:issue_updated` (`issue_generic`) whose
    /// changelog has the `status` item and one per field changed.
    /// Errors: [`IssueError::NotFound`]; [`IssueError::Message`] (Jira's
    /// `Transition id 'N' is not valid for this issue.`) for a transition
    /// not available from the issue's status; the edit's errors.
    pub fn transition_with(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
        transition_id: &str,
        edits: (&Map<String, Value>, &Map<String, Value>),
        now_ms: i64,
    ) -> Result<Vec<Value>, IssueError> {
        let id = self.id_of(key_or_id)?;
        let available = self.transitions(site.seed, key_or_id)?;
        let Some(t) = available.into_iter().find(|t| t.id == transition_id) else {
            return Err(IssueError::Message(format!(
                "Transition id '{transition_id}' is not valid for this issue."
            )));
        };
        let before = self.issues[&id].clone();
        let project = project_of(site.seed, &before)?;
        let mut after = edited(site.seed, project, &before, edits.0, edits.1)?;
        after.status = t.to.clone();
        let items = changes(site.seed, project, &before, &after);
        Ok(vec![self.commit_change(
            site,
            actor,
            after,
            items,
            "issue_generic",
            now_ms,
        )])
    }

    /// `deleteIssue` of an issue without subtasks (see
    /// [`IssueStore::delete_with`]). Errors: as that.
    pub fn delete(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
    ) -> Result<(Vec<Value>, Vec<Value>), IssueError> {
        self.delete_with(site, actor, key_or_id, false)
    }

    /// `deleteIssue`: removes the issue, its comments, properties,
    /// worklogs and history, and, with `delete_subtasks`, its subtasks.
    /// Returns the primary events (`jira:issue_deleted` for the issue, then
    /// for each subtask) and the cascade (one `comment_deleted` per
    /// comment), sent as the `Secondary` flow.
    /// Errors: [`IssueError::NotFound`]; [`IssueError::Message`]
    /// ([`subtasks::has_subtasks`]) for a parent without `delete_subtasks`.
    pub fn delete_with(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
        delete_subtasks: bool,
    ) -> Result<(Vec<Value>, Vec<Value>), IssueError> {
        let id = self.id_of(key_or_id)?;
        let children: Vec<u64> = self.subtasks_of(id).map(|s| s.id).collect();
        if !children.is_empty() && !delete_subtasks {
            let key = self.issues.get(&id).map_or("", |i| i.key.as_str());
            return Err(IssueError::Message(subtasks::has_subtasks(key)));
        }
        let (mut primary, mut cascade) = (Vec::new(), Vec::new());
        for one in std::iter::once(id).chain(children) {
            let shown = match self.issues.get(&one) {
                Some(issue) => self.show(site, issue),
                None => continue,
            };
            let deleted = event(
                "jira:issue_deleted",
                "issue_deleted",
                site,
                actor,
                shown,
                None,
            );
            cascade.extend(self.cascade_comments(site, &deleted["issue"], one));
            primary.push(deleted);
        }
        for one in primary
            .iter()
            .filter_map(|e| e["issue"]["id"].as_str()?.parse().ok())
        {
            self.issues.remove(&one);
            self.drop_histories(one);
            self.properties.remove(&one);
            self.drop_worklogs(one);
        }
        Ok((primary, cascade))
    }
}

fn find_project<'s>(seed: &'s Seed, value: Option<&Value>) -> Option<&'s Project> {
    let v = value?;
    let by = |name: &str| v.get(name).and_then(Value::as_str);
    by("key").or_else(|| by("id")).and_then(|k| seed.project(k))
}

fn find_type<'p>(
    project: &'p Project,
    value: Option<&Value>,
) -> Option<&'p super::seed::IssueType> {
    let v = value?;
    project.issue_type(
        v.get("id").and_then(Value::as_str),
        v.get("name").and_then(Value::as_str),
    )
}

fn project_of<'s>(seed: &'s Seed, issue: &Issue) -> Result<&'s Project, IssueError> {
    seed.project(&issue.project).ok_or(IssueError::NotFound)
}

/// `before` with `fields` set, then the `update` operations applied.
/// Errors: [`IssueError::Fields`] (see [`IssueStore::edit_with`]).
fn edited(
    seed: &Seed,
    project: &Project,
    before: &Issue,
    fields: &Map<String, Value>,
    update_ops: &Map<String, Value>,
) -> Result<Issue, IssueError> {
    update::check_not_both(fields, update_ops)?;
    let mut after = before.clone();
    for (name, value) in fields {
        set_edited(&mut after, seed, project, name, value)?;
    }
    for op in update::operations(update_ops)? {
        if op.verb == "set" {
            set_edited(&mut after, seed, project, op.field, op.value)?;
        } else {
            after.labels = update::label_op(&after.labels, op.verb, op.value)?;
        }
    }
    Ok(after)
}

/// Sets one field of an edit: `summary` and `issuetype` besides what
/// creation sets ([`set_field`]).
fn set_edited(
    issue: &mut Issue,
    seed: &Seed,
    project: &Project,
    name: &str,
    value: &Value,
) -> Result<(), IssueError> {
    match name {
        "summary" => match value.as_str().map(str::trim) {
            Some(s) if !s.is_empty() => {
                if let Some(fault) = summary_fault(s) {
                    return Err(field_error("summary", fault));
                }
                issue.summary = s.to_owned();
            }
            _ => {
                return Err(field_error(
                    "summary",
                    "You must specify a summary of the issue.",
                ));
            }
        },
        "issuetype" => {
            let t = find_type(project, Some(value))
                .filter(|t| t.subtask == issue.parent.is_some())
                .ok_or_else(|| field_error("issuetype", "Specify a valid issue type"))?;
            issue.issue_type = t.id.clone();
        }
        _ => set_field(issue, seed, project, name, value)?,
    }
    Ok(())
}

fn set_field(
    issue: &mut Issue,
    seed: &Seed,
    _project: &Project,
    name: &str,
    value: &Value,
) -> Result<(), IssueError> {
    match name {
        "description" => issue.description = (!value.is_null()).then(|| value.clone()),
        "labels" => {
            let labels = value.as_array().and_then(|a| {
                a.iter()
                    .map(|l| {
                        l.as_str()
                            .filter(|s| !s.is_empty() && !s.contains(' '))
                            .map(str::to_owned)
                    })
                    .collect::<Option<Vec<_>>>()
            });
            issue.labels = labels.ok_or_else(|| field_error("labels", LABEL_WORDS))?;
        }
        "assignee" => {
            let account = value.get("accountId").and_then(Value::as_str);
            issue.assignee = match (value.is_null(), account) {
                (true, _) => None,
                (false, Some(a)) if seed.user(a).is_some() => Some(a.to_owned()),
                (false, a) => {
                    let shown = a.unwrap_or("");
                    return Err(field_error(
                        "assignee",
                        &format!("User '{shown}' does not exist."),
                    ));
                }
            };
        }
        n if RAW_FIELDS.contains(&n) || n.starts_with("customfield_") => {
            issue.other.insert(n.to_owned(), value.clone());
        }
        other => {
            return Err(field_error(
                other,
                &format!(
                    "Field '{other}' cannot be set. It is not on the appropriate screen, or unknown."
                ),
            ));
        }
    }
    Ok(())
}

/// One changelog item per field that differs between `before` and `after`.
fn changes(seed: &Seed, project: &Project, before: &Issue, after: &Issue) -> Vec<Value> {
    let mut items = Vec::new();
    let mut item = |field: &str,
                    from: Option<String>,
                    from_s: Option<String>,
                    to: Option<String>,
                    to_s: Option<String>| {
        items.push(json!({"field": field, "fieldtype": if field.starts_with("customfield_") {"custom"} else {"jira"},
            "fieldId": field, "from": from, "fromString": from_s, "to": to, "toString": to_s}));
    };
    if before.summary != after.summary {
        item(
            "summary",
            None,
            Some(before.summary.clone()),
            None,
            Some(after.summary.clone()),
        );
    }
    if before.description != after.description {
        let text = |d: &Option<Value>| d.as_ref().map(adf_text);
        item(
            "description",
            None,
            text(&before.description),
            None,
            text(&after.description),
        );
    }
    if before.labels != after.labels {
        let joined = |l: &[String]| (!l.is_empty()).then(|| l.join(" "));
        item(
            "labels",
            None,
            joined(&before.labels),
            None,
            joined(&after.labels),
        );
    }
    if before.assignee != after.assignee {
        let name = |a: &Option<String>| {
            a.as_deref()
                .and_then(|a| seed.user(a))
                .map(|u| u.display_name.clone())
        };
        item(
            "assignee",
            before.assignee.clone(),
            name(&before.assignee),
            after.assignee.clone(),
            name(&after.assignee),
        );
    }
    if before.issue_type != after.issue_type {
        let name = |id: &str| project.issue_type(Some(id), None).map(|t| t.name.clone());
        item(
            "issuetype",
            Some(before.issue_type.clone()),
            name(&before.issue_type),
            Some(after.issue_type.clone()),
            name(&after.issue_type),
        );
    }
    if before.status != after.status {
        let id = |n: &str| project.workflow.status(n).map(|s| s.id.clone());
        item(
            "status",
            id(&before.status),
            Some(before.status.clone()),
            id(&after.status),
            Some(after.status.clone()),
        );
    }
    let names: std::collections::BTreeSet<&String> =
        before.other.keys().chain(after.other.keys()).collect();
    for name in names {
        let (b, a) = (before.other.get(name), after.other.get(name));
        if b != a {
            let shown = |v: Option<&Value>| {
                v.filter(|v| !v.is_null())
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            };
            item(name, None, shown(b), None, shown(a));
        }
    }
    items
}

/// The text of an ADF document: its text nodes joined, for changelog strings.
pub fn adf_text(doc: &Value) -> String {
    fn walk(v: &Value, out: &mut String) {
        if let Some(t) = v.get("text").and_then(Value::as_str) {
            out.push_str(t);
        }
        for child in v
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(child, out);
        }
    }
    let mut out = String::new();
    walk(doc, &mut out);
    out
}

fn event(
    name: &str,
    type_name: &str,
    site: Site<'_>,
    actor: &Actor,
    issue: Value,
    changelog: Option<Value>,
) -> Value {
    let mut e = json!({"webhookEvent": name, "issue_event_type_name": type_name,
        "user": render_actor(actor, site.base), "issue": issue});
    if let Some(c) = changelog {
        e["changelog"] = c;
    }
    e
}

/// Jira's time format: `2024-01-15T10:30:00.000+0000` (UTC).
pub fn jira_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string())
        .unwrap_or_default()
}

pub(crate) fn render_actor(actor: &Actor, base: &str) -> Value {
    json!({"self": format!("{base}/rest/api/3/user?accountId={}", actor.account_id),
        "accountId": actor.account_id, "displayName": actor.display_name,
        "active": true, "timeZone": "UTC", "accountType": actor.account_type})
}

fn render_user(seed: &Seed, account_id: &str, base: &str) -> Value {
    let user = seed.user(account_id);
    let mut v = render_actor(
        &Actor {
            account_id: account_id.to_owned(),
            display_name: user.map_or_else(String::new, |u| u.display_name.clone()),
            account_type: "atlassian".into(),
        },
        base,
    );
    if let Some(email) = user.and_then(|u| u.email_address.as_ref()) {
        v["emailAddress"] = email.clone().into();
    }
    v
}

/// The issue as `getIssue` answers it (every field): `{"expand", "id",
/// "key", "self", "fields": {...}}`.
pub fn render(site: Site<'_>, issue: &Issue) -> Value {
    let base = site.base;
    let project = site.seed.project(&issue.project);
    let issue_type = project.and_then(|p| p.issue_type(Some(&issue.issue_type), None));
    let mut fields = Map::new();
    fields.insert("summary".into(), issue.summary.clone().into());
    fields.insert(
        "description".into(),
        issue.description.clone().unwrap_or(Value::Null),
    );
    fields.insert(
        "issuetype".into(),
        json!({
        "self": format!("{base}/rest/api/3/issuetype/{}", issue.issue_type),
        "id": issue.issue_type, "name": issue_type.map(|t| t.name.clone()),
        "subtask": issue_type.is_some_and(|t| t.subtask)}),
    );
    fields.insert("project".into(), json!({
        "self": format!("{base}/rest/api/3/project/{}", project.map_or("", |p| p.id.as_str())),
        "id": project.map(|p| p.id.clone()), "key": issue.project, "name": project.map(|p| p.name.clone()),
        "projectTypeKey": "software"}));
    let status = project.map_or(Value::Null, |p| render_status(p, &issue.status, base));
    fields.insert("status".into(), status);
    fields.insert("labels".into(), issue.labels.clone().into());
    fields.insert("reporter".into(), render_actor(&issue.reporter, base));
    fields.insert("creator".into(), render_actor(&issue.reporter, base));
    fields.insert(
        "assignee".into(),
        issue
            .assignee
            .as_deref()
            .map_or(Value::Null, |a| render_user(site.seed, a, base)),
    );
    fields.insert("created".into(), jira_time(issue.created_ms).into());
    fields.insert("updated".into(), jira_time(issue.updated_ms).into());
    for (k, v) in &issue.other {
        fields.insert(k.clone(), v.clone());
    }
    json!({"expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": issue.id.to_string(), "key": issue.key,
        "self": format!("{base}/rest/api/3/issue/{}", issue.id), "fields": fields})
}

/// A transition as `getTransitions` lists it: `{"id", "name", "to":
/// status, "hasScreen": false, "isGlobal", "isInitial": false,
/// "isAvailable": true, "isConditional": false, "isLooped": false}`.
pub fn render_transition(project: &Project, t: &super::seed::Transition, base: &str) -> Value {
    json!({"id": t.id, "name": t.name, "to": render_status(project, &t.to, base),
        "hasScreen": false, "isGlobal": t.from.is_none(), "isInitial": false,
        "isAvailable": true, "isConditional": false, "isLooped": false})
}

fn render_status(project: &Project, name: &str, base: &str) -> Value {
    let status = project.workflow.status(name);
    json!({"self": format!("{base}/rest/api/3/status/{}", status.map_or("", |s| s.id.as_str())),
        "id": status.map(|s| s.id.clone()), "name": name,
        "statusCategory": {"key": status.map(|s| s.category.clone()),
            "name": status.map(|s| category_name(&s.category))}})
}

fn category_name(key: &str) -> &'static str {
    match key {
        "new" => "To Do",
        "indeterminate" => "In Progress",
        _ => "Done",
    }
}

/// Keeps the fields `getIssue`'s `fields` parameter asks for (values
/// comma-separated, possibly repeated): `*all` and `*navigable` (the
/// default) keep every field, names add one, `-name` removes one; names
/// alone keep only those.
pub fn select_fields(rendered: &mut Value, asked: &[String]) {
    let names: Vec<&str> = asked
        .iter()
        .flat_map(|a| a.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return;
    }
    let everything = names.iter().any(|n| matches!(*n, "*all" | "*navigable"));
    let Some(fields) = rendered.get_mut("fields").and_then(Value::as_object_mut) else {
        return;
    };
    fields.retain(|k, _| {
        let excluded = names
            .iter()
            .any(|n| n.strip_prefix('-') == Some(k.as_str()));
        !excluded && (everything || names.contains(&k.as_str()))
    });
}

#[cfg(test)]
mod tests;

/// Jira's 400 text for a summary it refuses, if any: over 255 characters
/// (`Summary can't exceed 255 characters.`) or with a line break (`The
/// summary is invalid because it contains newline characters.`); both
/// [3P], docs/jira-semantics.md §14.
pub fn summary_fault(summary: &str) -> Option<&'static str> {
    if summary.chars().count() > 255 {
        Some("Summary can't exceed 255 characters.")
    } else if summary.contains(['\n', '\r']) {
        Some("The summary is invalid because it contains newline characters.")
    } else {
        None
    }
}
