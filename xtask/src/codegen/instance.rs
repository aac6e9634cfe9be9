//! JSON instances of the spec's response schemas, for jr-mock's catalog.
//!
//! A response body is the operation's spec example, *conformed* to its
//! schema, or, without an example, a minimal instance generated from the
//! schema (required properties only). Conforming is needed because many of
//! the spec's examples contradict their own schemas (epoch numbers where a
//! string is declared, properties an `additionalProperties: false` forbids,
//! missing required fields): the part of the example that fits is kept as
//! it is, the rest is replaced by generated values, so every body jr-mock
//! serves validates.
//!
//! The validity check implements the JSON-schema keywords the spec uses
//! (Draft 4 plus OpenAPI's `nullable`; `format` is not checked) and is the
//! same reading jr-mock's `catalog_conforms_to_the_spec` test applies with
//! the `jsonschema` crate, which keeps the two honest.

use serde_json::{Map, Value};

/// How deep generation follows schemas before giving up on a branch
/// (required-property cycles would otherwise never end).
const MAX_DEPTH: usize = 48;

/// Placeholder values by string `format`. URLs use Jira's example site,
/// which jr-mock rewrites to its own base URL when it answers.
fn string_for_format(format: Option<&str>) -> &'static str {
    match format {
        Some("date-time") => "2019-06-01T12:42:30.000+0000",
        Some("date") => "2019-06-01",
        Some("uri" | "url") => "https://your-domain.atlassian.net",
        Some("uuid") => "00000000-0000-0000-0000-000000000000",
        _ => "",
    }
}

/// The spec's schemas, for `$ref` look-ups.
pub struct Schemas<'a> {
    spec: &'a Value,
}

impl<'a> Schemas<'a> {
    /// Reads `$ref`s against `spec` (the whole OpenAPI document).
    pub fn new(spec: &'a Value) -> Self {
        Self { spec }
    }

