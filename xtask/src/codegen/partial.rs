//! Which operations answer with per-item failures, found in the spec's
//! success-response schemas, and rendered into `jr-core/src/ops/partial.rs`.
//!
//! An operation is marked when a top-level array property of one of its 2xx
//! JSON answers has items of a failure shape:
//! - element errors: `failedElementNumber` and `elementErrors` (an
//!   ErrorCollection), as `BulkOperationErrorResult` in `createIssues`;
//! - a success flag: a boolean `success` beside an `error`, as the
//!   `*PartialFailure` results of the field-scheme operations (207);
//! - an item error: a string `errorMessage`, as `IssueError` in `bulkFetchIssues`.
//!
//! Arrays named `errors` that hold plain strings (JQL parse or expression
//! validation answers) are results, not failures, and are not marked.

use serde_json::Value;
use std::collections::BTreeSet;

/// One marked array: the operation, the array's property name, the shape.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Marked {
    pub operation_id: String,
    pub field: String,
    pub shape: &'static str,
}

/// Every marked array of the spec, sorted by operation and field.
pub fn find(spec: &Value) -> Vec<Marked> {
    let mut found = BTreeSet::new();
    let Some(paths) = spec["paths"].as_object() else {
        return Vec::new();
    };
    for methods in paths.values() {
        let Some(methods) = methods.as_object() else {
            continue;
        };
        for op in methods.values() {
            let Some(operation_id) = op["operationId"].as_str() else {
                continue;
            };
            for schema in success_schemas(op) {
                for (field, shape) in failure_arrays(spec, schema) {
                    found.insert(Marked {
                        operation_id: operation_id.to_owned(),
                        field,
                        shape,
                    });
                }
            }
        }
    }
    found.into_iter().collect()
}

/// The JSON schemas of an operation's 2xx answers.
fn success_schemas(op: &Value) -> Vec<&Value> {
    let Some(responses) = op["responses"].as_object() else {
        return Vec::new();
    };
    responses
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .filter_map(|(_, response)| response["content"]["application/json"].get("schema"))
        .collect()
}

/// `(property, shape)` for each top-level array of `schema` whose items
/// have a failure shape.
fn failure_arrays(spec: &Value, schema: &Value) -> Vec<(String, &'static str)> {
    let Some(properties) = resolve(spec, schema)["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|(name, property)| {
            let property = resolve(spec, property);
            if property["type"] != "array" {
                return None;
            }
            let items = resolve(spec, &property["items"]);
            shape(spec, items).map(|shape| (name.clone(), shape))
        })
        .collect()
}

/// The failure shape of an item schema, if it has one; the names are the
/// variants of `jr_core::ops::FailureShape`.
fn shape(spec: &Value, items: &Value) -> Option<&'static str> {
    let properties = items["properties"].as_object()?;
    let type_of = |name: &str| {
        properties
            .get(name)
            .map(|p| resolve(spec, p)["type"].as_str().unwrap_or("object"))
    };
    if properties.contains_key("failedElementNumber") && properties.contains_key("elementErrors") {
        Some("ElementErrors")
    } else if type_of("success") == Some("boolean") && properties.contains_key("error") {
        Some("SuccessFlag")
    } else if type_of("errorMessage") == Some("string") {
        Some("ItemError")
    } else {
        None
    }
}

/// Follows local `$ref`s (`#/components/schemas/Name`).
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    let mut current = schema;
    for _ in 0..16 {
        let Some(reference) = current["$ref"].as_str() else {
            return current;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return current;
        };
        match spec.pointer(pointer) {
            Some(target) => current = target,
            None => return current,
        }
    }
    current
}

/// The generated file `jr-core/src/ops/partial.rs`.
pub fn render(spec_version: &str, marked: &[Marked]) -> String {
    let mut out = format!(
        "{}\n\
         // Source: the Jira Cloud platform REST API v3 OpenAPI spec (version {spec_version}),\n\
         // by Atlassian, under the Apache License 2.0.\n\
         use super::{{FailureShape, ItemFailures}};\n\
         \n\
         pub static ITEM_FAILURES: &[ItemFailures] = &[\n",
        super::render::PREAMBLE
    );
    for m in marked {
        out.push_str(&format!(
            "    ItemFailures {{ operation_id: {:?}, field: {:?}, shape: FailureShape::{} }},\n",
            m.operation_id, m.field, m.shape
        ));
    }
    out.push_str("];\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failure_shapes_are_found_and_plain_error_lists_are_not() {
        let spec = json!({
            "paths": {"/bulk": {"post": {"operationId": "bulk", "responses": {
                "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Created"}}}},
                "400": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Created"}}}}}}},
              "/parse": {"post": {"operationId": "parse", "responses": {
                "200": {"content": {"application/json": {"schema": {"properties": {
                    "errors": {"type": "array", "items": {"type": "string"}}}}}}}}}},
              "/fields": {"put": {"operationId": "fields", "responses": {
                "207": {"content": {"application/json": {"schema": {"properties": {
                    "results": {"type": "array", "items": {"properties": {
                        "success": {"type": "boolean"}, "error": {"type": "string"}}}}}}}}}}}}},
            "components": {"schemas": {
                "Created": {"properties": {"issues": {"type": "array", "items": {}},
                    "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Failed"}}}},
                "Failed": {"properties": {"failedElementNumber": {"type": "integer"},
                    "elementErrors": {"$ref": "#/components/schemas/ErrorCollection"}}}}}
        });
        let marked = find(&spec);
        let names: Vec<(&str, &str, &str)> = marked
            .iter()
            .map(|m| (m.operation_id.as_str(), m.field.as_str(), m.shape))
            .collect();
        assert_eq!(
            names,
            [
                ("bulk", "errors", "ElementErrors"),
                ("fields", "results", "SuccessFlag")
            ]
        );
        assert!(render("1", &marked).contains(
            "ItemFailures { operation_id: \"bulk\", field: \"errors\", shape: FailureShape::ElementErrors },"
        ));
    }
}
