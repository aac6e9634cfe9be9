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
}

/// The request body (`ops::RequestBody`).
#[derive(Debug, PartialEq, Eq)]
pub struct RequestBody {
    pub content_type: String,
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
