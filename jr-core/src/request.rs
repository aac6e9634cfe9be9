//! From an operation and checked argument values to a request plan: method,
//! URL (path parameters filled in, query encoded), headers and body. Building a
//! plan does no I/O, so it can be printed by `--dry-run` or tested offline.

use crate::error::Error;
use crate::ops::{Location, Method, Operation, Param, ParamType};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

/// RFC 3986 unreserved characters stay; everything else is percent-encoded,
/// so a path parameter stays one segment and a space becomes `%20`, never `+`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment or query component (RFC 3986 §2.3).
pub fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// Checks one flag value against its parameter's type and returns it in the
/// form that goes on the wire (booleans lower-cased).
///
/// Errors: [`crate::ErrorKind::Validation`] (exit 4) naming the flag, the bad
/// value and the expected type.
pub fn check_value(param: &Param, value: &str) -> Result<String, Error> {
    if param.location == Location::Path && matches!(value, "" | "." | "..") {
        // URL parsers resolve `.` and `..` segments (even as `%2E`), so
        // `--id ..` would silently name the parent resource: a DELETE of a
        // comment would become a DELETE of its issue.
        return Err(Error::validation(format!(
            "invalid value `{value}` for --{}: a path parameter cannot be empty, `.` or `..`",
            param.name()
        )));
    }
    check_typed(param.name(), &param.ty, value)
}

fn check_typed(name: &str, ty: &ParamType, value: &str) -> Result<String, Error> {
    let bad = |expected: String| {
        Error::validation(format!(
            "invalid value `{value}` for --{name}: expected {expected}"
        ))
    };
    match ty {
        ParamType::String => Ok(value.to_owned()),
        ParamType::Integer => value
            .parse::<i32>()
            .map(|n| n.to_string())
            .map_err(|_| bad("an integer (32-bit)".into())),
        ParamType::Int64 => value
            .parse::<i64>()
            .map(|n| n.to_string())
            .map_err(|_| bad("an integer (64-bit)".into())),
        ParamType::Number => match value.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(value.to_owned()),
            _ => Err(bad("a number".into())),
        },
        ParamType::Boolean => match value.to_ascii_lowercase().as_str() {
            "true" | "false" => Ok(value.to_ascii_lowercase()),
            _ => Err(bad("true or false".into())),
        },
        ParamType::Enum(allowed) => {
            if allowed.contains(value) {
                Ok(value.to_owned())
            } else {
                Err(bad(format!("one of: {}", allowed.join(", "))))
            }
        }
        ParamType::Array(item) => check_typed(name, &(*item).into(), value),
    }
}

/// A human name for a parameter type, for help and error texts.
pub fn type_name(ty: &ParamType) -> String {
    match ty {
        ParamType::String => "string".into(),
        ParamType::Integer => "integer".into(),
        ParamType::Int64 => "integer (int64)".into(),
        ParamType::Number => "number".into(),
        ParamType::Boolean => "boolean".into(),
        ParamType::Enum(_) => "enum".into(),
        ParamType::Array(item) => format!("array of {}", type_name(&(*item).into())),
    }
}

/// Everything needed to send one request, relative to a base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestPlan {
    /// The spec's operationId (`getFailedWebhooks`) when the operation is
    /// in the table; `None` for `jr raw`'s ad-hoc operations. Recordings
    /// are named by it (see [`crate::record`]).
    pub operation_id: Option<&'static str>,
    /// The HTTP method.
    pub method: Method,
    /// The path with its parameters filled in and encoded (`/rest/api/3/issue/ABC-1`).
    pub path: String,
    /// Query pairs, unencoded, in flag order; an array parameter repeats its name.
    pub query: Vec<(String, String)>,
    /// Header parameters (name, value).
    pub headers: Vec<(String, String)>,
    /// The body's bytes and `Content-Type` value, when the operation takes one.
    pub body: Option<(Vec<u8>, String)>,
    /// The query parameters the operation declares, so paging sets
    /// `startAt` or `nextPageToken` in the query when the operation takes
    /// them there, even when it also has a JSON body (whose schema may
    /// forbid them, e.g. `getCommentsByIds`).
    pub query_params: Vec<&'static str>,
    /// The paging fields (`startAt`, `nextPageToken`) the operation's JSON
    /// request body schema has (the POST search operations); empty for
    /// other operations.
    pub body_paging: Vec<&'static str>,
}

/// The paging fields `op`'s JSON body schema names, for paged operations.
fn body_paging_fields(op: &Operation) -> Vec<&'static str> {
    if op.pagination == crate::ops::Pagination::None || op.body.is_none() {
        return Vec::new();
    }
    let Some(schema) = crate::ops::body::schema(op) else {
        return Vec::new();
    };
    let text = schema.to_string();
    ["startAt", "nextPageToken"]
        .into_iter()
        .filter(|name| text.contains(&format!("\"{name}\"")))
        .collect()
}

