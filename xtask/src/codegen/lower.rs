//! Lowers the OpenAPI document (a `serde_json::Value`) to a [`SpecModel`].
//!
//! The spec is read as untyped JSON rather than through an OpenAPI crate: the
//! generator needs a dozen fields, and xtask stays small (anyhow and
//! serde_json). Map order matters (the "first" content type), and the
//! workspace's serde_json keeps the file's order (`preserve_order`). Any
//! missing piece the table cannot do without is an error naming the
//! operation and path, never a panic.

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use super::model::{
    BodyData, Group, Location, Method, Operation, Pagination, Param, ParamType, RequestBody,
    SpecModel,
};
use super::{naming, schema, text};

/// The keys of a path item that are not operations.
const PATH_ITEM_FIELDS: &[&str] = &["parameters", "summary", "description", "servers"];

/// Lowers the whole spec: every operation, named and sorted by group, then
/// command.
pub fn lower(spec: &Value) -> Result<SpecModel> {
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .context("the spec has no `paths` object")?;
    let mut operations = Vec::new();
    let mut bodies = Vec::new();
    let mut reached = std::collections::BTreeSet::new();
    for (path, item) in paths {
        let item = resolve(spec, item)
            .and_then(|item| item.as_object().context("not an object"))
            .with_context(|| format!("path {path}"))?;
        for (key, op) in item {
            if PATH_ITEM_FIELDS.contains(&key.as_str()) || key.starts_with("x-") {
                continue;
            }
            let operation = lower_operation(spec, path, key, item, op).with_context(|| {
                let id = op.get("operationId").and_then(Value::as_str);
                format!(
                    "{} {path} ({})",
                    key.to_uppercase(),
                    id.unwrap_or("no operationId")
                )
            })?;
            if let Some(data) = body_data(spec, &operation, op, &mut reached)? {
                bodies.push(data);
            }
            operations.push(operation);
        }
    }
    name_commands(&mut operations)?;
    bodies.sort_by(|a, b| a.operation_id.cmp(&b.operation_id));
    operations.sort_by(|a, b| (&a.group, &a.command).cmp(&(&b.group, &b.command)));
    let spec_version = spec
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(SpecModel {
        spec_version,
        groups: groups(&operations),
        operations,
        bodies,
        defs: schema::defs(spec, reached)?,
    })
}

/// The body schema (as JSON Schema, components it reaches added to
/// `reached`) and an example, for an operation whose body is JSON.
fn body_data(
    spec: &Value,
    operation: &Operation,
    op: &Value,
    reached: &mut std::collections::BTreeSet<String>,
) -> Result<Option<BodyData>> {
    let Some(body) = &operation.body else {
        return Ok(None);
    };
    let media = resolve(spec, op.get("requestBody").unwrap_or(&Value::Null))?
        .get("content")
        .and_then(|c| c.get(&body.content_type))
        .cloned()
        .unwrap_or(Value::Null);
    let json_schema = if body.content_type == "application/json-patch+json" {
        // The spec types these bodies `object`, yet the format (RFC 6902) and
        // its own examples are arrays of operations.
        schema::json_patch()
    } else if body.content_type.contains("json") || body.content_type == "multipart/form-data" {
        let raw = media.get("schema").cloned().unwrap_or(Value::Null);
        schema::convert(&raw, reached)
    } else {
        return Ok(None);
    };
    let example = schema::example(spec, &media, &json_schema)
        .with_context(|| format!("example of {}", operation.operation_id))?;
    Ok(Some(BodyData {
        operation_id: operation.operation_id.clone(),
        schema: json_schema.to_string(),
        example: example.to_string(),
    }))
}

/// The groups of sorted operations: the tags of their operations, most
/// common first (at most three), and their path prefixes (`forge` has two).
fn groups(operations: &[Operation]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for chunk in operations.chunk_by(|a, b| a.group == b.group) {
        let mut tags = std::collections::BTreeMap::<&str, usize>::new();
        for op in chunk {
            *tags.entry(op.tag.as_str()).or_default() += 1;
        }
        let mut ranked: Vec<(&str, usize)> =
            tags.into_iter().filter(|(t, _)| !t.is_empty()).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut names: Vec<&str> = ranked.iter().take(3).map(|(t, _)| *t).collect();
        if ranked.len() > 3 {
            names.push("...");
        }
        let tag = names.join(", ");
        let mut prefixes: Vec<&str> = chunk
            .iter()
            .map(|op| {
                let end = op.path.find(&format!("/{}", op.group)).unwrap_or(0) + op.group.len() + 1;
                &op.path[..end.min(op.path.len())]
            })
            .collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        groups.push(Group {
            name: chunk[0].group.clone(),
            tag,
            prefix: prefixes.join(", "),
            count: chunk.len(),
        });
    }
    groups
}

