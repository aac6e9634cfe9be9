//! Worklogs on issues: add, list, get, update, delete, each with an
//! explicit `now` (ms since the UNIX epoch), and the events each fires:
//!
//! | change | events |
//! |---|---|
//! | add | `worklog_created` `{"webhookEvent", "worklog"}`, then `jira:issue_updated` (`issue_work_logged`) |
//! | update | `worklog_updated`, then `jira:issue_updated` (`issue_worklog_updated`) |
//! | delete | `worklog_deleted`, then `jira:issue_updated` (`issue_worklog_deleted`) |
//!
//! The `jira:issue_updated` carries a changelog with the `timespent` item
//! (the issue's total seconds, from and to) and the `WorklogId` item, as
//! Jira records them, and is kept in the issue's history. `worklog_*` are
//! not among the events a dynamic webhook can register
//! (docs/jira-semantics.md §3.1), so only the `jira:issue_updated` reaches
//! webhooks; the model still returns them, as Jira raises them.
//!
//! Checks ([SPEC] `Worklog`): `started` is required when adding, in Jira's
//! format `2021-01-17T12:34:00.000+0000`; exactly one of `timeSpent`
//! (`1w 2d 3h 4m`, a week being 5 days and a day 8 hours, Jira's default
//! time tracking; a bare number is minutes) and `timeSpentSeconds` (> 0)
//! is required when adding; `comment` is ADF. Worklog IDs start at 10000.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Actor, IssueError, IssueStore, Site, field_error, jira_time, render_actor};

/// Jira's 400 for a worklog without time ([INF], docs/jira-semantics.md §14).
pub const NO_TIME: &str = "You must indicate the time spent working.";
/// Jira's 400 for a `timeSpent` that does not parse ([INF]).
pub const BAD_DURATION: &str = "Invalid time duration entered.";
/// The 400 for a `started` not in Jira's format ([INF]).
pub const BAD_STARTED: &str =
    "Invalid date format. Please enter the date in the format \"yyyy-MM-dd'T'HH:mm:ss.SSSZ\".";

/// One worklog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Worklog {
    /// The numeric ID.
    pub id: u64,
    /// The issue it is on.
    pub issue_id: u64,
    /// Who logged it.
    pub author: Actor,
    /// Who changed it last.
    pub update_author: Actor,
    /// The comment (ADF), if any.
    pub comment: Option<Value>,
    /// When the work started, ms since the UNIX epoch.
    pub started_ms: i64,
    /// The time spent, seconds.
    pub time_spent_seconds: u64,
    /// Creation time, ms since the UNIX epoch.
    pub created_ms: i64,
    /// Last change, ms since the UNIX epoch.
    pub updated_ms: i64,
}

/// The 404 for a worklog that is not on the issue ([INF] text).
fn no_worklog(id: &str) -> IssueError {
    IssueError::Missing(format!("Cannot find worklog with id: {id}."))
}

/// `1w 2d 3h 4m` (or minutes alone) in seconds: Jira's default time
/// tracking (8-hour days, 5-day weeks). `None`: not a duration.
pub fn duration_seconds(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut parts = 0;
    for part in text.split_whitespace() {
        let (digits, unit) = match part.char_indices().last()? {
            (i, c) if c.is_ascii_alphabetic() => (&part[..i], c.to_ascii_lowercase()),
            _ => (part, 'm'),
        };
        let n: u64 = digits
            .parse()
            .ok()
            .filter(|_| digits.bytes().all(|b| b.is_ascii_digit()))?;
        let unit_s = match unit {
            'w' => 5 * 8 * 3600,
            'd' => 8 * 3600,
            'h' => 3600,
            'm' => 60,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit_s)?)?;
        parts += 1;
    }
    (parts > 0).then_some(total)
}

/// Seconds as Jira writes `timeSpent`: `1d 2h 30m` (8-hour days, 5-day weeks).
pub fn duration_text(seconds: u64) -> String {
    let mut rest = seconds / 60;
    let mut parts = Vec::new();
    for (unit, minutes) in [("w", 5 * 8 * 60), ("d", 8 * 60), ("h", 60), ("m", 1)] {
        if rest >= minutes {
            parts.push(format!("{}{unit}", rest / minutes));
            rest %= minutes;
        }
    }
    if parts.is_empty() {
        "0m".into()
    } else {
        parts.join(" ")
    }
}

