//! Comments on issues: add, list, get, update, delete, each with an
//! explicit `now` (ms since the UNIX epoch), and the events each fires
//! (docs/jira-semantics.md §8.2):
//!
//! | change | events |
//! |---|---|
//! | add | `comment_created`, then `jira:issue_updated` (`issue_commented`) carrying the comment |
//! | update | `comment_updated` |
//! | delete | `comment_deleted` |
//! | delete the issue | one `comment_deleted` per comment, sent as the `Secondary` flow |
//!
//! Comment events are `{"webhookEvent", "comment", "issue"}` (the model
//! adds `issue_event_type_name` as for `/_mock/events`). Comment IDs start
//! at 10000 and are never reused.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Actor, IssueError, IssueStore, Site, field_error, jira_time, render_actor};
use crate::model::seed::Seed;

/// Jira's 400 text for a comment without a body.
pub const EMPTY_BODY: &str = "Comment body can not be empty!";

/// One comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Comment {
    /// The numeric ID.
    pub id: u64,
    /// The issue it is on.
    pub issue_id: u64,
    /// Who wrote it.
    pub author: Actor,
    /// Who changed it last.
    pub update_author: Actor,
    /// The body (ADF).
    pub body: Value,
    /// Creation time, ms since the UNIX epoch.
    pub created_ms: i64,
    /// Last change, ms since the UNIX epoch.
    pub updated_ms: i64,
    /// Who may see it; `None`: everyone who sees the issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

/// A comment's restriction: `{"type": "group"|"role", "value": name}`.
/// A group's members are the seed users listing it in `groups`; a role's,
/// the account IDs and app keys its project lists under `roles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visibility {
    /// `group` or `role`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The group's or the project role's name.
    pub value: String,
}

impl Visibility {
    /// Reads a request's `visibility` (absent or null: none).
    /// Errors: [`IssueError::Fields`] `commentLevel` for another shape or type.
    pub fn parse(v: Option<&Value>) -> Result<Option<Self>, IssueError> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let text = |name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned);
        match (text("type"), text("value")) {
            (Some(kind), Some(value)) if matches!(kind.as_str(), "group" | "role") => {
                Ok(Some(Visibility { kind, value }))
            }
            _ => Err(field_error(
                "commentLevel",
                "The visibility must be {\"type\": \"group\" or \"role\", \"value\": name}.",
            )),
        }
    }

    /// Whether a caller known by `ids` (account IDs, app keys) is in the
    /// group or in the role of the project `project_key`.
    pub fn admits(&self, seed: &Seed, project_key: &str, ids: &[String]) -> bool {
        if self.kind == "group" {
            return seed.users.iter().any(|u| {
                ids.contains(&u.account_id)
                    && u.groups.iter().any(|g| g.eq_ignore_ascii_case(&self.value))
            });
        }
        seed.project(project_key)
            .and_then(|p| p.roles.get(&self.value))
            .is_some_and(|members| members.iter().any(|m| ids.contains(m)))
    }

    /// Jira's 400 for an author outside the restriction ([INF] texts,
    /// docs/jira-semantics.md §14), as `errors.commentLevel`.
    pub fn not_member(&self) -> IssueError {
        let what = if self.kind == "group" {
            "group"
        } else {
            "project role"
        };
        field_error(
            "commentLevel",
            &format!(
                "You are currently not a member of the {what}: {}.",
                self.value
            ),
        )
    }
}

/// The 404 for a comment that is not on the issue (`Can not find a comment
/// for id: N.`).
fn no_comment(id: &str) -> IssueError {
    IssueError::Missing(format!("Can not find a comment for id: {id}."))
}

/// Whether an ADF document shows nothing: only `doc` and `paragraph` nodes
/// and blank `text` (`{"type":"doc","version":1,"content":[]}`). A mention,
/// an emoji or any other node counts as content. Walked without recursion.
fn adf_is_empty(doc: &Value) -> bool {
    let mut stack = vec![doc];
    while let Some(node) = stack.pop() {
        match node.get("type").and_then(Value::as_str) {
            Some("doc" | "paragraph") => {}
            Some("text") => {
                if node["text"].as_str().is_some_and(|t| !t.trim().is_empty()) {
                    return false;
                }
            }
            _ => return false,
        }
        stack.extend(node["content"].as_array().into_iter().flatten());
    }
    true
}