/// Gives every operation its command, then checks that the collision rule
/// left no two alike in a group (`ops` tests would fail later, less clearly).
fn name_commands(operations: &mut [Operation]) -> Result<()> {
    let keys: Vec<(&str, &str)> = operations
        .iter()
        .map(|op| (op.group.as_str(), op.operation_id.as_str()))
        .collect();
    let commands = naming::commands(&keys);
    for (op, command) in operations.iter_mut().zip(commands) {
        op.command = command;
    }
    let mut seen = std::collections::BTreeMap::new();
    for op in operations.iter() {
        if let Some(other) = seen.insert((&op.group, &op.command), &op.operation_id) {
            bail!(
                "`{other}` and `{}` both name `{} {}` even after the collision rule",
                op.operation_id,
                op.group,
                op.command
            );
        }
    }
    Ok(())
}

/// One operation; the command is left empty for [`name_commands`].
fn lower_operation(
    spec: &Value,
    path: &str,
    method: &str,
    item: &Map<String, Value>,
    op: &Value,
) -> Result<Operation> {
    let method = match method {
        "get" => Method::Get,
        "post" => Method::Post,
        "put" => Method::Put,
        "delete" => Method::Delete,
        other => bail!("method `{other}` has no `ops::Method` variant"),
    };
    let operation_id = str_field(op, "operationId").context("no operationId")?;
    let group = naming::group(path).context("no group: the path is not under /rest/")?;
    let described = text::split_permissions(str_field(op, "description").unwrap_or_default());
    Ok(Operation {
        group: group.to_owned(),
        command: String::new(),
        operation_id: operation_id.to_owned(),
        method,
        path: path.to_owned(),
        summary: text::plain(str_field(op, "summary").unwrap_or_default())
            .trim()
            .to_owned(),
        description: described.description,
        permissions: described.permissions,
        scopes: scopes(spec, op),
        params: params(spec, item.get("parameters"), op.get("parameters"))?,
        body: body(spec, op).context("requestBody")?,
        pagination: pagination(spec, op).context("responses")?,
        deprecated: op
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        tag: op
            .pointer("/tags/0")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    })
}

fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// Follows `$ref`s (`#/components/...`) until a value that is not one.
fn resolve<'a>(spec: &'a Value, mut value: &'a Value) -> Result<&'a Value> {
    // A bound instead of cycle detection: real chains are one or two long.
    for _ in 0..16 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok(value);
        };
        let pointer = reference
            .strip_prefix('#')
            .with_context(|| format!("`$ref` {reference} is not local to the spec"))?;
        value = spec
            .pointer(pointer)
            .with_context(|| format!("`$ref` {reference} points nowhere"))?;
    }
    bail!("`$ref` chain too long (a cycle?)")
}

