//! The operations answered from the model rather than the catalog's
//! examples ([`STATEFUL`]): the issue itself ([`issue`]), bulk creation
//! ([`bulk`]), its comments ([`comments`]), its changelog ([`changelog`]), its properties ([`properties`]), its worklogs ([`worklogs`]), its
//! transitions ([`transitions`]) and issue search ([`search`]).
//!
//! The catalog ([`crate::catalog`]) routes every request, authenticates the
//! caller, checks path and query parameters and the body (415, 400, ADF)
//! exactly as for any other operation, then hands a [`Call`] for one of
//! these operations to [`answer`]. So `/rest/api/3/issue/picker` stays
//! `getIssuePickerResource`, never an issue key, and a modelled operation
//! refuses what Jira refuses before it touches the model.
//!
//! Each write goes through the store in one change (saved with `--state`
//! before the answer) and, when it queued webhook deliveries, asks the
//! delivery engine to run them ([`crate::store::Store::deliver_queued`]):
//! the HTTP answer returns first; `GET /_mock/settle` waits for them.

pub mod access;
pub mod bulk;
pub mod changelog;
pub mod comments;
pub mod issue;
pub mod properties;
pub mod search;
pub mod transitions;
pub mod worklogs;

use serde_json::{Map, Value, json};
use wiremock::Request;

use crate::api::auth::NOT_AUTHENTICATED;
use crate::model::issues::{Actor, IssueError, NO_ISSUE};
use crate::store::{SaveError, Store};
use crate::wire::{ApiError, Reply, json_response, not_authenticated};

/// The operationIds answered here, each a stateful operation of the model.
pub const STATEFUL: [&str; 28] = [
    "createIssue",
    "createIssues",
    "getIssue",
    "editIssue",
    "deleteIssue",
    "addComment",
    "getComments",
    "getComment",
    "updateComment",
    "deleteComment",
    "getTransitions",
    "doTransition",
    "searchAndReconsileIssuesUsingJql",
    "searchAndReconsileIssuesUsingJqlPost",
    "getChangeLogs",
    "getChangeLogsByIds",
    "getIssuePropertyKeys",
    "getIssueProperty",
    "setIssueProperty",
    "deleteIssueProperty",
    "addWorklog",
    "getIssueWorklog",
    "getWorklog",
    "updateWorklog",
    "deleteWorklog",
    "assignIssue",
    "getAllLabels",
    "countIssues",
];

/// A request for one of the [`STATEFUL`] operations, already
/// authenticated and checked by the catalog.
pub struct Call<'a> {
    /// The model's owner.
    pub store: &'a Store,
    /// The caller; `None` only for an anonymous request under `lenientAuth`.
    pub actor: Option<Actor>,
    /// The path parameters, by name, as sent (percent-encoded).
    pub path: &'a [(&'a str, &'a str)],
    /// The request.
    pub req: &'a Request,
    /// The base URL of `self` links (the `Host` the caller used).
    pub base: &'a str,
    /// The caller as the access rules see it ([`access`]).
    pub viewer: access::Viewer,
}

impl Call<'_> {
    /// The decoded path parameter `name` (empty when absent).
    fn param(&self, name: &str) -> String {
        let raw = self
            .path
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| *v);
        percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned()
    }

    /// The caller, or the 401 an anonymous write gets.
    fn actor(&self) -> Result<&Actor, Failure> {
        self.actor.as_ref().ok_or(Failure::Anonymous)
    }

    /// The JSON object body (`{}` when empty).
    /// Errors: 400 for a body that is not a JSON object.
    fn body(&self) -> Result<Map<String, Value>, Failure> {
        if self.req.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice(&self.req.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(ApiError::BadRequest("The request body must be a JSON object".into()).into()),
        }
    }
}

/// The answer to `operation_id` (one of [`STATEFUL`]), or `None` for any
/// other operation (the catalog answers it).
pub fn answer(operation_id: &str, call: &Call<'_>) -> Option<Reply> {
    if !STATEFUL.contains(&operation_id) {
        return None;
    }
    if let Err(refused) = access::guard(operation_id, call) {
        return Some(refused.reply());
    }
    let result = match operation_id {
        "createIssue" => issue::create(call),
        "createIssues" => bulk::create(call),
        "getIssue" => issue::get(call),
        "editIssue" => issue::edit(call),
        "deleteIssue" => issue::delete(call),
        "addComment" => comments::add(call),
        "getComments" => comments::list(call),
        "getComment" => comments::get(call),
        "updateComment" => comments::update(call),
        "deleteComment" => comments::delete(call),
        "getTransitions" => transitions::list(call),
        "doTransition" => transitions::apply(call),
        "searchAndReconsileIssuesUsingJql" => search::get(call),
        "searchAndReconsileIssuesUsingJqlPost" => search::post(call),
        "getChangeLogs" => changelog::list(call),
        "getChangeLogsByIds" => changelog::by_ids(call),
        "getIssuePropertyKeys" => properties::keys(call),
        "getIssueProperty" => properties::get(call),
        "setIssueProperty" => properties::set(call),
        "deleteIssueProperty" => properties::delete(call),
        "addWorklog" => worklogs::add(call),
        "getIssueWorklog" => worklogs::list(call),
        "getWorklog" => worklogs::get(call),
        "updateWorklog" => worklogs::update(call),
        "deleteWorklog" => worklogs::delete(call),
        "assignIssue" => issue::assign(call),
        "getAllLabels" => issue::labels(call),
        "countIssues" => search::count(call),
        _ => return None,
    };
    Some(result.unwrap_or_else(|f| f.reply()))
}

/// Why a stateful operation is refused.
#[derive(Debug)]
enum Failure {
    /// The model refused (400 or 404 with Jira's texts).
    Issue(IssueError),
    /// A malformed request, or a change that could not be saved (503).
    Api(ApiError),
    /// A write without a caller (possible only under `lenientAuth`).
    Anonymous,
    /// An OAuth token without the scope the operation needs ([`access`]).
    Scope,
}

impl From<IssueError> for Failure {
    fn from(e: IssueError) -> Self {
        Failure::Issue(e)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<SaveError> for Failure {
    fn from(e: SaveError) -> Self {
        Failure::Api(e.into())
    }
}

impl Failure {
    fn reply(self) -> Reply {
        match self {
            Failure::Issue(IssueError::NotFound) => {
                json_response(404, &json!({"errorMessages": [NO_ISSUE], "errors": {}}))
            }
            Failure::Issue(IssueError::Fields(errors)) => {
                json_response(400, &json!({"errorMessages": [], "errors": errors}))
            }
            Failure::Issue(IssueError::Missing(m)) => {
                json_response(404, &json!({"errorMessages": [m], "errors": {}}))
            }
            Failure::Issue(IssueError::Message(m)) => {
                json_response(400, &json!({"errorMessages": [m], "errors": {}}))
            }
            Failure::Api(e) => e.template(),
            Failure::Anonymous => not_authenticated(NOT_AUTHENTICATED),
            Failure::Scope => json_response(
                401,
                &json!({"code": 401, "message": access::SCOPE_MISMATCH}),
            ),
        }
    }
}

/// Runs the deliveries a change queued (the answer does not wait for them).
fn deliver(call: &Call<'_>, queued: usize) {
    if queued > 0 {
        call.store.deliver_queued();
    }
}