/// The body as sent, when it is an ADF document with content.
/// Errors: [`IssueError::Fields`] `comment`: [`EMPTY_BODY`].
fn adf_body(body: Option<&Value>) -> Result<Value, IssueError> {
    match body {
        Some(b) if b.get("type").and_then(Value::as_str) == Some("doc") && !adf_is_empty(b) => {
            Ok(b.clone())
        }
        _ => Err(field_error("comment", EMPTY_BODY)),
    }
}

impl IssueStore {
    /// `getComments`: the issue's comments, oldest first.
    /// Errors: [`IssueError::NotFound`].
    pub fn comments_of(&self, key_or_id: &str) -> Result<Vec<&Comment>, IssueError> {
        let issue = self.id_of(key_or_id)?;
        Ok(self
            .comments
            .values()
            .filter(|c| c.issue_id == issue)
            .collect())
    }

    /// `getComment`. Errors: [`IssueError::NotFound`] for the issue,
    /// [`IssueError::Missing`] for a comment not on it.
    pub fn comment(&self, key_or_id: &str, comment_id: &str) -> Result<&Comment, IssueError> {
        let issue = self.id_of(key_or_id)?;
        comment_id
            .parse::<u64>()
            .ok()
            .and_then(|id| self.comments.get(&id))
            .filter(|c| c.issue_id == issue)
            .ok_or_else(|| no_comment(comment_id))
    }

    /// `addComment` `{"body": ADF}`: returns the comment and its events.
    /// Errors: [`IssueError::NotFound`]; [`IssueError::Fields`] for a
    /// missing body (nothing changed).
    pub fn add_comment(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
        body: Option<&Value>,
        now_ms: i64,
    ) -> Result<(Comment, Vec<Value>), IssueError> {
        self.add_comment_with(site, actor, key_or_id, (body, None), now_ms)
    }

    /// [`IssueStore::add_comment`] with `given.1`, the comment's
    /// visibility (checked by the caller: [`Visibility::admits`]).
    /// Errors: as [`IssueStore::add_comment`].
    pub fn add_comment_with(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
        given: (Option<&Value>, Option<Visibility>),
        now_ms: i64,
    ) -> Result<(Comment, Vec<Value>), IssueError> {
        let (body, visibility) = given;
        let issue_id = self.id_of(key_or_id)?;
        let body = adf_body(body)?;
        let comment = Comment {
            id: self.next_comment_id,
            issue_id,
            author: actor.clone(),
            update_author: actor.clone(),
            body,
            created_ms: now_ms,
            updated_ms: now_ms,
            visibility,
        };
        self.next_comment_id += 1;
        self.comments.insert(comment.id, comment.clone());
        let issue = self.issues.get_mut(&issue_id).ok_or(IssueError::NotFound)?;
        issue.updated_ms = now_ms;
        let rendered_issue = self
            .issues
            .get(&issue_id)
            .map_or(Value::Null, |i| self.show(site, i));
        let shown = render_comment(site, &comment);
        let created = json!({"webhookEvent": "comment_created", "comment": shown,
            "issue": rendered_issue});
        let updated = json!({"webhookEvent": "jira:issue_updated",
            "issue_event_type_name": "issue_commented", "user": render_actor(actor, site.base),
            "issue": created["issue"], "comment": created["comment"]});
        Ok((comment, vec![created, updated]))
    }

    /// `updateComment` `{"body": ADF}`: returns the comment and its event.
    /// Errors: as [`IssueStore::comment`]; [`IssueError::Fields`] for a
    /// missing body (nothing changed).
    pub fn update_comment(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        key_or_id: &str,
        comment_id: &str,
        body: Option<&Value>,
        now_ms: i64,
    ) -> Result<(Comment, Vec<Value>), IssueError> {
        self.update_comment_with(site, actor, (key_or_id, comment_id), (body, None), now_ms)
    }