    /// The target of a local `$ref`, or `Value::Null` (accepts anything)
    /// when it points nowhere.
    fn target(&self, reference: &str) -> &'a Value {
        reference
            .strip_prefix('#')
            .and_then(|p| self.spec.pointer(p))
            .unwrap_or(&Value::Null)
    }

    /// Whether `value` satisfies `schema`.
    pub fn is_valid(&self, schema: &Value, value: &Value) -> bool {
        self.valid_at(schema, value, 0)
    }

    fn valid_at(&self, schema: &Value, value: &Value, depth: usize) -> bool {
        let Some(s) = schema.as_object() else {
            return true;
        };
        if depth > MAX_DEPTH * 2 {
            return true;
        }
        let nullable = s.get("nullable") == Some(&Value::Bool(true));
        if let Some(reference) = s.get("$ref").and_then(Value::as_str) {
            // Draft 4: siblings of `$ref` are ignored, except OpenAPI's `nullable`.
            return (nullable && value.is_null())
                || self.valid_at(self.target(reference), value, depth + 1);
        }
        let sub = |schema: &Value, value: &Value| self.valid_at(schema, value, depth + 1);
        if let Some(ty) = s.get("type").and_then(Value::as_str)
            && !(has_type(value, ty) || (nullable && value.is_null()))
        {
            return false;
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array)
            && !values.contains(value)
        {
            return false;
        }
        let all = |key: &str| list(s, key).iter().all(|part| sub(part, value));
        let matching = |key: &str| list(s, key).iter().filter(|part| sub(part, value)).count();
        if !all("allOf")
            || (s.contains_key("anyOf") && matching("anyOf") == 0)
            || (s.contains_key("oneOf") && matching("oneOf") != 1)
        {
            return false;
        }
        match value {
            Value::Object(map) => self.object_valid(s, map, depth),
            Value::Array(items) => {
                let count = items.len() as u64;
                s.get("items")
                    .is_none_or(|i| items.iter().all(|v| sub(i, v)))
                    && count >= uint(s, "minItems").unwrap_or(0)
                    && count <= uint(s, "maxItems").unwrap_or(u64::MAX)
                    && !(s.get("uniqueItems") == Some(&Value::Bool(true)) && has_duplicates(items))
            }
            Value::String(text) => {
                let chars = text.chars().count() as u64;
                chars >= uint(s, "minLength").unwrap_or(0)
                    && chars <= uint(s, "maxLength").unwrap_or(u64::MAX)
            }
            Value::Number(n) => {
                let n = n.as_f64().unwrap_or(0.0);
                num(s, "minimum").is_none_or(|min| n >= min)
                    && num(s, "maximum").is_none_or(|max| n <= max)
            }
            _ => true,
        }
    }

    fn object_valid(&self, s: &Map<String, Value>, map: &Map<String, Value>, depth: usize) -> bool {
        let props = s.get("properties").and_then(Value::as_object);
        let count = map.len() as u64;
        if count < uint(s, "minProperties").unwrap_or(0)
            || count > uint(s, "maxProperties").unwrap_or(u64::MAX)
        {
            return false;
        }
        let required_present = list(s, "required")
            .iter()
            .filter_map(Value::as_str)
            .all(|name| map.contains_key(name));
        required_present
            && map.iter().all(|(key, v)| {
                match (
                    props.and_then(|p| p.get(key)),
                    s.get("additionalProperties"),
                ) {
                    (Some(prop), _) => self.valid_at(prop, v, depth + 1),
                    (None, Some(Value::Bool(false))) => false,
                    (None, Some(extra @ Value::Object(_))) => self.valid_at(extra, v, depth + 1),
                    (None, _) => true,
                }
            })
    }

    /// `value` made valid against `schema`: kept where it fits, generated
    /// (minimally) where it does not or is absent.
    pub fn conform(&self, schema: &Value, value: Option<&Value>) -> Value {
        self.conform_at(schema, value, 0)
    }

    fn conform_at(&self, schema: &Value, value: Option<&Value>, depth: usize) -> Value {
        if let Some(v) = value
            && self.is_valid(schema, v)
        {
            return v.clone();
        }
        let Some(s) = schema.as_object() else {
            return value.cloned().unwrap_or(Value::Null);
        };
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        if let Some(reference) = s.get("$ref").and_then(Value::as_str) {
            return self.conform_at(self.target(reference), value, depth + 1);
        }
        if value.is_none()
            && let Some(example) = s.get("example").filter(|e| self.is_valid(schema, e))
        {
            return example.clone();
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            let first = values.iter().find(|v| !v.is_null()).or(values.first());
            return first.cloned().unwrap_or(Value::Null);
        }
        let mut v = self.conform_typed(s, value, depth);
        for part in list(s, "allOf") {
            v = self.conform_at(part, Some(&v), depth + 1);
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(first) = list(s, key).first()
                && !self.is_valid(schema, &v)
            {
                v = self.conform_at(first, Some(&v), depth + 1);
            }
        }
        v
    }

    /// The part of conforming that `type` (or `properties`/`items`) decides.
    fn conform_typed(&self, s: &Map<String, Value>, value: Option<&Value>, depth: usize) -> Value {
        let ty = s.get("type").and_then(Value::as_str).or_else(|| {
            if s.contains_key("properties") || s.contains_key("additionalProperties") {
                Some("object")
            } else if s.contains_key("items") {
                Some("array")
            } else {
                None
            }
        });
        match ty {
            Some("object") => self.conform_object(s, value.and_then(Value::as_object), depth),
            Some("array") => self.conform_array(s, value.and_then(Value::as_array), depth),
            Some("string") => conform_string(s, value.and_then(Value::as_str)),
            Some("integer") => {
                let n = value.and_then(Value::as_i64).unwrap_or(0);
                let min = num(s, "minimum").map_or(i64::MIN, |m| m.ceil() as i64);
                let max = num(s, "maximum").map_or(i64::MAX, |m| m.floor() as i64);
                Value::from(n.clamp(min, max.max(min)))
            }
            Some("number") => value
                .filter(|v| v.is_number())
                .cloned()
                .unwrap_or_else(|| Value::from(num(s, "minimum").map_or(0, |m| m.ceil() as i64))),
            Some("boolean") => Value::Bool(value.and_then(Value::as_bool).unwrap_or(false)),
            Some("null") => Value::Null,
            // No type: anything goes; an empty object is the least surprising.
            _ => value.cloned().unwrap_or_else(|| Value::Object(Map::new())),
        }
    }

    fn conform_object(
        &self,
        s: &Map<String, Value>,
        source: Option<&Map<String, Value>>,
        depth: usize,
    ) -> Value {
        let props = s.get("properties").and_then(Value::as_object);
        let extra = s.get("additionalProperties");
        let empty = Map::new();
        let mut out = Map::new();
        let required = list(s, "required");
        for (key, v) in source.unwrap_or(&empty) {
            let schema = match (props.and_then(|p| p.get(key)), extra) {
                (Some(prop), _) => prop,
                (None, Some(Value::Bool(false))) => continue,
                (None, Some(schema @ Value::Object(_))) => schema,
                (None, _) => &Value::Null,
            };
            let kept = self.conform_at(schema, Some(v), depth + 1);
            // An optional property no value can satisfy (some schemas are
            // contradictory) is left out rather than served invalid.
            if self.is_valid(schema, &kept) || required.iter().any(|r| r == key.as_str()) {
                out.insert(key.clone(), kept);
            }
        }
        for name in required.iter().filter_map(Value::as_str) {
            if out.contains_key(name) {
                continue;
            }
            let schema = props
                .and_then(|p| p.get(name))
                .or(extra.filter(|e| e.is_object()))
                .unwrap_or(&Value::Null);
            out.insert(name.to_owned(), self.conform_at(schema, None, depth + 1));
        }
        if let Some(max) = uint(s, "maxProperties") {
            let keep = usize::try_from(max).unwrap_or(usize::MAX);
            out = out.into_iter().take(keep).collect();
        }
        Value::Object(out)
    }

    fn conform_array(
        &self,
        s: &Map<String, Value>,
        source: Option<&Vec<Value>>,
        depth: usize,
    ) -> Value {
        let items = s.get("items").unwrap_or(&Value::Null);
        let mut out: Vec<Value> = Vec::new();
        for v in source.map(Vec::as_slice).unwrap_or_default() {
            let v = self.conform_at(items, Some(v), depth + 1);
            let unique = s.get("uniqueItems") == Some(&Value::Bool(true));
            // Items no value can satisfy are left out rather than served invalid.
            if !(unique && out.contains(&v)) && self.is_valid(items, &v) {
                out.push(v);
            }
        }
        if let Some(max) = uint(s, "maxItems") {
            out.truncate(usize::try_from(max).unwrap_or(usize::MAX));
        }
        let min = usize::try_from(uint(s, "minItems").unwrap_or(0)).unwrap_or(0);
        while out.len() < min {
            out.push(self.conform_at(items, None, depth + 1));
        }
        Value::Array(out)
    }
}

