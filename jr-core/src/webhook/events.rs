//! Realistic payloads for the 20 dynamic-webhook events, as Jira delivers
//! them, for `jr webhook trigger` to hand to a jr-mock.
//!
//! Shapes (docs/jira-semantics.md §8.2): every payload has `timestamp`
//! (milliseconds since the UNIX epoch) and `webhookEvent`; issue events carry
//! `issue` in the shape GET issue returns without `expand`, `user`,
//! `issue_event_type_name` and, for updates, `changelog.items` of
//! `{field, fieldtype, fieldId, from, fromString, to, toString}`; comment
//! events carry `comment` and the issue; `issue_property_*` carry `property`;
//! `sprint_*` carry `sprint`; `jira:version_*` carry `version`. The fake adds
//! `matchedWebhookIds` when it delivers.
//!
//! Source: the spec's `WebhookDetails.events` enum for the names; Atlassian's
//! "Webhooks" page (developer.atlassian.com/cloud/jira/platform/webhooks) for
//! the payload shapes.

use serde_json::{Value, json};

/// The events a dynamic webhook may subscribe to: the spec's
/// `WebhookDetails.events` enum, in its order.
pub const EVENTS: [&str; 20] = [
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "comment_created",
    "comment_updated",
    "comment_deleted",
    "issue_property_set",
    "issue_property_deleted",
    "sprint_created",
    "sprint_updated",
    "sprint_closed",
    "sprint_deleted",
    "sprint_started",
    "jira:version_released",
    "jira:version_unreleased",
    "jira:version_created",
    "jira:version_moved",
    "jira:version_updated",
    "jira:version_merged",
    "jira:version_deleted",
];

/// One changelog item asked for on the command line (`FIELD:FROM:TO`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The field's name (`status`, `summary`, `assignee`).
    pub field: String,
    /// The value before, as text.
    pub from: String,
    /// The value after, as text.
    pub to: String,
}

impl Change {
    /// Reads `FIELD:FROM:TO`; `TO` may itself contain `:`.
    /// Errors: a message naming the value when it has fewer than three parts.
    pub fn parse(text: &str) -> Result<Change, String> {
        let mut parts = text.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(field), Some(from), Some(to)) if !field.is_empty() => Ok(Change {
                field: field.to_owned(),
                from: from.to_owned(),
                to: to.to_owned(),
            }),
            _ => Err(format!(
                "--changelog {text:?} is not FIELD:FROM:TO (for example status:To Do:Done)"
            )),
        }
    }
}

/// What the payload is about; every field has a default.
#[derive(Debug, Clone)]
pub struct Subject {
    /// The issue key (`ABC-1`).
    pub issue: String,
    /// The project key; by default the issue key's prefix.
    pub project: Option<String>,
    /// The issue type's name (`Task`).
    pub issuetype: String,
    /// The status's name (`To Do`).
    pub status: String,
    /// Changelog items for `jira:issue_updated`.
    pub changelog: Vec<Change>,
    /// The comment's text, for comment events.
    pub comment: String,
    /// The account ID of the user who made the change.
    pub user: String,
}

impl Default for Subject {
    fn default() -> Subject {
        Subject {
            issue: "ABC-1".into(),
            project: None,
            issuetype: "Task".into(),
            status: "To Do".into(),
            changelog: Vec::new(),
            comment: "A comment from jr webhook trigger".into(),
            user: "5b10ac8d82e05b22cc7d4ef5".into(),
        }
    }
}

/// The payload of `event` about `subject` at `now_ms` (milliseconds since the
/// UNIX epoch). Errors: the event is not one of [`EVENTS`] (the message lists them).
pub fn payload(event: &str, subject: &Subject, now_ms: i64) -> Result<Value, String> {
    if !EVENTS.contains(&event) {
        return Err(format!(
            "unknown webhook event {event:?}; the events are: {}",
            EVENTS.join(", ")
        ));
    }
    let mut body = json!({"timestamp": now_ms, "webhookEvent": event});
    let extra = match event.split_once(':').map_or(event, |(_, name)| name) {
        name if name.starts_with("issue_property_") => property_event(event, subject, now_ms),
        name if name.starts_with("issue_") => issue_event(event, subject, now_ms),
        name if name.starts_with("comment_") => comment_event(event, subject, now_ms),
        name if name.starts_with("sprint_") => json!({"sprint": sprint(event, now_ms)}),
        _ => json!({"version": version(event, subject)}),
    };
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    Ok(body)
}

fn issue_event(event: &str, subject: &Subject, now_ms: i64) -> Value {
    let type_name = match event {
        "jira:issue_created" => "issue_created",
        "jira:issue_deleted" => "issue_deleted",
        _ if subject.changelog.iter().any(|c| c.field == "status") => "issue_generic",
        _ => "issue_updated",
    };
    let mut value = json!({
        "issue_event_type_name": type_name,
        "user": user(&subject.user),
        "issue": issue(subject, now_ms),
    });
    if event == "jira:issue_updated" {
        let items: Vec<Value> = subject.changelog.iter().map(change_item).collect();
        value["changelog"] = json!({"id": "10100", "items": items});
    }
    value
}

fn comment_event(event: &str, subject: &Subject, now_ms: i64) -> Value {
    let mut value = json!({
        "comment": comment(subject, now_ms),
        "issue": issue(subject, now_ms),
    });
    if event != "comment_deleted" {
        value["issue_event_type_name"] = json!(if event == "comment_created" {
            "issue_commented"
        } else {
            "issue_comment_edited"
        });
    }
    value
}