    /// [`IssueStore::update_comment`] that also sets the visibility when
    /// `given.1` is `Some` (kept otherwise).
    /// Errors: as [`IssueStore::update_comment`].
    pub fn update_comment_with(
        &mut self,
        site: Site<'_>,
        actor: &Actor,
        at: (&str, &str),
        given: (Option<&Value>, Option<Visibility>),
        now_ms: i64,
    ) -> Result<(Comment, Vec<Value>), IssueError> {
        let (key_or_id, comment_id) = at;
        let mut comment = self.comment(key_or_id, comment_id)?.clone();
        comment.body = adf_body(given.0)?;
        if given.1.is_some() {
            comment.visibility = given.1;
        }
        comment.update_author = actor.clone();
        comment.updated_ms = now_ms;
        self.comments.insert(comment.id, comment.clone());
        let e = self.comment_event("comment_updated", site, &comment);
        Ok((comment, vec![e]))
    }

    /// `deleteComment`: returns its event. Errors: as [`IssueStore::comment`].
    pub fn delete_comment(
        &mut self,
        site: Site<'_>,
        key_or_id: &str,
        comment_id: &str,
    ) -> Result<Vec<Value>, IssueError> {
        let id = self.comment(key_or_id, comment_id)?.id;
        let Some(comment) = self.comments.remove(&id) else {
            return Err(no_comment(comment_id));
        };
        Ok(vec![self.comment_event("comment_deleted", site, &comment)])
    }

    /// Removes the comments of the issue `issue_id` (being deleted, shown
    /// as `issue`); returns one `comment_deleted` each, oldest first.
    pub(super) fn cascade_comments(
        &mut self,
        site: Site<'_>,
        issue: &Value,
        issue_id: u64,
    ) -> Vec<Value> {
        let ids: Vec<u64> = self
            .comments
            .values()
            .filter(|c| c.issue_id == issue_id)
            .map(|c| c.id)
            .collect();
        ids.into_iter()
            .filter_map(|id| self.comments.remove(&id))
            .map(|c| {
                json!({"webhookEvent": "comment_deleted",
                "comment": render_comment(site, &c), "issue": issue})
            })
            .collect()
    }

    fn comment_event(&self, name: &str, site: Site<'_>, comment: &Comment) -> Value {
        let issue = self
            .issues
            .get(&comment.issue_id)
            .map_or(Value::Null, |i| self.show(site, i));
        json!({"webhookEvent": name, "comment": render_comment(site, comment), "issue": issue})
    }
}

/// A comment as `getComment` answers it: `{"self", "id", "author", "body",
/// "updateAuthor", "created", "updated", "jsdPublic": true, "visibility"?:
/// {"type", "value", "identifier"}}`.
pub fn render_comment(site: Site<'_>, c: &Comment) -> Value {
    let mut v = json!({"self": format!("{}/rest/api/3/issue/{}/comment/{}", site.base, c.issue_id, c.id),
        "id": c.id.to_string(), "author": render_actor(&c.author, site.base), "body": c.body,
        "updateAuthor": render_actor(&c.update_author, site.base),
        "created": jira_time(c.created_ms), "updated": jira_time(c.updated_ms), "jsdPublic": true});
    if let Some(vis) = &c.visibility {
        v["visibility"] = json!({"type": vis.kind, "value": vis.value, "identifier": vis.value});
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_document_that_shows_something_is_a_body() {
        let doc = |content: Value| json!({"type": "doc", "version": 1, "content": content});
        assert!(adf_is_empty(&doc(json!([]))));
        assert!(adf_is_empty(&doc(json!([{"type": "paragraph"}]))));
        assert!(adf_is_empty(&doc(
            json!([{"type": "paragraph", "content": [{"type": "text", "text": " "}]}])
        )));
        assert!(!adf_is_empty(&doc(
            json!([{"type": "paragraph", "content": [{"type": "text", "text": "x"}]}])
        )));
        assert!(!adf_is_empty(&doc(
            json!([{"type": "paragraph", "content": [
            {"type": "emoji", "attrs": {"shortName": ":smile:"}}]}])
        )));
    }
}