impl RequestPlan {
    /// Builds the plan for `op` from checked values (`(parameter name, values)`,
    /// each checked with [`check_value`]) and an optional body.
    ///
    /// Errors: exit 4 when a required parameter or a required body is missing,
    /// or a name is not a parameter of `op`.
    pub fn build(
        op: &Operation,
        values: &[(String, Vec<String>)],
        body: Option<Vec<u8>>,
    ) -> Result<RequestPlan, Error> {
        let mut plan = RequestPlan {
            operation_id: crate::ops::by_operation_id(op.operation_id()).map(|o| o.operation_id()),
            method: op.method,
            path: op.path().to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            query_params: op
                .params()
                .iter()
                .filter(|p| p.location == crate::ops::Location::Query)
                .map(|p| p.name())
                .collect(),
            body_paging: body_paging_fields(op),
        };
        for param in op.params() {
            let given = values.iter().find(|(name, _)| name == param.name());
            match given {
                Some((_, vals)) if !vals.is_empty() => plan.add(param, vals),
                _ if param.required => {
                    return Err(Error::validation(format!(
                        "missing required flag --{} for `{} {}`",
                        param.name(),
                        op.group(),
                        op.command()
                    )));
                }
                _ => {}
            }
        }
        if let Some((name, _)) = values.iter().find(|(name, _)| op.param(name).is_none()) {
            return Err(Error::validation(format!(
                "`{} {}` has no parameter `{name}`",
                op.group(),
                op.command()
            )));
        }
        plan.body = match (op.body, body) {
            (Some(spec), Some(bytes)) => Some((bytes, spec.content_type().to_owned())),
            (Some(spec), None) if spec.required => {
                return Err(Error::validation(format!(
                    "`{} {}` needs a request body: pass --body",
                    op.group(),
                    op.command()
                )));
            }
            (None, Some(_)) => {
                return Err(Error::validation(format!(
                    "`{} {}` takes no request body",
                    op.group(),
                    op.command()
                )));
            }
            (_, None) => None,
        };
        Ok(plan)
    }

    /// Replaces the body with an encoded one (multipart, binary, another
    /// of the operation's content types) and adds `headers` (such as
    /// [`crate::body::NO_CHECK`]).
    pub fn with_body(mut self, encoded: crate::body::Encoded, headers: &[(&str, &str)]) -> Self {
        self.body = Some((encoded.bytes, encoded.content_type));
        self.headers.extend(
            headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        self
    }

    fn add(&mut self, param: &Param, values: &[String]) {
        match param.location {
            Location::Path => {
                let placeholder = format!("{{{}}}", param.name());
                self.path = self
                    .path
                    .replace(&placeholder, &encode_component(&values.join(",")));
            }
            Location::Query if param.explode => self
                .query
                .extend(values.iter().map(|v| (param.name().to_owned(), v.clone()))),
            // `explode: false`: one pair, values comma-joined (OpenAPI `form` style).
            Location::Query => self.query.push((param.name().to_owned(), values.join(","))),
            Location::Header => self
                .headers
                .push((param.name().to_owned(), values.join(","))),
        }
    }

    /// The full URL against `base` (a site or gateway URL, which may carry a
    /// path prefix such as `/ex/jira/{cloudId}`), query encoded once.
    pub fn url(&self, base: &Url) -> String {
        let mut url = base.as_str().trim_end_matches('/').to_owned();
        url.push_str(&self.path);
        // `jr raw` paths may carry their own query already.
        let mut separator = if self.path.contains('?') { '&' } else { '?' };
        for (name, value) in &self.query {
            url.push(separator);
            url.push_str(&encode_component(name));
            url.push('=');
            url.push_str(&encode_component(value));
            separator = '&';
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::find;

    fn pairs(items: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        items
            .iter()
            .map(|(n, vs)| (n.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect()
    }

    #[test]
    fn get_failed_puts_its_flags_in_the_query() {
        let op = find("webhook", "get-failed").unwrap();
        let plan = RequestPlan::build(
            op,
            &pairs(&[("maxResults", &["50"]), ("after", &["1700000000000"])]),
            None,
        )
        .unwrap();
        let base = Url::parse("https://site.example").unwrap();
        assert_eq!(plan.method, Method::Get);
        assert_eq!(
            plan.url(&base),
            "https://site.example/rest/api/3/webhook/failed?maxResults=50&after=1700000000000"
        );
    }

    #[test]
    fn query_values_are_encoded_once_with_space_as_percent_20() {
        assert_eq!(
            encode_component(r#"component = "A&B" AND summary ~ "Grüße""#),
            "component%20%3D%20%22A%26B%22%20AND%20summary%20~%20%22Gr%C3%BC%C3%9Fe%22"
        );
    }

    #[test]
    fn a_gateway_base_keeps_its_path_prefix() {
        let op = find("webhook", "get-dynamic-webhooks-for-app").unwrap();
        let plan = RequestPlan::build(op, &[], None).unwrap();
        let base = Url::parse("https://api.atlassian.com/ex/jira/abc/").unwrap();
        assert_eq!(
            plan.url(&base),
            "https://api.atlassian.com/ex/jira/abc/rest/api/3/webhook"
        );
    }

    #[test]
    fn typed_values_are_checked_before_any_request() {
        let op = find("webhook", "get-failed").unwrap();
        let max = op.param("maxResults").unwrap();
        let err = check_value(max, "abc").unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.message().contains("--maxResults"), "{}", err.message());
        assert!(
            check_value(max, "99999999999").is_err(),
            "int32 range is enforced"
        );
        assert_eq!(
            check_value(op.param("after").unwrap(), "1700000000000").unwrap(),
            "1700000000000"
        );
    }

    #[test]
    fn a_required_body_must_be_given() {
        let op = find("webhook", "register-dynamic").unwrap();
        assert_eq!(
            RequestPlan::build(op, &[], None).unwrap_err().exit_code(),
            4
        );
    }

    #[test]
    fn a_path_parameter_can_never_name_another_resource() {
        let op = crate::ops::by_operation_id("deleteComment").expect("in the table");
        let id = op
            .params()
            .iter()
            .find(|p| p.name() == "id")
            .expect("path parameter id");
        for bad in ["", ".", ".."] {
            let err = check_value(id, bad).unwrap_err();
            assert_eq!(err.exit_code(), 4, "{bad:?}");
        }
        assert_eq!(check_value(id, "..x").unwrap(), "..x");
    }
}