/// `2021-01-17T12:34:00.000+0000` in ms since the UNIX epoch.
pub fn started_ms(text: &str) -> Option<i64> {
    jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%.f%z", text)
        .ok()
        .map(|t| t.as_millisecond())
}

/// What a request sets on a worklog (each absent when not sent).
#[derive(Debug, Clone, Default, PartialEq)]
struct Input {
    seconds: Option<u64>,
    started_ms: Option<i64>,
    comment: Option<Value>,
}

/// Reads a worklog body. Errors: [`IssueError::Fields`] with Jira's texts.
fn input(body: &Map<String, Value>) -> Result<Input, IssueError> {
    let text = body.get("timeSpent").filter(|v| !v.is_null());
    let secs = body.get("timeSpentSeconds").filter(|v| !v.is_null());
    let seconds = match (text, secs) {
        (Some(_), Some(_)) => {
            return Err(field_error(
                "timeLogged",
                "Provide either timeSpent or timeSpentSeconds, not both.",
            ));
        }
        (Some(t), None) => Some(
            t.as_str()
                .and_then(duration_seconds)
                .ok_or_else(|| field_error("timeLogged", BAD_DURATION))?,
        ),
        (None, Some(s)) => Some(
            s.as_u64()
                .ok_or_else(|| field_error("timeLogged", BAD_DURATION))?,
        ),
        (None, None) => None,
    };
    if seconds == Some(0) {
        return Err(field_error("timeLogged", NO_TIME));
    }
    let started_ms = match body.get("started").filter(|v| !v.is_null()) {
        Some(v) => Some(
            v.as_str()
                .and_then(started_ms)
                .ok_or_else(|| field_error("started", BAD_STARTED))?,
        ),
        None => None,
    };
    let comment = match body.get("comment").filter(|v| !v.is_null()) {
        Some(c) if c.get("type").and_then(Value::as_str) == Some("doc") => Some(c.clone()),
        Some(_) => {
            return Err(field_error(
                "comment",
                "Operation value must be an Atlassian Document (see the Atlassian Document Format)",
            ));
        }
        None => None,
    };
    Ok(Input {
        seconds,
        started_ms,
        comment,
    })
}

impl IssueStore {
    /// `getIssueWorklog`: the issue's worklogs, oldest first.
    /// Errors: [`IssueError::NotFound`].
    pub fn worklogs_of(&self, key_or_id: &str) -> Result<Vec<&Worklog>, IssueError> {
        let issue = self.id_of(key_or_id)?;
        Ok(self
            .worklogs
            .values()
            .filter(|w| w.issue_id == issue)
            .collect())
    }

    /// `getWorklog`. Errors: [`IssueError::NotFound`] for the issue,
    /// [`IssueError::Missing`] for a worklog not on it.
    pub fn worklog(&self, key_or_id: &str, worklog_id: &str) -> Result<&Worklog, IssueError> {
        let issue = self.id_of(key_or_id)?;
        worklog_id
            .parse::<u64>()
            .ok()
            .and_then(|id| self.worklogs.get(&id))
            .filter(|w| w.issue_id == issue)
            .ok_or_else(|| no_worklog(worklog_id))
    }

    fn time_spent(&self, issue_id: u64) -> u64 {
        self.worklogs
            .values()
            .filter(|w| w.issue_id == issue_id)
            .map(|w| w.time_spent_seconds)
            .sum()
    }

