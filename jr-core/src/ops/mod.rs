//! The operation table: one entry per operation of the Jira Cloud platform
//! REST API v3 OpenAPI spec, generated into `generated.rs` by
//! `cargo xtask codegen`. This file holds the hand-written types and the
//! look-ups; `generated.rs` holds data only.
//!
//! The table's strings are read through methods (`op.summary()`), not
//! fields: the generated rows hold byte ranges of one text blob (see
//! [`text`]), so that the table needs no load-time relocations in a
//! position-independent `jr`.

#[rustfmt::skip]
#[allow(missing_docs)] // data only; documented at the re-export below
mod generated;
#[rustfmt::skip]
#[allow(missing_docs)] // data only; read through `body`
mod bodies;
#[rustfmt::skip]
#[allow(missing_docs)] // data only; read through `item_failures`
mod partial;
pub mod body;
pub mod example;
mod schema_check;
mod text;

pub use text::Texts;
use text::{Span, Text};

/// Every group, sorted by name.
pub use generated::GROUPS;
/// Every operation of the spec, sorted by group, then command.
pub use generated::OPERATIONS;

/// A group of commands: the path segment its operations share.
#[derive(Debug, Clone, Copy)]
pub struct Group {
    name: Text,
    tag: Text,
    prefix: Text,
    /// How many operations it has.
    pub count: usize,
    /// The index of its first operation in [`OPERATIONS`] (sorted by group).
    first: usize,
}

impl Group {
    /// The name, as on the command line (`issueLink`).
    pub fn name(&self) -> &'static str {
        self.name.get()
    }

    /// The spec tags of its operations, most common first, at most three
    /// then `...` (`Issue comments, Issue comment properties`).
    pub fn tag(&self) -> &'static str {
        self.tag.get()
    }

    /// The path up to the group's segment (`/rest/api/3/issueLink`); several,
    /// joined by `, `, when the group spans prefixes (`forge`).
    pub fn prefix(&self) -> &'static str {
        self.prefix.get()
    }

    /// One line for `jr --help`: the tags and the count
    /// (`Issue links (3 operations)`).
    pub fn about(&self) -> String {
        let noun = if self.count == 1 {
            "operation"
        } else {
            "operations"
        };
        // Joined rather than `format!`ed: `jr --help` makes one per group,
        // and the formatting machinery was 4 % of its work.
        let count = self.count.to_string();
        match self.tag() {
            "" => [count.as_str(), " ", noun, " under ", self.prefix()].concat(),
            tags => [tags, " (", count.as_str(), " ", noun, ")"].concat(),
        }
    }
}

/// How the items of a per-item result array say that they failed; the
/// shapes `cargo xtask codegen` looks for in the spec's 2xx answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureShape {
    /// Every item failed: `{"failedElementNumber": N, "status", "elementErrors": ErrorCollection}`
    /// (`BulkOperationErrorResult`, e.g. `createIssues`).
    ElementErrors,
    /// An item failed when `success` is `false`; `error` says why
    /// (the field-scheme `*PartialFailure` results, 207).
    SuccessFlag,
    /// Every item failed: `{"id", "errorMessage"}` (`IssueError`, `bulkFetchIssues`).
    ItemError,
}

/// One array of per-item results in an operation's successful answer.
#[derive(Debug, Clone, Copy)]
pub struct ItemFailures {
    /// The operation (`createIssues`).
    pub operation_id: &'static str,
    /// The top-level array property (`errors`).
    pub field: &'static str,
    /// How its items report a failure.
    pub shape: FailureShape,
}

/// The per-item result arrays of `op`'s answers, from the spec (empty for most).
pub fn item_failures(op: &Operation) -> impl Iterator<Item = &'static ItemFailures> {
    let id = op.operation_id();
    partial::ITEM_FAILURES
        .iter()
        .filter(move |f| f.operation_id == id)
}

/// The group named `name`, if any.
pub fn group(name: &str) -> Option<&'static Group> {
    GROUPS.iter().find(|g| g.name() == name)
}

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
    Enum(Texts),
    /// `type: array`; the element type is given. Sent as a repeated
    /// parameter, or comma-joined when [`Param::explode`] is false.
    Array(ItemType),
}

/// The element type of an array parameter (the spec has no arrays of arrays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    /// Any text.
    String,
    /// A signed 32-bit integer.
    Integer,
    /// A signed 64-bit integer.
    Int64,
    /// A floating-point number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A string restricted to these values.
    Enum(Texts),
}

