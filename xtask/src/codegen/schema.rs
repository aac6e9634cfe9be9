//! Request body schemas: the spec's OpenAPI 3.0 schema objects turned into
//! JSON Schema 2020-12 that a validator can check bodies against before they
//! are sent, and an example body for each operation.
//!
//! OpenAPI 3.0 differs from JSON Schema where it matters for requests:
//! `nullable: true` widens the type to allow `null`, and a `readOnly`
//! property is never required in a request. `example`, `xml` and
//! `discriminator` are documentation only and are dropped; a `oneOf` with a
//! discriminator becomes `anyOf` (the discriminator, not exclusivity, picks
//! the branch, and Jira's branches overlap), and `additionalProperties:
//! false` beside `allOf`/`oneOf`/`anyOf` or without `properties` goes (in
//! JSON Schema it would reject the very properties the branches define).
//! Component
//! references move from `#/components/schemas/X` to `#/$defs/X`, so one
//! operation's schema plus the definitions it reaches is a self-contained
//! document.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};

const COMPONENTS: &str = "#/components/schemas/";
const DEFS: &str = "#/$defs/";

/// An OpenAPI schema as JSON Schema; component names it references are
/// added to `reached`.
pub fn convert(schema: &Value, reached: &mut BTreeSet<String>) -> Value {
    match schema {
        Value::Object(map) => convert_object(map, reached),
        Value::Array(items) => Value::Array(items.iter().map(|s| convert(s, reached)).collect()),
        other => other.clone(),
    }
}

fn convert_object(map: &Map<String, Value>, reached: &mut BTreeSet<String>) -> Value {
    let composed = ["allOf", "oneOf", "anyOf"]
        .iter()
        .any(|k| map.contains_key(*k));
    let closed_without_properties = map.get("additionalProperties") == Some(&Value::Bool(false))
        && (composed || !map.contains_key("properties"));
    let mut out = Map::new();
    for (key, value) in map {
        let key = match key.as_str() {
            "oneOf" if map.contains_key("discriminator") => "anyOf",
            "additionalProperties" if closed_without_properties => continue,
            other => other,
        };
        let converted = match key {
            "example" | "xml" | "discriminator" | "nullable" => continue,
            // Values, not schemas: copied as they are.
            "enum" | "default" | "const" => value.clone(),
            "$ref" => match value.as_str().and_then(|r| r.strip_prefix(COMPONENTS)) {
                Some(name) => {
                    reached.insert(name.to_owned());
                    Value::String(format!("{DEFS}{name}"))
                }
                None => value.clone(),
            },
            // Keys here are property names, so no keyword handling applies to them.
            "properties" => Value::Object(
                value
                    .as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(name, s)| (name.clone(), convert(s, reached)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            "required" => writable_required(value, map.get("properties")),
            _ => convert(value, reached),
        };
        out.insert(key.to_owned(), converted);
    }
    if map.get("nullable").and_then(Value::as_bool) == Some(true) {
        return allow_null(out);
    }
    Value::Object(out)
}

/// `required` without the properties marked `readOnly`, which a request
/// never carries.
fn writable_required(required: &Value, properties: Option<&Value>) -> Value {
    let read_only = |name: &str| {
        properties
            .and_then(|p| p.get(name))
            .and_then(|p| p.get("readOnly"))
            .and_then(Value::as_bool)
            == Some(true)
    };
    let names = required.as_array().cloned().unwrap_or_default();
    Value::Array(
        names
            .into_iter()
            .filter(|n| !n.as_str().is_some_and(read_only))
            .collect(),
    )
}

/// `nullable: true` in JSON Schema terms.
fn allow_null(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        values.push(Value::Null);
    }
    match schema
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_owned)
    {
        Some(ty) => {
            schema.insert("type".into(), json!([ty, "null"]));
            Value::Object(schema)
        }
        None => json!({"anyOf": [Value::Object(schema), {"type": "null"}]}),
    }
}

