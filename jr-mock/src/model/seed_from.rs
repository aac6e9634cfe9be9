//! `jr-mock --seed-from DIR`: the site's starting state built from
//! recorded `GET` answers (`jr --record DIR`, format `jr-recording/1`),
//! so a developer's own site shape becomes jr-mock's: the same [`Seed`]
//! value `--seed FILE` gives, plus the recorded issues.
//!
//! What is taken, from recordings of `GET` answered 200 with a JSON body,
//! in recorded order (`time`; a later answer about the same user, project
//! or issue replaces an earlier one):
//!
//! - **users**: `getUser`, `getCurrentUser`, and every array answer of a
//!   user search (`findUsers`, `findAssignableUsers`, `findUsersForPicker`'s
//!   `users`, …: any operationId starting with `findUser` or
//!   `findAssignable`, `getAllUsers`, `getAllUsersDefault`); also each
//!   project's lead and each issue's reporter and assignee. The default
//!   seed's user (the default identities' account) is always kept, so the
//!   default credentials still name a user of the site.
//! - **projects**: `getProject`, `searchProjects` (`values`),
//!   `getAllProjects` (an array), and the `project` field of each recorded
//!   issue: key, id, name, lead (the default user when none is recorded),
//!   issue types (the recorded `issueTypes`, else those of the recorded
//!   issues, else the default Task, Bug and Story).
//! - **workflow** of each project: the statuses of its recorded issues and
//!   of the targets of recorded `getTransitions` answers for its issues
//!   (the project is the key's prefix in the request path; an issue named
//!   by ID lends its transitions to every project), first seen first; the
//!   recorded transitions, each global (from every other status); a status
//!   no recorded transition reaches gets a global transition named after
//!   it. A project with no recorded status keeps the default seed's
//!   simplified workflow (To Do, In Progress, Done). A new issue starts in
//!   the first status.
//! - **issues**: `getIssue` and the `issues` of `searchAndReconsileIssuesUsingJql`,
//!   `searchAndReconsileIssuesUsingJqlPost` and `searchForIssuesUsingJql(Post)`
//!   answers that carry `fields` (an entry without `summary` is skipped):
//!   id, key, summary, description, labels, status, issue type, reporter,
//!   assignee, `created`, `updated` (the start time when absent), and
//!   `environment`, `duedate`, `priority` and `customfield_*` as recorded.
//!
//! With no project recorded, the default seed's projects stay.
//! `POST /_mock/reset` clears the seeded issues like every other.

use std::collections::BTreeMap;

use jr_core::recording::{Body, Recording};
use serde_json::{Map, Value};

use super::issues::{Actor, Issue, IssueStore};
use super::seed::{IssueType, Project, Seed, SeedUser, Status, Transition, Workflow};

/// The seed and the issues recorded answers describe.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedFrom {
    /// Users and projects (what `--seed FILE` gives).
    pub seed: Seed,
    /// The issues, by ascending ID.
    pub issues: Vec<Issue>,
}

impl SeedFrom {
    /// Puts the issues into `store`; issues created later get the next ID
    /// and the next number of their project.
    pub fn install_issues(&self, store: &mut IssueStore) {
        for issue in &self.issues {
            store.next_id = store.next_id.max(issue.id + 1);
            let number = issue
                .key
                .rsplit_once('-')
                .and_then(|(_, n)| n.parse::<u64>().ok());
            if let Some(number) = number {
                let last = store.last_number.entry(issue.project.clone()).or_insert(0);
                *last = (*last).max(number);
            }
            store.issues.insert(issue.id, issue.clone());
        }
    }
}

/// The operations whose array answers (or `users` member) list users.
fn lists_users(operation_id: &str) -> bool {
    operation_id.starts_with("findUser")
        || operation_id.starts_with("findAssignable")
        || matches!(operation_id, "getAllUsers" | "getAllUsersDefault")
}

const ISSUE_SEARCHES: [&str; 4] = [
    "searchAndReconsileIssuesUsingJql",
    "searchAndReconsileIssuesUsingJqlPost",
    "searchForIssuesUsingJql",
    "searchForIssuesUsingJqlPost",
];

