//! The `update` operations of an edit (`editIssue`) or a transition
//! (`doTransition`), as the spec's `IssueUpdateDetails` describes them:
//! `{"update": {"labels": [{"add": "x"}, {"remove": "y"}], "summary": [{"set": "New"}]}}`.
//!
//! Each field takes a list of one-key objects applied in order:
//!
//! | field | operations |
//! |---|---|
//! | `labels` | `add` (a label), `remove` (a label), `set` (the whole list) |
//! | every other settable field (`summary`, `description`, `assignee`, `issuetype`, `environment`, `duedate`, `priority`, `customfield_*`) | `set` (as in `fields`) |
//!
//! A field named both in `fields` and in `update` is Jira's 400 (the spec's
//! `doTransition` lists it: "a field is specified in both `fields` and
//! `update`"); so is an operation the field does not take.

use serde_json::{Map, Value};

use super::{IssueError, field_error};

/// Jira's 400 for a field named in both `fields` and `update` ([INF] text,
/// docs/jira-semantics.md §14).
pub fn both_message(field: &str) -> String {
    format!("Field '{field}' cannot be specified in both 'fields' and 'update'.")
}

/// Refuses a field that `fields` and `update` both name.
/// Errors: [`IssueError::Fields`] naming it with [`both_message`].
pub fn check_not_both(
    fields: &Map<String, Value>,
    update: &Map<String, Value>,
) -> Result<(), IssueError> {
    match update.keys().find(|k| fields.contains_key(*k)) {
        Some(k) => Err(field_error(k, &both_message(k))),
        None => Ok(()),
    }
}

/// One operation of `update`: the verb and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation<'a> {
    /// The field (`labels`).
    pub field: &'a str,
    /// `add`, `remove`, `set`, …
    pub verb: &'a str,
    /// The operation's value.
    pub value: &'a Value,
}

/// The operations of `update`, in order (fields by name, each field's list
/// in the order sent).
/// Errors: [`IssueError::Fields`] for a field whose value is not a list of
/// one-key objects, or an operation the field does not take.
pub fn operations(update: &Map<String, Value>) -> Result<Vec<Operation<'_>>, IssueError> {
    let mut out = Vec::new();
    for (field, ops) in update {
        let Some(list) = ops.as_array() else {
            return Err(field_error(
                field,
                &format!(
                    "The operations of '{field}' must be a list of objects such as [{{\"set\": …}}]."
                ),
            ));
        };
        for op in list {
            let Some((verb, value)) = op
                .as_object()
                .filter(|o| o.len() == 1)
                .and_then(|o| o.iter().next())
            else {
                return Err(field_error(
                    field,
                    &format!(
                        "Each operation of '{field}' must be one object with one key such as {{\"set\": …}}."
                    ),
                ));
            };
            let allowed = if field == "labels" {
                matches!(verb.as_str(), "add" | "remove" | "set")
            } else {
                verb == "set"
            };
            if !allowed {
                return Err(field_error(
                    field,
                    &format!("Field '{field}' does not support operation '{verb}'."),
                ));
            }
            out.push(Operation { field, verb, value });
        }
    }
    Ok(out)
}

/// The labels after `add`/`remove` of `value` on `labels` (the verb `set`
/// is the caller's, as in `fields`). Adding a label already there or
/// removing one that is not changes nothing, as in Jira.
/// Errors: [`IssueError::Fields`] `labels` for a value that is not one word.
pub fn label_op(labels: &[String], verb: &str, value: &Value) -> Result<Vec<String>, IssueError> {
    let label = value
        .as_str()
        .filter(|s| !s.is_empty() && !s.contains(' '))
        .ok_or_else(|| field_error("labels", super::LABEL_WORDS))?;
    let mut out: Vec<String> = labels.to_vec();
    match verb {
        "add" if !out.iter().any(|l| l == label) => out.push(label.to_owned()),
        "remove" => out.retain(|l| l != label),
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn operations_come_in_order_and_refuse_what_a_field_does_not_take() {
        let update =
            map(json!({"labels": [{"add": "a"}, {"remove": "b"}], "summary": [{"set": "S"}]}));
        let ops = operations(&update).unwrap();
        let verbs: Vec<(&str, &str)> = ops.iter().map(|o| (o.field, o.verb)).collect();
        assert_eq!(
            verbs,
            [("labels", "add"), ("labels", "remove"), ("summary", "set")]
        );
        let bad = map(json!({"summary": [{"add": "x"}]}));
        assert_eq!(
            operations(&bad),
            Err(field_error(
                "summary",
                "Field 'summary' does not support operation 'add'."
            ))
        );
        assert!(operations(&map(json!({"labels": {"add": "x"}}))).is_err());
        assert!(operations(&map(json!({"labels": [{"add": "x", "remove": "y"}]}))).is_err());
    }

    #[test]
    fn a_field_in_both_fields_and_update_is_refused() {
        let fields = map(json!({"summary": "a"}));
        assert!(check_not_both(&fields, &map(json!({"labels": []}))).is_ok());
        assert_eq!(
            check_not_both(&fields, &map(json!({"summary": [{"set": "b"}]}))),
            Err(field_error("summary", &both_message("summary")))
        );
    }

    #[test]
    fn label_add_and_remove_keep_the_rest() {
        let have = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(
            label_op(&have, "add", &json!("c")).unwrap(),
            ["a", "b", "c"]
        );
        assert_eq!(label_op(&have, "add", &json!("a")).unwrap(), ["a", "b"]);
        assert_eq!(label_op(&have, "remove", &json!("a")).unwrap(), ["b"]);
        assert!(label_op(&have, "add", &json!("two words")).is_err());
    }
}