    /// `addWorklog` `{"timeSpent"|"timeSpentSeconds", "started", "comment"?}`:
    /// returns the worklog and its events.
    /// Errors: [`IssueError::NotFound`]; [`IssueError::Fields`] (nothing changed).
    pub fn add_worklog(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
        body: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<(Worklog, Vec<Value>), IssueError> {
        let issue_id = self.id_of(key_or_id)?;
        let given = input(body)?;
        let seconds = given
            .seconds
            .ok_or_else(|| field_error("timeLogged", NO_TIME))?;
        let started = given
            .started_ms
            .ok_or_else(|| field_error("started", BAD_STARTED))?;
        let worklog = Worklog {
            id: self.next_worklog_id,
            issue_id,
            author: actor.clone(),
            update_author: actor.clone(),
            comment: given.comment,
            started_ms: started,
            time_spent_seconds: seconds,
            created_ms: now_ms,
            updated_ms: now_ms,
        };
        let before = self.time_spent(issue_id);
        self.next_worklog_id += 1;
        self.worklogs.insert(worklog.id, worklog.clone());
        let events = self.worklog_events(
            site,
            actor,
            &worklog,
            ("worklog_created", "issue_work_logged"),
            before,
            now_ms,
        );
        Ok((worklog, events))
    }

    /// `updateWorklog`: sets what the body sends. Returns the worklog and
    /// its events. Errors: as [`IssueStore::worklog`]; [`IssueError::Fields`].
    pub fn update_worklog(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
        worklog_id: &str,
        body: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<(Worklog, Vec<Value>), IssueError> {
        let mut worklog = self.worklog(key_or_id, worklog_id)?.clone();
        let given = input(body)?;
        let before = self.time_spent(worklog.issue_id);
        if let Some(s) = given.seconds {
            worklog.time_spent_seconds = s;
        }
        if let Some(t) = given.started_ms {
            worklog.started_ms = t;
        }
        if given.comment.is_some() {
            worklog.comment = given.comment;
        }
        worklog.update_author = actor.clone();
        worklog.updated_ms = now_ms;
        self.worklogs.insert(worklog.id, worklog.clone());
        let names = ("worklog_updated", "issue_worklog_updated");
        let events = self.worklog_events(site, actor, &worklog, names, before, now_ms);
        Ok((worklog, events))
    }

    /// `deleteWorklog`: returns its events. Errors: as [`IssueStore::worklog`].
    pub fn delete_worklog(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
        worklog_id: &str,
        now_ms: i64,
    ) -> Result<Vec<Value>, IssueError> {
        let id = self.worklog(key_or_id, worklog_id)?.id;
        let Some(worklog) = self.worklogs.get(&id).cloned() else {
            return Err(no_worklog(worklog_id));
        };
        let before = self.time_spent(worklog.issue_id);
        self.worklogs.remove(&id);
        let names = ("worklog_deleted", "issue_worklog_deleted");
        Ok(self.worklog_events(site, actor, &worklog, names, before, now_ms))
    }

    /// The worklog event `names.0` and the `jira:issue_updated` (type
    /// `names.1`) with the `timespent` (from `before` seconds to now) and
    /// `WorklogId` items, recorded in the issue's history.
    fn worklog_events(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        worklog: &Worklog,
        names: (&str, &str),
        before: u64,
        now_ms: i64,
    ) -> Vec<Value> {
        let after = self.time_spent(worklog.issue_id);
        let shown = render_worklog(site.base, worklog);
        let first = json!({"webhookEvent": names.0, "worklog": shown});
        let Some(issue) = self.issues.get(&worklog.issue_id).cloned() else {
            return vec![first];
        };
        let seconds = |s: u64| (s > 0).then(|| s.to_string());
        let id = worklog.id.to_string();
        let item = |field: &str, from: Option<String>, to: Option<String>| {
            json!({"field": field, "fieldtype": "jira", "fieldId": field.to_lowercase(),
                "from": from, "fromString": from, "to": to, "toString": to})
        };
        let (from_id, to_id) = if names.0 == "worklog_deleted" {
            (Some(id), None)
        } else {
            (None, Some(id))
        };
        let mut items = Vec::new();
        if before != after {
            items.push(item("timespent", seconds(before), seconds(after)));
        }
        items.push(item("WorklogId", from_id, to_id));
        vec![
            first,
            self.commit_change(site, actor, issue, items, names.1, now_ms),
        ]
    }

    /// Removes the worklogs of the issue `issue_id` (being deleted).
    pub(super) fn drop_worklogs(&mut self, issue_id: u64) {
        self.worklogs.retain(|_, w| w.issue_id != issue_id);
    }
}

/// A worklog as `getWorklog` answers it: `{"self", "author",
/// "updateAuthor", "comment"?, "created", "updated", "started",
/// "timeSpent", "timeSpentSeconds", "id", "issueId"}`.
pub fn render_worklog(base: &str, w: &Worklog) -> Value {
    let mut v = json!({"self": format!("{base}/rest/api/3/issue/{}/worklog/{}", w.issue_id, w.id),
        "author": render_actor(&w.author, base), "updateAuthor": render_actor(&w.update_author, base),
        "created": jira_time(w.created_ms), "updated": jira_time(w.updated_ms),
        "started": jira_time(w.started_ms), "timeSpent": duration_text(w.time_spent_seconds),
        "timeSpentSeconds": w.time_spent_seconds, "id": w.id.to_string(),
        "issueId": w.issue_id.to_string()});
    if let Some(c) = &w.comment {
        v["comment"] = c.clone();
    }
    v
}