/// Every component in `reached` and all those they reach in turn, converted,
/// sorted by name, as compact JSON.
pub fn defs(spec: &Value, mut reached: BTreeSet<String>) -> Result<Vec<(String, String)>> {
    let mut done = std::collections::BTreeMap::new();
    while let Some(name) = reached.iter().find(|n| !done.contains_key(*n)).cloned() {
        let raw = spec
            .pointer(&format!("/components/schemas/{name}"))
            .with_context(|| format!("`$ref` to the missing schema {name}"))?;
        let converted = convert(raw, &mut reached);
        done.insert(name, converted.to_string());
    }
    Ok(done.into_iter().collect())
}

/// RFC 6902 JSON Patch: an array of operations.
pub fn json_patch() -> Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["op", "path"],
            "properties": {
                "op": {"enum": ["add", "remove", "replace", "move", "copy", "test"]},
                "path": {"type": "string"},
                "from": {"type": "string"},
                "value": {}
            }
        }
    })
}

/// An example body: the media type's `example`, else its first `examples`
/// entry, else a minimal body built from the schema (required properties
/// only). A JSON document written as a string (the JSON Patch examples) is
/// parsed when the schema wants a structure.
pub fn example(spec: &Value, media: &Value, json_schema: &Value) -> Result<Value> {
    let given = media.get("example").cloned().or_else(|| {
        media
            .get("examples")
            .and_then(Value::as_object)
            .and_then(|e| e.values().next())
            .and_then(|e| resolve(spec, e).get("value").cloned())
    });
    let wants_text = json_schema.get("type").and_then(Value::as_str) == Some("string");
    Ok(match given {
        Some(Value::String(text)) if !wants_text => {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
        Some(value) => value,
        None => minimal(spec, media.get("schema").unwrap_or(&Value::Null), 0),
    })
}

fn resolve<'a>(spec: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(pointer) = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        match spec.pointer(pointer) {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

/// The smallest value a raw OpenAPI schema accepts, as far as a simple walk
/// can tell: required properties only, the first enum value or alternative.
pub fn minimal(spec: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(spec, schema);
    if depth > 12 {
        return json!({});
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.iter().find(|v| !v.is_null()))
    {
        return first.clone();
    }
    if let Some(default) = schema.get("default") {
        return default.clone();
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            match minimal(spec, part, depth + 1) {
                Value::Object(fields) => merged.extend(fields),
                other => return other,
            }
        }
        return Value::Object(merged);
    }
    if let Some(first) = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| schema.get(*k).and_then(Value::as_array))
        .and_then(|alternatives| alternatives.first())
    {
        return minimal(spec, first, depth + 1);
    }
    let number = |fallback: i64| {
        let min = schema.get("minimum").and_then(Value::as_f64);
        json!(min.map_or(fallback, |m| m.ceil() as i64))
    };
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => json!(example_string(schema.get("format").and_then(Value::as_str))),
        Some("integer") | Some("number") => number(1),
        Some("boolean") => json!(true),
        Some("array") => {
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = minimal(spec, schema.get("items").unwrap_or(&Value::Null), depth + 1);
            Value::Array((0..min.max(1)).map(|_| item.clone()).collect())
        }
        Some("object") | None if schema.get("properties").is_some() => {
            minimal_object(spec, schema, depth)
        }
        _ => json!({}),
    }
}

fn minimal_object(spec: &Value, schema: &Value, depth: usize) -> Value {
    let properties = schema.get("properties").and_then(Value::as_object);
    let required = schema.get("required").and_then(Value::as_array);
    let mut out = Map::new();
    for name in required.into_iter().flatten().filter_map(Value::as_str) {
        let property = properties.and_then(|p| p.get(name)).unwrap_or(&Value::Null);
        if property.get("readOnly").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        out.insert(name.to_owned(), minimal(spec, property, depth + 1));
    }
    Value::Object(out)
}