impl From<ItemType> for ParamType {
    fn from(item: ItemType) -> ParamType {
        match item {
            ItemType::String => ParamType::String,
            ItemType::Integer => ParamType::Integer,
            ItemType::Int64 => ParamType::Int64,
            ItemType::Number => ParamType::Number,
            ItemType::Boolean => ParamType::Boolean,
            ItemType::Enum(values) => ParamType::Enum(values),
        }
    }
}

/// One parameter of an operation (path, query or header).
#[derive(Debug, Clone, Copy)]
pub struct Param {
    name: Text,
    /// Where it travels.
    pub location: Location,
    /// Its type, checked before any request is sent.
    pub ty: ParamType,
    /// Path parameters are always required.
    pub required: bool,
    default: Option<Text>,
    description: Text,
    /// OpenAPI `explode` for arrays: `name=a&name=b` when true (the default
    /// of `style: form`), `name=a,b` when false.
    pub explode: bool,
}

impl Param {
    /// A parameter that is not in the table (`jr raw`): optional, no default,
    /// no description, arrays exploded.
    pub fn ad_hoc(name: &'static str, location: Location, ty: ParamType) -> Param {
        Param {
            name: Text::Static(name),
            location,
            ty,
            required: false,
            default: None,
            description: Text::Static(""),
            explode: true,
        }
    }

    /// The spec's name, used verbatim as the flag (`--maxResults`).
    pub fn name(&self) -> &'static str {
        self.name.get()
    }

    /// The schema's `default`, as text, when the spec gives one.
    pub fn default(&self) -> Option<&'static str> {
        self.default.map(Text::get)
    }

    /// Plain text (markdown links reduced to their text, `**` removed).
    pub fn description(&self) -> &'static str {
        self.description.get()
    }
}

/// The request body an operation takes.
#[derive(Debug, Clone, Copy)]
pub struct RequestBody {
    content_type: Text,
    content_types: Texts,
    /// True when the spec marks the body required.
    pub required: bool,
    schema: Text,
}

impl RequestBody {
    /// A body that is not in the table (`jr raw`): optional JSON, no schema.
    pub fn ad_hoc_json() -> RequestBody {
        RequestBody {
            content_type: Text::Static("application/json"),
            content_types: Texts::of(&["application/json"]),
            required: false,
            schema: Text::Static(""),
        }
    }

    /// The preferred content type: `application/json` when offered, else
    /// `multipart/form-data`, else the first listed (`*/*`, `application/json-patch+json`).
    pub fn content_type(&self) -> &'static str {
        self.content_type.get()
    }

    /// Every content type the spec lists for the body, in spec order.
    pub fn content_types(&self) -> Texts {
        self.content_types
    }

    /// The component schema name (`WebhookRegistrationDetails`), or empty when inline.
    pub fn schema(&self) -> &'static str {
        self.schema.get()
    }
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

/// The large texts of one JSON (or multipart) request body, kept out of
/// [`OPERATIONS`] so that start-up never reads them; see [`body`]. Each is a
/// range of `bodies::TEXT`.
#[derive(Debug, Clone, Copy)]
pub struct BodyTexts {
    operation_id: Span,
    schema: Span,
    example: Span,
}

impl BodyTexts {
    /// The operation's operationId; [`body`]'s look-ups are by it.
    pub fn operation_id(&self) -> &'static str {
        self.operation_id.of(bodies::TEXT)
    }

    /// JSON Schema 2020-12 (compact JSON) referring to `#/$defs/<name>`.
    pub fn schema(&self) -> &'static str {
        self.schema.of(bodies::TEXT)
    }

    /// A valid example body, compact JSON.
    pub fn example(&self) -> &'static str {
        self.example.of(bodies::TEXT)
    }
}

/// One Jira operation and the command that runs it (`jr <group> <command>`).
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    group: Text,
    command: Text,
    operation_id: Text,
    /// The HTTP method.
    pub method: Method,
    path: Text,
    summary: Text,
    description: Text,
    permissions: Text,
    scopes: Texts,
    params: Params,
    /// The request body, when the operation takes one.
    pub body: Option<RequestBody>,
    /// How the 200 answer pages (decides what `jr` follows).
    pub pagination: Pagination,
    /// Marked deprecated in the spec.
    pub deprecated: bool,
}

/// An operation's parameters: a range of `generated::PARAMS`, or a slice
/// given at run time.
#[derive(Debug, Clone, Copy)]
enum Params {
    Table { start: u32, len: u32 },
    Static(&'static [Param]),
}

impl Params {
    const fn at(start: u32, len: u32) -> Params {
        Params::Table { start, len }
    }
}

impl Operation {
    /// An operation that is not in the table (`jr raw`): no summary,
    /// description, permissions or scopes; one answer, no paging.
    pub fn ad_hoc(
        group: &'static str,
        command: &'static str,
        operation_id: &'static str,
        method: Method,
        path: &'static str,
        params: &'static [Param],
        body: Option<RequestBody>,
    ) -> Operation {
        Operation {
            group: Text::Static(group),
            command: Text::Static(command),
            operation_id: Text::Static(operation_id),
            method,
            path: Text::Static(path),
            summary: Text::Static(""),
            description: Text::Static(""),
            permissions: Text::Static(""),
            scopes: Texts::of(&[]),
            params: Params::Static(params),
            body,
            pagination: Pagination::None,
            deprecated: false,
        }
    }

