//! The operation table: one entry per operation of the Jira Cloud platform
//! REST API v3 OpenAPI spec, generated into `generated.rs` by
//! `cargo xtask codegen`. This file holds the hand-written types and the
//! look-ups; `generated.rs` holds data only.

#[rustfmt::skip]
#[allow(missing_docs)] // data only; documented at the re-export below
mod generated;

/// Every operation of the spec, sorted by group, then command.
pub use generated::OPERATIONS;

/// An HTTP method used by the spec (the spec uses no others).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as it goes on the wire, upper case (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Where a parameter travels (OpenAPI `in`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A `{placeholder}` of the path template, one percent-encoded segment.
    Path,
    /// A query-string parameter.
    Query,
    /// An HTTP header.
    Header,
}

/// A parameter's type, from its OpenAPI schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// Any text.
    String,
    /// `type: integer` with `format: int32` or no format: a signed 32-bit value.
    Integer,
    /// `type: integer, format: int64`.
    Int64,
    /// A floating-point number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A string restricted to these values (OpenAPI `enum`).
    Enum(&'static [&'static str]),
    /// `type: array`; the element type is given. Sent as a repeated parameter.
    Array(&'static ParamType),
}

/// One parameter of an operation (path, query or header).
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The spec's name, used verbatim as the flag (`--maxResults`).
    pub name: &'static str,
    /// Where it travels.
    pub location: Location,
    /// Its type, checked before any request is sent.
    pub ty: ParamType,
    /// Path parameters are always required.
    pub required: bool,
    /// The schema's `default`, as text, when the spec gives one.
    pub default: Option<&'static str>,
    /// Plain text (markdown links reduced to their text, `**` removed).
    pub description: &'static str,
}

/// The request body an operation takes.
#[derive(Debug, Clone, Copy)]
pub struct RequestBody {
    /// The first content type the spec lists (`application/json`, `multipart/form-data`, ...).
    pub content_type: &'static str,
    /// True when the spec marks the body required.
    pub required: bool,
    /// The component schema name (`WebhookRegistrationDetails`), or empty when inline.
    pub schema: &'static str,
}

/// How the successful response pages, decided at codegen time from its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pagination {
    /// No pagination: one request, one answer.
    None,
    /// `startAt` / `maxResults` / `isLast` / `values`.
    Offset,
    /// `nextPageToken`.
    Token,
    /// A `next` URL to follow verbatim.
    Cursor,
}

/// One Jira operation and the command that runs it (`jr <group> <command>`).
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// The path segment after `/rest/api/3/`, case kept (`issueLink`).
    pub group: &'static str,
    /// The command name by the naming rule of DESIGN.md §2 (`get-failed`).
    pub command: &'static str,
    /// The spec's operationId (`getFailedWebhooks`).
    pub operation_id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template, placeholders in braces (`/rest/api/3/issue/{issueIdOrKey}`).
    pub path: &'static str,
    /// Summary, one line.
    pub summary: &'static str,
    /// Plain text, without the permissions paragraph.
    pub description: &'static str,
    /// The "Permissions required" text, plain, or empty.
    pub permissions: &'static str,
    /// OAuth 2.0 scopes from the operation's `security` block.
    pub scopes: &'static [&'static str],
    /// The operation's path, query and header parameters, in spec order.
    pub params: &'static [Param],
    /// The request body, when the operation takes one.
    pub body: Option<RequestBody>,
    /// How the 200 answer pages (decides what `jr` follows).
    pub pagination: Pagination,
    /// Marked deprecated in the spec.
    pub deprecated: bool,
}

impl Operation {
    /// The parameter named `name` (case-sensitive, as in the spec).
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// The operation behind `jr <group> <command>`, if any.
pub fn find(group: &str, command: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|op| op.group == group && op.command == command)
}

/// The operation with this operationId (`getFailedWebhooks`), if any.
pub fn by_operation_id(operation_id: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|op| op.operation_id == operation_id)
}

/// The operations of one group, in table order (sorted by command).
pub fn in_group(group: &str) -> impl Iterator<Item = &'static Operation> {
    let group = group.to_owned();
    OPERATIONS.iter().filter(move |op| op.group == group)
}

/// Every group name, sorted, each once.
pub fn groups() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = OPERATIONS.iter().map(|op| op.group).collect();
    names.sort_unstable();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_command_name_is_unique_within_its_group() {
        let mut seen = HashSet::new();
        for op in OPERATIONS {
            assert!(
                seen.insert((op.group, op.command)),
                "duplicate command {} {}",
                op.group,
                op.command
            );
        }
    }

    #[test]
    fn every_path_placeholder_has_a_required_path_parameter() {
        for op in OPERATIONS {
            for placeholder in op.path.split('{').skip(1) {
                let name = placeholder.split('}').next().unwrap_or_default();
                let param = op
                    .param(name)
                    .unwrap_or_else(|| panic!("{}: no parameter for {{{name}}}", op.operation_id));
                assert_eq!(param.location, Location::Path, "{}", op.operation_id);
                assert!(param.required, "{}: {name} not required", op.operation_id);
            }
        }
    }

    #[test]
    fn every_operation_has_a_summary() {
        for op in OPERATIONS {
            assert!(!op.summary.is_empty(), "{} has no summary", op.operation_id);
        }
    }

    #[test]
    fn the_table_covers_the_shipped_spec() {
        assert_eq!(OPERATIONS.len(), 621);
    }
}
