//! The spec lowered to plain data: exactly what `jr-core/src/ops/mod.rs` can
//! hold, with names decided and text made plain, so rendering is mechanical.
//!
//! These types mirror jr-core's on purpose instead of importing them: xtask
//! must build even when `generated.rs` is broken, or it could not repair it.

/// Every operation of the spec, sorted by group, then command.
#[derive(Debug)]
pub struct SpecModel {
    /// `info.version` of the spec, credited in the generated file.
    pub spec_version: String,
    pub operations: Vec<Operation>,
    /// Every group, sorted by name (`ops::Group`).
    pub groups: Vec<Group>,
    /// Request body schemas and examples, by operationId (`ops::bodies`).
    pub bodies: Vec<BodyData>,
    /// Every component schema a body schema reaches, by name, as JSON Schema
    /// 2020-12 (`$ref`s point at `#/$defs/<name>`).
    pub defs: Vec<(String, String)>,
}

/// One group of commands (`ops::Group`).
#[derive(Debug, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    /// The spec tags of its operations, most common first, at most three
    /// (`Issue comments, Issue comment properties`).
    pub tag: String,
    /// The paths up to and including the group's segment (`/rest/api/3/version`),
    /// comma-separated when its operations live under more than one prefix.
    pub prefix: String,
    /// How many operations it has.
    pub count: usize,
}

/// The large texts of one request body, kept out of the operation table and
/// parsed only when asked for (`jr schema`, validation, help examples).
#[derive(Debug)]
pub struct BodyData {
    pub operation_id: String,
    /// The body's JSON Schema (compact JSON), or empty when the body is not JSON.
    pub schema: String,
    /// A valid example body: the spec's, else one built from the schema.
    pub example: String,
}

/// One operation, as `ops::Operation` will hold it.
#[derive(Debug)]
pub struct Operation {
    pub group: String,
    pub command: String,
    pub operation_id: String,
    pub method: Method,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub permissions: String,
    pub scopes: Vec<String>,
    pub params: Vec<Param>,
    pub body: Option<RequestBody>,
    pub pagination: Pagination,
    pub deprecated: bool,
    /// The spec's first tag (`Webhooks`), which names the group in help.
    pub tag: String,
}

/// An HTTP method the table can express (`ops::Method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

/// Where a parameter travels (`ops::Location`); cookies are not modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

/// A parameter's type (`ops::ParamType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    String,
    Integer,
    Int64,
    Number,
    Boolean,
    Enum(Vec<String>),
    Array(Box<ParamType>),
}

/// One path, query or header parameter (`ops::Param`).
#[derive(Debug)]
pub struct Param {
    pub name: String,
    pub location: Location,
    pub ty: ParamType,
    pub required: bool,
    pub default: Option<String>,
    pub description: String,
    /// OpenAPI `explode`: an array as repeated `name=v` pairs (true, the
    /// default for `form`), or one comma-joined value.
    pub explode: bool,
}

/// The request body (`ops::RequestBody`).
#[derive(Debug, PartialEq, Eq)]
pub struct RequestBody {
    /// The preferred content type: JSON, else multipart, else the first listed.
    pub content_type: String,
    /// Every content type the spec lists, in its order.
    pub content_types: Vec<String>,
    pub required: bool,
    /// The component schema name, or empty when the schema is inline.
    pub schema: String,
}

/// How the successful response pages (`ops::Pagination`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pagination {
    None,
    Offset,
    Token,
    Cursor,
}
