//! Issue properties: JSON values stored on an issue under a key
//! (`getIssuePropertyKeys`, `getIssueProperty`, `setIssueProperty`,
//! `deleteIssueProperty`), and their events:
//!
//! | change | event |
//! |---|---|
//! | set (create or update) | `issue_property_set` `{"webhookEvent", "property": {"key", "value"}, "issue"}` |
//! | delete | `issue_property_deleted` `{"webhookEvent", "property": {"key"}, "issue"}` |
//!
//! The issue is in `getIssue`'s shape; setting a property does not change
//! the issue's `updated`. Limits ([SPEC] `setIssueProperty`): the value is
//! a non-empty JSON text of at most 32768 characters; the key, Jira's 255
//! characters at most ([INF]). Properties go with their issue.

use serde_json::{Value, json};

use super::{IssueError, IssueStore, Site};

/// The longest value, in characters of its JSON text ([SPEC]).
pub const MAX_VALUE_CHARS: usize = 32768;
/// The longest key, in characters ([INF]).
pub const MAX_KEY_CHARS: usize = 255;

/// The 404 for a property the issue does not have ([INF] text,
/// docs/jira-semantics.md §14).
pub fn no_property(key: &str) -> IssueError {
    IssueError::Missing(format!("The property with key '{key}' does not exist."))
}

/// Whether a set created the property or replaced its value (201 or 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOutcome {
    /// 201.
    Created,
    /// 200.
    Updated,
}

impl IssueStore {
    /// `getIssuePropertyKeys`: the issue's ID and its property keys, sorted.
    /// Errors: [`IssueError::NotFound`].
    pub fn property_keys(&self, key_or_id: &str) -> Result<(u64, Vec<&str>), IssueError> {
        let id = self.id_of(key_or_id)?;
        let keys = self
            .properties
            .get(&id)
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        Ok((id, keys))
    }

    /// `getIssueProperty`: the value under `key`.
    /// Errors: [`IssueError::NotFound`]; [`no_property`].
    pub fn property(&self, key_or_id: &str, key: &str) -> Result<&Value, IssueError> {
        let id = self.id_of(key_or_id)?;
        self.properties
            .get(&id)
            .and_then(|p| p.get(key))
            .ok_or_else(|| no_property(key))
    }

    /// `setIssueProperty`: stores `value` (whose JSON text as sent has
    /// `chars` characters) under `key`. Returns whether it was created and
    /// the `issue_property_set` event.
    /// Errors: [`IssueError::NotFound`]; [`IssueError::Message`] for an
    /// empty or too long key or value (nothing changed).
    pub fn set_property(
        &mut self,
        site: Site<'_>,
        key_or_id: &str,
        key: &str,
        value: &Value,
        chars: usize,
    ) -> Result<(SetOutcome, Vec<Value>), IssueError> {
        let id = self.id_of(key_or_id)?;
        check_key(key)?;
        if chars == 0 {
            return Err(IssueError::Message(
                "The property value must be a non-empty JSON value.".into(),
            ));
        }
        if chars > MAX_VALUE_CHARS {
            return Err(IssueError::Message(format!(
                "The property value cannot be longer than {MAX_VALUE_CHARS} characters."
            )));
        }
        let held = self.properties.entry(id).or_default();
        let outcome = match held.insert(key.to_owned(), value.clone()) {
            Some(_) => SetOutcome::Updated,
            None => SetOutcome::Created,
        };
        let e = self.property_event(
            "issue_property_set",
            site,
            id,
            json!({"key": key, "value": value}),
        );
        Ok((outcome, vec![e]))
    }

    /// `deleteIssueProperty`: removes `key`; returns `issue_property_deleted`.
    /// Errors: [`IssueError::NotFound`]; [`no_property`].
    pub fn delete_property(
        &mut self,
        site: Site<'_>,
        key_or_id: &str,
        key: &str,
    ) -> Result<Vec<Value>, IssueError> {
        let id = self.id_of(key_or_id)?;
        let removed = self.properties.get_mut(&id).and_then(|p| p.remove(key));
        if removed.is_none() {
            return Err(no_property(key));
        }
        if self.properties.get(&id).is_some_and(|p| p.is_empty()) {
            self.properties.remove(&id);
        }
        Ok(vec![self.property_event(
            "issue_property_deleted",
            site,
            id,
            json!({"key": key}),
        )])
    }

    fn property_event(&self, name: &str, site: Site<'_>, issue_id: u64, property: Value) -> Value {
        let issue = self
            .issues
            .get(&issue_id)
            .map_or(Value::Null, |i| self.show(site, i));
        json!({"webhookEvent": name, "property": property, "issue": issue})
    }

    /// `event` as a webhook's JQL sees it: when its issue is one of the
    /// model's and carries no `properties`, with the issue's properties
    /// (`{"key": value}`), so `issue.property[k]` filters match the stored
    /// values. `None`: nothing to add.
    pub fn with_properties(&self, event: &Value) -> Option<Value> {
        let issue = event.get("issue")?;
        if issue.get("properties").is_some() {
            return None;
        }
        let id: u64 = issue.get("id")?.as_str()?.parse().ok()?;
        let props = self.properties.get(&id)?;
        let mut seen = event.clone();
        seen["issue"]["properties"] = json!(props);
        Some(seen)
    }
}

fn check_key(key: &str) -> Result<(), IssueError> {
    if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
        return Err(IssueError::Message(format!(
            "The property key cannot be empty or longer than {MAX_KEY_CHARS} characters."
        )));
    }
    Ok(())
}