fn example_string(format: Option<&str>) -> &'static str {
    match format {
        Some("date-time") => "2024-01-31T12:00:00.000+0000",
        Some("date") => "2024-01-31",
        Some("uri") | Some("url") => "https://example.com",
        Some("uuid") => "00000000-0000-0000-0000-000000000000",
        _ => "example",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_move_to_defs_and_are_collected() {
        let mut reached = BTreeSet::new();
        let got = convert(
            &json!({"type": "array", "items": {"$ref": "#/components/schemas/Webhook"}}),
            &mut reached,
        );
        assert_eq!(
            got,
            json!({"type": "array", "items": {"$ref": "#/$defs/Webhook"}})
        );
        assert_eq!(reached.into_iter().collect::<Vec<_>>(), ["Webhook"]);
    }

    #[test]
    fn nullable_allows_null_and_documentation_goes() {
        let mut reached = BTreeSet::new();
        let got = convert(
            &json!({"type": "object", "example": {"a": 1}, "properties": {
                "name": {"type": "string", "nullable": true},
                "kind": {"type": "string", "enum": ["a"], "nullable": true},
                "ref": {"allOf": [{"$ref": "#/components/schemas/X"}], "nullable": true},
                "example": {"type": "integer"}
            }}),
            &mut reached,
        );
        assert_eq!(
            got,
            json!({"type": "object", "properties": {
                "name": {"type": ["string", "null"]},
                "kind": {"type": ["string", "null"], "enum": ["a", null]},
                "ref": {"anyOf": [{"allOf": [{"$ref": "#/$defs/X"}]}, {"type": "null"}]},
                "example": {"type": "integer"}
            }})
        );
    }

    #[test]
    fn discriminated_unions_are_any_of_and_stay_open() {
        let mut reached = BTreeSet::new();
        let got = convert(
            &json!({"additionalProperties": false, "discriminator": {"propertyName": "type"},
                "oneOf": [{"type": "object"}]}),
            &mut reached,
        );
        assert_eq!(got, json!({"anyOf": [{"type": "object"}]}));
        let closed = json!({"additionalProperties": false, "properties": {"a": {}}});
        assert_eq!(convert(&closed, &mut reached), closed);
    }

    #[test]
    fn read_only_properties_are_not_required() {
        let mut reached = BTreeSet::new();
        let got = convert(
            &json!({"required": ["id", "name"], "properties": {
                "id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}}),
            &mut reached,
        );
        assert_eq!(got["required"], json!(["name"]));
    }

    #[test]
    fn defs_follow_references_transitively() {
        let spec = json!({"components": {"schemas": {
            "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "string"},
            "C": {"type": "integer"}
        }}});
        let found = defs(&spec, BTreeSet::from(["A".to_owned()])).expect("all found");
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert!(defs(&spec, BTreeSet::from(["Z".to_owned()])).is_err());
    }

    #[test]
    fn examples_come_from_the_spec_or_the_schema() {
        let spec = json!({"components": {"schemas": {"Reg": {"type": "object",
        "required": ["url", "id", "webhooks"],
        "properties": {
            "url": {"type": "string", "format": "uri"},
            "id": {"type": "integer", "readOnly": true},
            "webhooks": {"type": "array", "items": {"type": "string", "enum": ["e1", "e2"]}},
            "note": {"type": "string"}
        }}}}});
        let media = json!({"schema": {"$ref": "#/components/schemas/Reg"}});
        let built = example(&spec, &media, &json!({})).expect("built");
        assert_eq!(
            built,
            json!({"url": "https://example.com", "webhooks": ["e1"]})
        );

        let patch = json!({"example": "[{\"op\": \"remove\", \"path\": \"/a\"}]\n"});
        assert_eq!(
            example(&spec, &patch, &json_patch()).expect("parsed"),
            json!([{"op": "remove", "path": "/a"}])
        );
        let text = json!({"example": "dark"});
        assert_eq!(
            example(&spec, &text, &json!({"type": "string"})).expect("kept"),
            json!("dark")
        );
    }
}