/// The OAuth 2.0 scopes of the operation's security requirement, else of the
/// spec's; empty when none names `OAuth2`.
fn scopes(spec: &Value, op: &Value) -> Vec<String> {
    let requirements = op.get("security").or_else(|| spec.get("security"));
    requirements
        .and_then(Value::as_array)
        .and_then(|reqs| reqs.iter().find_map(|req| req.get("OAuth2")))
        .and_then(Value::as_array)
        .map(|scopes| {
            scopes
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The operation's parameters in spec order, after those of its path item
/// that it does not override (same name and location). Cookies are skipped.
fn params(spec: &Value, shared: Option<&Value>, own: Option<&Value>) -> Result<Vec<Param>> {
    let list = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
    let own = lower_params(spec, &list(own))?;
    let mut params = lower_params(spec, &list(shared))?;
    params.retain(|p| {
        !own.iter()
            .any(|o| o.name == p.name && o.location == p.location)
    });
    params.extend(own);
    Ok(params)
}

fn lower_params(spec: &Value, list: &[Value]) -> Result<Vec<Param>> {
    let mut params = Vec::new();
    for param in list {
        if let Some(param) = lower_param(spec, param)? {
            params.push(param);
        }
    }
    Ok(params)
}

/// One parameter; `None` for a cookie, which `ops::Location` cannot express.
fn lower_param(spec: &Value, param: &Value) -> Result<Option<Param>> {
    let param = resolve(spec, param)?;
    let name = str_field(param, "name").context("a parameter has no name")?;
    let location = match str_field(param, "in") {
        Some("path") => Location::Path,
        Some("query") => Location::Query,
        Some("header") => Location::Header,
        Some("cookie") => return Ok(None),
        other => bail!("parameter `{name}`: unknown location {other:?}"),
    };
    let schema = param.get("schema").map(|s| resolve(spec, s)).transpose()?;
    let ty = match schema {
        Some(schema) => param_type(spec, schema).with_context(|| format!("parameter `{name}`"))?,
        None => ParamType::String,
    };
    Ok(Some(Param {
        name: name.to_owned(),
        location,
        ty,
        // OpenAPI requires path parameters to be required; the table relies on it.
        required: location == Location::Path
            || param
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        default: schema.and_then(|s| s.get("default")).and_then(default_text),
        description: text::plain(str_field(param, "description").unwrap_or_default())
            .trim()
            .to_owned(),
        explode: param
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(!matches!(str_field(param, "style"), Some(s) if s != "form")),
    }))
}

/// A resolved schema's parameter type; objects and anything unknown travel
/// as strings.
fn param_type(spec: &Value, schema: &Value) -> Result<ParamType> {
    let ty = match str_field(schema, "type") {
        Some("string") => match schema.get("enum").and_then(Value::as_array) {
            Some(values) => ParamType::Enum(values.iter().filter_map(enum_text).collect()),
            None => ParamType::String,
        },
        Some("integer") if str_field(schema, "format") == Some("int64") => ParamType::Int64,
        Some("integer") => ParamType::Integer,
        Some("number") => ParamType::Number,
        Some("boolean") => ParamType::Boolean,
        Some("array") => {
            let item = match schema.get("items") {
                Some(items) => param_type(spec, resolve(spec, items)?).context("items")?,
                None => ParamType::String,
            };
            ParamType::Array(Box::new(item))
        }
        _ => ParamType::String,
    };
    Ok(ty)
}

/// An enum value as the user types it; a `null` (nullable enum) is not one.
fn enum_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A schema `default` as the text a flag would take (`100`, `true`, `id`).
fn default_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The request body: `application/json` when offered, else
/// `multipart/form-data`, else the first content type listed, with the
/// component schema's name when it is a `$ref`.
fn body(spec: &Value, op: &Value) -> Result<Option<RequestBody>> {
    let Some(body) = op.get("requestBody") else {
        return Ok(None);
    };
    let body = resolve(spec, body)?;
    let content = body
        .get("content")
        .and_then(Value::as_object)
        .context("no content map")?;
    let (content_type, media) = content
        .get_key_value("application/json")
        .or_else(|| content.get_key_value("multipart/form-data"))
        .or_else(|| content.iter().next())
        .context("an empty content map")?;
    let schema = media
        .pointer("/schema/$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or_default();
    Ok(Some(RequestBody {
        content_type: content_type.clone(),
        content_types: content.keys().cloned().collect(),
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        schema: schema.to_owned(),
    }))
}

/// The paging style of the first (lowest) 2xx response's JSON schema.
///
/// Decided from the schema's property names, in order of precedence:
/// `nextPageToken` is token paging; `values` with `startAt` and `isLast` or
/// `maxResults` is offset paging (`PageBean*`); `values` with a string `next`
/// is a cursor to follow (`FailedWebhooks`).
fn pagination(spec: &Value, op: &Value) -> Result<Pagination> {
    let success = op
        .get("responses")
        .and_then(Value::as_object)
        .and_then(|r| {
            r.iter()
                .filter(|(code, _)| code.starts_with('2'))
                .min_by_key(|(code, _)| *code)
        });
    let Some((code, response)) = success else {
        return Ok(Pagination::None);
    };
    let response = resolve(spec, response).with_context(|| format!("response {code}"))?;
    let Some(schema) = response.pointer("/content/application~1json/schema") else {
        return Ok(Pagination::None);
    };
    let schema = resolve(spec, schema).with_context(|| format!("response {code} schema"))?;
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(Pagination::None);
    };
    let has = |name: &str| props.contains_key(name);
    let next_is_string = match props.get("next") {
        Some(next) => str_field(resolve(spec, next)?, "type") == Some("string"),
        None => false,
    };
    Ok(if has("nextPageToken") {
        Pagination::Token
    } else if has("values") && has("startAt") && (has("isLast") || has("maxResults")) {
        Pagination::Offset
    } else if has("values") && next_is_string {
        Pagination::Cursor
    } else {
        Pagination::None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A one-operation spec around `op`, with `schemas` as its components.
    fn spec_with(op: Value, schemas: Value) -> Value {
        json!({
            "info": {"version": "1"},
            "paths": {"/rest/api/3/webhook/failed": {"get": op}},
            "components": {"schemas": schemas},
        })
    }

    fn lower_one(op: Value, schemas: Value) -> Operation {
        let model = lower(&spec_with(op, schemas)).expect("lowers");
        model.operations.into_iter().next().expect("one operation")
    }

    fn page_of(properties: Value) -> Pagination {
        let op = json!({
            "operationId": "getFailedWebhooks",
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}},
        });
        lower_one(
            op,
            json!({"Page": {"type": "object", "properties": properties}}),
        )
        .pagination
    }

    #[test]
    fn pagination_is_read_from_the_response_schema() {
        let string = json!({"type": "string"});
        assert_eq!(
            page_of(json!({"nextPageToken": string, "issues": {}})),
            Pagination::Token
        );
        assert_eq!(
            page_of(
                json!({"isLast": {}, "maxResults": {}, "startAt": {}, "total": {}, "values": {}})
            ),
            Pagination::Offset
        );
        assert_eq!(
            page_of(json!({"maxResults": {}, "next": string, "values": {}})),
            Pagination::Cursor
        );
        assert_eq!(
            page_of(json!({"next": {"type": "integer"}, "values": {}})),
            Pagination::None
        );
        assert_eq!(
            page_of(json!({"startAt": {}, "maxResults": {}, "comments": {}})),
            Pagination::None
        );
    }

    #[test]
    fn parameters_are_typed_from_their_schema() {
        let op = json!({
            "operationId": "getFailedWebhooks",
            "parameters": [
                {"name": "after", "in": "query", "schema": {"type": "integer", "format": "int64"}},
                {"name": "maxResults", "in": "query", "schema": {"type": "integer", "format": "int32", "default": 100}},
                {"name": "id", "in": "path", "schema": {"type": "string"}},
                {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["a", "b"], "default": "a"}},
                {"name": "expand", "in": "query", "schema": {"type": "array", "items": {"type": "string", "enum": ["x"]}}},
                {"name": "props", "in": "query", "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Obj"}}},
                {"name": "flag", "in": "header", "required": true, "schema": {"type": "boolean", "default": false}},
                {"name": "ratio", "in": "query", "schema": {"type": "number"}},
                {"name": "session", "in": "cookie", "schema": {"type": "string"}},
            ],
            "responses": {},
        });
        let params = lower_one(op, json!({"Obj": {"type": "object"}})).params;
        let got: Vec<_> = params
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.location,
                    p.ty.clone(),
                    p.required,
                    p.default.as_deref(),
                )
            })
            .collect();
        let array = |t| ParamType::Array(Box::new(t));
        assert_eq!(
            got,
            [
                ("after", Location::Query, ParamType::Int64, false, None),
                (
                    "maxResults",
                    Location::Query,
                    ParamType::Integer,
                    false,
                    Some("100")
                ),
                ("id", Location::Path, ParamType::String, true, None),
                (
                    "order",
                    Location::Query,
                    ParamType::Enum(vec!["a".into(), "b".into()]),
                    false,
                    Some("a")
                ),
                (
                    "expand",
                    Location::Query,
                    array(ParamType::Enum(vec!["x".into()])),
                    false,
                    None
                ),
                (
                    "props",
                    Location::Query,
                    array(ParamType::String),
                    false,
                    None
                ),
                (
                    "flag",
                    Location::Header,
                    ParamType::Boolean,
                    true,
                    Some("false")
                ),
                ("ratio", Location::Query, ParamType::Number, false, None),
            ]
        );
    }

    #[test]
    fn the_body_prefers_json_and_names_its_schema() {
        let op = json!({
            "operationId": "storeAvatar",
            "requestBody": {
                "required": true,
                "content": {
                    "*/*": {"schema": {}},
                    "application/json": {"schema": {"$ref": "#/components/schemas/Avatar"}},
                },
            },
            "responses": {},
        });
        let body = lower_one(op, json!({"Avatar": {"type": "object"}})).body;
        let want = RequestBody {
            content_type: "application/json".into(),
            content_types: vec!["*/*".into(), "application/json".into()],
            required: true,
            schema: "Avatar".into(),
        };
        assert_eq!(body, Some(want));
    }

    #[test]
    fn an_inline_body_schema_has_no_name() {
        let op = json!({
            "operationId": "addAttachment",
            "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "array"}}}},
            "responses": {},
        });
        let body = lower_one(op, json!({})).body;
        let want = RequestBody {
            content_type: "multipart/form-data".into(),
            content_types: vec!["multipart/form-data".into()],
            required: false,
            schema: String::new(),
        };
        assert_eq!(body, Some(want));
    }

    #[test]
    fn scopes_come_from_the_oauth2_requirement() {
        let op = json!({
            "operationId": "getFailedWebhooks",
            "security": [{"basicAuth": []}, {"OAuth2": ["read:jira-work", "manage:jira-webhook"]}],
            "responses": {},
        });
        assert_eq!(
            lower_one(op, json!({})).scopes,
            ["read:jira-work", "manage:jira-webhook"]
        );
    }

    #[test]
    fn errors_name_the_operation() {
        let op = json!({"operationId": "getFailedWebhooks", "parameters": [{"in": "query"}]});
        let err = lower(&spec_with(op, json!({}))).expect_err("a nameless parameter");
        let message = format!("{err:#}");
        assert!(message.contains("getFailedWebhooks"), "{message}");
        assert!(message.contains("/rest/api/3/webhook/failed"), "{message}");
    }
}