/// Builds the state from `recordings` (any order); `now_ms` stamps issues
/// recorded without `created`/`updated`. See the module docs for the rules.
pub fn from_recordings(recordings: &[Recording], now_ms: i64) -> SeedFrom {
    let mut sorted: Vec<&Recording> = recordings.iter().collect();
    sorted.sort_by_key(|r| r.time);
    let mut found = Found::default();
    for rec in sorted {
        let (Some(op), Some(Body::Json(body))) = (&rec.operation_id, &rec.response.body) else {
            continue;
        };
        let searched = rec.request.method == "POST" && op.ends_with("Post");
        if (rec.request.method != "GET" && !searched) || rec.response.status != 200 {
            continue;
        }
        found.take(op, body, &rec.request.path, now_ms);
    }
    found.finish()
}

/// What the answers held, before it is made consistent.
#[derive(Default)]
struct Found {
    users: BTreeMap<String, SeedUser>,
    projects: BTreeMap<String, Project>,
    /// Project key → (transitions, their target statuses), from getTransitions.
    transitions: BTreeMap<String, (Vec<Transition>, Vec<Status>)>,
    issues: BTreeMap<String, (Issue, Option<Status>)>,
}

impl Found {
    fn take(&mut self, op: &str, body: &Value, path: &str, now_ms: i64) {
        match op {
            "getUser" | "getCurrentUser" => self.user(body),
            "getProject" => self.project(body),
            "searchProjects" => each(&body["values"], |p| self.project(p)),
            "getAllProjects" => each(body, |p| self.project(p)),
            "getIssue" => self.issue(body, now_ms),
            "getTransitions" => self.transitions_of(body, path),
            _ if ISSUE_SEARCHES.contains(&op) => each(&body["issues"], |i| self.issue(i, now_ms)),
            _ if lists_users(op) => {
                each(body, |u| self.user(u));
                each(&body["users"], |u| self.user(u));
            }
            _ => {}
        }
    }

