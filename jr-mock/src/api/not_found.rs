//! The catch-all: Jira-shaped 404 for anything no operation answers.

use wiremock::Request;

use crate::routes::Responder;
use crate::wire::Reply;

use crate::wire::ApiError;

/// 404 `{"errorMessages": ["jr-mock: no operation matches <METHOD> <path>"], "errors": {}}`.
pub struct NotFound;

impl Responder for NotFound {
    fn respond(&self, req: &Request) -> Reply {
        ApiError::no_operation(req.method.as_str(), req.url.path()).template()
    }
}