fn conform_string(s: &Map<String, Value>, source: Option<&str>) -> Value {
    let format = s.get("format").and_then(Value::as_str);
    let mut text = source
        .unwrap_or_else(|| string_for_format(format))
        .to_owned();
    if let Some(max) = uint(s, "maxLength") {
        text = text
            .chars()
            .take(usize::try_from(max).unwrap_or(usize::MAX))
            .collect();
    }
    let min = usize::try_from(uint(s, "minLength").unwrap_or(0)).unwrap_or(0);
    while text.chars().count() < min {
        text.push('x');
    }
    Value::String(text)
}

/// JSON-schema `type` check; an integer is a number without a fraction part
/// written as one (serde_json keeps `1.0` as a float).
fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn has_duplicates(items: &[Value]) -> bool {
    items
        .iter()
        .enumerate()
        .any(|(i, a)| items[i + 1..].contains(a))
}

fn list<'v>(s: &'v Map<String, Value>, key: &str) -> &'v [Value] {
    s.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn uint(s: &Map<String, Value>, key: &str) -> Option<u64> {
    s.get(key).and_then(Value::as_u64)
}

fn num(s: &Map<String, Value>, key: &str) -> Option<f64> {
    s.get(key).and_then(Value::as_f64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn spec() -> Value {
        json!({"components": {"schemas": {
            "Page": {"type": "object", "additionalProperties": false,
                     "required": ["id", "values"],
                     "properties": {"id": {"type": "integer"}, "created": {"type": "string", "format": "date-time"},
                                    "values": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}},
            "Item": {"type": "object", "required": ["name"],
                     "properties": {"name": {"type": "string"}, "note": {"type": "string", "nullable": true}}}
        }}})
    }

    #[test]
    fn a_valid_example_is_kept_unchanged() {
        let spec = spec();
        let schemas = Schemas::new(&spec);
        let page = json!({"$ref": "#/components/schemas/Page"});
        let example = json!({"values": [{"name": "a", "note": null}], "id": 7});
        assert_eq!(schemas.conform(&page, Some(&example)), example);
    }

    #[test]
    fn an_invalid_example_keeps_what_fits_and_replaces_the_rest() {
        let spec = spec();
        let schemas = Schemas::new(&spec);
        let page = json!({"$ref": "#/components/schemas/Page"});
        let example = json!({"id": 7, "created": 1704110400000_i64, "extra": true, "values": [{"note": "n"}]});
        let got = schemas.conform(&page, Some(&example));
        assert_eq!(
            got,
            json!({"id": 7, "created": "2019-06-01T12:42:30.000+0000", "values": [{"note": "n", "name": ""}]})
        );
        assert!(schemas.is_valid(&page, &got));
    }

    #[test]
    fn without_an_example_only_required_properties_are_generated() {
        let spec = spec();
        let schemas = Schemas::new(&spec);
        let page = json!({"$ref": "#/components/schemas/Page"});
        assert_eq!(schemas.conform(&page, None), json!({"id": 0, "values": []}));
    }

    #[test]
    fn one_of_needs_exactly_one_branch() {
        let spec = json!({});
        let schemas = Schemas::new(&spec);
        let either = json!({"oneOf": [{"type": "integer"}, {"type": "number"}]});
        assert!(!schemas.is_valid(&either, &json!(1)));
        assert!(schemas.is_valid(&either, &json!(1.5)));
    }
}