    /// A user object (`accountId`, `displayName`, `emailAddress`); its account ID.
    fn user(&mut self, user: &Value) {
        let (Some(id), Some(name)) = (text(&user["accountId"]), text(&user["displayName"])) else {
            return;
        };
        self.users.insert(
            id.clone(),
            SeedUser {
                account_id: id,
                display_name: name,
                email_address: text(&user["emailAddress"]),
                // Present when the user was read with `expand=groups`.
                groups: user["groups"]["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|group| text(&group["name"]))
                    .collect(),
            },
        );
    }

    fn project(&mut self, p: &Value) {
        let (Some(key), Some(id)) = (text(&p["key"]), text(&p["id"])) else {
            return;
        };
        self.user(&p["lead"]);
        let issue_types: Vec<IssueType> = p["issueTypes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(issue_type)
            .collect();
        let earlier = self.projects.remove(&key);
        let project = Project {
            name: text(&p["name"]).unwrap_or_else(|| key.clone()),
            lead: text(&p["lead"]["accountId"])
                .or_else(|| earlier.as_ref().map(|e| e.lead.clone()))
                .unwrap_or_default(),
            issue_types: match (issue_types.is_empty(), earlier) {
                (true, Some(e)) => e.issue_types,
                _ => issue_types,
            },
            workflow: Workflow {
                statuses: Vec::new(),
                transitions: Vec::new(),
            },
            key: key.clone(),
            id,
            // A recording does not say who may see a project: everyone may.
            members: None,
            roles: Default::default(),
        };
        self.projects.insert(key, project);
    }

    /// A `getTransitions` answer (`transitions[].{id, name, to}`) for the
    /// issue in `path` (`/rest/api/3/issue/{key}/transitions`), kept under
    /// the key's project ("" when the path names the issue by ID).
    fn transitions_of(&mut self, body: &Value, path: &str) {
        let issue = path.split('/').rev().nth(1).unwrap_or_default();
        let project = issue
            .rsplit_once('-')
            .map_or(String::new(), |(p, _)| p.to_owned());
        let (transitions, statuses) = self.transitions.entry(project).or_default();
        for t in body["transitions"].as_array().into_iter().flatten() {
            let (Some(id), Some(name), Some(to)) =
                (text(&t["id"]), text(&t["name"]), status(&t["to"]))
            else {
                continue;
            };
            transitions.push(Transition {
                id,
                name,
                from: None,
                to: to.name.clone(),
            });
            statuses.push(to);
        }
    }

    fn issue(&mut self, i: &Value, now_ms: i64) {
        let fields = &i["fields"];
        let (Some(key), Some(id), Some(summary)) = (
            text(&i["key"]),
            text(&i["id"]).and_then(|id| id.parse::<u64>().ok()),
            text(&fields["summary"]),
        ) else {
            return;
        };
        let Some(project_key) = text(&fields["project"]["key"])
            .or_else(|| key.rsplit_once('-').map(|(p, _)| p.to_owned()))
        else {
            return;
        };
        if !self.projects.contains_key(&project_key) {
            self.project(&with_key(&fields["project"], &project_key));
        }
        let issue_type = issue_type(&fields["issuetype"]);
        if let (Some(t), Some(project)) = (&issue_type, self.projects.get_mut(&project_key))
            && !project.issue_types.iter().any(|known| known.id == t.id)
        {
            project.issue_types.push(t.clone());
        }
        for who in ["reporter", "assignee"] {
            self.user(&fields[who]);
        }
        let status = status(&fields["status"]);
        let reporter = actor(&fields["reporter"]).unwrap_or_else(default_actor);
        let created = time(&fields["created"]).unwrap_or(now_ms);
        let issue = Issue {
            id,
            key: key.clone(),
            project: project_key,
            issue_type: issue_type.map(|t| t.id).unwrap_or_default(),
            summary,
            description: Some(fields["description"].clone()).filter(|d| d.is_object()),
            labels: fields["labels"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(text)
                .collect(),
            status: status.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
            reporter,
            assignee: text(&fields["assignee"]["accountId"]),
            created_ms: created,
            updated_ms: time(&fields["updated"]).unwrap_or(created),
            other: kept_as_recorded(fields),
            parent: text(&fields["parent"]["id"]).and_then(|id| id.parse().ok()),
        };
        self.issues.insert(key, (issue, status));
    }

    fn finish(mut self) -> SeedFrom {
        let default = Seed::default();
        for user in &default.users {
            self.users
                .entry(user.account_id.clone())
                .or_insert_with(|| user.clone());
        }
        let lead = default.users[0].account_id.clone();
        let anywhere = self.transitions.remove("").unwrap_or_default();
        let issues = std::mem::take(&mut self.issues);
        for project in self.projects.values_mut() {
            if !self.users.contains_key(&project.lead) {
                project.lead.clone_from(&lead);
            }
            if project.issue_types.is_empty() {
                project.issue_types = default.projects[0].issue_types.clone();
            }
            let (mut transitions, mut targets) =
                self.transitions.remove(&project.key).unwrap_or_default();
            transitions.extend(anywhere.0.iter().cloned());
            targets.extend(anywhere.1.iter().cloned());
            let statuses: Vec<Status> = issues
                .values()
                .filter(|(i, _)| i.project == project.key)
                .filter_map(|(_, s)| s.clone())
                .chain(targets)
                .collect();
            project.workflow = match statuses.is_empty() {
                true => default.projects[0].workflow.clone(),
                false => workflow(statuses, transitions),
            };
        }
        let mut issues: Vec<Issue> = issues
            .into_values()
            .map(|(mut issue, _)| {
                if let Some(project) = self.projects.get(&issue.project) {
                    if issue.status.is_empty() {
                        issue.status.clone_from(&project.workflow.statuses[0].name);
                    }
                    if issue.issue_type.is_empty() {
                        issue.issue_type.clone_from(&project.issue_types[0].id);
                    }
                }
                issue
            })
            .collect();
        issues.sort_by_key(|i| i.id);
        let projects: Vec<Project> = self.projects.into_values().collect();
        SeedFrom {
            seed: Seed {
                users: self.users.into_values().collect(),
                projects: match projects.is_empty() {
                    true => default.projects,
                    false => projects,
                },
            },
            issues,
        }
    }
}

/// The workflow over the `seen` statuses (duplicates dropped, first seen
/// first) with the `recorded` transitions (duplicate IDs dropped), plus a
/// global transition to each status none of them reaches.
fn workflow(seen: Vec<Status>, recorded: Vec<Transition>) -> Workflow {
    let mut statuses: Vec<Status> = Vec::new();
    for status in seen {
        if !statuses.iter().any(|known| known.name == status.name) {
            statuses.push(status);
        }
    }
    let mut transitions: Vec<Transition> = Vec::new();
    for t in recorded {
        if !transitions.iter().any(|known| known.id == t.id) {
            transitions.push(t);
        }
    }
    let mut next_id = 1000;
    for status in &statuses {
        if transitions.iter().any(|t| t.to == status.name) {
            continue;
        }
        while transitions.iter().any(|t| t.id == next_id.to_string()) {
            next_id += 1;
        }
        transitions.push(Transition {
            id: next_id.to_string(),
            name: status.name.clone(),
            from: None,
            to: status.name.clone(),
        });
    }
    Workflow {
        statuses,
        transitions,
    }
}

fn each(list: &Value, mut f: impl FnMut(&Value)) {
    for item in list.as_array().into_iter().flatten() {
        f(item);
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn with_key(project: &Value, key: &str) -> Value {
    let mut p = project.as_object().cloned().unwrap_or_default();
    p.insert("key".into(), key.into());
    if !p.contains_key("id") {
        p.insert("id".into(), "10000".into());
    }
    Value::Object(p)
}

fn issue_type(t: &Value) -> Option<IssueType> {
    Some(IssueType {
        id: text(&t["id"])?,
        name: text(&t["name"])?,
        subtask: t["subtask"].as_bool().unwrap_or(false),
    })
}

/// A status object (`id`, `name`, `statusCategory.key`).
fn status(s: &Value) -> Option<Status> {
    let category = match s["statusCategory"]["key"].as_str() {
        Some(key @ ("new" | "indeterminate" | "done")) => key.to_owned(),
        _ => "indeterminate".to_owned(),
    };
    Some(Status {
        id: text(&s["id"])?,
        name: text(&s["name"])?,
        category,
    })
}

fn actor(user: &Value) -> Option<Actor> {
    Some(Actor {
        account_id: text(&user["accountId"])?,
        display_name: text(&user["displayName"]).unwrap_or_default(),
        account_type: text(&user["accountType"]).unwrap_or_else(|| "atlassian".into()),
    })
}

fn default_actor() -> Actor {
    Actor {
        account_id: super::apps::DEFAULT_ACCOUNT_ID.into(),
        display_name: super::apps::DEFAULT_DISPLAY_NAME.into(),
        account_type: "atlassian".into(),
    }
}

/// Jira's `2026-12-01T10:00:00.000+0000` (or RFC 3339) in ms since the epoch.
fn time(v: &Value) -> Option<i64> {
    let text = v.as_str()?;
    let parsed = jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%.f%z", text)
        .ok()
        .or_else(|| text.parse::<jiff::Timestamp>().ok())?;
    Some(parsed.as_millisecond())
}

/// The fields an issue keeps as sent (see [`Issue::other`]).
fn kept_as_recorded(fields: &Value) -> Map<String, Value> {
    fields
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| {
            !v.is_null()
                && (k.starts_with("customfield_")
                    || matches!(k.as_str(), "environment" | "duedate" | "priority"))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jr_core::recording::{Base, FORMAT, Request, Response};
    use serde_json::json;

    fn recorded(op: &str, time: i64, body: Value) -> Recording {
        Recording {
            format: FORMAT.into(),
            time,
            operation_id: Some(op.into()),
            base: Base {
                url: "https://your-domain.atlassian.net".into(),
                cloud_id: None,
            },
            request: Request {
                method: "GET".into(),
                path: "/rest/api/3/x".into(),
                query: Vec::new(),
                headers: Vec::new(),
                body: None,
            },
            response: Response {
                status: 200,
                headers: Vec::new(),
                body: Some(Body::Json(body)),
            },
            pseudonymised: false,
        }
    }

    fn issue(key: &str, summary: &str, status: &str) -> Value {
        json!({"id": "20001", "key": key, "fields": {
            "summary": summary, "labels": ["x"],
            "project": {"id": "30000", "key": "SHOP", "name": "Shop"},
            "issuetype": {"id": "10100", "name": "Feature"},
            "status": {"id": "7", "name": status, "statusCategory": {"key": "indeterminate"}},
            "reporter": {"accountId": "acc-1", "displayName": "Ann"},
            "created": "2026-12-01T10:00:00.000+0000", "customfield_10010": 3}})
    }

    #[test]
    fn recorded_projects_users_and_issues_make_a_valid_seed() {
        let from = from_recordings(
            &[
                recorded("getIssue", 2, issue("SHOP-7", "Later", "Review")),
                recorded("getIssue", 1, issue("SHOP-7", "Earlier", "Review")),
                recorded(
                    "getProject",
                    1,
                    json!({"id": "30000", "key": "SHOP", "name": "Shop",
                    "lead": {"accountId": "acc-2", "displayName": "Bo"}}),
                ),
                recorded(
                    "findUsers",
                    1,
                    json!([{"accountId": "acc-3", "displayName": "Cy"}]),
                ),
            ],
            5,
        );
        from.seed.validate().unwrap();
        let ids: Vec<&str> = from
            .seed
            .users
            .iter()
            .map(|u| u.account_id.as_str())
            .collect();
        assert!(ids.contains(&"acc-1") && ids.contains(&"acc-2") && ids.contains(&"acc-3"));
        let shop = from.seed.project("SHOP").unwrap();
        assert_eq!((shop.id.as_str(), shop.lead.as_str()), ("30000", "acc-2"));
        assert_eq!(shop.issue_types[0].name, "Feature");
        assert_eq!(shop.workflow.statuses[0].name, "Review");
        let [issue] = from.issues.as_slice() else {
            panic!("{:?}", from.issues);
        };
        assert_eq!(
            (issue.key.as_str(), issue.summary.as_str()),
            ("SHOP-7", "Later")
        );
        assert_eq!(issue.created_ms, 1_796_119_200_000);
        assert_eq!(issue.other["customfield_10010"], 3);
    }

    #[test]
    fn recorded_transitions_join_their_project_and_every_status_is_reachable() {
        let mut transitions = recorded(
            "getTransitions",
            3,
            json!({"transitions": [{"id": "51", "name": "Ship",
                "to": {"id": "8", "name": "Shipped", "statusCategory": {"key": "done"}}}]}),
        );
        transitions.request.path = "/rest/api/3/issue/SHOP-7/transitions".into();
        let from = from_recordings(
            &[
                recorded("getIssue", 1, issue("SHOP-7", "A", "Review")),
                transitions,
            ],
            0,
        );
        from.seed.validate().unwrap();
        let flow = &from.seed.project("SHOP").unwrap().workflow;
        let statuses: Vec<&str> = flow.statuses.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(statuses, ["Review", "Shipped"]);
        let moves: Vec<(&str, &str)> = flow
            .transitions
            .iter()
            .map(|t| (t.id.as_str(), t.to.as_str()))
            .collect();
        assert_eq!(moves, [("51", "Shipped"), ("1000", "Review")]);
    }

    #[test]
    fn nothing_recorded_keeps_the_default_seed() {
        let from = from_recordings(&[], 0);
        assert_eq!(from.seed, Seed::default());
        assert!(from.issues.is_empty());
    }
}
