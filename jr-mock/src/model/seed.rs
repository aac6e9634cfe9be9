//! The site's fixed data: users and projects (key, id, name, lead, issue
//! types, a workflow with statuses and transitions). It comes from the
//! default seed ([`Seed::default`]) or from `jr-mock --seed FILE`, whose
//! JSON is this module's types in camelCase:
//!
//! ```json
//! {"users": [{"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "jr-mock user",
//!             "emailAddress": "user@example.com"}],
//!  "projects": [{"key": "ABC", "id": "10000", "name": "Alpha", "lead": "5b10ac8d82e05b22cc7d4ef5",
//!                "issueTypes": [{"id": "10001", "name": "Task"},
//!                               {"id": "10004", "name": "Subtask", "subtask": true}],
//!                "workflow": {"statuses": [{"id": "1", "name": "To Do", "category": "new"},
//!                                          {"id": "10000", "name": "Done", "category": "done"}],
//!                             "transitions": [{"id": "31", "name": "Done", "to": "Done"}]}}]}
//! ```
//!
//! An issue of a `subtask` type needs a `parent` of another type in the
//! same project. A project's optional `"members"` (account IDs and app
//! keys) are the only callers who see it (absent: everyone, see
//! [`crate::stateful::access`]); a user's optional `"groups"` serve JQL
//! `membersOf()` and comment visibility. The first status is where a new issue starts. A transition without
//! `from` is global (available from every status but its own target), as
//! in Jira's simplified workflows. [`Seed::validate`] names the first
//! problem (`projects[0].lead: no user has the account ID "x"`).

use serde::{Deserialize, Serialize};

use super::apps::{DEFAULT_ACCOUNT_ID, DEFAULT_DISPLAY_NAME};

/// Users and projects of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    /// The site's users (reporters, assignees, leads, event `user`s).
    pub users: Vec<SeedUser>,
    /// The projects; issues are created in these only.
    pub projects: Vec<Project>,
}

/// A user of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedUser {
    /// The Atlassian account ID.
    pub account_id: String,
    /// The name shown.
    pub display_name: String,
    /// The email address, when the user shares it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// The groups the user is in (JQL `membersOf()`, comment visibility).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Project {
    /// Upper-case letters and digits, starting with a letter (`ABC`).
    pub key: String,
    /// The numeric ID, as a string (`"10000"`).
    pub id: String,
    /// The project's name.
    pub name: String,
    /// The lead's account ID (one of the seed's users).
    pub lead: String,
    /// The issue types issues of the project may have.
    pub issue_types: Vec<IssueType>,
    /// The one workflow of every issue type.
    pub workflow: Workflow,
    /// Who sees the project: account IDs and app keys; absent: everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    /// Project roles (`Developers`) and their account IDs and app keys,
    /// for comment visibility.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub roles: std::collections::BTreeMap<String, Vec<String>>,
}

/// An issue type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssueType {
    /// The numeric ID, as a string.
    pub id: String,
    /// The name (`Task`).
    pub name: String,
    /// Whether issues of this type are subtasks (need a `parent`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub subtask: bool,
}

/// Statuses and the transitions between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Workflow {
    /// The statuses; the first is a new issue's.
    pub statuses: Vec<Status>,
    /// The transitions.
    pub transitions: Vec<Transition>,
}

/// A status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Status {
    /// The numeric ID, as a string.
    pub id: String,
    /// The name (`To Do`).
    pub name: String,
    /// The status category key: `new`, `indeterminate` or `done`.
    pub category: String,
}

/// A transition to `to` from the statuses `from` (all when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Transition {
    /// The numeric ID, as a string (what `doTransition` names).
    pub id: String,
    /// The transition's name.
    pub name: String,
    /// The statuses (names) it leaves from; absent: every other status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Vec<String>>,
    /// The target status's name.
    pub to: String,
}

const CATEGORIES: [&str; 3] = ["new", "indeterminate", "done"];

impl Default for Seed {
    /// The default user (the default identities' account) and two
    /// projects, `ABC` and `XYZ`, each with Task, Bug, Story and Subtask
    /// (a subtask type) and Jira's
    /// simplified workflow (To Do → In Progress → Done, every transition global).
    fn default() -> Self {
        let project = |key: &str, id: &str, name: &str| Project {
            key: key.into(),
            id: id.into(),
            name: name.into(),
            lead: DEFAULT_ACCOUNT_ID.into(),
            issue_types: [
                ("10001", "Task", false),
                ("10002", "Bug", false),
                ("10003", "Story", false),
                ("10004", "Subtask", true),
            ]
            .map(|(id, name, subtask)| IssueType {
                id: id.into(),
                name: name.into(),
                subtask,
            })
            .into(),
            workflow: simplified_workflow(),
            members: None,
            roles: ["Administrators", "Developers"]
                .map(|r| (r.to_owned(), vec![DEFAULT_ACCOUNT_ID.to_owned()]))
                .into(),
        };
        Seed {
            users: vec![SeedUser {
                account_id: DEFAULT_ACCOUNT_ID.into(),
                display_name: DEFAULT_DISPLAY_NAME.into(),
                email_address: Some("user@example.com".into()),
                groups: vec!["jira-software-users".into()],
            }],
            projects: vec![
                project("ABC", "10000", "Alpha Beta"),
                project("XYZ", "10001", "Xylophone"),
            ],
        }
    }
}