    /// The path segment after `/rest/api/3/`, case kept (`issueLink`).
    pub fn group(&self) -> &'static str {
        self.group.get()
    }

    /// The command name by the naming rule of docs/architecture.md §2 (`get-failed`).
    pub fn command(&self) -> &'static str {
        self.command.get()
    }

    /// The spec's operationId (`getFailedWebhooks`).
    pub fn operation_id(&self) -> &'static str {
        self.operation_id.get()
    }

    /// The path template, placeholders in braces (`/rest/api/3/issue/{issueIdOrKey}`).
    pub fn path(&self) -> &'static str {
        self.path.get()
    }

    /// Summary, one line.
    pub fn summary(&self) -> &'static str {
        self.summary.get()
    }

    /// Plain text, without the permissions paragraph.
    pub fn description(&self) -> &'static str {
        self.description.get()
    }

    /// The "Permissions required" text, plain, or empty.
    pub fn permissions(&self) -> &'static str {
        self.permissions.get()
    }

    /// OAuth 2.0 scopes from the operation's `security` block.
    pub fn scopes(&self) -> Texts {
        self.scopes
    }

    /// The operation's path, query and header parameters, in spec order.
    pub fn params(&self) -> &'static [Param] {
        match self.params {
            Params::Table { start, len } => {
                let start = start as usize;
                &generated::PARAMS[start..start + len as usize]
            }
            Params::Static(params) => params,
        }
    }

    /// The parameter named `name` (case-sensitive, as in the spec).
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params().iter().find(|p| p.name() == name)
    }
}

/// The operation behind `jr <group> <command>`, if any.
pub fn find(group: &str, command: &str) -> Option<&'static Operation> {
    in_group(group).find(|op| op.command() == command)
}

/// The operation with this operationId (`getFailedWebhooks`), if any.
pub fn by_operation_id(operation_id: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|op| op.operation_id() == operation_id)
}

/// The operations of one group, in table order (sorted by command); none
/// for a name that is not a group.
pub fn in_group(group: &str) -> impl Iterator<Item = &'static Operation> {
    let rows = self::group(group).map_or(0..0, |g| g.first..g.first + g.count);
    OPERATIONS[rows].iter()
}

/// Every group name, sorted, each once.
pub fn groups() -> Vec<&'static str> {
    GROUPS.iter().map(Group::name).collect()
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
                seen.insert((op.group(), op.command())),
                "duplicate command {} {}",
                op.group(),
                op.command()
            );
        }
    }

    #[test]
    fn every_path_placeholder_has_a_required_path_parameter() {
        for op in OPERATIONS {
            for placeholder in op.path().split('{').skip(1) {
                let name = placeholder.split('}').next().unwrap_or_default();
                let param = op.param(name).unwrap_or_else(|| {
                    panic!("{}: no parameter for {{{name}}}", op.operation_id())
                });
                assert_eq!(param.location, Location::Path, "{}", op.operation_id());
                assert!(param.required, "{}: {name} not required", op.operation_id());
            }
        }
    }

    #[test]
    fn every_operation_has_a_summary() {
        for op in OPERATIONS {
            assert!(
                !op.summary().is_empty(),
                "{} has no summary",
                op.operation_id()
            );
        }
    }

    #[test]
    fn groups_agree_with_the_operations() {
        for group in GROUPS {
            let ops: Vec<_> = in_group(group.name()).collect();
            assert_eq!(ops.len(), group.count, "{}", group.name());
            assert!(
                ops.iter().all(|op| op.group() == group.name()),
                "{}",
                group.name()
            );
            assert!(
                ops.iter()
                    .all(|op| group.prefix().split(", ").any(|p| op.path().starts_with(p))),
                "{}",
                group.name()
            );
        }
        assert_eq!(
            GROUPS.iter().map(|g| g.count).sum::<usize>(),
            OPERATIONS.len()
        );
        let connect = group("atlassian-connect").expect("a group");
        assert_eq!(connect.prefix(), "/rest/atlassian-connect");
    }

    #[test]
    fn the_table_covers_the_shipped_spec() {
        assert_eq!(OPERATIONS.len(), 621);
    }
}
