//! Renders jr-mock's operation catalog, `jr-mock/src/catalog/generated.rs`:
//! per operation its method, path template, checked parameters, and the
//! response jr-mock answers with.
//!
//! The response is the first 2xx of the spec (the first 3xx for the few
//! asynchronous operations that have none) with its example conformed to
//! the schema, or a minimal generated instance ([`instance`]). Bodies are
//! compact JSON; statuses without content (204) have none.

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::instance::Schemas;
use super::model::{Location, Method, Operation, ParamType, SpecModel};
use super::render::{PREAMBLE, lit};

/// The response jr-mock gives for one operation.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// Compact JSON, or `None` for an empty body.
    pub body: Option<String>,
}

/// The whole generated catalog.
pub fn render(spec: &Value, model: &SpecModel) -> Result<String> {
    let schemas = Schemas::new(spec);
    let mut out = format!(
        "{PREAMBLE}\n\
         // Source: the Jira Cloud platform REST API v3 OpenAPI spec (version {}),\n\
         // by Atlassian, under the Apache License 2.0. Bodies are the spec's examples,\n\
         // conformed to their schemas, or minimal instances of the schemas.\n\
         use super::*;\n\
         \n\
         pub static OPERATIONS: &[Operation] = &[\n",
        model.spec_version
    );
    for op in &model.operations {
        let answer = answer(spec, &schemas, op)
            .with_context(|| format!("{} {}", op.operation_id, op.path))?;
        out.push_str(&entry(op, &answer));
    }
    out.push_str("];\n");
    Ok(out)
}

fn entry(op: &Operation, answer: &Answer) -> String {
    let params: String = op
        .params
        .iter()
        .filter(|p| p.location != Location::Header)
        .map(|p| {
            let (kind, array) = match &p.ty {
                ParamType::Array(item) => (kind(item), true),
                other => (kind(other), false),
            };
            let location = if p.location == Location::Path { "Path" } else { "Query" };
            format!(
                "Param {{ name: {}, location: Location::{location}, kind: Kind::{kind}, array: {array}, required: {} }}, ",
                lit(&p.name),
                p.required
            )
        })
        .collect();
    let body = answer
        .body
        .as_deref()
        .map_or_else(|| "None".to_owned(), |b| format!("Some({})", lit(b)));
    format!(
        "    Operation {{ operation_id: {}, method: {}, path: {}, params: &[{}], status: {}, body: {body} }},\n",
        lit(&op.operation_id),
        lit(method(op.method)),
        lit(&op.path),
        params.trim_end_matches(", "),
        answer.status,
    )
}

/// What jr-mock checks of a parameter's value.
fn kind(ty: &ParamType) -> &'static str {
    match ty {
        ParamType::Integer | ParamType::Int64 => "Integer",
        ParamType::Number => "Number",
        ParamType::Boolean => "Boolean",
        ParamType::String | ParamType::Enum(_) | ParamType::Array(_) => "String",
    }
}

fn method(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
    }
}

/// The status and body jr-mock answers `op` with.
pub fn answer(spec: &Value, schemas: &Schemas, op: &Operation) -> Result<Answer> {
    let key = method(op.method).to_lowercase();
    let responses = spec
        .get("paths")
        .and_then(|p| p.get(&op.path))
        .and_then(|item| item.get(&key))
        .and_then(|o| o.get("responses"))
        .and_then(Value::as_object)
        .context("no responses")?;
    let pick = |class: char| responses.iter().find(|(code, _)| code.starts_with(class));
    let (code, response) = pick('2')
        .or_else(|| pick('3'))
        .context("no 2xx or 3xx response")?;
    let status: u16 = code.parse().with_context(|| format!("status `{code}`"))?;
    let media = response
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.get("application/json").or_else(|| c.values().next()));
    let body = match media {
        Some(media) if status != 204 => Some(body(schemas, media)?),
        _ => None,
    };
    Ok(Answer { status, body })
}

/// The conformed example, or a generated instance, as compact JSON.
/// Errors when no valid instance could be made (jr-mock would serve it).
fn body(schemas: &Schemas, media: &Value) -> Result<String> {
    let schema = media.get("schema").unwrap_or(&Value::Null);
    let example = media.get("example").map(|e| match e {
        // The spec writes examples as JSON text; a few are bare strings.
        Value::String(text) => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
        }
        other => other.clone(),
    });
    let value = schemas.conform(schema, example.as_ref());
    if !schemas.is_valid(schema, &value) {
        bail!("no instance of the response schema could be made; got {value}");
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::lower;
    use super::*;

    #[test]
    fn the_first_2xx_answers_with_the_conformed_example() {
        let spec = json!({"info": {"version": "1"}, "paths": {"/rest/api/3/thing/{id}": {
            "get": {"operationId": "getThing",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
                                   {"name": "expand", "in": "query", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"content": {"application/json": {
                        "example": "{\"id\":\"1\",\"name\":\"x\"}",
                        "schema": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}}}},
                                  "404": {}}},
            "delete": {"operationId": "deleteThing", "responses": {"204": {"content": {"application/json": {"schema": {}}}}}},
            "put": {"operationId": "moveThing", "responses": {"303": {"content": {"application/json": {
                        "schema": {"type": "object", "required": ["taskId"], "properties": {"taskId": {"type": "string"}}}}}}}}
        }}});
        let model = lower::lower(&spec).expect("lowers");
        let text = render(&spec, &model).expect("renders");
        assert!(text.starts_with(PREAMBLE), "{text}");
        assert!(
            text.contains(r#"Operation { operation_id: "getThing", method: "GET", path: "/rest/api/3/thing/{id}", params: &[Param { name: "id", location: Location::Path, kind: Kind::Integer, array: false, required: true }, Param { name: "expand", location: Location::Query, kind: Kind::String, array: false, required: true }], status: 200, body: Some("{\"id\":0,\"name\":\"x\"}") },"#),
            "{text}"
        );
        assert!(text.contains(r#"operation_id: "deleteThing", method: "DELETE", path: "/rest/api/3/thing/{id}", params: &[], status: 204, body: None }"#), "{text}");
        assert!(
            text.contains(r#"status: 303, body: Some("{\"taskId\":\"\"}") }"#),
            "{text}"
        );
    }
}