fn simplified_workflow() -> Workflow {
    let statuses = [
        ("1", "To Do", "new"),
        ("3", "In Progress", "indeterminate"),
        ("10000", "Done", "done"),
    ];
    let transitions = [("11", "To Do"), ("21", "In Progress"), ("31", "Done")];
    Workflow {
        statuses: statuses
            .map(|(id, name, category)| Status {
                id: id.into(),
                name: name.into(),
                category: category.into(),
            })
            .into(),
        transitions: transitions
            .map(|(id, to)| Transition {
                id: id.into(),
                name: to.into(),
                from: None,
                to: to.into(),
            })
            .into(),
    }
}

/// Why a seed cannot be used: the path of the offending value and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SeedError {
    /// Where (`projects[1].workflow.transitions[0].to`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl Seed {
    /// Parses a `--seed` file's text and validates it.
    /// Errors: the JSON error, or [`Seed::validate`]'s.
    pub fn parse(text: &str) -> Result<Self, String> {
        let seed: Seed = serde_json::from_str(text).map_err(|e| e.to_string())?;
        seed.validate().map_err(|e| e.to_string())?;
        Ok(seed)
    }

    /// Checks that keys and IDs are unique and well formed, leads are
    /// users, every project has an issue type and a status, and every
    /// transition names existing statuses.
    /// Errors: [`SeedError`] for the first problem.
    pub fn validate(&self) -> Result<(), SeedError> {
        let err = |path: String, message: String| Err(SeedError { path, message });
        for (i, u) in self.users.iter().enumerate() {
            if u.account_id.is_empty() {
                return err(format!("users[{i}].accountId"), "is empty".into());
            }
            if self.users[..i].iter().any(|o| o.account_id == u.account_id) {
                return err(format!("users[{i}].accountId"), "is used twice".into());
            }
        }
        for (i, p) in self.projects.iter().enumerate() {
            let at = |field: &str| format!("projects[{i}].{field}");
            if !valid_key(&p.key) {
                return err(
                    at("key"),
                    format!(
                        "{:?} is not upper-case letters and digits starting with a letter",
                        p.key
                    ),
                );
            }
            if !is_numeric(&p.id) {
                return err(at("id"), format!("{:?} is not a number", p.id));
            }
            let earlier = &self.projects[..i];
            if earlier.iter().any(|o| o.key == p.key || o.id == p.id) {
                return err(at("key"), "another project has this key or ID".into());
            }
            if self.user(&p.lead).is_none() {
                return err(
                    at("lead"),
                    format!("no user has the account ID {:?}", p.lead),
                );
            }
            if p.members.iter().flatten().any(String::is_empty) {
                return err(at("members"), "has an empty entry".into());
            }
            check_issue_types(&p.issue_types).map_err(|(f, m)| SeedError {
                path: at(&f),
                message: m,
            })?;
            check_workflow(&p.workflow).map_err(|(f, m)| SeedError {
                path: at(&format!("workflow.{f}")),
                message: m,
            })?;
        }
        Ok(())
    }

    /// The user with `account_id`.
    pub fn user(&self, account_id: &str) -> Option<&SeedUser> {
        self.users.iter().find(|u| u.account_id == account_id)
    }

    /// The project with `key` (exact) or numeric `id`.
    pub fn project(&self, key_or_id: &str) -> Option<&Project> {
        self.projects
            .iter()
            .find(|p| p.key == key_or_id || p.id == key_or_id)
    }
}

impl Project {
    /// The issue type with this ID or name (names case-insensitively).
    pub fn issue_type(&self, id: Option<&str>, name: Option<&str>) -> Option<&IssueType> {
        self.issue_types.iter().find(|t| {
            id.is_some_and(|id| t.id == id) || name.is_some_and(|n| t.name.eq_ignore_ascii_case(n))
        })
    }
}

impl Workflow {
    /// The status named `name`.
    pub fn status(&self, name: &str) -> Option<&Status> {
        self.statuses.iter().find(|s| s.name == name)
    }