fn property_event(event: &str, subject: &Subject, now_ms: i64) -> Value {
    let mut property = json!({"key": "com.example.app.state"});
    if event == "issue_property_set" {
        property["value"] = json!({"synced": true});
    }
    json!({"property": property, "issue": issue(subject, now_ms), "user": user(&subject.user)})
}

fn project_key(subject: &Subject) -> String {
    subject.project.clone().unwrap_or_else(|| {
        let prefix = subject.issue.split('-').next().unwrap_or_default();
        if prefix.is_empty() || prefix.chars().all(|c| c.is_ascii_digit()) {
            "ABC".into()
        } else {
            prefix.to_owned()
        }
    })
}

/// Jira's timestamp form: `2026-12-01T17:33:02.000+0000`.
fn jira_time(now_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(now_ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string())
        .unwrap_or_default()
}

fn issue(subject: &Subject, now_ms: i64) -> Value {
    let project = project_key(subject);
    // The issue as it is after the change: a status change shows its new status.
    let status = subject
        .changelog
        .iter()
        .rev()
        .find(|c| c.field == "status")
        .map_or(subject.status.as_str(), |c| c.to.as_str());
    let number = subject.issue.rsplit('-').next().unwrap_or("1");
    let id = format!(
        "1{:0>4}",
        number
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
    );
    let site = "https://your-domain.atlassian.net/rest/api/3";
    json!({
        "id": id,
        "self": format!("{site}/issue/{id}"),
        "key": subject.issue,
        "fields": {
            "summary": format!("{} from jr webhook trigger", subject.issuetype),
            "issuetype": {"id": "10001", "name": subject.issuetype, "subtask": false,
                          "self": format!("{site}/issuetype/10001")},
            "project": {"id": "10000", "key": project, "name": format!("Project {project}"),
                        "projectTypeKey": "software", "self": format!("{site}/project/10000")},
            "status": {"id": "10000", "name": status,
                       "statusCategory": {"id": 2, "key": "new", "name": "To Do"}},
            "priority": {"id": "3", "name": "Medium"},
            "labels": [],
            "assignee": null,
            "reporter": user(&subject.user),
            "created": jira_time(now_ms),
            "updated": jira_time(now_ms),
        }
    })
}

fn user(account_id: &str) -> Value {
    json!({
        "accountId": account_id,
        "accountType": "atlassian",
        "displayName": "Jira User",
        "active": true,
        "timeZone": "UTC",
    })
}

fn comment(subject: &Subject, now_ms: i64) -> Value {
    json!({
        "id": "10000",
        "author": user(&subject.user),
        "body": subject.comment,
        "updateAuthor": user(&subject.user),
        "created": jira_time(now_ms),
        "updated": jira_time(now_ms),
        "jsdPublic": true,
    })
}

fn change_item(change: &Change) -> Value {
    json!({
        "field": change.field,
        "fieldtype": "jira",
        "fieldId": change.field,
        "from": null,
        "fromString": change.from,
        "to": null,
        "toString": change.to,
    })
}

fn sprint(event: &str, now_ms: i64) -> Value {
    let state = match event {
        "sprint_started" => "active",
        "sprint_closed" => "closed",
        _ => "future",
    };
    json!({
        "id": 1,
        "self": "https://your-domain.atlassian.net/rest/agile/1.0/sprint/1",
        "state": state,
        "name": "Sprint 1",
        "startDate": jira_time(now_ms),
        "endDate": jira_time(now_ms + 14 * 86_400_000),
        "originBoardId": 1,
        "goal": "",
    })
}

fn version(event: &str, subject: &Subject) -> Value {
    let released = event == "jira:version_released";
    json!({
        "self": "https://your-domain.atlassian.net/rest/api/3/version/10000",
        "id": "10000",
        "description": "",
        "name": "1.0",
        "archived": false,
        "released": released,
        "overdue": false,
        "projectId": 10000,
        "project": project_key(subject),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_610_382_000;

    #[test]
    fn every_event_has_a_payload_of_its_kind() {
        for event in EVENTS {
            let body = payload(event, &Subject::default(), NOW).unwrap();
            assert_eq!(body["webhookEvent"], event);
            assert_eq!(body["timestamp"], NOW);
            let key = if event.contains("property") {
                "property"
            } else if event.starts_with("comment") {
                "comment"
            } else if event.starts_with("sprint") {
                "sprint"
            } else if event.contains("version") {
                "version"
            } else {
                "issue"
            };
            assert!(body.get(key).is_some(), "{event}: {body}");
        }
    }

    #[test]
    fn an_update_carries_its_changelog_and_a_status_change_is_generic() {
        let subject = Subject {
            changelog: vec![Change::parse("status:To Do:In Progress").unwrap()],
            ..Subject::default()
        };
        let body = payload("jira:issue_updated", &subject, NOW).unwrap();
        assert_eq!(body["issue_event_type_name"], "issue_generic");
        assert_eq!(body["changelog"]["items"][0]["toString"], "In Progress");
        assert_eq!(body["issue"]["fields"]["status"]["name"], "In Progress");
        assert_eq!(body["issue"]["fields"]["project"]["key"], "ABC");
        assert_eq!(
            body["issue"]["fields"]["created"],
            "2025-12-01T17:33:02.000+0000"
        );
    }

    #[test]
    fn an_unknown_event_is_refused_naming_the_valid_ones() {
        let err = payload("jira:issue_create", &Subject::default(), NOW).unwrap_err();
        assert!(
            err.contains("jira:issue_created") && err.contains("sprint_started"),
            "{err}"
        );
        assert!(Change::parse("status").is_err());
    }
}