    /// The transitions available from the status `current`, in workflow order.
    pub fn available(&self, current: &str) -> impl Iterator<Item = &Transition> {
        self.transitions.iter().filter(move |t| match &t.from {
            Some(from) => from.iter().any(|f| f == current),
            None => t.to != current,
        })
    }
}

fn valid_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn is_numeric(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

fn check_issue_types(types: &[IssueType]) -> Result<(), (String, String)> {
    if types.is_empty() {
        return Err(("issueTypes".into(), "needs at least one issue type".into()));
    }
    for (i, t) in types.iter().enumerate() {
        if !is_numeric(&t.id) || t.name.trim().is_empty() {
            return Err((
                format!("issueTypes[{i}]"),
                "needs a numeric id and a name".into(),
            ));
        }
        if types[..i]
            .iter()
            .any(|o| o.id == t.id || o.name.eq_ignore_ascii_case(&t.name))
        {
            return Err((
                format!("issueTypes[{i}]"),
                "another issue type has this ID or name".into(),
            ));
        }
    }
    Ok(())
}

fn check_workflow(w: &Workflow) -> Result<(), (String, String)> {
    if w.statuses.is_empty() {
        return Err(("statuses".into(), "needs at least one status".into()));
    }
    for (i, s) in w.statuses.iter().enumerate() {
        if !is_numeric(&s.id) || s.name.trim().is_empty() {
            return Err((
                format!("statuses[{i}]"),
                "needs a numeric id and a name".into(),
            ));
        }
        if !CATEGORIES.contains(&s.category.as_str()) {
            return Err((
                format!("statuses[{i}].category"),
                format!("{:?} is not one of new, indeterminate, done", s.category),
            ));
        }
        if w.statuses[..i]
            .iter()
            .any(|o| o.id == s.id || o.name == s.name)
        {
            return Err((
                format!("statuses[{i}]"),
                "another status has this ID or name".into(),
            ));
        }
    }
    for (i, t) in w.transitions.iter().enumerate() {
        let at = |f: &str| format!("transitions[{i}]{f}");
        if !is_numeric(&t.id) || w.transitions[..i].iter().any(|o| o.id == t.id) {
            return Err((at(".id"), format!("{:?} is not a number used once", t.id)));
        }
        if w.status(&t.to).is_none() {
            return Err((at(".to"), format!("no status is named {:?}", t.to)));
        }
        let unknown = t.from.iter().flatten().find(|f| w.status(f).is_none());
        if let Some(f) = unknown {
            return Err((at(".from"), format!("no status is named {f:?}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_seed_is_valid_and_has_abc_and_xyz() {
        let seed = Seed::default();
        seed.validate().unwrap();
        assert_eq!(seed.project("ABC").unwrap().id, "10000");
        assert_eq!(seed.project("10001").unwrap().key, "XYZ");
        let wf = &seed.projects[0].workflow;
        let from_todo: Vec<_> = wf.available("To Do").map(|t| t.id.as_str()).collect();
        assert_eq!(from_todo, ["21", "31"]);
    }

    #[test]
    fn a_bad_seed_names_the_offending_value() {
        let mut seed = Seed::default();
        seed.projects[1].lead = "nobody".into();
        assert_eq!(
            seed.validate().unwrap_err().to_string(),
            r#"projects[1].lead: no user has the account ID "nobody""#
        );
        let mut seed = Seed::default();
        seed.projects[0].workflow.transitions[2].to = "Closed".into();
        assert_eq!(
            seed.validate().unwrap_err().to_string(),
            r#"projects[0].workflow.transitions[2].to: no status is named "Closed""#
        );
        let mut seed = Seed::default();
        seed.projects[0].key = "abc".into();
        assert!(seed.validate().unwrap_err().path.ends_with("key"));
        assert!(
            Seed::parse(r#"{"users": [], "projects": [], "extra": 1}"#)
                .unwrap_err()
                .contains("extra")
        );
    }

    #[test]
    fn the_documented_example_parses() {
        let text = r#"{"users": [{"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "jr-mock user",
            "emailAddress": "user@example.com"}],
         "projects": [{"key": "ABC", "id": "10000", "name": "Alpha", "lead": "5b10ac8d82e05b22cc7d4ef5",
            "issueTypes": [{"id": "10001", "name": "Task"}],
            "workflow": {"statuses": [{"id": "1", "name": "To Do", "category": "new"},
                                      {"id": "10000", "name": "Done", "category": "done"}],
                         "transitions": [{"id": "31", "name": "Done", "to": "Done"}]}}]}"#;
        let seed = Seed::parse(text).unwrap();
        assert_eq!(seed.projects[0].workflow.available("To Do").count(), 1);
    }
}
